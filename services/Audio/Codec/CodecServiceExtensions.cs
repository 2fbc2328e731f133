using Media.Hosting;
using Media.Hosting.Models;
using Media.Modeling.Devices;
using Media.Tokenizers.Audio.Codec;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Media.Services.Audio.Codec;

public static class CodecServiceExtensions
{
    /// <summary>The media-codec model's id and checkpoint folder.</summary>
    public const string ModelId = "media-codec";

    /// <summary>
    /// Registers the media-codec generator: on the first job it loads <see cref="CodecOptions.Checkpoint"/>
    /// (default: the media-codec folder under the models directory) on the configured torch device.
    /// </summary>
    public static IServiceCollection AddCodecGenerator(this IServiceCollection services)
    {
        services.AddOptions<CodecOptions>().BindConfiguration(CodecOptions.Section);
        return services.AddGenerator(ModelId, sp =>
        {
            string path = sp.GetRequiredService<IOptions<CodecOptions>>().Value.Checkpoint
                ?? Path.Combine(sp.GetRequiredService<ModelCatalog>().ModelsDirectory, ModelId);
            var device = DeviceSelector.Apply(sp.GetRequiredService<IOptions<TorchOptions>>().Value);
            return new CodecGenerator(NeuralAudioCodec.Load(path, device));
        });
    }
}

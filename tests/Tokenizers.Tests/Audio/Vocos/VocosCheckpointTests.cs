using System.Collections;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Vocos;
using Media.Tokenizers.Tests.Audio.Encodec;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Vocos;

/// <summary>
/// charactr/vocos-encodec-24khz at its real shapes (random values): <c>pytorch_model.bin</c> holding the decoder under Vocos's
/// module names (written here from Vocos's code: VocosBackbone with AdaLayerNorm over 4 bandwidths, ISTFTHead) and the EnCodec
/// 24 kHz model under <c>feature_extractor.encodec.</c> in the original repository's layout.
/// </summary>
public sealed class VocosCheckpointTests
{
    static Dictionary<string, Tensor> PublicDecoder(int seed)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Add(string key, params long[] shape) => state[key] = 0.05f * randn(shape, generator: generator);
        Add("backbone.embed.weight", 384, 128, 7);
        Add("backbone.embed.bias", 384);
        Add("backbone.norm.scale.weight", 4, 384);
        Add("backbone.norm.shift.weight", 4, 384);
        for (int i = 0; i < 8; i++)
        {
            string p = $"backbone.convnext.{i}.";
            Add(p + "dwconv.weight", 384, 1, 7);
            Add(p + "dwconv.bias", 384);
            Add(p + "norm.scale.weight", 4, 384);
            Add(p + "norm.shift.weight", 4, 384);
            Add(p + "pwconv1.weight", 1152, 384);
            Add(p + "pwconv1.bias", 1152);
            Add(p + "pwconv2.weight", 384, 1152);
            Add(p + "pwconv2.bias", 384);
            Add(p + "gamma", 384);
        }
        Add("backbone.final_layer_norm.weight", 384);
        Add("backbone.final_layer_norm.bias", 384);
        Add("head.out.weight", 1282, 384);
        Add("head.out.bias", 1282);
        state["head.istft.window"] = hann_window(1280);
        Add("feature_extractor.codebook_weights", 16 * 1024, 128);
        return state;
    }

    static Hashtable Table(Dictionary<string, Tensor> decoder, Dictionary<string, Tensor> encodec)
    {
        var table = new Hashtable();
        foreach (var (key, value) in decoder) table[key] = value;
        foreach (var (key, value) in encodec) table["feature_extractor.encodec." + EncodecCheckpointTests.OriginalKey(key)] = value;
        return table;
    }

    [Fact]
    [Slow("the full-size EnCodec and Vocos, saved and loaded")]
    public void The_public_folder_loads_strictly_as_a_codec_that_decodes_with_vocos()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var decoder = PublicDecoder(seed: 4);
        var encodec = EncodecCheckpointTests.PublicCheckpoint(seed: 11);
        PyTorchPickler.PickleStateDict(dir.File("pytorch_model.bin"), Table(decoder, encodec));
        File.WriteAllText(dir.File("config.yaml"), "feature_extractor:\n  class_path: vocos.feature_extractors.EncodecFeatures\n");

        using var codec = NeuralAudioCodec.Load(dir.Path);

        Assert.Equal("vocos", codec.DecoderName);
        Assert.Equal(24_000, codec.Model.Config.SamplingRate);
        var loaded = codec.Vocos!.state_dict();
        foreach (var (key, value) in decoder.Where(p => p.Key.StartsWith("backbone.", StringComparison.Ordinal) || p.Key.StartsWith("head.out.", StringComparison.Ordinal)))
            Assert.True(TinyEncodec.Same(loaded[key], value), key);
        Assert.Equal(decoder.Keys.Count(k => !k.StartsWith("feature_extractor.", StringComparison.Ordinal)) - 1, loaded.Count);
        var codebook = codec.Model.state_dict()["quantizer.layers.3.codebook.embed"];
        Assert.True(TinyEncodec.Same(codebook, encodec["quantizer.layers.3.codebook.embed"]));

        // 6 kbps is 8 codebooks: the third of the four bandwidth rows; T frames give T hops.
        var codes = randint(0, 1024, [1, 8, 11], generator: new TorchSharp.torch.Generator(2));
        var audio = codec.DecodeMatrix([.. Enumerable.Range(0, 8).Select(q => (IReadOnlyList<int>)[.. codes[0, q].data<long>().ToArray().Select(v => (int)v)])]);
        Assert.Equal(11 * 320, audio.Length);
        Assert.True(audio.Channels[0].All(float.IsFinite));
    }

    [Fact]
    [Slow("the full-size EnCodec and Vocos, saved and loaded")]
    public void A_tensor_of_another_model_fails_naming_it()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var decoder = PublicDecoder(seed: 4);
        decoder["backbone.extra.weight"] = zeros(3);
        PyTorchPickler.PickleStateDict(dir.File("pytorch_model.bin"), Table(decoder, EncodecCheckpointTests.PublicCheckpoint(seed: 11)));
        decoder.Remove("backbone.extra.weight");
        decoder["discriminator.weight"] = zeros(3);
        PyTorchPickler.PickleStateDict(dir.File("other.bin"), Table(decoder, EncodecCheckpointTests.PublicCheckpoint(seed: 11)));

        var extra = Assert.Throws<Media.Modeling.Checkpoints.StateDictMismatchException>(() => VocosCheckpoint.LoadEncodec(dir.File("pytorch_model.bin")));
        var foreign = Assert.Throws<InvalidDataException>(() => VocosCheckpoint.LoadEncodec(dir.File("other.bin")));

        Assert.Contains("backbone.extra.weight", extra.Message);
        Assert.Contains("discriminator.weight", foreign.Message);
    }
}

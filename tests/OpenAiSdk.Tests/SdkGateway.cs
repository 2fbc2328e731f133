using System.ClientModel;
using Media.Audio.IO;
using Media.Gateway.Tests;
using Media.Hosting;
using Media.Hosting.Jobs;
using Media.Hosting.Keys;
using Media.Hosting.Models;
using Media.Hosting.Workers;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Media.OpenAiSdk.Tests;

/// <summary>
/// The gateway on Kestrel with the deterministic test generators, plus two made for format tests: a voice
/// that says a 440 Hz tone for <see cref="ToneSeconds"/> s at 24 kHz (long enough for every codec's
/// framing to stay within 5 % of the length), and an image model that paints a 64x64 textured picture (so
/// JPEG and WebP compression levels make different sizes). One per test class (xunit class fixture).
/// </summary>
public sealed class SdkGateway : IDisposable
{
    public const string ToneVoice = "test-tone";
    public const string TexturedImage = "test-texture";
    public const int ToneRate = 24000;
    public const double ToneSeconds = 3;

    readonly string root = Directory.CreateTempSubdirectory("media-sdk-").FullName;
    readonly GatewayFactory factory;
    readonly HttpClient http;

    public SdkGateway()
    {
        string models = Path.Combine(root, "models");
        foreach (string id in new[] { ToneVoice, TexturedImage })
        {
            string folder = Directory.CreateDirectory(Path.Combine(models, id)).FullName;
            foreach (string file in ModelCatalog.CheckpointFiles) File.WriteAllText(Path.Combine(folder, file), "{}");
        }
        factory = new GatewayFactory(root, testModels: true, services: services =>
        {
            services.AddModelSlot(new ModelSlot(ToneVoice, "audio", [Media.Services.Audio.Speech.SpeechJobKind.Name], "a 440 Hz tone (tests)", ToneVoice));
            services.AddGenerator(ToneVoice, _ => new ToneGenerator());
            services.AddModelSlot(new ModelSlot(TexturedImage, "image", [Media.Services.Image.ImageJobKind.Name], "a textured 64x64 picture (tests)", TexturedImage));
            services.AddGenerator(TexturedImage, _ => new TextureGenerator());
        });
        http = factory.StartKestrel();
        // A real key, as a user of the SDK has one (an unknown key is refused even on loopback); plain HTTP uses it too, so
        // the artifacts of the SDK's jobs are its own.
        var (_, token) = factory.Services.GetRequiredService<ApiKeyService>().CreateAsync("sdk", [ApiKeyScopes.Jobs], CancellationToken.None).GetAwaiter().GetResult();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Client = new OpenAIClient(new ApiKeyCredential(token), new OpenAIClientOptions { Endpoint = new Uri(factory.BaseAddress!, "/v1") });
    }

    /// <summary>The official client, pointed at this gateway's /v1.</summary>
    public OpenAIClient Client { get; }

    /// <summary>Plain HTTP to the same gateway (artifact downloads, /api routes).</summary>
    public HttpClient Http => http;

    public void Dispose()
    {
        http.Dispose();
        factory.Dispose();
        Directory.Delete(root, recursive: true);
    }

    /// <summary>The tone, streamed in 100 ms chunks, and its WAV.</summary>
    sealed class ToneGenerator : IGenerator
    {
        public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
        {
            int length = (int)(ToneRate * ToneSeconds), chunk = ToneRate / 10;
            var tone = new float[length];
            for (int i = 0; i < length; i++) tone[i] = 0.25f * MathF.Sin(2 * MathF.PI * 440 * i / ToneRate);
            for (int at = 0, step = 1; at < length; at += chunk, step++)
            {
                await events.AudioChunkAsync(Pcm16.ToBytes(tone.AsSpan(at, Math.Min(chunk, length - at))), ToneRate, 1, cancellationToken);
                await events.ProgressAsync(step, (length + chunk - 1) / chunk, cancellationToken);
            }
            return [new GeneratedArtifact(WavFile.ToBytes(AudioBuffer.FromMono(tone, ToneRate)), "audio/wav", "speech.wav")];
        }
    }

    /// <summary>Colour gradients with fine stripes: detail that lossy compression removes in proportion to its level.</summary>
    sealed class TextureGenerator : IGenerator
    {
        public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
        {
            using var image = new Image<Rgb24>(64, 64);
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    image[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 4), (byte)((x * 7 + y * 13) % 2 == 0 ? 40 : 220));
            using var png = new MemoryStream();
            await image.SaveAsPngAsync(png, cancellationToken);
            await events.PreviewAsync(png.ToArray(), 1, 2, cancellationToken);
            await events.ProgressAsync(1, 2, cancellationToken);
            await events.ProgressAsync(2, 2, cancellationToken);
            return [new GeneratedArtifact(png.ToArray(), "image/png", "image.png")];
        }
    }
}

using Media.Audio.IO;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Tests.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Generation;

/// <summary>The committed mel VAE encodes prompt clips of any rate and channel count into the latents ARDiT continues.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class SpeechPromptEncoderTests : IDisposable
{
    readonly SpeechPromptEncoder encoder = SpeechPromptEncoder.Load(CommittedModels.Folder, CPU);

    /// <summary>Formant-sung syllables (speech-like spectra) at <paramref name="rate"/>; the right channel is the left one quieter and delayed.</summary>
    static AudioBuffer Stereo(int rate, double seconds)
    {
        var left = SpeechTestData.Syllables("hello there", rate, 5);
        var mono = new float[(int)Math.Round(seconds * rate)];
        Array.Copy(left, mono, Math.Min(left.Length, mono.Length));
        var right = new float[mono.Length];
        for (int i = rate / 100; i < right.Length; i++) right[i] = 0.5f * mono[i - rate / 100];
        return new AudioBuffer([mono, right], rate);
    }

    [Theory]
    [InlineData(24_000, 0.53)]
    [InlineData(24_000, 1.0)]
    [InlineData(44_100, 1.37)]
    public void The_frame_count_is_the_duration_times_the_latent_rate_for_stereo_at_another_rate(int rate, double seconds)
    {
        using var scope = NewDisposeScope();
        var latents = encoder.Encode(Stereo(rate, seconds));
        Assert.Equal(2, latents.dim());
        Assert.Equal(encoder.LatentDim, latents.shape[1]);
        Assert.Equal(20.0, encoder.FrameRate);
        Assert.InRange(latents.shape[0], seconds * encoder.FrameRate - 1, seconds * encoder.FrameRate + 1);
    }

    [Fact]
    public void Stereo_is_encoded_as_the_mean_of_its_channels_and_encoding_is_deterministic()
    {
        using var scope = NewDisposeScope();
        var stereo = Stereo(24_000, 0.8);
        var mean = stereo.Channels[0].Zip(stereo.Channels[1], (l, r) => (l + r) / 2).ToArray();
        var fromStereo = encoder.Encode(stereo);
        var again = encoder.Encode(stereo);
        var fromMono = encoder.Encode(AudioBuffer.FromMono(mean, 24_000));
        Assert.True(fromStereo.eq(again).all().item<bool>());
        Assert.True((fromStereo - fromMono).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Decoding_the_prompt_latents_gives_back_the_clips_log_mel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var vae = MelVae.Load(Path.Combine(CommittedModels.Folder, VaeVocoderDecoder.VaeFolder), CPU);
        using var features = new SpeechFeatures(vae.Config.Mel);
        // The clip arrives at 24 kHz stereo; the reference log-mel is of the same syllables rendered directly at 16 kHz.
        var latents = encoder.Encode(Stereo(24_000, 1.2));
        var reference = features.LogMel(tensor(Stereo(16_000, 1.2).ToMonoSamples()));
        long frames = Math.Min(reference.shape[1], latents.shape[0] * MelVaeConfig.Downsampling);

        double L1(Tensor z) => (features.Denormalize(vae.Decode(z.transpose(0, 1).unsqueeze(0)).squeeze(0)).narrow(1, 0, frames)
            - reference.narrow(1, 0, frames)).abs().mean().item<float>();

        double encoded = L1(latents), silent = L1(zeros_like(latents));
        double other = L1(encoder.Encode(AudioBuffer.FromMono(SpeechTestData.Syllables("zyxw vuts rqpo", 16_000, 8).AsSpan(0, (int)(latents.shape[0] * 800)).ToArray(), 16_000)));
        // Measured: 1.01 here (the card's held-out figure on espeak-ng speech is 0.36; these sung vowels are off its training
        // distribution), 3.07 through zero latents, so the bound is relative: the clip's own latents must explain its log-mel
        // far better than no latents and better than another clip's latents.
        Assert.True(encoded < 0.5 * silent, $"log-mel L1 {encoded:F3} through the prompt latents, {silent:F3} through zero latents");
        Assert.True(encoded < 0.8 * other, $"log-mel L1 {encoded:F3} through the prompt latents, {other:F3} through another clip's");
    }

    [Fact]
    public void A_missing_an_unreadable_or_an_empty_clip_is_a_clear_error()
    {
        string folder = Directory.CreateTempSubdirectory("media-prompt-").FullName;
        try
        {
            string missing = Path.Combine(folder, "missing.wav"), broken = Path.Combine(folder, "broken.wav");
            File.WriteAllBytes(broken, [.. "RIFF"u8.ToArray(), 0x10, 0, 0, 0, .. "WAVEfmt "u8.ToArray(), 1, 2]);
            Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => encoder.Encode(missing)).Message, StringComparison.Ordinal);
            Assert.Contains("The prompt clip is not a readable WAV file", Assert.Throws<AudioFormatException>(() => encoder.Encode(broken)).Message, StringComparison.Ordinal);
            Assert.Contains("empty", Assert.Throws<ArgumentException>(() => encoder.Encode(AudioBuffer.FromMono([], 16_000))).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public void Dispose() => encoder.Dispose();
}

using System.Text.RegularExpressions;
using Media.Audio.IO;

namespace Media.Cli.Tests.Speech;

/// <summary><c>media generate speech</c> and <c>media eval tts</c> refuse bad prompt and solver options before loading any model.</summary>
public sealed class GenerateSpeechCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("media-speech-cli-").FullName;

    /// <summary>The CLI's output with Spectre's line wrapping undone (it wraps messages at 80 columns when redirected).</summary>
    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var (code, output) = await CliProcess.RunAsync(args);
        return (code, Regex.Replace(output, @"\s+", " "));
    }

    string Clip()
    {
        string path = Path.Combine(folder, "clip.wav");
        WavFile.Write(path, AudioBuffer.FromMono([.. Enumerable.Range(0, 8000).Select(i => 0.2f * MathF.Sin(i * 0.05f))], 16_000));
        return path;
    }

    [Fact]
    public async Task A_prompt_clip_without_its_transcript_is_refused()
    {
        var (code, output) = await Run("generate", "speech", "hello", "-o", Path.Combine(folder, "out.wav"), "--prompt-wav", Clip());
        Assert.NotEqual(0, code);
        Assert.Contains("--prompt-wav needs --prompt-text", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "out.wav")));
    }

    [Fact]
    public async Task A_transcript_without_a_prompt_clip_is_refused()
    {
        var (code, output) = await Run("generate", "speech", "hello", "--prompt-text", "what it says");
        Assert.NotEqual(0, code);
        Assert.Contains("--prompt-text needs --prompt-wav", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_prompt_clip_is_named()
    {
        string missing = Path.Combine(folder, "nowhere.wav");
        var (code, output) = await Run("generate", "speech", "hello", "--prompt-wav", missing, "--prompt-text", "words");
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
        Assert.Contains("nowhere.wav", output, StringComparison.Ordinal);
    }

    [Fact]
    [Slow("committed mel VAE in a CLI process")]
    public async Task A_corrupt_prompt_clip_fails_with_a_message_not_a_stack_trace()
    {
        // Read and encoded with the committed mel VAE before the voice is loaded, so this needs no trained ARDiT.
        string broken = Path.Combine(folder, "broken.wav");
        File.WriteAllBytes(broken, [.. "RIFF"u8.ToArray(), 0x10, 0, 0, 0, .. "WAVEfmt "u8.ToArray(), 1, 2]);
        var (code, output) = await Run("generate", "speech", "hello", "--prompt-wav", broken, "--prompt-text", "words");
        Assert.NotEqual(0, code);
        Assert.Contains("The prompt clip is not a readable WAV file", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Media.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_solver_is_refused_by_generate_and_eval()
    {
        var (generateCode, generateOutput) = await Run("generate", "speech", "hello", "--solver", "rk4");
        var (evalCode, evalOutput) = await Run("eval", "tts", "--solvers", "euler,1");
        Assert.NotEqual(0, generateCode);
        Assert.Contains("--solver takes euler or adams2, not 'rk4'", generateOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, evalCode);
        Assert.Contains("--solvers takes euler or adams2, not '1'", evalOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_output_format_is_refused_before_the_voice_loads()
    {
        var (code, output) = await Run("generate", "speech", "hello", "--format", "ogg");
        Assert.NotEqual(0, code);
        Assert.Contains("--format must be one of mp3, opus, aac, flac, wav, pcm; got 'ogg'", output, StringComparison.Ordinal);
    }

    [Fact]
    [Slow("committed-model inference in a CLI process")]
    public async Task The_output_extension_picks_the_format_and_mp3_comes_from_the_shared_encoder()
    {
        string mp3 = Path.Combine(folder, "hello.mp3");
        var (code, output) = await Run("generate", "speech", "Hello.", "-o", mp3, "--steps", "2");
        Assert.True(code == 0, output);
        byte[] bytes = File.ReadAllBytes(mp3);
        // MPEG audio frames (sync word, layer III), not a WAV with an .mp3 name.
        Assert.Equal(0xFF, bytes[0]);
        Assert.Equal(0xE2, bytes[1] & 0xE6);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}

using System.Text.RegularExpressions;

namespace Media.Cli.Tests.Speech;

/// <summary><c>media eval tts</c>'s duration sources and judge recognizer, and the speech trainers' voice sets: refused or reported before any work.</summary>
public sealed class TtsEvalCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("media-tts-eval-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var (code, output) = await CliProcess.RunAsync(args);
        return (code, Regex.Replace(output, @"\s+", " "));
    }

    [Theory]
    [InlineData("sometimes", "--durations takes predicted or reference, not 'sometimes'.")]
    [InlineData("predicted,guessed", "--durations takes predicted or reference, not 'guessed'.")]
    [InlineData(",", "--durations needs at least one value.")]
    public async Task An_unknown_duration_source_is_refused(string durations, string message)
    {
        var (code, output) = await Run("eval", "tts", "--durations", durations);
        Assert.NotEqual(0, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("predicted")]
    [InlineData("reference")]
    [InlineData("Predicted, reference")]
    public async Task A_missing_judge_recognizer_is_named_with_how_to_train_it_before_any_work(string durations)
    {
        // The duration sources parse (else the parse error would come first); the judge check then stops the run
        // before the corpus is rendered or any model is loaded.
        string judge = Path.Combine(folder, "no-judge-here");
        string corpus = Path.Combine(folder, "corpora");
        var (code, output) = await Run("eval", "tts", "--durations", durations, "--judge", judge, "--corpus", corpus, "--threads", "1");
        Assert.Equal(1, code);
        Assert.Contains("The judge recognizer is missing:", output, StringComparison.Ordinal);
        Assert.Contains("no-judge-here has no config.json and model.safetensors", output, StringComparison.Ordinal);
        Assert.Contains("media train asr --corpus-seed 2 --voices judge --out models/asr-ctc-judge --threads 1", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Media.", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(corpus));
    }

    [Fact]
    public async Task An_unknown_voice_set_is_refused_by_the_speech_trainers_and_eval()
    {
        var (trainCode, trainOutput) = await Run("train", "asr", "--voices", "robots", "--corpus", Path.Combine(folder, "corpora"));
        var (evalCode, evalOutput) = await Run("eval", "tts", "--voices", "robots");
        Assert.NotEqual(0, trainCode);
        Assert.Contains("--voices takes default or judge, not 'robots'.", trainOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, evalCode);
        Assert.Contains("--voices takes default or judge, not 'robots'.", evalOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "corpora")));
    }

    [Fact]
    public async Task Eval_tts_help_documents_the_duration_sources_and_the_judge()
    {
        var (code, output) = await Run("eval", "tts", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"--durations\s+predicted\s", output);
        Assert.Contains("--judge", output, StringComparison.Ordinal);
        Assert.Contains("--voices", output, StringComparison.Ordinal);
    }
}

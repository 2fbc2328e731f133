using System.Text.RegularExpressions;
using Media.Services.Audio.Codec;
using Media.Services.Song.LeVo;
using Media.Tests.Support;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Cli.Tests.Song;

/// <summary><c>media train levo</c>'s stages and <c>media eval song</c> on a LeVo folder with its pre-DPO reference.</summary>
public sealed class LeVoCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("media-levo-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var (code, output) = await CliProcess.RunAsync(args);
        return (code, Regex.Replace(output, @"\s+", " "));
    }

    [Fact]
    public async Task An_unknown_stage_is_refused_and_a_training_stage_needs_the_tokenizer_first()
    {
        var (code, output) = await Run("train", "levo", "--stage", "everything", "--run", Path.Combine(folder, "run"));
        Assert.NotEqual(0, code);
        Assert.Contains("--stage must be tokenizer, lm, decoder or dpo.", output, StringComparison.Ordinal);

        // A pair needs two samples of a prompt, and a margin is a score difference.
        foreach (var bad in new[] { new[] { "--dpo-samples", "1" }, ["--dpo-margin", "-0.5"] })
        {
            var (badCode, badOutput) = await Run(["train", "levo", "--stage", "dpo", "--run", Path.Combine(folder, "run"), .. bad]);
            Assert.NotEqual(0, badCode);
            Assert.Contains("--dpo-samples must be at least 2 and --dpo-margin non-negative.", badOutput, StringComparison.Ordinal);
        }
        async Task Refused(string message, params string[] options)
        {
            var (badCode, badOutput) = await Run(["train", "levo", "--stage", "dpo", "--run", Path.Combine(folder, "run"), .. options]);
            Assert.NotEqual(0, badCode);
            Assert.Contains(message, badOutput, StringComparison.Ordinal);
        }
        await Refused("--dpo-nll-weight must be non-negative.", "--dpo-nll-weight", "-1");
        await Refused("--dpo-corpus-weight must be non-negative.", "--dpo-corpus-weight", "-0.5");
        await Refused("--dpo-pairs must be samples, tempo or samples+tempo.", "--dpo-pairs", "both");
        await Refused("--dpo-rank must be combined or lyrics.", "--dpo-rank", "tempo");
        await Refused("--dpo-mixed-only and --dpo-tracks-only exclude each other.", "--dpo-mixed-only", "--dpo-tracks-only");
        await Refused("--dpo-tempo-agreement is a non-negative log ratio, for --dpo-rank lyrics.", "--dpo-tempo-agreement", "0.02");

        var (code2, output2) = await Run("train", "levo", "--stage", "lm", "--run", Path.Combine(folder, "run"), "--codec", CommittedModels.Path("media-codec"));
        Assert.NotEqual(0, code2);
        Assert.Contains("has no tokenizer yet: run --stage tokenizer first", output2, StringComparison.Ordinal);
    }

    /// <summary>A random LeVo folder (both stages and DPO marked trained) with its tokenizer and a pre-DPO copy.</summary>
    static string TinyLeVo(string root, string codecFolder)
    {
        using var codec = NeuralAudioCodec.Load(codecFolder);
        var random = new Random(3);
        var tracks = Enumerable.Range(0, 4).Select(_ => (IReadOnlyList<IReadOnlyList<int>>)Enumerable.Range(0, 2)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 30).Select(_ => random.Next(16)).ToArray()).ToList());
        using var tokenizer = CodecLatentTokenizer.Fit(codec, tracks, 2, 2, 12, 3, 1000, 1, CPU).Tokenizer;
        var config = new LeVoConfig
        {
            CodeSize = 12, Dim = 32, Layers = 1, SubLayers = 1, Heads = 4, Delay = 2, MaxTokens = 400, MaxLyricsTokens = 400, MaxDescriptionBytes = 300,
            LmSteps = 1, DecoderSteps = 1, DpoSteps = 1,
        };
        string levo = Path.Combine(root, "levo"), pre = Path.Combine(root, "pre");
        foreach (var (at, seed) in new[] { (pre, 2), (levo, 1) })
        {
            manual_seed(seed);
            using var model = new LeLmModel(config);
            LeVoCheckpoint.Save(at, model, at == pre ? config with { DpoSteps = 0 } : config);
            tokenizer.Save(Path.Combine(at, LeVoCheckpoint.TokenizerFolder));
        }
        // As the DPO export lays it out: the pre-DPO model inside the DPO one.
        LeVoCheckpoint.Copy(pre, Path.Combine(levo, LeVoCheckpoint.PreDpoFolder));
        return levo;
    }

    /// <summary>The models folder <c>eval song</c> reads: a random codec and the committed recognizer.</summary>
    (string Models, string Codec) EvalSongModels()
    {
        string models = Path.Combine(folder, "models");
        string codec = RandomCodecCheckpoint.Write(models);
        Directory.CreateSymbolicLink(Path.Combine(models, "asr-ctc"), CommittedModels.Path("asr-ctc"));
        return (models, codec);
    }

    [EspeakFact]
    [Slow("sings a corpus song twice through a tiny LeVo, with the recognizer")]
    public async Task Eval_song_gives_levo_a_row_the_headline_lines_and_the_dpo_preference_gain_over_its_pre_dpo_model()
    {
        var (models, codec) = EvalSongModels();
        string levo = TinyLeVo(folder, codec);
        var (code, output) = await Run("eval", "song", "--model", levo, "-n", "1", "--seconds", "5", "--models", models, "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Matches(@"levo \d\.\d\d", output);
        Assert.Contains("levo (pre-dpo)", output, StringComparison.Ordinal);
        Assert.Contains("best model: levo", output, StringComparison.Ordinal);
        foreach (var line in new[] { "tempo accuracy: ", "key accuracy: ", "key weighted score: ", "corpus tempo accuracy: ", "corpus key accuracy: ", "token tempo accuracy: ",
                     "token key accuracy: ", "lyric cer: ",
                     "corpus lyric cer: ", "stem leakage: ", "dpo preference gain: " })
            Assert.Contains(line, output, StringComparison.Ordinal);
        Assert.Matches(@"dpo preference gain: [01]\.\d\d$", output.Trim());
    }

    [EspeakFact]
    [Slow("sings two corpus songs twice through one tiny LeVo, with the recognizer")]
    public async Task Eval_song_compares_later_rows_with_the_first_prompt_by_prompt_and_tells_folders_of_one_model_apart()
    {
        var (models, codec) = EvalSongModels();
        string pre = Path.Combine(TinyLeVo(folder, codec), LeVoCheckpoint.PreDpoFolder);
        var (code, output) = await Run("eval", "song", "--model", pre, "--model", pre, "-n", "2", "--seconds", "5", "--models", models, "--threads", "1");
        Assert.True(code == 0, output);
        // The same seeded model sings the same songs twice, so no prompt tells the two rows apart.
        Assert.Contains("levo (pre-dpo) against levo, prompts only one got right: tempo +0 / -0 (sign test p 1.000), key +0 / -0 (p 1.000)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dpo preference gain", output, StringComparison.Ordinal);
    }

    [EspeakFact]
    [Slow("renders two corpus songs and scores their three streams through a tiny LeVo under six conditions")]
    public async Task The_condition_probe_reads_a_levo_folder_on_its_main_lms_mixed_stream()
    {
        string models = Path.Combine(folder, "models");
        string codec = RandomCodecCheckpoint.Write(models);
        string levo = TinyLeVo(folder, codec);
        var (code, output) = await Run("eval", "song-conditioning", "--model", levo, "-n", "2", "--seconds", "2", "--cache", Path.Combine(folder, "cache"),
            "--models", models, "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Contains("(levo, main LM 1 steps: the mixed stream)", output, StringComparison.Ordinal);
        Assert.Contains("(levo, sub-decoder 1 steps: the vocal and accompaniment streams)", output, StringComparison.Ordinal);
        foreach (var line in new[] { "tempo gain: ", "key gain: ", "description gain: ", "lyrics gain: ", "opening key gain: ", "opening tempo gain: " })
            Assert.Contains(line, output, StringComparison.Ordinal);
        foreach (var cache in new[] { "mixed-pro-2s", "parallel-2s" })
            Assert.True(Directory.EnumerateFiles(Path.Combine(folder, "cache", "tokens", cache)).Any(), $"the songs' codes are cached for the next run ({cache})");
    }

    [EspeakFact]
    [Slow("renders a corpus song and reads it through a tiny tokenizer, with the recognizer")]
    public async Task Eval_levo_tokenizer_reads_the_key_of_the_true_mix_and_of_both_tracks_through_the_codec_and_the_tokens()
    {
        var (models, codec) = EvalSongModels();
        string tokenizer = Path.Combine(TinyLeVo(folder, codec), LeVoCheckpoint.TokenizerFolder);
        var (code, output) = await Run("eval", "levo-tokenizer", "--tokenizer", tokenizer, "-n", "1", "--models", models, "--threads", "1");
        Assert.True(code == 0, output);
        // Held-out song 900000 asks for C# major, and its own 8 s opening reads so (docs/SONG.md's corpus figures).
        Assert.Contains("key accuracy true: 1.00", output, StringComparison.Ordinal);
        Assert.Matches(@"key accuracy codec: [01]\.00", output);
        Assert.Matches(@"key accuracy tokens: [01]\.00", output);
    }
}

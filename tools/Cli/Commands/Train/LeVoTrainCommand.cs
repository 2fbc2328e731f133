using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Services.Song;
using Media.Services.Song.Data;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Generation;
using Media.Services.Song.LeVo.Training;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train levo --stage tokenizer|lm|decoder|dpo</c>: LeVo on the sung-lyrics corpus, one stage per call, in order:
/// <list type="number">
/// <item><c>tokenizer</c>: k-means over pairs of the codec's quantized latents (<see cref="CodecLatentTokenizer"/>) of
/// the mix, vocal and accompaniment of the first <c>--fit-songs</c> training songs; writes RUN/tokenizer.</item>
/// <item><c>lm</c>: the main LM over the mixed stream (<see cref="LeVoTraining"/>, stage 1), run folder RUN/lm, export RUN/lm/model.</item>
/// <item><c>decoder</c>: the AR sub-decoder from stage 1's export, the LM frozen; run folder RUN/decoder, export RUN/model
/// (the servable folder, tokenizer included).</item>
/// <item><c>dpo</c>: preference pairs built automatically from RUN/model's own samples of <c>--dpo-prompts</c> training
/// prompts (<see cref="LeVoPreferencePairs"/>, RUN/dpo/pairs.jsonl), then DPO (<see cref="LeVoDpoTraining"/>, run folder
/// RUN/dpo/run); exports RUN/model-dpo with the pre-DPO model beside it in <c>pre-dpo/</c> (the reference of the gain).</item>
/// </list>
/// Songs come from SongGen's token caches in RUN/tokens (mixed-pro for the mixes, parallel for the tracks; link a SongGen
/// run's caches in to reuse them), made on demand otherwise. Each training stage resumes from its run folder.
/// </summary>
internal sealed class LeVoTrainCommand : Command<LeVoTrainCommand.Settings>
{
    internal sealed class Settings : SongTrainingSettings
    {
        [CommandOption("--stage")]
        [Description("tokenizer, lm (stage 1: the main LM), decoder (stage 2: the sub-decoder, LM frozen) or dpo (pairs from RUN/model's samples, then DPO)")]
        [DefaultValue("lm")]
        public string Stage { get; init; } = "lm";

        [CommandOption("--run")]
        [Description("Run folder: tokenizer/, tokens/ (the SongGen caches read), lm/ and decoder/ (the stages' runs), model/ (the export)")]
        [DefaultValue("runs/levo")]
        public override string Run { get; init; } = "runs/levo";

        [CommandOption("--fit-songs")]
        [Description("tokenizer: training songs whose three tracks are clustered")]
        [DefaultValue(128)]
        public int FitSongs { get; init; } = 128;

        [CommandOption("--clusters")]
        [Description("tokenizer: tokens per stream (LeVo: 16384)")]
        [DefaultValue(1024)]
        public int Clusters { get; init; } = 1024;

        [CommandOption("--iterations")]
        [Description("tokenizer: Lloyd iterations")]
        [DefaultValue(20)]
        public int Iterations { get; init; } = 20;

        [CommandOption("--frames-per-token")]
        [Description("tokenizer: codec frames per token (2: 50 frames/s to LeVo's 25 tokens/s)")]
        [DefaultValue(2)]
        public int FramesPerToken { get; init; } = 2;

        [CommandOption("--sub-layers")]
        [Description("Sub-decoder blocks")]
        [DefaultValue(3)]
        public int SubLayers { get; init; } = 3;

        [CommandOption("--delay")]
        [Description("Steps the vocal and accompaniment streams trail the mix (LeVo: 250, ten seconds)")]
        [DefaultValue(12)]
        public int Delay { get; init; } = 12;

        [CommandOption("--dpo-prompts")]
        [Description("dpo: training prompts sampled for the preference pairs")]
        [DefaultValue(48)]
        public int DpoPrompts { get; init; } = 48;

        [CommandOption("--dpo-samples")]
        [Description("dpo: songs sung per prompt; the best and the worst by the preference score make its pair")]
        [DefaultValue(2)]
        public int DpoSamples { get; init; } = 2;

        [CommandOption("--dpo-margin")]
        [Description("dpo: drop a prompt whose best and worst samples' scores differ by less than this (0: only ties)")]
        [DefaultValue(0.0)]
        public double DpoMargin { get; init; }

        [CommandOption("--dpo-keep-tempo")]
        [Description("dpo: the chosen sample is the best of those at the asked tempo (a prompt with none gives no pair)")]
        public bool DpoKeepTempo { get; init; }

        [CommandOption("--dpo-rank")]
        [Description("dpo: how a prompt's samples make its pair: combined (the best against the worst by the combined score) or lyrics (LeVo's lyric-alignment pairs: the widest lyric-CER gap between samples that agree on tempo and key adherence; the margin is then a CER difference)")]
        [DefaultValue("combined")]
        public string DpoRank { get; init; } = "combined";

        [CommandOption("--dpo-tempo-agreement")]
        [Description("dpo, --dpo-rank lyrics: the two samples' estimated tempos must also lie within this log ratio of each other (0.02: 2 %); 0: only the same 4 % outcome")]
        [DefaultValue(0.0)]
        public double DpoTempoAgreement { get; init; }

        [CommandOption("--dpo-nll-weight")]
        [Description("dpo: weight of the chosen samples' NLL per token added to the DPO loss (RPO); 0: LeVo's pure DPO")]
        [DefaultValue(0.0)]
        public double DpoNllWeight { get; init; }

        [CommandOption("--dpo-pairs")]
        [Description("dpo: what DPO trains on: samples (each prompt's best sample against its worst), tempo (each tempo-keeping chosen sample under its own description against itself under another tempo's) or samples+tempo")]
        [DefaultValue("samples")]
        public string DpoPairs { get; init; } = "samples";

        [CommandOption("--dpo-corpus-weight")]
        [Description("dpo: weight of the pre-training loss of --songs corpus songs (RUN/tokens) added to each step (PPO-ptx); 0: none")]
        [DefaultValue(0.0)]
        public double DpoCorpusWeight { get; init; }

        [CommandOption("--dpo-mixed-only")]
        [Description("dpo: post-train only the main LM, on the mixed stream's log-probabilities (the sub-decoder that makes the audio stays frozen)")]
        public bool DpoMixedOnly { get; init; }

        [CommandOption("--dpo-tracks-only")]
        [Description("dpo: post-train only the sub-decoder, on the vocal and accompaniment streams' log-probabilities (the main LM that plans the mix, its tempo and key, stays frozen)")]
        public bool DpoTracksOnly { get; init; }

        [CommandOption("--beta")]
        [Description("dpo: the DPO temperature")]
        [DefaultValue(0.1)]
        public double Beta { get; init; } = 0.1;

        [CommandOption("--dpo-steps")]
        [Description("dpo: optimizer steps over the pairs")]
        [DefaultValue(60L)]
        public long DpoSteps { get; init; } = 60;

        [CommandOption("--dpo-lr")]
        [Description("dpo: peak learning rate")]
        [DefaultValue(5e-5)]
        public double DpoLearningRate { get; init; } = 5e-5;

        public override ValidationResult Validate()
        {
            if (Stage is not ("tokenizer" or "lm" or "decoder" or "dpo")) return ValidationResult.Error("--stage must be tokenizer, lm, decoder or dpo.");
            if (DpoPrompts < 1 || DpoSteps < 1 || DpoLearningRate <= 0 || Beta <= 0) return ValidationResult.Error("--dpo-prompts, --dpo-steps, --dpo-lr and --beta must be positive.");
            if (!double.IsFinite(DpoNllWeight) || DpoNllWeight < 0) return ValidationResult.Error("--dpo-nll-weight must be non-negative.");
            if (DpoPairs is not ("samples" or "tempo" or "samples+tempo")) return ValidationResult.Error("--dpo-pairs must be samples, tempo or samples+tempo.");
            if (DpoMixedOnly && DpoTracksOnly) return ValidationResult.Error("--dpo-mixed-only and --dpo-tracks-only exclude each other.");
            if (DpoRank is not ("combined" or "lyrics")) return ValidationResult.Error("--dpo-rank must be combined or lyrics.");
            if (!double.IsFinite(DpoTempoAgreement) || DpoTempoAgreement < 0 || (DpoTempoAgreement > 0 && DpoRank != "lyrics"))
                return ValidationResult.Error("--dpo-tempo-agreement is a non-negative log ratio, for --dpo-rank lyrics.");
            if (!double.IsFinite(DpoCorpusWeight) || DpoCorpusWeight < 0) return ValidationResult.Error("--dpo-corpus-weight must be non-negative.");
            if (DpoSamples < 2 || !double.IsFinite(DpoMargin) || DpoMargin < 0) return ValidationResult.Error("--dpo-samples must be at least 2 and --dpo-margin non-negative.");
            if (FitSongs < 1 || FitSongs > Songs || Clusters < 2 || Iterations < 0 || FramesPerToken < 1)
                return ValidationResult.Error("--frames-per-token must be positive, --fit-songs in 1..--songs, --clusters at least 2.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var clock = Stopwatch.StartNew();
        using var codec = NeuralAudioCodec.Load(settings.Codec);
        var c = codec.Model.Config;
        var dataset = new SongTokenDataset(new LyricSongGenerator(c.SamplingRate), codec, settings.Codebooks * c.KbpsPerCodebook);
        var mixes = new SongTokenCache(settings.Run, dataset, SongMode.MixedPro, settings.Seconds, c.FrameRate);
        var tracks = new SongTokenCache(settings.Run, dataset, SongMode.Parallel, settings.Seconds, c.FrameRate);
        string tokenizerFolder = Path.Combine(settings.Run, LeVoCheckpoint.TokenizerFolder);
        if (settings.Stage == "tokenizer") return FitTokenizer(settings, codec, mixes, tracks, tokenizerFolder, clock, device, cancellationToken);
        if (settings.Stage == "dpo") return Dpo(settings, mixes, tracks, codec, clock, device, cancellationToken);

        if (!Directory.Exists(tokenizerFolder)) throw new InvalidOperationException($"'{tokenizerFolder}' has no tokenizer yet: run --stage tokenizer first.");
        using var tokenizer = CodecLatentTokenizer.Load(tokenizerFolder, codec);
        var config = new LeVoConfig
        {
            CodeSize = tokenizer.VocabularySize, TokenRate = tokenizer.TokenRate, SampleRate = c.SamplingRate, Dim = settings.Dim, Layers = settings.Layers,
            SubLayers = settings.SubLayers, Heads = settings.Heads, Delay = settings.Delay, MaxTokens = (int)Math.Ceiling(settings.MaxSeconds * tokenizer.TokenRate),
        };
        config.Validate();
        var options = new LeVoTrainingOptions { Songs = settings.Songs, Batch = settings.Batch };
        var stage = settings.Stage == "lm" ? LeVoStage.Lm : LeVoStage.Decoder;
        string stageRun = Path.Combine(settings.Run, settings.Stage);
        // Both stages share one shape: pinned once for the run.
        settings.PinRunConfig("levo.json", config.ToJson() + "\n" + System.Text.Json.JsonSerializer.Serialize(options) + $"\nseconds {settings.Seconds.ToString(CultureInfo.InvariantCulture)}");
        var schedule = settings.Schedule("tokens") with { RunDirectory = stageRun, Progress = null };
        string stageOne = Path.Combine(settings.Run, "lm", "model");
        // Stage 1 reads the mixes alone, so it can start before a dual-track cache of its songs exists.
        var data = new LeVoTokenDataset(mixes, stage == LeVoStage.Lm ? null : tracks, tokenizer);
        using var training = new LeVoTraining(config, stage, options, data, schedule with { EvalEvery = settings.EvalEvery }, device, stage == LeVoStage.Decoder ? stageOne : null,
            (step, loss) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] step {step + 1}  loss {loss.Total.item<float>():F4}{(loss.Vocal is { } v ? $"  vocal {v:F3}  accompaniment {loss.Accompaniment:F3}" : "")}")));
        if (settings.EvalEvery > 0)
        {
            var heldOut = Enumerable.Range(0, settings.EvalN).Select(i => data.Get(LyricSongGenerator.FirstHeldOutSeed + (ulong)i)).ToList();
            // Stage 1 also logs what swapping the key, the tempo, the description or the lyrics costs (the main LM reads them).
            training.Trainer.Evaluate = settings.HeldOutEvaluation(clock, stageRun, () => stage == LeVoStage.Lm
                ? LeVoConditionProbe.Metrics(training.Model, heldOut)
                : new Dictionary<string, double> { ["heldout_loss"] = training.HeldOutLoss(heldOut) }, training.Export);
        }
        settings.AnnounceStart(training.Trainer.ResumedFromStep,
            $"LeVo stage {settings.Stage}, {settings.Dim}x{settings.Layers}+{settings.SubLayers}, {config.CodeSize} tokens at {config.TokenRate:F0}/s, delay {settings.Delay}, {settings.Songs} songs of {settings.Seconds} s");
        training.Run(settings.Budget, settings.Until, cancellationToken);
        string export = stage == LeVoStage.Lm ? stageOne : settings.Export ?? Path.Combine(settings.Run, "model");
        if (settings.KeepsBestAt(export)) AnsiConsole.MarkupLine($"kept the lowest held-out loss's model in [bold]{Markup.Escape(export)}[/]");
        else training.Export(export);
        AnsiConsole.MarkupLine($"stage {settings.Stage} trained to step {training.Trainer.Step} of {settings.Steps}; exported [bold]{Markup.Escape(export)}[/]");
        return 0;
    }

    static int Dpo(Settings settings, SongTokenCache mixes, SongTokenCache tracks, NeuralAudioCodec codec, Stopwatch clock, TorchSharp.torch.Device device,
        CancellationToken cancellationToken)
    {
        string pretrained = settings.Export ?? Path.Combine(settings.Run, "model"), folder = Path.Combine(settings.Run, "dpo");
        string models = new Media.Hosting.MediaOptions().ResolveModelsDirectory();
        Directory.CreateDirectory(folder);
        string pairsPath = Path.Combine(folder, "pairs.jsonl");
        // The outcomes in pairs.jsonl hold only for the sampling that made them.
        // Written as before when the ranking is the default, so existing run folders' pins still match.
        var ranking = settings.DpoRank == "lyrics" ? LeVoPairRanking.Lyrics : LeVoPairRanking.Combined;
        var pin = new Dictionary<string, object> { ["samples"] = settings.DpoSamples, ["margin"] = settings.DpoMargin };
        if (settings.DpoKeepTempo) pin["keep_tempo"] = true;
        if (ranking != LeVoPairRanking.Combined) pin["rank"] = settings.DpoRank;
        double? tempoAgreement = settings.DpoTempoAgreement > 0 ? settings.DpoTempoAgreement : null;
        if (tempoAgreement is not null) pin["tempo_agreement"] = settings.DpoTempoAgreement;
        settings.PinRunConfig(Path.Combine("dpo", "pairs.json"), System.Text.Json.JsonSerializer.Serialize(pin));
        var (pairs, done) = LeVoPreferencePairs.Read(pairsPath);
        if (done.Count < settings.DpoPrompts)
        {
            using var songs = LeVoLoader.LoadFolder(pretrained, settings.Codec, device, maxConcurrent: 1);
            using var recognizer = Media.Services.Audio.Speech.Recognizer.CtcRecognizer.Load(Path.Combine(models, "asr-ctc"), device);
            using var features = new Media.Services.Audio.Speech.SpeechFeatures(recognizer.Config.Mel);
            var maker = new LeVoPreferencePairs(songs, new Media.Services.Audio.Evaluation.SongModelEvaluation(recognizer, features),
                new LyricSongGenerator(songs.SampleRate), settings.Seconds, settings.DpoSamples, settings.DpoMargin, settings.DpoKeepTempo, ranking, tempoAgreement);
            string noPair = ranking == LeVoPairRanking.Lyrics ? " (no pair: no two samples agree on tempo and key, or their CERs are within the margin)"
                : settings.DpoKeepTempo ? " (no pair: within the margin, or none at the asked tempo)" : " (no pair: within the margin)";
            for (ulong seed = 0; seed < (ulong)settings.DpoPrompts && !cancellationToken.IsCancellationRequested; seed++)
            {
                if (done.Contains(seed)) continue;
                var prompt = maker.MakeAsync(seed, pairsPath, cancellationToken).GetAwaiter().GetResult();
                if (prompt.Pair is { } pair) pairs.Add(pair);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:hh\\:mm\\:ss}] prompt {seed}: scores {string.Join(" / ", prompt.Scores.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))}{(prompt.Pair is null ? noPair : "")}"));
            }
            if (cancellationToken.IsCancellationRequested) return 130;
        }
        var tempoPairs = settings.DpoPairs == "samples" ? [] : pairs.Select(LeVoDpo.TempoConditionPair).OfType<LeVoPreferencePair>().ToList();
        List<LeVoPreferencePair> trained = settings.DpoPairs switch { "tempo" => tempoPairs, "samples+tempo" => [.. pairs, .. tempoPairs], _ => pairs };
        if (trained.Count == 0)
            throw new InvalidOperationException(settings.DpoPairs == "tempo" && pairs.Count > 0
                ? "No tempo condition pairs to train on: no pair's chosen sample kept the asked tempo (--dpo-keep-tempo makes every chosen one keep it)."
                : "No pairs to train on: no prompt's samples made a pair.");
        // dpo/run's checkpoints hold one objective: resuming them under another would mix two.
        // tracks_only is written only when set, so existing run folders' pins still match.
        var objective = new Dictionary<string, object>
        {
            ["pairs"] = settings.DpoPairs, ["beta"] = settings.Beta, ["nll_weight"] = settings.DpoNllWeight, ["mixed_only"] = settings.DpoMixedOnly,
            ["corpus_weight"] = settings.DpoCorpusWeight, ["corpus_songs"] = settings.DpoCorpusWeight > 0 ? settings.Songs : 0,
        };
        if (settings.DpoTracksOnly) objective["tracks_only"] = true;
        settings.PinRunConfig(Path.Combine("dpo", "objective.json"), System.Text.Json.JsonSerializer.Serialize(objective));
        var dpoStreams = settings.DpoMixedOnly ? LeVoDpoStreams.Mixed : settings.DpoTracksOnly ? LeVoDpoStreams.Tracks : LeVoDpoStreams.All;
        var schedule = settings.Schedule("pairs") with
        {
            RunDirectory = Path.Combine(folder, "run"), TotalSteps = settings.DpoSteps, LearningRate = settings.DpoLearningRate,
            MinLearningRate = settings.DpoLearningRate / 10, WarmupSteps = Math.Min(10, settings.DpoSteps / 10), Progress = null,
        };
        // The corpus term reads the pre-training songs through the pre-DPO model's own tokenizer (the mixes alone when only the main LM trains).
        using var corpusTokenizer = settings.DpoCorpusWeight > 0 ? CodecLatentTokenizer.Load(Path.Combine(pretrained, LeVoCheckpoint.TokenizerFolder), codec) : null;
        var corpus = corpusTokenizer is null ? null
            : new LeVoDpoCorpus(new LeVoTokenDataset(mixes, dpoStreams == LeVoDpoStreams.Mixed ? null : tracks, corpusTokenizer).Get, settings.Songs, settings.DpoCorpusWeight);
        using var training = new LeVoDpoTraining(pretrained, trained, settings.Batch, settings.Beta, schedule, device, (step, loss) =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] dpo step {step + 1}  loss {loss.Total.item<float>():F4}  reward accuracy {loss.RewardAccuracy:F2}  margin {loss.Margin:F4}  chosen nll {loss.ChosenNll:F4}{(loss.CorpusLoss is { } c ? $"  corpus loss {c:F4}" : "")}")),
            settings.DpoNllWeight, dpoStreams, corpus);
        string gate = (ranking == LeVoPairRanking.Lyrics ? ", ranked by lyric CER between samples that agree on tempo and key" : "")
            + (tempoAgreement is { } agreement ? string.Create(CultureInfo.InvariantCulture, $", tempos within a log ratio of {agreement}") : "")
            + (settings.DpoKeepTempo ? ", chosen at the asked tempo" : "");
        string streams = dpoStreams switch
        {
            LeVoDpoStreams.Mixed => "; log-probabilities of the mixed stream, the main LM trained",
            LeVoDpoStreams.Tracks => "; log-probabilities of the vocal and accompaniment streams, the sub-decoder trained",
            _ => "; log-probabilities of all three streams, all of LeLM trained",
        };
        string nll = settings.DpoNllWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $" + {settings.DpoNllWeight} NLL per token (chosen)") : "";
        if (corpus is not null) nll += string.Create(CultureInfo.InvariantCulture, $" + {corpus.Weight} x the pre-training loss of {corpus.Songs} corpus songs");
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dpo pairs: {pairs.Count} of {settings.DpoPrompts} prompts{TempoDrift(pairs)} ({settings.DpoSamples} samples each, best against worst, margin {settings.DpoMargin}{gate}); chosen score {pairs.Average(p => p.Chosen.Score):F3}, rejected {pairs.Average(p => p.Rejected.Score):F3}; {(settings.DpoPairs == "samples" ? "" : $"{tempoPairs.Count} tempo condition pairs; ")}trained on {settings.DpoPairs} ({trained.Count} pairs); beta {settings.Beta}; objective -log sigmoid(beta ((log pi - log ref)(chosen) - (log pi - log ref)(rejected))){nll}{streams}"));
        training.Run(settings.Budget, cancellationToken);
        string export = Path.Combine(settings.Run, "model-dpo");
        training.Export(export);
        AnsiConsole.MarkupLine($"dpo trained to step {training.Trainer.Step} of {settings.DpoSteps}; exported [bold]{Markup.Escape(export)}[/] (the pre-DPO model in pre-dpo/)");
        return 0;
    }

    /// <summary>
    /// How much slower or faster the chosen samples are than the rejected ones (their estimated tempos' mean log ratio), where
    /// the pairs file holds the tempos: DPO learns this drift too.
    /// </summary>
    static string TempoDrift(List<LeVoPreferencePair> pairs)
    {
        var known = pairs.Where(p => double.IsFinite(p.Chosen.TempoRatio) && double.IsFinite(p.Rejected.TempoRatio)).ToList();
        return known.Count == 0 ? ""
            : string.Create(CultureInfo.InvariantCulture, $" (chosen against rejected tempo: mean log ratio {known.Average(p => LeVoDpo.TempoLogRatio(p.Chosen, p.Rejected)):+0.0000;-0.0000})");
    }

    static int FitTokenizer(Settings settings, NeuralAudioCodec codec, SongTokenCache mixes, SongTokenCache tracks, string folder, Stopwatch clock,
        TorchSharp.torch.Device device, CancellationToken cancellationToken)
    {
        IEnumerable<IReadOnlyList<IReadOnlyList<int>>> Tracks()
        {
            for (int seed = 0; seed < settings.FitSongs; seed++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (mix, vocal, accompaniment, _) = LeVoTokenDataset.Codes(mixes, tracks, (ulong)seed);
                yield return mix;
                yield return vocal;
                yield return accompaniment;
            }
        }
        var (tokenizer, fit, vectors) = CodecLatentTokenizer.Fit(codec, Tracks(), settings.FramesPerToken, settings.Codebooks, settings.Clusters,
            settings.Iterations, maxVectors: 100_000, (ulong)settings.Seed, device);
        using (tokenizer)
        using (fit.Centroids)
        {
            tokenizer.Save(folder, new Dictionary<string, object> { ["fit_songs"] = settings.FitSongs, ["seconds"] = settings.Seconds });
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"levo tokenizer: k {settings.Clusters}, {vectors} vectors of {settings.FramesPerToken} x {codec.Model.Config.HiddenSize} latents ({settings.Codebooks} codebooks), {tokenizer.TokenRate:F1} tokens/s; inertia {fit.Inertia[0]:F3} after k-means++ -> {fit.Inertia[^1]:F3} after {settings.Iterations} Lloyd iterations; {clock.Elapsed.TotalSeconds:F0} s"));
        }
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(folder)}[/]");
        return 0;
    }
}

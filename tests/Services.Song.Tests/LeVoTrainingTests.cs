using System.Text.Json;
using Media.Audio.Corpora;
using Media.Modeling.Training;
using Media.Services.Audio.Codec;
using Media.Services.Song.Data;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Training;
using Media.Services.Song.Lyrics;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class LeVoTrainingTests : IDisposable
{
    const int Frames = 40, Codebooks = 2;
    readonly string root = Directory.CreateTempSubdirectory("levo-train").FullName;
    readonly NeuralAudioCodec codec = new(new EncodecModel(RandomCodecCheckpoint.Tiny));
    readonly SongTokenCache mixes, tracks;
    readonly CodecLatentTokenizer tokenizer;

    // Two cached songs of random codes (the caches' own file format), so no song is sung or encoded here.
    public LeVoTrainingTests()
    {
        var dataset = new SongTokenDataset(new LyricSongGenerator(16000), codec);
        mixes = new SongTokenCache(root, dataset, SongMode.MixedPro, 2, 50);
        tracks = new SongTokenCache(root, dataset, SongMode.Parallel, 2, 50);
        var random = new Random(5);
        int[][] Codes() => [.. Enumerable.Range(0, Codebooks).Select(_ => Enumerable.Range(0, Frames).Select(_ => random.Next(16)).ToArray())];
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        for (ulong seed = 0; seed < 2; seed++)
        {
            var lyrics = LyricsTokenizer.Encode(seed == 0 ? "[verse]\nwe sing\n" : "[chorus]\nthe sea\n");
            var vocals = Codes();
            Write(mixes, seed, new SongTrainingExample(seed, $"style {seed}", lyrics, Frames, 0, Codes(), vocals, null), json);
            Write(tracks, seed, new SongTrainingExample(seed, $"style {seed}", lyrics, Frames, 0, null, vocals, Codes()), json);
        }
        tokenizer = CodecLatentTokenizer.Fit(codec, Enumerable.Range(0, 2).SelectMany(s => new[] { mixes.Get((ulong)s).Mix!, tracks.Get((ulong)s).Vocals!, tracks.Get((ulong)s).Accompaniment! }),
            framesPerToken: 2, Codebooks, clusters: 12, iterations: 4, maxVectors: 1000, seed: 1, CPU).Tokenizer;
    }

    static void Write(SongTokenCache cache, ulong seed, SongTrainingExample example, JsonSerializerOptions json)
    {
        Directory.CreateDirectory(cache.Folder);
        File.WriteAllText(Path.Combine(cache.Folder, $"{seed}.json"), JsonSerializer.Serialize(example, json));
    }

    public void Dispose()
    {
        tokenizer.Dispose();
        codec.Dispose();
        Directory.Delete(root, recursive: true);
    }

    LeVoConfig Config => LeVoModelTests.Tiny() with { CodeSize = tokenizer.VocabularySize, SampleRate = 16000 };

    LeVoTraining Training(LeVoStage stage, string run, long steps, string? stageOne = null) =>
        new(Config, stage, new LeVoTrainingOptions { Songs = 2, Batch = 2, ConditionDropout = 0.15 }, new LeVoTokenDataset(mixes, tracks, tokenizer),
            new TrainerOptions { RunDirectory = Path.Combine(root, run), TotalSteps = steps, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 4 },
            CPU, stageOne);

    static Dictionary<string, Tensor> Snapshot(LeLmModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    [Fact]
    public void The_three_streams_come_from_both_caches_retokenized_at_half_the_frame_rate()
    {
        var example = new LeVoTokenDataset(mixes, tracks, tokenizer).Get(1);
        Assert.Equal(Frames / 2, example.Tokens);
        Assert.Equal(tokenizer.Tokens(tracks.Get(1).Accompaniment!), example.Accompaniment);
        Assert.Equal(tokenizer.Tokens(mixes.Get(1).Mix!), example.Mixed);
        Assert.Equal("style 1", example.Description);
    }

    [Fact]
    public void Stage_one_reads_the_mixes_alone_with_the_same_loss_and_stage_two_refuses_a_mix_only_dataset()
    {
        // Song 2 is only in the mix cache, as a song is while its dual-track cache is still being made.
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var random = new Random(9);
        int[][] codes = [.. Enumerable.Range(0, Codebooks).Select(_ => Enumerable.Range(0, Frames).Select(_ => random.Next(16)).ToArray())];
        Write(mixes, 2, new SongTrainingExample(2, "style 2", LyricsTokenizer.Encode("[verse]\nwe rise\n"), Frames, 0, codes, codes, null), json);
        var mixOnly = new LeVoTokenDataset(mixes, null, tokenizer);
        Assert.False(mixOnly.HasTracks);
        var lone = mixOnly.Get(2);
        Assert.Equal(tokenizer.Tokens(codes), lone.Mixed);
        Assert.Null(lone.Vocal);

        using var lm = Training(LeVoStage.Lm, "mix-only", steps: 4);
        var both = new LeVoTokenDataset(mixes, tracks, tokenizer);
        lm.Model.eval();
        using (no_grad())
            foreach (ulong seed in new ulong[] { 0, 1 })
            {
                var full = both.Get(seed);
                var condition = LeVoCondition.Of(lm.Config, full.Description, full.Lyrics);
                double withTracks = LeVoLoss.Compute(lm.Model, LeVoTraining.Pack(lm.Config, [full], [condition], 0, CPU), LeVoStage.Lm).Total.item<float>();
                double alone = LeVoLoss.Compute(lm.Model, LeVoTraining.Pack(lm.Config, [mixOnly.Get(seed)], [condition], 0, CPU), LeVoStage.Lm).Total.item<float>();
                Assert.Equal(withTracks, alone, 6);
            }

        using var stageOne = new LeVoTraining(Config, LeVoStage.Lm, new LeVoTrainingOptions { Songs = 3, Batch = 2 }, mixOnly,
            new TrainerOptions { RunDirectory = Path.Combine(root, "mix-only-run"), TotalSteps = 2, CheckpointEvery = 100, LogEvery = 1, Seed = 4 }, CPU);
        stageOne.Trainer.Run();
        Assert.Equal(2, stageOne.Trainer.Step);
        Assert.All(stageOne.Trainer.History, h => Assert.True(double.IsFinite(h.Loss)));
        stageOne.Export(Path.Combine(root, "mix-only-lm"));
        Assert.Throws<ArgumentException>(() => new LeVoTraining(Config, LeVoStage.Decoder, new LeVoTrainingOptions { Songs = 3, Batch = 2 }, mixOnly,
            new TrainerOptions { RunDirectory = Path.Combine(root, "mix-only-decoder"), TotalSteps = 2, Seed = 4 }, CPU, Path.Combine(root, "mix-only-lm")));
    }

    [Fact]
    public void The_held_out_loss_is_the_stages_loss_of_each_song_under_its_own_condition_and_leaves_the_model_training()
    {
        using var lm = Training(LeVoStage.Lm, "heldout", steps: 4);
        var data = new LeVoTokenDataset(mixes, tracks, tokenizer);
        var songs = new[] { data.Get(0), data.Get(1) };
        Assert.True(lm.Model.training);
        double heldOut = lm.HeldOutLoss(songs);
        Assert.True(lm.Model.training);

        lm.Model.eval();
        using (no_grad())
        {
            double expected = songs.Average(song => LeVoLoss.Compute(lm.Model,
                LeVoTraining.Pack(lm.Config, [song], [LeVoCondition.Of(lm.Config, song.Description, song.Lyrics)], 0, CPU), LeVoStage.Lm).Total.item<float>());
            Assert.Equal(expected, heldOut, 5);
            double unconditioned = songs.Average(song => LeVoLoss.Compute(lm.Model, LeVoTraining.Pack(lm.Config, [song], [null], 0, CPU), LeVoStage.Lm).Total.item<float>());
            Assert.NotEqual(unconditioned, heldOut, 5);
        }
    }

    [Fact]
    [Slow("model training (two stages)")]
    public void Stage_one_learns_the_mix_and_stage_two_learns_the_tracks_with_the_lm_frozen()
    {
        using (var lm = Training(LeVoStage.Lm, "lm", steps: 24))
        {
            lm.Trainer.Run();
            var losses = lm.Trainer.History.Select(h => h.Loss).ToList();
            Assert.True(losses.TakeLast(3).Average() < 0.8 * losses.Take(3).Average(), string.Join(", ", losses));
            lm.Export(Path.Combine(root, "lm", "model"));
        }
        var stageOne = Path.Combine(root, "lm", "model");
        Assert.Equal(24, LeVoCheckpoint.ReadConfig(stageOne).LmSteps);
        Assert.Throws<ArgumentException>(() => Training(LeVoStage.Decoder, "no-lm", steps: 2, stageOne: Path.Combine(root, "missing")));

        using var decoder = Training(LeVoStage.Decoder, "decoder", steps: 24, stageOne);
        var before = Snapshot(decoder.Model);
        decoder.Trainer.Run();
        var losses2 = decoder.Trainer.History.Select(h => h.Loss).ToList();
        Assert.True(losses2.TakeLast(3).Average() < 0.8 * losses2.Take(3).Average(), string.Join(", ", losses2));
        var after = decoder.Model.state_dict();
        foreach (var key in before.Keys.Where(k => k.StartsWith("transformer.", StringComparison.Ordinal) || k.StartsWith("emb.", StringComparison.Ordinal)
            || k.StartsWith("condition_provider.", StringComparison.Ordinal)))
            Assert.True(before[key].allclose(after[key], 0, 0), $"{key} moved in stage 2");
        Assert.False(before["transformer2.layers.0.attention.wqkv.weight"].allclose(after["transformer2.layers.0.attention.wqkv.weight"], 0, 0));
        Assert.False(before["linears.1.weight"].allclose(after["linears.1.weight"], 0, 0));

        string export = Path.Combine(root, "model");
        decoder.Export(export);
        var config = LeVoCheckpoint.ReadConfig(export);
        Assert.True(config.IsTrained);
        Assert.Equal((24L, 24L), (config.LmSteps, config.DecoderSteps));
        using var loaded = CodecLatentTokenizer.Load(Path.Combine(export, LeVoCheckpoint.TokenizerFolder), codec);
        Assert.Equal(tokenizer.Tokens(mixes.Get(0).Mix!), loaded.Tokens(mixes.Get(0).Mix!));
    }
}

[Collection(SingleThreadedTorch.Name)]
public sealed class LeVoDpoTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("levo-dpo").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    static LeVoSample Sample(Random random, int tokens, int codes, double score) =>
        new([.. Enumerable.Range(0, tokens).Select(_ => random.Next(codes))], [.. Enumerable.Range(0, tokens).Select(_ => random.Next(codes))],
            [.. Enumerable.Range(0, tokens).Select(_ => random.Next(codes))], score);

    [Fact]
    public void A_prompts_pair_is_its_best_sample_against_its_worst_and_none_when_they_differ_by_less_than_the_margin()
    {
        var random = new Random(3);
        var scores = new[] { 1.2, 2.9, 0.4, 2.9, 1.0 };
        var samples = scores.Select(score => Sample(random, 4, 16, score)).ToList();

        var (chosen, rejected) = LeVoDpo.Pair(samples)!.Value;
        Assert.Same(samples[1], chosen);      // the first of the two best
        Assert.Same(samples[2], rejected);
        Assert.NotNull(LeVoDpo.Pair(samples, margin: 2.5));
        Assert.Null(LeVoDpo.Pair(samples, margin: 2.6));
        // Two samples: the plain pairing, the better chosen whichever came first; a tie gives no pair even without a margin.
        Assert.Same(samples[0], LeVoDpo.Pair([samples[2], samples[0]])!.Value.Chosen);
        Assert.Null(LeVoDpo.Pair([samples[1], samples[3]]));
        Assert.Throws<ArgumentException>(() => LeVoDpo.Pair([samples[0]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LeVoDpo.Pair(samples, margin: -1));
    }

    [Fact]
    public void Keeping_the_tempo_the_chosen_sample_is_the_best_one_at_the_asked_tempo_and_a_prompt_with_none_gives_no_pair()
    {
        var random = new Random(5);
        LeVoSample At(double score, bool keepsTempo) => Sample(random, 4, 16, score) with { KeepsTempo = keepsTempo };
        // The best-scored sample missed the tempo (its lyrics and key scored more): under the gate it is not preferred.
        var samples = new[] { At(1.4, true), At(2.6, false), At(0.3, false), At(1.9, true) };

        Assert.Same(samples[1], LeVoDpo.Pair(samples)!.Value.Chosen);
        var (chosen, rejected) = LeVoDpo.Pair(samples, keepTempo: true)!.Value;
        Assert.Same(samples[3], chosen);
        Assert.Same(samples[2], rejected);     // the worst of all samples, whatever its tempo
        Assert.Null(LeVoDpo.Pair(samples, margin: 1.7, keepTempo: true));
        Assert.NotNull(LeVoDpo.Pair(samples, margin: 1.7));
        Assert.Null(LeVoDpo.Pair([samples[1], samples[2]], keepTempo: true));
        // The only sample at the tempo is also the worst: nothing to prefer it over.
        Assert.Null(LeVoDpo.Pair([At(0.2, true), At(2.0, false)], keepTempo: true));
    }

    [Fact]
    public void Lyrics_pairs_rank_by_cer_between_samples_that_agree_on_tempo_and_key_so_no_pair_prefers_a_tempo_or_a_key()
    {
        var random = new Random(7);
        LeVoSample Sung(double cer, bool tempo, bool key, double tempoRatio = 1.0) =>
            Sample(random, 4, 16, (1 - cer) + (tempo ? 1 : 0) + (key ? 1 : 0)) with { KeepsTempo = tempo, KeepsKey = key, Cer = cer, TempoRatio = tempoRatio };
        // The combined score pairs the only song in tempo and key against one that kept neither: a pair about tempo and key.
        var samples = new[] { Sung(0.9, true, true), Sung(0.2, false, false), Sung(0.6, true, false), Sung(0.95, false, false), Sung(0.3, true, false) };
        var combined = LeVoDpo.Pair(samples)!.Value;
        Assert.Same(samples[0], combined.Chosen);
        Assert.Same(samples[3], combined.Rejected);

        // Ranked by the lyrics: the two songs at the tempo and in the same key outcome, the fewer errors chosen.
        var (chosen, rejected) = LeVoDpo.Pair(samples, ranking: LeVoPairRanking.Lyrics)!.Value;
        Assert.Same(samples[4], chosen);
        Assert.Same(samples[2], rejected);
        Assert.Equal(chosen.KeepsTempo, rejected.KeepsTempo);
        Assert.Equal(chosen.KeepsKey, rejected.KeepsKey);
        // The margin is a CER difference (0.3 here).
        Assert.NotNull(LeVoDpo.Pair(samples, margin: 0.29, ranking: LeVoPairRanking.Lyrics));
        Assert.Null(LeVoDpo.Pair(samples, margin: 0.31, ranking: LeVoPairRanking.Lyrics));
        // A group in tempo and key comes before one in tempo only; no two samples agreeing gives no pair; the gate keeps
        // only groups at the asked tempo.
        var inKey = new[] { Sung(0.8, true, true), Sung(0.1, true, false), Sung(0.4, true, true), Sung(0.9, true, false) };
        Assert.Same(inKey[2], LeVoDpo.Pair(inKey, ranking: LeVoPairRanking.Lyrics)!.Value.Chosen);
        Assert.Null(LeVoDpo.Pair([Sung(0.1, true, true), Sung(0.9, false, true), Sung(0.5, true, false)], ranking: LeVoPairRanking.Lyrics));
        var offTempo = new[] { Sung(0.2, false, false), Sung(0.7, false, false), Sung(0.5, true, false) };
        Assert.NotNull(LeVoDpo.Pair(offTempo, ranking: LeVoPairRanking.Lyrics));
        Assert.Null(LeVoDpo.Pair(offTempo, keepTempo: true, ranking: LeVoPairRanking.Lyrics));
        // Both in the 4 % window can still mean a song 3.5 % slower chosen over a faster one, which teaches slowing down;
        // with a tempo agreement of 2 % the pair is the widest gap between tempos that close.
        var window = new[] { Sung(0.3, true, false, 0.975), Sung(0.9, true, false, 1.01), Sung(0.6, true, false, 1.0) };
        Assert.Same(window[0], LeVoDpo.Pair(window, ranking: LeVoPairRanking.Lyrics)!.Value.Chosen);
        var (clear, unclear) = LeVoDpo.Pair(window, ranking: LeVoPairRanking.Lyrics, tempoAgreement: 0.02)!.Value;
        Assert.Same(window[2], clear);
        Assert.Same(window[1], unclear);
        Assert.Null(LeVoDpo.Pair([window[0], window[1]], ranking: LeVoPairRanking.Lyrics, tempoAgreement: 0.02));
        Assert.Throws<ArgumentOutOfRangeException>(() => LeVoDpo.Pair(window, ranking: LeVoPairRanking.Lyrics, tempoAgreement: 0));
        // A pairs file from before the CER and the tempo were stored cannot be ranked by them.
        Assert.Throws<ArgumentException>(() => LeVoDpo.Pair([samples[0] with { Cer = double.NaN }, samples[1]], ranking: LeVoPairRanking.Lyrics));
        Assert.NotNull(LeVoDpo.Pair([window[0] with { TempoRatio = double.NaN }, window[1]], ranking: LeVoPairRanking.Lyrics));
        Assert.Throws<ArgumentException>(() => LeVoDpo.Pair([window[0] with { TempoRatio = double.NaN }, window[1]], ranking: LeVoPairRanking.Lyrics, tempoAgreement: 0.02));
    }

    /// <summary>A tiny two-stage model saved as a pre-DPO folder, and four pairs of 8-token samples of it, the first scored higher.</summary>
    (LeVoConfig Config, string Pretrained, List<LeVoPreferencePair> Pairs) PretrainedWithPairs(string name, int seed)
    {
        var config = LeVoModelTests.Tiny() with { LmSteps = 3, DecoderSteps = 3 };
        string pretrained = Path.Combine(root, name);
        using (var model = LeVoModelTests.Create(config)) LeVoCheckpoint.Save(pretrained, model, config);
        var random = new Random(seed);
        var pairs = Enumerable.Range(0, 4).Select(i => new LeVoPreferencePair((ulong)i, $"style {i}", LyricsTokenizer.Encode("[verse]\nla la\n"),
            Sample(random, 8, config.CodeSize, 2.5), Sample(random, 8, config.CodeSize, 1.0))).ToList();
        return (config, pretrained, pairs);
    }

    [Fact]
    public void The_nll_term_raises_the_chosen_samples_likelihood_beyond_what_pure_dpo_does()
    {
        var (config, pretrained, pairs) = PretrainedWithPairs("pre-nll", seed: 11);
        using var reference = LeVoCheckpoint.Load(pretrained);
        double start = LeVoDpo.Loss(reference, reference, LeVoDpo.Batch(config, pairs, CPU)).ChosenNll;

        double ChosenNllAfter(double nllWeight)
        {
            using var training = new LeVoDpoTraining(pretrained, pairs, batch: 4, beta: 0.1,
                new TrainerOptions { RunDirectory = Path.Combine(root, $"run-nll-{nllWeight}"), TotalSteps = 15, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 2 },
                CPU, nllWeight: nllWeight);
            training.Run();
            var after = LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU));
            Assert.Equal(1.0, after.RewardAccuracy);      // it still learns the preference
            return after.ChosenNll;
        }

        double pure = ChosenNllAfter(0), anchored = ChosenNllAfter(1);
        Assert.True(anchored < start, $"with the NLL term: {start:F3} -> {anchored:F3}");
        Assert.True(anchored < pure, $"pure DPO {pure:F3}, with the NLL term {anchored:F3}");
    }

    [Fact]
    public void A_tempo_condition_pair_prefers_the_tempo_keeping_sample_under_its_own_tempo_to_itself_under_another()
    {
        var random = new Random(23);
        const string description = "soft rock, warm and relaxed, 88 bpm, in E major; organ, fm bass, drums; female vocal, caribbean accent, high pitch";
        LeVoPreferencePair Pair(ulong seed, bool keepsTempo) => new(seed, description, LyricsTokenizer.Encode("[verse]\nla la\n"),
            Sample(random, 4, 16, 2.5) with { KeepsTempo = keepsTempo }, Sample(random, 4, 16, 1.0));

        Assert.Null(LeVoDpo.TempoConditionPair(Pair(1, keepsTempo: false)));
        var others = new HashSet<int>();
        for (ulong seed = 0; seed < 40; seed++)
        {
            var pair = Pair(seed, keepsTempo: true);
            var condition = LeVoDpo.TempoConditionPair(pair)!;
            Assert.Same(pair.Chosen, condition.Chosen);
            Assert.Same(pair.Chosen, condition.Rejected);          // one song, two conditions
            Assert.Equal(description, condition.Description);
            int other = SongConditionProbe.Tempo(condition.RejectedDescription!);
            Assert.InRange(other, 80, 140);
            Assert.True(Math.Abs(other - 88) >= 0.08 * 88, $"{other} bpm is within 8 % of 88");
            Assert.Equal(description.Replace("88 bpm", $"{other} bpm", StringComparison.Ordinal), condition.RejectedDescription);
            Assert.Equal(condition, LeVoDpo.TempoConditionPair(pair));   // deterministic by the pair's seed
            Assert.Null(LeVoDpo.TempoConditionPair(condition));
            others.Add(other);
        }
        Assert.True(others.Count > 10, "the other tempo is drawn, not fixed");
    }

    [Fact]
    public void Dpo_on_tempo_condition_pairs_learns_to_prefer_a_song_under_its_own_tempo()
    {
        var (config, pretrained, pairs) = PretrainedWithPairs("pre-condition", seed: 29);
        var tempoPairs = pairs.Select((p, i) => p with { Description = $"pop, {90 + 10 * i} bpm, in C major", Chosen = p.Chosen with { KeepsTempo = true } })
            .Select(LeVoDpo.TempoConditionPair).OfType<LeVoPreferencePair>().ToList();
        Assert.Equal(4, tempoPairs.Count);
        using var reference = LeVoCheckpoint.Load(pretrained);
        var batch = LeVoDpo.Batch(config, tempoPairs, CPU);
        Assert.NotNull(batch.RejectedConditions);
        Assert.True(batch.Chosen.eq(batch.Rejected).all().item<bool>());
        var start = LeVoDpo.Loss(reference, reference, batch);
        Assert.Equal(Math.Log(2), start.Total.item<float>(), 3);
        Assert.Equal(0.0, start.Margin, 6);     // the reference reads the rejected side under its own (other) condition too

        using var training = new LeVoDpoTraining(pretrained, tempoPairs, batch: 4, beta: 0.1,
            new TrainerOptions { RunDirectory = Path.Combine(root, "run-condition"), TotalSteps = 15, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 2 },
            CPU, streams: LeVoDpoStreams.Mixed);
        training.Run();
        var after = LeVoDpo.Loss(training.Model, reference, batch, streams: LeVoDpoStreams.Mixed);
        Assert.Equal(1.0, after.RewardAccuracy);
        // Nothing but the condition tells the two sides apart, so the margin is the model's reading of the tempo.
        Assert.True(after.Margin > 0.1, $"margin {after.Margin:F4}");
        Assert.Equal(0.0, LeVoDpo.Loss(training.Model, reference, batch with { RejectedConditions = null }, streams: LeVoDpoStreams.Mixed).Margin, 5);
    }

    [Fact]
    public void The_corpus_term_holds_the_pretraining_songs_loss_that_pure_dpo_lets_drift()
    {
        var (config, pretrained, pairs) = PretrainedWithPairs("pre-corpus", seed: 17);
        var random = new Random(19);
        int[] Tokens() => [.. Enumerable.Range(0, 8).Select(_ => random.Next(config.CodeSize))];
        var songs = Enumerable.Range(0, 6).Select(i => new LeVoExample((ulong)i, $"corpus style {i}", LyricsTokenizer.Encode("[chorus]\nna na\n"), Tokens(), Tokens(), Tokens())).ToList();
        var mixOnly = songs.Select(s => s with { Vocal = null, Accompaniment = null }).ToList();
        var whole = LeVoTraining.Pack(config, songs, [.. songs.Select(s => (LeVoCondition?)LeVoCondition.Of(config, s.Description, s.Lyrics))], 0, CPU);
        using var reference = LeVoCheckpoint.Load(pretrained);
        double start = LeVoDpo.CorpusLoss(reference, whole, LeVoDpoStreams.All).item<float>();

        (double Corpus, double? Logged) After(string name, LeVoDpoCorpus? corpus, LeVoDpoStreams streams = LeVoDpoStreams.All)
        {
            double? logged = null;
            using var training = new LeVoDpoTraining(pretrained, pairs, batch: 4, beta: 0.1,
                new TrainerOptions { RunDirectory = Path.Combine(root, name), TotalSteps = 15, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 2 },
                CPU, (_, parts) => logged = parts.CorpusLoss, streams: streams, corpus: corpus);
            training.Run();
            Assert.Equal(1.0, LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU), streams: streams).RewardAccuracy);   // still learns the preference
            return (LeVoDpo.CorpusLoss(training.Model, whole, streams).item<float>(), logged);
        }

        var pure = After("run-pure", null);
        var held = After("run-corpus", new LeVoDpoCorpus(s => songs[(int)s], songs.Count, Weight: 1));
        Assert.Null(pure.Logged);
        Assert.NotNull(held.Logged);
        Assert.True(held.Corpus < start && held.Corpus < pure.Corpus, $"corpus loss: pre-DPO {start:F3}, pure DPO {pure.Corpus:F3}, with the corpus term {held.Corpus:F3}");

        // Mixed-only DPO reads the mixes alone; over all three streams a corpus song must bring its tracks.
        var mixed = After("run-corpus-mixed", new LeVoDpoCorpus(s => mixOnly[(int)s], songs.Count, Weight: 1), streams: LeVoDpoStreams.Mixed);
        Assert.NotNull(mixed.Logged);
        var refused = Assert.Throws<InvalidOperationException>(() => After("run-corpus-no-tracks", new LeVoDpoCorpus(s => mixOnly[(int)s], songs.Count, Weight: 1)));
        Assert.Contains("needs a track cache", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeVoDpoTraining(pretrained, pairs, 4, 0.1, new TrainerOptions { RunDirectory = Path.Combine(root, "run-bad"), TotalSteps = 1 }, CPU,
            corpus: new LeVoDpoCorpus(s => songs[(int)s], songs.Count, Weight: 0)));
    }

    [Theory]
    [InlineData(LeVoDpoStreams.Mixed)]
    [InlineData(LeVoDpoStreams.Tracks)]
    public void One_sided_dpo_learns_the_preference_on_its_streams_and_leaves_the_other_side_as_trained(LeVoDpoStreams streams)
    {
        var (config, pretrained, pairs) = PretrainedWithPairs($"pre-{streams}", seed: 13);
        using var reference = LeVoCheckpoint.Load(pretrained);
        var batch = LeVoDpo.Batch(config, pairs, CPU);
        // The three streams' log-probability is the mixed stream's plus the tracks', each below zero.
        using (var all = LeVoDpo.SequenceLogProbability(reference, batch.Chosen, batch.Conditions))
        using (var mixed = LeVoDpo.SequenceLogProbability(reference, batch.Chosen, batch.Conditions, LeVoDpoStreams.Mixed))
        using (var tracks = LeVoDpo.SequenceLogProbability(reference, batch.Chosen, batch.Conditions, LeVoDpoStreams.Tracks))
        {
            Assert.True((all - mixed - tracks).abs().lt(1e-3).all().item<bool>(), "mixed + tracks = all");
            Assert.True(tracks.lt(-1e-3).all().item<bool>(), "the tracks add log-probability below zero");
        }

        using var training = new LeVoDpoTraining(pretrained, pairs, batch: 4, beta: 0.1,
            new TrainerOptions { RunDirectory = Path.Combine(root, $"run-{streams}"), TotalSteps = 15, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 2 },
            CPU, streams: streams);
        training.Run();
        Assert.Equal(1.0, LeVoDpo.Loss(training.Model, reference, batch, streams: streams).RewardAccuracy);
        var before = reference.state_dict();
        var after = training.Model.state_dict();
        var subDecoder = new HashSet<string>(training.Model.named_parameters()
            .Where(p => training.Model.SubDecoderParameters().Any(q => ReferenceEquals(q, p.parameter))).Select(p => p.name));
        Assert.NotEmpty(subDecoder);
        // Mixed: the sub-decoder that makes the audio stays; tracks: the main LM that plans the mix, its tempo and key, stays.
        bool Frozen(string name) => subDecoder.Contains(name) == (streams == LeVoDpoStreams.Mixed);
        foreach (var (name, value) in after.Where(kv => Frozen(kv.Key)))
            Assert.True(value.allclose(before[name], rtol: 0, atol: 0), $"{name} changed");
        Assert.Contains(after, kv => !Frozen(kv.Key) && !kv.Value.allclose(before[kv.Key], rtol: 0, atol: 0));
    }

    [Fact]
    public void Dpo_starts_at_log_two_and_learns_to_prefer_the_chosen_samples_while_the_reference_stays()
    {
        var config = LeVoModelTests.Tiny() with { LmSteps = 3, DecoderSteps = 3 };
        string pretrained = Path.Combine(root, "pre");
        using (var model = LeVoModelTests.Create(config)) LeVoCheckpoint.Save(pretrained, model, config);
        using (var codec = new NeuralAudioCodec(new EncodecModel(RandomCodecCheckpoint.Tiny)))
        using (var tokenizer = LeVoGenerationTests.Tokenizer(codec)) tokenizer.Save(Path.Combine(pretrained, LeVoCheckpoint.TokenizerFolder));
        var random = new Random(8);
        var pairs = Enumerable.Range(0, 4).Select(i => new LeVoPreferencePair((ulong)i, $"style {i}", LyricsTokenizer.Encode("[verse]\nla la\n"),
            Sample(random, 6 + i, config.CodeSize, 2.5), Sample(random, 6 + i, config.CodeSize, 1.0))).ToList();

        using var training = new LeVoDpoTraining(pretrained, pairs, batch: 4, beta: 0.1,
            new TrainerOptions { RunDirectory = Path.Combine(root, "run"), TotalSteps = 15, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 2 }, CPU);
        using var reference = LeVoCheckpoint.Load(pretrained);
        var first = LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU));
        Assert.Equal(Math.Log(2), first.Total.item<float>(), 3);

        training.Run();
        var losses = training.Trainer.History.Select(h => h.Loss).ToList();
        Assert.True(losses[^1] < 0.5 * Math.Log(2), string.Join(", ", losses));
        var after = LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU));
        Assert.Equal(1.0, after.RewardAccuracy);
        Assert.True(after.Margin > 0);

        // Pure DPO reports the chosen samples' likelihood without adding it; the NLL term adds its weight times that.
        var withNll = LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU), nllWeight: 0.5);
        Assert.Equal(after.ChosenNll, withNll.ChosenNll, 4);
        Assert.Equal(after.Total.item<float>() + 0.5 * after.ChosenNll, withNll.Total.item<float>(), 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => LeVoDpo.Loss(training.Model, reference, LeVoDpo.Batch(config, pairs, CPU), nllWeight: -1));

        string post = Path.Combine(root, "post");
        training.Export(post);
        Assert.Equal(15, LeVoCheckpoint.ReadConfig(post).DpoSteps);
        // The export is servable as it is, and so is the pre-DPO model inside it, the reference of the preference gain.
        Assert.True(LeVoCheckpoint.IsLeVoFolder(post));
        Assert.True(LeVoCheckpoint.IsLeVoFolder(Path.Combine(post, LeVoCheckpoint.PreDpoFolder)));
        Assert.Equal(0, LeVoCheckpoint.ReadConfig(Path.Combine(post, LeVoCheckpoint.PreDpoFolder)).DpoSteps);
        Assert.False(Directory.Exists(Path.Combine(post, LeVoCheckpoint.PreDpoFolder, LeVoCheckpoint.PreDpoFolder)));
    }
}

using Media.Modeling.Sampling;
using Media.Modeling.Serving;
using Media.Services.Audio.Codec;
using Media.Services.Song.Generation;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Generation;
using Media.Services.Song.Lyrics;
using Media.Services.Song.Model;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class LeVoGenerationTests : IDisposable
{
    const int Clusters = 12;
    readonly string root = Directory.CreateTempSubdirectory("levo-gen").FullName;
    readonly string codecFolder;

    public LeVoGenerationTests() => codecFolder = RandomCodecCheckpoint.Write(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    static LeVoConfig Config => LeVoModelTests.Tiny() with { CodeSize = Clusters, SampleRate = 16000, LmSteps = 1, DecoderSteps = 1 };

    /// <summary>A tokenizer of <see cref="Clusters"/> tokens fitted to random codes of the tiny codec.</summary>
    internal static CodecLatentTokenizer Tokenizer(NeuralAudioCodec codec)
    {
        var random = new Random(3);
        var tracks = Enumerable.Range(0, 4).Select(_ => (IReadOnlyList<IReadOnlyList<int>>)Enumerable.Range(0, 2)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 30).Select(_ => random.Next(16)).ToArray()).ToList());
        return CodecLatentTokenizer.Fit(codec, tracks, 2, 2, Clusters, 3, 1000, 1, CPU).Tokenizer;
    }

    LeVoSynthesizer Synthesizer(int maxConcurrent = 1, string? codecAt = null)
    {
        var codec = NeuralAudioCodec.Load(codecAt ?? codecFolder);
        return new LeVoSynthesizer(new LeVoStepLoop(LeVoModelTests.Create(Config), maxConcurrent), codec, Tokenizer(codec), tokensPerChunk: 4);
    }

    static SongSpec Spec(string lyrics, double seconds, double temperature, double guidance, ulong seed) =>
        new(new SongCondition("ballad, calm", LyricsTokenizer.Encode(lyrics)), seconds, null,
            new SamplingParameters { Temperature = temperature, TopK = 5, Seed = seed }, guidance);

    static async Task<(int[] Mixed, int[] Vocal, int[] Accompaniment)> Run(LeVoStepLoop loop, LeVoRequest request)
    {
        await foreach (var _ in loop.StepsAsync(request, CancellationToken.None)) { }
        return (request.Mixed, request.Vocal, request.Accompaniment);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(7)] // the prefix arrives in several chunks, the sub-decoder prefilling from each
    public async Task Greedy_decoding_on_the_scheduler_picks_what_a_full_teacher_forced_pass_predicts(int prefillBudget)
    {
        var config = Config;
        using var loop = new LeVoStepLoop(LeVoModelTests.Create(config), 1, prefillBudget);
        var condition = LeVoCondition.Of(config, "ballad, calm", LyricsTokenizer.Encode("[verse]\nwe sing of the sea\n"));
        using var request = new LeVoRequest(loop.Model, condition, tokens: 9, SamplingParameters.Greedy, guidanceScale: 1);
        var (mixed, vocal, accompaniment) = await Run(loop, request);

        using var noGrad = no_grad();
        var layout = request.Layout;
        var steps = layout.Arrange(mixed, vocal, accompaniment);
        var input = tensor(steps.SelectMany(s => s.Take(layout.Steps - 1)).Select(v => (long)v).ToArray()).view(1, 3, layout.Steps - 1);
        var (mixedLogits, dualLogits) = loop.Model.Forward(input, [condition]);
        var logits = cat([mixedLogits.unsqueeze(2), dualLogits!], 2); // [1, S-1, 3, V+1]
        int[][] tracks = [mixed, vocal, accompaniment];
        int checkedPicks = 0;
        for (int s = 0; s + 1 < layout.Steps; s++)
        {
            for (int q = 0; q < 3; q++)
            {
                if (layout.TokenAt(q, s + 1) is not int t) continue;
                var row = logits[0, s, q].clone().unsqueeze(0);
                row[0, config.Eos] = -1e9f;
                var seen = tracks[q].Take(t).Skip(Math.Max(0, t - LeVoRequest.RepetitionWindow)).Select(v => (long)v).ToArray();
                var penalised = seen.Length == 0 ? row : RepetitionPenalty.Apply(row, tensor(seen).view(1, -1),
                    [new SamplingParameters { RepetitionPenalty = 1.1, RepetitionWindow = LeVoRequest.RepetitionWindow, RepetitionMode = RepetitionPenaltyMode.PresenceDivide }]);
                Assert.Equal(tracks[q][t], (int)penalised.argmax(-1).item<long>());
                checkedPicks++;
            }
        }
        Assert.Equal(27, checkedPicks);
    }

    [Fact]
    public async Task A_reader_that_stops_early_returns_only_once_the_request_has_left_the_scheduler()
    {
        var config = Config;
        using var loop = new LeVoStepLoop(LeVoModelTests.Create(config), 1);
        var condition = LeVoCondition.Of(config, "ballad", LyricsTokenizer.Encode("[verse]\nwe sing of the sea\n"));
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var request = new LeVoRequest(loop.Model, condition, 30, new SamplingParameters { Temperature = 1, Seed = 1 }, 1.5);
            await foreach (int step in loop.StepsAsync(request, CancellationToken.None))
                if (step == 2) break;
            // Its caches and prefixes are freed next: the scheduler's thread must be done with them.
            Assert.True(request.Completion.IsCompleted);
            Assert.Equal(RequestStatus.Cancelled, await request.Completion);
            request.Dispose();
        }
    }

    [Fact]
    public async Task A_song_sung_beside_another_comes_out_as_it_does_alone()
    {
        var config = Config;
        using var loop = new LeVoStepLoop(LeVoModelTests.Create(config), 2);
        var a = LeVoCondition.Of(config, "ballad, calm", LyricsTokenizer.Encode("[verse]\nwe sing of the sea\n"));
        var b = LeVoCondition.Of(config, "fast rock", LyricsTokenizer.Encode("[chorus]\nthe dancers dream\n[verse]\nla la la\n"));
        var sampling = new SamplingParameters { Temperature = 1, TopK = 6, Seed = 11 };
        using var alone = new LeVoRequest(loop.Model, a, 10, sampling, 1.5);
        var expected = await Run(loop, alone);

        using var first = new LeVoRequest(loop.Model, a, 10, sampling, 1.5);
        using var second = new LeVoRequest(loop.Model, b, 7, sampling with { Seed = 12 }, 1.5);
        var together = await Task.WhenAll(Run(loop, first), Run(loop, second));
        Assert.Equal(expected.Mixed, together[0].Mixed);
        Assert.Equal(expected.Vocal, together[0].Vocal);
        Assert.Equal(expected.Accompaniment, together[0].Accompaniment);
        Assert.All(together[1].Vocal, v => Assert.InRange(v, 0, Clusters - 1));
    }

    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 2)] // Vocos looks 27 frames ahead: the first three chunks of 8 frames decode to nothing and are not sent
    public async Task The_mix_streams_in_chunks_that_are_the_sum_of_the_two_stems(bool vocos, int expectedChunks)
    {
        string codecAt = vocos ? RandomCodecCheckpoint.Write(Path.Combine(root, "vocos"), vocos: RandomCodecCheckpoint.TinyVocos) : codecFolder;
        using var songs = Synthesizer(codecAt: codecAt);
        var chunks = new List<float[]>();
        var (audio, _, vocal, accompaniment) = await songs.GenerateAsync(Spec("[verse]\nwe sing of the sea\n", seconds: 0.8, temperature: 1, guidance: 1.5, seed: 4),
            (chunk, _) => { chunks.Add(chunk); return ValueTask.CompletedTask; }, CancellationToken.None);
        int samples = songs.Tokens(0.8) * 640;
        Assert.Equal(20, songs.Tokens(0.8));
        Assert.Equal(samples, audio.Mix.Length);
        Assert.Equal(samples, audio.Vocals!.Length);
        Assert.Equal(samples, audio.Accompaniment!.Length);
        Assert.Equal(expectedChunks, chunks.Count);
        Assert.Equal(audio.Mix, chunks.SelectMany(c => c).ToArray());
        for (int i = 0; i < samples; i += 97) Assert.Equal(audio.Vocals[i] + audio.Accompaniment[i], audio.Mix[i], 5);
        Assert.InRange(audio.FirstChunkSeconds, 0, audio.Seconds);
        // Each chunk decoded the tokens the model had made by then, not the list's unfilled slots.
        using (var codec = NeuralAudioCodec.Load(codecAt))
        using (var tokenizer = Tokenizer(codec))
        {
            var vocalAtTheEnd = tokenizer.Decode(vocal);
            var accompanimentAtTheEnd = tokenizer.Decode(accompaniment);
            Assert.True(vocalAtTheEnd.Zip(audio.Vocals, (a, b) => Math.Abs(a - b)).Max() < 1e-4, "the vocal stem is its tokens' audio");
            Assert.True(accompanimentAtTheEnd.Zip(audio.Accompaniment, (a, b) => Math.Abs(a - b)).Max() < 1e-4, "the accompaniment is its tokens' audio");
        }

        var error = await Assert.ThrowsAsync<ArgumentException>(() => songs.SynthesizeAsync(
            Spec("[verse]\nla\n", 0.4, 1, 1, 1) with { Mode = SongMode.MixedPro }, (_, _) => ValueTask.CompletedTask, CancellationToken.None));
        Assert.Contains("parameters.mode", error.Message);
    }

    [Fact]
    public void The_loader_serves_a_folder_with_both_stages_trained_and_refuses_one_without()
    {
        string folder = Path.Combine(root, "levo");
        using (var model = LeVoModelTests.Create(Config))
        using (var codec = NeuralAudioCodec.Load(codecFolder))
        using (var tokenizer = Tokenizer(codec))
        {
            LeVoCheckpoint.Save(folder, model, Config with { DecoderSteps = 0 });
            tokenizer.Save(Path.Combine(folder, LeVoCheckpoint.TokenizerFolder));
        }
        var error = Assert.Throws<InvalidDataException>(() => LeVoLoader.LoadFolder(folder, codecFolder, CPU, 1));
        Assert.Contains("not both trained", error.Message);

        using (var model = LeVoModelTests.Create(Config)) LeVoCheckpoint.Save(folder, model, Config);
        using var songs = LeVoLoader.LoadFolder(folder, codecFolder, CPU, 1);
        Assert.Equal("levo", songs.Name);
        Assert.Equal(SongSamplingDefaults.LeVo, songs.Defaults);
        Assert.Equal(Config.MaxTokens / 25.0, songs.MaxSeconds);
    }

    [Fact]
    public void A_round_trip_is_each_stem_through_the_tokenizer_and_back_summed_as_levo_decodes_its_songs()
    {
        var random = new Random(5);
        float[] Noise() => [.. Enumerable.Range(0, 8000).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] mix = Noise(), vocals = Noise(), accompaniment = Noise();
        using var songs = Synthesizer();
        using var codec = NeuralAudioCodec.Load(codecFolder);
        using var tokenizer = Tokenizer(codec);
        var back = songs.RoundTrip(mix, vocals, accompaniment);
        var expected = SongAudio.Sum(tokenizer.Decode(tokenizer.Encode(vocals)), tokenizer.Decode(tokenizer.Encode(accompaniment)));
        Assert.Equal(expected.Length, back.Length);
        Assert.True(back.Zip(expected, (a, b) => Math.Abs(a - b)).Max() < 1e-5);
        // The mixed stream is never decoded: another mix changes nothing.
        Assert.Equal(back, songs.RoundTrip(Noise(), vocals, accompaniment));
    }
}

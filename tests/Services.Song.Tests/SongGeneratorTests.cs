using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Audio.Codec;
using Media.Services.Song.Generation;
using Media.Services.Song.Model;
using Media.Tokenizers.Audio.Codec;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class SongGeneratorTests : IDisposable
{
    readonly string models = Directory.CreateTempSubdirectory("songgen-models").FullName;

    public void Dispose() => Directory.Delete(models, recursive: true);

    void WriteModel(string mode, long trainedSteps, bool vocos = false)
    {
        RandomCodecCheckpoint.Write(models, vocos: vocos ? RandomCodecCheckpoint.TinyVocos : null);
        var config = SongGenModelTests.Tiny(mode) with { TrainedSteps = trainedSteps };
        using var model = SongGenModelTests.Create(config);
        SongGenCheckpoint.Save(Path.Combine(models, "songgen"), model, config);
    }

    static Job Job(string parameters) => new()
    {
        Id = Hosting.Jobs.Job.NewId(), Kind = SongJobKind.Name, Model = "songgen", Family = "song", Parameters = JsonDocument.Parse(parameters).RootElement,
        Owner = "test", Status = JobStatus.Running, CreatedAt = DateTimeOffset.UtcNow,
    };

    const string Lyrics = "\"lyrics\": \"[verse]\\nwe sing of the sea\\n[chorus]\\nthe night is long\\n\", \"description\": \"soft rock, 100 bpm, in C major\"";

    sealed class RecordingSink : IJobEventSink
    {
        public List<(short[] Samples, int Rate)> Chunks { get; } = [];

        public ValueTask ProgressAsync(int step, int totalSteps, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PreviewAsync(ReadOnlyMemory<byte> png, int step, int totalSteps, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask AudioChunkAsync(ReadOnlyMemory<byte> pcm16, int sampleRate, int channels, CancellationToken cancellationToken)
        {
            Chunks.Add((Pcm16.FromBytes(pcm16.Span), sampleRate));
            return ValueTask.CompletedTask;
        }
    }

    static float[] Samples(GeneratedArtifact artifact) => WavFile.Read(artifact.Content.ToArray()).Channels[0];

    [Fact]
    public async Task A_dual_track_song_streams_its_mix_in_chunks_and_ends_with_the_mix_and_both_stems()
    {
        WriteModel("parallel-a-v", trainedSteps: 1);
        using var generator = new SongGenerator(SongGenLoader.Load(models, CPU, maxConcurrent: 2));
        var sink = new RecordingSink();
        var artifacts = await generator.RunAsync(Job($"{{{Lyrics}, \"duration_seconds\": 1.2, \"seed\": 3, \"top_k\": 5, \"guidance_scale\": 3}}"), sink, CancellationToken.None);

        Assert.Equal(["song.wav", "vocals.wav", "accompaniment.wav"], artifacts.Select(a => a.Name));
        var mix = Samples(artifacts[0]);
        var vocals = Samples(artifacts[1]);
        var accompaniment = Samples(artifacts[2]);
        Assert.Equal(60 * 320, mix.Length); // 1.2 s = 60 frames of 320 samples
        Assert.Equal(3, sink.Chunks.Count); // 25 + 25 + 10 frames, each sent as soon as its frames were complete
        Assert.All(sink.Chunks, c => Assert.Equal(16000, c.Rate));
        Assert.Equal(mix.Length, sink.Chunks.Sum(c => c.Samples.Length));
        Assert.True(vocals.Zip(accompaniment, (v, a) => v + a).Zip(mix, (s, m) => Math.Abs(s - m)).Max() < 2e-4, "the mix is the stems' sum");
        Assert.True(vocals.Zip(accompaniment, (v, a) => Math.Abs(v - a)).Max() > 1e-4, "the stems are two tracks");
    }

    [Fact]
    public async Task Through_a_decoder_that_looks_further_ahead_than_a_chunk_the_streamed_song_is_the_finished_song_decoded()
    {
        // The committed codec's Vocos decoder needs 27 frames ahead, more than a 25-frame chunk: its first chunk decodes to
        // nothing, and the decoder must still read each chunk's frames only once the model has made them.
        WriteModel("parallel", trainedSteps: 1, vocos: true);
        var spec = SongSpec.Parse(JsonDocument.Parse($"{{{Lyrics}, \"duration_seconds\": 1.2, \"seed\": 3, \"top_k\": 5}}").RootElement);
        var chunks = new List<float[]>();
        SongAudio streamed, atTheEnd;
        using (var songs = SongGenLoader.Load(models, CPU, maxConcurrent: 1))
            streamed = await songs.SynthesizeAsync(spec, (c, _) => { chunks.Add(c); return ValueTask.CompletedTask; }, CancellationToken.None);
        string folder = Path.Combine(models, SongGenerator.ModelFolder);
        var config = SongGenCheckpoint.ReadConfig(folder);
        var model = Media.Modeling.Checkpoints.ModelFolder.Load(folder, () => new SongGenModel(config), CPU);
        using (var whole = new SongSynthesizer(new SongStepLoop(model, 1), NeuralAudioCodec.Load(Path.Combine(models, "media-codec")), framesPerChunk: 1000))
            atTheEnd = await whole.SynthesizeAsync(spec, (_, _) => ValueTask.CompletedTask, CancellationToken.None);

        Assert.Equal(60 * 320, streamed.Mix.Length);
        Assert.Equal(2, chunks.Count); // frames 0-24 give nothing yet; 25-49 give 23 frames, the last chunk the other 37
        Assert.All(chunks, c => Assert.NotEmpty(c));
        Assert.Equal(streamed.Mix, chunks.SelectMany(c => c));
        Assert.Equal(atTheEnd.Mix.Length, streamed.Mix.Length);
        Assert.True(atTheEnd.Mix.Zip(streamed.Mix, (a, b) => Math.Abs(a - b)).Max() < 1e-4, "the chunks decode the codes the model made");
        Assert.True(streamed.Mix.Max(Math.Abs) > 1e-3, "the decoder is not silent");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_song_and_the_mixed_mode_gives_no_stems()
    {
        WriteModel("mixed", trainedSteps: 1);
        using var generator = new SongGenerator(SongGenLoader.Load(models, CPU, maxConcurrent: 1));
        string job = $"{{{Lyrics}, \"duration_seconds\": 1, \"seed\": 9, \"temperature\": 1.0}}";
        var first = await generator.RunAsync(Job(job), new RecordingSink(), CancellationToken.None);
        var second = await generator.RunAsync(Job(job), new RecordingSink(), CancellationToken.None);
        Assert.Equal(["song.wav"], first.Select(a => a.Name));
        Assert.Equal(Samples(first[0]), Samples(second[0]));
        var wrongMode = await Assert.ThrowsAsync<ArgumentException>(() =>
            generator.RunAsync(Job($"{{{Lyrics}, \"mode\": \"interleaving-a-v\"}}"), new RecordingSink(), CancellationToken.None));
        Assert.Contains("parameters.mode", wrongMode.Message);
    }

    [Fact]
    public void An_untrained_model_folder_is_never_served()
    {
        WriteModel("mixed", trainedSteps: 0);
        var error = Assert.Throws<InvalidDataException>(() => SongGenLoader.Load(models, CPU, maxConcurrent: 1));
        Assert.Contains("untrained", error.Message);
    }

    [Fact]
    public void A_round_trip_keeps_what_the_models_tokens_keep_the_mix_in_a_mixed_mode_each_stem_in_a_dual_track_one()
    {
        // The ceiling `eval song` reports must be read through the same tokens the model sings in: its codebooks, its tracks.
        var random = new Random(5);
        float[] Noise() => [.. Enumerable.Range(0, 8000).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] mix = Noise(), vocals = Noise(), accompaniment = Noise();
        static float Distance(float[] a, float[] b) => a.Length == b.Length ? a.Zip(b, (x, y) => Math.Abs(x - y)).Max() : float.PositiveInfinity;

        WriteModel("mixed", trainedSteps: 1); // 3 of the codec's 6 codebooks
        using (var songs = SongGenLoader.Load(models, CPU, maxConcurrent: 1))
        using (var codec = NeuralAudioCodec.Load(Path.Combine(models, "media-codec")))
        {
            float[] Through(float[] track, int codebooks) =>
                codec.Decode(codec.Encode(AudioBuffer.FromMono(track, 16000), codebooks * codec.Model.Config.KbpsPerCodebook)).Channels[0];
            var back = songs.RoundTrip(mix, vocals, accompaniment);
            Assert.True(Distance(back, Through(mix, 3)) < 1e-5, "the mix through the model's three codebooks");
            Assert.True(Distance(back, Through(mix, 6)) > 1e-3, "not through all of the codec's");
            Assert.True(Distance(back, songs.RoundTrip(mix, accompaniment, vocals)) < 1e-5, "a mixed mode never reads the stems");
        }

        WriteModel("parallel", trainedSteps: 1);
        using (var songs = SongGenLoader.Load(models, CPU, maxConcurrent: 1))
        using (var codec = NeuralAudioCodec.Load(Path.Combine(models, "media-codec")))
        {
            float[] Through(float[] track) => codec.Decode(codec.Encode(AudioBuffer.FromMono(track, 16000), 3 * codec.Model.Config.KbpsPerCodebook)).Channels[0];
            var back = songs.RoundTrip(mix, vocals, accompaniment);
            Assert.True(Distance(back, SongAudio.Sum(Through(vocals), Through(accompaniment))) < 1e-5, "each stem through the codec, summed");
            Assert.True(Distance(back, songs.RoundTrip(accompaniment, vocals, accompaniment)) < 1e-5, "a dual-track mode never reads the mix");
        }
    }
}

using System.Security.Cryptography;
using Media.Audio.Corpora;
using Media.Audio.IO;

namespace Media.Audio.Tests.Corpora;

public sealed class SpeechCorpusTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), $"speech-corpus-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void The_plan_is_deterministic_varied_and_extends_with_the_count()
    {
        var small = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 50, Seed = 3 });
        var large = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 400, Seed = 3 });
        var other = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 50, Seed = 4 });
        Assert.Equal(small, large.Take(50));
        Assert.NotEqual(small.Select(u => u.Text), other.Select(u => u.Text));
        Assert.True(large.Select(u => u.Transcript).Distinct().Count() > 390);
        Assert.True(large.Select(u => u.Voice.Name).Distinct().Count() >= 6);
        Assert.Contains(large, u => u.Text.EndsWith('?'));
        Assert.Contains(large, u => u.Text.Contains('$', StringComparison.Ordinal));
        Assert.All(large, u => Assert.DoesNotMatch(@"\d", u.Transcript));
    }

    [Fact]
    public void The_held_out_split_is_disjoint_by_transcript_and_near_its_fraction()
    {
        var plan = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 3000, TestFraction = 0.1, Seed = 1 });
        var test = plan.Where(u => u.IsTest).Select(u => u.Transcript.ToLowerInvariant()).ToHashSet();
        var train = plan.Where(u => !u.IsTest).Select(u => u.Transcript.ToLowerInvariant()).ToHashSet();
        Assert.Empty(test.Intersect(train));
        Assert.InRange(plan.Count(u => u.IsTest), 3000 * 0.07, 3000 * 0.13);
    }

    [EspeakFact]
    [Slow("corpus rendering with espeak-ng")]
    public void Rendering_is_deterministic_with_transcripts_and_cached()
    {
        var options = new SpeechCorpusOptions { Directory = Path.Combine(root, "a"), Count = 6, Seed = 9, SampleRate = 16000 };
        var first = SpeechCorpus.Prepare(options);
        var second = SpeechCorpus.Prepare(options with { Directory = Path.Combine(root, "b") });

        Assert.Equal(first.Utterances.Select(u => u.Transcript), second.Utterances.Select(u => u.Transcript));
        foreach (var u in first.Utterances)
        {
            byte[] a = File.ReadAllBytes(first.PathOf(u)), b = File.ReadAllBytes(second.PathOf(u));
            Assert.Equal(SHA256.HashData(a), SHA256.HashData(b));
            var audio = first.Load(u);
            Assert.Equal(16000, audio.SampleRate);
            Assert.Equal(1, audio.ChannelCount);
            Assert.InRange(audio.DurationSeconds, 0.5, 15);
            Assert.True(TestSignals.Rms(audio.Channels[0]) > 0.01);
        }
        var manifest = File.ReadAllLines(Path.Combine(first.Folder, "manifest.tsv"));
        Assert.Equal(7, manifest.Length);
        Assert.Contains(first.Utterances[0].Transcript, manifest[1], StringComparison.Ordinal);

        // Cached: a second Prepare renders nothing (the file is not rewritten).
        var stamp = File.GetLastWriteTimeUtc(first.PathOf(first.Utterances[0]));
        SpeechCorpus.Prepare(options);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(first.PathOf(first.Utterances[0])));
    }

    [EspeakFact]
    public void The_corpus_is_resampled_to_the_requested_rate()
    {
        var corpus = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = root, Count = 1, Seed = 2, SampleRate = 24000 });
        Assert.Equal(24000, WavFile.Read(corpus.PathOf(corpus.Utterances[0])).SampleRate);
    }

    [Fact]
    public void A_missing_espeak_gives_the_install_command()
    {
        var options = new SpeechCorpusOptions { Directory = root, Count = 1, Executable = "espeak-ng-that-does-not-exist" };
        var error = Assert.Throws<EspeakNotFoundException>(() => SpeechCorpus.Prepare(options));
        Assert.Contains("apt-get install espeak-ng", error.Message, StringComparison.Ordinal);
        var direct = Assert.Throws<EspeakNotFoundException>(() =>
            new EspeakRenderer("espeak-ng-that-does-not-exist").Render("hello", new EspeakVoice("en-us", 160, 50)));
        Assert.Contains("apt-get install espeak-ng", direct.Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
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

    [Fact]
    public void The_default_voice_set_leaves_the_seed_1_corpus_as_it_was()
    {
        // Every speech model and cached corpus was made from this plan: its manifest (what each WAV is rendered from)
        // must hash as the manifest main wrote before voice sets existed, and its folder keep its name.
        var options = new SpeechCorpusOptions { Directory = root, Count = 2000, Seed = 1 };
        var manifest = new StringBuilder("id\tsplit\tvoice\trate\tpitch\ttext\ttranscript\n");
        foreach (var u in SpeechCorpus.Plan(options))
            manifest.Append(CultureInfo.InvariantCulture, $"{u.Id}\t{(u.IsTest ? "test" : "train")}\t{u.Voice.Name}\t{u.Voice.WordsPerMinute}\t{u.Voice.Pitch}\t{u.Text}\t{u.Transcript}\n");

        Assert.Equal("36594DD28A86773982B2433EA50E170FC79422F249452167758A15B7C99693E1",
            Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.ToString()))));
        Assert.Equal(Path.Combine(root, "espeak-v1-16000hz-seed1"), SpeechCorpus.FolderFor(options));
        Assert.Equal(Path.Combine(root, "espeak-v1-16000hz-seed2-judge"), SpeechCorpus.FolderFor(options with { Seed = 2, Voices = SpeechVoiceSet.Judge }));
    }

    [Fact]
    public void The_judge_voices_share_no_voice_and_no_variant_with_the_corpus_voices()
    {
        var corpus = EspeakVoice.Voices(SpeechVoiceSet.Default);
        var judge = EspeakVoice.Voices(SpeechVoiceSet.Judge);
        Assert.Equal(16, judge.Distinct().Count());
        Assert.Empty(judge.Intersect(corpus));
        Assert.Empty(judge.Select(EspeakVoice.Variant).Intersect(corpus.Select(EspeakVoice.Variant)));
        Assert.True(judge.Select(EspeakVoice.Accent).Except(corpus.Select(EspeakVoice.Accent)).Count() >= 3, "some judge voices speak accents the corpus never uses");
        Assert.True(judge.Select(EspeakVoice.Accent).Intersect(corpus.Select(EspeakVoice.Accent).Append("en")).Count() >= 4, "the judge hears every accent the TTS voice speaks");
        Assert.All(judge, v => Assert.NotEqual("", EspeakVoice.Variant(v)));

        // The voice set swaps only the voice: same sentences, rates, pitches and split, every voice from its own set.
        var plain = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 600, Seed = 2 });
        var judged = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = root, Count = 600, Seed = 2, Voices = SpeechVoiceSet.Judge });
        Assert.Equal(plain.Select(u => (u.Text, u.Voice.WordsPerMinute, u.Voice.Pitch, u.IsTest)), judged.Select(u => (u.Text, u.Voice.WordsPerMinute, u.Voice.Pitch, u.IsTest)));
        Assert.All(judged, u => Assert.Contains(u.Voice.Name, judge));
        Assert.Equal(judge.Count, judged.Select(u => u.Voice.Name).Distinct().Count());
    }

    [EspeakFact]
    public void Every_judge_voice_sounds_unlike_every_corpus_voice()
    {
        // espeak-ng falls back without an error when it cannot apply a variant (one it lacks, or any variant on en-gb):
        // the audio is then another voice's, and a judge voice could quietly be a corpus voice under another name.
        var renderer = new EspeakRenderer();
        string Sound(string name) => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(
            renderer.Render("seven green boats", new EspeakVoice(name, 160, 50)).Channels[0].AsSpan())));
        var corpus = EspeakVoice.CorpusVoices.Select(Sound).ToHashSet();
        var judge = EspeakVoice.JudgeVoices.ToDictionary(name => name, Sound);
        Assert.All(judge, pair => Assert.False(corpus.Contains(pair.Value), $"{pair.Key} renders exactly as a corpus voice."));
        Assert.Equal(judge.Count, judge.Values.Distinct().Count());
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

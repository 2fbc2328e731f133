using System.Globalization;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Media.Audio.IO;
using Media.Audio.Text;

namespace Media.Audio.Corpora;

/// <summary>
/// An English speech corpus rendered by espeak-ng, cached on disk. Utterance i of a seed (sentence,
/// voice, rate 140-195 wpm, pitch 30-70) depends only on (seed, i). The test split is chosen by a hash
/// of the transcript, so it is deterministic and a sentence never appears in both splits. Audio is
/// 16-bit mono WAV at the requested rate under <c>Directory/espeak-v1-{rate}hz-seed{seed}/</c>, with a
/// <c>manifest.tsv</c> (id, split, voice, rate, pitch, text, transcript). The voice set
/// (<see cref="SpeechCorpusOptions.Voices"/>) only swaps the list utterance i picks its voice from (same draw, same
/// sentence, rate, pitch and split); a set other than the default is cached under a <c>-{set}</c> suffix.
/// </summary>
public sealed class SpeechCorpus
{
    /// <summary>Bumped whenever sentence generation or rendering changes, so stale caches are not reused.</summary>
    public const int Version = 1;

    SpeechCorpus(string folder, int sampleRate, IReadOnlyList<SpeechUtterance> utterances)
    {
        Folder = folder;
        SampleRate = sampleRate;
        Utterances = utterances;
        Train = utterances.Where(u => !u.IsTest).ToArray();
        Test = utterances.Where(u => u.IsTest).ToArray();
    }

    /// <summary>Folder holding the WAV files and manifest.</summary>
    public string Folder { get; }

    /// <summary>Sample rate of every file.</summary>
    public int SampleRate { get; }

    /// <summary>All utterances in index order.</summary>
    public IReadOnlyList<SpeechUtterance> Utterances { get; }

    /// <summary>Training split.</summary>
    public IReadOnlyList<SpeechUtterance> Train { get; }

    /// <summary>Held-out split.</summary>
    public IReadOnlyList<SpeechUtterance> Test { get; }

    /// <summary>The utterances of a corpus without rendering anything (text, voices, split).</summary>
    public static IReadOnlyList<SpeechUtterance> Plan(SpeechCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Count, 0);
        if (options.TestFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), $"TestFraction must be in [0, 1); got {options.TestFraction}.");
        var voices = EspeakVoice.Voices(options.Voices);
        var utterances = new SpeechUtterance[options.Count];
        for (int i = 0; i < options.Count; i++)
        {
            string text = SentenceGenerator.Sentence(options.Seed, i);
            string transcript = TextNormalizer.Normalize(text);
            var random = new SeededRandom(SeededRandom.Derive(options.Seed ^ 0x5EEC4UL, (ulong)i));
            var voice = new EspeakVoice(random.Pick(voices), random.Next(140, 196), random.Next(30, 71));
            utterances[i] = new SpeechUtterance($"u{i:D6}", text, transcript, voice, IsHeldOut(transcript, options.TestFraction));
        }
        return utterances;
    }

    // The split depends on the words alone: identical transcripts always land on the same side.
    static bool IsHeldOut(string transcript, double fraction)
    {
        ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(transcript.ToLowerInvariant())));
        return hash % 1_000_000 < fraction * 1_000_000;
    }

    /// <summary>Folder name for the options (rate, seed, voice set and generator version; not the count, so corpora extend).</summary>
    public static string FolderFor(SpeechCorpusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The default set keeps the name it had before voice sets existed, so existing caches stay valid.
        string voices = options.Voices == SpeechVoiceSet.Default ? "" : "-" + options.Voices.ToString().ToLowerInvariant();
        return Path.Combine(options.Directory, $"espeak-v{Version}-{options.SampleRate}hz-seed{options.Seed}{voices}");
    }

    /// <summary>
    /// Renders the utterances whose WAV is not cached yet (in parallel on the CPU cores), writes the
    /// manifest and returns the corpus. Throws <see cref="EspeakNotFoundException"/> when espeak-ng is
    /// missing and something still has to be rendered.
    /// </summary>
    public static SpeechCorpus Prepare(SpeechCorpusOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SampleRate, 0);
        var utterances = Plan(options);
        string folder = FolderFor(options);
        System.IO.Directory.CreateDirectory(folder);

        var missing = utterances.Where(u => !File.Exists(Path.Combine(folder, u.Id + ".wav"))).ToArray();
        if (missing.Length > 0)
        {
            var renderer = new EspeakRenderer(options.Executable);
            if (!renderer.IsAvailable()) throw new EspeakNotFoundException();
            int done = utterances.Count - missing.Length;
            Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, u =>
            {
                var audio = renderer.Render(u.Transcript, u.Voice).WithChannels(1).Resample(options.SampleRate);
                string path = Path.Combine(folder, u.Id + ".wav");
                string partial = path + ".partial";
                WavFile.Write(partial, audio);
                File.Move(partial, path, overwrite: true); // atomic: a crash never leaves a half-written clip that looks cached
                progress?.Report(Interlocked.Increment(ref done));
            });
        }
        WriteManifest(Path.Combine(folder, "manifest.tsv"), utterances);
        return new SpeechCorpus(folder, options.SampleRate, utterances);
    }

    static void WriteManifest(string path, IReadOnlyList<SpeechUtterance> utterances)
    {
        var sb = new StringBuilder("id\tsplit\tvoice\trate\tpitch\ttext\ttranscript\n");
        foreach (var u in utterances)
            sb.Append(CultureInfo.InvariantCulture,
                $"{u.Id}\t{(u.IsTest ? "test" : "train")}\t{u.Voice.Name}\t{u.Voice.WordsPerMinute}\t{u.Voice.Pitch}\t{u.Text}\t{u.Transcript}\n");
        string partial = path + ".partial";
        File.WriteAllText(partial, sb.ToString());
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Path of an utterance's WAV file.</summary>
    public string PathOf(SpeechUtterance utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        return Path.Combine(Folder, utterance.Id + ".wav");
    }

    /// <summary>An utterance's audio (mono, <see cref="SampleRate"/>).</summary>
    public AudioBuffer Load(SpeechUtterance utterance) => WavFile.Read(PathOf(utterance));
}

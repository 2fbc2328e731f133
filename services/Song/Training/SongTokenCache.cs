using System.Text.Json;
using Media.Services.Song.Data;

namespace Media.Services.Song.Training;

/// <summary>A corpus song's training tokens: its excerpt's description and lyrics tokens, and the codes of the tracks a mode needs.</summary>
public sealed record SongTrainingExample(ulong Seed, string Description, int[] Lyrics, int Frames, int VoiceStart, int[][]? Mix, int[][]? Vocals, int[][]? Accompaniment)
{
    /// <summary>The codes as the layout takes them.</summary>
    public SongCodes Codes => new(Mix, Vocals, Accompaniment);

    /// <summary>
    /// A reference-voice clip: <paramref name="frames"/> frames of the vocal codes from <see cref="VoiceStart"/> (the first
    /// sung note; the vocal is silent before), or null without vocal codes (the mixed mode).
    /// </summary>
    public int[][]? ReferenceClip(int frames)
    {
        if (Vocals is null) return null;
        int count = Math.Min(frames, Frames - VoiceStart);
        return count <= 0 ? null : [.. Vocals.Select(row => row.AsSpan(VoiceStart, count).ToArray())];
    }
}

/// <summary>
/// The token dataset of a run, cached in the run folder (<c>tokens/{mode}-{seconds}s/{seed}.json</c>): a song is generated
/// (<see cref="Media.Audio.Corpora.LyricSongGenerator"/>, espeak-ng and PSOLA) and encoded by the codec once, then read back
/// by every later step and every resume of the run. Deterministic by seed, so the cache only saves time.
/// </summary>
public sealed class SongTokenCache(string directory, SongTokenDataset dataset, SongMode mode, double seconds, int frameRate)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Where the examples are cached (<c>RUN/tokens/{mode}-{seconds}s</c>).</summary>
    public string Folder { get; } = Path.Combine(directory, "tokens", $"{SongModes.Name(mode)}-{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s");

    /// <summary>The example of corpus song <paramref name="seed"/>, from the cache or made and cached now.</summary>
    public SongTrainingExample Get(ulong seed)
    {
        string path = PathOf(seed);
        if (File.Exists(path))
            return JsonSerializer.Deserialize<SongTrainingExample>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"'{path}' is empty.");
        var example = Make(seed);
        Write(path, example);
        return example;
    }

    /// <summary>
    /// Makes and caches songs 0..<paramref name="songs"/>-1 that are not cached yet (cached ones are not read back), as many
    /// at once as there are cores (espeak-ng, PSOLA and the codec per song; each is made from its seed alone, so the order
    /// changes nothing), calling <paramref name="progress"/> with the count done after each; stops between songs when
    /// cancelled.
    /// </summary>
    public void Fill(int songs, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        int done = 0;
        var report = new Lock();
        void Done()
        {
            lock (report) progress?.Invoke(++done);
        }
        var missing = new List<ulong>();
        for (int seed = 0; seed < songs; seed++)
        {
            if (File.Exists(PathOf((ulong)seed))) Done();
            else missing.Add((ulong)seed);
        }
        try
        {
            Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, seed =>
            {
                Write(PathOf(seed), Make(seed));
                Done();
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped between songs; every song written so far is whole.
        }
    }

    string PathOf(ulong seed) => Path.Combine(Folder, $"{seed}.json");

    // Written under a temporary name and moved in place, so a crash (or a second writer) never leaves half a file.
    void Write(string path, SongTrainingExample example)
    {
        Directory.CreateDirectory(Folder);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(example, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Generates and encodes the song, cut to its excerpt.</summary>
    public SongTrainingExample Make(ulong seed)
    {
        var full = dataset.Example(seed, mode, seconds);
        var excerpt = SongExcerpt.Of(full.Song, seconds, frameRate);
        int[][]? Cut(int[][]? codes) => codes?.Select(row => row.AsSpan(0, Math.Min(row.Length, excerpt.Frames)).ToArray()).ToArray();
        var mix = Cut(full.Codes.Mix);
        var vocals = Cut(full.Codes.Vocals);
        int frames = (mix ?? vocals)![0].Length;
        int voiceStart = Math.Min(frames - 1, (int)(full.Song.Lines[0].Start * frameRate));
        return new SongTrainingExample(seed, full.Description, excerpt.LyricsTokens(), frames, voiceStart, mix, vocals, Cut(full.Codes.Accompaniment));
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Media.Audio.Corpora;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using static TorchSharp.torch;

namespace Media.Services.Song.Training;

/// <summary>How a song's condition is altered before its tokens are scored.</summary>
public enum ConditionVariant
{
    /// <summary>The song's own description and lyrics.</summary>
    Own,
    /// <summary>The description with another tempo (x1.25 below 110 bpm, /1.25 from it; the corpus spans 80-140).</summary>
    OtherTempo,
    /// <summary>The description with the tonic a tritone away, the mode kept: the key sharing the fewest notes.</summary>
    OtherKey,
    /// <summary>The next song's description, this song's lyrics.</summary>
    OtherDescription,
    /// <summary>This song's description, the next song's lyrics.</summary>
    OtherLyrics,
    /// <summary>No condition (the guidance row).</summary>
    None,
}

/// <summary>Mean cross-entropy per codebook of songs under one <see cref="ConditionVariant"/>.</summary>
public sealed record ConditionLoss(ConditionVariant Variant, double[] Codebooks)
{
    /// <summary>The codebooks' mean.</summary>
    public double Mean => Codebooks.Average();
}

/// <summary>
/// Which parts of its condition a SongGen model reads: the teacher-forced loss of held-out songs under their own
/// condition and under conditions with one part swapped. A part the model reads costs loss when it is wrong; a part it
/// ignores costs nothing. Generation can only follow a tempo or a key the loss shows the model reading.
/// </summary>
public static partial class SongConditionProbe
{
    [GeneratedRegex(@"(\d+) bpm")]
    private static partial Regex TempoPattern();

    [GeneratedRegex(@"in ([A-G]#?) (major|minor)")]
    private static partial Regex KeyPattern();

    static readonly string[] Tonics = [.. Enumerable.Range(0, 12).Select(MusicTheory.NoteName)];

    /// <summary><paramref name="description"/> (the corpus's <see cref="SongStyle.Text"/>) asking for another tempo.</summary>
    public static string WithOtherTempo(string description)
    {
        int bpm = Tempo(description);
        return WithTempo(description, (int)Math.Round(bpm < 110 ? bpm * 1.25 : bpm / 1.25));
    }

    /// <summary><paramref name="description"/> asking for <paramref name="bpm"/> instead of its own tempo.</summary>
    public static string WithTempo(string description, int bpm) =>
        Replace(description, TempoPattern(), _ => string.Create(CultureInfo.InvariantCulture, $"{bpm} bpm"));

    /// <summary>The tempo <paramref name="description"/> asks for.</summary>
    public static int Tempo(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var match = TempoPattern().Match(description);
        if (!match.Success) throw new ArgumentException($"The description \"{description}\" does not read like the corpus's.", nameof(description));
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary><paramref name="description"/> asking for the key a tritone away, in the same mode.</summary>
    public static string WithOtherKey(string description) => Replace(description, KeyPattern(), m =>
        $"in {MusicTheory.NoteName(Array.IndexOf(Tonics, m.Groups[1].Value) + 6)} {m.Groups[2].Value}");

    static string Replace(string description, Regex pattern, MatchEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!pattern.IsMatch(description)) throw new ArgumentException($"The description \"{description}\" does not read like the corpus's.", nameof(description));
        return pattern.Replace(description, evaluator, 1);
    }

    /// <summary>The condition of song <paramref name="index"/> under <paramref name="variant"/>, from the songs' own conditions.</summary>
    public static SongCondition? Condition(IReadOnlyList<SongCondition> own, int index, ConditionVariant variant)
    {
        ArgumentNullException.ThrowIfNull(own);
        var song = own[index];
        var next = own[(index + 1) % own.Count];
        return variant switch
        {
            ConditionVariant.Own => song,
            ConditionVariant.OtherTempo => song with { Description = WithOtherTempo(song.Description) },
            ConditionVariant.OtherKey => song with { Description = WithOtherKey(song.Description) },
            ConditionVariant.OtherDescription => song with { Description = next.Description },
            ConditionVariant.OtherLyrics => song with { Lyrics = next.Lyrics },
            ConditionVariant.None => null,
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
    }

    /// <summary>
    /// The mean of <paramref name="score"/>'s losses (per codebook or stream) over the songs under each variant: any song
    /// model's probe. <paramref name="own"/> holds the songs' own conditions (at least two: the swaps take the next song's
    /// parts); <paramref name="score"/> gives song i's teacher-forced losses under a condition (null: none).
    /// </summary>
    public static IReadOnlyList<ConditionLoss> Measure(IReadOnlyList<SongCondition> own, Func<int, SongCondition?, double[]> score,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(score);
        if (own.Count < 2) throw new ArgumentException("Give at least two songs: the swaps take the next song's parts.", nameof(own));
        var sums = new Dictionary<ConditionVariant, double[]>();
        for (int i = 0; i < own.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var variant in Enum.GetValues<ConditionVariant>())
            {
                var parts = score(i, Condition(own, i, variant));
                var sum = sums.TryGetValue(variant, out var s) ? s : sums[variant] = new double[parts.Length];
                for (int c = 0; c < parts.Length; c++) sum[c] += parts[c] / own.Count;
            }
        }
        return [.. sums.Select(p => new ConditionLoss(p.Key, p.Value))];
    }

    /// <summary>
    /// What a training run logs of held-out songs, from their losses under each variant <paramref name="whole"/> and in
    /// their opening: the own condition's loss, whole and in the opening, and what swapping the description or the lyrics
    /// (whole), or the key or the tempo (opening) costs; with several codebooks, the same three gains of the first codebook
    /// alone (<c>heldout_codebook0_*</c>).
    /// </summary>
    public static Dictionary<string, double> Gains(IReadOnlyList<ConditionLoss> whole, IReadOnlyList<ConditionLoss> opening)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(opening);
        var w = whole.ToDictionary(l => l.Variant, l => l.Mean);
        var o = opening.ToDictionary(l => l.Variant, l => l.Mean);
        var gains = new Dictionary<string, double>
        {
            ["heldout_loss"] = w[ConditionVariant.Own],
            ["heldout_description_gain"] = w[ConditionVariant.OtherDescription] - w[ConditionVariant.Own],
            ["heldout_lyrics_gain"] = w[ConditionVariant.OtherLyrics] - w[ConditionVariant.Own],
            ["heldout_opening_loss"] = o[ConditionVariant.Own],
            ["heldout_opening_key_gain"] = o[ConditionVariant.OtherKey] - o[ConditionVariant.Own],
            ["heldout_opening_tempo_gain"] = o[ConditionVariant.OtherTempo] - o[ConditionVariant.Own],
        };
        // With several codebooks the mean hides where the reading is: the first codebook carries the notes, and the later
        // ones are near noise early in training, so the first codebook's own gains are logged beside the mean.
        if (whole[0].Codebooks.Length > 1)
        {
            var w0 = whole.ToDictionary(l => l.Variant, l => l.Codebooks[0]);
            var o0 = opening.ToDictionary(l => l.Variant, l => l.Codebooks[0]);
            gains["heldout_codebook0_description_gain"] = w0[ConditionVariant.OtherDescription] - w0[ConditionVariant.Own];
            gains["heldout_codebook0_opening_key_gain"] = o0[ConditionVariant.OtherKey] - o0[ConditionVariant.Own];
            gains["heldout_codebook0_opening_tempo_gain"] = o0[ConditionVariant.OtherTempo] - o0[ConditionVariant.Own];
        }
        return gains;
    }

    /// <summary>
    /// The mean loss per codebook of <paramref name="songs"/> (at least two) under each variant, one song at a time; of their
    /// first <paramref name="frames"/> only when given. A key or a tempo is a few nats of information a song, and once some
    /// frames are heard the audio tells them too, so what a model reads of them shows in the opening, where generation
    /// has nothing else to go on.
    /// </summary>
    public static IReadOnlyList<ConditionLoss> Measure(SongGenModel model, IReadOnlyList<SongTrainingExample> songs, int? frames = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(songs);
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), "Score at least one frame.");
        var config = model.Config;
        bool training = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            // The decoder is causal: the loss of a song's first frames is the loss of those frames alone.
            var sequences = songs.Select(s => SongTokenLayout.Arrange(config.SongMode, Opening(s.Codes, frames), config.CodebookSize)).ToList();
            return Measure([.. songs.Select(s => new SongCondition(s.Description, s.Lyrics))], (i, condition) =>
            {
                using var scope = NewDisposeScope();
                var batch = SongGenTraining.Pack(config, [sequences[i]], [condition], 0, model.Device);
                return SongGenLoss.Compute(model, batch, 0, 1).Codebooks;
            }, cancellationToken);
        }
        finally
        {
            model.train(training);
        }
    }

    /// <summary>
    /// What a training run logs of held-out songs: their loss under their own condition, whole and in the first
    /// <paramref name="openingFrames"/>, and what swapping the key, the tempo or the description costs in that opening.
    /// </summary>
    public static Dictionary<string, double> Metrics(SongGenModel model, IReadOnlyList<SongTrainingExample> songs, int openingFrames) =>
        Gains(Measure(model, songs), Measure(model, songs, openingFrames));

    static SongCodes Opening(SongCodes codes, int? frames)
    {
        static int[][]? Cut(int[][]? rows, int? frames) => rows is null || frames is not { } f ? rows : [.. rows.Select(r => r[..Math.Min(f, r.Length)])];
        return new SongCodes(Cut(codes.Mix, frames), Cut(codes.Vocals, frames), Cut(codes.Accompaniment, frames));
    }
}

using System.Text.Json;
using Media.Audio.Corpora;
using Media.Cli.Commands.Song;
using Media.Modeling.Sampling;
using Media.Services.Audio.Evaluation;
using Media.Services.Song.Generation;
using Media.Services.Song.LeVo.Generation;
using Media.Services.Song.LeVo.Training;

namespace Media.Cli.Commands.Train;

/// <summary>
/// LeVo's automatically built preference pairs: for each training prompt (a corpus song's opening: its description and
/// sung lines), the pre-DPO model sings <c>samples</c> songs (seeds N·p .. N·p + N − 1); each is measured as the evaluation
/// measures songs (<see cref="SongModelEvaluation"/>) and scored by <see cref="SongModelRow.PreferenceScore"/> (lyric CER,
/// tempo and key adherence, key clarity); <see cref="LeVoDpo.Pair"/> makes the best (with <c>keepTempo</c>, the best at
/// the asked tempo) and the worst a pair, or drops the prompt when they differ by less than <c>margin</c>; with
/// <see cref="LeVoPairRanking.Lyrics"/>, the lowest and the highest lyric CER of samples that agree on tempo and key. Outcomes are
/// appended to a JSON-lines file one prompt at a time, so an interrupted run continues where it stopped.
/// </summary>
internal sealed class LeVoPreferencePairs(LeVoSynthesizer songs, SongModelEvaluation evaluation, LyricSongGenerator corpus, double seconds,
    int samples = 2, double margin = 0, bool keepTempo = false, LeVoPairRanking ranking = LeVoPairRanking.Combined,
    double? tempoAgreement = null)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>A prompt's outcome: the pair (null when no two samples differ by the margin) and every sample's score.</summary>
    public sealed record Prompt(ulong Seed, LeVoPreferencePair? Pair, IReadOnlyList<double> Scores);

    /// <summary>The pairs already in <paramref name="path"/>, and the prompt seeds done (ties included).</summary>
    public static (List<LeVoPreferencePair> Pairs, HashSet<ulong> Done) Read(string path)
    {
        var pairs = new List<LeVoPreferencePair>();
        var done = new HashSet<ulong>();
        if (!File.Exists(path)) return (pairs, done);
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            var prompt = JsonSerializer.Deserialize<Prompt>(line, Json) ?? throw new InvalidDataException($"{path}: an empty line.");
            done.Add(prompt.Seed);
            if (prompt.Pair is { } pair) pairs.Add(pair);
        }
        return (pairs, done);
    }

    /// <summary>Samples and ranks prompt <paramref name="seed"/> and appends its outcome to <paramref name="path"/>.</summary>
    public async Task<Prompt> MakeAsync(ulong seed, string path, CancellationToken cancellationToken)
    {
        var song = corpus.Generate(seed);
        var asked = CorpusSongPrompt.Of(seed, song, seconds, songs);
        var lyrics = asked.Excerpt.LyricsTokens();
        var defaults = songs.Defaults;
        var sung = new List<LeVoSample>();
        for (ulong k = 0; k < (ulong)samples; k++)
        {
            var spec = asked.Spec(new SamplingParameters { Temperature = defaults.Temperature, TopK = defaults.TopK, Seed = (ulong)samples * seed + k }, defaults.GuidanceScale);
            var (audio, mixed, vocal, accompaniment) = await songs.GenerateAsync(spec, (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
            var row = evaluation.Measure(asked.Made(audio, cpuSeconds: 0));
            sung.Add(new LeVoSample(mixed, vocal, accompaniment, row.PreferenceScore, row.TempoCorrect, row.KeyCorrect, row.Cer, row.EstimatedTempo / row.Tempo));
        }
        var pair = LeVoDpo.Pair(sung, margin, keepTempo, ranking, tempoAgreement) is var (chosen, rejected) ? new LeVoPreferencePair(seed, song.Style.Text, lyrics, chosen, rejected) : null;
        var prompt = new Prompt(seed, pair, [.. sung.Select(s => s.Score)]);
        File.AppendAllText(path, JsonSerializer.Serialize(prompt, Json) + "\n");
        return prompt;
    }
}

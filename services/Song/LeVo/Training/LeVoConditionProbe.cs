using Media.Services.Song.Model;
using Media.Services.Song.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// Which parts of its condition LeVo reads: <see cref="SongConditionProbe"/>'s swaps, scored on the main LM's mixed stream
/// (<see cref="LeVoStage.Lm"/>) or on the sub-decoder's vocal and accompaniment streams (<see cref="LeVoStage.Decoder"/>).
/// The main LM is where a key and a tempo are chosen; the tracks read the mix 12 steps ahead of them, so they hear the key
/// and the tempo there, and the vocal is where the lyrics must be read.
/// </summary>
public static class LeVoConditionProbe
{
    /// <summary>The opening the training log scores alone (the first second, as SongGen's).</summary>
    public const double OpeningSeconds = 1;

    /// <summary>
    /// The mean loss of <paramref name="songs"/> (at least two) under each variant, one song at a time: the mixed stream's
    /// for <see cref="LeVoStage.Lm"/>, the vocal's and the accompaniment's for <see cref="LeVoStage.Decoder"/> (songs with
    /// their tracks). Of their first <paramref name="tokens"/> only when given: both transformers are causal, so those
    /// tokens' loss is theirs alone.
    /// </summary>
    public static IReadOnlyList<ConditionLoss> Measure(LeLmModel model, IReadOnlyList<LeVoExample> songs, int? tokens = null,
        LeVoStage stage = LeVoStage.Lm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(songs);
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), "Score at least one token.");
        if (stage != LeVoStage.Lm && songs.Any(s => s.Vocal is null || s.Accompaniment is null))
            throw new ArgumentException("Scoring the tracks needs songs with their vocal and accompaniment streams.", nameof(songs));
        var config = model.Config;
        var cut = songs.Select(s => tokens is { } n && n < s.Tokens ? s with { Mixed = s.Mixed[..n], Vocal = s.Vocal?[..n], Accompaniment = s.Accompaniment?[..n] } : s).ToList();
        bool training = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            return SongConditionProbe.Measure([.. songs.Select(s => new SongCondition(s.Description, s.Lyrics))], (i, condition) =>
            {
                using var scope = NewDisposeScope();
                var levo = condition is null ? null : LeVoCondition.Of(config, condition.Description, condition.Lyrics);
                var batch = LeVoTraining.Pack(config, [cut[i]], [levo], 0, model.Device);
                var loss = LeVoLoss.Compute(model, batch, stage);
                return stage == LeVoStage.Lm ? [loss.Mixed!.Value] : [loss.Vocal!.Value, loss.Accompaniment!.Value];
            }, cancellationToken);
        }
        finally
        {
            model.train(training);
        }
    }

    /// <summary>What stage 1 logs of held-out songs (<see cref="SongConditionProbe.Gains"/>), the opening <see cref="OpeningSeconds"/> long.</summary>
    public static Dictionary<string, double> Metrics(LeLmModel model, IReadOnlyList<LeVoExample> songs)
    {
        ArgumentNullException.ThrowIfNull(model);
        int opening = (int)Math.Round(OpeningSeconds * model.Config.TokenRate);
        return SongConditionProbe.Gains(Measure(model, songs), Measure(model, songs, opening));
    }
}

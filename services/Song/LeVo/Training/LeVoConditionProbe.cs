using Media.Services.Song.Model;
using Media.Services.Song.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// Which parts of its condition LeVo reads: <see cref="SongConditionProbe"/>'s swaps, scored on the main LM's mixed stream.
/// The main LM is where a key and a tempo are chosen; the vocal and accompaniment streams read the mix 12 steps ahead
/// of them, so they hear the key and the tempo there.
/// </summary>
public static class LeVoConditionProbe
{
    /// <summary>The opening the training log scores alone (the first second, as SongGen's).</summary>
    public const double OpeningSeconds = 1;

    /// <summary>
    /// The mixed stream's mean loss of <paramref name="songs"/> (at least two) under each variant, one song at a time; of
    /// their first <paramref name="tokens"/> only when given (the main LM is causal, so those tokens' loss is theirs alone).
    /// </summary>
    public static IReadOnlyList<ConditionLoss> Measure(LeLmModel model, IReadOnlyList<LeVoExample> songs, int? tokens = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(songs);
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), "Score at least one token.");
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
                return [LeVoLoss.Compute(model, batch, LeVoStage.Lm).Mixed!.Value];
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

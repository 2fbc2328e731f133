using Media.Audio.Corpora;
using Media.Services.Song.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// One sampled song of a prompt: its three token streams, the score that ranked it, whether it kept the asked tempo and key,
/// its lyric CER and its estimated tempo over the asked one (NaN where the pairs file predates them).
/// </summary>
public sealed record LeVoSample(int[] Mixed, int[] Vocal, int[] Accompaniment, double Score, bool KeepsTempo = false, bool KeepsKey = false,
    double Cer = double.NaN, double TempoRatio = double.NaN);

/// <summary>
/// A preference pair: two samples of one prompt (its description and lyrics ids), the better-scored one chosen; or, with
/// <paramref name="RejectedDescription"/>, a condition pair: the chosen sample under its own description preferred to the
/// rejected one (the same sample) under that other description.
/// </summary>
public sealed record LeVoPreferencePair(ulong Seed, string Description, int[] Lyrics, LeVoSample Chosen, LeVoSample Rejected, string? RejectedDescription = null);

/// <summary>
/// A DPO batch: the chosen and rejected layouts [B, 3, S] (padded with the special id) and their conditions, and optionally
/// corpus songs under their own conditions (some dropped, as in pre-training) for the corpus term.
/// </summary>
public sealed record LeVoDpoBatch(Tensor Chosen, Tensor Rejected, IReadOnlyList<LeVoCondition> Conditions, LeVoBatch? Corpus = null,
    IReadOnlyList<LeVoCondition>? RejectedConditions = null);

/// <summary>
/// A DPO loss with its parts: the mean loss, the share of pairs whose implicit reward ranks them right, the mean reward margin,
/// the policy's negative log-likelihood per token of the chosen samples (what the NLL term lowers; pure DPO may raise it), and
/// the pre-training loss of the batch's corpus songs (null without them).
/// </summary>
public sealed record LeVoDpoParts(Tensor Total, double RewardAccuracy, double Margin, double ChosenNll, double? CorpusLoss = null);

/// <summary>
/// Direct preference optimisation (Rafailov et al. 2023) as LeVo post-trains LeLM: for a pair of samples of one prompt,
/// <c>-log sigmoid(beta [(log pi(chosen) - log ref(chosen)) - (log pi(rejected) - log ref(rejected))])</c>, where a
/// sample's log-probability is the sum over all three streams' real tokens (the main LM's mixed tokens and the
/// sub-decoder's vocal and accompaniment tokens) and <c>ref</c> is the frozen pre-DPO model.
/// </summary>
public static class LeVoDpo
{
    /// <summary>LeVo's and the DPO paper's usual beta.</summary>
    public const double DefaultBeta = 0.1;

    /// <summary>
    /// The pair a prompt's samples make: the best-scored chosen, the worst rejected, or none when their scores differ by less
    /// than <paramref name="margin"/> (ties always give none). With two samples and no margin this is the plain pairing; more
    /// samples and a margin keep only prompts whose samples the automatic score really tells apart, so a pair's order is
    /// less often the estimators' noise. With <paramref name="keepTempo"/> the chosen one is the best of the samples that
    /// kept the asked tempo (none kept it: no pair), so no pair prefers a song at another tempo for its other merits.
    /// <see cref="LeVoPairRanking.Lyrics"/> ranks by lyric CER instead, within the samples that agree on tempo and key
    /// adherence, their tempos optionally within <paramref name="tempoAgreement"/> (<see cref="LyricsPair"/>; the margin is
    /// then a CER difference).
    /// </summary>
    public static (LeVoSample Chosen, LeVoSample Rejected)? Pair(IReadOnlyList<LeVoSample> samples, double margin = 0, bool keepTempo = false,
        LeVoPairRanking ranking = LeVoPairRanking.Combined, double? tempoAgreement = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2) throw new ArgumentException("A preference pair needs at least two samples of the prompt.", nameof(samples));
        if (!double.IsFinite(margin) || margin < 0) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin is a non-negative score difference.");
        if (tempoAgreement is { } t && (!double.IsFinite(t) || t <= 0)) throw new ArgumentOutOfRangeException(nameof(tempoAgreement), t, "A tempo agreement is a positive log ratio.");
        if (ranking == LeVoPairRanking.Lyrics) return LyricsPair(samples, margin, keepTempo, tempoAgreement);
        IReadOnlyList<LeVoSample> candidates = keepTempo ? [.. samples.Where(s => s.KeepsTempo)] : samples;
        if (candidates.Count == 0) return null;
        // The first sample wins among equal scores, so a prompt's pair does not depend on how the sort breaks ties.
        var best = candidates.Aggregate((a, b) => b.Score > a.Score ? b : a);
        var worst = samples.Aggregate((a, b) => b.Score < a.Score ? b : a);
        double gap = best.Score - worst.Score;
        return gap < 1e-9 || gap < margin ? null : (best, worst);
    }

    /// <summary>
    /// LeVo's lyric-alignment pair: the samples are grouped by (kept the tempo, kept the key); of the groups of two or more,
    /// the one that keeps the most (the tempo before the key; with <paramref name="keepTempo"/> only groups at the asked tempo)
    /// gives the pair with the widest lyric-CER gap among its samples, the lower CER chosen, or none when the gap is less
    /// than <paramref name="margin"/>. Both sides of every pair then carry the same tempo and key outcome, so DPO can only
    /// learn the words from it: a pair whose chosen sample alone kept the tempo teaches a preference for that song under any
    /// asked tempo (docs/SONG.md, "What DPO does to the tempo the main LM reads"). With <paramref name="tempoAgreement"/>
    /// the two samples' estimated tempos must also lie within that log ratio of each other: slower singing is heard better,
    /// so pairs that only share the 4 % window prefer the slower song more often than not, and DPO of the main LM on them
    /// slows it down (docs/SONG.md, "Lyrics pairs").
    /// </summary>
    static (LeVoSample Chosen, LeVoSample Rejected)? LyricsPair(IReadOnlyList<LeVoSample> samples, double margin, bool keepTempo, double? tempoAgreement)
    {
        if (samples.Any(s => double.IsNaN(s.Cer) || (tempoAgreement is not null && double.IsNaN(s.TempoRatio))))
            throw new ArgumentException("Ranking by the lyrics needs every sample's CER (and its estimated tempo for a tempo agreement).", nameof(samples));
        var group = samples.GroupBy(s => (s.KeepsTempo, s.KeepsKey))
            .Where(g => g.Count() >= 2 && (!keepTempo || g.Key.KeepsTempo))
            .OrderByDescending(g => g.Key.KeepsTempo).ThenByDescending(g => g.Key.KeepsKey)
            .FirstOrDefault()?.ToList();
        if (group is null) return null;
        (LeVoSample Chosen, LeVoSample Rejected)? widest = null;
        double gap = 0;
        foreach (var a in group)
            foreach (var b in group)
                if (b.Cer - a.Cer > gap && (tempoAgreement is not { } agreement || Math.Abs(TempoLogRatio(a, b)) <= agreement))
                    (widest, gap) = ((a, b), b.Cer - a.Cer);
        return gap < 1e-9 || gap < margin ? null : widest;
    }

    /// <summary>How much faster <paramref name="sample"/> was sung than <paramref name="other"/>: the log ratio of their estimated tempos.</summary>
    public static double TempoLogRatio(LeVoSample sample, LeVoSample other)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(other);
        return Math.Log(sample.TempoRatio / other.TempoRatio);
    }

    /// <summary>
    /// Sum of log-probabilities [B] of the layout steps' real tokens under <paramref name="model"/>, over <paramref name="streams"/>:
    /// all three, the main LM's mixed stream alone (the sub-decoder not run), or the sub-decoder's vocal and accompaniment
    /// streams alone (the main LM run without gradients).
    /// </summary>
    public static Tensor SequenceLogProbability(LeLmModel model, Tensor steps, IReadOnlyList<LeVoCondition?> conditions, LeVoDpoStreams streams = LeVoDpoStreams.All)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(steps);
        using var scope = NewDisposeScope();
        long s = steps.shape[2] - 1;
        var targets = Targets(steps, streams);                                         // [B, 3 or 1 or 2 streams, S-1]
        var (mixed, dual) = model.Forward(steps.narrow(2, 0, s), conditions, withSubDecoder: streams != LeVoDpoStreams.Mixed,
            frozenLm: streams == LeVoDpoStreams.Tracks);
        var logits = streams switch                                                    // [B, 3 or 1 or 2 streams, S-1, V+1]
        {
            LeVoDpoStreams.Mixed => mixed.unsqueeze(1),
            LeVoDpoStreams.Tracks => dual!.permute(0, 2, 1, 3),
            _ => cat([mixed.unsqueeze(2), dual!], 2).permute(0, 2, 1, 3),
        };
        var real = targets.lt(model.Config.CodeSize);
        var logProbabilities = logits.log_softmax(-1).gather(-1, targets.clamp_max(model.Config.CodeSize).unsqueeze(-1)).squeeze(-1);
        return (logProbabilities * real.to(logProbabilities.dtype)).sum([1, 2]).MoveToOuterDisposeScope();
    }

    /// <summary>The next-step targets [B, streams, S-1] of layout steps [B, 3, S]: all three streams, the mixed one or the two tracks.</summary>
    static Tensor Targets(Tensor steps, LeVoDpoStreams streams)
    {
        var targets = steps.narrow(2, 1, steps.shape[2] - 1);
        return streams switch
        {
            LeVoDpoStreams.Mixed => targets.narrow(1, 0, 1),
            LeVoDpoStreams.Tracks => targets.narrow(1, 1, 2),
            _ => targets,
        };
    }

    /// <summary>
    /// The DPO loss of <paramref name="batch"/> for <paramref name="policy"/> against the frozen <paramref name="reference"/>,
    /// plus <paramref name="nllWeight"/> times the policy's NLL per token of the chosen samples (RPO, Pang et al. 2024): pure
    /// DPO can widen the margin by lowering both samples' likelihood, which moves the model off the songs it sings well; the
    /// NLL term holds the chosen ones up. 0 is LeVo's pure DPO. Both terms read <paramref name="streams"/>: all three, the mixed
    /// stream alone (only the main LM is post-trained) or the two tracks alone (only the sub-decoder is). With corpus
    /// songs in the batch, <paramref name="corpusWeight"/> times their pre-training loss (<see cref="CorpusLoss"/>) is added, as
    /// InstructGPT mixes pre-training gradients into its preference tuning (PPO-ptx): the corpus songs carry their asked tempo
    /// and key exactly, so the term holds what the pre-trained model reads of its condition, which the pairs alone wear away.
    /// </summary>
    public static LeVoDpoParts Loss(LeLmModel policy, LeLmModel reference, LeVoDpoBatch batch, double beta = DefaultBeta, double nllWeight = 0, LeVoDpoStreams streams = LeVoDpoStreams.All,
        double corpusWeight = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(batch);
        if (!double.IsFinite(nllWeight) || nllWeight < 0) throw new ArgumentOutOfRangeException(nameof(nllWeight), nllWeight, "The NLL weight is non-negative.");
        if (!double.IsFinite(corpusWeight) || corpusWeight < 0) throw new ArgumentOutOfRangeException(nameof(corpusWeight), corpusWeight, "The corpus weight is non-negative.");
        using var scope = NewDisposeScope();
        var rejectedConditions = batch.RejectedConditions ?? batch.Conditions;
        Tensor refChosen, refRejected;
        using (no_grad())
        {
            refChosen = SequenceLogProbability(reference, batch.Chosen, batch.Conditions, streams);
            refRejected = SequenceLogProbability(reference, batch.Rejected, rejectedConditions, streams);
        }
        var policyChosen = SequenceLogProbability(policy, batch.Chosen, batch.Conditions, streams);
        var margin = beta * ((policyChosen - refChosen) - (SequenceLogProbability(policy, batch.Rejected, rejectedConditions, streams) - refRejected));
        var chosenTokens = Targets(batch.Chosen, streams).lt(policy.Config.CodeSize).sum([1, 2]).to(policyChosen.dtype);
        var chosenNll = (-policyChosen / chosenTokens).mean();
        var loss = -nn.functional.logsigmoid(margin).mean();
        if (nllWeight > 0) loss = loss + nllWeight * chosenNll;
        double? corpus = null;
        if (batch.Corpus is { } songs)
        {
            var corpusLoss = CorpusLoss(policy, songs, streams);
            corpus = corpusLoss.item<float>();
            if (corpusWeight > 0) loss = loss + corpusWeight * corpusLoss;
        }
        return new LeVoDpoParts(loss.MoveToOuterDisposeScope(), margin.gt(0).to(ScalarType.Float32).mean().item<float>(), margin.mean().item<float>(),
            chosenNll.item<float>(), corpus);
    }

    /// <summary>
    /// The pre-training loss of corpus songs for what DPO trains: stage 1's (the mixed stream), stage 2's (the vocal and
    /// accompaniment streams), or both for all three streams.
    /// </summary>
    public static Tensor CorpusLoss(LeLmModel policy, LeVoBatch songs, LeVoDpoStreams streams)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(songs);
        using var scope = NewDisposeScope();
        var loss = streams switch
        {
            LeVoDpoStreams.Mixed => LeVoLoss.Compute(policy, songs, LeVoStage.Lm).Total,
            LeVoDpoStreams.Tracks => LeVoLoss.Compute(policy, songs, LeVoStage.Decoder).Total,
            _ => LeVoLoss.Compute(policy, songs, LeVoStage.Lm).Total + LeVoLoss.Compute(policy, songs, LeVoStage.Decoder).Total,
        };
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The batch of <paramref name="pairs"/> laid out for <paramref name="config"/> on <paramref name="device"/>.</summary>
    public static LeVoDpoBatch Batch(LeVoConfig config, IReadOnlyList<LeVoPreferencePair> pairs, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("A DPO batch needs at least one pair.", nameof(pairs));
        int[][] Layout(LeVoSample sample) => LeVoTokenLayout.For(config, sample.Mixed.Length).Arrange(sample.Mixed, sample.Vocal, sample.Accompaniment);
        var chosen = pairs.Select(p => Layout(p.Chosen)).ToList();
        var rejected = pairs.Select(p => Layout(p.Rejected)).ToList();
        int steps = chosen.Concat(rejected).Max(r => r[0].Length);
        Tensor Pack(List<int[][]> rows) => tensor(rows.SelectMany(r => r.SelectMany(s => s.Concat(Enumerable.Repeat(config.Special, steps - s.Length))))
            .Select(v => (long)v).ToArray(), ScalarType.Int64, device).view(rows.Count, 3, steps);
        bool conditionPairs = pairs.Any(p => p.RejectedDescription is not null);
        return new LeVoDpoBatch(Pack(chosen), Pack(rejected), [.. pairs.Select(p => LeVoCondition.Of(config, p.Description, p.Lyrics))],
            RejectedConditions: conditionPairs ? [.. pairs.Select(p => LeVoCondition.Of(config, p.RejectedDescription ?? p.Description, p.Lyrics))] : null);
    }

    /// <summary>How far a condition pair's other tempo is at least from the sample's: twice the 4 % the tempo accuracy allows.</summary>
    public const double OtherTempoDistance = 0.08;

    /// <summary>
    /// The tempo condition pair of <paramref name="pair"/> (null when its chosen sample missed the asked tempo): the chosen
    /// sample under its own description preferred to the same sample under the description asking for another corpus tempo,
    /// at least <see cref="OtherTempoDistance"/> away, drawn by the pair's seed. A sample pair contrasts two songs under one
    /// condition, which DPO can learn as a preference for the songs alone; this contrasts two conditions under one song, which
    /// only reading the tempo can satisfy (mDPO's conditional preference, Wang et al. 2024).
    /// </summary>
    public static LeVoPreferencePair? TempoConditionPair(LeVoPreferencePair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        if (!pair.Chosen.KeepsTempo || pair.RejectedDescription is not null) return null;
        int bpm = SongConditionProbe.Tempo(pair.Description);
        var random = new Random((int)(pair.Seed % int.MaxValue));
        int other;
        do other = random.Next((int)MusicGenerator.SlowestTempo, (int)MusicGenerator.FastestTempo + 1);
        while (Math.Abs(other - bpm) < OtherTempoDistance * bpm);
        return pair with { Rejected = pair.Chosen, RejectedDescription = SongConditionProbe.WithTempo(pair.Description, other) };
    }
}

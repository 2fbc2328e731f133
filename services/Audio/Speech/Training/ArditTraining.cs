using Media.Modeling.Training;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Latents;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// One utterance for ARDiT: its text ids, its VAE latents [N, C] (posterior mean, data space) and, for an aligned
/// model, the latent frame at which each character is spoken.
/// </summary>
public sealed record ArditExample(string Text, int[] Ids, float[] Latents, int Frames, double[]? TextFrames = null);

/// <summary>
/// A padded ARDiT batch and the block size it trains (text frames: one row per example, for an aligned model; suffix
/// starts: per row, where its fill-in-the-middle suffix begins, its frame count for none).
/// </summary>
public sealed record ArditBatch(Tensor Text, long[] TextLengths, Tensor Latents, long[] FrameLengths, int BlockSize, double[][]? TextFrames = null, long[]? SuffixStarts = null);

/// <summary>
/// Trains an <see cref="ArditModel"/> on clips encoded once by the mel VAE: batches of whole utterances, the block
/// size drawn per step from <see cref="BlockSizes"/> so one model serves B = 1 and B = 4, and a held-out flow loss.
/// With a fill-in-the-middle rate (ARDiT's editing recipe), that share of the rows keeps a random suffix as clean context
/// every earlier frame sees, and is trained on the frames before it (see <see cref="ArditAttentionMask"/>).
/// </summary>
public sealed class ArditTraining : IDisposable
{
    readonly ArditModel model;
    readonly IReadOnlyList<ArditExample> train;
    readonly IReadOnlyList<ArditExample> heldOut;
    readonly int batchSize;

    /// <summary>A trainer for <paramref name="model"/> (on its device); sets its latent statistics from <paramref name="train"/>.</summary>
    public ArditTraining(ArditModel model, IReadOnlyList<ArditExample> train, IReadOnlyList<ArditExample> heldOut, SpeechTrainingOptions options, int[]? blockSizes = null,
        double fillInMiddle = 0)
    {
        if (!(fillInMiddle is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(fillInMiddle), fillInMiddle, "The fill-in-the-middle rate is a fraction of rows, 0..1.");
        FillInMiddle = fillInMiddle;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        if (train.Count == 0) throw new ArgumentException("ARDiT training needs examples.", nameof(train));
        this.model = model;
        this.train = train;
        this.heldOut = heldOut;
        batchSize = options.BatchSize;
        BlockSizes = blockSizes ?? [1, model.Config.BlockSize];
        if (model.Config.IsAligned && train.Concat(heldOut).Any(e => e.TextFrames is null))
            throw new ArgumentException("An aligned ARDiT model trains on examples whose characters carry their spoken frames (Encode with an aligner).", nameof(train));
        SetStatistics(model, train);
        Trainer = new Trainer<ArditBatch>(model, p => Batch(train, p.CreateRandom(), batchSize, BlockSizes, model.Config.LatentDim, p.Device, FillInMiddle),
            b => Loss(b, generator: null),
            options.ToTrainerOptions("frames"), b => b.FrameLengths.Sum())
        {
            Evaluate = _ => Validate(),
        };
    }

    /// <summary>Share of rows trained with a fill-in-the-middle suffix.</summary>
    public double FillInMiddle { get; }

    /// <summary>Block sizes drawn per batch.</summary>
    public IReadOnlyList<int> BlockSizes { get; }

    /// <summary>The underlying trainer (run, resume, EMA).</summary>
    public Trainer<ArditBatch> Trainer { get; }

    /// <summary>The flow loss of <paramref name="batch"/> plus, for an aligned model, its timing predictor's loss.</summary>
    Tensor Loss(ArditBatch batch, Generator? generator)
    {
        var flow = model.Loss(batch.Text, batch.TextLengths, batch.Latents, batch.FrameLengths, generator, batch.BlockSize, batch.TextFrames, batch.SuffixStarts);
        return batch.TextFrames is null ? flow : flow + model.TimingLoss(batch.Text, batch.TextLengths, batch.TextFrames, batch.FrameLengths);
    }

    /// <summary>
    /// Encodes clips to ARDiT examples with the VAE's posterior mean (mel padded to a multiple of 4 frames). With
    /// <paramref name="alignSeconds"/> (a clip's character times in seconds, or null when it cannot be aligned) each
    /// example also carries its characters' latent frames; clips that cannot be aligned are left out.
    /// </summary>
    public static List<ArditExample> Encode(MelVae vae, SpeechClipSet clips, Func<string, int[]> textIds, int maxFrames, int maxText,
        Func<SpeechClip, double[]?>? alignSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(textIds);
        var device = vae.parameters().First().device;
        using var features = new SpeechFeatures(vae.Config.Mel);
        var examples = new List<ArditExample>();
        foreach (var clip in clips.Clips)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = textIds(clip.Text);
            var mel = vae.PadFrames(features.Normalized(tensor(clip.Samples, device: device).unsqueeze(0)));
            var latents = vae.Posterior(mel).Mean.squeeze(0).transpose(0, 1).contiguous();   // [N, C]
            int frames = (int)latents.shape[0];
            if (frames > maxFrames || ids.Length > maxText || ids.Length == 0) continue;
            double[]? textFrames = null;
            if (alignSeconds is not null)
            {
                var seconds = alignSeconds(clip);
                if (seconds is null || seconds.Length != ids.Length) continue;
                textFrames = [.. seconds.Select(s => Math.Clamp(s * vae.Config.LatentRate, 0, frames - 1e-3))];
            }
            examples.Add(new ArditExample(clip.Text, ids, latents.cpu().data<float>().ToArray(), frames, textFrames));
        }
        return examples;
    }

    /// <summary>A batch of random utterances and a random block size, from <paramref name="random"/> alone.</summary>
    public ArditBatch Batch(IReadOnlyList<ArditExample> examples, Random random, int count, Device device)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(random);
        return Batch(examples, random, count, BlockSizes, model.Config.LatentDim, device, FillInMiddle);
    }

    /// <summary>
    /// A batch of <paramref name="count"/> random utterances of latent width <paramref name="latentDim"/> and one of
    /// <paramref name="blockSizes"/>, from <paramref name="random"/> alone; with <paramref name="fillInMiddle"/> &gt; 0 that
    /// share of rows (on average) keeps a suffix from a uniform frame 1..N-1 on.
    /// </summary>
    public static ArditBatch Batch(IReadOnlyList<ArditExample> examples, Random random, int count, IReadOnlyList<int> blockSizes, int latentDim, Device device, double fillInMiddle = 0)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(blockSizes);
        var picked = Enumerable.Range(0, count).Select(_ => examples[random.Next(examples.Count)]).ToList();
        var batch = Pad(picked, blockSizes[random.Next(blockSizes.Count)], latentDim, device);
        // Drawn after the rest, and only when asked, so batches without fill-in-the-middle stay what they were.
        if (fillInMiddle <= 0) return batch;
        long[] starts = [.. picked.Select(e => e.Frames > 1 && random.NextDouble() < fillInMiddle ? random.Next(1, e.Frames) : (long)e.Frames)];
        return batch with { SuffixStarts = starts };
    }

    /// <summary>The utterances <paramref name="picked"/> as one padded batch of block size <paramref name="blockSize"/>.</summary>
    public static ArditBatch Pad(IReadOnlyList<ArditExample> picked, int blockSize, int latentDim, Device device)
    {
        ArgumentNullException.ThrowIfNull(picked);
        int c = latentDim;
        int l = picked.Max(e => e.Ids.Length), n = picked.Max(e => e.Frames);
        var text = new long[picked.Count * l];
        var latents = new float[picked.Count * n * c];
        for (int r = 0; r < picked.Count; r++)
        {
            for (int i = 0; i < picked[r].Ids.Length; i++) text[r * l + i] = picked[r].Ids[i];
            Array.Copy(picked[r].Latents, 0, latents, r * n * c, picked[r].Latents.Length);
        }
        double[][]? textFrames = picked.All(e => e.TextFrames is not null) ? [.. picked.Select(e => e.TextFrames!)] : null;
        return new ArditBatch(tensor(text, [picked.Count, l], device: device), [.. picked.Select(e => (long)e.Ids.Length)],
            tensor(latents, [picked.Count, n, c], device: device), [.. picked.Select(e => (long)e.Frames)], blockSize, textFrames);
    }

    /// <summary>Held-out flow loss per trained block size, with fixed noise.</summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        var results = new Dictionary<string, double>();
        if (heldOut.Count == 0) return results;
        var device = model.Device;
        foreach (int b in BlockSizes.Distinct())
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var generator = new Generator(1234);
            var batch = Pad([.. heldOut.Take(32)], b, model.Config.LatentDim, device);
            results[$"val_loss_b{b}"] = model.Loss(batch.Text, batch.TextLengths, batch.Latents, batch.FrameLengths, generator, b, batch.TextFrames).item<float>();
            if (FillInMiddle > 0)
            {
                // Every row with a suffix from its middle frame: the editing case.
                using var fim = new Generator(1234);
                long[] middles = [.. batch.FrameLengths.Select(f => Math.Max(1, f / 2))];
                results[$"val_fim_loss_b{b}"] = model.Loss(batch.Text, batch.TextLengths, batch.Latents, batch.FrameLengths, fim, b, batch.TextFrames, middles).item<float>();
            }
            if (batch.TextFrames is not null && !results.ContainsKey("val_timing"))
                results["val_timing"] = model.TimingLoss(batch.Text, batch.TextLengths, batch.TextFrames, batch.FrameLengths).item<float>();
        }
        return results;
    }

    static void SetStatistics(ArditModel model, IReadOnlyList<ArditExample> train)
    {
        int c = model.Config.LatentDim;
        var sum = new double[c];
        var sq = new double[c];
        long count = 0;
        foreach (var e in train)
            for (int f = 0; f < e.Frames; f++, count++)
                for (int d = 0; d < c; d++)
                {
                    double v = e.Latents[f * c + d];
                    sum[d] += v;
                    sq[d] += v * v;
                }
        var mean = sum.Select(s => (float)(s / count)).ToArray();
        var std = sq.Select((s, d) => (float)Math.Sqrt(Math.Max(s / count - mean[d] * (double)mean[d], 1e-8))).ToArray();
        using var m = tensor(mean);
        using var s2 = tensor(std);
        model.SetLatentStatistics(m, s2);
    }

    /// <summary>Frees the trainer.</summary>
    public void Dispose() => Trainer.Dispose();
}

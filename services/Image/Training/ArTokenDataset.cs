using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>One micro-batch for the AR model: condition ids [B, C] (some replaced by the null caption) and VQ codes [B, G, G].</summary>
public sealed record ArTrainingBatch(Tensor Condition, Tensor Codes);

/// <summary>
/// The AR model's training set: the first <see cref="Count"/> train-split procedural images, VQ-encoded once and
/// cached in the run folder (<c>tokens.safetensors</c>, tagged with the VQ weights' hash so a different tokenizer
/// never reuses it), with their caption condition ids. A micro-batch draws rows at random from its
/// <see cref="BatchPosition"/> alone (so a resumed run sees the same data) and replaces each caption by the null
/// caption with probability <see cref="CaptionDropout"/>, which is what classifier-free guidance needs.
/// </summary>
public sealed class ArTokenDataset : IDisposable
{
    const string CodesKey = "codes", ConditionKey = "condition";
    readonly Tensor codes;       // [N, G, G] int64, CPU
    readonly Tensor condition;   // [N, C] int64, CPU
    readonly long[] nullCaption;

    ArTokenDataset(Tensor codes, Tensor condition, long[] nullCaption, int batchSize, double captionDropout)
    {
        this.codes = codes;
        this.condition = condition;
        this.nullCaption = nullCaption;
        BatchSize = batchSize;
        CaptionDropout = captionDropout;
    }

    /// <summary>Samples in the set.</summary>
    public long Count => codes.shape[0];

    /// <summary>Samples per micro-batch.</summary>
    public int BatchSize { get; }

    /// <summary>Probability that a sample's caption is replaced by the null caption.</summary>
    public double CaptionDropout { get; }

    /// <summary>
    /// Loads the cache at <paramref name="cachePath"/> when it was made by the same VQ weights with the same size and
    /// condition length, else renders and encodes <paramref name="count"/> images with <paramref name="vq"/> and writes it.
    /// </summary>
    public static ArTokenDataset LoadOrBuild(string cachePath, int count, CaptionedImageGenerator images, VqModel vq, string vqSha256,
        CaptionConditioning conditioning, int batchSize, double captionDropout = 0.1, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(vq);
        return LoadOrBuild(cachePath, count, images, pixels => vq.Encode(pixels), vq.Quantizer.parameters().First().device, vqSha256,
            conditioning, batchSize, captionDropout, progress);
    }

    /// <summary>
    /// As the VQ overload, for any tokenizer: <paramref name="encode"/> maps images [B, 3, H, W] in [-1, 1] on
    /// <paramref name="device"/> to code grids [B, G, G] (D-AR's token sequence of 64 is kept as an 8 x 8 grid, row-major),
    /// and <paramref name="tokenizerSha256"/> keys the cache to that tokenizer's weights.
    /// </summary>
    public static ArTokenDataset LoadOrBuild(string cachePath, int count, CaptionedImageGenerator images, Func<Tensor, Tensor> encode, Device device,
        string tokenizerSha256, CaptionConditioning conditioning, int batchSize, double captionDropout = 0.1, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(encode);
        string vqSha256 = tokenizerSha256;
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (captionDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(captionDropout), captionDropout, "Caption dropout must lie in [0, 1).");
        var nullCaption = conditioning.Null;
        if (File.Exists(cachePath))
        {
            Dictionary<string, string> metadata;
            using (var file = SafetensorsFile.Open(cachePath)) metadata = new(file.Metadata, StringComparer.Ordinal);
            if (metadata.TryGetValue("vq_sha256", out var sha) && sha == vqSha256
                && metadata.TryGetValue("count", out var n) && n == count.ToString(CultureInfo.InvariantCulture)
                && metadata.TryGetValue("condition_length", out var c) && c == conditioning.Length.ToString(CultureInfo.InvariantCulture))
            {
                var cached = Checkpoint.Load(cachePath, new CheckpointLoadOptions { FloatDtype = null });
                return new ArTokenDataset(cached[CodesKey], cached[ConditionKey], nullCaption, batchSize, captionDropout);
            }
        }

        var conditionRows = new List<long[]>();
        var allCodes = ChunkedEncoding.Encode(count, chunkSize: 64, (start, n) =>
        {
            var samples = images.Take(DataSplit.Train, n, start).ToList();
            var pixels = ImageTensors.ToTensor(samples.Select(s => s.Image).ToList(), device);
            conditionRows.AddRange(samples.Select(s => conditioning.Encode(s.Caption)));
            var codes = encode(pixels).to(ScalarType.Int64);
            progress?.Report(start + n);
            return [codes];
        })[0];
        var allCondition = tensor(conditionRows.SelectMany(r => r).ToArray(), ScalarType.Int64).view(count, conditioning.Length);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);
        SafetensorsWriter.Write(cachePath, new Dictionary<string, Tensor> { [CodesKey] = allCodes, [ConditionKey] = allCondition },
            new Dictionary<string, string>
            {
                ["vq_sha256"] = vqSha256,
                ["count"] = count.ToString(CultureInfo.InvariantCulture),
                ["condition_length"] = conditioning.Length.ToString(CultureInfo.InvariantCulture),
            });
        return new ArTokenDataset(allCodes, allCondition, nullCaption, batchSize, captionDropout);
    }

    /// <summary>The micro-batch at <paramref name="position"/>, on its device.</summary>
    public ArTrainingBatch Batch(BatchPosition position)
    {
        var random = position.CreateRandom();
        var rows = new long[BatchSize];
        var drop = new bool[BatchSize];
        for (int i = 0; i < BatchSize; i++)
        {
            rows[i] = random.NextInt64(Count);
            drop[i] = random.NextDouble() < CaptionDropout;
        }
        using var scope = NewDisposeScope();
        var index = tensor(rows, ScalarType.Int64);
        var cond = condition.index_select(0, index).clone();
        var nullRow = tensor(nullCaption, ScalarType.Int64);
        for (int i = 0; i < BatchSize; i++)
            if (drop[i]) cond[i] = nullRow;
        var batch = new ArTrainingBatch(cond.to(position.Device).MoveToOuterDisposeScope(), codes.index_select(0, index).to(position.Device).MoveToOuterDisposeScope());
        return batch;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        codes.Dispose();
        condition.Dispose();
    }
}

using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>One micro-batch for MAR: scaled latents [B, C, h, w] (a fresh posterior sample) and caption ids [B, buffer].</summary>
public sealed record MarTrainingBatch(Tensor Latents, Tensor Condition, BatchPosition Position);

/// <summary>
/// MAR's training set, as MAR's main_cache.py does it: the first <c>count</c> train-split scenes encoded
/// once by the KL autoencoder, the posterior moments (mean and log-variance) cached in the run folder
/// (tagged with the VAE weights' hash), with their caption ids. A micro-batch draws rows from its
/// <see cref="BatchPosition"/> alone (a resumed run sees the same data) and samples the posterior.
/// </summary>
public sealed class MarLatentDataset : IDisposable
{
    const string MeanKey = "mean", LogVarianceKey = "logvar", ConditionKey = "condition";
    readonly Tensor mean, logVariance, condition;

    MarLatentDataset(Tensor mean, Tensor logVariance, Tensor condition, double scaleFactor, int batchSize)
    {
        this.mean = mean;
        this.logVariance = logVariance;
        this.condition = condition;
        ScaleFactor = scaleFactor;
        BatchSize = batchSize;
    }

    /// <summary>Samples in the set.</summary>
    public long Count => mean.shape[0];

    /// <summary>Samples per micro-batch.</summary>
    public int BatchSize { get; }

    /// <summary>The VAE's scale factor applied to each sample.</summary>
    public double ScaleFactor { get; }

    /// <summary>Loads the cache when it matches (same VAE, count and buffer), else encodes the scenes and writes it.</summary>
    public static MarLatentDataset LoadOrBuild(string cachePath, int count, CaptionedImageGenerator images, AutoencoderKl vae, string vaeSha256,
        MarCaptions captions, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        string countText = count.ToString(CultureInfo.InvariantCulture), lengthText = captions.Length.ToString(CultureInfo.InvariantCulture);
        if (File.Exists(cachePath))
        {
            Dictionary<string, string> metadata;
            using (var file = SafetensorsFile.Open(cachePath)) metadata = new(file.Metadata, StringComparer.Ordinal);
            if (metadata.GetValueOrDefault("vae_sha256") == vaeSha256 && metadata.GetValueOrDefault("count") == countText
                && metadata.GetValueOrDefault("condition_length") == lengthText)
            {
                var cached = Checkpoint.Load(cachePath, new CheckpointLoadOptions { FloatDtype = null });
                return new MarLatentDataset(cached[MeanKey], cached[LogVarianceKey], cached[ConditionKey], vae.Config.ScaleFactor, batchSize);
            }
        }
        var rows = new List<long[]>();
        var device = vae.parameters().First().device;
        var encoded = ChunkedEncoding.Encode(count, chunkSize: 64, (start, n) =>
        {
            var samples = images.Take(DataSplit.Train, n, start).ToList();
            var posterior = vae.Encode(ImageTensors.ToTensor(samples.Select(s => s.Image).ToList(), device));
            rows.AddRange(samples.Select(s => captions.Encode(s.Caption)));
            return [posterior.Mean, posterior.LogVariance];
        });
        var (allMean, allLogVariance) = (encoded[0], encoded[1]);
        var allCondition = tensor(rows.SelectMany(r => r).ToArray(), ScalarType.Int64).view(count, captions.Length);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);
        SafetensorsWriter.Write(cachePath, new Dictionary<string, Tensor> { [MeanKey] = allMean, [LogVarianceKey] = allLogVariance, [ConditionKey] = allCondition },
            new Dictionary<string, string> { ["vae_sha256"] = vaeSha256, ["count"] = countText, ["condition_length"] = lengthText });
        return new MarLatentDataset(allMean, allLogVariance, allCondition, vae.Config.ScaleFactor, batchSize);
    }

    /// <summary>The micro-batch at <paramref name="position"/>, on its device.</summary>
    public MarTrainingBatch Batch(BatchPosition position)
    {
        var random = position.CreateRandom();
        var rows = Enumerable.Range(0, BatchSize).Select(_ => random.NextInt64(Count)).ToArray();
        using var scope = NewDisposeScope();
        using var generator = position.CreateGenerator();
        var index = tensor(rows, ScalarType.Int64);
        var m = mean.index_select(0, index);
        var std = logVariance.index_select(0, index).mul(0.5).exp();
        var latents = (m + std * randn(m.shape, generator: generator)) * ScaleFactor;
        return new MarTrainingBatch(latents.to(position.Device).MoveToOuterDisposeScope(),
            condition.index_select(0, index).to(position.Device).MoveToOuterDisposeScope(), position);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        mean.Dispose();
        logVariance.Dispose();
        condition.Dispose();
    }
}

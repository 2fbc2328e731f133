using Media.Modeling.Training;
using Media.Services.Image.Data;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>One micro-batch for the VQ tokenizer: images [B, 3, H, W] in [-1, 1] and where in the run it was drawn.</summary>
public sealed record VqTrainingBatch(Tensor Images, BatchPosition Position);

/// <summary>
/// Images for training and evaluating the VQ tokenizer, rendered on demand from the procedural
/// captioned-image generator. Training micro-batch i holds train-split samples i*B .. i*B + B - 1, so
/// a batch depends on its position alone (a resumed run sees the same data) and no image repeats.
/// Evaluation uses the held-out split from index 0.
/// </summary>
public sealed class VqTrainingImages
{
    readonly CaptionedImageGenerator generator;

    /// <summary>Images of <paramref name="generator"/>, <paramref name="batchSize"/> per micro-batch.</summary>
    public VqTrainingImages(CaptionedImageGenerator generator, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        this.generator = generator;
        BatchSize = batchSize;
    }

    /// <summary>Images per micro-batch.</summary>
    public int BatchSize { get; }

    /// <summary>The training micro-batch at <paramref name="position"/>, on its device.</summary>
    public VqTrainingBatch Batch(BatchPosition position)
    {
        var images = generator.Take(DataSplit.Train, BatchSize, position.Index * BatchSize).Select(s => s.Image).ToList();
        return new VqTrainingBatch(ImageTensors.ToTensor(images, position.Device), position);
    }

    /// <summary>The first <paramref name="count"/> held-out images as [count, 3, H, W] in [-1, 1].</summary>
    public Tensor HeldOut(int count, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return ImageTensors.ToTensor(generator.Take(DataSplit.HeldOut, count).Select(s => s.Image).ToList(), device);
    }
}

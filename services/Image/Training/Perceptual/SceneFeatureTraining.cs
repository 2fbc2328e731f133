using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training.Perceptual;

/// <summary>A micro-batch of scenes with, per cell, the index of its shape and colour (0: empty cell).</summary>
public sealed record SceneFeatureBatch(Tensor Images, Tensor Shapes, Tensor Colours);

/// <summary>The network's classes, as written to <c>config.json</c>.</summary>
public sealed record SceneFeatureConfig
{
    /// <summary>None + every <see cref="ShapeKind"/>.</summary>
    public int ShapeClasses { get; init; } = Enum.GetValues<ShapeKind>().Length + 1;

    /// <summary>None + every object colour of the <see cref="Palette"/>.</summary>
    public int ColourClasses { get; init; } = Palette.ObjectColors.Count + 1;

    /// <summary>Throws <see cref="ArgumentException"/> when the classes do not match this build's scenes.</summary>
    public void Validate()
    {
        if (ShapeClasses != Enum.GetValues<ShapeKind>().Length + 1 || ColourClasses != Palette.ObjectColors.Count + 1)
            throw new ArgumentException($"shape_classes {ShapeClasses} and colour_classes {ColourClasses} do not match the procedural scenes' shapes and colours.");
    }
}

/// <summary>Loads and saves a <see cref="SceneFeatureNet"/> as a model folder (<c>config.json</c> + fp16 <c>model.safetensors</c>).</summary>
public static class SceneFeatureFolder
{
    /// <summary>The committed network's folder name under models/.</summary>
    public const string ModelId = "scene-features";

    /// <summary>Loads the network in <paramref name="directory"/> (strict), in eval mode.</summary>
    public static SceneFeatureNet Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var config = ModelConfigJson.Read<SceneFeatureConfig>(Path.Combine(directory, ModelFolder.ConfigFile), "scene feature network", c => c.Validate());
        return ModelFolder.Load(directory, () => new SceneFeatureNet(config.ShapeClasses, config.ColourClasses), device);
    }

    /// <summary>Writes the folder.</summary>
    public static void Save(SceneFeatureNet network, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var scope = NewDisposeScope();
        var config = new SceneFeatureConfig { ShapeClasses = network.ShapeClasses, ColourClasses = network.ColourClasses };
        ModelFolder.Save(directory, ModelFolder.HalfState(network), ModelConfigJson.Write(config), metadata);
    }
}

/// <summary>Held-out accuracy of the per-cell reading: shape and colour over occupied cells, and empty cells called empty.</summary>
public sealed record SceneFeatureAccuracy(double Shape, double Colour, double Empty, int Images);

/// <summary>
/// Trains <see cref="SceneFeatureNet"/> on procedural 64x64 scenes: cross-entropy of each cell's shape and colour (an
/// object belongs to the cell of its layout), AdamW, resumable like every run.
/// </summary>
public sealed class SceneFeatureTraining : IDisposable
{
    /// <summary>Side of the scenes in pixels.</summary>
    public const int ImageSize = 64;

    readonly CaptionedImageGenerator generator;
    readonly int batch;
    readonly long seed;
    readonly int dataSeed;

    /// <summary>Prepares (or resumes) the run.</summary>
    public SceneFeatureTraining(int batch, int dataSeed, TrainerOptions trainerOptions, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        this.batch = batch;
        this.dataSeed = dataSeed;
        seed = trainerOptions.Seed;
        generator = new CaptionedImageGenerator(ImageSize, (ulong)dataSeed);
        var config = new SceneFeatureConfig();
        manual_seed(seed);
        Model = new SceneFeatureNet(config.ShapeClasses, config.ColourClasses);
        Model.to(device);
        Trainer = new Trainer<SceneFeatureBatch>(Model, p => Batch(DataSplit.Train, p.Index * batch, batch, p.Device), Loss,
            trainerOptions with { WeightDecay = 0, MaxGradNorm = 1.0 }, b => b.Images.shape[0]);
    }

    /// <summary>The network being trained.</summary>
    public SceneFeatureNet Model { get; }

    /// <summary>The trainer.</summary>
    public Trainer<SceneFeatureBatch> Trainer { get; }

    /// <summary>Trains until <paramref name="stopAfterStep"/> (or cancellation, with a checkpoint).</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) => Trainer.RunUntil(stopAfterStep, cancellationToken);

    /// <summary>Scenes <paramref name="start"/>.. of <paramref name="split"/> with their per-cell targets.</summary>
    public SceneFeatureBatch Batch(DataSplit split, long start, int count, Device device)
    {
        var samples = generator.Take(split, count, start).ToList();
        var shapes = new long[count * SceneFeatureNet.Cells];
        var colours = new long[count * SceneFeatureNet.Cells];
        for (int i = 0; i < count; i++)
            foreach (var o in samples[i].Scene.Objects)
            {
                int cell = i * SceneFeatureNet.Cells + o.Cell.Index;
                if (shapes[cell] != 0) continue;                 // two objects in one cell: the first one names it
                shapes[cell] = (int)o.Shape + 1;
                colours[cell] = IndexOfColour(o.Color) + 1;
            }
        return new SceneFeatureBatch(ImageTensors.ToTensor(samples.Select(s => s.Image).ToList(), device),
            tensor(shapes, [count, SceneFeatureNet.Cells], device: device), tensor(colours, [count, SceneFeatureNet.Cells], device: device));
    }

    static int IndexOfColour(NamedColor colour)
    {
        for (int i = 0; i < Palette.ObjectColors.Count; i++)
            if (Palette.ObjectColors[i].Name == colour.Name) return i;
        throw new InvalidDataException($"{colour.Name} is no object colour.");
    }

    Tensor Loss(SceneFeatureBatch b)
    {
        using var scope = NewDisposeScope();
        var (shapeLogits, colourLogits) = CellLogits(Model.call(b.Images));
        return (nn.functional.cross_entropy(shapeLogits, b.Shapes.flatten()) + nn.functional.cross_entropy(colourLogits, b.Colours.flatten()))
            .MoveToOuterDisposeScope();
    }

    // [B, S + C, 3, 3] -> ([B * 9, S], [B * 9, C]) in the cells' row-major order
    (Tensor Shapes, Tensor Colours) CellLogits(Tensor logits)
    {
        var flat = logits.flatten(2).transpose(1, 2).reshape(-1, logits.shape[1]);
        return (flat.narrow(1, 0, Model.ShapeClasses), flat.narrow(1, Model.ShapeClasses, Model.ColourClasses));
    }

    /// <summary>Accuracy on the first <paramref name="count"/> held-out scenes.</summary>
    public SceneFeatureAccuracy Evaluate(int count, Device device)
    {
        Model.eval();
        long shapeRight = 0, colourRight = 0, occupied = 0, emptyRight = 0, empty = 0;
        for (int start = 0; start < count; start += 64)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var b = Batch(DataSplit.HeldOut, start, Math.Min(64, count - start), device);
            var (s, c) = CellLogits(Model.call(b.Images));
            var shapes = b.Shapes.flatten();
            var full = shapes.ne(0);
            var predicted = s.argmax(1);
            shapeRight += predicted.eq(shapes).logical_and(full).sum().item<long>();
            colourRight += c.argmax(1).eq(b.Colours.flatten()).logical_and(full).sum().item<long>();
            occupied += full.sum().item<long>();
            emptyRight += predicted.eq(0).logical_and(full.logical_not()).sum().item<long>();
            empty += full.logical_not().sum().item<long>();
        }
        Model.train();
        return new SceneFeatureAccuracy((double)shapeRight / occupied, (double)colourRight / occupied, (double)emptyRight / empty, count);
    }

    /// <summary>Writes the network's folder with the run's step and seeds.</summary>
    public void Export(string directory) => SceneFeatureFolder.Save(Model, directory, new Dictionary<string, string>
    {
        ["steps"] = Trainer.Step.ToString(CultureInfo.InvariantCulture),
        ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        ["data_seed"] = dataSeed.ToString(CultureInfo.InvariantCulture),
    });

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
    }
}

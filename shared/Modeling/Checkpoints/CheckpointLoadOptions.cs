using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>How <see cref="Checkpoint.Load"/> turns a file into a state dict for our modules.</summary>
public sealed class CheckpointLoadOptions
{
    /// <summary>Only these keys (as named in the file, after unwrapping) are read; null reads all.</summary>
    public IReadOnlyCollection<string>? Keys { get; init; }

    /// <summary>Take EMA weights (<c>model_ema</c>, <c>ema</c>) from PyTorch checkpoints that carry them.</summary>
    public bool PreferEma { get; init; }

    /// <summary>Fold <c>weight_g</c>/<c>weight_v</c> pairs into <c>weight</c> (before renaming).</summary>
    public bool FoldWeightNorm { get; init; } = true;

    /// <summary>Key rewrites applied after folding, so names match our modules.</summary>
    public KeyRenameTable? Renames { get; init; }

    /// <summary>Floating-point tensors are converted to this dtype (bf16/fp16 to fp32 by default); null keeps them.</summary>
    public ScalarType? FloatDtype { get; init; } = ScalarType.Float32;

    /// <summary>Where the tensors are placed; CPU when null.</summary>
    public Device? Device { get; init; }
}

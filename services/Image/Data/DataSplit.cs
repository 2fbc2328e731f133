namespace Media.Services.Image.Data;

/// <summary>Which part of the data a sample belongs to.</summary>
public enum DataSplit
{
    /// <summary>Prompts whose attribute combination is not held out.</summary>
    Train,
    /// <summary>Prompts whose attribute combination never occurs in training (and drawn from other seeds).</summary>
    HeldOut,
}

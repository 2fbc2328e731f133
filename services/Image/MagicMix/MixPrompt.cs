namespace Media.Services.Image.MagicMix;

/// <summary>Which prompt a denoising step is conditioned on.</summary>
public enum MixPrompt
{
    /// <summary>The layout prompt (text-text mode: the layout branch).</summary>
    Layout,

    /// <summary>The content prompt (the mixed branch).</summary>
    Content,
}

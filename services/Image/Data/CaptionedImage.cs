namespace Media.Services.Image.Data;

/// <summary>One training or evaluation sample: the image, its caption, what the caption asks, and the full scene drawn.</summary>
/// <param name="Image">The rendered image.</param>
/// <param name="Caption">The English caption.</param>
/// <param name="Template">The caption family (decides which attributes are asked).</param>
/// <param name="Prompt">The attributes the caption asks for.</param>
/// <param name="Scene">Everything drawn, including attributes the caption leaves free.</param>
/// <param name="Split">The split the prompt belongs to.</param>
/// <param name="Index">The sample's index in its split.</param>
public sealed record CaptionedImage(RgbImage Image, string Caption, CaptionTemplate Template, PromptSpec Prompt, Scene Scene, DataSplit Split, long Index);

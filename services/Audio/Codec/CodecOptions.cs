namespace Media.Services.Audio.Codec;

/// <summary>Settings of the <c>media-codec</c> model (<c>Media:Codec</c>).</summary>
public sealed class CodecOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Media:Codec";

    /// <summary>
    /// What the media-codec model loads: a folder with <c>model.safetensors</c> + <c>config.json</c>, or a
    /// public EnCodec checkpoint file (HF <c>model.safetensors</c> or the original <c>encodec_24khz-*.th</c>,
    /// with <c>config.json</c> beside it, else the 24 kHz configuration). Null: <c>models/media-codec</c>.
    /// </summary>
    public string? Checkpoint { get; set; }
}

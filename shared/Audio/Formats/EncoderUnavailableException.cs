namespace Media.Audio.Formats;

/// <summary>A format whose encoder is not installed here; the message names the package that enables it.</summary>
public sealed class EncoderUnavailableException(AudioFormat format)
    : InvalidOperationException($"No {format.Name} encoder is installed here: install the Debian package '{format.Package}' ({format.Library}) to enable {format.Name}.")
{
    public AudioFormat Format { get; } = format;
}

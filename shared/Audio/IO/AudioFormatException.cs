namespace Media.Audio.IO;

/// <summary>
/// Audio bytes that cannot be read: not a WAV file, truncated, empty, or an encoding this library does
/// not decode (mu-law, ADPCM, MP3 in a RIFF wrapper, ...). The message says which.
/// </summary>
public sealed class AudioFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    public AudioFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the lower-level error that revealed it.</summary>
    public AudioFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public AudioFormatException() : base("The audio data could not be read.") { }
}

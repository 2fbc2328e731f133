namespace Media.Audio.IO;

/// <summary>How samples are stored when a WAV file is written.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed integer PCM.</summary>
    Pcm16,
    /// <summary>24-bit signed integer PCM (packed, 3 bytes).</summary>
    Pcm24,
    /// <summary>32-bit signed integer PCM.</summary>
    Pcm32,
    /// <summary>32-bit IEEE float.</summary>
    IeeeFloat32,
}

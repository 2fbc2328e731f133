namespace Media.Audio.Formats;

/// <summary>
/// Which output formats this machine can write, and their encoders. <see cref="Detect"/> probes the
/// native libraries and programs once (LAME for MP3, ffmpeg for AAC and FLAC); WAV, PCM and Opus are part
/// of the build. The gateway and the CLI take their encoders from here, so a missing package turns off
/// its formats in one place (tests simulate that with <see cref="Without"/>).
/// </summary>
public sealed class AudioEncoders
{
    readonly HashSet<string> available;

    AudioEncoders(IEnumerable<AudioFormat> available) => this.available = [.. available.Select(f => f.Name)];

    /// <summary>The formats whose libraries are present on this machine.</summary>
    public static AudioEncoders Detect() => new(AudioFormat.All.Where(f => f.Package switch
    {
        null => true,
        LameMp3Encoder.Package => LameMp3Encoder.IsInstalled,
        FfmpegEncoder.Package => FfmpegEncoder.Supports(f.Name),
        _ => false,
    }));

    /// <summary>
    /// What <see cref="Detect"/> finds, less the formats that come from <paramref name="packages"/>: the
    /// machine as it would be without them.
    /// </summary>
    public static AudioEncoders Without(params string[] packages) =>
        new(Detect().Available.Where(f => f.Package is null || !packages.Contains(f.Package)));

    /// <summary>The formats that can be written here.</summary>
    public IReadOnlyList<AudioFormat> Available => [.. AudioFormat.All.Where(f => available.Contains(f.Name))];

    /// <summary>The formats that cannot, each with the package that would enable it.</summary>
    public IReadOnlyList<AudioFormat> Missing => [.. AudioFormat.All.Where(f => !available.Contains(f.Name))];

    public bool IsAvailable(string format) => available.Contains(format);

    /// <summary>OpenAI's default speech format, MP3, when its encoder is here; WAV otherwise.</summary>
    public AudioFormat DefaultSpeechFormat => IsAvailable(AudioFormat.Mp3.Name) ? AudioFormat.Mp3 : AudioFormat.Wav;

    /// <summary>One line naming the formats that are off and the packages that enable them, or null when none is.</summary>
    public string? MissingSummary()
    {
        if (Missing.Count == 0) return null;
        var byPackage = Missing.GroupBy(f => f.Package).Select(g => $"{string.Join(", ", g.Select(f => f.Name))} (install {g.Key})");
        return $"audio formats off: {string.Join("; ", byPackage)}";
    }

    /// <summary>A new encoder for <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">The name is no format.</exception>
    /// <exception cref="EncoderUnavailableException">Its library is not installed; the message names the package.</exception>
    public AudioEncoder Create(string format)
    {
        var known = AudioFormat.Find(format)
            ?? throw new ArgumentException($"Unknown audio format '{format}'; one of {string.Join(", ", AudioFormat.All.Select(f => f.Name))}.", nameof(format));
        if (!IsAvailable(format)) throw new EncoderUnavailableException(known);
        return known.Name switch
        {
            "wav" => new WavStreamEncoder(),
            "pcm" => new PcmStreamEncoder(),
            "opus" => new OggOpusEncoder(),
            "mp3" => new LameMp3Encoder(),
            _ => new FfmpegEncoder(known),
        };
    }
}

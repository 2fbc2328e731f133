using Media.Services.Audio.Speech.FrontEnd;

namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>Sizes of the CTC recognizer; stored as <c>config.json</c> next to its weights.</summary>
public sealed record CtcRecognizerConfig
{
    /// <summary>The mel features it reads.</summary>
    public SpeechMelConfig Mel { get; init; } = new();

    /// <summary>Output characters after the blank (id 0): <see cref="SpeechSymbols.Characters"/>.</summary>
    public string Symbols { get; init; } = SpeechSymbols.Default.Characters;

    /// <summary>Channels of the convolutional front end.</summary>
    public int Channels { get; init; } = 128;

    /// <summary>Hidden units per direction of the BiLSTM.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>BiLSTM layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Mel frames per output frame (one stride-2 conv: 40 Hz outputs, ample for ~15 characters a second).</summary>
    public const int Subsampling = 2;

    /// <summary>Throws <see cref="ArgumentException"/> on sizes that cannot build a model.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Mel);
        Mel.Validate();
        ArgumentException.ThrowIfNullOrEmpty(Symbols);
        if (Channels <= 0 || Hidden <= 0 || Layers <= 0) throw new ArgumentException($"Need positive sizes; got channels {Channels}, hidden {Hidden}, layers {Layers}.");
    }
}

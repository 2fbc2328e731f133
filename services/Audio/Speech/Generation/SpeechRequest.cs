using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>What to say and how.</summary>
public sealed record SpeechRequest
{
    /// <summary>The text (normalised before use: numbers, abbreviations and symbols become words).</summary>
    public required string Text { get; init; }

    /// <summary>Total duration in seconds; null uses the duration predictor.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Multiplies the predicted duration (1.2 = 20 % slower speech); ignored when <see cref="DurationSeconds"/> is set.</summary>
    public double Pace { get; init; } = 1.0;

    /// <summary>Sampler settings and seed.</summary>
    public ArditSamplingOptions Sampling { get; init; } = new();

    /// <summary>Zero-shot prompt: data-space latents [P, C] of a clip, continued in its voice (with <see cref="PromptTranscript"/>).</summary>
    public Tensor? PromptLatents { get; init; }

    /// <summary>What the prompt clip says.</summary>
    public string? PromptTranscript { get; init; }
}

/// <summary>A finished utterance and when its first audio left.</summary>
public sealed record SpeechResult(float[] Samples, int SampleRate, int Frames, TimeSpan TimeToFirstAudio, TimeSpan Elapsed)
{
    /// <summary>Length of the audio in seconds.</summary>
    public double DurationSeconds => (double)Samples.Length / SampleRate;
}

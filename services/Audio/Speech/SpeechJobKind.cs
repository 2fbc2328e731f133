using Media.Hosting.Jobs;
using Media.Modeling.Diffusion;

namespace Media.Services.Audio.Speech;

/// <summary>
/// The <c>speech</c> job kind: text to speech. Text longer than a model takes at once is spoken sentence by sentence and
/// streamed; a voice's own limits (its longest utterance, its block sizes) are checked at submission.
/// </summary>
public static class SpeechJobKind
{
    public const string Name = "speech";

    /// <summary>Longest text a speech job takes, in characters: a few paragraphs, spoken sentence by sentence.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>Longest speech any speech model is asked for, in seconds; each model's own limit is checked at submission.</summary>
    public const double MaxSpeechSeconds = 300;

    const string Rate = "the speaking rate (speed = 1 / pace)";
    const string Length = "the length of the result";

    /// <summary>The flow ODE solvers a speech job may name (the shared list of names).</summary>
    public static IReadOnlyList<string> Solvers => FlowSolverNames.All;

    public static JobKind Definition { get; } = new(Name, "text to speech", [
        new("text", FieldType.Text, true, 1, MaxTextLength, "what to say; text longer than the model takes at once is spoken sentence by sentence"),
        new("voice", FieldType.Text, false, 1, 64, "speaker name (OpenAI's field; a model with one voice ignores it)"),
        // Three ways to set the length, so at most one: a fixed duration, or the predicted one scaled by pace = 1 / speed.
        new("duration", FieldType.Number, false, 0, MaxSpeechSeconds, "length of the speech in seconds (at most the model's longest; text of one sentence-sized piece)",
            ExclusiveMin: true, Without: new Dictionary<string, string> { ["pace"] = Length, ["speed"] = Length }),
        new("pace", FieldType.Number, false, 0.25, 4, "multiplies the predicted duration, 1 = natural, 2 = twice as slow",
            Without: new Dictionary<string, string> { ["speed"] = Rate, ["duration"] = Length }),
        new("speed", FieldType.Number, false, 0.25, 4, "speaking rate (OpenAI's field), 1 = natural; speed = 1 / pace",
            Without: new Dictionary<string, string> { ["pace"] = Rate, ["duration"] = Length }),
        new("steps", FieldType.WholeNumber, false, 1, 64, "flow ODE steps per block"),
        new("solver", FieldType.Choice, false, 0, 0, "flow ODE solver", Choices: Solvers),
        new("block_size", FieldType.WholeNumber, false, 1, 64, "latent frames per autoregressive step (one the model was trained with)"),
        new("prompt_audio", FieldType.Base64, false, 1, 8 << 20, "zero-shot prompt: a WAV clip to continue in its voice, base64", With: "prompt_text"),
        new("prompt_text", FieldType.Text, false, 1, 4000, "what the prompt clip says", With: "prompt_audio"),
        JobKind.Seed,
    ]);
}

using Media.Hosting.Jobs;

namespace Media.Services.Audio.Speech;

/// <summary>
/// The <c>speech-edit</c> job kind: a recording, what it says, and what it should say instead. The words that differ
/// between the two transcripts are re-spoken in the recording's voice and the rest is kept (see
/// <see cref="Editing.SpeechEditor"/>). The edited recording streams as it is made and is the artifact, with
/// <c>edit.json</c> saying where the new words landed.
/// </summary>
public static class SpeechEditJobKind
{
    public const string Name = "speech-edit";

    /// <summary>The <c>method</c> choices: fill-in-the-middle (the span sees what follows it) or the left context alone.</summary>
    public const string FillInMiddle = "fill-in-middle";

    /// <summary>The span generated from the audio before it alone, the rest pasted back.</summary>
    public const string LeftContext = "left-context";

    /// <summary>Largest recording accepted, in bytes of WAV (a voice's own limit, its longest utterance, is checked once it is read).</summary>
    public const int MaxAudioBytes = 8 << 20;

    public static JobKind Definition { get; } = new(Name, "speech editing: re-speak the changed words of a recording", [
        new("audio", FieldType.Base64, true, 1, MaxAudioBytes, "the recording to edit: a WAV file, base64"),
        new("transcript", FieldType.Text, true, 1, 4000, "what the recording says"),
        new("text", FieldType.Text, true, 1, 4000, "what it should say: the transcript with the words to change changed (one span: everything between the first and the last word that differ is re-spoken)"),
        new("method", FieldType.Choice, false, 0, 0, "fill-in-middle (the span fits what follows it; voices trained for it, the default there) or left-context", Choices: [FillInMiddle, LeftContext]),
        new("steps", FieldType.WholeNumber, false, 1, 64, "flow ODE steps per block"),
        new("solver", FieldType.Choice, false, 0, 0, "flow ODE solver", Choices: SpeechJobKind.Solvers),
        new("block_size", FieldType.WholeNumber, false, 1, 64, "latent frames per autoregressive step (one the model was trained with)"),
        JobKind.Seed,
    ]);
}

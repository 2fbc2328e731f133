namespace Media.Services.Audio.Speech.Ardit;

/// <summary>What a position of the training sequence <c>[text | clean latents | noisy latents]</c> holds.</summary>
public enum ArditTokenKind
{
    /// <summary>A text (character) token.</summary>
    Text = 0,

    /// <summary>A clean latent frame: the context later blocks condition on.</summary>
    Clean = 1,

    /// <summary>A noisy latent frame: the flow-matching input of its block.</summary>
    Noisy = 2,
}

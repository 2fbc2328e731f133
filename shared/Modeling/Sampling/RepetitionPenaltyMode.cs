namespace Media.Modeling.Sampling;

/// <summary>How a repetition penalty <c>r</c> scales the logit of a token seen <c>n</c> times in the window.</summary>
public enum RepetitionPenaltyMode
{
    /// <summary>CTRL / Hugging Face: a seen token's logit is divided by r when positive, multiplied by r when negative, once however often it was seen.</summary>
    Presence,

    /// <summary>Like <see cref="Presence"/> but with factor r^n, so every repeat pushes further (sign-aware).</summary>
    Count,

    /// <summary>Every logit of a seen token divided by r^n whatever its sign (a negative logit moves towards 0).</summary>
    CountDivide,
    /// <summary>
    /// LeVo's released code (<c>logits /= 1.1 ** bincount(unique(window))</c>): a seen token's logit divided by r once,
    /// whatever its sign and however often it was seen.
    /// </summary>
    PresenceDivide,
}

namespace Media.Hosting.Jobs;

/// <summary>The one rule for an Idempotency-Key, wherever a caller sends one (the REST header, the hub's field); a batch's own keys are made by the batch service.</summary>
public static class IdempotencyKeys
{
    /// <summary>The HTTP header, and the field name its errors are reported under.</summary>
    public const string Header = "Idempotency-Key";

    /// <summary>Why <paramref name="key"/> is refused, or null when it is absent or valid: 1..255 visible ASCII characters.</summary>
    public static string? Problem(string? key) =>
        key is not null && (key.Length is < 1 or > 255 || key.Any(c => c is < '!' or > '~')) ? "must be 1..255 visible ASCII characters" : null;
}

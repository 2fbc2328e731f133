using System.Globalization;

namespace Media.Tests.Support.Fuzzing;

/// <summary>
/// How many executions a fuzz test runs. The normal test run (and the fast lane) runs each target's modest default, a
/// few seconds; a campaign sets <c>MEDIA_FUZZ_EXECUTIONS</c> (for example 1000000) and picks targets with
/// <c>--filter FuzzTarget=wav</c> (docs/SECURITY.md, "Fuzzing"). <c>MEDIA_FUZZ_SEED</c> replays a CsCheck seed a failure printed.
/// </summary>
public static class FuzzBudget
{
    public const string ExecutionsVariable = "MEDIA_FUZZ_EXECUTIONS";
    public const string SeedVariable = "MEDIA_FUZZ_SEED";

    /// <summary>The trait every fuzz test carries (<c>Category=Fuzz</c>), beside <c>FuzzTarget=&lt;name&gt;</c>.</summary>
    public const string Category = "Fuzz";

    public static long Executions(long modest)
    {
        string? text = Environment.GetEnvironmentVariable(ExecutionsVariable);
        if (string.IsNullOrWhiteSpace(text)) return modest;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
            ? n
            : throw new InvalidOperationException($"{ExecutionsVariable} must be a positive whole number, not '{text}'.");
    }

    public static string? Seed => Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } seed ? seed : null;
}

namespace Media.Gateway.Apis;

/// <summary>Who is calling. Until authentication exists every caller is the one owner "anonymous".</summary>
internal static class Caller
{
    public const string Anonymous = "anonymous";

    public static string Owner(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;
}

using System.Text.Json;

namespace Media.Hosting.Jobs;

/// <summary>
/// Finds text in a parsed JSON document that is not valid Unicode: a lone surrogate escape (<c>"\ud800"</c>) or bytes
/// that are not UTF-8. The JSON reader accepts both and only fails when the string is read, which would surface as a
/// server error deep in a handler; the request parsers check once, up front, and answer 400.
/// </summary>
public static class JsonText
{
    /// <summary>The path of the first malformed string or property name ("body", "parameters.prompt"), or null.</summary>
    public static string? FindMalformed(JsonElement element, string path = "body")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsValid(() => element.GetString()) ? null : path;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!IsValid(() => property.Name)) return path;
                    string child = path == "body" ? property.Name : $"{path}.{property.Name}";
                    if (FindMalformed(property.Value, child) is { } found) return found;
                }
                return null;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                    if (FindMalformed(item, $"{path}[{i++}]") is { } found) return found;
                return null;
            default:
                return null;
        }
    }

    /// <summary>The message for a malformed string.</summary>
    public const string Problem = "is not valid Unicode text (a lone surrogate escape or bytes that are not UTF-8)";

    static bool IsValid(Func<string?> read)
    {
        try
        {
            string? text = read();
            // Escapes decode to UTF-16 as written, so a lone surrogate survives GetString: look for one.
            if (text is null) return true;
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                if (char.IsSurrogate(text[i])) return false;
            }
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // invalid UTF-8 bytes (or an escape System.Text.Json refuses to transcode)
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json;

namespace Media.Gateway.Tests;

/// <summary>Requests to the OpenAI routes and readers for their answers, written for the tests.</summary>
internal static class OpenAiHttp
{
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body) =>
        await client.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(body));

    /// <summary>An OpenAI error answer: its status, and error.message/type/param/code.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
        foreach (string field in new[] { "message", "type", "param", "code" }) Assert.True(error.TryGetProperty(field, out _), $"error.{field} is missing: {text}");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }

    /// <summary>Parses a text/event-stream body by hand into (event name, data).</summary>
    public static List<(string Event, JsonElement Data)> Events(string body)
    {
        var events = new List<(string, JsonElement)>();
        foreach (string block in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            string? data = null;
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = data is null ? line[6..] : data + "\n" + line[6..];
            }
            if (data is not null) events.Add((name ?? "message", JsonDocument.Parse(data).RootElement.Clone()));
        }
        return events;
    }

    /// <summary>The PNG's chunks without its text chunks (tEXt, iTXt), which name the job: the image itself.</summary>
    public static byte[] PngWithoutText(byte[] png)
    {
        var kept = new List<(string, byte[])>();
        using var output = new MemoryStream();
        output.Write(png, 0, 8);
        for (int at = 8; at < png.Length;)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            if (type is not ("tEXt" or "iTXt")) output.Write(png, at, 12 + length);
            at += 12 + length;
        }
        return output.ToArray();
    }

    /// <summary>The PNG's text chunks as keyword → text (tEXt only; the test generator's metadata is Latin-1).</summary>
    public static Dictionary<string, string> PngText(byte[] png)
    {
        var text = new Dictionary<string, string>();
        foreach (var (type, data) in Media.Hosting.Tests.Support.TinyMedia.PngChunks(png))
        {
            if (type != "tEXt") continue;
            int zero = Array.IndexOf(data, (byte)0);
            text[System.Text.Encoding.Latin1.GetString(data, 0, zero)] = System.Text.Encoding.Latin1.GetString(data, zero + 1, data.Length - zero - 1);
        }
        return text;
    }
}

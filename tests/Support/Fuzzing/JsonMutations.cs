using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace Media.Tests.Support.Fuzzing;

/// <summary>
/// Structured mutation of valid JSON seeds: a node of the document (chosen by index) is replaced by a hostile
/// value — the wrong type, a number past every range, a lone surrogate, deep nesting, a long string — or removed,
/// or given an unknown sibling; then the text may get byte-level edits (<see cref="ByteMutations"/>) too. Raw
/// fragments that no JsonNode can hold (a lone surrogate escape, 1e400, invalid UTF-8) go in as text.
/// </summary>
public static class JsonMutations
{
    /// <summary>Values a node may become; the strings starting with <c>raw:</c> are written into the text as they are.</summary>
    static readonly string[] Fragments =
    [
        "null", "true", "false", "0", "-1", "1", "0.5", "-0", "1e308", "raw:1e400", "raw:-1e400", "9007199254740993", "-9223372036854775809",
        "18446744073709551616", "\"\"", "\" \"", "\"a\"", "\"0\"", "\"-1\"", "\"1e999\"", "raw:\"\\ud800\"", "raw:\"a\\udfff\"", "raw:\"\\u0000\"",
        "[]", "{}", "[[]]", "[[0]]", "[[0,1],[2]]", "[null]", "{\"a\":1}", "raw:\"\u00ff\u00fe\"", "\"AAAA\"", "\"=\"", "\"256x256\"", "\"1024x1024\"",
        "\"64x64\"", "\"0x0\"", "\"wav\"", "\"mp3\"", "\"pcm\"", "\"b64_json\"", "\"url\"", "\"image\"", "\"speech\"", "\"audio-decode\"",
    ];

    static readonly string[] Names = ["kind", "model", "parameters", "prompt", "size", "n", "seed", "codes", "input", "voice", "response_format", "custom_id", "body", "url", "method", "x", "__proto__", ""];

    public readonly record struct Edit(int Operation, uint Node, uint Value);

    public static Gen<Edit> EditGen { get; } = Gen.Select(Gen.Int[0, 7], Gen.UInt, Gen.UInt, (o, n, v) => new Edit(o, n, v));

    /// <summary>Mutated texts of <paramref name="seeds"/> (each a JSON document): structured edits, then maybe byte edits.</summary>
    public static Gen<string> Of(IReadOnlyList<string> seeds, int maxEdits = 4) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], EditGen.Array[0, maxEdits], ByteMutations.EditGen.Array[0, 2], Gen.Bool,
            (seed, edits, bytes, byteLevel) => Apply(seeds[seed], edits, byteLevel ? bytes : []));

    public static string Apply(string seed, IEnumerable<Edit> edits, IEnumerable<ByteMutations.Edit> byteEdits)
    {
        var root = JsonNode.Parse(seed);
        var raws = new List<string>();
        foreach (var edit in edits) root = Apply(root, edit, raws);
        string text = root?.ToJsonString() ?? "null";
        for (int i = 0; i < raws.Count; i++) text = text.Replace($"\"@raw{i}@\"", raws[i], StringComparison.Ordinal);
        var list = byteEdits.ToList();
        if (list.Count == 0) return text;
        // Byte edits work on UTF-8; invalid sequences they make come back as U+FFFD in the string (the HTTP tests also send raw bytes).
        return Encoding.UTF8.GetString(ByteMutations.Apply([Encoding.UTF8.GetBytes(text)], 0, list));
    }

    static JsonNode? Apply(JsonNode? root, Edit edit, List<string> raws)
    {
        var nodes = new List<JsonNode?>();
        Collect(root, nodes);
        var target = nodes[(int)(edit.Node % (uint)nodes.Count)];
        JsonNode? replacement = edit.Operation switch
        {
            0 or 1 or 2 => Fragment(Fragments[edit.Value % (uint)Fragments.Length], raws),
            3 => Nest((int)(edit.Value % 300)),
            4 => JsonValue.Create(new string((char)('a' + edit.Value % 26), (int)(edit.Value % 20_000))),
            _ => null,
        };
        if (edit.Operation is 5 && target is JsonObject obj5)
        {
            obj5[Names[edit.Value % (uint)Names.Length] + (edit.Value % 3 == 0 ? "" : "_")] = Fragment(Fragments[edit.Value / 7 % (uint)Fragments.Length], raws);
            return root;
        }
        if (edit.Operation is 6 && target?.Parent is JsonObject parent6)
        {
            parent6.Remove(target.GetPropertyName());
            return root;
        }
        if (edit.Operation is 7 && target is JsonArray array7)
        {
            // A longer array: repeat an element (rows of codes, lines of values).
            if (array7.Count > 0) for (int i = 0; i < (int)(edit.Value % 64); i++) array7.Add(array7[(int)(edit.Value % (uint)array7.Count)]?.DeepClone());
            return root;
        }
        if (edit.Operation >= 5) return root;
        return Replace(root, target, replacement);
    }

    static JsonNode? Fragment(string fragment, List<string> raws)
    {
        if (!fragment.StartsWith("raw:", StringComparison.Ordinal)) return JsonNode.Parse(fragment);
        raws.Add(fragment[4..]);
        return JsonValue.Create($"@raw{raws.Count - 1}@");
    }

    static JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (int i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    static JsonNode? Replace(JsonNode? root, JsonNode? target, JsonNode? replacement)
    {
        if (target is null || ReferenceEquals(target, root)) return replacement;
        switch (target.Parent)
        {
            case JsonObject parent: parent[target.GetPropertyName()] = replacement; break;
            case JsonArray array: array[target.GetElementIndex()] = replacement; break;
        }
        return root;
    }

    static void Collect(JsonNode? node, List<JsonNode?> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o: foreach (var (_, child) in o.ToList()) Collect(child, nodes); break;
            case JsonArray a: foreach (var child in a.ToList()) Collect(child, nodes); break;
        }
    }

    /// <summary>Whether <paramref name="text"/> is JSON at all (tests use it to say which inputs they expect refused).</summary>
    public static bool IsJson(string text)
    {
        try { using var _ = JsonDocument.Parse(text); return true; }
        catch (JsonException) { return false; }
    }
}

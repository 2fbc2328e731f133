using System.Text.Json;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// The <c>config.json</c> beside a model's weights: snake_case keys, indented, read back with the config's own
/// validation, so every model folder reports an unreadable or inconsistent config the same way.
/// </summary>
public static class ModelConfigJson
{
    /// <summary>The serializer settings of every model folder's <c>config.json</c>.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The config as written to <c>config.json</c>.</summary>
    public static string Write<T>(T config) => JsonSerializer.Serialize(config, Options);

    /// <summary>
    /// Parses <c>config.json</c> text and runs <paramref name="validate"/> on it; throws <see cref="JsonException"/> when the text
    /// holds no <paramref name="what"/> config (JSON <c>null</c>), and whatever <paramref name="validate"/> throws.
    /// </summary>
    public static T Parse<T>(string json, string what, Action<T> validate) where T : class
    {
        ArgumentNullException.ThrowIfNull(validate);
        var config = JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"No {what} config.");
        validate(config);
        return config;
    }

    /// <summary>
    /// Reads the <paramref name="what"/> config at <paramref name="path"/> and runs <paramref name="validate"/> on it;
    /// throws <see cref="FileNotFoundException"/> when the file is absent and <see cref="InvalidDataException"/> naming
    /// the file when it is unreadable or inconsistent (validation's <see cref="ArgumentException"/>s included).
    /// </summary>
    public static T Read<T>(string path, string what, Action<T> validate) where T : class
    {
        ArgumentNullException.ThrowIfNull(validate);
        return Read(path, what, json =>
        {
            var config = JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"'{path}' holds no {what} config.");
            validate(config);
            return config;
        });
    }

    /// <summary>
    /// Reads the <paramref name="what"/> config at <paramref name="path"/> with the config's own <paramref name="parse"/> (which
    /// validates); the same errors as <see cref="Read{T}(string, string, Action{T})"/>.
    /// </summary>
    public static T Read<T>(string path, string what, Func<string, T> parse) where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parse);
        if (!File.Exists(path)) throw new FileNotFoundException($"No {what} config at '{path}'.", path);
        try
        {
            return parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a valid {what} config: {e.Message}", e);
        }
    }
}

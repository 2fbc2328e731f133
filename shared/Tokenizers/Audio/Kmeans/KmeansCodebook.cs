using System.Globalization;
using System.Text.Json;
using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>
/// The part every k-means audio tokenizer shares, whatever its features: per-dimension standardisation
/// (<c>feature_mean</c>, <c>feature_std</c> [D]) and K centroids [K, D] in the standardised space; a frame's token is its
/// nearest centroid. Saved as <c>model.safetensors</c> (fp16; the features' settings in its metadata) and <c>config.json</c>.
/// </summary>
public sealed class KmeansCodebook : IDisposable
{
    /// <summary>The weights file of a tokenizer folder.</summary>
    public const string WeightsFile = "model.safetensors";

    readonly Tensor centroids, mean, std;

    /// <summary>A codebook from its parts (copied to CPU float32).</summary>
    public KmeansCodebook(Tensor centroids, Tensor mean, Tensor std)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (centroids.dim() != 2 || mean.numel() != centroids.shape[1] || std.numel() != centroids.shape[1])
            throw new ArgumentException($"Centroids must be [K, D] and the statistics [D]; got [{string.Join(", ", centroids.shape)}], {mean.numel()} and {std.numel()}.");
        this.centroids = centroids.to(ScalarType.Float32, CPU).clone().DetachFromDisposeScope();
        this.mean = mean.to(ScalarType.Float32, CPU).reshape(1, -1).clone().DetachFromDisposeScope();
        this.std = std.to(ScalarType.Float32, CPU).reshape(1, -1).clone().DetachFromDisposeScope();
    }

    /// <summary>Number of tokens (centroids).</summary>
    public int VocabularySize => (int)centroids.shape[0];

    /// <summary>Feature dimensions.</summary>
    public int Dimensions => (int)centroids.shape[1];

    /// <summary>Features [T, D] standardised with the codebook's statistics.</summary>
    public Tensor Standardize(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return (frames.to(ScalarType.Float32, CPU) - mean) / std;
    }

    /// <summary>The token of each raw feature frame [T, D].</summary>
    public int[] Assign(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.dim() != 2 || frames.shape[1] != Dimensions)
            throw new ArgumentException($"Expected frames [T, {Dimensions}]; got [{string.Join(", ", frames.shape)}].", nameof(frames));
        using var scope = NewDisposeScope();
        return [.. KMeans.Assign(Standardize(frames), centroids).data<long>().ToArray().Select(v => (int)v)];
    }

    /// <summary>The raw (de-standardised) feature vectors [T, D] the <paramref name="tokens"/> stand for: a token's decoded value.</summary>
    public Tensor Vectors(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Any(t => t < 0 || t >= VocabularySize))
            throw new ArgumentOutOfRangeException(nameof(tokens), $"Tokens must lie in [0, {VocabularySize}).");
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), ScalarType.Int64);
        return (centroids.index_select(0, ids) * std + mean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Fits a codebook to raw feature frames [N, D]: at most <paramref name="maxFrames"/> of them (a seeded random subset),
    /// standardised per dimension, then k-means++ and <paramref name="iterations"/> Lloyd steps on <paramref name="device"/>.
    /// </summary>
    public static (KmeansCodebook Codebook, KMeansFit Fit) Fit(Tensor frames, int k, int iterations, int maxFrames, ulong seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.dim() != 2) throw new ArgumentException($"Frames must be [N, D]; got [{string.Join(", ", frames.shape)}].", nameof(frames));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, k);
        using var scope = NewDisposeScope();
        var generator = new Generator(seed);
        var x = frames.to(ScalarType.Float32, CPU);
        if (x.shape[0] > maxFrames) x = x.index_select(0, randperm(x.shape[0], generator: generator).narrow(0, 0, maxFrames));
        var mean = x.mean([0]);
        var std = x.std(0).clamp_min(1e-3);
        var fit = KMeans.Fit(((x - mean) / std).to(device), k, iterations, generator);
        var codebook = new KmeansCodebook(fit.Centroids, mean, std);
        return (codebook, new KMeansFit(fit.Centroids.cpu().MoveToOuterDisposeScope(), fit.Inertia));
    }

    /// <summary>Writes the weights (fp16, <paramref name="metadata"/> in the header) and <c>config.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, object> config)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile),
            new Dictionary<string, Tensor> { ["centroids"] = centroids, ["feature_mean"] = mean.flatten(), ["feature_std"] = std.flatten() },
            new Dictionary<string, string>(metadata), ScalarType.Float16);
        var all = new Dictionary<string, object>(config) { ["vocabulary_size"] = VocabularySize, ["dimensions"] = Dimensions };
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(all, JsonOptions));
    }

    /// <summary>Loads a folder written by <see cref="Save"/>, with its weights' metadata.</summary>
    public static (KmeansCodebook Codebook, IReadOnlyDictionary<string, string> Metadata) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string path = Path.Combine(folder, WeightsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer folder '{folder}' has no {WeightsFile}.", path);
        using var file = SafetensorsFile.Open(path);
        using var scope = NewDisposeScope();
        var tensors = file.ReadAll(floatDtype: ScalarType.Float32);
        foreach (var key in new[] { "centroids", "feature_mean", "feature_std" })
            if (!tensors.ContainsKey(key)) throw new InvalidDataException($"{path}: tensor '{key}' is missing.");
        return (new KmeansCodebook(tensors["centroids"], tensors["feature_mean"], tensors["feature_std"]), new Dictionary<string, string>(file.Metadata));
    }

    /// <summary>An integer from a weights file's metadata, or a clear error naming it.</summary>
    public static int MetadataInt(IReadOnlyDictionary<string, string> metadata, string key, string folder)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"{Path.Combine(folder, WeightsFile)}: metadata '{key}' is missing.");
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        centroids.Dispose();
        mean.Dispose();
        std.Dispose();
    }
}

using System.Globalization;
using Media.Audio.IO;
using Media.Audio.Metrics;
using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Semantic;

/// <summary>
/// Semantic audio tokens: log-mel frames (80 bands, 50 frames per second, aligned with the codec's
/// frames), standardised per band, mapped to the nearest of K k-means centroids. The file holds
/// <c>centroids</c> [K, 80], <c>feature_mean</c> and <c>feature_std</c> [80], and the front end's
/// settings in its metadata.
/// </summary>
public sealed class SemanticTokenizer : IDisposable
{
    readonly LogMelSpectrogram frontEnd;
    readonly Tensor centroids, mean, std;

    /// <summary>A tokenizer from its parts (copied to CPU float32).</summary>
    public SemanticTokenizer(MelSpectrogramOptions features, Tensor centroids, Tensor mean, Tensor std)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(centroids);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (centroids.dim() != 2 || centroids.shape[1] != features.MelBands || mean.numel() != features.MelBands || std.numel() != features.MelBands)
            throw new ArgumentException($"Centroids must be [K, {features.MelBands}] and the statistics [{features.MelBands}].");
        Features = features;
        frontEnd = new LogMelSpectrogram(features);
        this.centroids = centroids.to(ScalarType.Float32, CPU).clone().DetachFromDisposeScope();
        this.mean = mean.to(ScalarType.Float32, CPU).reshape(1, -1).clone().DetachFromDisposeScope();
        this.std = std.to(ScalarType.Float32, CPU).reshape(1, -1).clone().DetachFromDisposeScope();
    }

    /// <summary>The front end for a sample rate: 80 log-mel bands, hop of rate / 50 (20 ms), 1024-point FFT at 16 kHz.</summary>
    public static MelSpectrogramOptions FeaturesFor(int sampleRate)
    {
        int fft = 1 << (int)Math.Round(Math.Log2(1024.0 * sampleRate / 16_000));
        return new MelSpectrogramOptions { SampleRate = sampleRate, FftSize = fft, WindowLength = fft, HopLength = sampleRate / 50, MelBands = 80 };
    }

    /// <summary>The front end's settings.</summary>
    public MelSpectrogramOptions Features { get; }

    /// <summary>Number of tokens (centroids).</summary>
    public int VocabularySize => (int)centroids.shape[0];

    /// <summary>Standardised log-mel frames [frames, bands] of mono samples at <see cref="MelSpectrogramOptions.SampleRate"/>.</summary>
    public Tensor FeaturesOf(float[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var logMel = frontEnd.Forward(tensor(samples)).t();
        return ((logMel - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids, one per 20 ms frame, of a clip (any rate and channel count: it is converted).</summary>
    public int[] Encode(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var samples = audio.WithChannels(1).Resample(Features.SampleRate).Channels[0];
        if (samples.Length <= Features.FftSize / 2)
            throw new ArgumentException($"The clip has {samples.Length} samples at {Features.SampleRate} Hz; tokens need more than {Features.FftSize / 2}.", nameof(audio));
        using var scope = NewDisposeScope();
        return [.. KMeans.Assign(FeaturesOf(samples), centroids).data<long>().ToArray().Select(v => (int)v)];
    }

    /// <summary>Writes <c>model.safetensors</c> (fp16) and <c>config.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var metadata = new Dictionary<string, string>
        {
            ["sample_rate"] = Features.SampleRate.ToString(CultureInfo.InvariantCulture),
            ["fft_size"] = Features.FftSize.ToString(CultureInfo.InvariantCulture),
            ["hop_length"] = Features.HopLength.ToString(CultureInfo.InvariantCulture),
            ["mel_bands"] = Features.MelBands.ToString(CultureInfo.InvariantCulture),
        };
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"),
            new Dictionary<string, Tensor> { ["centroids"] = centroids, ["feature_mean"] = mean.flatten(), ["feature_std"] = std.flatten() }, metadata, ScalarType.Float16);
        File.WriteAllText(Path.Combine(folder, "config.json"), System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "semantic-kmeans",
            ["features"] = "log-mel",
            ["sample_rate"] = Features.SampleRate,
            ["fft_size"] = Features.FftSize,
            ["hop_length"] = Features.HopLength,
            ["mel_bands"] = Features.MelBands,
            ["vocabulary_size"] = VocabularySize,
        }, JsonOptions));
    }

    /// <summary>Loads a tokenizer folder written by <see cref="Save"/>.</summary>
    public static SemanticTokenizer Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string path = Path.Combine(folder, "model.safetensors");
        if (!File.Exists(path)) throw new FileNotFoundException($"Semantic tokenizer folder '{folder}' has no model.safetensors.", path);
        using var file = SafetensorsFile.Open(path);
        int Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"{path}: metadata '{key}' is missing.");
        var features = new MelSpectrogramOptions
        {
            SampleRate = Meta("sample_rate"), FftSize = Meta("fft_size"), WindowLength = Meta("fft_size"), HopLength = Meta("hop_length"), MelBands = Meta("mel_bands"),
        };
        using var scope = NewDisposeScope();
        var tensors = file.ReadAll(floatDtype: ScalarType.Float32);
        return new SemanticTokenizer(features, tensors["centroids"], tensors["feature_mean"], tensors["feature_std"]);
    }

    static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        frontEnd.Dispose();
        centroids.Dispose();
        mean.Dispose();
        std.Dispose();
    }
}

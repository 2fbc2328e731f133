using System.Globalization;
using Media.Audio.IO;
using Media.Audio.Metrics;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>
/// Acoustic k-means tokens (model id <c>acoustic-kmeans</c>): log-mel frames (80 bands, 50 frames per second, aligned
/// with the codec's frames), standardised per band, mapped to the nearest of K centroids. They cluster what a
/// spectrum looks like, so they follow the voice as much as the words; <c>semantic-kmeans</c> clusters a recognizer's
/// hidden states instead.
/// </summary>
public sealed class AcousticKmeansTokenizer : IDisposable
{
    /// <summary>The model id and folder name.</summary>
    public const string ModelId = "acoustic-kmeans";

    readonly LogMelSpectrogram frontEnd;

    /// <summary>A tokenizer over <paramref name="features"/> with <paramref name="codebook"/> (takes ownership).</summary>
    public AcousticKmeansTokenizer(MelSpectrogramOptions features, KmeansCodebook codebook)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(codebook);
        if (codebook.Dimensions != features.MelBands)
            throw new ArgumentException($"The codebook has {codebook.Dimensions} dimensions; the front end gives {features.MelBands} bands.", nameof(codebook));
        Features = features;
        Codebook = codebook;
        frontEnd = new LogMelSpectrogram(features);
    }

    /// <summary>The front end for a sample rate: 80 log-mel bands, hop of rate / 50 (20 ms), 1024-point FFT at 16 kHz.</summary>
    public static MelSpectrogramOptions FeaturesFor(int sampleRate)
    {
        int fft = 1 << (int)Math.Round(Math.Log2(1024.0 * sampleRate / 16_000));
        return new MelSpectrogramOptions { SampleRate = sampleRate, FftSize = fft, WindowLength = fft, HopLength = sampleRate / 50, MelBands = 80 };
    }

    /// <summary>The front end's settings.</summary>
    public MelSpectrogramOptions Features { get; }

    /// <summary>Centroids and standardisation.</summary>
    public KmeansCodebook Codebook { get; }

    /// <summary>Number of tokens (centroids).</summary>
    public int VocabularySize => Codebook.VocabularySize;

    /// <summary>Seconds per token.</summary>
    public double FrameSeconds => (double)Features.HopLength / Features.SampleRate;

    /// <summary>Raw log-mel frames [frames, bands] of mono samples at the front end's rate.</summary>
    public static Tensor LogMelFrames(LogMelSpectrogram frontEnd, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        return frontEnd.Forward(tensor(samples)).t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Raw log-mel frames [frames, bands] of a clip (any rate and channel count: it is converted).</summary>
    public Tensor FeaturesOf(AudioBuffer audio) => LogMelFrames(frontEnd, MonoSamples(audio));

    /// <summary>Token ids, one per 20 ms frame (centred frames: samples / hop + 1).</summary>
    public int[] Encode(AudioBuffer audio)
    {
        using var scope = NewDisposeScope();
        return Codebook.Assign(FeaturesOf(audio));
    }

    float[] MonoSamples(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var samples = audio.WithChannels(1).Resample(Features.SampleRate).Channels[0];
        if (samples.Length <= Features.FftSize / 2)
            throw new ArgumentException($"The clip has {samples.Length} samples at {Features.SampleRate} Hz; tokens need more than {Features.FftSize / 2}.", nameof(audio));
        return samples;
    }

    /// <summary>Writes the folder: weights (fp16, front end in the metadata) and <c>config.json</c>.</summary>
    public void Save(string folder) => Codebook.Save(folder,
        new Dictionary<string, string>
        {
            ["sample_rate"] = Features.SampleRate.ToString(CultureInfo.InvariantCulture),
            ["fft_size"] = Features.FftSize.ToString(CultureInfo.InvariantCulture),
            ["hop_length"] = Features.HopLength.ToString(CultureInfo.InvariantCulture),
            ["mel_bands"] = Features.MelBands.ToString(CultureInfo.InvariantCulture),
        },
        new Dictionary<string, object>
        {
            ["model_type"] = ModelId,
            ["features"] = "log-mel",
            ["sample_rate"] = Features.SampleRate,
            ["fft_size"] = Features.FftSize,
            ["hop_length"] = Features.HopLength,
            ["mel_bands"] = Features.MelBands,
        });

    /// <summary>Loads a folder written by <see cref="Save"/>.</summary>
    public static AcousticKmeansTokenizer Load(string folder)
    {
        var (codebook, metadata) = KmeansCodebook.Load(folder);
        try
        {
            int Meta(string key) => KmeansCodebook.MetadataInt(metadata, key, folder);
            var features = new MelSpectrogramOptions
            {
                SampleRate = Meta("sample_rate"), FftSize = Meta("fft_size"), WindowLength = Meta("fft_size"), HopLength = Meta("hop_length"), MelBands = Meta("mel_bands"),
            };
            return new AcousticKmeansTokenizer(features, codebook);
        }
        catch
        {
            codebook.Dispose();
            throw;
        }
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        frontEnd.Dispose();
        Codebook.Dispose();
    }
}

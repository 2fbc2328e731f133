using System.Globalization;
using System.Security.Cryptography;
using Media.Audio.IO;
using Media.Services.Audio.Speech.Recognizer;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Tokens;

/// <summary>
/// Semantic k-means tokens (model id <c>semantic-kmeans</c>), built as HuBERT's units are: k-means over the hidden
/// states of a speech model, here the last hidden layer (BiLSTM output, 40 frames per second) of our CTC recognizer
/// <c>asr-ctc</c>, the nearest thing to HuBERT trained here. The recognizer was trained to map sound to characters
/// whoever speaks, so these tokens follow what is said more than the voice; <c>acoustic-kmeans</c> clusters log-mel.
/// The folder records the recognizer's weights hash and refuses any other recognizer.
/// </summary>
public sealed class SemanticKmeansTokenizer : IDisposable
{
    /// <summary>The model id and folder name.</summary>
    public const string ModelId = "semantic-kmeans";

    /// <summary>The recognizer folder whose hidden states the tokens cluster.</summary>
    public const string RecognizerFolder = "asr-ctc";

    readonly CtcRecognizer recognizer;
    readonly SpeechFeatures features;
    readonly bool ownsRecognizer;

    /// <summary>Tokens of <paramref name="recognizer"/>'s hidden states with <paramref name="codebook"/> (takes ownership of the codebook).</summary>
    public SemanticKmeansTokenizer(CtcRecognizer recognizer, KmeansCodebook codebook, bool ownsRecognizer = false)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(codebook);
        if (codebook.Dimensions != 2 * recognizer.Config.Hidden)
            throw new ArgumentException($"The codebook has {codebook.Dimensions} dimensions; the recognizer's hidden states have {2 * recognizer.Config.Hidden}.", nameof(codebook));
        this.recognizer = recognizer;
        this.ownsRecognizer = ownsRecognizer;
        Codebook = codebook;
        features = new SpeechFeatures(recognizer.Config.Mel);
    }

    /// <summary>Centroids and standardisation.</summary>
    public KmeansCodebook Codebook { get; }

    /// <summary>Number of tokens.</summary>
    public int VocabularySize => Codebook.VocabularySize;

    /// <summary>Seconds per token (the recognizer's output frame).</summary>
    public double FrameSeconds => CtcRecognizerConfig.Subsampling / recognizer.Config.Mel.FrameRate;

    /// <summary>The recognizer's sample rate.</summary>
    public int SampleRate => recognizer.Config.Mel.SampleRate;

    /// <summary>Hidden-state frames [frames, 2 x hidden] of mono samples at the recognizer's rate.</summary>
    public static Tensor HiddenFrames(CtcRecognizer recognizer, SpeechFeatures features, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = recognizer.parameters().First().device;
        var mel = features.Normalized(tensor(samples, device: device).unsqueeze(0));
        return recognizer.HiddenStates(mel).squeeze(0).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>Token ids, one per 25 ms recognizer frame, of a clip (any rate and channel count: it is converted).</summary>
    public int[] Encode(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var samples = audio.WithChannels(1).Resample(SampleRate).Channels[0];
        if (samples.Length <= recognizer.Config.Mel.FftSize / 2)
            throw new ArgumentException($"The clip has {samples.Length} samples at {SampleRate} Hz; tokens need more than {recognizer.Config.Mel.FftSize / 2}.", nameof(audio));
        using var scope = NewDisposeScope();
        return Codebook.Assign(HiddenFrames(recognizer, features, samples));
    }

    /// <summary>Writes the folder, recording the recognizer's weights hash.</summary>
    public void Save(string folder, string recognizerWeights)
    {
        string hash = Sha256(recognizerWeights);
        Codebook.Save(folder,
            new Dictionary<string, string>
            {
                ["features"] = "asr-ctc bilstm",
                ["recognizer_sha256"] = hash,
                ["frame_rate"] = (1 / FrameSeconds).ToString(CultureInfo.InvariantCulture),
            },
            new Dictionary<string, object>
            {
                ["model_type"] = ModelId,
                ["features"] = "hidden states of asr-ctc's BiLSTM (its last hidden layer)",
                ["recognizer"] = RecognizerFolder,
                ["recognizer_sha256"] = hash,
                ["sample_rate"] = SampleRate,
                ["frame_rate"] = 1 / FrameSeconds,
            });
    }

    /// <summary>
    /// Loads <paramref name="folder"/> with the recognizer in <paramref name="recognizerFolder"/>; throws
    /// <see cref="InvalidDataException"/> when those are not the recognizer weights the tokens were fitted on.
    /// </summary>
    public static SemanticKmeansTokenizer Load(string folder, string recognizerFolder, Device device)
    {
        var (codebook, metadata) = KmeansCodebook.Load(folder);
        CtcRecognizer? recognizer = null;
        try
        {
            string weights = Path.Combine(recognizerFolder, KmeansCodebook.WeightsFile);
            if (!metadata.TryGetValue("recognizer_sha256", out var expected))
                throw new InvalidDataException($"{folder}: metadata 'recognizer_sha256' is missing.");
            string actual = Sha256(weights);
            if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{folder} was fitted on recognizer weights {expected[..12]}..., but {recognizerFolder} holds {actual[..12]}...; refit it (media train semantic-kmeans).");
            recognizer = CtcRecognizer.Load(recognizerFolder, device);
            return new SemanticKmeansTokenizer(recognizer, codebook, ownsRecognizer: true);
        }
        catch
        {
            recognizer?.Dispose();
            codebook.Dispose();
            throw;
        }
    }

    static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Releases the codebook (and the recognizer when it was loaded with the folder).</summary>
    public void Dispose()
    {
        features.Dispose();
        Codebook.Dispose();
        if (ownsRecognizer) recognizer.Dispose();
    }
}

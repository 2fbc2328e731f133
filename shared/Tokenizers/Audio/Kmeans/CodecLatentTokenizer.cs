using System.Globalization;
using Media.Modeling.Devices;
using Media.Tokenizers.Audio.Codec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>
/// One token per <see cref="FramesPerToken"/> codec frames: the codec's latents as its first <see cref="Codebooks"/> RVQ
/// codebooks quantize them (the sum of their vectors) for that many consecutive frames, laid side by side
/// ([latent f ; latent f+1], so 50 frames/s become 25 tokens/s at 2), mapped to the nearest of K centroids. A token decodes
/// back through the codec's own decoder from its centroid, so no new network is trained: the single-codebook, low-rate
/// streams LeVo generates (mixed, vocal, accompaniment), at the cost of a coarser reconstruction than the codec's own
/// codes. Starting from codes, not audio, lets token caches made for the codec be re-tokenized without re-encoding. The
/// codec is the caller's (not disposed here).
/// </summary>
public sealed class CodecLatentTokenizer : IDisposable
{
    /// <summary>Metadata keys of the weights file that pin the codec and the grouping.</summary>
    const string FramesKey = "frames_per_token", CodebooksKey = "codec_codebooks", RateKey = "codec_sampling_rate", FrameRateKey = "codec_frame_rate", HiddenKey = "codec_hidden_size";

    readonly NeuralAudioCodec codec;

    /// <summary>A tokenizer over <paramref name="codec"/>'s latents with <paramref name="codebook"/> (owned from now on).</summary>
    public CodecLatentTokenizer(NeuralAudioCodec codec, KmeansCodebook codebook, int framesPerToken, int codebooks)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(codebook);
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerToken, 1);
        if (codebooks < 1 || codebooks > codec.Model.Quantizer.NumQuantizers)
            throw new ArgumentOutOfRangeException(nameof(codebooks), codebooks, $"The codec has 1 to {codec.Model.Quantizer.NumQuantizers} codebooks.");
        int hidden = codec.Model.Config.HiddenSize;
        if (codebook.Dimensions != hidden * framesPerToken)
            throw new ArgumentException($"The codebook has {codebook.Dimensions} dimensions; {framesPerToken} frames of the codec's {hidden}-wide latents need {hidden * framesPerToken}.", nameof(codebook));
        this.codec = codec;
        Codebook = codebook;
        FramesPerToken = framesPerToken;
        Codebooks = codebooks;
    }

    /// <summary>RVQ codebooks whose sum is clustered.</summary>
    public int Codebooks { get; }

    /// <summary>Centroids and standardisation.</summary>
    public KmeansCodebook Codebook { get; }

    /// <summary>Codec frames one token covers.</summary>
    public int FramesPerToken { get; }

    /// <summary>Number of tokens.</summary>
    public int VocabularySize => Codebook.VocabularySize;

    /// <summary>Sample rate of the audio it reads and writes (the codec's).</summary>
    public int SampleRate => codec.Model.Config.SamplingRate;

    /// <summary>Tokens per second.</summary>
    public double TokenRate => codec.Model.Config.FrameRate / (double)FramesPerToken;

    /// <summary>Samples one token decodes to.</summary>
    public int SamplesPerToken => FramesPerToken * (int)codec.Model.Config.HopLength;

    /// <summary>
    /// The grouped latent vectors [ceil(frames / g), g * hidden] of codec codes [codebook][frame] (at least
    /// <see cref="Codebooks"/> rows; the first that many are summed). The last group repeats its last frame when the frames
    /// do not divide.
    /// </summary>
    public Tensor LatentVectors(IReadOnlyList<IReadOnlyList<int>> codes) => LatentVectors(codec, codes, FramesPerToken, Codebooks);

    static Tensor LatentVectors(NeuralAudioCodec codec, IReadOnlyList<IReadOnlyList<int>> codes, int framesPerToken, int codebooks)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count < codebooks) throw new ArgumentException($"Give at least {codebooks} rows of codes; got {codes.Count}.", nameof(codes));
        int frames = codes[0].Count;
        if (frames == 0 || codes.Take(codebooks).Any(r => r.Count != frames))
            throw new ArgumentException("Every codebook row must hold the same, non-zero number of frames.", nameof(codes));
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        var matrix = tensor(codes.Take(codebooks).SelectMany(r => r.Select(v => (long)v)).ToArray(), [1, codebooks, frames]);
        var latents = codec.Model.Quantizer.Decode(matrix.to(codec.Model.Device)).squeeze(0).t().cpu(); // [frames, hidden]
        long rest = frames % framesPerToken;
        if (rest != 0) latents = cat([latents, latents[^1..].expand(framesPerToken - rest, -1)], 0);
        return latents.reshape(-1, framesPerToken * latents.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>The tokens of codec codes [codebook][frame].</summary>
    public int[] Tokens(IReadOnlyList<IReadOnlyList<int>> codes)
    {
        using var scope = NewDisposeScope();
        return Codebook.Assign(LatentVectors(codes));
    }

    /// <summary>The tokens of mono samples at <see cref="SampleRate"/> (encoded by the codec at <see cref="Codebooks"/> codebooks first).</summary>
    public int[] Encode(float[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length == 0) throw new ArgumentException("Give at least one sample.", nameof(samples));
        var codes = codec.Encode(Media.Audio.IO.AudioBuffer.FromMono(samples, SampleRate), Codebooks * codec.Model.Config.KbpsPerCodebook);
        return Tokens(codes.Codes);
    }

    /// <summary>The codec latents [1, hidden, tokens * g] the tokens stand for.</summary>
    public Tensor Latents(IReadOnlyList<int> tokens)
    {
        using var scope = NewDisposeScope();
        // Served processes run torch work inside the gate, so the finalizer thread never frees a temporary under libtorch.
        using var inFlight = FinalizerGate.Enter();
        var vectors = Codebook.Vectors(tokens); // [T, g * hidden]
        return vectors.reshape(-1, codec.Model.Config.HiddenSize).t().unsqueeze(0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The audio of <paramref name="tokens"/>, tokens x <see cref="SamplesPerToken"/> samples.</summary>
    public float[] Decode(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0) throw new ArgumentException("Give at least one token.", nameof(tokens));
        using var scope = NewDisposeScope();
        return codec.DecodeLatents(Latents(tokens), Codebooks).reshape(-1).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// Decodes <paramref name="tokens"/> <paramref name="tokensPerChunk"/> at a time through the codec's streaming decoder,
    /// yielding each piece as soon as it is determined; lazy, so a chunk's tokens are read only when it is decoded (a
    /// generator can fill the list while this runs behind it). One piece per chunk, in order: empty while a decoder with
    /// look-ahead has not seen enough, the last carrying the rest. The pieces add up to <see cref="Decode"/>'s audio.
    /// </summary>
    public IEnumerable<float[]> DecodeChunks(IReadOnlyList<int> tokens, int tokensPerChunk)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerChunk, 1);
        if (tokens.Count == 0) throw new ArgumentException("Give at least one token.", nameof(tokens));
        return Chunks(tokens, tokensPerChunk);
    }

    IEnumerable<float[]> Chunks(IReadOnlyList<int> tokens, int tokensPerChunk)
    {
        using var stream = codec.OpenStreamingDecoder(Codebooks);
        for (int start = 0; start < tokens.Count; start += tokensPerChunk)
        {
            int n = Math.Min(tokensPerChunk, tokens.Count - start);
            float[] piece;
            using (var scope = NewDisposeScope())
            {
                var ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = tokens[start + i];
                var audio = stream.PushLatents(Latents(ids));
                if (start + n >= tokens.Count) audio = cat([audio, stream.Flush()], 2);
                piece = audio.reshape(-1).cpu().data<float>().ToArray();
            }
            yield return piece;
        }
    }

    /// <summary>
    /// Fits a tokenizer of <paramref name="clusters"/> tokens to the latents of <paramref name="tracks"/> (codec codes
    /// [codebook][frame], at least <paramref name="codebooks"/> rows each): at most <paramref name="maxVectors"/> grouped
    /// vectors (a seeded subset), standardised, k-means++ then Lloyd.
    /// </summary>
    public static (CodecLatentTokenizer Tokenizer, KMeansFit Fit, long Vectors) Fit(NeuralAudioCodec codec, IEnumerable<IReadOnlyList<IReadOnlyList<int>>> tracks,
        int framesPerToken, int codebooks, int clusters, int iterations, int maxVectors, ulong seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(tracks);
        using var scope = NewDisposeScope();
        var vectors = cat([.. tracks.Select(t => LatentVectors(codec, t, framesPerToken, codebooks))], 0);
        var (codebook, fit) = KmeansCodebook.Fit(vectors, clusters, iterations, maxVectors, seed, device);
        fit.Centroids.MoveToOuterDisposeScope();
        return (new CodecLatentTokenizer(codec, codebook, framesPerToken, codebooks), fit, Math.Min(vectors.shape[0], maxVectors));
    }

    /// <summary>Writes the codebook (fp16) into <paramref name="folder"/>, with the grouping and the codec it belongs to.</summary>
    public void Save(string folder, IReadOnlyDictionary<string, object>? config = null)
    {
        var c = codec.Model.Config;
        Codebook.Save(folder,
            new Dictionary<string, string>
            {
                [FramesKey] = Str(FramesPerToken), [CodebooksKey] = Str(Codebooks), [RateKey] = Str(c.SamplingRate), [FrameRateKey] = Str(c.FrameRate), [HiddenKey] = Str(c.HiddenSize),
            },
            new Dictionary<string, object>(config ?? new Dictionary<string, object>())
            {
                ["kind"] = "codec-latent-kmeans", [FramesKey] = FramesPerToken, [CodebooksKey] = Codebooks, ["token_rate"] = TokenRate, [RateKey] = c.SamplingRate,
            });
    }

    /// <summary>Loads a folder written by <see cref="Save"/> over <paramref name="codec"/>, which must be the codec it was fitted on.</summary>
    public static CodecLatentTokenizer Load(string folder, NeuralAudioCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var (codebook, metadata) = KmeansCodebook.Load(folder);
        try
        {
            var c = codec.Model.Config;
            int frames = KmeansCodebook.MetadataInt(metadata, FramesKey, folder);
            if (KmeansCodebook.MetadataInt(metadata, RateKey, folder) != c.SamplingRate || KmeansCodebook.MetadataInt(metadata, HiddenKey, folder) != c.HiddenSize
                || Math.Abs(double.Parse(metadata.TryGetValue(FrameRateKey, out var r) ? r : "0", CultureInfo.InvariantCulture) - c.FrameRate) > 1e-9)
                throw new InvalidDataException($"The tokenizer at '{folder}' was fitted on another codec ({metadata.GetValueOrDefault(RateKey)} Hz, "
                    + $"{metadata.GetValueOrDefault(FrameRateKey)} frames/s, {metadata.GetValueOrDefault(HiddenKey)} wide); this codec is {c.SamplingRate} Hz, {c.FrameRate} frames/s, {c.HiddenSize} wide.");
            return new CodecLatentTokenizer(codec, codebook, frames, KmeansCodebook.MetadataInt(metadata, CodebooksKey, folder));
        }
        catch
        {
            codebook.Dispose();
            throw;
        }
    }

    static string Str(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Releases the codebook (not the codec).</summary>
    public void Dispose() => Codebook.Dispose();
}

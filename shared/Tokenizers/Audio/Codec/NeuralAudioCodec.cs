using Media.Audio.IO;
using Media.Modeling.Checkpoints;
using Media.Modeling.Devices;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Vocos;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Codec;

/// <summary>
/// An <see cref="EncodecModel"/> as a codec for whole files: any WAV in (mixed or spread to the codec's
/// channels, resampled to its rate) to <see cref="CodecCodes"/>, and codes back to audio at the codec's rate. A codec
/// folder may also hold a <see cref="VocosDecoder"/> (<see cref="VocosConfigFile"/>, <see cref="VocosWeightsFile"/>) trained
/// on the same codes; it then decodes in place of EnCodec's decoder, offline and streaming alike.
/// </summary>
public sealed class NeuralAudioCodec : IDisposable
{
    /// <summary>The file beside a codec's weights that holds its Vocos decoder's sizes.</summary>
    public const string VocosConfigFile = "vocos.json";

    /// <summary>The file beside a codec's weights that holds its Vocos decoder's weights.</summary>
    public const string VocosWeightsFile = "vocos.safetensors";

    /// <summary>Wraps <paramref name="model"/> and, when given, the <paramref name="vocos"/> decoder of its codes (both owned: disposed with the codec).</summary>
    public NeuralAudioCodec(EncodecModel model, VocosDecoder? vocos = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        vocos?.Config.CheckReads(model.Config, nameof(vocos));
        Model = model;
        Vocos = vocos;
        vocos?.to(model.Device).eval();
    }

    /// <summary>The network (encoder, codebooks and EnCodec's decoder).</summary>
    public EncodecModel Model { get; }

    /// <summary>The Vocos decoder that decodes in place of EnCodec's, when the folder holds one.</summary>
    public VocosDecoder? Vocos { get; }

    /// <summary>Which decoder turns codes into audio: <c>vocos</c> or <c>encodec</c>.</summary>
    public string DecoderName => Vocos is null ? "encodec" : "vocos";

    /// <summary>
    /// Loads a codec from a folder holding <c>model.safetensors</c> (and <c>config.json</c>; with its Vocos decoder when
    /// <see cref="VocosConfigFile"/> and <see cref="VocosWeightsFile"/> are there, unless <paramref name="encodecDecoder"/>), or from a
    /// checkpoint file in the HF or the original EnCodec layout (config from <c>config.json</c> beside it,
    /// else the 24 kHz configuration), or from Vocos's public <c>vocos-encodec-24khz</c> folder (<c>pytorch_model.bin</c>
    /// and <c>config.yaml</c>: EnCodec 24 kHz with the Vocos decoder, <see cref="VocosCheckpoint"/>).
    /// </summary>
    public static NeuralAudioCodec Load(string path, Device? device = null, bool encodecDecoder = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file = path;
        if (Directory.Exists(path))
        {
            // Vocos's public charactr/vocos-encodec-24khz folder: EnCodec 24 kHz and the Vocos decoder in one file.
            if (!File.Exists(Path.Combine(path, "model.safetensors")) && File.Exists(Path.Combine(path, "pytorch_model.bin")) && File.Exists(Path.Combine(path, "config.yaml")))
                return VocosCheckpoint.LoadEncodec(Path.Combine(path, "pytorch_model.bin"), device);
            file = Path.Combine(path, "model.safetensors");
            if (!File.Exists(file))
                throw new FileNotFoundException($"Codec folder '{path}' has no model.safetensors; give the folder of a trained codec or an EnCodec checkpoint file.", file);
        }
        else if (!File.Exists(path))
            throw new FileNotFoundException($"Codec checkpoint '{path}' does not exist.", path);
        var model = EncodecCheckpoint.Load(file, device: device);
        string folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        string vocosConfig = Path.Combine(folder, VocosConfigFile), vocosWeights = Path.Combine(folder, VocosWeightsFile);
        if (!File.Exists(vocosConfig) || !File.Exists(vocosWeights)) return new NeuralAudioCodec(model);
        try
        {
            var config = VocosConfig.Load(vocosConfig);
            if (encodecDecoder)
            {
                if (config.ReplacesDecoder)
                    throw new InvalidOperationException($"'{folder}' trained its encoder with its Vocos decoder: EnCodec's decoder there was not trained on its codes.");
                return new NeuralAudioCodec(model);
            }
            var vocos = new VocosDecoder(config);
            Checkpoint.LoadModel(vocos, vocosWeights, device: model.Device);
            return new NeuralAudioCodec(model, vocos);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Encodes <paramref name="audio"/> at <paramref name="bandwidthKbps"/> (all codebooks when null).</summary>
    public CodecCodes Encode(AudioBuffer audio, double? bandwidthKbps = null)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var config = Model.Config;
        int codebooks = Model.CodebooksFor(bandwidthKbps);
        using var scope = NewDisposeScope();
        var (samples, length) = Samples(audio);
        var codes = Model.Encode(samples, bandwidthKbps).squeeze(0).cpu();
        var flat = codes.data<long>().ToArray();
        int frames = (int)codes.shape[1];
        var rows = Enumerable.Range(0, codebooks).Select(k => (IReadOnlyList<int>)[.. flat.AsSpan(k * frames, frames).ToArray().Select(v => (int)v)]).ToList();
        return new CodecCodes
        {
            SampleRate = config.SamplingRate,
            Channels = config.AudioChannels,
            Samples = length,
            FrameRate = config.FrameRate,
            CodebookSize = config.CodebookSize,
            BandwidthKbps = codebooks * config.KbpsPerCodebook,
            Codes = rows,
        };
    }

    /// <summary>
    /// <paramref name="audio"/> encoded at <paramref name="codebooks"/> codebooks and decoded, cut to its length: what those
    /// codes keep of it.
    /// </summary>
    public AudioBuffer Reconstruct(AudioBuffer audio, int codebooks) => Decode(Encode(audio, codebooks * Model.Config.KbpsPerCodebook));

    /// <summary>
    /// <paramref name="audio"/> through the encoder and the decoder with no quantizer between them (the continuous latents
    /// as they are), cut to its length: what the codes could give at unlimited bandwidth.
    /// </summary>
    public AudioBuffer ReconstructUnquantized(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var config = Model.Config;
        using var scope = NewDisposeScope();
        var (samples, length) = Samples(audio);
        var latents = Model.EncodeLatents(samples);
        // The Vocos decoder reads them at its richest condition, the nearest it was trained on.
        var decoded = DecodeLatents(latents, Model.Quantizer.NumQuantizers).squeeze(0).narrow(-1, 0, length).cpu();
        return new AudioBuffer([.. Enumerable.Range(0, config.AudioChannels).Select(c => decoded[c].data<float>().ToArray())], config.SamplingRate);
    }

    // The audio at the codec's channels and rate as [1, channels, T] (in the caller's dispose scope), and T.
    (Tensor Samples, int Length) Samples(AudioBuffer audio)
    {
        var config = Model.Config;
        var prepared = audio.WithChannels(config.AudioChannels).Resample(config.SamplingRate);
        return (tensor(prepared.Channels.SelectMany(c => c).ToArray(), [1, config.AudioChannels, prepared.Length]), prepared.Length);
    }

    /// <summary>Decodes codes made by this codec (rate, frame rate and codebook size must match) to audio.</summary>
    public AudioBuffer Decode(CodecCodes codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var config = Model.Config;
        if (codes.SampleRate != config.SamplingRate || codes.FrameRate != config.FrameRate || codes.CodebookSize != config.CodebookSize || codes.Channels != config.AudioChannels)
            throw new ArgumentException(
                $"These codes were made by a codec at {codes.SampleRate} Hz, {codes.FrameRate} frames/s, {codes.CodebookSize} codes per codebook, {codes.Channels} channel(s); "
                + $"this codec is {config.SamplingRate} Hz, {config.FrameRate} frames/s, {config.CodebookSize} codes, {config.AudioChannels} channel(s).", nameof(codes));
        var audio = DecodeMatrix(codes.Codes);
        long keep = Math.Min(codes.Samples, audio.Length);
        return keep == audio.Length ? audio : new AudioBuffer([.. audio.Channels.Select(c => c.AsSpan(0, (int)keep).ToArray())], audio.SampleRate);
    }

    /// <summary>Decodes a bare code matrix [codebook][frame] (as the audio-decode job carries) to frames x hop samples.</summary>
    public AudioBuffer DecodeMatrix(IReadOnlyList<IReadOnlyList<int>> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var config = Model.Config;
        if (codes.Count == 0 || codes.Count > Model.Quantizer.NumQuantizers)
            throw new ArgumentException($"Give 1 to {Model.Quantizer.NumQuantizers} rows of codes (one per codebook); got {codes.Count}.", nameof(codes));
        int frames = codes[0].Count;
        if (frames == 0 || codes.Any(r => r.Count != frames))
            throw new ArgumentException("Every codebook row must hold the same, non-zero number of frames.", nameof(codes));
        using var scope = NewDisposeScope();
        var matrix = tensor(codes.SelectMany(r => r.Select(v => (long)v)).ToArray(), [1, codes.Count, frames]);
        var audio = DecodeCodes(matrix).squeeze(0).cpu().contiguous();
        var flat = audio.data<float>().ToArray();
        int length = (int)audio.shape[1];
        var channels = Enumerable.Range(0, config.AudioChannels).Select(c => flat.AsSpan(c * length, length).ToArray()).ToArray();
        return new AudioBuffer(channels, config.SamplingRate);
    }

    /// <summary>
    /// Decodes a code matrix [codebook][frame] <paramref name="framesPerChunk"/> frames at a time through the streaming
    /// decoder (its state carried between chunks, so the audio equals <see cref="DecodeMatrix"/>'s to float rounding),
    /// yielding each piece of audio as soon as it is determined. Lazy: a chunk's codes are read only when it is decoded,
    /// so memory stays bounded by the chunk whatever the length, and a caller stops it between chunks by not asking for more.
    /// One piece per chunk, in order, so a generator can fill the rows while this runs a chunk behind it: a decoder with
    /// look-ahead (Vocos: 27 frames) gives empty pieces until it has seen enough, and the last piece carries the rest.
    /// </summary>
    public IEnumerable<AudioBuffer> DecodeChunks(IReadOnlyList<IReadOnlyList<int>> codes, int framesPerChunk)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerChunk, 1);
        if (codes.Count == 0 || codes.Count > Model.Quantizer.NumQuantizers)
            throw new ArgumentException($"Give 1 to {Model.Quantizer.NumQuantizers} rows of codes (one per codebook); got {codes.Count}.", nameof(codes));
        int frames = codes[0].Count;
        if (frames == 0 || codes.Any(r => r.Count != frames))
            throw new ArgumentException("Every codebook row must hold the same, non-zero number of frames.", nameof(codes));
        return Chunks(codes, frames, framesPerChunk);
    }

    /// <summary>Codes <c>[B, n, frames]</c> to audio <c>[B, channels, frames * hop]</c> through the codec's decoder (Vocos when it has one).</summary>
    public Tensor DecodeCodes(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (Vocos is null) return Model.Decode(codes);
        Model.CheckCodes(codes, nameof(codes));
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return DecodeLatents(Model.Quantizer.Decode(codes.to(ScalarType.Int64, Model.Device)), (int)codes.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Latents <c>[B, hidden, frames]</c> (quantized or not) to audio <c>[B, channels, frames * hop]</c> through the codec's decoder;
    /// the Vocos decoder reads them at the condition of <paramref name="codebooks"/> codebooks (what they stand for).
    /// </summary>
    public Tensor DecodeLatents(Tensor latents, int codebooks)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (Vocos is null) return Model.DecodeLatents(latents);
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return Vocos.Decode(latents.to(ScalarType.Float32, Model.Device), codebooks).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Opens a streaming decoder through the codec's decoder; pushed latents stand for <paramref name="codebooks"/> codebooks
    /// (pushed codes say it themselves). Dispose it (or flush it) when done.
    /// </summary>
    public ICodecStreamingDecoder OpenStreamingDecoder(int? codebooks = null) =>
        Vocos is null ? Model.OpenStreamingDecoder() : new VocosStreamingDecoder(Vocos, Model.Quantizer, Model.Device, codebooks);

    IEnumerable<AudioBuffer> Chunks(IReadOnlyList<IReadOnlyList<int>> codes, int frames, int framesPerChunk)
    {
        using var stream = OpenStreamingDecoder();
        var values = new long[codes.Count * framesPerChunk];
        for (int start = 0; start < frames; start += framesPerChunk)
        {
            int n = Math.Min(framesPerChunk, frames - start);
            for (int q = 0; q < codes.Count; q++)
                for (int f = 0; f < n; f++) values[q * n + f] = codes[q][start + f];
            AudioBuffer piece;
            using (var scope = NewDisposeScope())
            {
                var chunk = tensor(values.AsSpan(0, codes.Count * n).ToArray(), [1, codes.Count, n]);
                var audio = stream.Push(chunk);
                // The last chunk carries the stream's tail with it, so the pieces match the chunks one to one.
                if (start + n >= frames) audio = cat([audio, stream.Flush()], 2);
                piece = ToBuffer(audio);
            }
            yield return piece;
        }
    }

    AudioBuffer ToBuffer(Tensor audio)
    {
        var samples = audio.squeeze(0).cpu().contiguous();
        int length = (int)samples.shape[1];
        // A decoder with look-ahead (Vocos) gives nothing for its first chunks.
        var flat = length == 0 ? [] : samples.data<float>().ToArray();
        return new AudioBuffer([.. Enumerable.Range(0, Model.Config.AudioChannels).Select(c => flat.AsSpan(c * length, length).ToArray())], Model.Config.SamplingRate);
    }

    /// <summary>Disposes the networks.</summary>
    public void Dispose()
    {
        Vocos?.Dispose();
        Model.Dispose();
    }
}

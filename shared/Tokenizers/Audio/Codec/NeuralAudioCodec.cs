using Media.Audio.IO;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Codec;

/// <summary>
/// An <see cref="EncodecModel"/> as a codec for whole files: any WAV in (mixed or spread to the codec's
/// channels, resampled to its rate) to <see cref="CodecCodes"/>, and codes back to audio at the codec's rate.
/// </summary>
public sealed class NeuralAudioCodec : IDisposable
{
    /// <summary>Wraps <paramref name="model"/> (owned: disposed with the codec).</summary>
    public NeuralAudioCodec(EncodecModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The network.</summary>
    public EncodecModel Model { get; }

    /// <summary>
    /// Loads a codec from a folder holding <c>model.safetensors</c> (and <c>config.json</c>), or from a
    /// checkpoint file in the HF or the original EnCodec layout (config from <c>config.json</c> beside it,
    /// else the 24 kHz configuration).
    /// </summary>
    public static NeuralAudioCodec Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file = path;
        if (Directory.Exists(path))
        {
            file = Path.Combine(path, "model.safetensors");
            if (!File.Exists(file))
                throw new FileNotFoundException($"Codec folder '{path}' has no model.safetensors; give the folder of a trained codec or an EnCodec checkpoint file.", file);
        }
        else if (!File.Exists(path))
            throw new FileNotFoundException($"Codec checkpoint '{path}' does not exist.", path);
        return new NeuralAudioCodec(EncodecCheckpoint.Load(file, device: device));
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
    /// <paramref name="audio"/> through the encoder and the decoder with no quantizer between them (the continuous latents
    /// as they are), cut to its length: what the codes could give at unlimited bandwidth.
    /// </summary>
    public AudioBuffer ReconstructUnquantized(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var config = Model.Config;
        using var scope = NewDisposeScope();
        var (samples, length) = Samples(audio);
        var decoded = Model.DecodeLatents(Model.EncodeLatents(samples)).squeeze(0).narrow(-1, 0, length).cpu();
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
        var audio = Model.Decode(matrix).squeeze(0).cpu().contiguous();
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

    IEnumerable<AudioBuffer> Chunks(IReadOnlyList<IReadOnlyList<int>> codes, int frames, int framesPerChunk)
    {
        using var stream = Model.OpenStreamingDecoder();
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
            if (piece.Length > 0) yield return piece;
        }
    }

    AudioBuffer ToBuffer(Tensor audio)
    {
        var samples = audio.squeeze(0).cpu().contiguous();
        var flat = samples.data<float>().ToArray();
        int length = (int)samples.shape[1];
        return new AudioBuffer([.. Enumerable.Range(0, Model.Config.AudioChannels).Select(c => flat.AsSpan(c * length, length).ToArray())], Model.Config.SamplingRate);
    }

    /// <summary>Disposes the network.</summary>
    public void Dispose() => Model.Dispose();
}

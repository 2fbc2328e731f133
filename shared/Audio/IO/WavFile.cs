using System.Buffers.Binary;
using NAudio.Wave;

namespace Media.Audio.IO;

/// <summary>
/// WAV read/write through NAudio. Reads integer PCM (8/16/24/32-bit) and IEEE float (32/64-bit), plain or
/// WAVE_FORMAT_EXTENSIBLE, any channel count, into planar floats. Anything else (empty, truncated,
/// not RIFF/WAVE, compressed encodings) raises <see cref="AudioFormatException"/> with the reason.
/// </summary>
public static class WavFile
{
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the sub-format GUIDs of WAVE_FORMAT_EXTENSIBLE.
    static readonly Guid PcmSubFormat = new("00000001-0000-0010-8000-00aa00389b71");
    static readonly Guid FloatSubFormat = new("00000003-0000-0010-8000-00aa00389b71");

    /// <summary>Reads a WAV file.</summary>
    public static AudioBuffer Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads WAV bytes from a stream (read to its end; the stream stays open).</summary>
    public static AudioBuffer Read(Stream stream) => Read(stream, "the stream");

    /// <summary>Reads WAV bytes held in memory.</summary>
    public static AudioBuffer Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        return Read(stream, "the bytes");
    }

    static AudioBuffer Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // NAudio needs a seekable stream whose RIFF header is at offset 0; copy anything else (an upload body) into memory.
        if (!stream.CanSeek || stream.Position != 0)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long riffStart = stream.Position;
        long available = stream.Length - riffStart;
        if (available <= 0) throw new AudioFormatException($"Cannot read WAV from {source}: it is empty (0 bytes).");
        if (available < 12 || !HasRiffWaveHeader(stream))
            throw new AudioFormatException($"Cannot read WAV from {source}: it does not start with a RIFF/WAVE header (is it MP3, Ogg or raw PCM?).");

        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(stream);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidDataException or ArgumentException or IOException or OverflowException)
        {
            throw new AudioFormatException($"Cannot read WAV from {source}: the header is broken or truncated ({e.Message}).", e);
        }
        using (reader)
        {
            var format = reader.WaveFormat;
            var kind = SampleKind(format, source);
            int channels = format.Channels, bytesPerSample = format.BitsPerSample / 8;
            if (channels <= 0) throw new AudioFormatException($"Cannot read WAV from {source}: it declares {channels} channels.");
            if (format.SampleRate <= 0) throw new AudioFormatException($"Cannot read WAV from {source}: it declares a sample rate of {format.SampleRate} Hz.");
            int frameBytes = channels * bytesPerSample;
            if (format.BlockAlign != frameBytes)
                throw new AudioFormatException($"Cannot read WAV from {source}: block align {format.BlockAlign} does not match {channels} channels of {format.BitsPerSample} bits.");

            // The data chunk is read from the input as its header declares it (NAudio would trim a truncated one silently).
            var (declared, dataStart) = DataChunk(stream, riffStart, source);
            long present = stream.Length - dataStart;
            if (declared == uint.MaxValue)
            {
                // A WAV written while its length was unknown (a stream, ours included) marks the size 0xFFFFFFFF:
                // the data runs to the end of the input; a last partial frame is dropped.
                declared = present - present % frameBytes;
            }
            else
            {
                if (declared > available)
                    throw new AudioFormatException($"Cannot read WAV from {source}: it is truncated (the data chunk declares {declared} bytes, the whole input is {available}).");
                if (present < declared)
                    throw new AudioFormatException($"Cannot read WAV from {source}: it is truncated (the data chunk declares {declared} bytes, only {present} are present).");
                if (declared % frameBytes != 0)
                    throw new AudioFormatException($"Cannot read WAV from {source}: the data chunk ({declared} bytes) is not a whole number of {frameBytes}-byte frames.");
            }
            var data = new byte[declared];
            stream.Position = dataStart;
            stream.ReadExactly(data);

            int frames = (int)(declared / frameBytes);
            var planar = new float[channels][];
            for (int c = 0; c < channels; c++) planar[c] = new float[frames];
            var span = data.AsSpan();
            for (int f = 0, offset = 0; f < frames; f++)
                for (int c = 0; c < channels; c++, offset += bytesPerSample)
                    planar[c][f] = Decode(span.Slice(offset, bytesPerSample), kind);
            return new AudioBuffer(planar, format.SampleRate);
        }
    }

    // Walks the RIFF chunk list (id, little-endian size, body padded to even length) to the "data" chunk: its declared size and where its bytes start.
    static (long Size, long Start) DataChunk(Stream stream, long riffStart, string source)
    {
        long start = stream.Position;
        try
        {
            using var binary = new BinaryReader(stream, System.Text.Encoding.ASCII, leaveOpen: true);
            stream.Position = riffStart + 12; // past "RIFF", the file size and "WAVE"
            while (stream.Length - stream.Position >= 8)
            {
                var id = binary.ReadBytes(4);
                uint size = binary.ReadUInt32();
                if (id.AsSpan().SequenceEqual("data"u8)) return (size, stream.Position);
                // A chunk that claims more bytes than the input holds cannot be followed by a data chunk (and a
                // position past 2 GiB would make the stream throw: found by fuzzing, docs/SECURITY.md).
                long next = stream.Position + size + (size & 1);
                if (next > stream.Length) break;
                stream.Position = next;
            }
            throw new AudioFormatException($"Cannot read WAV from {source}: it has no data chunk.");
        }
        finally
        {
            stream.Position = start;
        }
    }

    static bool HasRiffWaveHeader(Stream stream)
    {
        long start = stream.Position;
        Span<byte> header = stackalloc byte[12];
        stream.ReadExactly(header);
        stream.Position = start;
        return (header[..4].SequenceEqual("RIFF"u8) || header[..4].SequenceEqual("RF64"u8)) && header[8..12].SequenceEqual("WAVE"u8);
    }

    enum Kind { UInt8, Int16, Int24, Int32, Float32, Float64 }

    static Kind SampleKind(WaveFormat format, string source)
    {
        var encoding = format.Encoding;
        if (encoding == WaveFormatEncoding.Extensible)
        {
            // NAudio may hand back the raw extra bytes: valid bits (2), channel mask (4), then the sub-format GUID (16).
            Guid? subFormat = format switch
            {
                WaveFormatExtensible extensible => extensible.SubFormat,
                WaveFormatExtraData extra when extra.ExtraData.Length >= 22 => new Guid(extra.ExtraData.AsSpan(6, 16)),
                _ => null,
            };
            if (subFormat == PcmSubFormat) encoding = WaveFormatEncoding.Pcm;
            else if (subFormat == FloatSubFormat) encoding = WaveFormatEncoding.IeeeFloat;
            else throw new AudioFormatException($"Cannot read WAV from {source}: the extensible sub-format {subFormat?.ToString() ?? "(missing)"} is not PCM or IEEE float.");
        }
        return (encoding, format.BitsPerSample) switch
        {
            (WaveFormatEncoding.Pcm, 8) => Kind.UInt8,
            (WaveFormatEncoding.Pcm, 16) => Kind.Int16,
            (WaveFormatEncoding.Pcm, 24) => Kind.Int24,
            (WaveFormatEncoding.Pcm, 32) => Kind.Int32,
            (WaveFormatEncoding.IeeeFloat, 32) => Kind.Float32,
            (WaveFormatEncoding.IeeeFloat, 64) => Kind.Float64,
            (WaveFormatEncoding.Pcm or WaveFormatEncoding.IeeeFloat, var bits) =>
                throw new AudioFormatException($"Cannot read WAV from {source}: {bits}-bit {encoding} samples are not supported (PCM 8/16/24/32, float 32/64 are)."),
            _ => throw new AudioFormatException($"Cannot read WAV from {source}: the encoding {encoding} is not supported; convert it to PCM or IEEE float WAV first."),
        };
    }

    static float Decode(ReadOnlySpan<byte> b, Kind kind) => kind switch
    {
        Kind.UInt8 => (b[0] - 128) / 128f,
        Kind.Int16 => Pcm16.ToFloat(BinaryPrimitives.ReadInt16LittleEndian(b)),
        Kind.Int24 => ((b[0] | (b[1] << 8) | (b[2] << 16)) << 8 >> 8) / 8388608f,
        Kind.Int32 => (float)(BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0),
        Kind.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
        _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    /// <summary>Writes <paramref name="audio"/> to a WAV file (integer formats clip to [-1, 1)).</summary>
    public static void Write(string path, AudioBuffer audio, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.Create(path);
        Write(stream, audio, format);
    }

    /// <summary>The WAV file bytes of <paramref name="audio"/>.</summary>
    public static byte[] ToBytes(AudioBuffer audio, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        using var stream = new MemoryStream();
        Write(stream, audio, format);
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="audio"/> as WAV to a stream (left open).</summary>
    public static void Write(Stream stream, AudioBuffer audio, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(audio);
        var waveFormat = format switch
        {
            WavSampleFormat.Pcm16 => new WaveFormat(audio.SampleRate, 16, audio.ChannelCount),
            WavSampleFormat.Pcm24 => new WaveFormat(audio.SampleRate, 24, audio.ChannelCount),
            WavSampleFormat.Pcm32 => new WaveFormat(audio.SampleRate, 32, audio.ChannelCount),
            WavSampleFormat.IeeeFloat32 => WaveFormat.CreateIeeeFloatWaveFormat(audio.SampleRate, audio.ChannelCount),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown WAV sample format."),
        };
        int bytesPerSample = waveFormat.BitsPerSample / 8;
        var data = new byte[(long)audio.Length * audio.ChannelCount * bytesPerSample];
        var span = data.AsSpan();
        for (int f = 0, offset = 0; f < audio.Length; f++)
            for (int c = 0; c < audio.ChannelCount; c++, offset += bytesPerSample)
                Encode(span.Slice(offset, bytesPerSample), audio.Channels[c][f], format);
        using var writer = new WaveFileWriter(stream, waveFormat);
        writer.Write(data, 0, data.Length);
    }

    // Integer scaling by 2^(bits-1) with clipping, the inverse of Decode, so a file read and written back is bit-exact.
    static void Encode(Span<byte> b, float x, WavSampleFormat format)
    {
        double v = float.IsNaN(x) ? 0 : x;
        switch (format)
        {
            case WavSampleFormat.Pcm16:
                BinaryPrimitives.WriteInt16LittleEndian(b, Pcm16.FromFloat(x));
                break;
            case WavSampleFormat.Pcm24:
                int s24 = (int)Math.Clamp(Math.Round(v * 8388608.0), -8388608, 8388607);
                b[0] = (byte)s24; b[1] = (byte)(s24 >> 8); b[2] = (byte)(s24 >> 16);
                break;
            case WavSampleFormat.Pcm32:
                BinaryPrimitives.WriteInt32LittleEndian(b, (int)Math.Clamp(Math.Round(v * 2147483648.0), int.MinValue, int.MaxValue));
                break;
            default:
                BinaryPrimitives.WriteSingleLittleEndian(b, x);
                break;
        }
    }
}

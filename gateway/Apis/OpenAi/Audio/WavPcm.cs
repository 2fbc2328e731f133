using NAudio.Wave;

namespace Media.Gateway.Apis.OpenAi.Audio;

/// <summary>The samples of a WAV artifact as interleaved 16-bit PCM (read by NAudio; float or 24-bit WAVs are converted).</summary>
internal static class WavPcm
{
    public static (short[] Samples, int SampleRate, int Channels) Read(byte[] wav)
    {
        using var reader = new WaveFileReader(new MemoryStream(wav));
        var format = reader.WaveFormat;
        if (format.Encoding == WaveFormatEncoding.Pcm && format.BitsPerSample == 16)
        {
            var bytes = new byte[reader.Length];
            int read = reader.Read(bytes.AsSpan());
            return (SpeechEncoder.Samples(bytes.AsSpan(0, read - read % 2)), format.SampleRate, format.Channels);
        }
        var provider = reader.ToSampleProvider();
        var samples = new List<short>();
        var buffer = new float[4096];
        int n;
        while ((n = provider.Read(buffer.AsSpan())) > 0)
            for (int i = 0; i < n; i++) samples.Add((short)Math.Round(Math.Clamp(buffer[i], -1f, 1f) * short.MaxValue));
        return ([.. samples], format.SampleRate, format.Channels);
    }
}

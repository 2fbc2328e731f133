using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Media.Audio.Formats;

/// <summary>
/// A format encoded by the <c>ffmpeg</c> program (Debian's <c>ffmpeg</c>) through pipes: 16-bit PCM goes
/// to its standard input as it comes, the encoded stream is read from its standard output on a
/// background task, and each call returns what ffmpeg has written so far (the muxer flushes every
/// packet). Used for AAC (ffmpeg's native encoder, ADTS frames) and FLAC; it can also write MP3 through
/// ffmpeg's libmp3lame, which <c>media bench encoders</c> compares with the in-process LAME encoder.
/// </summary>
public sealed class FfmpegEncoder : AudioEncoder
{
    /// <summary>The Debian package with the ffmpeg program.</summary>
    public const string Package = "ffmpeg";

    const string Program = "ffmpeg";
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    static readonly Lazy<string> Encoders = new(ListEncoders);

    readonly AudioFormat format;
    readonly MemoryStream output = new();
    readonly Lock gate = new();
    Process? process;
    Task? reader;
    Task<string>? errors;

    /// <summary>An encoder of <paramref name="format"/>: aac, flac or mp3.</summary>
    public FfmpegEncoder(AudioFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (Codec(format.Name) is null) throw new ArgumentException($"ffmpeg is not used for {format.Name} here.", nameof(format));
        this.format = format;
    }

    public override AudioFormat Format => format;

    /// <summary>Whether the ffmpeg program here has the encoder <paramref name="format"/> needs.</summary>
    public static bool Supports(string format) =>
        Codec(format) is { } codec && Encoders.Value.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var name, ..] && name == codec);

    static string? Codec(string format) => format switch
    {
        "aac" => "aac",
        "flac" => "flac",
        "mp3" => "libmp3lame",
        _ => null,
    };

    protected override void Begin(int sampleRate, int channels)
    {
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error",
            // No input probing: ffmpeg would otherwise read 5 s of audio (analyzeduration) before encoding any of it.
            "-probesize", "32", "-analyzeduration", "0", "-fflags", "+nobuffer",
            "-f", "s16le", "-ar", sampleRate.ToString(CultureInfo.InvariantCulture), "-ac", channels.ToString(CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-c:a", Codec(format.Name)!,
        };
        args.AddRange(format.Name switch
        {
            "aac" => ["-b:a", $"{64 * channels}k", "-f", "adts"],
            "mp3" => ["-b:a", $"{LameMp3Encoder.KilobitsPerChannel * channels}k", "-write_xing", "0", "-f", "mp3"],
            _ => ["-f", "flac"],
        });
        args.AddRange(["-flush_packets", "1", "pipe:1"]);
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        }
        catch (Win32Exception)
        {
            throw new EncoderUnavailableException(format);
        }
        var stdout = process.StandardOutput.BaseStream;
        reader = Task.Run(async () =>
        {
            var buffer = new byte[16384];
            int n;
            while ((n = await stdout.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                lock (gate) output.Write(buffer, 0, n);
        });
        errors = process.StandardError.ReadToEndAsync();
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        var input = process!.StandardInput.BaseStream;
        input.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(interleaved));
        input.Flush();
        return TakeOutput();
    }

    protected override byte[] Drain()
    {
        process!.StandardInput.Close();
        if (!process.WaitForExit(ExitTimeout)) throw new TimeoutException($"ffmpeg did not finish the {format.Name} stream within {ExitTimeout.TotalSeconds} s.");
        reader!.Wait(ExitTimeout);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg failed to encode {format.Name} (exit {process.ExitCode}): {errors!.Result.Trim()}");
        return TakeOutput();
    }

    byte[] TakeOutput()
    {
        lock (gate)
        {
            var bytes = output.ToArray();
            output.SetLength(0);
            return bytes;
        }
    }

    static string ListEncoders()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Program, "-hide_banner -encoders")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return "";
            var errors = process.StandardError.ReadToEndAsync();
            string list = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = errors.Result;
            return process.ExitCode == 0 ? list : "";
        }
        catch (Win32Exception)
        {
            return ""; // not installed
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && process is not null)
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException)
            {
                // it ended meanwhile
            }
            process.Dispose();
            process = null;
        }
        base.Dispose(disposing);
    }
}

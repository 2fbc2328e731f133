using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Media.Audio.Formats;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench encoders</c>: each audio output encoder fed as a streamed speech job feeds it (100 ms
/// chunks of 24 kHz mono), side by side in one run. For each: the first audio — milliseconds from the
/// first chunk handed over until the first encoded audio can be sent, chunks arriving in real time (an
/// ffmpeg encoder starts its process at the first chunk, so that counts) — and the CPU seconds per second of audio, in-process and in ffmpeg's process
/// (getrusage of waited-for children), after a one-second warm-up run of each. MP3 is measured both ways (LAME in-process and ffmpeg), which is
/// how its encoder was chosen.
/// </summary>
internal sealed class EncodersBenchCommand : Command<EncodersBenchCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--seconds")][Description("Seconds of audio per encoder")][DefaultValue(20.0)] public double Seconds { get; init; } = 20.0;
        [CommandOption("--rate")][Description("Sample rate of the speech, Hz")][DefaultValue(24000)] public int Rate { get; init; } = 24000;

        public override ValidationResult Validate() =>
            Seconds is > 0 and <= 600 && Rate is >= 8000 and <= 48000 ? ValidationResult.Success() : ValidationResult.Error("--seconds in (0, 600], --rate in [8000, 48000].");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        short[] speech = SpeechLike(settings.Rate, settings.Seconds);
        int chunk = settings.Rate / 10;
        var encoders = AudioEncoders.Detect();
        var runs = new List<(string Name, Func<AudioEncoder> Create)>();
        foreach (var format in AudioFormat.All)
        {
            if (!encoders.IsAvailable(format.Name)) continue;
            runs.Add(($"{format.Name} ({format.Library})", () => encoders.Create(format.Name)));
        }
        if (FfmpegEncoder.Supports("mp3")) runs.Add(("mp3 (ffmpeg's libmp3lame, through a pipe)", () => new FfmpegEncoder(AudioFormat.Mp3)));

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{settings.Seconds:F0} s of speech-like audio, {settings.Rate} Hz mono, 100 ms chunks"));
        Console.Out.WriteLine($"{"encoder",-48} {"first audio ms",14} {"cpu s per audio s",18} {"kbps",7}");
        foreach (var (name, create) in runs)
        {
            Cpu(create, speech.AsSpan(0, settings.Rate).ToArray(), chunk, settings.Rate); // warm-up: JIT and native libraries loaded, as in a running server
            double first = FirstAudio(create, speech, chunk, settings.Rate);
            var (cpu, bytes) = Cpu(create, speech, chunk, settings.Rate);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-48} {first,14:F2} {cpu / settings.Seconds,18:F4} {bytes * 8 / settings.Seconds / 1000,7:F1}"));
        }
        foreach (var missing in encoders.Missing) Console.Out.WriteLine($"{missing.Name}: not measured, install {missing.Package}");
        return 0;
    }

    /// <summary>
    /// Milliseconds from the first chunk until the encoder has audio to send, with chunks handed over in real
    /// time (one every 100 ms, as a speech job streams them) and the encoder polled every millisecond between.
    /// </summary>
    static double FirstAudio(Func<AudioEncoder> create, short[] speech, int chunk, int rate)
    {
        using var encoder = create();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (int k = 0; k * chunk < speech.Length && clock.Elapsed < TimeSpan.FromSeconds(5); k++)
        {
            var due = TimeSpan.FromMilliseconds(100 * k);
            while (clock.Elapsed < due)
            {
                sent += encoder.Append([], rate, 1).Length;
                if (sent > HeaderBytes(encoder.Format)) return clock.Elapsed.TotalMilliseconds;
                Thread.Sleep(1);
            }
            sent += encoder.Append(speech.AsSpan(k * chunk, Math.Min(chunk, speech.Length - k * chunk)), rate, 1).Length;
            if (sent > HeaderBytes(encoder.Format)) return clock.Elapsed.TotalMilliseconds;
        }
        return double.NaN;
    }

    /// <summary>CPU seconds (this process and ffmpeg's) to encode all of <paramref name="speech"/> in chunks, and the bytes made.</summary>
    static (double CpuSeconds, long Bytes) Cpu(Func<AudioEncoder> create, short[] speech, int chunk, int rate)
    {
        var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime + ChildrenCpu();
        long bytes = 0;
        using (var encoder = create())
        {
            for (int at = 0; at < speech.Length; at += chunk)
                bytes += encoder.Append(speech.AsSpan(at, Math.Min(chunk, speech.Length - at)), rate, 1).Length;
            bytes += encoder.Finish().Length;
        }
        self.Refresh();
        return ((self.TotalProcessorTime + ChildrenCpu() - before).TotalSeconds, bytes);
    }

    // Bytes a format sends before any audio: the WAV header, Ogg Opus's two header pages (about 100 bytes), FLAC's marker and STREAMINFO.
    static int HeaderBytes(AudioFormat format) => format.Name switch
    {
        "wav" => 44,
        "opus" => 120,
        "flac" => 100,
        _ => 0,
    };

    /// <summary>A voiced, syllable-paced signal: a 140 Hz buzz with a few formant-like harmonics, amplitude-modulated at 4 Hz, plus a little noise.</summary>
    static short[] SpeechLike(int rate, double seconds)
    {
        var random = new Random(1);
        var samples = new short[(int)(rate * seconds)];
        for (int i = 0; i < samples.Length; i++)
        {
            double t = (double)i / rate, f0 = 140 * (1 + 0.05 * Math.Sin(2 * Math.PI * 0.7 * t));
            double voice = 0;
            for (int h = 1; h <= 12; h++) voice += Math.Sin(2 * Math.PI * f0 * h * t) / h * (h is 4 or 5 or 11 ? 2 : 1);
            double envelope = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 4 * t);
            samples[i] = (short)Math.Clamp(3000 * envelope * voice + 300 * (random.NextDouble() - 0.5), short.MinValue, short.MaxValue);
        }
        return samples;
    }

    static TimeSpan ChildrenCpu()
    {
        if (!OperatingSystem.IsLinux()) return TimeSpan.Zero;
        var usage = new RUsage();
        if (getrusage(-1, ref usage) != 0) return TimeSpan.Zero; // RUSAGE_CHILDREN
        return TimeSpan.FromMicroseconds(usage.UserSec * 1e6 + usage.UserUsec + usage.SysSec * 1e6 + usage.SysUsec);
    }

    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        // the rest of struct rusage: 14 longs the bench does not read
        public long R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the CLI for one call
    static extern int getrusage(int who, ref RUsage usage);
#pragma warning restore SYSLIB1054
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Media.Audio.Tests.Formats;

/// <summary>Decodes any file ffmpeg reads to mono 16-bit samples at a given rate (the tests' independent decoder for AAC and FLAC).</summary>
public static class FfmpegDecoder
{
    public static short[] Decode(byte[] file, int rate)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", rate.ToString(CultureInfo.InvariantCulture), "pipe:1" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(file);
        process.StandardInput.Close();
        reading.Wait();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg could not decode the file: {errors.Result}");
        return MemoryMarshal.Cast<byte, short>(output.ToArray()).ToArray();
    }
}

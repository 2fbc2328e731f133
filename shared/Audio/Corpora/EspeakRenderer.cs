using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.IO;

namespace Media.Audio.Corpora;

/// <summary>
/// Renders text to speech with the espeak-ng command (<c>espeak-ng -w out.wav -v VOICE -s RATE -p PITCH</c>,
/// text on standard input so nothing in it is read as an option). espeak-ng is deterministic: the same
/// text and voice give the same samples. Used to build training corpora, never at serving time.
/// </summary>
public sealed class EspeakRenderer(string executable = "espeak-ng")
{
    /// <summary>The command that installs espeak-ng on Debian and Ubuntu.</summary>
    public const string InstallCommand = "apt-get install espeak-ng";

    /// <summary>The program run.</summary>
    public string Executable { get; } = executable;

    /// <summary>Whether the executable can be started (runs <c>--version</c>).</summary>
    public bool IsAvailable()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Executable, "--version")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return false;
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Speaks <paramref name="text"/> with <paramref name="voice"/>; espeak-ng's own rate (22.05 kHz mono).</summary>
    public AudioBuffer Render(string text, EspeakVoice voice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(voice);
        string wav = Path.Combine(Path.GetTempPath(), $"espeak-{Guid.NewGuid():N}.wav");
        try
        {
            var info = new ProcessStartInfo(Executable)
            {
                RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "-w", wav, "-v", voice.Name,
                         "-s", voice.WordsPerMinute.ToString(CultureInfo.InvariantCulture),
                         "-p", voice.Pitch.ToString(CultureInfo.InvariantCulture),
                     })
                info.ArgumentList.Add(argument);

            Process? process;
            try
            {
                process = Process.Start(info);
            }
            catch (Win32Exception e)
            {
                throw new EspeakNotFoundException($"Could not start '{Executable}' ({e.Message}). Install espeak-ng with: {InstallCommand}", e);
            }
            using (process)
            {
                if (process is null) throw new EspeakNotFoundException();
                process.StandardInput.Write(text.ReplaceLineEndings(" "));
                process.StandardInput.Close();
                var stderr = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"espeak-ng failed (exit {process.ExitCode}) for voice '{voice.Name}': {stderr.Result.Trim()}");
            }
            return WavFile.Read(wav);
        }
        finally
        {
            File.Delete(wav);
        }
    }
}

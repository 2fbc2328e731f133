using System.Diagnostics;

namespace Media.Cli.Tests;

/// <summary>Runs the built <c>media</c> command as a process and captures what it prints.</summary>
internal static class CliProcess
{
    /// <summary>Starts <c>media</c> with <paramref name="args"/>, its output redirected; the caller reads it and waits.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "media.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["COLUMNS"] = "200";
        return Process.Start(start)!;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}

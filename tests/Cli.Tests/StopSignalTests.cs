using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Media.Cli.Tests;

/// <summary>
/// What one SIGTERM does: a training run ends its step and still lands its checkpoint and --out folder (the GPU runs stop
/// trainings at a deadline that way); any other command just ends.
/// </summary>
[Slow("starts CLI processes (one trains until signalled)")]
public sealed class StopSignalTests
{
    const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Waits for the process to end, or kills it after <paramref name="seconds"/>; true when it ended by itself.</summary>
    static async Task<bool> EndsWithin(Process process, int seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return false;
        }
    }

    [Fact]
    public async Task A_training_stopped_by_sigterm_writes_its_checkpoint_and_out_folder()
    {
        using var temp = new TempDirectory();
        string run = temp.File("run"), output = temp.File("out");
        using var process = CliProcess.Start("train", "image-vq", "--run", run, "--steps", "100000", "--batch", "2", "--eval-every", "0",
            "--checkpoint-every", "100000", "--threads", "1", "--out", output);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A step has run once the log has a line; the log writes every step's record at the default interval, so wait for the file.
        string log = Path.Combine(run, "train.jsonl");
        for (int i = 0; i < 600 && !process.HasExited && !(File.Exists(log) && new FileInfo(log).Length > 0); i++) await Task.Delay(100);
        Assert.False(process.HasExited, "the training ended before a step was logged");
        Assert.Equal(0, Kill(process.Id, SigTerm));

        Assert.True(await EndsWithin(process, 60), "the training did not stop within 60 s of SIGTERM");
        string printed = await stdout + await stderr;
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("stopping after the current step", printed, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "checkpoints"), "step-*.safetensors"));
        Assert.True(File.Exists(Path.Combine(output, "config.json")), printed);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")), printed);
    }

    [Fact]
    public async Task Any_other_command_ends_on_one_sigterm()
    {
        // eval image-vq does not watch the cancellation token: before the fix it swallowed the signal and ran on to the end.
        using var process = CliProcess.Start("eval", "image-vq", "--model", CommittedModels.Path("image-vq"), "--n", "20000", "--threads", "1");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(process.HasExited, "eval image-vq ended within 4 s");
        Assert.Equal(0, Kill(process.Id, SigTerm));

        Assert.True(await EndsWithin(process, 20), "eval image-vq was still running 20 s after SIGTERM");
        Assert.NotEqual(0, process.ExitCode);
        _ = await stdout + await stderr;
    }
}

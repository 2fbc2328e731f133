using Media.Modeling.Diffusion;
using System.Globalization;
using Media.Cli.Commands.Train;
using Media.Hosting;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Latents;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Speech;

/// <summary>
/// <c>media bench tts</c>: real-time factor (generation seconds per second of audio) and time to first audio of
/// the streaming ARDiT voice on held-out sentences, at the first block size, step count and solver given.
/// </summary>
internal sealed class TtsBenchCommand : Command<TtsEvalSettings>
{
    public override int Execute(CommandContext context, TtsEvalSettings settings, CancellationToken cancellationToken)
    {
        string models = settings.Models ?? new MediaOptions().ResolveModelsDirectory();
        var mel = SpeechModelFolder.ReadConfig<MelVaeConfig>(Path.Combine(models, "tts-mel-vae")).Mel;
        var session = SpeechTrainingSession.Start(settings, "ardit-tts", mel);
        var voice = ArditVoice.Load(models, session.Device);
        var sampling = new ArditSamplingOptions
        {
            Steps = settings.ParsedStepCounts[0], Solver = settings.ParsedSolvers[0], BlockSize = settings.ParsedBlockSizes[0], Seed = settings.Seed,
        };
        var clips = session.Test.Clips.Take(settings.Count).ToList();

        // One warm-up sentence so the first measured request does not pay for lazy initialisation.
        voice.Synthesize(new SpeechRequest { Text = clips[0].Text, Sampling = sampling }, cancellationToken: cancellationToken);
        double generated = 0, elapsed = 0;
        var firstAudio = new List<double>();
        foreach (var clip in clips)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = voice.Synthesize(new SpeechRequest { Text = clip.Text, Sampling = sampling }, cancellationToken: cancellationToken);
            generated += result.DurationSeconds;
            elapsed += result.Elapsed.TotalSeconds;
            firstAudio.Add(result.TimeToFirstAudio.TotalMilliseconds);
        }
        firstAudio.Sort();
        AnsiConsole.WriteLine(Invariant($"sentences: {clips.Count}, audio {generated:F1} s, wall {elapsed:F1} s, B={sampling.BlockSize}, steps={sampling.Steps}, solver={FlowSolverNames.Name(sampling.Solver)}, threads={TorchSharp.torch.get_num_threads()}"));
        AnsiConsole.WriteLine(Invariant($"tts rtf: {elapsed / generated:F3}"));
        AnsiConsole.WriteLine(Invariant($"time to first audio ms: {firstAudio[firstAudio.Count / 2]:F0}"));
        AnsiConsole.WriteLine(Invariant($"time to first audio p95 ms: {firstAudio[(int)Math.Min(firstAudio.Count - 1, Math.Ceiling(0.95 * firstAudio.Count) - 1)]:F0}"));
        return 0;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

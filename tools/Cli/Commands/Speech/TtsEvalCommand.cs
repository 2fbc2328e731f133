using Media.Modeling.Diffusion;
using System.Globalization;
using Media.Audio.Metrics;
using Media.Cli.Commands.Train;
using Media.Hosting;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Recognizer;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Speech;

/// <summary>
/// <c>media eval tts</c>: speaks held-out corpus sentences with the ARDiT voice at the reference's duration and
/// scores them against the espeak-ng recordings: MCD with DTW, and the CER of the project's CTC recognizer
/// (whose own CER on the real references is printed beside it), for each block size, step count and flow solver.
/// </summary>
internal sealed class TtsEvalCommand : Command<TtsEvalSettings>
{
    public override int Execute(CommandContext context, TtsEvalSettings settings, CancellationToken cancellationToken)
    {
        string models = settings.Models ?? new MediaOptions().ResolveModelsDirectory();
        var mel = SpeechModelFolder.ReadConfig<MelVaeConfig>(Path.Combine(models, "tts-mel-vae")).Mel;
        var session = SpeechTrainingSession.Start(settings, "ardit-tts", mel);
        var voice = ArditVoice.Load(models, session.Device);
        using var recognizer = CtcRecognizer.Load(Path.Combine(models, "asr-ctc"), session.Device);
        using var features = new SpeechFeatures(mel);
        using var mcd = new MelCepstralDistortion(mel.SampleRate);
        var clips = session.Test.Clips.Take(settings.Count).ToList();

        double referenceCer = RecognizerEvaluation.Cer(recognizer, features, clips);
        AnsiConsole.WriteLine(Invariant($"held-out sentences: {clips.Count}; recognizer cer on the espeak-ng references: {referenceCer:F4}"));
        // The best any ARDiT can do through this latent space: the references' own latents, decoded and vocoded.
        using (var encoder = SpeechPromptEncoder.Load(models, session.Device))
        {
            var decoder = VaeVocoderDecoder.Load(models, session.Device);
            var copies = clips.Select(clip => (clip.Target, CopySynthesis(encoder, decoder, clip.Samples, mel.SampleRate))).ToList();
            double copyCer = RecognizerEvaluation.Cer(recognizer, features, copies);
            double copyMcd = clips.Zip(copies).Average(pair => mcd.Compute(pair.First.Samples, pair.Second.Item2));
            AnsiConsole.WriteLine(Invariant($"copy synthesis (reference latents -> VAE decoder -> vocoder): mcd {copyMcd:F2}, cer {copyCer:F4}"));
        }

        var table = new Table().AddColumns("B", "steps", "solver", "mcd (dB)", "cer", "rtf");
        (double Mcd, double Cer)? headline = null;
        // Solvers innermost, so each B and step count's solvers sit in adjacent rows.
        foreach (var (block, steps, solver) in settings.ParsedBlockSizes
            .SelectMany(b => settings.ParsedStepCounts.SelectMany(n => settings.ParsedSolvers.Select(s => (b, n, s)))))
        {
            double distortion = 0, generated = 0, elapsed = 0;
            var transcripts = new List<(string Reference, float[] Samples)>();
            foreach (var clip in clips)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = voice.Synthesize(new SpeechRequest
                {
                    Text = clip.Text,
                    DurationSeconds = (double)clip.Samples.Length / mel.SampleRate,
                    Sampling = new ArditSamplingOptions { Steps = steps, Solver = solver, BlockSize = block, Seed = settings.Seed },
                }, cancellationToken: cancellationToken);
                distortion += mcd.Compute(clip.Samples, result.Samples);
                generated += result.DurationSeconds;
                elapsed += result.Elapsed.TotalSeconds;
                transcripts.Add((clip.Target, result.Samples));
            }
            double cer = RecognizerEvaluation.Cer(recognizer, features, transcripts);
            double meanMcd = distortion / clips.Count;
            table.AddRow(Invariant($"{block}"), Invariant($"{steps}"), FlowSolverNames.Name(solver), Invariant($"{meanMcd:F2}"), Invariant($"{cer:F4}"), Invariant($"{elapsed / generated:F3}"));
            headline ??= (meanMcd, cer);
        }
        AnsiConsole.Write(table);
        // The first configuration is the headline figure (B, steps and solver as listed first).
        AnsiConsole.WriteLine(Invariant($"mcd: {headline!.Value.Mcd:F2}"));
        AnsiConsole.WriteLine(Invariant($"cer: {headline.Value.Cer:F4}"));
        return 0;
    }

    static float[] CopySynthesis(SpeechPromptEncoder encoder, VaeVocoderDecoder decoder, float[] samples, int sampleRate)
    {
        using var latents = encoder.Encode(Media.Audio.IO.AudioBuffer.FromMono(samples, sampleRate));
        using var stream = decoder.OpenStream();
        return [.. stream.Push(latents), .. stream.Finish()];
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

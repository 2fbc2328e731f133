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
/// <c>media eval tts</c>: speaks held-out corpus sentences with the ARDiT voice and scores them against the espeak-ng
/// recordings: MCD with DTW, and the CER of two CTC recognizers side by side — <c>asr-ctc</c>, whose forced alignments
/// trained the voice's timing, and the judge (<c>asr-ctc-judge</c>: another corpus seed and espeak-ng voices the TTS
/// corpus never uses; its alignments never touched the voice) — each with its own CER on the real references. One row
/// per block size, step count, flow solver and duration source: by default the voice's own predicted durations, as a
/// request without a duration is served; <c>--durations reference</c> speaks each sentence at its recording's length.
/// </summary>
internal sealed class TtsEvalCommand : Command<TtsEvalSettings>
{
    /// <summary>What trains the judge recognizer (its model card has the figures).</summary>
    public const string JudgeTrainCommand = "media train asr --corpus-seed 2 --voices judge --out models/asr-ctc-judge --threads 1";

    public override int Execute(CommandContext context, TtsEvalSettings settings, CancellationToken cancellationToken)
    {
        string models = settings.Models ?? new MediaOptions().ResolveModelsDirectory();
        string judgeFolder = settings.Judge ?? Path.Combine(models, "asr-ctc-judge");
        // Checked before the corpus and the voice load: without the judge the evaluation would only be the voice's own recognizer.
        if (!SpeechModelFolder.Exists(judgeFolder))
        {
            AnsiConsole.MarkupLine($"[red]The judge recognizer is missing:[/] {Markup.Escape(judgeFolder)} has no config.json and model.safetensors. "
                + $"eval tts scores with asr-ctc and an independent judge; train it with [bold]{Markup.Escape(JudgeTrainCommand)}[/] or point --judge at one.");
            return 1;
        }
        var mel = SpeechModelFolder.ReadConfig<MelVaeConfig>(Path.Combine(models, "tts-mel-vae")).Mel;
        var session = SpeechTrainingSession.Start(settings, "ardit-tts", mel);
        var voice = ArditVoice.Load(models, session.Device);
        using var recognizer = CtcRecognizer.Load(Path.Combine(models, "asr-ctc"), session.Device);
        using var judge = CtcRecognizer.Load(judgeFolder, session.Device);
        using var features = new SpeechFeatures(mel);
        using var mcd = new MelCepstralDistortion(mel.SampleRate);
        var clips = session.Test.Clips.Take(settings.Count).ToList();

        double referenceCer = RecognizerEvaluation.Cer(recognizer, features, clips);
        double judgeReferenceCer = RecognizerEvaluation.Cer(judge, features, clips);
        AnsiConsole.WriteLine(Invariant($"held-out sentences: {clips.Count}; recognizer cer on the espeak-ng references: {referenceCer:F4}"));
        AnsiConsole.WriteLine(Invariant($"judge recognizer ({judgeFolder}) cer on the espeak-ng references: {judgeReferenceCer:F4}"));
        // The best any ARDiT can do through this latent space: the references' own latents, decoded and vocoded.
        using (var encoder = SpeechPromptEncoder.Load(models, session.Device))
        {
            var decoder = VaeVocoderDecoder.Load(models, session.Device);
            var copies = clips.Select(clip => (clip.Target, CopySynthesis(encoder, decoder, clip.Samples, mel.SampleRate))).ToList();
            double copyCer = RecognizerEvaluation.Cer(recognizer, features, copies);
            double copyJudgeCer = RecognizerEvaluation.Cer(judge, features, copies);
            double copyMcd = clips.Zip(copies).Average(pair => mcd.Compute(pair.First.Samples, pair.Second.Item2));
            AnsiConsole.WriteLine(Invariant($"copy synthesis (reference latents -> VAE decoder -> vocoder): mcd {copyMcd:F2}, cer {copyCer:F4}, judge cer {copyJudgeCer:F4}"));
        }

        var table = new Table().AddColumns("B", "steps", "solver", "durations", "length / ref", "mcd (dB)", "cer (asr-ctc)", "cer (asr-ctc-judge)", "rtf");
        (double Mcd, double Cer, double JudgeCer)? headline = null;
        // Duration sources innermost, then solvers, so one setting's rows sit together.
        foreach (var (block, steps, solver, durations) in settings.ParsedBlockSizes
            .SelectMany(b => settings.ParsedStepCounts.SelectMany(n => settings.ParsedSolvers.SelectMany(s => settings.ParsedDurations.Select(d => (b, n, s, d))))))
        {
            double distortion = 0, generated = 0, elapsed = 0, referenceSeconds = 0;
            var transcripts = new List<(string Reference, float[] Samples)>();
            foreach (var clip in clips)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double seconds = (double)clip.Samples.Length / mel.SampleRate;
                var result = voice.Synthesize(new SpeechRequest
                {
                    Text = clip.Text,
                    // Null is what a request without a duration gets: the voice's duration predictor.
                    DurationSeconds = durations == TtsEvalDurations.Reference ? seconds : null,
                    Sampling = new ArditSamplingOptions { Steps = steps, Solver = solver, BlockSize = block, Seed = settings.Seed },
                }, cancellationToken: cancellationToken);
                distortion += mcd.Compute(clip.Samples, result.Samples);
                generated += result.DurationSeconds;
                referenceSeconds += seconds;
                elapsed += result.Elapsed.TotalSeconds;
                transcripts.Add((clip.Target, result.Samples));
            }
            double cer = RecognizerEvaluation.Cer(recognizer, features, transcripts);
            double judgeCer = RecognizerEvaluation.Cer(judge, features, transcripts);
            double meanMcd = distortion / clips.Count;
            table.AddRow(Invariant($"{block}"), Invariant($"{steps}"), FlowSolverNames.Name(solver), durations.ToString().ToLowerInvariant(),
                Invariant($"{generated / referenceSeconds:F3}"), Invariant($"{meanMcd:F2}"), Invariant($"{cer:F4}"), Invariant($"{judgeCer:F4}"),
                Invariant($"{elapsed / generated:F3}"));
            headline ??= (meanMcd, cer, judgeCer);
        }
        AnsiConsole.Write(table);
        // The first configuration is the headline figure (B, steps, solver and duration source as listed first).
        AnsiConsole.WriteLine(Invariant($"mcd: {headline!.Value.Mcd:F2}"));
        AnsiConsole.WriteLine(Invariant($"cer: {headline.Value.Cer:F4}"));
        AnsiConsole.WriteLine(Invariant($"judge cer: {headline.Value.JudgeCer:F4}"));
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

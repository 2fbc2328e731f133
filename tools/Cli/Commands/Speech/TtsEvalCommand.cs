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
        if (settings.Edits > 0) return TtsEditEvaluation.Run(settings, session, models, judgeFolder, cancellationToken);
        var dtype = Media.Modeling.Devices.DeviceSelector.ResolveDtype(settings.Dtype, session.Device);
        var voice = settings.Voice is { } folder ? ArditVoice.LoadFolder(folder, models, session.Device, dtype) : ArditVoice.Load(models, session.Device, dtype: dtype);
        string voiceName = settings.Voice is { } named ? Path.GetFileName(Path.TrimEndingDirectorySeparator(named)) : ArditVoice.Teacher;
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

        var rows = new List<(StreamingSpeechSynthesizer Voice, string Name, int Block, int Steps, FlowSolver Solver, TtsEvalDurations Durations)>();
        // Duration sources innermost, then solvers, so one setting's rows sit together.
        foreach (var (block, steps, solver, durations) in settings.ParsedBlockSizes
            .SelectMany(b => settings.ParsedStepCounts.SelectMany(n => settings.ParsedSolvers.SelectMany(s => settings.ParsedDurations.Select(d => (b, n, s, d))))))
            rows.Add((voice, voiceName, block, steps, solver, durations));
        using var student = settings.StudentFolder(models) is { } studentFolder ? ArditVoice.LoadFolder(studentFolder, models, session.Device, dtype) : null;
        if (student is not null)
        {
            // The student at its one step, at the block sizes asked for that it was distilled at (else its own).
            var blocks = settings.ParsedBlockSizes.Where(student.TrainedBlockSizes.Contains).DefaultIfEmpty(student.TrainedBlockSizes[0]);
            foreach (var (block, durations) in blocks.SelectMany(b => settings.ParsedDurations.Select(d => (b, d))))
                rows.Add((student, ArditVoice.Student, block, student.OnlySteps ?? 1, FlowSolver.Euler, durations));
        }

        var table = new Table().AddColumns("voice", "B", "steps", "solver", "durations", "length / ref", "mcd (dB)", "cer (asr-ctc)", "cer (asr-ctc-judge)", "mel gv / ref", "rtf", "first audio ms");
        var results = new List<(string Name, int Steps, int Block, TtsEvalDurations Durations, double Mcd, double Cer, double JudgeCer, double Gv)>();
        foreach (var row in rows)
        {
            double distortion = 0, generated = 0, elapsed = 0, referenceSeconds = 0;
            var transcripts = new List<(string Reference, float[] Samples)>();
            var firstAudio = new List<double>();
            var pairs = new List<(float[] Reference, float[] Generated)>();
            foreach (var clip in clips)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double seconds = (double)clip.Samples.Length / mel.SampleRate;
                var result = row.Voice.Synthesize(new SpeechRequest
                {
                    Text = clip.Text,
                    // Null is what a request without a duration gets: the voice's duration predictor.
                    DurationSeconds = row.Durations == TtsEvalDurations.Reference ? seconds : null,
                    Sampling = new ArditSamplingOptions { Steps = row.Steps, Solver = row.Solver, BlockSize = row.Block, Seed = settings.Seed },
                }, cancellationToken: cancellationToken);
                distortion += mcd.Compute(clip.Samples, result.Samples);
                generated += result.DurationSeconds;
                referenceSeconds += seconds;
                elapsed += result.Elapsed.TotalSeconds;
                firstAudio.Add(result.TimeToFirstAudio.TotalMilliseconds);
                transcripts.Add((clip.Target, result.Samples));
                pairs.Add((clip.Samples, result.Samples));
            }
            double cer = RecognizerEvaluation.Cer(recognizer, features, transcripts);
            double judgeCer = RecognizerEvaluation.Cer(judge, features, transcripts);
            double meanMcd = distortion / clips.Count;
            double gv = MelGlobalVariance.Ratio(features, pairs);
            firstAudio.Sort();
            table.AddRow(row.Name, Invariant($"{row.Block}"), Invariant($"{row.Steps}"), FlowSolverNames.Name(row.Solver), row.Durations.ToString().ToLowerInvariant(),
                Invariant($"{generated / referenceSeconds:F3}"), Invariant($"{meanMcd:F2}"), Invariant($"{cer:F4}"), Invariant($"{judgeCer:F4}"),
                Invariant($"{gv:F3}"), Invariant($"{elapsed / generated:F3}"), Invariant($"{firstAudio[firstAudio.Count / 2]:F0}"));
            results.Add((row.Name, row.Steps, row.Block, row.Durations, meanMcd, cer, judgeCer, gv));
        }
        AnsiConsole.Write(table);
        // The first configuration is the headline figure (B, steps, solver and duration source as listed first).
        var headline = results[0];
        AnsiConsole.WriteLine(Invariant($"mcd: {headline.Mcd:F2}"));
        AnsiConsole.WriteLine(Invariant($"cer: {headline.Cer:F4}"));
        AnsiConsole.WriteLine(Invariant($"judge cer: {headline.JudgeCer:F4}"));
        if (student is not null)
        {
            var (teacher, distilled) = TtsEvalSettings.DistillationPair(results, r => r.Name, r => r.Steps, r => (r.Block, r.Durations));
            AnsiConsole.WriteLine(Invariant($"teacher steps: {teacher.Steps}"));
            AnsiConsole.WriteLine(Invariant($"teacher cer: {teacher.Cer:F4}"));
            AnsiConsole.WriteLine(Invariant($"student cer: {distilled.Cer:F4}"));
            AnsiConsole.WriteLine(Invariant($"teacher judge cer: {teacher.JudgeCer:F4}"));
            AnsiConsole.WriteLine(Invariant($"student judge cer: {distilled.JudgeCer:F4}"));
            AnsiConsole.WriteLine(Invariant($"teacher mel gv ratio: {teacher.Gv:F3}"));
            AnsiConsole.WriteLine(Invariant($"student mel gv ratio: {distilled.Gv:F3}"));
        }
        return 0;
    }

    /// <summary>The recording through the voice's latent space: its VAE latents decoded and vocoded (what any ARDiT output passes through).</summary>
    internal static float[] CopySynthesis(SpeechPromptEncoder encoder, VaeVocoderDecoder decoder, float[] samples, int sampleRate)
    {
        using var latents = encoder.Encode(Media.Audio.IO.AudioBuffer.FromMono(samples, sampleRate));
        using var stream = decoder.OpenStream();
        return [.. stream.Push(latents), .. stream.Finish()];
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

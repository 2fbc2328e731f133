using Media.Modeling.Diffusion;
using System.Globalization;
using Media.Cli.Commands.Bench;
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
/// the streaming ARDiT voice on held-out sentences, at the first block size, step count and solver given. With
/// <c>--concurrent C</c> the same sentences are then served C at a time on the batching scheduler, and audio seconds per
/// wall second of both ways are compared (<c>batching speedup</c>).
/// </summary>
internal sealed class TtsBenchCommand : Command<TtsEvalSettings>
{
    public override int Execute(CommandContext context, TtsEvalSettings settings, CancellationToken cancellationToken)
    {
        string models = settings.Models ?? new MediaOptions().ResolveModelsDirectory();
        var mel = SpeechModelFolder.ReadConfig<MelVaeConfig>(Path.Combine(models, "tts-mel-vae")).Mel;
        var session = SpeechTrainingSession.Start(settings, "ardit-tts", mel);
        var dtype = Media.Modeling.Devices.DeviceSelector.ResolveDtype(settings.Dtype, session.Device);
        var voice = ArditVoice.Load(models, session.Device, dtype: dtype);
        var sampling = new ArditSamplingOptions
        {
            Steps = settings.ParsedStepCounts[0], Solver = settings.ParsedSolvers[0], BlockSize = settings.ParsedBlockSizes[0], Seed = settings.Seed,
        };
        var clips = session.Test.Clips.Take(settings.Count).ToList();

        var student = settings.StudentFolder(models) is { } studentFolder ? ArditVoice.LoadFolder(studentFolder, models, session.Device, dtype) : null;
        // The teacher at every step count asked for, then the student at its one step: side by side in one run (per decode size asked for).
        var serviceDecode = (First: voice.DecodeFrames, Max: voice.MaxDecodeFrames);
        var decodes = settings.ParsedDecodeFrames ?? [serviceDecode];
        var rows = decodes.SelectMany(decode => settings.ParsedStepCounts.Select(steps => (Voice: voice, Name: ArditVoice.Teacher, Sampling: sampling with { Steps = steps }, Decode: decode))
            .Concat(student is null ? [] : [(student, ArditVoice.Student, sampling with { Steps = student.OnlySteps ?? 1, Solver = FlowSolver.Euler, BlockSize = student.TrainedBlockSizes[0] }, decode)])).ToList();
        var table = new Table().AddColumns("voice", "B", "steps", "decode frames", "audio s", "wall s", "cpu s", "rtf", "cpu rtf", "model rtf", "first audio ms", "first audio p95 ms");
        var measured = new List<(string Name, int Steps, int? Block, (int First, int Max) Decode, double Rtf, double ModelRtf, double FirstAudio, double FirstAudioP95)>();
        foreach (var row in rows)
        {
            (row.Voice.DecodeFrames, row.Voice.MaxDecodeFrames) = row.Decode;
            // One warm-up sentence so the first measured request does not pay for lazy initialisation.
            row.Voice.Synthesize(new SpeechRequest { Text = clips[0].Text, Sampling = row.Sampling }, cancellationToken: cancellationToken);
        }
        var runs = rows.Select(_ => new RowRun()).ToArray();
        // Sentence by sentence, every row in turn: a shared machine's speed drifts by half within a minute, and interleaving
        // lays that drift on all rows alike instead of on whichever row ran while it lasted.
        foreach (var clip in clips)
        {
            for (int i = 0; i < rows.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (row, run) = (rows[i], runs[i]);
                (row.Voice.DecodeFrames, row.Voice.MaxDecodeFrames) = row.Decode;
                SpeechResult? result = null;
                var (_, cpu) = BenchClock.Measure(() => result = row.Voice.Synthesize(new SpeechRequest { Text = clip.Text, Sampling = row.Sampling }, cancellationToken: cancellationToken));
                run.Generated += result!.DurationSeconds;
                run.Elapsed += result.Elapsed.TotalSeconds;
                run.Cpu += cpu;
                run.FirstAudio.Add(result.TimeToFirstAudio.TotalMilliseconds);
                // The latents alone (no VAE decoder or vocoder): what the step count changes.
                var (ids, _, total) = row.Voice.Plan(new SpeechRequest { Text = clip.Text, Sampling = row.Sampling });
                run.ModelWall += BenchClock.Measure(() => row.Voice.Synthesizer.Generate(ids, total, row.Sampling).Dispose()).Wall;
            }
        }
        for (int i = 0; i < rows.Count; i++)
        {
            var (row, run) = (rows[i], runs[i]);
            run.FirstAudio.Sort();
            double median = run.FirstAudio[run.FirstAudio.Count / 2];
            double p95 = run.FirstAudio[(int)Math.Min(run.FirstAudio.Count - 1, Math.Ceiling(0.95 * run.FirstAudio.Count) - 1)];
            table.AddRow(row.Name, Invariant($"{row.Sampling.BlockSize}"), Invariant($"{row.Sampling.Steps}"), Invariant($"{row.Decode.First}-{row.Decode.Max}"), Invariant($"{run.Generated:F1}"), Invariant($"{run.Elapsed:F2}"),
                Invariant($"{run.Cpu:F2}"), Invariant($"{run.Elapsed / run.Generated:F4}"), Invariant($"{run.Cpu / run.Generated:F4}"), Invariant($"{run.ModelWall / run.Generated:F4}"), Invariant($"{median:F0}"), Invariant($"{p95:F0}"));
            measured.Add((row.Name, row.Sampling.Steps, row.Sampling.BlockSize, row.Decode, run.Elapsed / run.Generated, run.ModelWall / run.Generated, median, p95));
        }
        AnsiConsole.WriteLine(Invariant($"sentences: {clips.Count}, B={sampling.BlockSize}, solver={FlowSolverNames.Name(sampling.Solver)}, threads={TorchSharp.torch.get_num_threads()}"));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(Invariant($"tts rtf: {measured[0].Rtf:F3}"));
        AnsiConsole.WriteLine(Invariant($"time to first audio ms: {measured[0].FirstAudio:F0}"));
        AnsiConsole.WriteLine(Invariant($"time to first audio p95 ms: {measured[0].FirstAudioP95:F0}"));
        if (student is not null)
        {
            // The headline compares both voices as the service decodes them (or at the first decode size asked for).
            var headlineDecode = decodes.Contains(serviceDecode) ? serviceDecode : decodes[0];
            var (teacher, distilled) = TtsEvalSettings.DistillationPair([.. measured.Where(r => r.Decode == headlineDecode)], r => r.Name, r => r.Steps, r => r.Block ?? 0);
            AnsiConsole.WriteLine(Invariant($"student rtf: {distilled.Rtf:F4} (B={distilled.Block}; teacher at {teacher.Steps} steps, B={teacher.Block}: {teacher.Rtf:F4})"));
            AnsiConsole.WriteLine(Invariant($"student rtf speedup: {teacher.Rtf / distilled.Rtf:F2}"));
            AnsiConsole.WriteLine(Invariant($"student model rtf speedup: {teacher.ModelRtf / distilled.ModelRtf:F2} (latents only, without the VAE decoder and vocoder)"));
            student.Dispose();
        }
        (voice.DecodeFrames, voice.MaxDecodeFrames) = serviceDecode;
        if (settings.Concurrent > 1) BenchBatching(voice, clips.Select(c => c.Text).ToList(), sampling, settings.Concurrent, cancellationToken);
        return 0;
    }

    /// <summary>
    /// The sentences one by one, then <paramref name="concurrent"/> at a time on the batching scheduler (callers pull the
    /// next sentence when theirs is done), each way timed in wall and process CPU seconds; the batched audio must match.
    /// </summary>
    static void BenchBatching(StreamingSpeechSynthesizer voice, List<string> texts, ArditSamplingOptions sampling, int concurrent, CancellationToken cancellationToken)
    {
        SpeechRequest Request(int i) => new() { Text = texts[i], Sampling = sampling with { Seed = sampling.Seed + i } };
        var alone = new SpeechResult[texts.Count];
        var batched = new SpeechResult[texts.Count];
        double aloneWall = 0, aloneCpu = 0, batchedWall = 0, batchedCpu = 0;
        // Group by group of 4C sentences, one by one and by C callers that each take the group's next sentence when theirs
        // is done, the two ways' order swapped from group to group, so the shared machine's drift falls on both alike.
        for (int start = 0, g = 0; start < texts.Count; start += 4 * concurrent, g++)
        {
            var group = Enumerable.Range(start, Math.Min(4 * concurrent, texts.Count - start)).ToArray();
            void OneByOne()
            {
                var (wall, cpu) = BenchClock.Measure(() =>
                {
                    foreach (int i in group) alone[i] = voice.Synthesize(Request(i), cancellationToken: cancellationToken);
                });
                aloneWall += wall;
                aloneCpu += cpu;
            }
            void Batched()
            {
                voice.StartBatching(concurrent);
                try
                {
                    var (wall, cpu) = BenchClock.Measure(() =>
                    {
                        int next = -1;
                        // Each caller on a thread of its own, as each speech job is in the worker.
                        var callers = Enumerable.Range(0, Math.Min(concurrent, group.Length)).Select(_ => Task.Factory.StartNew(() =>
                        {
                            for (int j = Interlocked.Increment(ref next); j < group.Length; j = Interlocked.Increment(ref next))
                                batched[group[j]] = voice.Synthesize(Request(group[j]), cancellationToken: cancellationToken);
                        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
                        Task.WaitAll(callers, cancellationToken);
                    });
                    batchedWall += wall;
                    batchedCpu += cpu;
                }
                finally
                {
                    voice.StopBatching();
                }
            }
            if (g % 2 == 0) { OneByOne(); Batched(); }
            else { Batched(); OneByOne(); }
        }

        double audio = alone.Sum(r => r.DurationSeconds);
        double difference = alone.Zip(batched, (a, b) => a.Samples.Length != b.Samples.Length ? double.PositiveInfinity
            : a.Samples.Zip(b.Samples, (x, y) => (double)Math.Abs(x - y)).DefaultIfEmpty(0).Max()).Max();
        var firstAudio = batched.Select(r => r.TimeToFirstAudio.TotalMilliseconds).Order().ToList();
        AnsiConsole.WriteLine(Invariant($"concurrent: {concurrent}, sentences: {texts.Count}, audio {audio:F1} s, threads={TorchSharp.torch.get_num_threads()}"));
        AnsiConsole.WriteLine(Invariant($"one by one: wall {aloneWall:F1} s, cpu {aloneCpu:F1} s, audio s per wall s: {audio / aloneWall:F3}"));
        AnsiConsole.WriteLine(Invariant($"batched: wall {batchedWall:F1} s, cpu {batchedCpu:F1} s, audio s per wall s: {audio / batchedWall:F3}, time to first audio median ms: {firstAudio[firstAudio.Count / 2]:F0}"));
        AnsiConsole.WriteLine(Invariant($"batched vs alone max sample difference: {difference:G3}"));
        AnsiConsole.WriteLine(Invariant($"batching speedup: {aloneWall / batchedWall:F2}"));
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One bench row's sums over the sentences.</summary>
    sealed class RowRun
    {
        public double Generated, Elapsed, Cpu, ModelWall;
        public List<double> FirstAudio { get; } = [];
    }
}

using System.Globalization;
using Media.Cli.Commands.Train;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Editing;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Recognizer;
using Spectre.Console;

namespace Media.Cli.Commands.Speech;

/// <summary>
/// <c>media eval tts --edits N</c>: N held-out espeak-ng recordings, one word of each replaced (<see cref="HeldOutEdits"/>),
/// edited as a speech-edit job edits them (the recording encoded, its transcript aligned by asr-ctc, the span sized by
/// the duration predictor). Rows: left-context editing with <c>ardit-tts</c> (the method before fill-in-the-middle),
/// fill-in-the-middle with the voice trained for it, and that voice from the left alone (what the training changed without
/// the suffix in view). Scores: the CER of the edited span by both recognizers (the judge never aligned anything), the
/// whole utterance's judge CER, and the spectral distance across the two joins beside the original recording's at the
/// same places and natural speech's mean.
/// </summary>
internal static class TtsEditEvaluation
{
    public static int Run(TtsEvalSettings settings, SpeechTrainingSession session, string models, string judgeFolder, CancellationToken cancellationToken)
    {
        var device = session.Device;
        var dtype = Media.Modeling.Devices.DeviceSelector.ResolveDtype(settings.Dtype, device);
        string infillingFolder = settings.Infilling ?? Path.Combine(models, ArditVoice.Infilling);
        using var recognizer = CtcRecognizer.Load(Path.Combine(models, ArditVoice.Aligner), device);
        using var judge = CtcRecognizer.Load(judgeFolder, device);
        using var aligner = new CtcTextAligner(recognizer);
        using var encoder = SpeechPromptEncoder.Load(models, device);
        using var features = new Media.Services.Audio.Speech.SpeechFeatures(recognizer.Config.Mel);
        var edits = HeldOutEdits.Draw(session.Test.Clips, settings.Edits, (int)settings.Seed);
        if (edits.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]No held-out sentence of four words or more to edit.[/]");
            return 1;
        }
        AnsiConsole.WriteLine(Invariant($"held-out edits: {edits.Count} (one word replaced in each; seed {settings.Seed})"));

        using var teacher = ArditVoice.Load(models, device, dtype: dtype);
        using var infilling = SpeechModelFolder.Exists(infillingFolder) ? ArditVoice.LoadFolder(infillingFolder, models, device, dtype) : null;
        var rows = new List<(string Voice, StreamingSpeechSynthesizer Speech, SpeechEditMethod Method)> { (ArditVoice.Teacher, teacher, SpeechEditMethod.LeftContext) };
        if (infilling is null)
            AnsiConsole.MarkupLine($"[yellow]No fill-in-the-middle voice at {Markup.Escape(infillingFolder)}:[/] only left-context editing is scored.");
        else
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(infillingFolder));
            rows.Add((name, infilling, SpeechEditMethod.FillInMiddle));
            rows.Add((name, infilling, SpeechEditMethod.LeftContext));
        }
        int block = settings.ParsedBlockSizes.Max(), steps = settings.ParsedStepCounts.Max();
        var sampling = new ArditSamplingOptions { Steps = steps, BlockSize = block, Seed = settings.Seed };
        AnsiConsole.WriteLine(Invariant($"sampling: B = {block}, {steps} flow steps per block, euler"));

        // The recordings resynthesised through the same latent decoder and vocoder (the edits keep their audio that way): their
        // own change across the same joins, and across every latent-frame boundary.
        double latentSeconds = 1 / teacher.FrameRate;
        var decoder = VaeVocoderDecoder.Load(models, device);
        var copies = edits.ToDictionary(e => e, e => Resampled(TtsEvalCommand.CopySynthesis(encoder, decoder, e.Clip.Samples, features.Config.SampleRate),
            decoder.SampleRate, features.Config.SampleRate));
        double natural = edits.Average(e => JoinDistance.Mean(features, copies[e], latentSeconds));
        var table = new Table().AddColumns("voice", "method", "span cer (asr-ctc)", "span cer (asr-ctc-judge)", "utterance cer (judge)",
            "left join dB", "right join dB", "resynthesised recording at joins dB", "span s / old word s", "rtf");
        // Two references for the span CER: the recognizers on the replaced word in the real recordings (their floor on these
        // words), and the voice speaking each new sentence whole at its predicted duration (the word without any edit).
        var (realSpan, realJudgeSpan, realUtterance) = SpanCer(recognizer, judge, features,
            edits.Select(e => (e.Clip.Samples, e.Clip.Text, e.Word, e.OldWord)));
        table.AddRow("recording", "(the replaced word)", Invariant($"{realSpan:F4}"), Invariant($"{realJudgeSpan:F4}"), Invariant($"{realUtterance:F4}"), "", "", "", "", "");
        var spoken = edits.Select(e => (Resampled(teacher.Synthesize(new SpeechRequest { Text = e.Text, Sampling = sampling }, cancellationToken: cancellationToken).Samples,
            teacher.SampleRate, features.Config.SampleRate), e.Text, e.Word, e.NewWord)).ToList();
        var (ttsSpan, ttsJudgeSpan, ttsUtterance) = SpanCer(recognizer, judge, features, spoken);
        table.AddRow(ArditVoice.Teacher, "(new sentence spoken whole)", Invariant($"{ttsSpan:F4}"), Invariant($"{ttsJudgeSpan:F4}"), Invariant($"{ttsUtterance:F4}"), "", "", "", "", "");
        var results = new List<(string Voice, SpeechEditMethod Method, double SpanCer, double JudgeSpanCer, double Join)>();
        foreach (var row in rows)
        {
            var edited = new List<(float[] Samples, string Text, int Word, string Spoken)>();
            var left = new List<double>();
            var right = new List<double>();
            var original = new List<double>();
            double spanRatio = 0, seconds = 0, elapsed = 0;
            var editor = new SpeechEditor(row.Speech, encoder, aligner);
            foreach (var edit in edits)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var audio = Media.Audio.IO.AudioBuffer.FromMono(edit.Clip.Samples, features.Config.SampleRate);
                SpeechResult result;
                SpeechEditPlan plan;
                try
                {
                    (result, plan) = editor.Edit(audio, edit.Clip.Text, edit.Text, sampling, row.Method, cancellationToken: cancellationToken);
                }
                catch (ArgumentException e)
                {
                    AnsiConsole.WriteLine($"skipped {edit.Clip.Id}: {e.Message}");
                    continue;
                }
                var samples = Resampled(result.Samples, result.SampleRate, features.Config.SampleRate);
                edited.Add((samples, edit.Text, edit.Word, edit.NewWord));
                if (settings.ShowEdits)
                    AnsiConsole.WriteLine(Invariant($"{row.Voice} {Method(row.Method)}: {edit.OldWord} -> {edit.NewWord}, regenerated frames {plan.KeepFrames}-{plan.SuffixStart} of {plan.TotalFrames}; judge heard \"{RecognizerEvaluation.Transcribe(judge, features, samples)}\""));
                double rate = row.Speech.FrameRate;
                left.Add(JoinDistance.At(features, samples, plan.KeepFrames / rate));
                right.Add(JoinDistance.At(features, samples, plan.SuffixStart / rate));
                original.Add(JoinDistance.At(features, copies[edit], plan.KeepFrames / rate));
                original.Add(JoinDistance.At(features, copies[edit], plan.OldSuffixStart / rate));
                spanRatio += (plan.SpanEnd - plan.SpanStart) / Math.Max(1.0, plan.OldSuffixStart - plan.SpanStart - (plan.SuffixStart - plan.SpanEnd));
                seconds += result.DurationSeconds;
                elapsed += result.Elapsed.TotalSeconds;
            }
            if (edited.Count == 0) continue;
            var (spanCer, judgeSpanCer, utteranceCer) = SpanCer(recognizer, judge, features, edited);
            double leftDb = Finite(left), rightDb = Finite(right);
            table.AddRow(row.Voice, Method(row.Method), Invariant($"{spanCer:F4}"), Invariant($"{judgeSpanCer:F4}"),
                Invariant($"{utteranceCer:F4}"), Invariant($"{leftDb:F2}"), Invariant($"{rightDb:F2}"),
                Invariant($"{Finite(original):F2}"), Invariant($"{spanRatio / edited.Count:F2}"), Invariant($"{elapsed / seconds:F3}"));
            results.Add((row.Voice, row.Method, spanCer, judgeSpanCer, (leftDb + rightDb) / 2));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(Invariant($"natural join distance: {natural:F2}"));
        // The headline is the product's editing: fill-in-the-middle where a voice is trained for it; the current method beside it.
        var product = results.FirstOrDefault(r => r.Method == SpeechEditMethod.FillInMiddle);
        var current = results.FirstOrDefault(r => r.Voice == ArditVoice.Teacher);
        if (product.Voice is not null)
        {
            AnsiConsole.WriteLine(Invariant($"edit span cer: {product.SpanCer:F4}"));
            AnsiConsole.WriteLine(Invariant($"edit span judge cer: {product.JudgeSpanCer:F4}"));
            AnsiConsole.WriteLine(Invariant($"edit join distance: {product.Join:F2}"));
        }
        else if (current.Voice is not null)
        {
            AnsiConsole.WriteLine(Invariant($"edit span cer: {current.SpanCer:F4}"));
        }
        if (current.Voice is null) return 1;   // every edit of the current method was refused (each said why above)
        AnsiConsole.WriteLine(Invariant($"left-context span cer: {current.SpanCer:F4}"));
        AnsiConsole.WriteLine(Invariant($"left-context span judge cer: {current.JudgeSpanCer:F4}"));
        AnsiConsole.WriteLine(Invariant($"left-context join distance: {current.Join:F2}"));
        return 0;
    }

    /// <summary>Pooled span CER (both recognizers) of word <c>Word</c> (= <c>Spoken</c>) of each canonical text, and the judge's utterance CER.</summary>
    static (double Span, double JudgeSpan, double JudgeUtterance) SpanCer(CtcRecognizer recognizer, CtcRecognizer judge, Media.Services.Audio.Speech.SpeechFeatures features,
        IEnumerable<(float[] Samples, string Text, int Word, string Spoken)> items)
    {
        long edits = 0, judgeEdits = 0, chars = 0;
        var utterances = new List<(string, string)>();
        foreach (var (samples, text, word, spoken) in items)
        {
            string target = TextFrontEnd.RecognitionTarget(text);
            string before = TextFrontEnd.RecognitionTarget(string.Join(' ', text.Split(' ').Take(word)));
            int start = before.Length + (before.Length > 0 ? 1 : 0);
            string judged = RecognizerEvaluation.Transcribe(judge, features, samples);
            edits += CharacterErrorRate.SpanEdits(target, RecognizerEvaluation.Transcribe(recognizer, features, samples), start, start + spoken.Length);
            judgeEdits += CharacterErrorRate.SpanEdits(target, judged, start, start + spoken.Length);
            chars += spoken.Length;
            utterances.Add((target, judged));
        }
        return ((double)edits / chars, (double)judgeEdits / chars, CharacterErrorRate.Compute(utterances));
    }

    static string Method(SpeechEditMethod method) => method == SpeechEditMethod.FillInMiddle ? SpeechEditJobKind.FillInMiddle : SpeechEditJobKind.LeftContext;

    static double Finite(IEnumerable<double> values) => values.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    static float[] Resampled(float[] samples, int from, int to) =>
        from == to ? samples : Media.Audio.IO.AudioBuffer.FromMono(samples, from).Resample(to).Channels[0];

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

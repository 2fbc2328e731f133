using Media.Audio.Corpora;
using Media.Services.Audio.Speech.Editing;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Tests.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Editing;

/// <summary>
/// Editing a real recording with the committed voice, prompt encoder and aligner (skipped where espeak-ng is missing;
/// test.sh installs it): where the edit lands and what is kept.
/// </summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class SpeechEditorTests : IDisposable
{
    static readonly EspeakRenderer Espeak = new();
    const string Transcript = "the quick brown fox jumps over the lazy dog";
    readonly string models = CommittedModels.Folder;
    readonly StreamingSpeechSynthesizer speech;
    readonly SpeechPromptEncoder encoder;
    readonly CtcRecognizer recognizer;
    readonly CtcTextAligner aligner;
    readonly SpeechEditor editor;

    public SpeechEditorTests()
    {
        speech = ArditVoice.Load(models, CPU);
        encoder = SpeechPromptEncoder.Load(models, CPU);
        recognizer = CtcRecognizer.Load(Path.Combine(models, ArditVoice.Aligner), CPU);
        aligner = new CtcTextAligner(recognizer);
        editor = new SpeechEditor(speech, encoder, aligner);
    }

    public void Dispose()
    {
        aligner.Dispose();
        recognizer.Dispose();
        encoder.Dispose();
        speech.Dispose();
    }

    static Media.Audio.IO.AudioBuffer Recording() => Espeak.Render(Transcript, new EspeakVoice("en-us", 150, 50));

    [EspeakFact]
    public void The_changed_word_is_found_where_it_is_spoken_and_the_audio_before_the_regenerated_stretch_is_kept()
    {
        string transcript = Transcript;
        var audio = Recording();
        var sampling = new ArditSamplingOptions { Steps = 2, Seed = 1 };

        using var prepared = editor.Prepare(audio, transcript, "the quick red fox jumps over the lazy dog", sampling);
        var plan = prepared.Plan;
        Assert.Equal(SpeechEditMethod.LeftContext, plan.Method);   // the committed voice was not trained with fill-in-the-middle
        Assert.Equal("brown ", plan.Edit.OldSpan);
        Assert.Equal("red ", plan.Edit.NewSpan);
        // The word sits where the aligner hears "brown": after "quick", before "fox".
        string text = new TextFrontEnd(SpeechSymbols.Default).Canonicalize(transcript);
        var heard = aligner.Align(audio.WithChannels(1).Resample(aligner.SampleRate).Channels[0], text)!;
        double quick = heard[text.IndexOf("quick", StringComparison.Ordinal)] * speech.FrameRate;
        double fox = heard[text.IndexOf("fox", StringComparison.Ordinal)] * speech.FrameRate;
        Assert.InRange(plan.SpanStart, quick, fox);
        Assert.True(plan.KeepFrames <= plan.SpanStart && plan.KeepFrames % 4 == 0 && plan.SpanStart - plan.KeepFrames < 4);
        Assert.Equal(plan.TotalFrames - plan.SuffixStart, prepared.Latents.shape[0] - plan.OldSuffixStart);
        Assert.Equal(plan.Edit.New.Length, Assert.IsType<double[]>(plan.TextFrames).Length);
        for (int i = 1; i < plan.TextFrames.Length; i++) Assert.True(plan.TextFrames[i] >= plan.TextFrames[i - 1] - 1, $"character {i} placed before character {i - 1}");

        var result = speech.SynthesizeEdit(plan, prepared.Latents, sampling);
        Assert.Equal(plan.TotalFrames, result.Frames);
        // The kept prefix decodes as the recording's own latents do (the decoder is causal): the same audio up to the regenerated stretch.
        var decoder = VaeVocoderDecoder.Load(models, CPU);
        using var stream = decoder.OpenStream();
        float[] copy = [.. stream.Push(prepared.Latents), .. stream.Finish()];
        int kept = (int)(plan.KeepFrames * result.SampleRate / speech.FrameRate) - 3000;   // less the vocoder's look-ahead and window
        Assert.True(kept > 0);
        for (int i = 0; i < kept; i++) Assert.True(Math.Abs(copy[i] - result.Samples[i]) < 1e-4, $"sample {i}: {copy[i]} kept vs {result.Samples[i]}");

        var error = Assert.Throws<ArgumentException>(() => editor.Prepare(audio, transcript, "the quick red fox jumps over the lazy dog", sampling, SpeechEditMethod.FillInMiddle));
        Assert.Contains("fill-in-the-middle", error.Message, StringComparison.Ordinal);
    }

    [EspeakTheory]
    [InlineData("the quick brown fox jumps over the lazy")]      // the last word deleted
    [InlineData("the quick brown fox jumps over the lazy dog")]  // nothing changed: refused
    [InlineData("so the quick brown fox jumps over the lazy dog")]   // a word inserted at the start
    [InlineData("the quick fox jumps over the lazy dog")]        // a word deleted in the middle
    public void Deletions_and_insertions_anywhere_give_a_recording_of_the_planned_length(string text)
    {
        string transcript = Transcript;
        var audio = Recording();
        var sampling = new ArditSamplingOptions { Steps = 1, Seed = 1 };
        if (text == transcript)
        {
            Assert.Contains("nothing to edit", Assert.Throws<ArgumentException>(() => editor.Edit(audio, transcript, text, sampling)).Message, StringComparison.Ordinal);
            return;
        }
        var (result, plan) = editor.Edit(audio, transcript, text, sampling);
        Assert.Equal(plan.TotalFrames, result.Frames);
        Assert.True(plan.KeepFrames < plan.SuffixStart && plan.SuffixStart <= plan.TotalFrames);
        Assert.Equal(text, plan.Edit.New);
        Assert.InRange(result.DurationSeconds, plan.TotalFrames / speech.FrameRate - 0.1, plan.TotalFrames / speech.FrameRate + 0.1);
    }
}

using Media.Audio.Corpora;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Tests.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Recognizer;

/// <summary>The committed recognizer, aligning espeak-ng speech to its text (skipped where espeak-ng is missing; test.sh installs it).</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class CtcTextAlignerTests
{
    static readonly EspeakRenderer Espeak = new();

    [EspeakFact]
    public void Characters_are_placed_in_order_inside_the_clip_and_the_pause_at_a_comma_separates_its_words()
    {
        using var recognizer = CtcRecognizer.Load(Path.Combine(CommittedModels.Folder, "asr-ctc"), CPU);
        using var aligner = new CtcTextAligner(recognizer);
        string text = new TextFrontEnd(SpeechSymbols.Default).Canonicalize("One two three. Four, five six.");
        var audio = Espeak.Render(text, new EspeakVoice("en-us", 160, 50)).Resample(recognizer.Config.Mel.SampleRate);
        double seconds = audio.Channels[0].Length / (double)audio.SampleRate;

        var at = aligner.Align(audio.Channels[0], text);

        Assert.NotNull(at);
        Assert.Equal(text.Length, at!.Length);
        for (int i = 1; i < at.Length; i++) Assert.True(at[i] >= at[i - 1], $"'{text[i]}' at {at[i]:F3} s comes before '{text[i - 1]}' at {at[i - 1]:F3} s");
        Assert.InRange(at[0], 0, seconds);
        Assert.InRange(at[^1], 0, seconds);
        // espeak-ng pauses at the comma: the gap across it is longer than any gap between letters of one word.
        int comma = text.IndexOf(',', StringComparison.Ordinal);
        double acrossComma = at[comma + 2] - at[comma - 1];
        double withinWords = Enumerable.Range(1, at.Length - 1).Where(i => char.IsLetter(text[i]) && char.IsLetter(text[i - 1])).Max(i => at[i] - at[i - 1]);
        Assert.True(acrossComma > withinWords, $"across the comma {acrossComma:F3} s, longest letter gap {withinWords:F3} s; "
            + string.Join(" ", text.Select((c, i) => $"{c}{at[i]:F2}")));
        // The silent comma sits between the characters around it.
        Assert.InRange(at[comma], at[comma - 1], at[comma + 1]);
    }
}

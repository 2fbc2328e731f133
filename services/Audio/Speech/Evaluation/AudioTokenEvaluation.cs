using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Recognizer;
using Media.Tokenizers.Audio.Kmeans;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>A held-out clip with the time (seconds) and character of each spoken letter, space or apostrophe.</summary>
public sealed record CharacterAlignedClip(string Id, AudioBuffer Audio, double[] Times, char[] Characters);

/// <summary>A discrete audio tokenizer under evaluation: its name, its encoder and its frame period.</summary>
public sealed record AudioTokenizerUnderTest(string Name, Func<AudioBuffer, int[]> Encode, double FrameSeconds, int VocabularySize);

/// <summary>What the tokens say about the words and how much they change with the voice.</summary>
/// <param name="Characters">I(token; aligned character), its bound H(character), purity.</param>
/// <param name="SpeakerAgreement">Mean agreement (<see cref="TokenSequenceAgreement"/>) of the same sentence in two voices.</param>
/// <param name="UnrelatedAgreement">The same measure for two different sentences in one voice: the chance level.</param>
public sealed record AudioTokenScores(string Tokenizer, int VocabularySize, double FrameSeconds, TokenLabelInformation Characters, double SpeakerAgreement, double UnrelatedAgreement, int Pairs);

/// <summary>
/// Character purity and speaker invariance of discrete audio tokens, as the issue defines them: the mutual information
/// between each token frame and the character being spoken there (characters placed by CTC forced alignment; a frame
/// takes the nearest aligned character), and agreement of the token sequences of one sentence spoken by two espeak-ng
/// voices, beside the agreement of two different sentences as the floor.
/// </summary>
public static class AudioTokenEvaluation
{
    /// <summary>The two voices of the invariance test: different accents and sexes, the same rate and pitch setting.</summary>
    public static readonly (EspeakVoice A, EspeakVoice B) VoicePair = (new EspeakVoice("en-us+m3", 160, 50), new EspeakVoice("en-gb+f2", 160, 50));

    /// <summary>Places the characters of <paramref name="clips"/> with <paramref name="aligner"/>; clips it cannot align are left out.</summary>
    public static IReadOnlyList<CharacterAlignedClip> AlignCharacters(CtcTextAligner aligner, SpeechClipSet clips)
    {
        ArgumentNullException.ThrowIfNull(aligner);
        ArgumentNullException.ThrowIfNull(clips);
        var result = new List<CharacterAlignedClip>();
        foreach (var clip in clips.Clips)
        {
            if (aligner.Align(clip.Samples, clip.Text) is not { } seconds) continue;
            var kept = Enumerable.Range(0, clip.Text.Length).Where(i => char.IsLetter(clip.Text[i]) || clip.Text[i] is ' ' or '\'').ToArray();
            result.Add(new CharacterAlignedClip(clip.Id, AudioBuffer.FromMono(clip.Samples, clips.SampleRate),
                [.. kept.Select(i => seconds[i])], [.. kept.Select(i => clip.Text[i])]));
        }
        return result;
    }

    /// <summary>(token, character) pairs of every token frame between a clip's first and last aligned character.</summary>
    public static IEnumerable<(int Token, int Label)> TokenCharacterPairs(AudioTokenizerUnderTest tokenizer, IEnumerable<CharacterAlignedClip> clips)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(clips);
        foreach (var clip in clips)
        {
            if (clip.Times.Length == 0) continue;
            var tokens = tokenizer.Encode(clip.Audio);
            double first = clip.Times[0] - tokenizer.FrameSeconds, last = clip.Times[^1] + tokenizer.FrameSeconds;
            int c = 0;
            for (int f = 0; f < tokens.Length; f++)
            {
                double t = (f + 0.5) * tokenizer.FrameSeconds;
                if (t < first || t > last) continue;
                while (c + 1 < clip.Times.Length && Math.Abs(clip.Times[c + 1] - t) <= Math.Abs(clip.Times[c] - t)) c++;
                yield return (tokens[f], clip.Characters[c]);
            }
        }
    }

    /// <summary>Renders each sentence in both voices of <see cref="VoicePair"/> at <paramref name="sampleRate"/>.</summary>
    public static IReadOnlyList<(AudioBuffer A, AudioBuffer B)> RenderVoicePairs(EspeakRenderer renderer, IEnumerable<string> sentences, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentNullException.ThrowIfNull(sentences);
        return [.. sentences.Select(s => (renderer.Render(s, VoicePair.A).WithChannels(1).Resample(sampleRate), renderer.Render(s, VoicePair.B).WithChannels(1).Resample(sampleRate)))];
    }

    /// <summary>The scores of one tokenizer on aligned clips and voice pairs.</summary>
    public static AudioTokenScores Evaluate(AudioTokenizerUnderTest tokenizer, IReadOnlyList<CharacterAlignedClip> clips, IReadOnlyList<(AudioBuffer A, AudioBuffer B)> voicePairs)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(clips);
        var information = TokenLabelInformation.Measure(TokenCharacterPairs(tokenizer, clips));
        var (same, unrelated) = Agreement(tokenizer, voicePairs);
        return new AudioTokenScores(tokenizer.Name, tokenizer.VocabularySize, tokenizer.FrameSeconds, information, same, unrelated, voicePairs.Count);
    }

    /// <summary>Mean agreement of each sentence's two voices, and of consecutive different sentences in the first voice (chance).</summary>
    public static (double SameSentence, double Unrelated) Agreement(AudioTokenizerUnderTest tokenizer, IReadOnlyList<(AudioBuffer A, AudioBuffer B)> voicePairs)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(voicePairs);
        if (voicePairs.Count < 2) throw new ArgumentException("The invariance test needs at least two sentences.", nameof(voicePairs));
        var a = voicePairs.Select(p => tokenizer.Encode(p.A)).ToArray();
        var b = voicePairs.Select(p => tokenizer.Encode(p.B)).ToArray();
        return (Enumerable.Range(0, a.Length).Average(i => TokenSequenceAgreement.Of(a[i], b[i])),
            Enumerable.Range(0, a.Length).Average(i => TokenSequenceAgreement.Of(a[i], a[(i + 1) % a.Length])));
    }
}

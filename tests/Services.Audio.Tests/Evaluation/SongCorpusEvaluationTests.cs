using Media.Audio.Analysis;
using Media.Audio.Corpora;
using Media.Services.Audio.Evaluation;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Evaluation;

[Collection(SingleThreadedTorch.Name)]
public sealed class SongCorpusEvaluationTests
{
    // Plays the audio 2^(1/12) times faster: every frequency a semitone up.
    static float[] SemitoneUp(float[] samples, int sampleRate)
    {
        double ratio = Math.Pow(2, 1 / 12.0);
        var result = new float[(int)(samples.Length / ratio)];
        for (int i = 0; i < result.Length; i++)
        {
            double at = i * ratio;
            int left = (int)at;
            double frac = at - left;
            result[i] = (float)(samples[left] * (1 - frac) + samples[Math.Min(left + 1, samples.Length - 1)] * frac);
        }
        return result;
    }

    [EspeakFact]
    [Slow("renders a corpus song and transcribes its vocal stem three times with the committed recognizer")]
    public void A_variant_is_heard_on_the_vocal_stem_and_its_key_read_on_the_mix()
    {
        var variants = new SongCorpusVariant[] { new("same", (samples, _) => samples), new("semitone-up", SemitoneUp) };

        var report = SongCorpusEvaluation.Run(new LyricSongGenerator(16000), CommittedModels.Path("asr-ctc"), CPU, 1, 900000, variants: variants);

        var row = Assert.Single(report.Rows);
        Assert.True(row.KeyCorrect, $"{row.Key} read as {row.EstimatedKey}");  // C# major, read so (docs/SONG.md)
        Assert.Equal(row.EstimatedKey, row.VariantEstimatedKeys["same"]);
        Assert.Equal(row.Transcript, row.VariantTranscripts["same"]);
        Assert.Equal(report.KeyAccuracy, report.VariantKeyAccuracy("same"));
        var asRead = MusicalKey.Parse(row.EstimatedKey);
        Assert.Equal(asRead with { Tonic = (asRead.Tonic + 1) % 12 }, MusicalKey.Parse(row.VariantEstimatedKeys["semitone-up"]));
        Assert.Equal(0, report.VariantKeyAccuracy("semitone-up"));
    }
}

using Media.Audio.Corpora;
using Media.Services.Audio.Evaluation;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Evaluation;

[Collection(SingleThreadedTorch.Name)]
public sealed class SongModelEvaluationTests
{
    [EspeakFact]
    [Slow("renders two corpus songs and transcribes them with the committed recognizer")]
    public void The_token_readings_are_the_estimators_on_the_opening_through_the_tokens_and_absent_without_it()
    {
        using var recognizer = CtcRecognizer.Load(CommittedModels.Path("asr-ctc"), CPU);
        using var features = new SpeechFeatures(recognizer.Config.Mel);
        var evaluation = new SongModelEvaluation(recognizer, features);
        var corpus = new LyricSongGenerator(16000);
        var asked = corpus.Generate(900000);  // C# major at 101 bpm, read so from its own 8 s opening (docs/SONG.md)
        var other = corpus.Generate(900002);  // D# major at another tempo
        float[] Opening(float[] track) => track[..(8 * 16000)];
        GeneratedSong Song(float[]? tokens) => new(900000, asked.Music.Tempo, asked.Music.Key, "la", Opening(asked.Vocals), Opening(asked.Mix), null, null,
            16000, 8, 0.4, 3, 3, Opening(asked.Mix), tokens);

        var kept = evaluation.Measure(Song(Opening(asked.Mix)));
        Assert.Equal(kept.CorpusEstimatedKey, kept.TokenEstimatedKey);
        Assert.Equal(kept.CorpusEstimatedTempo, kept.TokenEstimatedTempo);
        Assert.True(kept.TokenKeyCorrect);
        Assert.True(kept.TokenTempoCorrect);

        // Tokens that gave back another song: the readings are that song's, not the asked one's.
        var lost = evaluation.Measure(Song(Opening(other.Mix)));
        Assert.False(lost.TokenKeyCorrect);
        Assert.False(lost.TokenTempoCorrect);
        Assert.True(lost.CorpusKeyCorrect);

        var unmeasured = evaluation.Measure(Song(null));
        Assert.Null(unmeasured.TokenEstimatedKey);
        Assert.Null(unmeasured.TokenEstimatedTempo);
    }
}

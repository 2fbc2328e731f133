using Media.Audio.Corpora;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// The codec's training and evaluation audio, deterministic by seed: espeak-ng speech (the corpus'
/// train or held-out split) and procedural music (train seeds from <see cref="TrainMusicSeed"/>,
/// held-out seeds from <see cref="HeldOutMusicSeed"/>, so no held-out clip is ever trained on).
/// </summary>
public sealed class CodecCorpus
{
    /// <summary>First seed of the training music clips.</summary>
    public const ulong TrainMusicSeed = 10_000;

    /// <summary>First seed of the held-out music clips.</summary>
    public const ulong HeldOutMusicSeed = 900_000;

    readonly float[][] speech;
    readonly float[][] music;

    CodecCorpus(float[][] speech, float[][] music, int sampleRate)
    {
        if (speech.Length == 0 && music.Length == 0) throw new ArgumentException("The corpus holds no audio.");
        this.speech = speech;
        this.music = music;
        SampleRate = sampleRate;
    }

    /// <summary>Sample rate of every clip.</summary>
    public int SampleRate { get; }

    /// <summary>Speech clips.</summary>
    public IReadOnlyList<float[]> Speech => speech;

    /// <summary>Music clips.</summary>
    public IReadOnlyList<float[]> Music => music;

    /// <summary>
    /// Loads a split: the speech corpus' train (or held-out) utterances, up to <paramref name="maxSpeech"/>,
    /// and <paramref name="musicClips"/> music clips of <paramref name="musicSeconds"/> from the split's seeds.
    /// </summary>
    public static CodecCorpus Load(SpeechCorpus corpus, bool heldOut, int musicClips, double musicSeconds = 4, int maxSpeech = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(musicClips);
        var utterances = (heldOut ? corpus.Test : corpus.Train).Take(maxSpeech);
        var speech = utterances.Select(u => corpus.Load(u).ToMonoSamples()).ToArray();
        var generator = new MusicGenerator(corpus.SampleRate);
        ulong first = heldOut ? HeldOutMusicSeed : TrainMusicSeed;
        var music = Enumerable.Range(0, musicClips).Select(i => generator.Generate(first + (ulong)i, musicSeconds).Samples).ToArray();
        return new CodecCorpus(speech, music, corpus.SampleRate);
    }

    /// <summary>
    /// A training batch [batch, 1, samples]: even items speech, odd items music (when both exist), each a
    /// random crop (zero-padded when the clip is shorter) at a random gain in [0.5, 1], all from <paramref name="random"/>.
    /// </summary>
    public Tensor Batch(Random random, int batch, int samples, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var data = new float[batch * samples];
        for (int b = 0; b < batch; b++)
        {
            var pool = (b % 2 == 0 && speech.Length > 0) || music.Length == 0 ? speech : music;
            var clip = pool[random.Next(pool.Length)];
            int start = clip.Length > samples ? random.Next(clip.Length - samples + 1) : 0;
            int count = Math.Min(samples, clip.Length);
            float gain = (float)(0.5 + 0.5 * random.NextDouble());
            for (int i = 0; i < count; i++) data[b * samples + i] = gain * clip[start + i];
        }
        return tensor(data, [batch, 1, samples], device: device);
    }
}

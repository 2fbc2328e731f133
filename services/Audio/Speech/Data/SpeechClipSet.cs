using Media.Audio.Corpora;
using Media.Services.Audio.Speech.FrontEnd;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Data;

/// <summary>
/// A split of the espeak-ng speech corpus held in memory, with the batch builders the speech models
/// train on. Batches depend only on the <see cref="Random"/> they are given (the trainer seeds it by
/// position), so a resumed run sees the same data.
/// </summary>
public sealed class SpeechClipSet
{
    /// <summary>A set over <paramref name="clips"/> at <paramref name="sampleRate"/>.</summary>
    public SpeechClipSet(IReadOnlyList<SpeechClip> clips, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("The set holds no clips.", nameof(clips));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        Clips = clips;
        SampleRate = sampleRate;
    }

    /// <summary>The clips.</summary>
    public IReadOnlyList<SpeechClip> Clips { get; }

    /// <summary>Their sample rate.</summary>
    public int SampleRate { get; }

    /// <summary>Total audio, seconds.</summary>
    public double Seconds => Clips.Sum(c => (double)c.Samples.Length) / SampleRate;

    /// <summary>Loads <paramref name="utterances"/> of <paramref name="corpus"/> (in order) with their text through <paramref name="frontEnd"/>.</summary>
    public static SpeechClipSet Load(SpeechCorpus corpus, IEnumerable<SpeechUtterance> utterances, TextFrontEnd frontEnd)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(utterances);
        ArgumentNullException.ThrowIfNull(frontEnd);
        var clips = utterances.Select(u =>
        {
            string text = frontEnd.Canonicalize(u.Transcript);
            return new SpeechClip(u.Id, text, TextFrontEnd.RecognitionTarget(text), corpus.Load(u).ToMonoSamples());
        }).ToArray();
        return new SpeechClipSet(clips, corpus.SampleRate);
    }

    /// <summary>
    /// <paramref name="count"/> random crops of <paramref name="length"/> samples as <c>[count, length]</c> on
    /// <paramref name="device"/>; clips shorter than the crop are zero-padded (silence) at the end.
    /// </summary>
    public Tensor RandomCrops(Random random, int count, int length, Device device)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var data = new float[count * length];
        for (int b = 0; b < count; b++)
        {
            var clip = Clips[random.Next(Clips.Count)].Samples;
            int offset = clip.Length > length ? random.Next(clip.Length - length + 1) : 0;
            Array.Copy(clip, offset, data, b * length, Math.Min(length, clip.Length - offset));
        }
        return tensor(data, [count, length], device: device);
    }

    /// <summary>The clips at <paramref name="indices"/> zero-padded to the longest as <c>[B, N]</c>, with their lengths.</summary>
    public (Tensor Waveforms, int[] Lengths) Padded(IReadOnlyList<int> indices, Device device)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("Give at least one clip index.", nameof(indices));
        int longest = indices.Max(i => Clips[i].Samples.Length);
        var data = new float[indices.Count * longest];
        var lengths = new int[indices.Count];
        for (int b = 0; b < indices.Count; b++)
        {
            var samples = Clips[indices[b]].Samples;
            Array.Copy(samples, 0, data, b * longest, samples.Length);
            lengths[b] = samples.Length;
        }
        return (tensor(data, [indices.Count, longest], device: device), lengths);
    }
}

using Media.Services.Audio.Speech.Training;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Training;

/// <summary>The recognizer's band-limit augmentation: what a low-passed utterance keeps and loses.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class BandLimitTests
{
    const int Rate = 16000;

    // Two tones per row: 1 kHz and 6 kHz, one second.
    static Tensor Tones()
    {
        var t = arange(Rate, dtype: ScalarType.Float32) / Rate;
        var row = sin(2 * Math.PI * 1000 * t) + sin(2 * Math.PI * 6000 * t);
        return stack([row, row]);
    }

    static double Amplitude(Tensor row, double hz)
    {
        var spectrum = fft.rfft(row).abs() / (Rate / 2);
        return spectrum[(long)hz].item<float>();
    }

    [Fact]
    public void A_cutoff_removes_what_lies_above_it_and_keeps_what_lies_below_row_by_row()
    {
        using var scope = NewDisposeScope();
        var waves = Tones();
        var limited = RecognizerTraining.LowPass(waves, [4000, 8000], Rate);
        Assert.Equal(waves.shape, limited.shape);
        Assert.InRange(Amplitude(limited[0], 1000), 0.99, 1.01);
        Assert.InRange(Amplitude(limited[0], 6000), 0, 0.01);
        // At the Nyquist frequency the row is unchanged.
        Assert.True(limited[1].eq(waves[1]).all().item<bool>());
    }

    [Fact]
    public void A_band_limited_training_batch_loses_its_upper_mel_bands_and_keeps_the_rest()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        using var model = new Media.Services.Audio.Speech.Recognizer.CtcRecognizer(new() { Channels = 16, Hidden = 16, Layers = 1 });
        float[] tones = Tones()[0].data<float>().ToArray();
        var clips = new Media.Services.Audio.Speech.Data.SpeechClipSet([new("a", "ab", "ab", tones), new("b", "ab", "ab", tones)], Rate);
        using var run = new TempDirectory();
        using var training = new RecognizerTraining(model, clips, clips, new SpeechTrainingOptions { RunDirectory = run.Path, Steps = 1 }, validationClips: 1, bandLimit: 1);
        var plain = training.Batch(clips, [0, 1], CPU);
        var limited = training.Batch(clips, [0, 1], CPU, [4000, 8000]);
        // 80 Slaney bands to 8 kHz: bands 0-19 lie below 1.4 kHz, 60-79 above 4.5 kHz.
        double Band(CtcBatch batch, int row, int from, int to) => batch.Mel[row, TensorIndex.Slice(from, to)].max().item<float>();
        Assert.True(Band(limited, 0, 60, 80) < Band(plain, 0, 60, 80) - 1, $"6 kHz tone: {Band(plain, 0, 60, 80)} -> {Band(limited, 0, 60, 80)}");
        Assert.InRange(Band(limited, 0, 0, 20), Band(plain, 0, 0, 20) - 0.05, Band(plain, 0, 0, 20) + 0.05);
        Assert.True(limited.Mel[1].eq(plain.Mel[1]).all().item<bool>(), "a cutoff at Nyquist leaves the clip as it is");
    }

    [Fact]
    public void One_cutoff_is_needed_per_row()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => RecognizerTraining.LowPass(Tones(), [4000], Rate));
    }
}

using Media.Modeling.Devices;
using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Where each character will be spoken, for a voice whose text tokens sit at their aligned frames
/// (<see cref="ArditConfig.TextTiming"/> "aligned"): a FastSpeech-style convolutional predictor over the characters
/// gives the log gap (in latent frames) from the previous character to this one and, at the last character, the log
/// tail to the end. At generation the gaps and tail are scaled to the requested total duration, so speech-rate control
/// stays a single number. Trained beside the flow loss on recognizer alignments of the corpus.
/// </summary>
public sealed class TextTimingPredictor : nn.Module<Tensor, Tensor>
{
    readonly Embedding embeddings;
    readonly ModuleList<Conv1d> convs;
    readonly ModuleList<LayerNorm> norms;
    readonly Linear proj;

    /// <summary>Hidden width.</summary>
    public const int Width = 64;

    /// <summary>Convolution layers (kernel 5 each: a receptive field of 13 characters).</summary>
    public const int Layers = 3;

    /// <summary>A freshly initialised predictor over <paramref name="vocabSize"/> symbols.</summary>
    public TextTimingPredictor(int vocabSize) : base(nameof(TextTimingPredictor))
    {
        embeddings = nn.Embedding(vocabSize, Width);
        convs = nn.ModuleList(Enumerable.Range(0, Layers).Select(_ => nn.Conv1d(Width, Width, 5, padding: 2)).ToArray());
        norms = nn.ModuleList(Enumerable.Range(0, Layers).Select(_ => nn.LayerNorm(Width)).ToArray());
        proj = nn.Linear(Width, 2);
        RegisterComponents();
    }

    /// <summary>Text ids [R, L] (padding id 0 after each row's length) to [R, L, 2]: log(1 + gap) and log(1 + tail) per character.</summary>
    public override Tensor forward(Tensor text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var scope = NewDisposeScope();
        // Padding is zeroed so a padded row reads like an unpadded one at the convolutions' edges.
        var h = embeddings.call(text);
        var keep = text.ne(0).unsqueeze(-1).to(h.dtype);   // the weights' dtype: float32, or bfloat16 under Media:Torch:Dtype
        h *= keep;
        for (int i = 0; i < convs.Count; i++)
            h = norms[i].call(nn.functional.relu(UnfoldConvolution.Forward(convs[i], h.transpose(1, 2)).transpose(1, 2))) * keep;
        return proj.call(h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean squared log-gap error of rows whose characters are spoken at <paramref name="textFrames"/> (latent frames,
    /// one row per text row, each of its row's text length) in utterances of <paramref name="frameLengths"/> frames.
    /// </summary>
    public Tensor Loss(Tensor text, long[] textLengths, double[][] textFrames, long[] frameLengths)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(textFrames);
        ArgumentNullException.ThrowIfNull(frameLengths);
        using var scope = NewDisposeScope();
        long rows = text.shape[0], l = text.shape[1];
        var target = new float[rows * l * 2];
        var weight = new float[rows * l * 2];
        for (int r = 0; r < rows; r++)
        {
            var frames = textFrames[r];
            for (int i = 0; i < textLengths[r]; i++)
            {
                double gap = Math.Max(frames[i] - (i == 0 ? 0 : frames[i - 1]), 0);
                target[(r * l + i) * 2] = (float)Math.Log(1 + gap);
                weight[(r * l + i) * 2] = 1;
            }
            long last = textLengths[r] - 1;
            target[(r * l + last) * 2 + 1] = (float)Math.Log(1 + Math.Max(frameLengths[r] - frames[last], 0));
            weight[(r * l + last) * 2 + 1] = 1;
        }
        var device = text.device;
        var t = tensor(target, [rows, l, 2], device: device);
        var w = tensor(weight, [rows, l, 2], device: device);
        return (((forward(text) - t).square() * w).sum() / w.sum().ClampMin(1.0)).MoveToOuterDisposeScope();
    }

    /// <summary>Where each character of every row is spoken (latent frames), scaled so each row's gaps and tail fill its <paramref name="frameLengths"/>.</summary>
    public double[][] Predict(Tensor text, long[] textLengths, long[] frameLengths)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(frameLengths);
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        long rows = text.shape[0], l = text.shape[1];
        var output = forward(text).cpu().to_type(ScalarType.Float32).exp().sub(1).ClampMin(0.0).data<float>().ToArray();
        var result = new double[rows][];
        for (int r = 0; r < rows; r++)
        {
            int n = (int)textLengths[r];
            var at = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) at[i] = sum += output[(r * l + i) * 2];
            double total = sum + output[(r * l + n - 1) * 2 + 1];
            double scale = total > 0 ? frameLengths[r] / total : 0;
            for (int i = 0; i < n; i++) at[i] = total > 0 ? at[i] * scale : (i + 0.5) * frameLengths[r] / n;
            result[r] = at;
        }
        return result;
    }
}

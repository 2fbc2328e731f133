using Media.Modeling.Layers;
using Media.Services.Audio.Speech.FrontEnd;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>
/// A small CTC speech recognizer (Graves et al. 2006) used to score synthesised speech: normalised
/// log-mel -> two convs (the second stride 2, 40 Hz) -> BiLSTM -> linear to the symbol table, whose id 0
/// (padding) serves as the CTC blank. Trained with torch's ctc_loss; decoded greedily
/// (<see cref="CtcGreedyDecoder"/>).
/// </summary>
public sealed class CtcRecognizer : nn.Module<Tensor, Tensor>
{
    readonly Conv1d conv1;
    readonly Conv1d conv2;
    readonly LayerNorm norm;
    readonly LSTM lstm;
    readonly Linear proj;

    /// <summary>A freshly initialised recognizer of <paramref name="config"/>.</summary>
    public CtcRecognizer(CtcRecognizerConfig config) : base(nameof(CtcRecognizer))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Symbols = new SpeechSymbols(config.Symbols);
        conv1 = nn.Conv1d(config.Mel.MelBands, config.Channels, 5, padding: 2);
        conv2 = nn.Conv1d(config.Channels, config.Channels, 5, stride: CtcRecognizerConfig.Subsampling, padding: 2);
        norm = nn.LayerNorm(config.Channels);
        lstm = nn.LSTM(config.Channels, config.Hidden, numLayers: config.Layers, batchFirst: true, bidirectional: true);
        proj = nn.Linear(2L * config.Hidden, Symbols.Count);
        RegisterComponents();
    }

    /// <summary>The committed recognizer in <paramref name="folder"/> (config.json + model.safetensors) on <paramref name="device"/>, in eval mode.</summary>
    public static CtcRecognizer Load(string folder, Device device)
    {
        var model = new CtcRecognizer(SpeechModelFolder.ReadConfig<CtcRecognizerConfig>(folder));
        SpeechModelFolder.LoadWeights(model, folder, device);
        return model;
    }

    /// <summary>The sizes.</summary>
    public CtcRecognizerConfig Config { get; }

    /// <summary>The output inventory (id 0 = blank).</summary>
    public SpeechSymbols Symbols { get; }

    /// <summary>Output frames for <paramref name="melFrames"/> input frames.</summary>
    public static long OutputFrames(long melFrames) => (melFrames + CtcRecognizerConfig.Subsampling - 1) / CtcRecognizerConfig.Subsampling;

    /// <summary>Normalised log-mel <c>[B, mels, T]</c> to log-probabilities <c>[B, ceil(T/2), symbols]</c>.</summary>
    public override Tensor forward(Tensor normalizedMel)
    {
        using var scope = NewDisposeScope();
        return nn.functional.log_softmax(proj.call(HiddenStates(normalizedMel)), -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The BiLSTM's output <c>[B, ceil(T/2), 2 x hidden]</c> for a normalised log-mel <c>[B, mels, T]</c>: the last hidden
    /// layer, where the recognizer has turned sound into what is said (the features of the semantic k-means tokens).
    /// </summary>
    public Tensor HiddenStates(Tensor normalizedMel)
    {
        ArgumentNullException.ThrowIfNull(normalizedMel);
        if (normalizedMel.dim() != 3 || normalizedMel.shape[1] != Config.Mel.MelBands)
            throw new ArgumentException($"Expected a normalised log-mel [B, {Config.Mel.MelBands}, T]; got [{string.Join(", ", normalizedMel.shape)}].", nameof(normalizedMel));
        using var scope = NewDisposeScope();
        var h = nn.functional.gelu(UnfoldConvolution.Forward(conv1, normalizedMel));
        h = nn.functional.gelu(UnfoldConvolution.Forward(conv2, h));
        var (output, _, _) = lstm.call(norm.call(h.transpose(1, 2)));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean CTC loss (per target character, as torch's "mean" reduction) of a batch: inputs padded with
    /// silence, their true frame counts, and targets <c>[B, S]</c> padded with 0 with their lengths.
    /// </summary>
    public Tensor Loss(Tensor normalizedMel, long[] melFrames, Tensor targets, long[] targetLengths)
    {
        ArgumentNullException.ThrowIfNull(melFrames);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(targetLengths);
        using var scope = NewDisposeScope();
        var logProbs = forward(normalizedMel).transpose(0, 1); // [T, B, C]
        var inputLengths = tensor(melFrames.Select(f => OutputFrames(f)).ToArray(), device: logProbs.device);
        var lengths = tensor(targetLengths, device: logProbs.device);
        return nn.functional.ctc_loss(logProbs, targets, inputLengths, lengths, blank: SpeechSymbols.Pad,
            reduction: nn.Reduction.Mean, zero_infinity: true).MoveToOuterDisposeScope();
    }

    /// <summary>Greedy transcription of one normalised log-mel <c>[mels, T]</c>.</summary>
    public string Transcribe(Tensor normalizedMel)
    {
        ArgumentNullException.ThrowIfNull(normalizedMel);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logProbs = forward(normalizedMel.unsqueeze(0)).squeeze(0);
        var best = logProbs.argmax(-1).to(CPU).data<long>().ToArray();
        return new string(CtcGreedyDecoder.Collapse(best.Select(i => (int)i), SpeechSymbols.Pad).Select(Symbols.CharOf).ToArray());
    }
}

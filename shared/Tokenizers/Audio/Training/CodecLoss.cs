namespace Media.Tokenizers.Audio.Training;

/// <summary>One training step's loss and its parts (the parts are plain numbers for the log).</summary>
public sealed record CodecLoss(TorchSharp.torch.Tensor Total, double Time, double Stft, double Mel, double Commitment, int Codebooks, int RestartedCodes);

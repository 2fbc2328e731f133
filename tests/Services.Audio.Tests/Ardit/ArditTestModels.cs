using Media.Services.Audio.Speech.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>Tiny ARDiT models for tests, with every weight randomised (the zero-initialised adaLN and output
/// layers would otherwise make every block the identity and every output zero, hiding mistakes).</summary>
static class ArditTestModels
{
    public static ArditConfig Tiny(int blockSize) => new()
    {
        LatentDim = 6, BlockSize = blockSize, VocabSize = 20, Dim = 32, NLayer = 2, NHead = 4, MaxTextLength = 40, MaxFrames = 64,
    };

    public static ArditModel Randomised(ArditConfig config, long seed = 7)
    {
        manual_seed(seed);
        var model = new ArditModel(config);
        using (no_grad())
            foreach (var (_, p) in model.named_parameters())
                p.normal_(0, 0.2);
        model.eval();
        return model;
    }
}

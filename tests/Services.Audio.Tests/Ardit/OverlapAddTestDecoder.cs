using Media.Services.Audio.Speech.Generation;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>
/// A stand-in latent decoder: frame f becomes a Hann-windowed grain of 2 hops (a fixed random projection of its
/// latent) centred on f's hop, overlap-added. A stream can hand out a hop only once the next frame is known,
/// which is the kind of look-ahead a real streaming decoder has.
/// </summary>
sealed class OverlapAddTestDecoder(int latentDim, int hop = 8, int frameRate = 25) : ILatentSpeechDecoder
{
    readonly int hop = hop;
    readonly float[,] basis = Basis(latentDim, 2 * hop);

    public int LatentDim => latentDim;
    public double FrameRate => frameRate;
    public int SampleRate => frameRate * hop;

    public ILatentDecodingSession OpenStream() => new Session(this);

    /// <summary>The whole sequence at once: the offline reference.</summary>
    public float[] DecodeAll(Tensor latents)
    {
        using var session = OpenStream();
        var first = session.Push(latents);
        return [.. first, .. session.Finish()];
    }

    float[] Grain(float[] latent)
    {
        var g = new float[2 * hop];
        for (int i = 0; i < g.Length; i++)
        {
            double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (i + 0.5) / g.Length);
            double s = 0;
            for (int c = 0; c < latentDim; c++) s += basis[c, i] * latent[c];
            g[i] = (float)(w * s);
        }
        return g;
    }

    static float[,] Basis(int rows, int cols)
    {
        var random = new Random(11);
        var b = new float[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) b[r, c] = (float)(random.NextDouble() - 0.5);
        return b;
    }

    sealed class Session(OverlapAddTestDecoder decoder) : ILatentDecodingSession
    {
        float[] tail = new float[decoder.hop];

        public float[] Push(Tensor latents)
        {
            var values = latents.to(ScalarType.Float32).cpu().data<float>().ToArray();
            int n = (int)latents.shape[0], hop = decoder.hop;
            var output = new List<float>();
            for (int f = 0; f < n; f++)
            {
                var g = decoder.Grain(values[(f * decoder.LatentDim)..((f + 1) * decoder.LatentDim)]);
                for (int i = 0; i < hop; i++) output.Add(tail[i] + g[i]);
                tail = g[hop..];
            }
            return [.. output];
        }

        public float[] Finish() => tail;

        public void Dispose() { }
    }
}

namespace Media.Audio.IO;

/// <summary>
/// Band-limited sample-rate conversion by a rational factor L/M (polyphase windowed sinc). Output sample n
/// sits at input time n*M/L and is the sum of input samples weighted by a Kaiser-windowed sinc whose
/// cut-off is the lower of the two Nyquist frequencies (times <see cref="Rolloff"/>), so content above
/// the new Nyquist is removed before it can alias. One filter phase per distinct fractional offset (L of
/// them) is precomputed. Signals are zero outside their ends. <see cref="Incremental"/> runs the same filter on a
/// signal that arrives in pieces.
/// </summary>
public sealed class Resampler
{
    /// <summary>Zero crossings of the sinc on each side of the centre: the filter's length in cut-off periods.</summary>
    public const int ZeroCrossings = 24;

    /// <summary>Kaiser window shape: about 80 dB stop-band attenuation.</summary>
    public const double KaiserBeta = 8.0;

    /// <summary>Cut-off as a fraction of the output (or input) Nyquist; the transition band lies just below Nyquist.</summary>
    public const double Rolloff = 0.92;

    readonly int up, down, halfTaps;
    readonly float[][] phases;

    /// <summary>A converter from <paramref name="inputRate"/> to <paramref name="outputRate"/> Hz.</summary>
    public Resampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(inputRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(outputRate, 0);
        InputRate = inputRate;
        OutputRate = outputRate;
        int g = Gcd(inputRate, outputRate);
        up = outputRate / g;
        down = inputRate / g;

        // Cut-off in cycles per input sample; the sinc spans ZeroCrossings of its own periods each side.
        double cutoff = 0.5 * Math.Min(1.0, (double)up / down) * Rolloff;
        double halfWidth = ZeroCrossings / (2 * cutoff);
        halfTaps = (int)Math.Ceiling(halfWidth);
        phases = new float[up][];
        double i0Beta = BesselI0(KaiserBeta);
        for (int p = 0; p < up; p++)
        {
            var taps = new double[2 * halfTaps];
            double frac = (double)p / up, sum = 0;
            for (int i = 0; i < taps.Length; i++)
            {
                // Tap i weighs input sample base - halfTaps + 1 + i, at distance tau from the output instant.
                double tau = frac + halfTaps - 1 - i;
                double r = tau / halfWidth;
                double window = Math.Abs(r) >= 1 ? 0 : BesselI0(KaiserBeta * Math.Sqrt(1 - r * r)) / i0Beta;
                double x = 2 * cutoff * tau;
                double sinc = x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);
                taps[i] = 2 * cutoff * sinc * window;
                sum += taps[i];
            }
            // Unit DC gain in every phase, so a constant stays constant (no phase-dependent ripple).
            phases[p] = taps.Select(t => (float)(t / sum)).ToArray();
        }
    }

    /// <summary>Rate of the input, Hz.</summary>
    public int InputRate { get; }

    /// <summary>Rate of the output, Hz.</summary>
    public int OutputRate { get; }

    /// <summary>
    /// A converter for a signal that arrives in pieces: the same filter, with its history carried between
    /// pieces, so the concatenated output equals <see cref="Process"/> of the whole signal.
    /// </summary>
    public IncrementalResampler Incremental() => new(this);

    internal int Up => up;
    internal int Down => down;
    internal int HalfTaps => halfTaps;
    internal float[] Phase(long position) => phases[(int)(position % up)];

    /// <summary>Output length for <paramref name="inputLength"/> input samples: ceil(n * out / in).</summary>
    public int OutputLength(int inputLength) => (int)(((long)inputLength * up + down - 1) / down);

    /// <summary>Resamples a whole signal (no delay: output sample 0 is aligned with input sample 0).</summary>
    public float[] Process(ReadOnlySpan<float> input)
    {
        if (up == down) return input.ToArray();
        var output = new float[OutputLength(input.Length)];
        for (int n = 0; n < output.Length; n++)
        {
            long position = (long)n * down;
            int center = (int)(position / up);
            var taps = phases[(int)(position % up)];
            int first = center - halfTaps + 1;
            int lo = Math.Max(0, -first), hi = Math.Min(taps.Length, input.Length - first);
            double acc = 0;
            for (int i = lo; i < hi; i++) acc += taps[i] * input[first + i];
            output[n] = (float)acc;
        }
        return output;
    }

    static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    // Modified Bessel function of the first kind, order 0, by its power series (converges fast for x < 50).
    static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 200 && term > 1e-17 * sum; k++)
        {
            term *= half / k * (half / k);
            sum += term;
        }
        return sum;
    }
}

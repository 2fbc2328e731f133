namespace Media.Audio.Metrics;

/// <summary>Which hertz-to-mel mapping (and filter normalisation) a mel filterbank uses.</summary>
public enum MelScale
{
    /// <summary>
    /// Slaney's Auditory Toolbox scale (linear below 1 kHz, logarithmic above) with area-normalised
    /// filters: librosa's default, and the mels of HiFi-GAN, BigVGAN and Vocos.
    /// </summary>
    Slaney,

    /// <summary>HTK's scale, 2595 log10(1 + f/700), with unit-peak triangles: torchaudio's default.</summary>
    Htk,
}

/// <summary>Conversions between hertz and mels on either <see cref="MelScale"/>.</summary>
public static class MelConversion
{
    const double SlaneyStep = 200.0 / 3, SlaneyBreakHz = 1000, SlaneyBreakMel = SlaneyBreakHz / SlaneyStep;
    static readonly double SlaneyLogStep = Math.Log(6.4) / 27;

    /// <summary>Hertz to mels.</summary>
    public static double HzToMel(double hz, MelScale scale) => scale switch
    {
        MelScale.Htk => 2595 * Math.Log10(1 + hz / 700),
        _ => hz < SlaneyBreakHz ? hz / SlaneyStep : SlaneyBreakMel + Math.Log(hz / SlaneyBreakHz) / SlaneyLogStep,
    };

    /// <summary>Mels to hertz.</summary>
    public static double MelToHz(double mel, MelScale scale) => scale switch
    {
        MelScale.Htk => 700 * (Math.Pow(10, mel / 2595) - 1),
        _ => mel < SlaneyBreakMel ? mel * SlaneyStep : SlaneyBreakHz * Math.Exp(SlaneyLogStep * (mel - SlaneyBreakMel)),
    };
}

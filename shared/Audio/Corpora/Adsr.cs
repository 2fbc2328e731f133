namespace Media.Audio.Corpora;

/// <summary>Attack-decay-sustain-release envelope (seconds, sustain level 0..1), linear segments.</summary>
public readonly record struct Adsr(double Attack, double Decay, double Sustain, double Release)
{
    /// <summary>Level at time <paramref name="t"/> after note-on for a note held <paramref name="held"/> seconds (release follows).</summary>
    public double Level(double t, double held)
    {
        if (t < 0) return 0;
        if (t >= held) return Math.Max(0, HeldLevel(held) * (1 - (t - held) / Release));
        return HeldLevel(t);
    }

    double HeldLevel(double t)
    {
        if (t < Attack) return t / Attack;
        if (t < Attack + Decay) return 1 - (1 - Sustain) * (t - Attack) / Decay;
        return Sustain;
    }
}

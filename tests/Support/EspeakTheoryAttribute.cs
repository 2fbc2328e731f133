using Media.Audio.Corpora;

namespace Media.Tests.Support;

/// <summary>A theory that is skipped, with the install command, where espeak-ng is not installed (test.sh installs it).</summary>
public sealed class EspeakTheoryAttribute : TheoryAttribute
{
    static readonly bool Available = new EspeakRenderer().IsAvailable();

    public EspeakTheoryAttribute()
    {
        if (!Available) Skip = $"espeak-ng is not installed; install it with: {EspeakRenderer.InstallCommand}";
    }
}

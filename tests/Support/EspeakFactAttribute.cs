using Media.Audio.Corpora;

namespace Media.Tests.Support;

/// <summary>A fact that is skipped, with the install command, where espeak-ng is not installed (test.sh installs it).</summary>
public sealed class EspeakFactAttribute : FactAttribute
{
    static readonly bool Available = new EspeakRenderer().IsAvailable();

    public EspeakFactAttribute()
    {
        if (!Available) Skip = $"espeak-ng is not installed; install it with: {EspeakRenderer.InstallCommand}";
    }
}

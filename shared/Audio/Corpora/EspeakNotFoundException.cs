namespace Media.Audio.Corpora;

/// <summary>espeak-ng is not installed (or not on PATH); the message says how to install it.</summary>
public sealed class EspeakNotFoundException : InvalidOperationException
{
    /// <summary>Creates the exception with the install instruction.</summary>
    public EspeakNotFoundException()
        : base($"espeak-ng was not found on PATH; the speech corpus needs it. Install it with: {EspeakRenderer.InstallCommand}") { }

    /// <summary>Creates the exception with a custom message.</summary>
    public EspeakNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a custom message and cause.</summary>
    public EspeakNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}

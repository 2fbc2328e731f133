using System.Reflection;
using TorchSharp;

namespace Media.Modeling.Devices;

/// <summary>Facts about the loaded libtorch, for health and info output.</summary>
public static class TorchRuntime
{
    /// <summary>"cpu" or "cuda": which libtorch package this build was restored with.</summary>
    public static string LibraryFlavour => torch.cuda.is_available() ? "cuda" : "cpu";

    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static string Describe() =>
        $"TorchSharp {TorchSharpVersion}, libtorch {LibraryFlavour}, {torch.get_num_threads()} threads, "
        + (torch.cuda.is_available() ? $"{torch.cuda.device_count()} CUDA device(s)" : "no CUDA");
}

using System.Runtime.CompilerServices;
using TorchSharp;

namespace Media.Tokenizers.Tests;

/// <summary>
/// The tests run tiny tensors through many small ops, and xunit runs classes in parallel: libtorch's
/// worker threads would only spin waiting for each other (10-30x slower on a busy 2-core host).
/// </summary>
static class SingleThreadedTorch
{
#pragma warning disable CA2255 // A test assembly's process-wide libtorch setting belongs before any test runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => torch.set_num_threads(1);
}

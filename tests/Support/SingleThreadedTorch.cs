using Xunit.Abstractions;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Media.Tests.Support;

/// <summary>
/// Runs a whole test assembly on one libtorch intra-op thread, set before the first test. A test
/// assembly opts in with <c>[assembly: TestFramework(SingleThreadedTorch.TypeName, SingleThreadedTorch.AssemblyName)]</c>.
/// </summary>
/// <remarks>
/// <para>The tests run tiny tensors through many small ops while xunit already runs test classes in
/// parallel on every core: libtorch's worker threads would only spin waiting for each other (10-30x
/// slower on a loaded 2-core host, measured: 150 ms against 4.5 ms a trainer step).</para>
/// <para>The five copies this replaces disagreed. Some set one thread only inside a serial collection
/// and restored the previous count afterwards; one named a collection "single-threaded" but set nothing;
/// one set one thread for the whole assembly from a module initializer. The whole-assembly setting is
/// the right one: the thread count is process-wide, so scoping it to one collection left every
/// parallel test on the slow default, and restoring it bought nothing, since xunit runs the serial
/// collections after the parallel ones. A module initializer would need a copy in each assembly; a
/// test framework is named by one attribute and built before any test is discovered.</para>
/// <para>Serial execution is a separate need: tests that seed or draw from torch's global generator,
/// or change the thread count themselves, join the collection named <see cref="Name"/>, which each
/// assembly defines with <c>DisableParallelization = true</c> (xunit finds collection definitions
/// only in the test assembly itself).</para>
/// </remarks>
public sealed class SingleThreadedTorch : XunitTestFramework
{
    public const string TypeName = "Media.Tests.Support." + nameof(SingleThreadedTorch);
    public const string AssemblyName = "Media.Tests.Support";

    /// <summary>The collection of tests that must run alone (torch's global generator, the thread count).</summary>
    public const string Name = nameof(SingleThreadedTorch);

    public SingleThreadedTorch(IMessageSink messageSink) : base(messageSink) => set_num_threads(1);
}

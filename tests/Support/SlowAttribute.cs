using Xunit.Abstractions;
using Xunit.Sdk;

namespace Media.Tests.Support;

/// <summary>
/// Marks a test (or every test of a class) as slow: it trains a model, runs a committed model,
/// renders a corpus or starts processes. <c>./test.sh --fast</c> leaves these out
/// (<c>--filter Category!=Slow</c>); the full suite and CI run them.
/// </summary>
/// <param name="reason">Why it is slow, for the reader (model training, committed-model inference, ...).</param>
[TraitDiscoverer(SlowAttribute.DiscovererTypeName, SingleThreadedTorch.AssemblyName)]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class SlowAttribute(string reason) : Attribute, ITraitAttribute
{
    public const string Category = "Category";
    public const string Value = "Slow";
    internal const string DiscovererTypeName = "Media.Tests.Support." + nameof(SlowTraitDiscoverer);

    public string Reason { get; } = reason;
}

/// <summary>Turns <see cref="SlowAttribute"/> into the <c>Category=Slow</c> trait that <c>dotnet test --filter</c> sees.</summary>
public sealed class SlowTraitDiscoverer : ITraitDiscoverer
{
    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute)
    {
        yield return new(SlowAttribute.Category, SlowAttribute.Value);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>A container that registers children under given names, to build any key layout in tests.</summary>
sealed class NamedModule : nn.Module
{
    public NamedModule(params (string Name, nn.Module Child)[] children) : base("named")
    {
        foreach (var (name, child) in children) register_module(name, child);
    }

    /// <summary>Wraps <paramref name="leaf"/> so its keys start with the dotted <paramref name="path"/>.</summary>
    public static nn.Module Nest(string path, nn.Module leaf)
    {
        var names = path.Split('.');
        nn.Module node = leaf;
        for (int i = names.Length - 1; i >= 1; i--) node = new NamedModule((names[i], node));
        return new NamedModule((names[0], node));
    }
}

using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>What an evaluation hook receives: the model is in eval mode under no_grad, with EMA weights swapped in when <see cref="UsesEma"/>.</summary>
public sealed record EvalContext(long Step, nn.Module Model, Device Device, bool UsesEma);

using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>What the analysis saw in one image: the background and the objects, largest first.</summary>
public sealed record ImageAnalysis(NamedColor Background, IReadOnlyList<DetectedObject> Objects);

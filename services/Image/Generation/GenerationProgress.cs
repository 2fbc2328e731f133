using Media.Services.Image.Data;

namespace Media.Services.Image.Generation;

/// <summary>After window <see cref="Window"/> (1-based) of <see cref="Windows"/>: a preview when a row of windows just completed.</summary>
public sealed record GenerationProgress(int Window, int Windows, RgbImage? Preview);

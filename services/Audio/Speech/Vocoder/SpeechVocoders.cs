using System.Text.Json;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>The vocoder choice: the trained iSTFT vocoder or Griffin-Lim, whichever its <c>eval.json</c> measured better.</summary>
public static class SpeechVocoders
{
    /// <summary>Name of the neural vocoder in <c>eval.json</c>'s <c>default</c>.</summary>
    public const string Istft = "istft";

    /// <summary>Name of the Griffin-Lim baseline in <c>eval.json</c>'s <c>default</c>.</summary>
    public const string GriffinLim = "griffin-lim";

    /// <summary>
    /// The default vocoder for <paramref name="mel"/> features: the iSTFT vocoder in <paramref name="folder"/> when
    /// its <c>eval.json</c> names it the default, otherwise Griffin-Lim (also when nothing is trained yet).
    /// </summary>
    public static IVocoder LoadDefault(string folder, SpeechMelConfig mel, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(mel);
        string evalPath = Path.Combine(folder, "eval.json");
        if (File.Exists(evalPath))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(evalPath));
            if (json.RootElement.TryGetProperty("default", out var choice) && choice.GetString() == Istft)
            {
                var vocoder = IstftVocoder.Load(folder, device);
                if (vocoder.Mel != mel)
                {
                    vocoder.Dispose();
                    throw new InvalidDataException($"The vocoder in {folder} was trained on other mel features than the model asking for it.");
                }
                return vocoder;
            }
        }
        return new Vocoder.GriffinLim(mel);
    }
}

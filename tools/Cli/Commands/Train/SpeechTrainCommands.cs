using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>Registers the speech models' <c>media train</c> subcommands.</summary>
internal static class SpeechTrainCommands
{
    public static void AddSpeechTraining(this IConfigurator<CommandSettings> train)
    {
        train.AddCommand<TrainTtsVaeCommand>("tts-vae").WithDescription("Train the TTS mel autoencoder (20 Hz latents) on the espeak-ng corpus; export to models/tts-mel-vae.");
        train.AddCommand<TrainTtsVocoderCommand>("tts-vocoder").WithDescription("Train the iSTFT vocoder, compare it with Griffin-Lim on held-out clips; export to models/tts-vocoder.");
        train.AddCommand<TrainAsrCommand>("asr").WithDescription("Train the CTC recognizer used for TTS CER; export to models/asr-ctc.");
    }
}

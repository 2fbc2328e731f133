using Media.Cli.Commands;
using Media.Cli.Commands.Bench;
using Media.Cli.Commands.Speech;
using Media.Cli.Commands.Train;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("media");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the libtorch build, device and thread settings, and the models folder.");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure the modeling toolkit (ratios side by side in one run).");
        bench.AddCommand<KvCacheBenchCommand>("kv-cache").WithDescription("KV cache vs full forward, batched vs one-by-one serving.");
    });
    config.AddBranch("train", train =>
    {
        train.AddSpeechTraining();
        train.AddCommand<TrainTtsCommand>("tts").WithDescription("Train the ARDiT text-to-speech voice over the mel VAE latents; export to models/ardit-tts.");
    });
    config.AddBranch("generate", generate =>
        generate.AddCommand<GenerateSpeechCommand>("speech").WithDescription("Speak text with the ARDiT voice (models/ardit-tts) into a WAV."));
});
return await app.RunAsync(args);

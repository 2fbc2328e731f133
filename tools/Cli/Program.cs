using Media.Cli.Commands;
using Media.Cli.Commands.Bench;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("media");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the libtorch build, device and thread settings, and the models folder.");
    config.AddBranch("bench", bench => bench.AddCommand<CodecBenchCommand>("codec").WithDescription("Codec real-time factor: encode + decode seconds per second of audio."));
});
return await app.RunAsync(args);

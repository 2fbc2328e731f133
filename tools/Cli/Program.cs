using Media.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("media");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the libtorch build, device and thread settings, and the models folder.");
});
return await app.RunAsync(args);

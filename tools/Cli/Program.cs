using Media.Cli.Commands;
using Media.Cli.Commands.Bench;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("media");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the libtorch build, device and thread settings, and the models folder.");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Benchmarks: ratios measured side by side in one run (docs/BENCHMARKS.md).");
        bench.AddCommand<KvCacheBenchCommand>("kv-cache").WithDescription("KV cache vs full forward, batched vs one-by-one serving.");
        bench.AddCommand<CodecBenchCommand>("codec").WithDescription("Codec real-time factor: encode + decode seconds per second of audio.");
    });
});
return await app.RunAsync(args);

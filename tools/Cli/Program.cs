using Media.Cli.Commands;
using Media.Cli.Commands.Bench;
using Media.Cli.Commands.Codec;
using Media.Cli.Commands.Eval;
using Media.Cli.Commands.Train;
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
    config.AddBranch("codec", codec =>
    {
        codec.SetDescription("Audio codec: WAV to discrete codes and back.");
        codec.AddCommand<CodecEncodeCommand>("encode").WithDescription("Encode a WAV file to codes.json.");
        codec.AddCommand<CodecDecodeCommand>("decode").WithDescription("Decode codes.json to a WAV file.");
    });
    config.AddBranch("eval", eval =>
    {
        eval.SetDescription("Evaluations on held-out data; each writes its report under docs/.");
        eval.AddCommand<CodecEvalCommand>("codec").WithDescription("Our codec vs Opus and mu-law: SI-SNR, mel distance, STOI, bitrate (docs/CODEC.md).");
    });
    config.AddBranch("train", train =>
    {
        train.SetDescription("Train a model here (resumable run folders; exports under models/).");
        train.AddCommand<SemanticTrainCommand>("semantic").WithDescription("k-means semantic audio tokens over log-mel frames (models/semantic-kmeans).");
        train.AddCommand<CodecTrainCommand>("codec").WithDescription("Our EnCodec-architecture codec on espeak-ng speech and procedural music.");
    });
});
return await app.RunAsync(args);

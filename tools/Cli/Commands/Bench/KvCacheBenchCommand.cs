using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Modeling.Transformers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary><c>media bench kv-cache</c>: what the KV cache and iteration-level batching buy, measured side by side.</summary>
internal sealed class KvCacheBenchCommand : Command<KvCacheBenchCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--tokens")]
        [Description("New tokens per sequence")]
        [DefaultValue(256)]
        public int Tokens { get; init; } = 256;

        [CommandOption("--prompt")]
        [Description("Prompt tokens per sequence")]
        [DefaultValue(16)]
        public int Prompt { get; init; } = 16;

        [CommandOption("--requests")]
        [Description("Concurrent requests for the batching comparison")]
        [DefaultValue(8)]
        public int Requests { get; init; } = 8;

        [CommandOption("--seed")]
        [Description("Seed of the random weights and prompts")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate() =>
            Tokens < 2 ? ValidationResult.Error("--tokens must be at least 2")
            : Prompt < 1 ? ValidationResult.Error("--prompt must be at least 1")
            : Requests < 1 ? ValidationResult.Error("--requests must be at least 1")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        // About 10M parameters: 10.6M in the blocks plus 2 x 1.6M embedding and output.
        var config = new TransformerConfig(Dim: 384, NLayer: 6, NHead: 6, NKvHead: 6, VocabSize: 4096, MaxSeqLen: settings.Prompt + settings.Tokens);
        var bench = new KvCacheBenchmark(config, settings.Prompt, settings.Tokens, settings.Requests, settings.Seed, device);

        KvCacheBenchResult result = null!;
        AnsiConsole.Status().Start("starting", status => result = bench.Run(step => status.Status(Markup.Escape(step))));

        AnsiConsole.MarkupLine(Markup.Escape(
            $"decoder: dim {config.Dim}, {config.NLayer} layers, {config.NHead} heads, vocab {config.VocabSize}, {result.Parameters / 1e6:F1}M parameters; "
            + $"prompt {settings.Prompt}, {settings.Tokens} new tokens, device {device}, {TorchSharp.torch.get_num_threads()} threads"));
        AnsiConsole.WriteLine("(a) one sequence with the KV cache; (b) the same with a full forward pass per token; "
            + "(c) the requests batched by the step scheduler; (d) the same requests one at a time");
        var table = new Table().AddColumns("run", "seconds", "cpu seconds", "tokens", "tokens/s", "matmul GFLOP/s");
        foreach (var run in new[] { result.Cached, result.Uncached, result.Batched, result.OneByOne })
            table.AddRow(Markup.Escape(run.Name), F(run.Elapsed.TotalSeconds, 3), F(run.Cpu.TotalSeconds, 3), run.Tokens.ToString(CultureInfo.InvariantCulture),
                F(run.TokensPerSecond, 1), F(run.GigaflopsPerSecond, 2));
        AnsiConsole.Write(table);
        var floor = result.Floor;
        AnsiConsole.WriteLine(
            $"weight streaming: one product over the {F(floor.Megabytes, 1)} MB of projection weights takes {F(floor.OneRow.TotalMilliseconds, 2)} ms "
            + $"for 1 row ({F(floor.GigabytesPerSecond, 1)} GB/s) and {F(floor.EightRows.TotalMilliseconds, 2)} ms for 8 rows; "
            + $"cached decoding took {F(result.Cached.Elapsed.TotalMilliseconds / result.Cached.Tokens, 2)} ms per token, "
            + $"batched x{settings.Requests} {F(result.Batched.Elapsed.TotalMilliseconds * settings.Requests / result.Batched.Tokens, 2)} ms per step");
        AnsiConsole.WriteLine($"same tokens with and without the cache: {(result.CachedMatchesUncached ? "yes" : "no")}");
        AnsiConsole.WriteLine($"same tokens batched and one by one: {(result.BatchedMatchesOneByOne ? "yes" : "no")}");
        AnsiConsole.WriteLine($"kv-cache speedup by cpu time: {F(result.Uncached.Cpu / result.Cached.Cpu, 2)}, batching speedup by cpu time: {F(result.OneByOne.Cpu / result.Batched.Cpu, 2)}");
        AnsiConsole.WriteLine($"kv-cache speedup: {F(result.KvCacheSpeedup, 2)}");
        AnsiConsole.WriteLine($"batching speedup: {F(result.BatchingSpeedup, 2)}");
        AnsiConsole.WriteLine($"matmul peak GFLOP/s: {F(result.Batched.GigaflopsPerSecond, 2)}");
        return 0;
    }

    static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

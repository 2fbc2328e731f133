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

        [CommandOption("--config")]
        [Description("Decoder shape: default (13.8M: dim 384, 6 layers, vocab 4096) or gpt-b (LlamaGen GPT-B, 111M: dim 768, 12 layers, vocab 16384)")]
        [DefaultValue("default")]
        public string Config { get; init; } = "default";

        [CommandOption("--rounds")]
        [Description("Alternating rounds of bare against scheduled decoding (the overhead uses the sums)")]
        [DefaultValue(2)]
        public int Rounds { get; init; } = 2;

        [CommandOption("--seed")]
        [Description("Seed of the random weights and prompts")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate() =>
            Tokens < 2 ? ValidationResult.Error("--tokens must be at least 2")
            : Prompt < 1 ? ValidationResult.Error("--prompt must be at least 1")
            : Requests < 1 ? ValidationResult.Error("--requests must be at least 1")
            : Rounds < 1 ? ValidationResult.Error("--rounds must be at least 1")
            : Config is not ("default" or "gpt-b") ? ValidationResult.Error("--config must be default or gpt-b")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var config = settings.Config == "gpt-b"
            // LlamaGen's GPT-B: 111M parameters (85M in the blocks, 2 x 12.6M embedding and output).
            ? new TransformerConfig(Dim: 768, NLayer: 12, NHead: 12, NKvHead: 12, VocabSize: 16384, MaxSeqLen: settings.Prompt + settings.Tokens)
            // About 10M parameters: 10.6M in the blocks plus 2 x 1.6M embedding and output.
            : new TransformerConfig(Dim: 384, NLayer: 6, NHead: 6, NKvHead: 6, VocabSize: 4096, MaxSeqLen: settings.Prompt + settings.Tokens);
        var bench = new KvCacheBenchmark(config, settings.Prompt, settings.Tokens, settings.Requests, settings.Seed, device);

        KvCacheBenchResult result = null!;
        AnsiConsole.Status().Start("starting", status => result = bench.Run(step => status.Status(Markup.Escape(step)), settings.Rounds));

        AnsiConsole.MarkupLine(Markup.Escape(
            $"decoder: dim {config.Dim}, {config.NLayer} layers, {config.NHead} heads, vocab {config.VocabSize}, {result.Parameters / 1e6:F1}M parameters; "
            + $"prompt {settings.Prompt}, {settings.Tokens} new tokens, device {device}, {TorchSharp.torch.get_num_threads()} threads"));
        AnsiConsole.WriteLine("(a) one sequence with the KV cache; (b) the same with a full forward pass per token; "
            + "(c) the requests batched by the step scheduler; (d) the same requests one at a time; "
            + $"bare x{{b}} / scheduled x{{b}}: a bare batched decode loop against the step scheduler, {settings.Rounds} alternating rounds summed; "
            + "float32 / bfloat16: the same weights in each precision (weights and KV cache)");
        var table = new Table().AddColumns("run", "seconds", "cpu seconds", "tokens", "tokens/s", "matmul GFLOP/s");
        var precision = result.Precision;
        var runs = new List<BenchRun> { result.Cached, result.Uncached, result.Batched, result.OneByOne };
        foreach (var o in result.Overheads) runs.AddRange([o.Bare, o.Scheduled]);
        runs.AddRange([precision.Float32One, precision.BFloat16One, precision.Float32Batch, precision.BFloat16Batch]);
        foreach (var run in runs)
            table.AddRow(Markup.Escape(run.Name), F(run.Elapsed.TotalSeconds, 3), F(run.Cpu.TotalSeconds, 3), run.Tokens.ToString(CultureInfo.InvariantCulture),
                F(run.TokensPerSecond, 1), F(run.GigaflopsPerSecond, 2));
        AnsiConsole.Write(table);
        var floor = result.Floor;
        AnsiConsole.WriteLine(
            $"weight streaming: one product over the {F(floor.Megabytes, 1)} MB of projection weights takes {F(floor.OneRow.TotalMilliseconds, 2)} ms "
            + $"for 1 row ({F(floor.GigabytesPerSecond, 1)} GB/s) and {F(floor.EightRows.TotalMilliseconds, 2)} ms for 8 rows; "
            + $"a cached decode step at batch 1 took {F(floor.DecodeStep.TotalMilliseconds, 2)} ms ({floor.Rounds} alternating rounds; "
            + $"{F(result.Cached.Elapsed.TotalMilliseconds / result.Cached.Tokens, 2)} ms per token in (a), prefill included), "
            + $"batched x{settings.Requests} {F(result.Batched.Elapsed.TotalMilliseconds * settings.Requests / result.Batched.Tokens, 2)} ms per step");
        AnsiConsole.WriteLine($"same tokens with and without the cache: {(result.CachedMatchesUncached ? "yes" : "no")}");
        AnsiConsole.WriteLine($"same tokens batched and one by one: {(result.BatchedMatchesOneByOne ? "yes" : "no")}");
        AnsiConsole.WriteLine($"kv-cache speedup by cpu time: {F(result.Uncached.Cpu / result.Cached.Cpu, 2)}, batching speedup by cpu time: {F(result.OneByOne.Cpu / result.Batched.Cpu, 2)}");
        foreach (var o in result.Overheads)
            AnsiConsole.WriteLine($"batch {o.Batch}: same tokens bare and scheduled: {(o.SameTokens ? "yes" : "no")}; scheduler overhead by cpu time: {F(o.CpuOverhead, 3)}");
        AnsiConsole.WriteLine($"bfloat16 against float32: batch 1 {F(precision.BFloat16One.TokensPerSecond, 1)} vs {F(precision.Float32One.TokensPerSecond, 1)} tokens/s "
            + $"(x{F(precision.Float32One.Elapsed / precision.BFloat16One.Elapsed, 2)}, cpu x{F(precision.Float32One.Cpu / precision.BFloat16One.Cpu, 2)}), "
            + $"bare batch {OverheadBatch(result)} {F(precision.BFloat16Batch.TokensPerSecond, 1)} vs {F(precision.Float32Batch.TokensPerSecond, 1)} tokens/s "
            + $"(x{F(precision.Float32Batch.Elapsed / precision.BFloat16Batch.Elapsed, 2)}, cpu x{F(precision.Float32Batch.Cpu / precision.BFloat16Batch.Cpu, 2)}); "
            + $"greedy tokens equal for the first {F(100 * precision.TokenAgreement, 0)}%");
        AnsiConsole.WriteLine($"fraction of weight-streaming floor by cpu time: {F(result.FractionOfFloorByCpu, 3)}");
        AnsiConsole.WriteLine($"matmul peak (1024x1024 product, best of 5): {F(result.MatmulPeakGigaflops, 2)} GFLOP/s");
        AnsiConsole.WriteLine($"kv-cache speedup: {F(result.KvCacheSpeedup, 2)}");
        AnsiConsole.WriteLine($"batching speedup: {F(result.BatchingSpeedup, 2)}");
        AnsiConsole.WriteLine($"matmul peak GFLOP/s: {F(result.Batched.GigaflopsPerSecond, 2)}");
        foreach (var o in result.Overheads) AnsiConsole.WriteLine($"scheduler overhead batch {o.Batch}: {F(o.Overhead, 3)}");
        AnsiConsole.WriteLine($"fraction of weight-streaming floor: {F(result.FractionOfFloor, 3)}");
        var largest = result.Overheads[^1];
        AnsiConsole.WriteLine($"fraction of matmul peak batch {largest.Batch}: {F(largest.Scheduled.GigaflopsPerSecond / result.MatmulPeakGigaflops, 3)}");
        AnsiConsole.WriteLine($"bfloat16 speedup batch 1: {F(precision.Float32One.Elapsed / precision.BFloat16One.Elapsed, 2)}");
        return 0;
    }

    static int OverheadBatch(KvCacheBenchResult result) => result.Overheads[^1].Batch;

    static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

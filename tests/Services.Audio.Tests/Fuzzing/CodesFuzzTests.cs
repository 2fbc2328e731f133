using System.Text.Json;
using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Audio.Codec;
using Media.Tests.Support.Fuzzing;
using Media.Tokenizers.Audio.Codec;
using Xunit.Abstractions;

namespace Media.Services.Audio.Tests.Fuzzing;

/// <summary>A tiny random media-codec shared by the codes fuzz tests (loading it once keeps each execution cheap).</summary>
public sealed class TinyCodecFixture : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("media-codes-fuzz-").FullName;

    public TinyCodecFixture() => Generator = new CodecGenerator(NeuralAudioCodec.Load(RandomCodecCheckpoint.Write(Path.Combine(root, "models"))));

    public CodecGenerator Generator { get; }

    public void Dispose()
    {
        Generator.Dispose();
        Directory.Delete(root, recursive: true);
    }
}

/// <summary>
/// The <c>codes</c> JSON: the audio-decode job's parameters (checked by the kind's schema, then read by the codec
/// generator) and the <c>codes.json</c> files <c>media codec decode</c> reads. Mutated matrices must be refused by the
/// schema (a 400 naming the field), fail the job with an <see cref="ArgumentException"/> saying why, or decode; a
/// codes file is read or refused with <see cref="InvalidDataException"/>.
/// </summary>
[Trait("Category", FuzzBudget.Category)]
[Trait("FuzzTarget", "codes")]
public sealed class CodesFuzzTests(TinyCodecFixture codec, ITestOutputHelper output) : IClassFixture<TinyCodecFixture>
{
    static readonly string[] DecodeSeeds =
    [
        """{"codes":[[1,2,3,4]]}""",
        """{"codes":[[0,15,7,7,1],[3,3,3,3,3],[15,0,15,0,1]]}""",
        """{"codes":[[5],[6],[7],[8],[9],[10]]}""",
    ];

    [Fact]
    public void Mutated_decode_parameters_are_refused_by_the_schema_or_fail_the_job_with_the_reason_or_decode() =>
        FuzzProperty.Check(JsonMutations.Of(DecodeSeeds), text => DecodeOrRefuse(codec.Generator, text), modestExecutions: 300, output,
            print: t => t);

    [Fact]
    public void Mutated_codes_files_are_read_or_refused_as_invalid_data()
    {
        var file = new CodecCodes { SampleRate = 16_000, Samples = 960, FrameRate = 50, CodebookSize = 16, BandwidthKbps = 0.6, Codes = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] };
        FuzzProperty.Check(JsonMutations.Of([file.ToJson()]), ReadOrRefuse, modestExecutions: 2000, output, print: t => t);
    }

    internal static void DecodeOrRefuse(CodecGenerator generator, string text)
    {
        JsonElement parameters;
        try { parameters = JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException) { return; } // not JSON: the routes answer 400 before any kind sees it (the HTTP fuzz tests cover that)
        if (parameters.ValueKind != JsonValueKind.Object || CodecJobKinds.DecodeDefinition.Validate(parameters).Count > 0) return;
        var job = new Job
        {
            Id = Job.NewId(), Kind = CodecJobKinds.Decode, Model = CodecServiceExtensions.ModelId, Family = "audio", Parameters = parameters,
            Owner = "fuzz", Status = JobStatus.Running, CreatedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            var artifacts = generator.RunAsync(job, new DiscardingSink(), CancellationToken.None).GetAwaiter().GetResult();
            Assert.True(WavFile.Read(Assert.Single(artifacts).Content.ToArray()).Length > 0);
        }
        catch (ArgumentException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    internal static void ReadOrRefuse(string text)
    {
        try
        {
            var codes = CodecCodes.Parse(text);
            Assert.True(codes.Codebooks > 0 && codes.Frames > 0);
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("codes:", e.Message, StringComparison.Ordinal);
        }
    }

    sealed class DiscardingSink : IJobEventSink
    {
        public ValueTask ProgressAsync(int step, int totalSteps, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask PreviewAsync(ReadOnlyMemory<byte> png, int step, int totalSteps, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask AudioChunkAsync(ReadOnlyMemory<byte> pcm16, int sampleRate, int channels, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

/// <summary>Inputs the codes fuzzer found, kept as they were found (docs/SECURITY.md, "Findings").</summary>
public sealed class CodesFuzzFindings
{
    [Fact]
    public void A_codes_file_with_null_codes_is_refused_as_invalid_data()
    {
        // Fuzz finding 3 (seed 3oRZ4eh1fYV1): System.Text.Json accepts null for a required list, and the shape check then threw NullReferenceException.
        const string file = """{"format":"media-codec-codes/1","sample_rate":16000,"channels":1,"samples":960,"frame_rate":50,"codebook_size":16,"bandwidth_kbps":0.6,"codes":null}""";

        var refused = Assert.Throws<InvalidDataException>(() => CodecCodes.Parse(file));

        Assert.Contains("'codes' must be a non-empty list", refused.Message, StringComparison.Ordinal);
    }
}

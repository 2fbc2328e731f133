using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Hosting.Tests.Jobs;

/// <summary>The generic validator and JSON Schema of a declared job kind (the real kinds are tested in their services).</summary>
public sealed class JobKindTests
{
    static readonly JobKind Kind = new("draw", "a test kind", [
        new("prompt", FieldType.Text, true, 1, 10, "what"),
        new("size", FieldType.WholeNumber, false, 16, 64, "pixels", MultipleOf: 16),
        new("fast", FieldType.Number, false, 0, 4, "rate", Without: new Dictionary<string, string> { ["slow"] = "the rate" }),
        new("slow", FieldType.Number, false, 0, 4, "rate", Without: new Dictionary<string, string> { ["fast"] = "the rate" }),
        new("clip", FieldType.Base64, false, 1, 100, "audio", With: "clip_text"),
        new("clip_text", FieldType.Text, false, 1, 100, "its words", With: "clip"),
        new("mode", FieldType.Choice, false, 0, 0, "how", Choices: ["a", "b"]),
        JobKind.Seed,
    ]);

    static Dictionary<string, string[]> Check(string json) => Kind.Validate(JsonDocument.Parse(json).RootElement);

    [Theory]
    [InlineData("""{"size":16}""", "parameters.prompt", "is required")]
    [InlineData("""{"prompt":"  "}""", "parameters.prompt", "must not be blank")]
    [InlineData("""{"prompt":"12345678901"}""", "parameters.prompt", "must be 1..10 characters long")]
    [InlineData("""{"prompt":"x","size":20}""", "parameters.size", "must be a multiple of 16")]
    [InlineData("""{"prompt":"x","size":80}""", "parameters.size", "must be within 16..64")]
    [InlineData("""{"prompt":"x","mode":"c"}""", "parameters.mode", "must be one of a, b")]
    [InlineData("""{"prompt":"x","clip":"AA=="}""", "parameters.clip_text", "is required with clip")]
    [InlineData("""{"prompt":"x","other":1}""", "parameters.other", "unknown parameter for draw")]
    public void Each_bad_field_is_named_with_its_rule(string json, string field, string message)
    {
        Assert.Contains(message, Assert.Single(Check(json)[field]), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_exclusive_fields_both_say_what_they_both_set()
    {
        var errors = Check("""{"prompt":"x","fast":1,"slow":2}""");
        Assert.Equal("cannot be given with slow: both set the rate; give one", Assert.Single(errors["parameters.fast"]));
        Assert.Equal("cannot be given with fast: both set the rate; give one", Assert.Single(errors["parameters.slow"]));
    }

    [Fact]
    public void The_json_schema_states_the_same_rules()
    {
        var schema = Kind.ToJsonSchema();
        Assert.Equal("object", (string)schema["type"]!);
        Assert.False((bool)schema["additionalProperties"]!);
        Assert.Equal(["prompt"], schema["required"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(10L, (long)schema["properties"]!["prompt"]!["maxLength"]!);
        Assert.Equal(16, (int)schema["properties"]!["size"]!["multipleOf"]!);
        Assert.Equal(["a", "b"], schema["properties"]!["mode"]!["enum"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["clip_text"], schema["dependentRequired"]!["clip"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["fast", "slow"], schema["allOf"]![0]!["not"]!["required"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void A_kind_registered_twice_fails_the_start()
    {
        Assert.Throws<InvalidOperationException>(() => new JobKindRegistry([Kind, Kind]));
    }

    [Fact]
    public void The_envelope_names_unknown_and_missing_fields()
    {
        var body = JsonDocument.Parse("""{"kind":"painting","model":"Bad Id","parameters":[],"priority":"urgent","extra":1}""").RootElement;
        var error = Assert.Throws<JobRejectedException>(() => JobRequestParser.Parse(body, new JobKindRegistry([Kind])));
        Assert.Equal(JobRejection.Invalid, error.Rejection);
        Assert.Equal(["extra", "kind", "model", "parameters", "priority"], error.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("must be one of draw", Assert.Single(error.Errors["kind"]));
    }
}

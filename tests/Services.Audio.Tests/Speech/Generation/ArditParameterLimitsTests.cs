using System.Text.Json;
using Media.Hosting.Models;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;

namespace Media.Services.Audio.Tests.Speech.Generation;

/// <summary>The ARDiT voice's own limits on speech jobs, checked at submission from its config.json.</summary>
public sealed class ArditParameterLimitsTests
{
    // 300 latent frames at 20 Hz: 15 s.
    static readonly ArditVoiceConfig Voice = new() { Model = new ArditConfig { FrameRate = 20, MaxFrames = 300, BlockSize = 4 }, TrainedBlockSizes = [4, 1] };

    static IReadOnlyDictionary<string, string[]> Check(string json) => ArditParameterLimits.Check(Voice, JsonDocument.Parse(json).RootElement);

    [Theory]
    [InlineData("""{"text":"x"}""")]
    [InlineData("""{"text":"x","duration":15}""")]
    [InlineData("""{"text":"x","duration":15.024}""")]   // 300.48 frames round to 300
    [InlineData("""{"text":"x","duration":0.001,"block_size":1}""")]
    [InlineData("""{"text":"x","block_size":4}""")]
    public void What_the_model_can_make_passes(string json) => Assert.Empty(Check(json));

    [Fact]
    public void A_duration_past_the_models_longest_speech_is_refused_with_the_limit()
    {
        var errors = Check("""{"text":"x","duration":15.03}""");   // 300.6 frames round to 301
        Assert.Equal("must be at most 15 s: this model makes at most 300 latent frames at 20 Hz", Assert.Single(errors["parameters.duration"]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void A_block_size_the_model_was_not_trained_with_is_refused(int blockSize)
    {
        var errors = Check($$"""{"text":"x","block_size":{{blockSize}}}""");
        Assert.Equal("must be one of 1, 4: the block sizes this model was trained with", Assert.Single(errors["parameters.block_size"]));
    }

    [Fact]
    public void The_config_is_read_from_the_checkpoint_folder_and_an_unreadable_one_passes()
    {
        string folder = Directory.CreateTempSubdirectory("ardit-limits-").FullName;
        try
        {
            var status = new ModelStatus("ardit-tts", "audio", ["speech"], "test", ModelState.Available, null, folder);
            var parameters = JsonDocument.Parse("""{"text":"x","duration":20}""").RootElement;
            Assert.Empty(ArditParameterLimits.Check(status, parameters));   // no config.json: loading reports that
            File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(Voice, SpeechModelFolder.Json));
            Assert.Equal(["parameters.duration"], ArditParameterLimits.Check(status, parameters).Keys);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_distilled_voice_takes_its_one_step_count_and_says_so()
    {
        var student = Voice with { TrainedBlockSizes = [4], Steps = 1, Teacher = "ardit-tts" };
        IReadOnlyDictionary<string, string[]> CheckStudent(string json) => ArditParameterLimits.Check(student, JsonDocument.Parse(json).RootElement);
        Assert.Empty(CheckStudent("""{"text":"x"}"""));
        Assert.Empty(CheckStudent("""{"text":"x","steps":1}"""));
        Assert.Equal("must be 1: this voice is distilled to 1 network evaluation per block (ardit-tts takes other step counts)",
            Assert.Single(CheckStudent("""{"text":"x","steps":8}""")["parameters.steps"]));
        Assert.Empty(Check("""{"text":"x","steps":8}"""));   // the teacher takes any count

        string folder = Directory.CreateTempSubdirectory("ardit-limits-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(student, SpeechModelFolder.Json));
            var limits = ArditParameterLimits.Describe(new ModelStatus("ardit-tts-1step", "audio", ["speech"], "test", ModelState.Available, null, folder))!;
            Assert.Equal("[1]", limits["steps"]!.ToJsonString());
            Assert.Equal("[4]", limits["block_sizes"]!.ToJsonString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

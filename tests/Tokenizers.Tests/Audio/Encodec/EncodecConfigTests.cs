using Media.Tokenizers.Audio.Encodec;

namespace Media.Tokenizers.Tests.Audio.Encodec;

public sealed class EncodecConfigTests
{
    [Theory]
    [InlineData(1.5, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 8)]
    [InlineData(12, 16)]
    [InlineData(24, 32)]
    public void Bandwidth_selects_floor_of_kbps_over_0_75_codebooks_at_24_kHz(double kbps, int codebooks)
    {
        Assert.Equal(codebooks, EncodecConfig.Encodec24kHz.CodebooksForBandwidth(kbps));
    }

    [Fact]
    public void The_24_kHz_configuration_has_hop_320_75_frames_per_second_and_32_codebooks()
    {
        var config = EncodecConfig.Encodec24kHz;
        Assert.Equal(320, config.HopLength);
        Assert.Equal(75, config.FrameRate);
        Assert.Equal(32, config.NumQuantizers);
        Assert.Equal(0.75, config.KbpsPerCodebook, 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(double.NaN)]
    [InlineData(30)]
    public void A_bandwidth_the_codec_cannot_give_is_rejected_with_the_range(double kbps)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EncodecConfig.Encodec24kHz.CodebooksForBandwidth(kbps));
        Assert.Contains("kbps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_smaller_16_kHz_codec_is_the_same_record_with_other_values()
    {
        var config = new EncodecConfig { SamplingRate = 16_000, NumFilters = 16, HiddenSize = 64, CodebookSize = 1024, TargetBandwidths = [1, 2, 4] };
        config.Validate();
        Assert.Equal(50, config.FrameRate);
        Assert.Equal(0.5, config.KbpsPerCodebook, 12);
        Assert.Equal(8, config.NumQuantizers);
        Assert.Equal(4, config.CodebooksForBandwidth(2));
    }

    [Fact]
    public void A_hugging_face_config_json_reads_with_its_own_field_names()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("media-tests-").FullName, "config.json");
        try
        {
            File.WriteAllText(path, """
                {"architectures": ["EncodecModel"], "model_type": "encodec", "audio_channels": 1, "chunk_length_s": null,
                 "codebook_dim": 128, "codebook_size": 1024, "compress": 2, "dilation_growth_rate": 2, "hidden_size": 128,
                 "kernel_size": 7, "last_kernel_size": 7, "norm_type": "weight_norm", "normalize": false, "num_filters": 32,
                 "num_lstm_layers": 2, "num_residual_layers": 1, "overlap": null, "pad_mode": "reflect", "residual_kernel_size": 3,
                 "sampling_rate": 24000, "target_bandwidths": [1.5, 3.0, 6.0, 12.0, 24.0], "trim_right_ratio": 1.0,
                 "upsampling_ratios": [8, 5, 4, 2], "use_causal_conv": true, "use_conv_shortcut": true}
                """);
            var config = EncodecConfig.Load(path);
            Assert.Equal((EncodecConfig.Encodec24kHz with { CodebookDim = 128 }).ToJson(), config.ToJson());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void An_unsupported_configuration_names_every_problem()
    {
        var config = new EncodecConfig { UseCausalConv = false, NormType = "time_group_norm", PadMode = "circular" };
        var error = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains("use_causal_conv", error.Message, StringComparison.Ordinal);
        Assert.Contains("norm_type", error.Message, StringComparison.Ordinal);
        Assert.Contains("pad_mode", error.Message, StringComparison.Ordinal);
    }
}

using Media.Tokenizers.Image;

namespace Media.Tokenizers.Tests.Image;

/// <summary>The module tree gives exactly LlamaGen's VQ state-dict keys and shapes (vq_model.py, `vq_ds16` checkpoints).</summary>
public sealed class VqStateDictTests
{
    /// <summary>LlamaGen's key layout written out by rule, independently of the modules.</summary>
    static Dictionary<string, long[]> ExpectedLlamaGenKeys(VqConfig c)
    {
        var keys = new Dictionary<string, long[]>();
        void Conv(string p, long cin, long cout, long k) { keys[p + ".weight"] = [cout, cin, k, k]; keys[p + ".bias"] = [cout]; }
        void Norm(string p, long ch) { keys[p + ".weight"] = [ch]; keys[p + ".bias"] = [ch]; }
        void Res(string p, long cin, long cout)
        {
            Norm(p + ".norm1", cin); Conv(p + ".conv1", cin, cout, 3); Norm(p + ".norm2", cout); Conv(p + ".conv2", cout, cout, 3);
            if (cin != cout) Conv(p + ".nin_shortcut", cin, cout, 1);
        }
        void Attn(string p, long ch) { Norm(p + ".norm", ch); foreach (var n in new[] { "q", "k", "v", "proj_out" }) Conv($"{p}.{n}", ch, ch, 1); }

        int levels = c.EncoderChannelMultipliers.Count, last = levels - 1;
        long ch = c.Channels;
        Conv("encoder.conv_in", 3, ch, 3);
        long blockIn = ch;
        for (int l = 0; l < levels; l++)
        {
            long blockOut = ch * c.EncoderChannelMultipliers[l];
            for (int j = 0; j < c.ResBlocks; j++)
            {
                Res($"encoder.conv_blocks.{l}.res.{j}", j == 0 ? blockIn : blockOut, blockOut);
                if (l == last) Attn($"encoder.conv_blocks.{l}.attn.{j}", blockOut);
            }
            if (l != last) Conv($"encoder.conv_blocks.{l}.downsample.conv", blockOut, blockOut, 3);
            blockIn = blockOut;
        }
        Res("encoder.mid.0", blockIn, blockIn); Attn("encoder.mid.1", blockIn); Res("encoder.mid.2", blockIn, blockIn);
        Norm("encoder.norm_out", blockIn);
        Conv("encoder.conv_out", blockIn, c.ZChannels, 3);

        blockIn = ch * c.DecoderChannelMultipliers[last];
        Conv("decoder.conv_in", c.ZChannels, blockIn, 3);
        Res("decoder.mid.0", blockIn, blockIn); Attn("decoder.mid.1", blockIn); Res("decoder.mid.2", blockIn, blockIn);
        for (int i = 0; i < levels; i++)
        {
            int level = last - i;
            long blockOut = ch * c.DecoderChannelMultipliers[level];
            for (int j = 0; j < c.ResBlocks + 1; j++)
            {
                Res($"decoder.conv_blocks.{i}.res.{j}", j == 0 ? blockIn : blockOut, blockOut);
                if (level == last) Attn($"decoder.conv_blocks.{i}.attn.{j}", blockOut);
            }
            if (level != 0) Conv($"decoder.conv_blocks.{i}.upsample.conv", blockOut, blockOut, 3);
            blockIn = blockOut;
        }
        Norm("decoder.norm_out", blockIn);
        Conv("decoder.conv_out", blockIn, 3, 3);

        keys["quantize.embedding.weight"] = [c.CodebookSize, c.CodebookDim];
        keys["quantize.codebook_used"] = [65536];
        Conv("quant_conv", c.ZChannels, c.CodebookDim, 1);
        Conv("post_quant_conv", c.CodebookDim, c.ZChannels, 1);
        return keys;
    }

    [Fact]
    public void Tiny_config_has_exactly_llamagens_keys_and_shapes()
    {
        using var model = new VqModel(VqConfig.Tiny);
        var expected = ExpectedLlamaGenKeys(VqConfig.Tiny);
        var actual = model.state_dict();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key].shape), $"{key}: [{string.Join(", ", actual[key].shape)}]");
    }

    [Fact]
    [Slow("builds the full-size LlamaGen VQ-16 model")]
    public void Vq16_config_has_llamagens_keys_and_published_shapes()
    {
        using var model = new VqModel(VqConfig.Vq16);
        var actual = model.state_dict();
        var expected = ExpectedLlamaGenKeys(VqConfig.Vq16);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key].shape), key);
        // Shapes known from the released vq_ds16 checkpoints.
        Assert.Equal(new long[] { 128, 3, 3, 3 }, actual["encoder.conv_in.weight"].shape);
        Assert.Equal(new long[] { 16384, 8 }, actual["quantize.embedding.weight"].shape);
        Assert.Equal(new long[] { 8, 256, 1, 1 }, actual["quant_conv.weight"].shape);
        Assert.Equal(new long[] { 256, 8, 1, 1 }, actual["post_quant_conv.weight"].shape);
        Assert.Equal(new long[] { 512, 256, 3, 3 }, actual["decoder.conv_in.weight"].shape);
        Assert.Equal(new long[] { 512, 512, 1, 1 }, actual["encoder.conv_blocks.4.attn.1.q.weight"].shape);
        Assert.Equal(new long[] { 256, 512, 1, 1 }, actual["decoder.conv_blocks.1.res.0.nin_shortcut.weight"].shape);
        Assert.Equal(new long[] { 3, 128, 3, 3 }, actual["decoder.conv_out.weight"].shape);
        Assert.Equal(16, VqConfig.Vq16.DownsampleFactor);
    }

    [Fact]
    public void Fresh_group_norms_start_as_identity_affine_maps()
    {
        // Guards TorchSharp 0.107's GroupNorm, which leaves weight and bias uninitialised (often NaN).
        using var model = new VqModel(VqConfig.Tiny);
        var norms = model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(norms);
        foreach (var (name, p) in norms)
        {
            float expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1 : 0;
            Assert.True(p.eq(expected).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Inconsistent_configs_are_rejected_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new VqModel(VqConfig.Tiny with { Channels = 48 }));
        Assert.Contains("multiple of 32", error.Message);
        Assert.Throws<ArgumentException>(() => new VqModel(VqConfig.Tiny with { DecoderChannelMultipliers = [1, 2] }));
    }
}

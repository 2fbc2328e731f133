using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image.DAr;

/// <summary>D-AR's public tokenizer key layout (showlab/D-AR vq_model.py) loads into our modules and computes the same thing.</summary>
public sealed class DArTokenizerCheckpointTests
{
    /// <summary>Our state dict written out in D-AR's layout by rule: q/k/v split, convolution shapes, decoder under diff_decoder.net.</summary>
    static Dictionary<string, Tensor> ToPublicLayout(DArTokenizer model)
    {
        var c = model.Config;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (ours, t) in model.state_dict())
        {
            string key = ours.StartsWith("diff_decoder.", StringComparison.Ordinal) ? "diff_decoder.net." + ours["diff_decoder.".Length..] : ours;
            key = Regex.Replace(key, @"^diff_decoder\.net\.time_embeds\.(\d+)\.", "diff_decoder.net.blocks.$1.time_embed.");
            var m = Regex.Match(key, @"^(.*)\.(attn|cross_attn)\.wqkv\.(weight|bias)$");
            if (m.Success)
            {
                string attn = m.Groups[2].Value == "attn" ? "attention" : "cross_attn";
                var parts = t.chunk(3, 0);
                for (int i = 0; i < 3; i++) result[$"{m.Groups[1].Value}.{attn}.{"qkv"[i]}.{m.Groups[3].Value}"] = parts[i].clone();
                continue;
            }
            key = Regex.Replace(key, @"\.attn\.wo\.", ".attention.proj.");
            key = Regex.Replace(key, @"\.attn\.(q_norm|k_norm)\.", ".attention.$1.");
            key = Regex.Replace(key, @"\.cross_attn\.wo\.", ".cross_attn.proj.");
            result[key] = key switch
            {
                "patchify.weight" => t.reshape(t.shape[0], 3, c.PatchSize, c.PatchSize).clone(),
                "quant_in_conv.weight" or "quant_out_conv.weight" or "diff_decoder.net.conv_in.weight" or "diff_decoder.net.conv_out.weight"
                    => t.reshape(t.shape[0], t.shape[1], 1, 1).clone(),
                _ => t.clone(),
            };
        }
        // REPA's projector is in the public files and is training-only.
        result["diff_decoder.net.repa_out.0.weight"] = randn(16, c.DecoderDim);
        return result;
    }

    [Fact]
    public void Public_layout_loads_strictly_and_gives_the_same_outputs()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var config = DArTokenizerTests.Tiny;
        using var source = new DArTokenizer(config);
        using (no_grad())
            foreach (var (name, p) in source.named_parameters())
                if (!name.StartsWith("quantize", StringComparison.Ordinal)) p.normal_(0, 0.1);
        source.eval();
        var publicState = ToPublicLayout(source);
        Assert.Contains("encoder_layers.0.attention.q.weight", publicState.Keys);
        Assert.Contains("diff_decoder.net.blocks.1.time_embed.mlp.0.weight", publicState.Keys);
        Assert.Equal(4, publicState["patchify.weight"].dim());
        string path = Path.Combine(Path.GetTempPath(), $"dar-tokenizer-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsWriter.Write(path, publicState);
            using var loaded = DArTokenizerCheckpoint.Load(path, config);
            var images = rand(2, 3, 16, 16, generator: new Generator(1)) * 2 - 1;
            Assert.True(loaded.EncodeLatents(images).allclose(source.EncodeLatents(images), atol: 1e-5));
            var codes = source.Encode(images);
            Assert.Equal(codes.data<long>().ToArray(), loaded.Encode(images).data<long>().ToArray());
            var noise = randn(2, 3, 16, 16, generator: new Generator(2));
            Assert.True(loaded.Decode(codes, noise).allclose(source.Decode(codes, noise), atol: 1e-4));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Collections;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Encodec;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>
/// facebook/encodec_24khz at its real shapes (random values, weight norm as g and v) written in the HF
/// layout and in the original repository's layout, loaded strictly into our module.
/// </summary>
public sealed class EncodecCheckpointTests
{
    static readonly IReadOnlyDictionary<string, HfEncodec24kHzKeys.Entry> Expected = HfEncodec24kHzKeys.Build();

    [Fact]
    public void Every_state_dict_key_and_shape_of_the_24_kHz_model_is_the_hf_one()
    {
        using var model = new EncodecModel(EncodecConfig.Encodec24kHz);
        var state = model.state_dict();
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, entry) in Expected) Assert.True(entry.Shape.SequenceEqual(state[key].shape), $"{key}: [{string.Join(", ", state[key].shape)}]");
    }

    [Fact]
    [Slow("the full-size 24 kHz EnCodec, saved and loaded twice")]
    public void Both_public_layouts_load_strictly_fold_weight_norm_and_give_identical_codes_and_audio()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var source = PublicCheckpoint(seed: 11);

        // HF: model.safetensors with weight_g / weight_v under our (HF) names.
        string hf = dir.File("model.safetensors");
        SafetensorsWriter.Write(hf, source.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        // Original repository: a torch.save state dict (.th), read through PyBridge.
        var original = source.ToDictionary(p => OriginalKey(p.Key), p => p.Value, StringComparer.Ordinal);
        string th = dir.File("encodec_24khz-d7cc33bc.th");
        var table = new Hashtable();
        foreach (var (key, value) in original) table[key] = value;
        PyTorchPickler.PickleStateDict(th, table);

        using var fromHf = new EncodecModel(EncodecConfig.Encodec24kHz);
        using var fromTh = new EncodecModel(EncodecConfig.Encodec24kHz);
        Assert.True(EncodecCheckpoint.LoadInto(fromHf, hf).IsExact);
        Assert.True(EncodecCheckpoint.LoadInto(fromTh, th).IsExact);

        var loaded = fromHf.state_dict();
        foreach (var (key, entry) in Expected)
        {
            if (entry.WeightNormed)
            {
                // W = g * v / ||v||, the norm over every dimension but 0 (out for Conv1d, in for ConvTranspose1d).
                var g = source[key + "_g"].to_type(ScalarType.Float64);
                var v = source[key + "_v"].to_type(ScalarType.Float64);
                var folded = g * v / v.square().sum([1, 2], keepdim: true).sqrt();
                Assert.True(loaded[key].to_type(ScalarType.Float64).allclose(folded, rtol: 1e-5, atol: 1e-7), key);
            }
            else Assert.True(TinyEncodec.Same(loaded[key], source[key]), key);
        }
        var fromThState = fromTh.state_dict();
        foreach (var key in Expected.Keys) Assert.True(TinyEncodec.Same(loaded[key], fromThState[key]), key);

        var audio = TinyEncodec.Audio(1, 4000);
        var codes = fromHf.Encode(audio, bandwidthKbps: 6);
        Assert.Equal(new long[] { 1, 8, 13 }, codes.shape);
        Assert.True(TinyEncodec.Same(codes, fromTh.Encode(audio, bandwidthKbps: 6)));
        Assert.True(TinyEncodec.Same(fromHf.Decode(codes), fromTh.Decode(codes)));
    }

    [Fact]
    public void A_checkpoint_missing_a_tensor_fails_naming_it_and_nothing_is_loaded()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var source = PublicCheckpoint(seed: 12);
        source.Remove("decoder.layers.3.conv.bias");
        string path = dir.File("model.safetensors");
        SafetensorsWriter.Write(path, source);
        using var model = new EncodecModel(EncodecConfig.Encodec24kHz);
        var before = model.state_dict()["encoder.layers.0.conv.bias"].clone();

        var error = Assert.Throws<StateDictMismatchException>(() => EncodecCheckpoint.LoadInto(model, path));

        Assert.Contains("decoder.layers.3.conv.bias", error.Message, StringComparison.Ordinal);
        Assert.True(TinyEncodec.Same(before, model.state_dict()["encoder.layers.0.conv.bias"]));
    }

    [Fact]
    public void The_rename_table_maps_original_keys_to_hf_keys_and_leaves_hf_keys_alone()
    {
        foreach (var (key, entry) in Expected)
        {
            Assert.Equal(key, EncodecCheckpoint.Renames.Rename(HfEncodec24kHzKeys.OriginalName(key, entry)));
            Assert.Equal(key, EncodecCheckpoint.Renames.Rename(key));
        }
    }

    /// <summary>Random values at the real shapes; convolution weights as weight_g (positive) and weight_v.</summary>
    internal static Dictionary<string, Tensor> PublicCheckpoint(int seed)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, entry) in Expected)
        {
            if (entry.WeightNormed)
            {
                state[key + "_g"] = rand([entry.Shape[0], 1, 1], generator: generator) + 0.5f;
                state[key + "_v"] = randn(entry.Shape, generator: generator);
            }
            else if (key.EndsWith(".inited", StringComparison.Ordinal)) state[key] = ones(entry.Shape);
            else state[key] = 0.1f * randn(entry.Shape, generator: generator);
        }
        return state;
    }

    internal static string OriginalKey(string key)
    {
        foreach (string suffix in new[] { "_g", "_v" })
            if (key.EndsWith(".weight" + suffix, StringComparison.Ordinal))
                return HfEncodec24kHzKeys.OriginalName(key[..^suffix.Length], Expected[key[..^suffix.Length]]) + suffix;
        return HfEncodec24kHzKeys.OriginalName(key, Expected[key]);
    }
}

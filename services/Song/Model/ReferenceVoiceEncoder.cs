using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.Model;

/// <summary>
/// The optional reference-voice encoder: a short clip of a voice (SongGen: 3 s through MERT, its layers averaged by a
/// 1x1 convolution, projected) here as the clip's codec codes, each codebook's embedding summed per frame and projected
/// to the decoder's width (<c>ref_voice_embed.{k}</c>, <c>ref_voice_to_dec_proj</c>). Its states are put before the
/// description's in the decoder's memory, as SongGen prepends the reference voice.
/// </summary>
public sealed class ReferenceVoiceEncoder : nn.Module
{
    readonly ModuleList<Embedding> ref_voice_embed;
    readonly Linear ref_voice_to_dec_proj;

    /// <summary>An encoder for clips of <paramref name="codebooks"/> codebooks of <paramref name="codebookSize"/> codes.</summary>
    public ReferenceVoiceEncoder(int codebooks, int codebookSize, int dim, int maxFrames) : base(nameof(ReferenceVoiceEncoder))
    {
        ref_voice_embed = nn.ModuleList(Enumerable.Range(0, codebooks).Select(_ => nn.Embedding(codebookSize, dim)).ToArray());
        ref_voice_to_dec_proj = nn.Linear(dim, dim);
        CodebookSize = codebookSize;
        MaxFrames = maxFrames;
        RegisterComponents();
    }

    /// <summary>Codes per codebook.</summary>
    public int CodebookSize { get; }

    /// <summary>Longest clip in frames (longer clips are cut).</summary>
    public int MaxFrames { get; }

    /// <summary>States [1, frames, dim] of a clip's codes [codebook][frame].</summary>
    public Tensor Encode(IReadOnlyList<IReadOnlyList<int>> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count != ref_voice_embed.Count) throw new ArgumentException($"A reference clip needs {ref_voice_embed.Count} codebooks, got {codes.Count}.", nameof(codes));
        int frames = Math.Min(codes[0].Count, MaxFrames);
        if (frames == 0) throw new ArgumentException("The reference clip is empty.", nameof(codes));
        using var scope = NewDisposeScope();
        var device = ref_voice_to_dec_proj.weight!.device;
        Tensor? sum = null;
        for (int k = 0; k < codes.Count; k++)
        {
            var ids = tensor(codes[k].Take(frames).Select(c => (long)c).ToArray(), ScalarType.Int64, device).view(1, -1);
            var e = ref_voice_embed[k].call(ids);
            sum = sum is null ? e : sum + e;
        }
        return ref_voice_to_dec_proj.call(sum!).MoveToOuterDisposeScope();
    }
}

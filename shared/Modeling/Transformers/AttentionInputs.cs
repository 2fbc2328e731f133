using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// What one <see cref="Attention.Attend"/> call needs besides the tokens: RoPE angles for this pass's positions, a mask,
/// and keys and values of earlier positions kept by the caller (ARDiT's clean context), as tensors or in a <see cref="KvCache"/>. All optional; the tensors belong
/// to the caller's dispose scope.
/// </summary>
public sealed record AttentionInputs
{
    /// <summary>Full bidirectional attention of the tokens among themselves: no rotation, no mask, no past.</summary>
    public static AttentionInputs None { get; } = new();

    /// <summary>The rotation of queries and keys, with <see cref="Cos"/> and <see cref="Sin"/>; null: no RoPE.</summary>
    public RotaryEmbedding? Rope { get; init; }

    /// <summary>cos per query position, [batch, 1, time, head_dim].</summary>
    public Tensor? Cos { get; init; }

    /// <summary>sin per query position, [batch, 1, time, head_dim].</summary>
    public Tensor? Sin { get; init; }

    /// <summary>Boolean [batch, 1, time, past + time] (true = attend) or additive float mask; null: attend to every key.</summary>
    public Tensor? Mask { get; init; }

    /// <summary>Plain causal attention over this pass's keys (lets SDPA skip the mask).</summary>
    public bool IsCausal { get; init; }

    /// <summary>Rotated keys of earlier positions, [batch, n_kv_head, past, head_dim], attended before this pass's own.</summary>
    public Tensor? PastKeys { get; init; }

    /// <summary>Values of earlier positions, [batch, n_kv_head, past, head_dim].</summary>
    public Tensor? PastValues { get; init; }

    /// <summary>
    /// Instead of <see cref="PastKeys"/>: this pass's keys and values are written into a <see cref="KvCache"/> and each row
    /// attends to its slot there in place (no copy of the past); the <see cref="Mask"/> is over the slot's first
    /// <see cref="KvCacheWrite.KeyLength"/> positions.
    /// </summary>
    public KvCacheWrite? CacheWrite { get; init; }

    /// <summary>The layer of <see cref="CacheWrite"/>'s cache this pass writes and reads.</summary>
    public int CacheLayer { get; init; }
}

using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// One part of a fused cached pass (<see cref="DecoderTransformer.HiddenCachedFused"/>): input embeddings
/// [rows, time, dim] appended to the cache slots <paramref name="Slots"/> (one per row). Segments of one pass may
/// differ in time: a decode step of many rows beside a prefill chunk of one request.
/// </summary>
public sealed record CachedSegment(Tensor Embeddings, IReadOnlyList<int> Slots);

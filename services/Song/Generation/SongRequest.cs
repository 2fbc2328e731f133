using Media.Modeling.Sampling;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Song.Model;
using static TorchSharp.torch;

namespace Media.Services.Song.Generation;

/// <summary>
/// One song on the shared <see cref="StepScheduler"/>: its prompt is the layout's all-bos step, its memory the condition
/// (and, with guidance, the unconditional row beside it: a CFG pair of two cache slots), and each step samples one id per
/// stream with the shared sampler (temperature, top-k, its own seeded generator). Ids the layout fixes (the delay
/// pattern's bos and pad) replace the sampled ones; the codes land in <see cref="Codes"/>[track][codebook][frame] and
/// <see cref="StepDone"/> reports each step's index, so audio can be decoded while later steps are sampled.
/// </summary>
public sealed class SongRequest : SampledRequest, IDisposable
{
    readonly SongGenModel song;
    readonly SongHead head;
    readonly SongCondition condition;
    readonly double guidance;
    readonly SamplingState sampling;
    long[] last;
    int step;

    /// <summary>A request for a song laid out as <paramref name="map"/> says.</summary>
    public SongRequest(SongGenModel model, SongHead head, SongCondition condition, SongStepMap map, SamplingParameters sampling, double guidanceScale)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        song = model;
        this.head = head;
        this.condition = condition;
        Map = map;
        guidance = guidanceScale;
        this.sampling = new SamplingState(sampling);
        last = [.. Enumerable.Range(0, map.Streams).Select(s => (long)map.Forced(s, 0)!.Value)];
        Codes = [.. Enumerable.Range(0, map.Tracks).Select(_ => Enumerable.Range(0, map.Codebooks).Select(_ => new int[map.Frames]).ToArray())];
    }

    /// <summary>The layout being filled.</summary>
    public SongStepMap Map { get; }

    /// <summary>The codes so far, [track][codebook][frame] (track 0: the mix, or the accompaniment; track 1: the vocal).</summary>
    public int[][][] Codes { get; }

    /// <summary>Raised on the scheduler's thread after each step with the step's index (1 .. Steps - 1).</summary>
    public event Action<int>? StepDone;

    /// <inheritdoc/>
    public override int Rows => guidance == 1 ? 1 : 2;

    /// <inheritdoc/>
    public override int PromptLength => 1;

    /// <inheritdoc/>
    public override int MaxNewTokens => Map.Steps - 1;

    /// <inheritdoc/>
    public override bool IsDone => step >= Map.Steps - 1;

    /// <inheritdoc/>
    public override TokenHead Head => head;

    /// <inheritdoc/>
    public override SamplingState Sampling => sampling;

    /// <inheritdoc/>
    public override double GuidanceScale => guidance;

    /// <inheritdoc/>
    public override IReadOnlyList<long> LastTokens => last;

    /// <inheritdoc/>
    public override CrossMemory? Memory(DecoderTransformer model) => song.Memory(Rows == 1 ? [condition] : [condition, null]);

    /// <inheritdoc/>
    public override Tensor PromptEmbeddings(DecoderTransformer model, int start, int count)
    {
        var ids = tensor(last, ScalarType.Int64, song.Device).view(1, -1).expand(Rows, -1);
        return head.Embed(model, ids);
    }

    /// <inheritdoc/>
    public override void AcceptTokens(long[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length != Map.Streams) throw new ArgumentException($"A song step picks {Map.Streams} ids, got {tokens.Length}.", nameof(tokens));
        int j = ++step;
        var next = new long[Map.Streams];
        for (int s = 0; s < Map.Streams; s++)
        {
            if (Map.Forced(s, j) is int id)
            {
                next[s] = id;
                continue;
            }
            next[s] = tokens[s];
            var (track, codebook, frame) = Map.Slot(s, j);
            Codes[track][codebook][frame] = (int)tokens[s];
        }
        last = next;
        StepDone?.Invoke(j);
    }

    /// <inheritdoc/>
    public void Dispose() => sampling.Dispose();
}

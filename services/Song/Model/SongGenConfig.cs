using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;

namespace Media.Services.Song.Model;

/// <summary>
/// The shape of a SongGen model (Liu et al. 2025, scaled down): the mode it was trained for, the codec's codebooks, the
/// decoder (width, depth, heads), the two condition encoders (description and lyrics, the decoder's width) and the
/// optional reference-voice encoder. Written as <c>config.json</c> beside the weights.
/// </summary>
public sealed record SongGenConfig
{
    /// <summary>The mode's request name (<see cref="SongModes"/>).</summary>
    public string Mode { get; init; } = "mixed";

    /// <summary>Codec codebooks per track (K).</summary>
    public int Codebooks { get; init; } = 4;

    /// <summary>Codes per codebook; the embeddings and heads hold two more ids: pad (= size) and bos (= size + 1).</summary>
    public int CodebookSize { get; init; } = 1024;

    /// <summary>Codec frames per second (the codec's, recorded so generation sizes songs in seconds).</summary>
    public int FrameRate { get; init; } = 50;

    /// <summary>Codec sample rate.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Codec bandwidth the codes were made at (K x the codec's kbps per codebook).</summary>
    public double BandwidthKbps { get; init; } = 2.0;

    /// <summary>Width of the decoder and of both encoders.</summary>
    public int Dim { get; init; } = 256;

    /// <summary>Decoder blocks.</summary>
    public int Layers { get; init; } = 6;

    /// <summary>Attention heads (decoder and encoders).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Description encoder blocks.</summary>
    public int DescriptionLayers { get; init; } = 2;

    /// <summary>Lyrics encoder blocks.</summary>
    public int LyricsLayers { get; init; } = 2;

    /// <summary>Longest description in UTF-8 bytes (the request allows 1000 characters).</summary>
    public int MaxDescriptionBytes { get; init; } = 1024;

    /// <summary>Longest lyrics in tokens (the request allows 2000 sung characters, plus tags and line breaks).</summary>
    public int MaxLyricsTokens { get; init; } = 2200;

    /// <summary>Longest song in codec frames.</summary>
    public int MaxFrames { get; init; } = 1500;

    /// <summary>Whether the model reads a reference-voice clip (its codec codes) before the description.</summary>
    public bool ReferenceVoice { get; init; }

    /// <summary>Longest reference clip in codec frames.</summary>
    public int MaxReferenceFrames { get; init; } = 150;

    /// <summary>
    /// True when a mixed-pro model was written without its auxiliary vocal heads (<c>decoder.vocal_lm_heads</c>). They only
    /// train: an exported folder leaves them out and serves and is probed without them; training and SongGen's layout keep
    /// them. Not written while false, so configs from before it (run folders pin theirs) read and compare as they were.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool VocalHeadsLeftOut { get; init; }

    /// <summary>Mixed-pro with its auxiliary vocal heads.</summary>
    [JsonIgnore]
    public bool HasVocalHeads => SongMode == SongMode.MixedPro && !VocalHeadsLeftOut;

    /// <summary>Training steps the weights have had (0: untrained; such a folder is never served).</summary>
    public long TrainedSteps { get; init; }

    /// <summary>The mode.</summary>
    public SongMode SongMode => SongModes.Parse(Mode);

    /// <summary>Token streams read and predicted per step: 2K for the parallel modes, K otherwise.</summary>
    public int Streams => SongMode is SongMode.Parallel or SongMode.ParallelAV or SongMode.ParallelVA ? 2 * Codebooks : Codebooks;

    /// <summary>Ids of one stream: the codes, pad and bos.</summary>
    public int StreamVocabulary => CodebookSize + 2;

    /// <summary>Decoder steps a song of <paramref name="frames"/> frames takes in this mode (the all-bos start included).</summary>
    public int Steps(int frames) => SongMode switch
    {
        SongMode.Mixed or SongMode.MixedPro or SongMode.Parallel => 1 + frames + Codebooks - 1,
        SongMode.ParallelAV or SongMode.ParallelVA => 1 + frames + Codebooks,
        _ => 1 + 2 * (frames + Codebooks - 1),
    };

    /// <summary>The decoder's transformer: no token table or output of its own (the codebook embeddings and heads are SongGen's).</summary>
    public TransformerConfig Decoder => new(Dim, Layers, Heads, Heads, VocabSize: 1, MultipleOf: 64, MaxSeqLen: Steps(MaxFrames)) { CrossAttention = true };

    /// <summary>The description encoder: UTF-8 bytes, bidirectional.</summary>
    public TransformerConfig DescriptionEncoder => new(Dim, DescriptionLayers, Heads, Heads, VocabSize: 256, MultipleOf: 64, MaxSeqLen: MaxDescriptionBytes);

    /// <summary>The lyrics encoder: <see cref="Lyrics.LyricsTokenizer"/> ids, bidirectional.</summary>
    public TransformerConfig LyricsEncoder => new(Dim, LyricsLayers, Heads, Heads, VocabSize: Lyrics.LyricsTokenizer.VocabularySize, MultipleOf: 64, MaxSeqLen: MaxLyricsTokens);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        _ = SongMode;
        if (Codebooks < 1 || CodebookSize < 2 || FrameRate < 1 || SampleRate < 1 || MaxFrames < 1 || MaxReferenceFrames < 1)
            throw new ArgumentException("codebooks, codebook_size, frame_rate, sample_rate, max_frames and max_reference_frames must be positive.");
        if (Dim < 1 || Layers < 1 || Heads < 1 || DescriptionLayers < 1 || LyricsLayers < 1 || Dim % Heads != 0 || (Dim / Heads) % 2 != 0)
            throw new ArgumentException($"dim {Dim} must split into {Heads} heads of an even width; every depth must be positive.");
        if (TrainedSteps < 0) throw new ArgumentException("trained_steps must not be negative.");
        Decoder.Validate();
        DescriptionEncoder.Validate();
        LyricsEncoder.Validate();
    }

    /// <summary>The config as <c>config.json</c> writes it.</summary>
    public string ToJson() => ModelConfigJson.Write(this);

    /// <summary>Parses and validates <c>config.json</c> text.</summary>
    public static SongGenConfig FromJson(string json)
    {
        var config = JsonSerializer.Deserialize<SongGenConfig>(json, ModelConfigJson.Options) ?? throw new ArgumentException("The SongGen config is empty.");
        config.Validate();
        return config;
    }
}

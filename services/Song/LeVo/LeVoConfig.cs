using System.Text.Json;
using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;
using Media.Services.Song.Lyrics;

namespace Media.Services.Song.LeVo;

/// <summary>
/// The shape of a LeVo LeLM (tencent-ailab SongGeneration, scaled down): three single-codebook token streams (mixed,
/// vocal, accompaniment) of <see cref="CodeSize"/> codes at <see cref="TokenRate"/> tokens/s; the main LM over the mixed
/// stream and the AR sub-decoder over the dual-track streams (Llama blocks, RoPE over halves as Hugging Face's Llama);
/// the dual-track delay; the condition prefix (lyrics with structure, description, optional prompt audio) and how far
/// each stage is trained. Written as <c>config.json</c> beside the weights. LeVo's released model: dim 1536, 28 + 12
/// layers, 12 heads, intermediate 8960, 16384 codes at 25 Hz, delay 250, prompt 250 tokens, rope theta 1e5 / 5e5.
/// </summary>
public sealed record LeVoConfig
{
    /// <summary>Codes per stream. Ids above them: end of sequence (= size, predicted by every head) and the special id (= size + 1: empty, start and padding).</summary>
    public int CodeSize { get; init; } = 1024;

    /// <summary>Tokens per second of every stream.</summary>
    public double TokenRate { get; init; } = 25;

    /// <summary>Sample rate of the audio the tokens decode to.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Width of both transformers and every embedding.</summary>
    public int Dim { get; init; } = 256;

    /// <summary>Main LM blocks.</summary>
    public int Layers { get; init; } = 6;

    /// <summary>Sub-decoder blocks.</summary>
    public int SubLayers { get; init; } = 3;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>SwiGLU width (LeVo's <c>intermediate_size</c>); null: the 8/3 rule rounded to 64.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary>RoPE base of the main LM.</summary>
    public double RopeTheta { get; init; } = 100_000;

    /// <summary>RoPE base of the sub-decoder.</summary>
    public double RopeThetaSub { get; init; } = 500_000;

    /// <summary>Steps the vocal and accompaniment streams trail the mixed one (LeVo's delays [0, k, k]).</summary>
    public int Delay { get; init; } = 12;

    /// <summary>Longest song in tokens.</summary>
    public int MaxTokens { get; init; } = 750;

    /// <summary>Lyrics ids (<see cref="LyricsTokenizer"/>; LeVo: Qwen2 plus structure tags).</summary>
    public int LyricsVocabulary { get; init; } = LyricsTokenizer.VocabularySize;

    /// <summary>Structure classes of the lyrics (0: none, then one per section tag; LeVo: 200).</summary>
    public int StructureTypes { get; init; } = 1 + LyricsText.Tags.Count;

    /// <summary>Longest lyrics in tokens.</summary>
    public int MaxLyricsTokens { get; init; } = 2200;

    /// <summary>Description ids: UTF-8 bytes, then start and padding (LeVo: Qwen2).</summary>
    public int DescriptionVocabulary { get; init; } = 258;

    /// <summary>Longest description in bytes (start id included).</summary>
    public int MaxDescriptionBytes { get; init; } = 1025;

    /// <summary>Prompt-audio tokens per stream (LeVo: 250, ten seconds); 0: no prompt-audio condition at all.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Steps the main LM has been trained (stage 1, modular extension training).</summary>
    public long LmSteps { get; init; }

    /// <summary>Steps the sub-decoder has been trained with the LM frozen (stage 2).</summary>
    public long DecoderSteps { get; init; }

    /// <summary>DPO steps after both stages (0: the pre-DPO model).</summary>
    public long DpoSteps { get; init; }

    /// <summary>The end-of-sequence id.</summary>
    public int Eos => CodeSize;

    /// <summary>The special id: empty layout slots, the start step, padding, a null prompt.</summary>
    public int Special => CodeSize + 1;

    /// <summary>Ids an input embedding table holds (codes, end, special).</summary>
    public int InputVocabulary => CodeSize + 2;

    /// <summary>Ids a head predicts (codes and end).</summary>
    public int OutputVocabulary => CodeSize + 1;

    /// <summary>Start id of a description.</summary>
    public int DescriptionStart => DescriptionVocabulary - 2;

    /// <summary>Padding id of a description.</summary>
    public int DescriptionPad => DescriptionVocabulary - 1;

    /// <summary>Prefix positions of the prompt-audio condition (end-of-text embedding, end id, the tokens); 0 without one.</summary>
    public int PromptPositions => PromptTokens == 0 ? 0 : PromptTokens + 2;

    /// <summary>Layout steps of a song of <paramref name="tokens"/> tokens: the start step, then until the delayed streams end.</summary>
    public int Steps(int tokens) => 1 + tokens + Delay;

    /// <summary>Whether both stages are trained: only such a model is served.</summary>
    public bool IsTrained => LmSteps > 0 && DecoderSteps > 0;

    int MaxPositions => MaxLyricsTokens + PromptPositions + MaxDescriptionBytes + Steps(MaxTokens);

    /// <summary>The main LM (its token table and head are LeVo's unused <c>embed_tokens</c> and the mixed head <c>lm_head</c>).</summary>
    public TransformerConfig Main => Llama(Layers, RopeTheta);

    /// <summary>The sub-decoder (its token table and head exist in LeVo's layout but are unused: <c>linears</c> read it out).</summary>
    public TransformerConfig Sub => Llama(SubLayers, RopeThetaSub);

    TransformerConfig Llama(int layers, double theta) =>
        new(Dim, layers, Heads, Heads, OutputVocabulary, MultipleOf: 64, NormEps: 1e-5, RopeBase: theta, MaxSeqLen: MaxPositions)
        {
            Rope = RotarySpec.OneD(RotaryPairing.RotateHalf),
            IntermediateSize = IntermediateSize,
        };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (CodeSize < 2 || TokenRate <= 0 || SampleRate < 1 || MaxTokens < 1 || Delay < 1)
            throw new ArgumentException("code_size, token_rate, sample_rate, max_tokens and delay must be positive.");
        if (Dim < 1 || Layers < 1 || SubLayers < 1 || Heads < 1 || Dim % Heads != 0 || (Dim / Heads) % 2 != 0)
            throw new ArgumentException($"dim {Dim} must split into {Heads} heads of an even width; every depth must be positive.");
        if (LyricsVocabulary < LyricsTokenizer.VocabularySize || StructureTypes < 1 + LyricsText.Tags.Count || DescriptionVocabulary < 258
            || MaxLyricsTokens < 2 || MaxDescriptionBytes < 2 || PromptTokens < 0)
            throw new ArgumentException("The condition vocabularies and lengths must hold the lyrics tokenizer, the section tags and UTF-8 bytes.");
        if (LmSteps < 0 || DecoderSteps < 0 || DpoSteps < 0) throw new ArgumentException("Trained steps must not be negative.");
        Main.Validate();
        Sub.Validate();
    }

    /// <summary>The config as <c>config.json</c> writes it.</summary>
    public string ToJson() => ModelConfigJson.Write(this);

    /// <summary>Parses and validates <c>config.json</c> text.</summary>
    public static LeVoConfig FromJson(string json)
    {
        var config = JsonSerializer.Deserialize<LeVoConfig>(json, ModelConfigJson.Options) ?? throw new ArgumentException("The LeVo config is empty.");
        config.Validate();
        return config;
    }
}

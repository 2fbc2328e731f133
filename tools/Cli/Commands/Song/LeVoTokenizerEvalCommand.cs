using System.ComponentModel;
using System.Globalization;
using Media.Audio.Analysis;
using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Audio.Metrics;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Services.Audio.Evaluation;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Song.Data;
using Media.Services.Song.Generation;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval levo-tokenizer --tokenizer DIR</c>: what LeVo's single-codebook tokens keep. The openings of n held-out
/// corpus songs, each track (vocal, accompaniment, mix) through the codec at the tokenizer's codebooks and through the
/// tokenizer (codes, latent pairs, nearest centroid, back through the codec's decoder): log-mel distance to the true
/// track, the recognizer's CER on the vocal (true, codec, tokens) against the sung lines, and the key estimator on the
/// true mix and on the two tracks summed after the codec and after the tokens (as LeVo decodes its songs): the key
/// ceiling the tokens set on a LeVo model trained on them.
/// </summary>
internal sealed class LeVoTokenizerEvalCommand : Command<LeVoTokenizerEvalCommand.Settings>
{
    internal sealed class Settings : SongOpeningSettings
    {
        [CommandOption("-n|--count")]
        [DefaultValue(16)]
        public int Count { get; init; } = 16;

        [CommandOption("--tokenizer")]
        [Description("The tokenizer folder (a LeVo model's tokenizer/ or a run's)")]
        [DefaultValue("models/levo/tokenizer")]
        public string Tokenizer { get; init; } = "models/levo/tokenizer";

        public override ValidationResult Validate() =>
            Count < 1 ? ValidationResult.Error("-n must be at least 1.")
            : !Directory.Exists(Tokenizer) ? ValidationResult.Error($"--tokenizer '{Tokenizer}' is not a folder.")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string models = settings.ModelsFolder;
        using var codec = NeuralAudioCodec.Load(Path.Combine(models, "media-codec"), device);
        using var tokenizer = CodecLatentTokenizer.Load(settings.Tokenizer, codec);
        using var recognizer = CtcRecognizer.Load(Path.Combine(models, "asr-ctc"), device);
        using var features = new SpeechFeatures(recognizer.Config.Mel);
        using var mel = new MelDistance(codec.Model.Config.SamplingRate);
        var corpus = new LyricSongGenerator(codec.Model.Config.SamplingRate);
        string[] tracks = ["vocal", "accompaniment", "mix"];
        var codecDistance = tracks.ToDictionary(t => t, _ => new List<double>());
        var tokenDistance = tracks.ToDictionary(t => t, _ => new List<double>());
        var heard = new List<(string Lyrics, string True, string Codec, string Tokens)>();
        var keys = new List<(string Asked, string True, string Codec, string Tokens)>();
        double kbps = tokenizer.Codebooks * codec.Model.Config.KbpsPerCodebook;
        for (int i = 0; i < settings.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var song = corpus.Generate(settings.Seed + (ulong)i);
            var excerpt = SongExcerpt.Of(song, settings.Seconds, codec.Model.Config.FrameRate);
            int length = Math.Min(song.Mix.Length, (int)(excerpt.Seconds * song.SampleRate));
            var decoded = new Dictionary<string, float[]>();
            foreach (var (name, samples) in new[] { ("vocal", song.Vocals), ("accompaniment", song.Accompaniment), ("mix", song.Mix) })
            {
                var truth = samples[..length];
                var codes = codec.Encode(AudioBuffer.FromMono(truth, song.SampleRate), kbps);
                var viaCodec = codec.Decode(codes).Channels[0];
                var viaTokens = tokenizer.Decode(tokenizer.Tokens(codes.Codes));
                codecDistance[name].Add(mel.Compute(truth, Fit(viaCodec, length)));
                tokenDistance[name].Add(mel.Compute(truth, Fit(viaTokens, length)));
                decoded[name + "-codec"] = Fit(viaCodec, length);
                decoded[name + "-tokens"] = Fit(viaTokens, length);
                if (name == "vocal") decoded["vocal-true"] = truth;
            }
            string Key(float[] mix) => KeyEstimator.Estimate(mix, song.SampleRate).Name;
            keys.Add((song.Music.Key, Key(song.Mix[..length]), Key(SongAudio.Sum(decoded["vocal-codec"], decoded["accompaniment-codec"])),
                Key(SongAudio.Sum(decoded["vocal-tokens"], decoded["accompaniment-tokens"]))));
            heard.Add((excerpt.Transcript, SongCorpusEvaluation.Transcribe(recognizer, features, decoded["vocal-true"]),
                SongCorpusEvaluation.Transcribe(recognizer, features, decoded["vocal-codec"]), SongCorpusEvaluation.Transcribe(recognizer, features, decoded["vocal-tokens"])));
        }
        Console.WriteLine(Invariant($"songs: {settings.Count} (seeds {settings.Seed}..), {settings.Seconds} s openings; tokenizer {tokenizer.VocabularySize} tokens at {tokenizer.TokenRate:F0}/s over {tokenizer.Codebooks}-codebook codec latents ({kbps:F1} kbps codes -> {Math.Log2(tokenizer.VocabularySize) * tokenizer.TokenRate / 1000:F2} kbps tokens)"));
        Console.WriteLine("track          mel_distance_codec  mel_distance_tokens");
        foreach (var t in tracks) Console.WriteLine(Invariant($"{t,-14} {codecDistance[t].Average(),-19:F3} {tokenDistance[t].Average():F3}"));
        Console.WriteLine(Invariant($"vocal cer true: {CharacterErrorRate.Compute(heard.Select(h => (h.Lyrics, h.True))):F4}"));
        Console.WriteLine(Invariant($"vocal cer codec: {CharacterErrorRate.Compute(heard.Select(h => (h.Lyrics, h.Codec))):F4}"));
        Console.WriteLine(Invariant($"vocal cer tokens: {CharacterErrorRate.Compute(heard.Select(h => (h.Lyrics, h.Tokens))):F4}"));
        double KeyAccuracy(Func<(string Asked, string True, string Codec, string Tokens), string> read) => keys.Count(k => read(k) == k.Asked) / (double)keys.Count;
        Console.WriteLine(Invariant($"key accuracy true: {KeyAccuracy(k => k.True):F2}"));
        Console.WriteLine(Invariant($"key accuracy codec: {KeyAccuracy(k => k.Codec):F2}"));
        Console.WriteLine(Invariant($"key accuracy tokens: {KeyAccuracy(k => k.Tokens):F2}"));
        return 0;
    }

    static float[] Fit(float[] samples, int length) => samples.Length == length ? samples : samples.Length > length ? samples[..length] : [.. samples, .. new float[length - samples.Length]];

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

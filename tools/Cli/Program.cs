using Media.Cli.Commands;
using Media.Cli.Commands.Bench;
using Media.Cli.Commands.Codec;
using Media.Cli.Commands.Eval;
using Media.Cli.Commands.Generate;
using Media.Cli.Commands.Keys;
using Media.Cli.Commands.Song;
using Media.Cli.Commands.Speech;
using Media.Cli.Commands.Train;
using System.Runtime.InteropServices;
using Spectre.Console.Cli;

// Spectre.Console.Cli refuses one-letter long names, yet the documented commands say `--n 200`: read `--n` as `-n`.
args = [.. args.Select(a => a == "--n" || a.StartsWith("--n=", StringComparison.Ordinal) ? a[1..] : a)];

// Redirected into a log, Spectre would wrap tables at 80 columns and cut every figure in half: use $COLUMNS, else 240.
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 0 ? columns : 240;
// Training and evaluation loops reuse their step's memory; every other command runs on the service's heap
// (DeviceSelector.Apply), so a bench measures what the service runs.
Media.Modeling.Devices.NativeHeap.Configure(args.FirstOrDefault() is "train" or "eval"
    ? Media.Modeling.Devices.NativeHeapProfile.Training : Media.Modeling.Devices.NativeHeapProfile.Serving);
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("media");
    // An option a command does not have is an error, not silently dropped: a mistyped --steps, or a --until the trainer
    // lacks (a timed GPU plan's calibration then never stops), must fail at once.
    config.UseStrictParsing();
    config.AddCommand<InfoCommand>("info").WithDescription("Show the libtorch build, device and thread settings, and the models folder.");
    config.AddBranch("generate", generate =>
    {
        generate.SetDescription("Generate media from a prompt.");
        generate.AddCommand<ImageGenerateCommand>("image").WithDescription("Draw a 64x64 image with the Token-Shuffle model.");
        generate.AddCommand<GenerateSpeechCommand>("speech").WithDescription("Speak text with the ARDiT voice (models/ardit-tts) into a WAV.");
        generate.AddCommand<EditSpeechCommand>("speech-edit").WithDescription("Re-speak the changed words of a recording in its voice (ARDiT fill-in-the-middle editing).");
    });
    config.AddBranch("train", train =>
    {
        train.SetDescription("Train a model (resumable run folders).");
        train.AddCommand<ImageVqTrainCommand>("image-vq").WithDescription("Train the VQ image tokenizer on procedural scenes.");
        train.AddCommand<SceneFeaturesTrainCommand>("scene-features").WithDescription("Train the scene feature network behind image-vq's perceptual loss (per-cell shape and colour).");
        train.AddCommand<ImageVaeTrainCommand>("image-vae").WithDescription("Train the KL image autoencoder (continuous 16x16 latents for MAR) on procedural scenes.");
        train.AddCommand<ImageLdmTrainCommand>("image-ldm").WithDescription("Train the text-conditioned latent DiT (MagicMix's base model) over the KL autoencoder latents of procedural scenes.");
        train.AddCommand<ImageMarTrainCommand>("image-mar").WithDescription("Train the caption-conditioned MAR model (diffusion head) over the KL autoencoder latents of procedural scenes.");
        train.AddCommand<ImageDArTokenizerTrainCommand>("image-dar-tokenizer").WithDescription("Train D-AR's sequential diffusion tokenizer (token groups drive pixel flow steps) on procedural scenes.");
        train.AddCommand<ImageDArTrainCommand>("image-dar").WithDescription("Train D-AR's caption-conditioned GPT (1D RoPE) on the tokens of a D-AR tokenizer.");
        train.AddCommand<ImageArTrainCommand>("image-ar").WithDescription("Train the text-to-image Token-Shuffle transformer on VQ tokens of procedural scenes.");
        train.AddSpeechTraining();
        train.AddCommand<AcousticKmeansTrainCommand>("acoustic-kmeans").WithDescription("Acoustic k-means audio tokens over log-mel frames (models/acoustic-kmeans).");
        train.AddCommand<SemanticKmeansTrainCommand>("semantic-kmeans").WithDescription("Semantic k-means audio tokens over the CTC recognizer's hidden states (models/semantic-kmeans).");
        train.AddCommand<CodecTrainCommand>("codec").WithDescription("Our EnCodec-architecture codec on espeak-ng speech and procedural music.");
        train.AddCommand<CodecDecoderTrainCommand>("codec-decoder").WithDescription("A Vocos decoder for a trained codec (encoder and codebooks frozen: the codes stay) on its corpus.");
        train.AddCommand<SongGenTrainCommand>("songgen").WithDescription("Train SongGen (one mode) on the sung-lyrics corpus encoded by models/media-codec; export RUN/model.");
        train.AddCommand<LeVoTrainCommand>("levo").WithDescription("Train LeVo on the sung-lyrics corpus, one stage per call: --stage tokenizer, lm (main LM), decoder (sub-decoder, LM frozen); export RUN/model.");
        train.AddCommand<TrainTtsCommand>("tts").WithDescription("Train the ARDiT text-to-speech voice over the mel VAE latents; export to models/ardit-tts.");
        train.AddCommand<TrainTtsDistillCommand>("tts-distill").WithDescription("Distil the ARDiT voice into a one-step student (distribution matching against the voice, with an online fake score); export to models/ardit-tts-1step.");
    });
    config.AddBranch("eval", eval =>
    {
        eval.SetDescription("Evaluate a model.");
        eval.AddCommand<CodecEvalCommand>("codec").WithDescription("Our codec vs Opus and mu-law: SI-SNR, mel distance, STOI, bitrate (docs/CODEC.md).");
        eval.AddCommand<TtsEvalCommand>("tts").WithDescription("ARDiT voice on held-out sentences at predicted (or reference) durations: MCD (DTW) and the CER of asr-ctc and of the independent judge recognizer, per block size, step count and flow solver.");
        eval.AddCommand<ImageVqEvalCommand>("image-vq").WithDescription("Reconstruction PSNR and codebook usage of the VQ image tokenizer on held-out scenes.");
        eval.AddCommand<ImageVaeEvalCommand>("image-vae").WithDescription("Reconstruction PSNR of the KL autoencoder and attribute accuracy on its reconstructions.");
        eval.AddCommand<MagicMixEvalCommand>("magicmix").WithDescription("MagicMix on (layout, content) pairs at nu 0.3/0.5/0.7 in both modes: layout IoU and content colour/shape accuracy; the base latent DiT's own text-to-image table.");
        eval.AddCommand<ImageMarEvalCommand>("image-mar").WithDescription("MAR and Token-Shuffle on the same held-out prompts and seeds: per-attribute accuracy in one table.");
        eval.AddCommand<AudioTokensEvalCommand>("audio-tokens").WithDescription("Acoustic vs semantic k-means tokens: character mutual information and speaker invariance on held-out speech.");
        eval.AddCommand<SongEvalCommand>("song").WithDescription("Song models, SongGen (one row per mode) and LeVo: tempo and key accuracy, lyric CER against the corpus ceiling, stem leakage, key clarity, RTF, time to first chunk; LeVo's DPO preference gain.");
        eval.AddCommand<SongConditioningEvalCommand>("song-conditioning").WithDescription("Which parts of its condition a SongGen model reads: teacher-forced loss of held-out songs with their own condition, with the tempo, key, description or lyrics swapped, and with none.");
        eval.AddCommand<LeVoTokenizerEvalCommand>("levo-tokenizer").WithDescription("LeVo's single-codebook tokens on held-out songs: mel distance per track against the codec's own codes, and the recognizer's CER on the vocal.");
        eval.AddCommand<SongCorpusEvalCommand>("song-corpus").WithDescription("The sung-lyrics song corpus's ceilings: recognizer CER on the vocal stems, tempo and key estimator accuracy on the mixes.");
        eval.AddCommand<ImageDArTokenizerEvalCommand>("image-dar-tokenizer").WithDescription("D-AR tokenizers side by side: round-trip PSNR, codes used and the evaluator's accuracy on reconstructions, beside image-vq.");
        eval.AddCommand<ImageDArEvalCommand>("image-dar").WithDescription("D-AR and Token-Shuffle on the same held-out prompts and seeds, the tokenizer ceiling, and the preview PSNR curve.");
        eval.AddCommand<ImageArEvalCommand>("image-ar").WithDescription("Per-attribute accuracy of the Token-Shuffle model on held-out prompts (GenEval-style).");
    });
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Benchmarks: ratios measured side by side in one run (docs/BENCHMARKS.md).");
        bench.AddCommand<KvCacheBenchCommand>("kv-cache").WithDescription("KV cache vs full forward, batched vs one-by-one serving.");
        bench.AddCommand<TtsBenchCommand>("tts").WithDescription("ARDiT voice: real-time factor and time to first audio.");
        bench.AddCommand<CodecBenchCommand>("codec").WithDescription("Codec real-time factor: encode + decode seconds per second of audio.");
        bench.AddCommand<SoakBenchCommand>("soak").WithDescription("Soak: mixed generations (image, speech, codec) by 50 streaming clients through the gateway; RSS, live tensor and handle growth after warm-up, p99 event latency.");
        bench.AddCommand<ScaleOutBenchCommand>("scale-out").WithDescription("Scale-out: streamed image jobs through 2 gateway processes with 1, then 2 image worker processes (own redis-server and PostgreSQL); jobs/min, their ratio, p99 event latency, lost events.");
        bench.AddCommand<GatewayBenchCommand>("gateway").WithDescription("Gateway event latency (p50, p99) for 50 streaming clients, and its overhead against direct generator calls.");
        bench.AddCommand<EncodersBenchCommand>("encoders").WithDescription("Audio output encoders (MP3 by LAME and by ffmpeg, AAC, FLAC, Opus, WAV, PCM): first streamed audio and CPU per audio second.");
        bench.AddCommand<ImageDisaBenchCommand>("image-disa").WithDescription("MAR's head at constant U steps vs DiSA linear, cosine and two-stage U->L: head evaluations, wall and CPU time, accuracy.");
        bench.AddCommand<ImageDArBenchCommand>("image-dar").WithDescription("D-AR against Token-Shuffle, images/s at batch 1 and 8, wall and CPU time, in one run.");
        bench.AddCommand<ImageArBenchCommand>("image-ar").WithDescription("Token-Shuffle s=2 vs s=1, and 8 concurrent image requests vs one by one.");
    });
    config.AddBranch("corpus", corpus =>
    {
        corpus.SetDescription("Render examples of the procedural training corpora.");
        corpus.AddCommand<SongCorpusCommand>("song").WithDescription("Songs with sung lyrics: mix, vocal and accompaniment WAVs, tagged lyrics, description, timings.");
    });
    config.AddBranch("keys", keys =>
    {
        keys.SetDescription("API keys of a gateway's data folder (hashed in its media.db).");
        keys.AddCommand<KeysCreateCommand>("create").WithDescription("Create a key with scopes; prints its token once.");
        keys.AddCommand<KeysListCommand>("list").WithDescription("List the keys: id, name, scopes, created, revoked, limits.");
        keys.AddCommand<KeysRevokeCommand>("revoke").WithDescription("Revoke a key by id; the gateway refuses it from the next request.");
    });
    config.AddBranch("codec", codec =>
    {
        codec.SetDescription("Audio codec: WAV to discrete codes and back.");
        codec.AddCommand<CodecEncodeCommand>("encode").WithDescription("Encode a WAV file to codes.json.");
        codec.AddCommand<CodecDecodeCommand>("decode").WithDescription("Decode codes.json to a WAV file.");
    });
});
// In `train`, the first Ctrl-C (or SIGTERM) asks the trainer to stop at its next safe point: it ends its step, writes its
// checkpoint and its --out folder, so a time-boxed run (`timeout -s TERM`) still lands a model. Another one a second or
// more later ends the process at once; repeats within that second are the same request (`timeout` signals both the
// command and its process group). Every other command keeps the runtime's default: one signal ends it.
using var stop = new CancellationTokenSource();
long firstStopAt = 0;
void StopGracefully(PosixSignalContext signal)
{
    if (stop.IsCancellationRequested && Environment.TickCount64 - firstStopAt >= 1000) return;
    signal.Cancel = true;
    if (stop.IsCancellationRequested) return;
    firstStopAt = Environment.TickCount64;
    Console.Error.WriteLine($"{signal.Signal}: stopping after the current step (send it again to stop now)");
    stop.Cancel();
}
bool training = args.Length > 0 && args[0] == "train";
using var onInterrupt = training ? PosixSignalRegistration.Create(PosixSignal.SIGINT, StopGracefully) : null;
using var onTerminate = training ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopGracefully) : null;
return await app.RunAsync(args, stop.Token);

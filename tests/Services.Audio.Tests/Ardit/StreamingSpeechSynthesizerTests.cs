using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using Media.Modeling.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

[Collection(SingleThreadedTorch.Name)]
public sealed class StreamingSpeechSynthesizerTests
{
    static readonly FrontEndTextEncoder Text = FrontEndTextEncoder.Default;
    static readonly DurationPredictor Durations = new() { Weights = [2, 0.5, 0, 1] };

    static (ArditModel Model, StreamingSpeechSynthesizer Speech, OverlapAddTestDecoder Decoder) Build(int blockSize, bool aligned = false)
    {
        var config = ArditTestModels.Tiny(blockSize) with
        {
            VocabSize = Text.VocabularySize, FrameRate = 25, TextTiming = aligned ? ArditConfig.Aligned : ArditConfig.Uniform,
        };
        var model = ArditTestModels.Randomised(config);
        var decoder = new OverlapAddTestDecoder(config.LatentDim);
        return (model, new StreamingSpeechSynthesizer(model, Text, Durations, decoder), decoder);
    }

    [Theory]
    [InlineData(1, FlowSolver.Euler, false)]
    [InlineData(4, FlowSolver.Adams2, false)]
    [InlineData(4, FlowSolver.Euler, true)]
    public void Streamed_chunks_concatenate_to_the_offline_generation_with_the_same_seed(int blockSize, FlowSolver solver, bool aligned)
    {
        using var scope = NewDisposeScope();
        var (model, speech, decoder) = Build(blockSize, aligned);
        using (model)
        {
            var sampling = new ArditSamplingOptions { Steps = 3, Solver = solver, Seed = 42 };
            var chunks = new List<float[]>();
            var result = speech.Synthesize(new SpeechRequest { Text = "Hello there, 12 cats.", Sampling = sampling }, chunks.Add);
            var (ids, _, total) = speech.Plan(new SpeechRequest { Text = "Hello there, 12 cats." });
            // Offline: no cache, the full layout recomputed at every ODE step, decoded in one go.
            var offline = decoder.DecodeAll(speech.Synthesizer.GenerateWithoutCache(ids, total, sampling));
            var streamed = chunks.SelectMany(c => c).ToArray();
            // The first block goes out alone (a hop of 8 samples per frame).
            Assert.Equal(blockSize * 8, chunks[0].Length);
            Assert.Equal(offline.Length, streamed.Length);
            Assert.Equal(result.Samples, streamed);
            for (int i = 0; i < offline.Length; i++) Assert.True(Math.Abs(offline[i] - streamed[i]) < 1e-4, $"sample {i}: {offline[i]} vs {streamed[i]}");
        }
    }

    [Theory]
    [InlineData(1, 2, 8)]
    [InlineData(4, 8, 16)]
    public void After_the_first_block_chunks_double_from_DecodeFrames_up_to_MaxDecodeFrames(int blockSize, int decodeFrames, int maxDecodeFrames)
    {
        using var scope = NewDisposeScope();
        var (model, speech, _) = Build(blockSize);
        using (model)
        {
            speech.DecodeFrames = decodeFrames;
            speech.MaxDecodeFrames = maxDecodeFrames;
            var chunks = new List<float[]>();
            var request = new SpeechRequest { Text = "Hello there, twelve cats and a dog.", DurationSeconds = 2.5, Sampling = new ArditSamplingOptions { Steps = 1, Seed = 3 } };
            speech.Synthesize(request, chunks.Add);
            int total = speech.Plan(request).TotalFrames;
            var expected = new List<int> { blockSize };
            for (int size = decodeFrames, left = total - blockSize; left > 0; left -= expected[^1], size = Math.Min(2 * size, maxDecodeFrames))
                expected.Add(Math.Min(size, left));
            expected.Add(1); // the stand-in decoder's last half grain, at the end of the stream
            Assert.True(expected.Count >= 6, $"{total} frames make too few chunks to see the schedule");
            Assert.Equal(expected, chunks.Select(c => c.Length / 8));
        }
    }

    [Theory]
    [InlineData(0.52)]
    [InlineData(1.0)]
    [InlineData(1.7)]
    public void A_requested_duration_yields_that_length_within_one_latent_frame(double seconds)
    {
        var (model, speech, decoder) = Build(4);
        using (model)
        {
            var result = speech.Synthesize(new SpeechRequest { Text = "Short words.", DurationSeconds = seconds, Sampling = new() { Steps = 1 } });
            double frames = result.Samples.Length * decoder.FrameRate / decoder.SampleRate - 1;   // the decoder's last grain adds one hop
            Assert.InRange(frames, seconds * decoder.FrameRate - 1, seconds * decoder.FrameRate + 1);
            Assert.InRange(result.Frames, seconds * decoder.FrameRate - 1, seconds * decoder.FrameRate + 1);
        }
    }

    [Fact]
    public void Pace_scales_the_predicted_duration()
    {
        var (model, speech, _) = Build(4);
        using (model)
        {
            int normal = speech.Plan(new SpeechRequest { Text = "one two three four" }).TotalFrames;
            int slow = speech.Plan(new SpeechRequest { Text = "one two three four", Pace = 1.5 }).TotalFrames;
            Assert.Equal(Durations.Predict("one two three four"), normal);
            Assert.InRange(slow, normal * 1.5 - 1, normal * 1.5 + 1);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("~ ^ | ~")]
    public void Empty_text_is_rejected_with_a_clear_error(string text)
    {
        var (model, speech, _) = Build(4);
        using (model)
        {
            var error = Assert.Throws<ArgumentException>(() => speech.Synthesize(new SpeechRequest { Text = text }));
            Assert.Contains("empty", error.Message, StringComparison.Ordinal);
        }
    }

    // Issue 22 §1.3: long text is spoken utterance by utterance and streamed, not refused (it was "too long" before).
    [Fact]
    public void Text_longer_than_the_model_takes_is_spoken_utterance_by_utterance_and_streamed()
    {
        var (model, speech, _) = Build(4);
        using (model)
        {
            string eight = string.Join(' ', Enumerable.Repeat("word", 8)), four = string.Join(' ', Enumerable.Repeat("word", 4));
            string text = string.Join(' ', Enumerable.Repeat("word", 20));   // 99 characters; the tiny model takes 40
            var request = new SpeechRequest { Text = text, Sampling = new() { Steps = 1, Seed = 9 } };
            Assert.Equal([eight, eight, four], speech.Utterances(request));

            var chunks = new List<float[]>();
            var result = speech.Synthesize(request, chunks.Add);
            float[] expected = [.. new[] { eight, eight, four }.SelectMany((piece, i) =>
                speech.Synthesize(new SpeechRequest { Text = piece, Sampling = new() { Steps = 1, Seed = 9 + i } }).Samples)];
            Assert.Equal(expected, result.Samples);
            Assert.Equal(result.Samples, chunks.SelectMany(c => c).ToArray());
            // A single utterance asked for directly is still refused past the model's length.
            Assert.Contains("too long", Assert.Throws<ArgumentException>(() => speech.Plan(request)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sentences_are_cut_at_their_ends_first()
    {
        const string text = "one two three. four five, six seven. eight";
        Assert.Equal(["one two three.", "four five, six seven.", "eight"], UtteranceSplitter.Split(text, piece => piece.Length <= 21));
        Assert.Equal(["one two", "three.", "four five,", "six seven.", "eight"], UtteranceSplitter.Split(text, piece => piece.Length <= 12));
        Assert.Equal([text], UtteranceSplitter.Split(text, _ => true));
    }

    [Fact]
    public void Only_the_trained_block_sizes_may_be_asked_for_and_a_duration_past_the_model_is_refused()
    {
        var config = ArditTestModels.Tiny(4) with { VocabSize = Text.VocabularySize, FrameRate = 25 };
        using var model = ArditTestModels.Randomised(config);
        var speech = new StreamingSpeechSynthesizer(model, Text, Durations, new OverlapAddTestDecoder(config.LatentDim), [4, 1]);
        Assert.Equal([1, 4], speech.TrainedBlockSizes);
        Assert.Equal(25, speech.Plan(new SpeechRequest { Text = "one", DurationSeconds = 1, Sampling = new() { BlockSize = 1 } }).TotalFrames);
        var block = Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "one", Sampling = new() { BlockSize = 2 } }));
        Assert.Equal("The block size 2 is not one this model was trained with (1, 4).", block.Message);
        // 64 frames at 25 Hz = 2.56 s is the longest; 2.6 s is 65 frames.
        Assert.Equal(64, speech.Plan(new SpeechRequest { Text = "one", DurationSeconds = 2.56 }).TotalFrames);
        var longer = Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "one", DurationSeconds = 2.6 }));
        Assert.StartsWith("The speech would be 2.6 s (65 latent frames); this model makes at most 2.56 s (64 frames).", longer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_voice_in_bfloat16_speaks_float32_audio_close_to_the_float32_voices()
    {
        var (model, speech, _) = Build(4, aligned: true);
        var (half, halfSpeech, _) = Build(4, aligned: true);
        using (model)
        using (half)
        {
            half.to(ScalarType.BFloat16);
            var request = new SpeechRequest { Text = "Hello there.", DurationSeconds = 1, Sampling = new() { Steps = 2, Seed = 3 } };
            var full = speech.Synthesize(request).Samples;
            var reduced = halfSpeech.Synthesize(request).Samples;
            Assert.Equal(full.Length, reduced.Length);
            double scale = full.Max(Math.Abs), largest = full.Zip(reduced, (a, b) => (double)Math.Abs(a - b)).Max();
            // bfloat16 keeps 8 bits of mantissa: close, not equal.
            Assert.True(largest < 0.1 * scale, $"largest difference {largest} against a peak of {scale}");
            Assert.True(largest > 0, "the bfloat16 voice computed in float32");
        }
    }

    [Fact]
    public void A_distilled_voice_samples_only_with_its_one_step()
    {
        var config = ArditTestModels.Tiny(4) with { VocabSize = Text.VocabularySize, FrameRate = 25 };
        using var model = ArditTestModels.Randomised(config);
        var speech = new StreamingSpeechSynthesizer(model, Text, Durations, new OverlapAddTestDecoder(config.LatentDim), [4], onlySteps: 1);
        Assert.Equal(1, speech.OnlySteps);
        Assert.True(speech.Synthesize(new SpeechRequest { Text = "one", Sampling = new() { Steps = 1 } }).Samples.Length > 0);
        var refused = Assert.Throws<ArgumentException>(() => speech.Plan(new SpeechRequest { Text = "one", Sampling = new() { Steps = 8 } }));
        Assert.Equal("This voice is distilled to sample with 1 flow step per block, not 8; other step counts are the teacher voice's.", refused.Message);
    }

    [Fact]
    public void Cancelling_stops_generation_at_the_next_block()
    {
        var (model, speech, _) = Build(1);
        using (model)
        {
            using var cancel = new CancellationTokenSource();
            int chunks = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => speech.Synthesize(
                new SpeechRequest { Text = "a sentence that takes a while", Sampling = new() { Steps = 1 } },
                _ => { if (++chunks == 2) cancel.Cancel(); }, cancel.Token));
            Assert.Equal(2, chunks);
        }
    }

    [Fact]
    public void Editing_keeps_the_frames_outside_the_span_and_continuation_keeps_the_prompt()
    {
        using var scope = NewDisposeScope();
        var (model, speech, _) = Build(4);
        using (model)
        {
            var ids = Text.Encode(Text.Normalize("edit me please"));
            manual_seed(1);
            var original = randn(20, model.Config.LatentDim);
            var edited = speech.Synthesizer.Edit(ids, original, 9, 14, new ArditSamplingOptions { Steps = 2, Seed = 3 });
            Assert.Equal(original.shape, edited.shape);
            Assert.True(edited.narrow(0, 0, 8).eq(original.narrow(0, 0, 8)).all().item<bool>());
            Assert.True(edited.narrow(0, 14, 6).eq(original.narrow(0, 14, 6)).all().item<bool>());
            Assert.False(edited.narrow(0, 8, 6).allclose(original.narrow(0, 8, 6)));
            // Fill-in-the-middle: the span sees what follows it (a different suffix, a different span), and is cut to end where
            // the suffix starts; from the left alone it does not see it.
            var sampling = new ArditSamplingOptions { Steps = 2, Seed = 3 };
            var other = original.clone();
            other.narrow(0, 14, 6).add_(1.0);
            var filled = speech.Synthesizer.Edit(ids, original, 9, 14, sampling, fillInMiddle: true);
            var filledOther = speech.Synthesizer.Edit(ids, other, 9, 14, sampling, fillInMiddle: true);
            Assert.True(filled.narrow(0, 0, 8).eq(original.narrow(0, 0, 8)).all().item<bool>());
            Assert.True(filled.narrow(0, 14, 6).eq(original.narrow(0, 14, 6)).all().item<bool>());
            Assert.False(filled.narrow(0, 8, 6).allclose(filledOther.narrow(0, 8, 6)));
            var leftOther = speech.Synthesizer.Edit(ids, other, 9, 14, sampling);
            Assert.True(edited.narrow(0, 8, 6).allclose(leftOther.narrow(0, 8, 6)));
            // Continuation: the generated frames depend on the prompt (it is context, not ignored).
            var a = speech.Synthesizer.Generate(ids, 16, new() { Steps = 2, Seed = 3 }, original.narrow(0, 0, 8));
            var b = speech.Synthesizer.Generate(ids, 16, new() { Steps = 2, Seed = 3 }, original.narrow(0, 4, 8));
            Assert.Equal(new long[] { 8, model.Config.LatentDim }, a.shape);
            Assert.False(a.allclose(b));
        }
    }
}

using Media.Modeling.Serving;
using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Generation;

public class TokenShuffleGeneratorTests
{
    [Fact]
    public async Task Progress_arrives_window_by_window_and_previews_row_by_row_with_the_ungenerated_rows_blank()
    {
        using var generator = TinyGenerator.Create(grid: 8, shuffle: 2);
        int f = generator.ImageSize / 8;
        var progress = new List<GenerationProgress>();
        var image = await generator.GenerateAsync(new ImageRequest("a red circle"), p =>
        {
            progress.Add(p);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 16), progress.Select(p => p.Window));
        var previews = progress.Where(p => p.Preview is not null).ToList();
        Assert.Equal([4, 8, 12], previews.Select(p => p.Window));          // after rows 1..3 of the 4x4 window grid
        for (int row = 0; row < previews.Count; row++)
        {
            var preview = previews[row].Preview!;
            int knownPixelRows = (row + 1) * 2 * f;
            var pixels = preview.Pixels.ToArray();
            Assert.All(pixels.Skip(knownPixelRows * preview.Width * 3), v => Assert.Equal(PartialImageDecoder.Blank, v));
        }
        Assert.Equal(generator.ImageSize, image.Width);
        Assert.Equal(generator.ImageSize, image.Height);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_image_alone_or_alongside_other_requests()
    {
        using var generator = TinyGenerator.Create(grid: 8, shuffle: 2, maxConcurrent: 3);
        var request = new ImageRequest("a blue square") { Sampling = new() { Temperature = 1.0, TopK = 50, Seed = 42 } };
        var alone = await generator.GenerateAsync(request, null, CancellationToken.None);
        var together = await Task.WhenAll(
            generator.GenerateAsync(request with { Prompt = "a red circle", Sampling = request.Sampling with { Seed = 7 } }, null, CancellationToken.None),
            generator.GenerateAsync(request, null, CancellationToken.None),
            generator.GenerateAsync(request with { GuidanceScale = 1.0 }, null, CancellationToken.None));
        Assert.Equal(alone.Pixels.ToArray(), together[1].Pixels.ToArray());
    }

    [Fact]
    public async Task Cancelling_stops_the_request_with_an_OperationCanceledException()
    {
        using var generator = TinyGenerator.Create(grid: 16, shuffle: 1);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(new ImageRequest("a red circle"), p =>
        {
            seen = p.Window;
            if (p.Window == 1) cts.Cancel();
            return ValueTask.CompletedTask;
        }, cts.Token));
        Assert.True(seen < 256, $"all {seen} windows ran despite the cancellation");
    }

    [Fact]
    public async Task A_request_cancelled_after_its_windows_were_sampled_reports_no_later_window_and_returns_no_image()
    {
        // The step loop runs ahead of the progress reader: by the time the reader sees window 1 and the client
        // cancels, every window may already be sampled. The cancel still wins.
        using var generator = TinyGenerator.Create(grid: 8, shuffle: 2);
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(new ImageRequest("a red circle"), async p =>
        {
            seen.Add(p.Window);
            if (p.Window == 1)
            {
                await Task.Delay(1000);                     // lets the 16-window tiny model finish sampling
                cts.Cancel();
            }
        }, cts.Token));
        Assert.Equal([1], seen);
    }

    [Fact]
    public async Task A_cancelled_request_samples_no_window_after_the_next_step()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new TokenShuffleModel(TinyGenerator.Config(8, 2));
        using var cache = model.Transformer.CreateCache(2);
        using var scheduler = new StepScheduler(model.Transformer, cache, tokenBudget: 32);
        var conditioning = new CaptionConditioning(model.Config);
        using var request = new TokenShuffleRequest(model, conditioning.Encode("a red circle"), conditioning.Null, new ImageRequest("a red circle"));
        scheduler.Submit(request);
        scheduler.Step();                                   // prefill: samples window 0
        scheduler.Step();                                   // window 1
        scheduler.Step();                                   // window 2
        scheduler.Cancel(request.Id);
        var report = scheduler.Step();
        Assert.Contains(request.Id, report.Cancelled);
        Assert.Equal(3, request.Windows.Count);
        Assert.Equal(RequestStatus.Cancelled, await request.Completion);
    }
}

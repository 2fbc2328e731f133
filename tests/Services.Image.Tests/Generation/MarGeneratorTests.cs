using Media.Services.Image.Generation;
using Media.Services.Image.Mar;
using Media.Services.Image.Tests.Mar;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Generation;

/// <summary>
/// The `mar` generator as jobs use it: a preview after every AR iteration, concurrent requests pooled into one step
/// loop (one backbone pass and one head batch per iteration for all of them) without changing any request's image.
/// </summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class MarGeneratorTests
{
    static MarGenerator Create(int maxConcurrent)
    {
        var (model, vae) = MarSamplerTests.Tiny();
        return new MarGenerator(model, vae, maxConcurrent);
    }

    [Fact]
    public async Task Every_AR_iteration_reports_progress_and_a_preview_of_the_known_tokens()
    {
        using var generator = Create(maxConcurrent: 2);
        var progress = new List<GenerationProgress>();
        var image = await generator.GenerateAsync(new MarSamplingOptions("a red circle") { Seed = 3, Iterations = 4 }, previews: true, p =>
        {
            progress.Add(p);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal([1, 2, 3, 4], progress.Select(p => p.Window));
        Assert.All(progress, p => Assert.Equal(4, p.Windows));
        // Iterations 1..3 carry a preview (known tokens decoded, unknown ones left masked at zero); the last is the image itself.
        Assert.All(progress.Take(3), p => Assert.NotNull(p.Preview));
        Assert.NotEqual(progress[0].Preview!.Pixels.ToArray(), image.Pixels.ToArray());
        Assert.Equal(64, image.Width);

        // Without previews only the progress arrives.
        var quiet = new List<GenerationProgress>();
        await generator.GenerateAsync(new MarSamplingOptions("a red circle") { Seed = 3, Iterations = 4 }, previews: false, p =>
        {
            quiet.Add(p);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal([1, 2, 3, 4], quiet.Select(p => p.Window));
        Assert.All(quiet, p => Assert.Null(p.Preview));
    }

    [Fact]
    public async Task Concurrent_requests_share_the_step_loop_and_each_gets_the_image_it_gets_alone()
    {
        using var generator = Create(maxConcurrent: 3);
        var asked = new MarSamplingOptions("a blue square on the left") { Seed = 7, Iterations = 4, DiffusionSteps = new(DisaScheduleKind.Linear, 8, 2) };
        var alone = await generator.GenerateAsync(asked, previews: false, null, CancellationToken.None);
        var together = await Task.WhenAll(
            generator.GenerateAsync(new MarSamplingOptions("a green star") { Seed = 8, Iterations = 6, Cfg = 1.0 }, previews: true, null, CancellationToken.None),
            generator.GenerateAsync(asked, previews: false, null, CancellationToken.None),
            generator.GenerateAsync(asked with { Seed = 9 }, previews: false, null, CancellationToken.None));
        // Pooling may move a float by rounding; the 8-bit image moves by at most one level.
        var a = alone.Pixels.ToArray();
        var b = together[1].Pixels.ToArray();
        Assert.True(a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1), "the pooled request's image differs from the one drawn alone");
        Assert.NotEqual(a, together[2].Pixels.ToArray());
    }

    [Fact]
    public async Task A_cancelled_request_stops_while_the_others_finish()
    {
        using var generator = Create(maxConcurrent: 2);
        using var cts = new CancellationTokenSource();
        var cancelled = generator.GenerateAsync(new MarSamplingOptions("a red circle") { Seed = 1, Iterations = 8 }, previews: false, p =>
        {
            if (p.Window == 1) cts.Cancel();
            return ValueTask.CompletedTask;
        }, cts.Token);
        var other = generator.GenerateAsync(new MarSamplingOptions("a blue square") { Seed = 2, Iterations = 4 }, previews: false, null, CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(64, (await other).Width);
    }
}

using TorchSharp;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Kmeans;

public sealed class KMeansTests
{
    static Tensor Points(int n, int d, int seed) => randn([n, d], generator: new Generator((ulong)seed));

    [Theory]
    [InlineData(KMeans.DefaultMaxDistances)]
    [InlineData(17 * 3)] // blocks of three points, the last one short
    public void Each_point_is_assigned_to_its_nearest_centroid_as_a_naive_loop_finds_it(long maxDistances)
    {
        using var scope = NewDisposeScope();
        var points = Points(200, 5, 1);
        var centroids = Points(17, 5, 2);

        var assigned = KMeans.Assign(points, centroids, maxDistances).data<long>().ToArray();

        var p = points.data<float>().ToArray();
        var c = centroids.data<float>().ToArray();
        for (int i = 0; i < 200; i++)
        {
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int k = 0; k < 17; k++)
            {
                double distance = 0;
                for (int j = 0; j < 5; j++) distance += Math.Pow(p[i * 5 + j] - c[k * 5 + j], 2);
                if (distance < bestDistance) (best, bestDistance) = (k, distance);
            }
            Assert.Equal(best, assigned[i]);
        }
    }

    [Fact]
    public void The_inertia_in_blocks_is_the_mean_over_all_points()
    {
        using var scope = NewDisposeScope();
        var points = Points(200, 5, 1);
        var centroids = Points(17, 5, 2);
        var x = points.unsqueeze(1) - centroids.unsqueeze(0); // [200, 17, 5], small enough here to hold whole
        double whole = x.square().sum(2).min(1).values.mean().item<float>();

        Assert.Equal(whole, KMeans.Inertia(points, centroids), 4);
        Assert.Equal(whole, KMeans.Inertia(points, centroids, maxDistances: 17 * 7), 4);
    }

    [Fact]
    public void Lloyd_iterations_never_raise_the_inertia_and_lower_it_below_the_seeding()
    {
        using var scope = NewDisposeScope();
        // Four well-separated blobs: a good clustering has inertia near the blobs' own variance (0.01 x 3 dims).
        var centres = tensor(new float[] { 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5 }, [4, 3]);
        var points = centres.repeat_interleave(100, 0) + 0.1f * Points(400, 3, 3);

        var fit = KMeans.Fit(points, 8, 10, new Generator(4));

        for (int i = 1; i < fit.Inertia.Count; i++) Assert.True(fit.Inertia[i] <= fit.Inertia[i - 1] + 1e-6, $"inertia rose at iteration {i}");
        Assert.True(fit.Inertia[^1] < fit.Inertia[0], "Lloyd iterations did not improve on the k-means++ seeds");
        Assert.InRange(fit.Inertia[^1], 0, 0.03);
        Assert.Equal(KMeans.Inertia(points, fit.Centroids), fit.Inertia[^1], 5);
    }

    [Fact]
    public void The_committed_tokenizer_gives_one_token_per_20_ms_within_its_vocabulary()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "models", AcousticKmeansTokenizer.ModelId);
        if (!Directory.Exists(folder)) Assert.Fail($"models/acoustic-kmeans is not committed ({folder}).");
        using var tokenizer = AcousticKmeansTokenizer.Load(folder);
        var samples = Enumerable.Range(0, 16_000).Select(i => 0.3f * MathF.Sin(2 * MathF.PI * 440 * i / 16_000f)).ToArray();

        var tokens = tokenizer.Encode(Media.Audio.IO.AudioBuffer.FromMono(samples, 16_000));

        Assert.Equal(256, tokenizer.VocabularySize);
        Assert.Equal(51, tokens.Length); // centred frames: 16000 / 320 + 1
        Assert.All(tokens, t => Assert.InRange(t, 0, 255));
        // A steady tone is one sound: its inner frames share a token.
        Assert.Single(tokens.Skip(5).Take(40).Distinct());
    }

    [Fact]
    public void Seeding_frees_each_seeds_distances_so_live_tensors_stay_flat_over_k()
    {
        using var scope = NewDisposeScope();
        var points = Points(500, 8, 5);
        var live = new List<(string Phase, long Count)>();

        KMeans.Fit(points, 64, 3, new Generator(6), new Recorder(p => live.Add((p.Phase, DisposeScopeManager.Statistics.ThreadTotalLiveCount))));

        // Kept to the end of the fit, every seed's [N, D] difference, squares and sums piled up: 4 tensors per seed.
        var seeding = live.Where(l => l.Phase == "seeding").Select(l => l.Count).ToList();
        Assert.Equal(63, seeding.Count);
        Assert.InRange(seeding[^1] - seeding[0], 0, 5);
        Assert.Equal(3, live.Count(l => l.Phase == "lloyd"));
    }

    sealed class Recorder(Action<KMeansProgress> action) : IProgress<KMeansProgress>
    {
        public void Report(KMeansProgress value) => action(value);
    }
}

using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>A fitted clustering: centroids [K, D] and the inertia after k-means++ and after each Lloyd iteration.</summary>
public sealed record KMeansFit(Tensor Centroids, IReadOnlyList<double> Inertia);

/// <summary>Where a fit is: <c>seeding</c> (k-means++ seeds chosen so far) or <c>lloyd</c> (iterations done).</summary>
public sealed record KMeansProgress(string Phase, int Done, int Total);

/// <summary>
/// k-means in torch (any device): k-means++ seeding (Arthur and Vassilvitskii, 2007) and Lloyd
/// iterations. Inertia is the mean squared distance of each point to its nearest centroid.
/// </summary>
public static class KMeans
{
    /// <summary>
    /// Point-to-centroid distances held at once by default (64 MB of floats): the points are taken in blocks of this many
    /// divided by K, so 77,000 points against 16,384 centroids do not need 5 GB for each [N, K] temporary.
    /// </summary>
    public const long DefaultMaxDistances = 1L << 24;

    /// <summary>
    /// Index of the nearest centroid [N] for points [N, D] (squared Euclidean distance), at most
    /// <paramref name="maxDistances"/> distances in memory at once.
    /// </summary>
    public static Tensor Assign(Tensor points, Tensor centroids, long maxDistances = DefaultMaxDistances)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(centroids);
        using var scope = NewDisposeScope();
        var nearest = Blocks(points, centroids, maxDistances).Select(block =>
        {
            using var blockScope = NewDisposeScope();
            return Distances(block, centroids).argmin(1).MoveToOuterDisposeScope();
        }).ToArray();
        return cat(nearest, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared distance of each point to its nearest centroid (in blocks, as <see cref="Assign"/>).</summary>
    public static double Inertia(Tensor points, Tensor centroids, long maxDistances = DefaultMaxDistances)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(centroids);
        using var scope = NewDisposeScope();
        double sum = 0;
        foreach (var block in Blocks(points, centroids, maxDistances))
        {
            using var blockScope = NewDisposeScope();
            sum += Distances(block, centroids).min(1).values.clamp_min(0).sum().to_type(ScalarType.Float64).item<double>();
        }
        return sum / points.shape[0];
    }

    // Consecutive row blocks of the points, each small enough that its distances to every centroid fit the budget.
    static IEnumerable<Tensor> Blocks(Tensor points, Tensor centroids, long maxDistances)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDistances);
        long n = points.shape[0], rows = Math.Max(1, maxDistances / Math.Max(1, centroids.shape[0]));
        for (long start = 0; start < n; start += rows)
            yield return points.narrow(0, start, Math.Min(rows, n - start));
    }

    /// <summary>
    /// Clusters <paramref name="points"/> [N, D] into <paramref name="k"/> groups: k-means++ seeds drawn
    /// with <paramref name="generator"/>, then <paramref name="iterations"/> Lloyd steps (an empty cluster
    /// keeps its centroid). <paramref name="progress"/> hears of each seed and each iteration, on this thread.
    /// </summary>
    public static KMeansFit Fit(Tensor points, int k, int iterations, Generator generator, IProgress<KMeansProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(generator);
        if (points.dim() != 2) throw new ArgumentException($"Points must be [N, D]; got [{string.Join(", ", points.shape)}].", nameof(points));
        if (k < 1 || k > points.shape[0]) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must lie in 1..{points.shape[0]} (the number of points).");
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        using var scope = NewDisposeScope();
        var x = points.to_type(ScalarType.Float32);
        long n = x.shape[0];
        var device = x.device;

        // k-means++: each next seed is a point drawn with probability proportional to its squared distance to the nearest seed so far.
        var chosen = new long[k];
        chosen[0] = randint(n, [1], generator: generator).item<long>();
        var nearest = (x - x[chosen[0]]).square().sum(1);
        for (int c = 1; c < k; c++)
        {
            // Each seed's [N, D] difference is freed at once: kept to the end they would take k x N x D floats.
            using var seedScope = NewDisposeScope();
            var weights = nearest.clamp_min(0).cpu();
            chosen[c] = weights.sum().item<float>() > 0
                ? multinomial(weights, 1, generator: generator).item<long>()
                : randint(n, [1], generator: generator).item<long>();
            var closer = minimum(nearest, (x - x[chosen[c]]).square().sum(1)).MoveToOuterDisposeScope();
            nearest.Dispose();
            nearest = closer;
            progress?.Report(new KMeansProgress("seeding", c + 1, k));
        }
        var centroids = x.index_select(0, tensor(chosen, device: device)).clone();
        var inertia = new List<double> { Inertia(x, centroids) };

        for (int i = 0; i < iterations; i++)
        {
            using var step = NewDisposeScope();
            var assignment = Assign(x, centroids);
            var sums = zeros_like(centroids).index_add_(0, assignment, x, 1);
            var counts = zeros(k, device: device).index_add_(0, assignment, ones(n, device: device), 1);
            var updated = where(counts.unsqueeze(1) > 0, sums / counts.clamp_min(1).unsqueeze(1), centroids);
            centroids.copy_(updated);
            inertia.Add(Inertia(x, centroids));
            progress?.Report(new KMeansProgress("lloyd", i + 1, iterations));
        }
        return new KMeansFit(centroids.MoveToOuterDisposeScope(), inertia);
    }

    static Tensor Distances(Tensor points, Tensor centroids) =>
        points.square().sum(1, keepdim: true) - 2 * points.matmul(centroids.t()) + centroids.square().sum(1).unsqueeze(0);
}

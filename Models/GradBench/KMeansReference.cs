namespace AutoDiff.Functional.Models.GradBench;

/// <summary>kmeans in plain loops: each point's nearest centroid (the first at a tie), the cost, and the Newton
/// direction J/H = (Σ over its points 2(Cⱼ − Pᵢ)) / (2·count) = Cⱼ − mean of its points.</summary>
public static class KMeansReference
{
    /// <summary>The cost and the direction, centroids by rows.</summary>
    public static (double Cost, double[][] Direction) Evaluate(double[][] points, double[][] centroids)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(centroids);
        int k = centroids.Length, d = centroids[0].Length;
        var sums = new double[k][];
        var counts = new int[k];
        for (int j = 0; j < k; j++) sums[j] = new double[d];
        double cost = 0;
        foreach (var p in points)
        {
            int best = 0;
            double nearest = double.PositiveInfinity;
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int a = 0; a < d; a++) s += (centroids[j][a] - p[a]) * (centroids[j][a] - p[a]);
                if (s < nearest) (nearest, best) = (s, j);
            }
            cost += nearest;
            counts[best]++;
            for (int a = 0; a < d; a++) sums[best][a] += p[a];
        }
        var direction = new double[k][];
        for (int j = 0; j < k; j++)
            direction[j] = [.. Enumerable.Range(0, d).Select(a => centroids[j][a] - sums[j][a] / counts[j])];
        return (cost, direction);
    }
}

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's kmeans: the cost f(C) = Σᵢ minⱼ ‖Cⱼ − Pᵢ‖² of centroids C (k×d) for points P (n×d), and the
/// Newton direction J·H⁻¹. The squared distances of all pairs come from one matrix product,
/// ‖Cⱼ‖² + ‖Pᵢ‖² − 2 Cⱼ·Pᵢ; the minimum's derivative goes to the nearest centroid (shared evenly at a tie).</summary>
public static class KMeans
{
    /// <summary>f(C) for the points P.</summary>
    public static Node Cost(Node centroids, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        ArgumentNullException.ThrowIfNull(points);
        int k = centroids.Shape[0], n = points.Shape[0];
        if (points.Shape.Rank != 2 || centroids.Shape.Rank != 2 || points.Shape[1] != centroids.Shape[1])
            throw new ShapeException($"KMeans: the centroids {centroids.Shape} and points {points.Shape} are not k×d and n×d");
        var p = Node.Constant(points);
        var pointNorms = Node.Constant(Tensor.FromColumnMajor(Shape.Vector(n), [.. Enumerable.Range(0, n).Select(i =>
        {
            double s = 0;
            for (int j = 0; j < points.Shape[1]; j++) s += points[i, j] * points[i, j];
            return s;
        })]));
        var distances = centroids.Square().Sum(1).BroadcastColumns(n) + pointNorms.BroadcastRows(k)
            - 2 * centroids.MatMul(p.T()); // (k×n)
        return distances.Min(0).Sum();
    }

    /// <summary>The Newton direction J ⊘ diag H, (k×d): f's Hessian is diagonal (2 × the points nearest each centroid),
    /// so its diagonal is one Hessian–vector product with the all-ones direction, forward over reverse.</summary>
    public static Node NewtonDirection(Node cost, Node centroids)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(centroids);
        var gradient = Reverse.Grad(cost, [centroids])[0];
        var diagonal = ForwardMode.Jvp([gradient], [(centroids, Node.Constant(Tensor.Filled(centroids.Shape, 1)))])[0];
        return gradient / diagonal;
    }
}

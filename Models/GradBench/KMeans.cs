namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's kmeans: the cost f(C) = Σᵢ minⱼ ‖Cⱼ − Pᵢ‖² of centroids C (k×d) for points P (n×d), and the
/// Newton direction J·H⁻¹. The squared distances of all pairs come from one matrix product,
/// ‖Cⱼ‖² + ‖Pᵢ‖² − 2 Cⱼ·Pᵢ (the ‖Pᵢ‖² added after the minimum, which it does not move); the minimum's derivative
/// goes to the nearest centroid (shared evenly at a tie).</summary>
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
        // ‖Pᵢ‖² is the same for every centroid, so it leaves the minimum over j: added once, outside the (k×n) pass, and
        // the −2 goes into the constant, so the pass is one broadcast add (and its reverse one product less).
        var p = points.Values;
        var minusTwiceP = Node.Constant(Tensor.FromColumnMajor(points.Shape, [.. p.ToArray().Select(v => -2 * v)]));
        double pointNorms = 0;
        foreach (var v in p) pointNorms += v * v;
        var distances = centroids.Square().Sum(1).BroadcastColumns(n) + centroids.MatMul(minusTwiceP.T()); // (k×n), less ‖Pᵢ‖²
        return distances.Min(0).Sum() + pointNorms;
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

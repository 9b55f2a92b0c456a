namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's kmeans: the cost f(C) = Σᵢ minⱼ ‖Cⱼ − Pᵢ‖² of centroids C (k×d) for points P (n×d), and the
/// Newton direction J·H⁻¹. Each point's nearest centroid aᵢ = argminⱼ ‖Cⱼ − Pᵢ‖² comes from one matrix product
/// (‖Cⱼ‖² − 2 Cⱼ·Pᵢ: the ‖Pᵢ‖² is the same for every j, so it cannot move the argmin), and the cost is
/// Σᵢ ‖C_{aᵢ} − Pᵢ‖² over the gathered rows. The argmin is data: away from ties it does not change under a small
/// move of C, so this is the minimum's derivative exactly, the nearest centroid's (the first at a tie), and reverse
/// mode scatters n rows instead of building the (k×n) distances' cotangent.</summary>
public static class KMeans
{
    /// <summary>f(C) for the points P.</summary>
    public static Node Cost(Node centroids, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        ArgumentNullException.ThrowIfNull(points);
        int n = points.Shape[0];
        if (points.Shape.Rank != 2 || centroids.Shape.Rank != 2 || points.Shape[1] != centroids.Shape[1])
            throw new ShapeException($"KMeans: the centroids {centroids.Shape} and points {points.Shape} are not k×d and n×d");
        // ‖Cⱼ‖² − 2 Cⱼ·Pᵢ as one product of [C, ‖C‖²] (k×(d+1)) and [−2P, 1] (n×(d+1)) transposed: no pass over the
        // (k×n) matrix but the product's own and the argmin's.
        int d = points.Shape[1];
        var p = points.Values;
        var scaled = new double[n * (d + 1)];
        for (int i = 0; i < n * d; i++) scaled[i] = -2 * p[i];
        Array.Fill(scaled, 1, n * d, n);
        var minusTwicePAndOnes = Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(n, d + 1), scaled));
        var centroidsAndNorms = Indexing.Concat(1, centroids, centroids.Square().Sum(1).Reshape(Shape.Matrix(centroids.Shape[0], 1)));
        var nearest = centroidsAndNorms.MatMul(minusTwicePAndOnes.T()).ArgMin(0);   // (k×n) distances less ‖Pᵢ‖², then (n)
        return (centroids.Take(nearest, 0) - Node.Constant(points)).Square().Sum();
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

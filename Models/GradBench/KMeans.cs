namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's kmeans: the cost f(C) = Σᵢ minⱼ ‖Cⱼ − Pᵢ‖² of centroids C (k×d) for points P (n×d), and the
/// Newton direction J·H⁻¹. Each point's nearest centroid aᵢ = argminⱼ ‖Cⱼ − Pᵢ‖² comes from one matrix product
/// (‖Cⱼ‖² − 2 Cⱼ·Pᵢ: the ‖Pᵢ‖² is the same for every j, so it cannot move the argmin). Grouping the points by it,
/// f = Σⱼ (nⱼ‖Cⱼ‖² − 2 Cⱼ·Sⱼ) + Σᵢ ‖Pᵢ‖², with nⱼ the number of points nearest Cⱼ and Sⱼ their sum (both scattered
/// at a). The argmin is data: away from ties it does not change under a small move of C, so this is the minimum's
/// derivative exactly, the nearest centroid's (the first at a tie), and reverse mode works on (k×d) values instead of
/// the (k×n) distances' cotangent.</summary>
/// <remarks>The expansion rounds relative to Σᵢ ‖Pᵢ‖² and ‖Cⱼ‖², not to the distances: for points far from the origin
/// compared with their spread (|P| ~ 10⁴ around clusters of size 1 loses about 8 of f's digits, and nearly tied
/// centroids can swap), centre the points first. GradBench's data lie in the unit cube.</remarks>
public static class KMeans
{
    /// <summary>f(C) for the points P.</summary>
    public static Node Cost(Node centroids, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Shape.Rank != 2 || centroids.Shape.Rank != 2 || points.Shape[1] != centroids.Shape[1])
            throw new ShapeException($"KMeans: the centroids {centroids.Shape} and points {points.Shape} are not k×d and n×d");
        int k = centroids.Shape[0], n = points.Shape[0], d = points.Shape[1];
        var p = points.Values;
        // ‖Cⱼ‖² − 2 Cⱼ·Pᵢ as one product of [C, ‖C‖²] (k×(d+1)) and [−2P, 1] (n×(d+1)) transposed: no pass over the
        // (k×n) matrix but the product's own and the argmin's.
        var scaled = new double[n * (d + 1)];
        for (int i = 0; i < n * d; i++) scaled[i] = -2 * p[i];
        Array.Fill(scaled, 1, n * d, n);
        var norms = centroids.Square().Sum(1);
        var nearest = Indexing.Concat(1, centroids, norms.Reshape(Shape.Matrix(k, 1)))
            .MatMul(Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(n, d + 1), scaled)).T()).ArgMin(0);
        var counts = Node.Constant(Tensor.Filled(Shape.Vector(n), 1)).ScatterAdd(nearest, Shape.Vector(k));
        var sums = Node.Constant(points).ScatterAdd(nearest, centroids.Shape);
        double pointNorms = 0;
        foreach (var v in p) pointNorms += v * v;
        return (counts * norms).Sum() - 2 * (centroids * sums).Sum() + pointNorms;
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

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>The variables of a Gaussian mixture: weights α (K), means M (K×D, row k = μₖ), log-diagonals q (K×D) and
/// the strictly lower parts l (K × D(D−1)/2) of the precision factors Qₖ.</summary>
public sealed record GmmParameters(Node Alpha, Node Means, Node LogDiagonals, Node Lower);

/// <summary>GradBench's gmm: the log-posterior of a Gaussian mixture with a Wishart prior on its precisions
/// Σₖ⁻¹ = QₖᵀQₖ, Qₖ lower triangular with diagonal exp(qₖ) and the entries lₖ below it, column by column:
/// F = Σᵢ logsumexpₖ βᵢₖ − N(D/2·log 2π + logsumexp α) + Σₖ (−γ²/2‖Qₖ‖²_F + m Σⱼ qₖⱼ) + K(nD log(γ/√2) − log Γ_D(n/2)),
/// βᵢₖ = αₖ − ½‖Qₖ(xᵢ − μₖ)‖² + Σⱼ qₖⱼ, n = D + m + 1. All K components at once: the factors stacked into one
/// (KD×D) matrix W, so Qₖ(xᵢ − μₖ) for every i and k is the block k of W·Xᵀ − (Qₖμₖ)ₖ, one matrix product.</summary>
public static class Gmm
{
    /// <summary>Variables for K components in D dimensions.</summary>
    public static GmmParameters Variables(int k, int d) => new(
        Node.Variable("alpha", Shape.Vector(k)), Node.Variable("mu", Shape.Matrix(k, d)),
        Node.Variable("q", Shape.Matrix(k, d)), Node.Variable("l", Shape.Matrix(k, d * (d - 1) / 2)));

    /// <summary>F for the data X (N×D), the Wishart's extra degrees of freedom m and precision γ.</summary>
    public static Node LogPosterior(GmmParameters p, Tensor data, int m, double gamma)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(data);
        int k = p.Alpha.Shape[0], d = p.Means.Shape[1], n = data.Shape[0];
        if (data.Shape.Rank != 2 || data.Shape[1] != d)
            throw new ShapeException($"Gmm: the data {data.Shape} is not N×{d}");
        var factors = StackedFactors(p.LogDiagonals, p.Lower); // (KD×D)
        var meanRows = p.Means.GatherRows([.. Enumerable.Range(0, k * d).Select(r => r / d)]); // row kD+j is μₖ
        var shifts = (factors * meanRows).Sum(1); // (KD): the blocks Qₖμₖ
        var whitened = factors.MatMul(Node.Constant(data).T()) - shifts.BroadcastColumns(n); // (KD×N)
        // Column-major, entry (kD + j, i) sits at j + D(k + Ki): a (D × KN) reshape sums each block's squares.
        var distances = whitened.Square().Reshape(Shape.Matrix(d, k * n)).Sum(0).Reshape(Shape.Matrix(k, n)); // (K×N)
        var sumQ = p.LogDiagonals.Sum(1);
        var beta = (p.Alpha + sumQ).BroadcastColumns(n) - 0.5 * distances;
        double wishartDof = d + m + 1;
        double constant = -n * d / 2.0 * Math.Log(2 * Math.PI)
            + k * (wishartDof * d * Math.Log(gamma / Math.Sqrt(2)) - LogMultivariateGamma(d, wishartDof / 2));
        var frobenius = (2 * p.LogDiagonals).Exp().Sum() + p.Lower.SquaredNorm();
        return beta.LogSumExp(0).Sum() - n * p.Alpha.LogSumExp(0)
            - gamma * gamma / 2 * frobenius + m * sumQ.Sum() + constant;
    }

    /// <summary>log Γ_D(a) = D(D−1)/4·log π + Σⱼ₌₁ᴰ log Γ(a + (1 − j)/2).</summary>
    public static double LogMultivariateGamma(int d, double a)
    {
        double sum = d * (d - 1) / 4.0 * Math.Log(Math.PI);
        for (int j = 1; j <= d; j++) sum += MathNet.Numerics.SpecialFunctions.GammaLn(a + (1 - j) / 2.0);
        return sum;
    }

    // Q₀ over Q₁ over …: each entry of W (column-major, KD×D) gathered from (exp q, l, 0) by position.
    static Node StackedFactors(Node logDiagonals, Node lower)
    {
        int k = logDiagonals.Shape[0], d = logDiagonals.Shape[1], below = d * (d - 1) / 2;
        int rows = k * d, lowerStart = k * d, zero = k * d + k * below;
        var map = new int[rows * d];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) map[c * d + i + j * rows] = zero;
            // The (K×D) q and (K×B) l are column-major: qₖⱼ at k + jK, lₖₚ at k + pK.
            for (int j = 0; j < d; j++) map[c * d + j + j * rows] = c + j * k;
            for (int j = 0, pos = 0; j < d; j++)
                for (int i = j + 1; i < d; i++, pos++) map[c * d + i + j * rows] = lowerStart + c + pos * k;
        }
        var values = Indexing.Concat(0, logDiagonals.Exp().Reshape(Shape.Vector(k * d)),
            lower.Reshape(Shape.Vector(k * below)), Node.Constant(Tensor.Vector(0.0)));
        return values.Gather(map).Reshape(Shape.Matrix(rows, d));
    }
}

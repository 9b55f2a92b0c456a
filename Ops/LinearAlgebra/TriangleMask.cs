using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The lower (or upper) triangle of a square matrix with its diagonal scaled by <see cref="Diagonal"/>, zero
/// elsewhere: tril(X) with Diagonal 1, the strict triangle with 0, and Φ(X) (diagonal halved) with ½, which the
/// Cholesky rules use. A diagonal scaling of the entries, so it is its own adjoint.</summary>
internal sealed record TriangleMask(bool Lower, double Diagonal) : LinearOp
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        SquareMatrix.Order(this, x[0], "the input");
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0];
        var a = x[0].Storage;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                y[i + j * n] = i == j ? Diagonal * a[i + j * n] : (i > j) == Lower ? a[i + j * n] : 0;
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var weights = new double[y.Shape.Size];
        Forward([Tensor.FromColumnMajor(y.Shape, [.. Enumerable.Repeat(1.0, weights.Length)])], weights);
        return xb[0]! * Batched.Shared(Node.WeakConstant(Tensor.FromColumnMajor(y.Shape, weights)), k);
    }

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Node.Apply(this, ct);

    /// <inheritdoc/>
    protected override string Parameters => $"{(Lower ? "lower" : "upper")}, diagonal×{Diagonal}";
}

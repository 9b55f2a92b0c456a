using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>Aᵀ of a matrix. Linear and its own adjoint.</summary>
internal sealed record Transpose : LinearOp
{
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].Rank == 2
        ? Shape.Matrix(x[0][1], x[0][0])
        : throw ShapeError($"{x[0]}: needs a matrix (use Reshape to turn a vector into a row or a column)");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = x[0].Shape[0], n = x[0].Shape[1];
        var a = x[0].Storage;
        const int block = 32; // tiles keep both the reads and the writes in cache
        for (int jb = 0; jb < n; jb += block)
            for (int ib = 0; ib < m; ib += block)
                for (int j = jb; j < Math.Min(jb + block, n); j++)
                    for (int i = ib; i < Math.Min(ib + block, m); i++)
                        y[j + i * n] = a[i + j * m];
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => ct.T();
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Aᵀ of a matrix. Linear and its own adjoint.</summary>
public sealed class Transpose : Op
{
    /// <summary>The single instance.</summary>
    public static readonly Transpose Instance = new();
    Transpose() { }
    /// <inheritdoc/>
    public override string Name => "Transpose";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0].Rank == 2
        ? Shape.Matrix(x[0][1], x[0][0])
        : throw ShapeError($"{x[0]}: needs a matrix (use Reshape to turn a vector into a row or a column)");

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape y, double[] t)
    {
        int m = x[0].Shape[0], n = x[0].Shape[1];
        var a = x[0].Storage;
        const int block = 32; // tiles keep both the reads and the writes in cache
        for (int jb = 0; jb < n; jb += block)
            for (int ib = 0; ib < m; ib += block)
                for (int j = jb; j < Math.Min(jb + block, n); j++)
                    for (int i = ib; i < Math.Min(ib + block, m); i++)
                        t[j + i * n] = a[i + j * m];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [Node.Apply(this, cotangent)];
}

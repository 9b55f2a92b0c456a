using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>ln |det A| of a square nonsingular A, from its LU factors (Σ ln |Uᵢᵢ|, LAPACK dgetrf), so it serves a
/// general matrix of either sign of determinant. A singular A is an error at run time. Rules: d = tr(A⁻¹·dA) =
/// ⟨A⁻ᵀ, dA⟩; Ā = ȳ·A⁻ᵀ.</summary>
internal sealed record LogDet : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        SquareMatrix.Order(this, x[0], "A");
        return Shape.Scalar;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int n = x[0].Shape[0];
        var lu = SquareMatrix.LuOf(this, x[0], out _);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Log(Math.Abs(lu[i + i * n]));
        y[0] = sum;
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } ta ? (SquareMatrix.InverseTransposed(x[0]) * ta).Sum() : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * SquareMatrix.InverseTransposed(x[0])];

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>det A of a square A, from its LU factors A = P·L·U (LAPACK dgetrf): the sign of P times Π Uᵢᵢ, and 0 when
/// a pivot is exactly 0. Rules (Jacobi's formula) for a nonsingular A: d = det A · tr(A⁻¹·dA) = det A·⟨A⁻ᵀ, dA⟩;
/// Ā = ȳ·det A·A⁻ᵀ; at a singular A they need A⁻¹, whose evaluation is the error.</summary>
internal sealed record Det : Op
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
        var lu = SquareMatrix.LuOf(this, x[0], out var pivots, singular: true);
        double det = 1;
        for (int i = 0; i < n; i++)
        {
            if (lu[i + i * n] == 0) { y[0] = 0; return; }   // before any NaN the managed path divides into the rest
            det *= pivots[i] == i ? lu[i + i * n] : -lu[i + i * n];
        }
        y[0] = det;
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } ta ? y * (SquareMatrix.InverseTransposed(x[0]) * ta).Sum() : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [(ct * y) * SquareMatrix.InverseTransposed(x[0])];

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

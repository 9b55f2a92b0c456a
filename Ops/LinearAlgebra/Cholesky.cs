using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The lower Cholesky factor L of a symmetric positive-definite A = L·Lᵀ (LAPACK dpotrf). Only A's lower
/// triangle is read, so A's derivative lives on the lower triangle: an upper element has derivative 0 and a strictly
/// lower one carries both symmetric positions. A matrix that is not positive definite is an error at run time.
/// Rules (Murray 2016), with Φ the lower triangle with its diagonal halved and S = sym(dA) = tril dA + (strict tril dA)ᵀ:
/// dL = L·Φ(L⁻¹·S·L⁻ᵀ); Ā = Φ(M + Mᵀ) where M = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹. Both are triangular solves and masks, so they
/// differentiate again.</summary>
internal sealed record Cholesky : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        SquareMatrix.Order(this, x[0], "A");
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        x[0].Values.CopyTo(y);
        Lapack.Cholesky(ToString(), y, x[0].Shape[0]);
    }

    static Node Phi(Node m) => Node.Apply(new TriangleMask(true, 0.5), m);
    /// <summary>L⁻¹·B, or L⁻ᵀ·B.</summary>
    static Node Solve(Node l, Node b, bool transpose) => Node.Apply(new TriangularSolve(true, transpose), l, b);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        if (t[0] is not { } ta) return null;
        var symmetric = Node.Apply(new TriangleMask(true, 1), ta) + Node.Apply(new TriangleMask(true, 0), ta).T();
        var inner = Solve(y, Solve(y, symmetric, false).T(), false);   // L⁻¹·S·L⁻ᵀ, as S is symmetric
        return y.MatMul(Phi(inner));
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var p = Phi(Node.Apply(new MatMul(true, false), y, ct));        // Φ(Lᵀ·L̄)
        var m = Solve(y, Solve(y, p, true).T(), true).T();               // L⁻ᵀ·P·L⁻¹
        return [Phi(m + m.T())];
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

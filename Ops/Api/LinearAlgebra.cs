using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Linear algebra with derivative rules of every order: <c>A.Solve(b)</c>, <c>A.Cholesky()</c>,
/// <c>L.TriangularSolve(b)</c>, <c>A.Det()</c>, <c>A.LogDet()</c>, <c>A.Inverse()</c>,
/// and decompositions with several results: <c>A.Lu()</c> (and <c>LuSolve</c>), <c>A.Eigh()</c>, <c>A.Qr()</c>, <c>A.Svd()</c>. Forward values come from OpenBLAS's LAPACK when
/// it is installed, MathNet's managed code otherwise (see <see cref="Blas"/>). A singular or (for Cholesky) non-positive-
/// definite matrix is an <see cref="ArgumentException"/> naming the op when the graph is evaluated.</summary>
public static class LinearAlgebra
{
    /// <summary>A⁻¹·b for a square nonsingular A and a vector or matrix b (LU with partial pivoting).</summary>
    public static Node Solve(this Node a, Node b) => Node.Apply(new Ops.Solve(), a, b);
    /// <summary>The lower Cholesky factor L of a symmetric positive-definite A = L·Lᵀ; only A's lower triangle is read.</summary>
    public static Node Cholesky(this Node a) => Node.Apply(new Ops.Cholesky(), a);
    /// <summary>op(T)⁻¹·b for the lower (or, with <paramref name="lower"/> false, upper) triangle T of
    /// <paramref name="t"/>, where op transposes when <paramref name="transpose"/>; the other triangle is not read.</summary>
    public static Node TriangularSolve(this Node t, Node b, bool lower = true, bool transpose = false) =>
        Node.Apply(new Ops.TriangularSolve(lower, transpose), t, b);
    /// <summary>ln |det A| of a square nonsingular A, from its LU factors (any sign of determinant).</summary>
    public static Node LogDet(this Node a) => Node.Apply(new Ops.LogDet(), a);
    /// <summary>det A of a square A, through its LU factors (0 when a pivot is exactly 0). Its derivatives (det A·A⁻ᵀ)
    /// need a nonsingular A; prefer <see cref="LogDet"/> where the determinant may overflow or underflow.</summary>
    public static Node Det(this Node a) => Node.Apply(new Ops.Det(), a);
    /// <summary>A⁻¹ of a square nonsingular A. Prefer <see cref="Solve"/> to apply it.</summary>
    public static Node Inverse(this Node a) => Node.Apply(new Ops.Inverse(), a);
    /// <summary>The eigenvalues w (ascending) and orthonormal eigenvectors V (its columns) of a symmetric A =
    /// V·diag(w)·Vᵀ; only A's lower triangle is read. Each eigenvector has its largest-magnitude component positive.
    /// Derivatives of every order while the eigenvalues are distinct; at a repeated eigenvalue the eigenvectors are not
    /// unique and their derivatives are infinite (±∞ or NaN), while a function of the eigenvalues alone is still
    /// differentiated exactly (see docs/linear-algebra.md).</summary>
    public static (Node Values, Node Vectors) Eigh(this Node a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Node.ApplyMulti(new Ops.Eigh(), a);
        return (r[0], r[1]);
    }
    /// <summary>The reduced QR factorisation A = Q·R of an m×n A with m ≥ n: Q (m×n) with orthonormal columns, R (n×n)
    /// upper triangular with a positive diagonal. Derivatives of every order for a full-column-rank A.</summary>
    public static (Node Q, Node R) Qr(this Node a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Node.ApplyMulti(new Ops.Qr(), a);
        return (r[0], r[1]);
    }
    /// <summary>The LU factorisation with partial pivoting A = P·L·U of a square nonsingular A (scipy's arrangement):
    /// P a permutation matrix (of floats), L unit lower triangular, U upper triangular. Derivatives of every order for L
    /// and U on the piece where the pivots stay as chosen; P's derivative is 0.</summary>
    public static (Node P, Node L, Node U) Lu(this Node a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Node.ApplyMulti(new Ops.Lu(), a);
        return (r[0], r[1], r[2]);
    }
    /// <summary>A⁻¹·b from the factors A = P·L·U of <see cref="Lu"/>: U⁻¹·L⁻¹·Pᵀ·b, for a vector or matrix b; factor
    /// once, solve for many right-hand sides.</summary>
    public static Node LuSolve(this (Node P, Node L, Node U) lu, Node b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var (p, l, u) = lu;
        ArgumentNullException.ThrowIfNull(p, "lu.P");
        ArgumentNullException.ThrowIfNull(l, "lu.L");
        ArgumentNullException.ThrowIfNull(u, "lu.U");
        return u.TriangularSolve(l.TriangularSolve(p.T().MatMul(b)), lower: false);
    }
    /// <summary>The reduced singular value decomposition A = U·diag(s)·Vᵀ of an m×n A with m ≥ n: U (m×n) and V (n×n)
    /// with orthonormal columns, s descending; each pair (uᵢ, vᵢ) signed so that vᵢ's largest-magnitude component is
    /// positive. Derivatives of every order for distinct nonzero singular values (see docs/linear-algebra.md).</summary>
    public static (Node U, Node S, Node V) Svd(this Node a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var r = Node.ApplyMulti(new Ops.Svd(), a);
        return (r[0], r[1], r[2]);
    }
    /// <summary>The lower triangle of a square matrix (the diagonal included), zero above.</summary>
    public static Node LowerTriangle(this Node a) => Node.Apply(new TriangleMask(true, 1), a);
    /// <summary>The upper triangle of a square matrix (the diagonal included), zero below.</summary>
    public static Node UpperTriangle(this Node a) => Node.Apply(new TriangleMask(false, 1), a);
}

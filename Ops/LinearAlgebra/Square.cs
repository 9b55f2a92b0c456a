namespace AutoDiff.Functional.Ops;

/// <summary>Shape checks and rule pieces shared by the linear-algebra ops.</summary>
static class SquareMatrix
{
    /// <summary>n for an n×n matrix at input <paramref name="position"/>, else a shape error naming the op.</summary>
    public static int Order(Op op, Shape a, string position) => a.Rank == 2 && a[0] == a[1]
        ? a[0]
        : throw new ShapeException($"{op}: {position} is {a}, it must be a square matrix");

    /// <summary>A right-hand side of <paramref name="n"/> rows: a vector (n) or a matrix (n×k).</summary>
    public static Shape RightHandSide(Op op, Shape b, int n) => (b.Rank == 1 || b.Rank == 2) && b[0] == n
        ? b
        : throw new ShapeException($"{op}: the right-hand side is {b}, it must be a vector ({n}) or a matrix ({n}×k)");

    /// <summary>A vector as an n×1 matrix, so outer products are matrix products.</summary>
    public static Node AsColumn(Node v) => v.Shape.Rank == 1 ? v.Reshape(Shape.Matrix(v.Shape[0], 1)) : v;

    /// <summary>The LU factors P·L·U of the n×n <paramref name="a"/> (LAPACK dgetrf, MathNet's managed LU as the
    /// fallback) in a copy of its storage, with the row <paramref name="pivots"/>; a singular matrix is the op's error
    /// unless <paramref name="singular"/>.</summary>
    public static double[] LuOf(Op op, Tensor a, out int[] pivots, bool singular = false)
    {
        int n = a.Shape[0];
        var lu = (double[])a.Storage.Clone();
        pivots = new int[n];
        Lapack.LuFactor(op.ToString(), lu, n, pivots, singular);
        return lu;
    }

    /// <summary>A⁻ᵀ: the gradient of ln |det A|, and of det A over det A (Jacobi's formula).</summary>
    public static Node InverseTransposed(Node a) => Node.Apply(new Inverse(), a).T();

    /// <summary>a·bᵀ for matrices or (as columns) vectors.</summary>
    public static Node TimesTransposed(Node a, Node b) => Node.Apply(new MatMul(false, true), AsColumn(a), AsColumn(b));
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>op(A)·op(B) where op transposes when asked: matrix·matrix or matrix·vector, through BLAS.
/// Transposes are flags, not copies, so Aᵀ·ȳ in a backward pass never materialises Aᵀ.</summary>
public sealed class MatMul(bool transposeA = false, bool transposeB = false) : Op
{
    /// <summary>Whether A enters transposed.</summary>
    public bool TransposeA { get; } = transposeA;
    /// <summary>Whether B enters transposed (matrices only).</summary>
    public bool TransposeB { get; } = transposeB;
    /// <inheritdoc/>
    public override string Name => "MatMul";
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Shape a = x[0], b = x[1];
        string A = $"{a}{(TransposeA ? "ᵀ" : "")}", B = $"{b}{(TransposeB ? "ᵀ" : "")}";
        if (a.Rank != 2 || b.Rank is not (1 or 2) || (b.Rank == 1 && TransposeB))
            throw ShapeError($"{A}·{B}: needs a matrix times a matrix or a vector");
        int m = TransposeA ? a[1] : a[0], k = TransposeA ? a[0] : a[1];
        int kb = b.Rank == 1 ? b[0] : TransposeB ? b[1] : b[0];
        if (k != kb) throw ShapeError($"{A}·{B}: inner dimensions {k} and {kb} differ");
        return b.Rank == 1 ? Shape.Vector(m) : Shape.Matrix(m, TransposeB ? b[0] : b[1]);
    }

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y)
    {
        Shape a = x[0].Shape, b = x[1].Shape;
        Blas.Gemm(TransposeA, TransposeB, 1.0, x[0].Storage, a[0], a[1], x[1].Storage, b.Rows, b.Columns, 0.0, y);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MatMul m && m.TransposeA == TransposeA && m.TransposeB == TransposeB;
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(nameof(MatMul), TransposeA, TransposeB);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents)
    {
        var terms = new List<Node>(2);
        if (tangents[0] is { } ta) terms.Add(Node.Apply(this, ta, x[1]));
        if (tangents[1] is { } tb) terms.Add(Node.Apply(this, x[0], tb));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent)
    {
        Node a = x[0], b = x[1], ct = cotangent;
        if (b.Shape.Rank == 1)
        {
            // y = op(A)·b: Ā is the outer product ȳ·bᵀ (or b·ȳᵀ when A entered transposed), b̄ = op(A)ᵀ·ȳ.
            Node ctCol = ct.Reshape(Shape.Matrix(ct.Shape[0], 1)), bCol = b.Reshape(Shape.Matrix(b.Shape[0], 1));
            var abar = TransposeA ? Product(bCol, ctCol, false, true) : Product(ctCol, bCol, false, true);
            return [abar, Product(a, ct, !TransposeA, false)];
        }
        return (TransposeA, TransposeB) switch
        {
            (false, false) => [Product(ct, b, false, true), Product(a, ct, true, false)],
            (true, false) => [Product(b, ct, false, true), Product(a, ct, false, false)],
            (false, true) => [Product(ct, b, false, false), Product(ct, a, true, false)],
            (true, true) => [Product(b, ct, true, true), Product(ct, a, true, true)],
        };
    }

    static Node Product(Node a, Node b, bool ta, bool tb) => Node.Apply(new MatMul(ta, tb), a, b);

    /// <inheritdoc/>
    public override string ToString() => TransposeA || TransposeB
        ? $"MatMul({(TransposeA ? "Aᵀ" : "A")}·{(TransposeB ? "Bᵀ" : "B")})" : "MatMul";
}

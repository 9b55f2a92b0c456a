using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>op(A)·op(B) where op transposes when asked: matrix·matrix or matrix·vector, through BLAS.
/// Transposes are flags, not copies, so Aᵀ·ȳ in a backward pass never materialises Aᵀ.</summary>
internal sealed record MatMul(bool TransposeA = false, bool TransposeB = false) : Op
{
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
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        Shape a = x[0].Shape, b = x[1].Shape;
        Blas.Gemm(TransposeA, TransposeB, 1.0, x[0].Storage, a[0], a[1], x[1].Storage, b.Rows, b.Columns, 0.0, y);
    }

    /// <inheritdoc/>
    /// <remarks>Bilinear: d(A·B) = dA·B + A·dB.</remarks>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var terms = new List<Node>(2);
        if (t[0] is { } ta) terms.Add(Node.Apply(this, ta, x[1]));
        if (t[1] is { } tb) terms.Add(Node.Apply(this, x[0], tb));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        Node a = x[0], b = x[1];
        if (b.Shape.Rank == 1)
        {
            // y = op(A)·b: Ā is the outer product ȳ·bᵀ (or b·ȳᵀ when A entered transposed), b̄ = op(A)ᵀ·ȳ.
            Node ctColumn = ct.Reshape(Shape.Matrix(ct.Shape[0], 1)), bColumn = b.Reshape(Shape.Matrix(b.Shape[0], 1));
            return [needed[0] ? (TransposeA ? Product(bColumn, ctColumn, false, true) : Product(ctColumn, bColumn, false, true)) : null,
                    needed[1] ? Product(a, ct, !TransposeA, false) : null];
        }
        var (abar, bbar) = (TransposeA, TransposeB) switch
        {
            (false, false) => ((ct, b, false, true), (a, ct, true, false)),
            (true, false) => ((b, ct, false, true), (a, ct, false, false)),
            (false, true) => ((ct, b, false, false), (ct, a, true, false)),
            (true, true) => ((b, ct, true, true), (ct, a, true, true)),
        };
        return [needed[0] ? Product(abar.Item1, abar.Item2, abar.Item3, abar.Item4) : null,
                needed[1] ? Product(bbar.Item1, bbar.Item2, bbar.Item3, bbar.Item4) : null];
    }

    /// <inheritdoc/>
    /// <remarks>One factor batched, one matrix product: op(A)·Bᵢ with the members side by side, Aᵢ·op(B) with them
    /// stacked row-wise; a batched transposed factor through the transpose of the product, (Bᵢ·op(A)ᵀ)ᵀ or
    /// (op(B)ᵀ·Aᵢ)ᵀ. Both factors batched (a batched product) is a product per member (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        Node a = x[0], b = x[1], bMatrix = b.Shape.Rank == 1 ? b.Reshape(Shape.Matrix(b.Shape[0], 1)) : b;
        int m = y.Shape[0], p = y.Shape.Rank == 1 ? 1 : y.Shape[1];
        return (xb[0], xb[1]) switch
        {
            (null, { } bb) when !TransposeB =>
                Product(a, bb.Reshape(Shape.Matrix(b.Shape[0], p * k)), TransposeA, false).Reshape(Shape.Matrix(m * p, k)),
            (null, { } bb) => Batched.Transposed(Batched.Unstacked(Product(Batched.Stacked(bb, p, k), a, false, !TransposeA), p, k), p, m),
            ({ } ab, null) when !TransposeA => Batched.Unstacked(Product(Batched.Stacked(ab, m, k), b, false, TransposeB), m, k),
            ({ } ab, null) => Batched.Transposed(
                Product(bMatrix, ab.Reshape(Shape.Matrix(a.Shape[0], m * k)), !TransposeB, false).Reshape(Shape.Matrix(p * m, k)), p, m),
            _ => Batched.EachMember(this, x, xb, y.Shape, k),
        };
    }

    static Node Product(Node a, Node b, bool transposeA, bool transposeB) => Node.Apply(new MatMul(transposeA, transposeB), a, b);

    /// <inheritdoc/>
    protected override string Parameters => TransposeA || TransposeB ? $"{(TransposeA ? "Aᵀ" : "A")}·{(TransposeB ? "Bᵀ" : "B")}" : "";
}

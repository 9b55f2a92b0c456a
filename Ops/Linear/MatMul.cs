using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>op(A)·op(B) where op transposes when asked: matrix·matrix or matrix·vector, through BLAS; and the batched
/// product of two tensors of one rank n ≥ 3 whose leading n − 2 axes are batch axes of equal sizes, member by member:
/// (…×m×k)·(…×k×p) → (…×m×p). Transposes are flags (on a batched product, of each member), not copies, so Aᵀ·ȳ in a
/// backward pass never materialises Aᵀ.</summary>
/// <remarks>The batch axes lead, as in NumPy, so in column-major storage a member's elements are B apart (B the batch
/// size): each member is packed into a contiguous matrix, multiplied by one BLAS call, and unpacked.</remarks>
internal sealed partial record MatMul(bool TransposeA = false, bool TransposeB = false) : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Shape a = x[0], b = x[1];
        string A = $"{a}{(TransposeA ? "ᵀ" : "")}", B = $"{b}{(TransposeB ? "ᵀ" : "")}";
        if (a.Rank >= 3 || b.Rank >= 3) return BatchedShape(a, b, A, B);
        if (a.Rank != 2 || b.Rank is not (1 or 2) || (b.Rank == 1 && TransposeB))
            throw ShapeError($"{A}·{B}: needs a matrix times a matrix or a vector");
        int m = TransposeA ? a[1] : a[0], k = TransposeA ? a[0] : a[1];
        int kb = b.Rank == 1 ? b[0] : TransposeB ? b[1] : b[0];
        if (k != kb) throw ShapeError($"{A}·{B}: inner dimensions {k} and {kb} differ");
        return b.Rank == 1 ? Shape.Vector(m) : Shape.Matrix(m, TransposeB ? b[0] : b[1]);
    }

    Shape BatchedShape(Shape a, Shape b, string A, string B)
    {
        if (a.Rank != b.Rank)
            throw ShapeError($"{A}·{B}: a batched product needs both factors of one rank, the batch axes first " +
                             "(repeat a shared factor over the batch with BroadcastTo, or fold the batch into its rows with Reshape)");
        int n = a.Rank;
        var batch = a.Dimensions[..(n - 2)];
        if (!batch.AsSpan().SequenceEqual(b.Dimensions.AsSpan(0, n - 2)))
            throw ShapeError($"{A}·{B}: batch axes ({string.Join("×", batch)}) and ({string.Join("×", b.Dimensions[..(n - 2)])}) differ");
        int m = TransposeA ? a[n - 1] : a[n - 2], k = TransposeA ? a[n - 2] : a[n - 1];
        int kb = TransposeB ? b[n - 1] : b[n - 2], p = TransposeB ? b[n - 2] : b[n - 1];
        if (k != kb) throw ShapeError($"{A}·{B}: inner dimensions {k} and {kb} differ");
        return Shape.Of([.. batch, m, p]);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        Shape a = x[0].Shape, b = x[1].Shape;
        if (a.Rank < 3) { Blas.Gemm(TransposeA, TransposeB, 1.0, x[0].Storage, a[0], a[1], x[1].Storage, b.Rows, b.Columns, 0.0, y); return; }
        EachMember(x[0].Storage, a, x[1].Storage, b, y, (am, ra, ca, bm, rb, cb, cm) => Blas.Gemm(TransposeA, TransposeB, 1.0, am, ra, ca, bm, rb, cb, 0.0, cm));
    }

    /// <summary>A batched product (rank ≥ 3), member by member: each member of A and B packed into a matrix (a batch of
    /// one is its own matrix), multiplied by <paramref name="gemm"/>, and unpacked into <paramref name="y"/>.</summary>
    void EachMember<T>(T[] A, Shape a, T[] B, Shape b, T[] y, Action<T[], int, int, T[], int, int, T[]> gemm)
    {
        int n = a.Rank, members = 1;
        for (int d = 0; d < n - 2; d++) members *= a[d];
        int ra = a[n - 2], ca = a[n - 1], rb = b[n - 2], cb = b[n - 1], rc = TransposeA ? ca : ra, cc = TransposeB ? rb : cb;
        if (members == 1) { gemm(A, ra, ca, B, rb, cb, y); return; }
        if (y.Length == 0) return;
        T[] am = new T[ra * ca], bm = new T[rb * cb], cm = new T[rc * cc];
        for (int c = 0; c < members; c++)
        {
            // Member c of a batch with leading batch axes: its elements are every members-th one, from c.
            for (int i = 0; i < am.Length; i++) am[i] = A[c + i * members];
            for (int i = 0; i < bm.Length; i++) bm[i] = B[c + i * members];
            gemm(am, ra, ca, bm, rb, cb, cm);
            for (int i = 0; i < cm.Length; i++) y[c + i * members] = cm[i];
        }
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
    /// (op(B)ᵀ·Aᵢ)ᵀ. Both factors batched, or a batched product, is one batched product with the members as a new
    /// leading batch axis.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        if (x[0].Shape.Rank >= 3 || xb[0] is not null && xb[1] is not null) return MembersFirst(x, y, xb, k);
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

    // Each factor as one tensor with the k members along a leading axis (a shared factor repeated k times), then one
    // batched product, and the members moved back to the end.
    Node MembersFirst(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var factors = new Node[2];
        for (int i = 0; i < 2; i++)
        {
            var member = x[i].Shape.Rank == 1 ? Shape.Matrix(x[i].Shape[0], 1) : x[i].Shape;
            var trailing = Ops.Batched.Trailing(xb[i] ?? Ops.Batched.Shared(x[i], k), member);
            factors[i] = Node.Apply(new Transpose(AxisOrder.Of("MatMul", [member.Rank, .. Enumerable.Range(0, member.Rank)])), trailing);
        }
        var product = Node.Apply(this, factors[0], factors[1]);
        int r = product.Shape.Rank;
        return Ops.Batched.Flat(Node.Apply(new Transpose(AxisOrder.Of("MatMul", [.. Enumerable.Range(1, r - 1), 0])), product), k);
    }

    static Node Product(Node a, Node b, bool transposeA, bool transposeB) => Node.Apply(new MatMul(transposeA, transposeB), a, b);

    /// <inheritdoc/>
    protected override string Parameters => TransposeA || TransposeB ? $"{(TransposeA ? "Aᵀ" : "A")}·{(TransposeB ? "Bᵀ" : "B")}" : "";
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Tensors of any rank (issue 24): a batch of rank-3 inputs through batched MatMul, Softmax along an axis and
/// Einsum equals a loop over the batch of the same rank-2 computation, values and gradients; worked examples of the
/// rank-N storage order; and the errors for ranks and axes that do not fit, verbatim (ERRORS.md, "Ranks and axes").</summary>
public class RankTests
{
    static Node V(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims));

    /// <summary>A batch of b members, each an (m×k) input, a (k×n) weight and an (n×p) value matrix.</summary>
    public sealed record Case(int B, int M, int K, int N, int P, double[] X, double[] W, double[] U)
    {
        public override string ToString() => $"b {B}, m {M}, k {K}, n {N}, p {P}";
    }

    public static class Cases
    {
        static Gen<double[]> Values(int n) => Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(v => v / 1000.0), n);

        public static Arbitrary<Case> Arbitrary() =>
            (from b in Gen.Choose(1, 4)
             from m in Gen.Choose(1, 5)
             from k in Gen.Choose(1, 5)
             from n in Gen.Choose(1, 5)
             from p in Gen.Choose(1, 4)
             from x in Values(b * m * k)
             from w in Values(b * k * n)
             from u in Values(b * n * p)
             select new Case(b, m, k, n, p, x, w, u)).ToArbitrary();
    }

    /// <summary>Member c of a tensor with a leading batch axis of b: (b×r×s) element (c, i, j) sits at c + b·(i + r·j)
    /// in column-major storage. Written out with loops, independently of the library's slicing.</summary>
    static Tensor Member(double[] batch, int b, int c, int r, int s)
    {
        var member = new double[r * s];
        for (int j = 0; j < s; j++)
            for (int i = 0; i < r; i++) member[i + r * j] = batch[c + b * (i + r * j)];
        return Tensor.FromColumnMajor(Shape.Matrix(r, s), member);
    }

    static void Close(double expected, double actual, string what)
    {
        if (Math.Abs(expected - actual) > 1e-12 * Math.Max(1, Math.Abs(expected)))
            throw new Xunit.Sdk.XunitException($"{what}: {actual:R}, the loop gives {expected:R}");
    }

    /// <summary>Z = Einsum("bij,bjk->bik", Softmax(X·W, axis 2), U) over a batch, against the rank-2 graph
    /// Softmax(Xc·Wc, 1)·Uc built and run for each member c; and ∂ΣZ²/∂X, ∂ΣZ²/∂W against each member's gradients.</summary>
    [Property(Arbitrary = [typeof(Cases)], MaxTest = 100)]
    public void A_batch_of_rank_3_inputs_through_MatMul_Softmax_and_Einsum_matches_a_loop_over_its_members(Case c)
    {
        var (b, m, k, n, p) = (c.B, c.M, c.K, c.N, c.P);
        Node x = V("X", b, m, k), w = V("W", b, k, n), u = V("U", b, n, p);
        var z = Contractions.Einsum("bij,bjk->bik", x.MatMul(w).Softmax(2), u);
        var loss = z.Square().Sum();
        var at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor(x.Shape, c.X)).Bind(w, Tensor.FromColumnMajor(w.Shape, c.W))
            .Bind(u, Tensor.FromColumnMajor(u.Shape, c.U));
        Assert.Equal(Shape.Of(b, m, p), z.Shape);
        var batched = Evaluator.Evaluate(z, at).Values.ToArray();
        var grads = AD.Grad(loss, at, x, w);

        Node xc = V("Xc", m, k), wc = V("Wc", k, n), uc = V("Uc", n, p);
        var zc = xc.MatMul(wc).Softmax(1).MatMul(uc);
        var lossc = zc.Square().Sum();
        for (int member = 0; member < b; member++)
        {
            var atc = Bindings.Empty.Bind(xc, Member(c.X, b, member, m, k)).Bind(wc, Member(c.W, b, member, k, n)).Bind(uc, Member(c.U, b, member, n, p));
            var expected = Evaluator.Evaluate(zc, atc);
            var gc = AD.Grad(lossc, atc, xc, wc);
            var z2 = Member(batched, b, member, m, p);
            var gx = Member(grads[0].Values.ToArray(), b, member, m, k);
            var gw = Member(grads[1].Values.ToArray(), b, member, k, n);
            for (int e = 0; e < expected.Shape.Size; e++) Close(expected[e], z2[e], $"member {member}, Z element {e}");
            for (int e = 0; e < gx.Shape.Size; e++) Close(gc[0][e], gx[e], $"member {member}, ∂/∂X element {e}");
            for (int e = 0; e < gw.Shape.Size; e++) Close(gc[1][e], gw[e], $"member {member}, ∂/∂W element {e}");
        }
    }

    [Fact]
    public void Storage_is_column_major_at_every_rank_and_ops_index_it_so()
    {
        // (2×3×4): element (i, j, l) at i + 2·(j + 3·l); value = that position.
        var t = Tensor.FromColumnMajor(Shape.Of(2, 3, 4), [.. Enumerable.Range(0, 24).Select(p => (double)p)]);
        var x = V("x", 2, 3, 4);
        var at = Bindings.Empty.Bind(x, t);
        double[] Eval(Node y) => Evaluator.Evaluate(y, at).Values.ToArray();
        // Σ over axis 1: (i, l) ↦ Σⱼ (i + 2j + 6l) = 3i + 6 + 18l, stored (2×4) column-major.
        Assert.Equal([6.0, 9, 24, 27, 42, 45, 60, 63], Eval(x.Sum(1)));
        // Σ over axes 0 and 2: j ↦ Σᵢ Σₗ (i + 2j + 6l) = 4·1 + 16j + 2·36 = 76 + 16j.
        Assert.Equal([76.0, 92, 108], Eval(x.Sum(0, 2)));
        // Transpose(2, 0, 1): (4×2×3), element (l, i, j) = i + 2j + 6l; first elements: l = 0..3 at i = j = 0.
        Assert.Equal([0.0, 6, 12, 18, 1, 7, 13, 19], Eval(x.Transpose(2, 0, 1))[..8]);
        // Slice along axis 2: l = 3 only, the last 6 elements.
        Assert.Equal([18.0, 19, 20, 21, 22, 23], Eval(x.Slice(2, 3, 1)));
        // Max along axis 0 takes i = 1: 1 + 2j + 6l.
        Assert.Equal([1.0, 3, 5, 7, 9, 11], Eval(x.Max(0))[..6]);
        // Scalars stack into a vector.
        Assert.Equal([1.0, 2, 3], Evaluator.Evaluate(Indexing.Stack(0, Node.Constant(1), Node.Constant(2), Node.Constant(3)), Bindings.Empty).Values.ToArray());
        // BroadcastTo: a (3) vector as axis 1 of (2×3×2): element (i, j, l) = v[j].
        var v = Node.Constant(Tensor.Vector(10, 20, 30));
        Assert.Equal([10.0, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 30],
            Evaluator.Evaluate(v.BroadcastTo(Shape.Of(2, 3, 2), 0, 2), Bindings.Empty).Values.ToArray());
    }

    [Fact]
    public void Einsum_lowers_matrix_products_to_MatMul_and_diagonals_to_its_loop()
    {
        Node a = V("a", 2, 3, 4), b = V("b", 2, 4, 5), s = V("s", 3, 3);
        Assert.Contains(Topology.Of([Contractions.Einsum("bij,bjk->bik", a, b)]).Order, node => node.Op is Functional.Ops.MatMul);
        Assert.DoesNotContain(Topology.Of([Contractions.Einsum("bij,bjk->bik", a, b)]).Order, node => node.Op is Functional.Ops.Einsum);
        Assert.IsType<Functional.Ops.Einsum>(Contractions.Einsum("ii->i", s).Op);
        var at = Bindings.Empty.Bind(s, Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }));
        Assert.Equal([1.0, 5, 9], Evaluator.Evaluate(Contractions.Einsum("ii->i", s), at).Values.ToArray());
        Assert.Equal(15.0, Evaluator.Evaluate(Contractions.Einsum("ii", s), at).ToScalar());
        Assert.Equal([12.0, 15, 18], Evaluator.Evaluate(Contractions.Einsum("ij->j", s), at).Values.ToArray());
    }

    // ── errors: the op, the shapes and the axis (the "Ranks and axes" table of ERRORS.md, verbatim)

    static string Error(Func<Node> build) => Assert.Throws<ShapeException>(build).Message;

    [Fact]
    public void Rank_and_axis_errors_name_the_op_the_shapes_and_the_axis()
    {
        Node x = V("x", 2, 3, 4), y = V("y", 4, 5), z = V("z", 5, 4, 6), v = V("v", 3);
        Assert.Equal("SumAxis(3): (2×3×4) has no axis 3 to reduce (a rank-3 tensor has axes 0 … 2)", Error(() => x.Sum(3)));
        Assert.Equal("Sum(0, 3): (2×3×4) has no axis 3 (a rank-3 tensor has axes 0 … 2)", Error(() => x.Sum(0, 3)));
        Assert.Equal("Sum(1, 1): axis 1 is named twice", Error(() => x.Sum(1, 1)));
        Assert.Equal("Softmax(3): (2×3×4) has no axis 3 to reduce (a rank-3 tensor has axes 0 … 2)", Error(() => x.Softmax(3)));
        Assert.Equal("MatMul: (2×3×4)·(4×5): a batched product needs both factors of one rank, the batch axes first " +
                     "(repeat a shared factor over the batch with BroadcastTo, or fold the batch into its rows with Reshape)", Error(() => x.MatMul(y)));
        Assert.Equal("MatMul: (2×3×4)·(5×4×6): batch axes (2) and (5) differ", Error(() => x.MatMul(z)));
        Assert.Equal("MatMul: (2×3×4)·(2×3×4): inner dimensions 4 and 3 differ", Error(() => x.MatMul(x)));
        Assert.Equal("Transpose(1, 0): (2×3×4) has 3 axes, the order names 2", Error(() => x.Transpose(1, 0)));
        Assert.Equal("Transpose(0, 0, 1): (0, 0, 1) is not an order of the axes 0 … 2, each once", Error(() => x.Transpose(0, 0, 1)));
        Assert.Equal("Slice(axis 3, start 0, count 1): (2×3×4) has no axis 3 (a rank-3 tensor has axes 0 … 2)", Error(() => x.Slice(3, 0, 1)));
        Assert.Equal("Concat(2): input 1 (2×3) does not fit input 0 (2×3×4): only dimension 2 may differ", Error(() => Indexing.Concat(2, x, V("w", 2, 3))));
        Assert.Equal("Stack(0): input 1 (3×2) differs from input 0 (2×3): stacked tensors have one shape", Error(() => Indexing.Stack(0, V("p", 2, 3), V("q", 3, 2))));
        Assert.Equal("Stack(3): a new axis of (2×3) goes at 0 … 2", Error(() => Indexing.Stack(3, V("p", 2, 3))));
        Assert.Equal("BroadcastTo(4×5; new axes 0): (3) does not fit: the axes of (4×5) that are not new are (5), and they must be (3) itself",
            Error(() => v.BroadcastTo(Shape.Of(4, 5), 0)));
        Assert.Equal("BroadcastTo(3×4; new axes 1): (3×1) does not fit: the axes of (3×4) that are not new are (3), and they must be (3×1) itself (2 + 1 new axes ≠ rank 2)",
            Error(() => V("c", 3, 1).BroadcastTo(Shape.Of(3, 4), 1)));
        Assert.Equal("Einsum(\"ij,jk->ik\"): operand 0 (2×3×4) has rank 3, but its term 'ij' names 2 axes", Error(() => Contractions.Einsum("ij,jk->ik", x, y)));
        Assert.Equal("Einsum(\"ij,jk->ik\"): index 'j' is 5 in operand 0 (4×5) and 4 in operand 1 (4×5)", Error(() => Contractions.Einsum("ij,jk->ik", y, y)));
        Assert.Equal("Sub: (100×1) and (100): shapes differ, and only a scalar broadcasts implicitly (to repeat the (100) operand along the axes it " +
                     "lacks, use .BroadcastTo(Shape.Of(100, 1), 1); or Reshape one to the other's shape: both have 100 elements)",
            Error(() => V("p", 100, 1) - V("q", 100)));
    }
}

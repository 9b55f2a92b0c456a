using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>Sizes m, n, p in 1..5 and a seed for the values of the layered models below.</summary>
public sealed record LayerCase(int M, int N, int P, int Seed);

public static class LayerArbs
{
    public static Arbitrary<LayerCase> Cases() => Arb.From(
        from m in Gen.Choose(1, 5)
        from n in Gen.Choose(1, 5)
        from p in Gen.Choose(1, 5)
        from seed in Gen.Choose(0, 1 << 30)
        select new LayerCase(m, n, p, seed));
}

/// <summary>Jacobians and Hessians push a batch of unit seeds through one graph (<see cref="Batching"/>); they equal
/// the same matrices built one JVP or VJP at a time (the other seeds zero), on models whose graphs pass through every
/// batching rule: products with either factor batched and transposed or not, sums along both axes, broadcasts,
/// transposes, reshapes, gathers and element-wise ops with shared and batched operands.</summary>
[Properties(Arbitrary = [typeof(LayerArbs)], MaxTest = 100)]
public class BatchingTests
{
    sealed record Model(Node Output, Node[] Wrt, Bindings At);

    static Tensor Random(Random rng, Shape s) =>
        Tensor.FromColumnMajor(s, [.. Enumerable.Range(0, s.Size).Select(_ => 2 * rng.NextDouble() - 1)]);

    /// <summary>A two-layer net on a vector x (n): W₂·tanh(W₁x + b), then its transpose-products and a gather.</summary>
    static Model Net(LayerCase c)
    {
        var rng = new Random(c.Seed);
        Node x = Node.Variable("x", Shape.Vector(c.N)), w1 = Node.Variable("W1", Shape.Matrix(c.M, c.N)),
             b = Node.Variable("b", Shape.Vector(c.M)), w2 = Node.Variable("W2", Shape.Matrix(c.M, c.P));
        var h = (w1.MatMul(x) + b).Tanh();
        var y = w2.T().MatMul(h).Sigmoid() * 2.0 + Node.Apply(new AutoDiff.Functional.Ops.MatMul(true, false), w1, h).Sum();
        var at = Bindings.Empty.Bind(x, Random(rng, x.Shape)).Bind(w1, Random(rng, w1.Shape)).Bind(b, Random(rng, b.Shape)).Bind(w2, Random(rng, w2.Shape));
        return new(y.GatherRows([.. Enumerable.Range(0, c.P).Reverse()]), [x, w1, b, w2], at);
    }

    /// <summary>A matrix model: sigmoid(X·W + 1bᵀ) with its row sums, column sums and a transposed product.</summary>
    static Model Layer(LayerCase c)
    {
        var rng = new Random(c.Seed);
        Node x = Node.Variable("X", Shape.Matrix(c.M, c.N)), w = Node.Variable("W", Shape.Matrix(c.N, c.P)), b = Node.Variable("b", Shape.Vector(c.P));
        var z = (x.MatMul(w) + b.BroadcastRows(c.M)).Sigmoid();
        var y = z.Sum(1).Sum() * z.Sum(0) + w.T().MatMul(x.T()).MatMul(z).Reshape(Shape.Vector(c.P * c.P)).GatherRows([.. Enumerable.Range(0, c.P)]).Exp();
        var at = Bindings.Empty.Bind(x, Random(rng, x.Shape)).Bind(w, Random(rng, w.Shape)).Bind(b, Random(rng, b.Shape));
        return new(y, [x, w, b], at);
    }

    /// <summary>Linear algebra and joins: with S = A·Aᵀ + nI (n = N), L = chol(S), y = [L⁻¹b; S⁻¹b; where(b &gt; 0, b², −b)]
    /// and the lower triangle of L flattened, so the derivative graphs pass through Cholesky's rules (triangle masks and
    /// triangular solves), Solve, Concat and Select.</summary>
    static Model Algebra(LayerCase c)
    {
        var rng = new Random(c.Seed);
        int n = c.N;
        Node a = Node.Variable("A", Shape.Matrix(n, n)), b = Node.Variable("b", Shape.Vector(n));
        var s = a.MatMul(a.T()) + Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(n, n), [.. Enumerable.Range(0, n * n).Select(p => p % n == p / n ? n : 0.0)]));
        var l = s.Cholesky();
        var y = Indexing.Concat(0, Node.Apply(new AutoDiff.Functional.Ops.TriangularSolve(), l, b), s.Solve(b),
            PiecewiseMath.Where(b.GreaterThan(0), b.Square(), -b), l.Reshape(Shape.Vector(n * n)));
        var at = Bindings.Empty.Bind(a, Random(rng, a.Shape)).Bind(b, Random(rng, b.Shape));
        return new(y, [a, b], at);
    }

    /// <summary>The softmax family and the maxima along both axes of X (m×n): their derivative graphs pass through
    /// the batching rules of Softmax, LogSoftmax, LogSumExp and MaxAxis.</summary>
    static Model Softmaxes(LayerCase c)
    {
        var rng = new Random(c.Seed);
        Node x = Node.Variable("X", Shape.Matrix(c.M, c.N));
        Node Flat(Node a) => a.Reshape(Shape.Vector(a.Shape.Size));
        var y = Indexing.Concat(0, Flat(x.Softmax(1)), Flat(x.LogSoftmax(0)), x.LogSumExp(1), x.Max(0).Square(), x.LogSumExp(0).Sin(),
            Flat(x.Softmax(0) * x.LogSoftmax(1)), x.Max(1));
        return new(y, [x], Bindings.Empty.Bind(x, Random(rng, x.Shape)));
    }

    static Model Scalar(Model model) => model with { Output = (model.Output.Square() * 0.5).Sum() };

    static void Close(DenseMatrix batched, DenseMatrix lines, string what)
    {
        double scale = Math.Max(1, lines.Values.Max(Math.Abs));
        for (int i = 0; i < lines.RowCount; i++)
            for (int j = 0; j < lines.ColumnCount; j++)
                Assert.True(Math.Abs(batched[i, j] - lines[i, j]) <= 1e-12 * scale,
                    $"{what} ({i}, {j}): batched {batched[i, j]:R}, one at a time {lines[i, j]:R}");
    }

    // Column j of the Jacobian as one JVP with the unit tangent j (the other variables' tangents zero).
    static DenseMatrix ByColumns(Model f, Func<(Node, Tensor)[], Tensor> line)
    {
        var columns = new List<double[]>();
        foreach (var v in f.Wrt)
            for (int j = 0; j < v.Shape.Size; j++)
                columns.Add(line([.. f.Wrt.Select(w => (w, w == v ? AD.Basis(w.Shape, j) : Tensor.Zeros(w.Shape)))]).Values.ToArray());
        return DenseMatrix.OfColumnArrays(columns);
    }

    static DenseMatrix ByRows(Model f)
    {
        var rows = Enumerable.Range(0, f.Output.Shape.Size).Select(i =>
            AD.Vjp(f.Output, f.At, AD.Basis(f.Output.Shape, i), f.Wrt).Cotangents.SelectMany(t => t.Values.ToArray()).ToArray());
        return DenseMatrix.OfRowArrays(rows);
    }

    static void SameJacobians(Model f)
    {
        Close(AD.JacFwd(f.Output, f.At, f.Wrt), ByColumns(f, t => AD.Jvp([f.Output], f.At, t).Tangents[0]), "JacFwd");
        Close(AD.JacRev(f.Output, f.At, f.Wrt), ByRows(f), "JacRev");
    }

    [Property] public void Jacobians_of_the_net_equal_one_line_at_a_time(LayerCase c) => SameJacobians(Net(c));
    [Property] public void Jacobians_of_the_layer_equal_one_line_at_a_time(LayerCase c) => SameJacobians(Layer(c));
    [Property] public void Jacobians_through_linear_algebra_equal_one_line_at_a_time(LayerCase c) => SameJacobians(Algebra(c));
    [Property] public void Jacobians_through_the_softmax_family_equal_one_line_at_a_time(LayerCase c) => SameJacobians(Softmaxes(c));

    [Property]
    public void Hessians_equal_one_Hessian_vector_product_at_a_time(LayerCase c)
    {
        foreach (var f in new[] { Scalar(Net(c)), Scalar(Layer(c)), Scalar(Algebra(c)), Scalar(Softmaxes(c)) })
            Close(AD.Hessian(f.Output, f.At, f.Wrt), ByColumns(f, v => Flatten(AD.Hvp(f.Output, f.At, v))), "Hessian");
    }

    static Tensor Flatten(Tensor[] blocks) => Tensor.Vector([.. blocks.SelectMany(t => t.Values.ToArray())]);

    /// <summary>The properties above compare something only if batching happened: every graph they use batches.</summary>
    [Fact]
    public void The_derivative_graphs_of_these_models_batch()
    {
        var c = new LayerCase(3, 4, 2, 1);
        foreach (var f in new[] { Net(c), Layer(c), Algebra(c), Softmaxes(c) })
        {
            var g = Scalar(f);
            var seeds = AD.Seeds([f.Output], [.. f.Wrt.Select(v => ("t", v.Shape))]);
            var u = AD.Seeds([f.Output], [("u", f.Output.Shape)]);
            var hs = AD.Seeds([g.Output], [.. f.Wrt.Select(v => ("t", v.Shape))]);
            Assert.True(Batching.Lines(ForwardMode.Jvp([f.Output], [.. f.Wrt.Zip(seeds)]), seeds).Batch > 1, "JacFwd");
            Assert.True(Batching.Lines(Reverse.Vjp([f.Output], u, f.Wrt), u).Batch > 1, "JacRev");
            Assert.True(Batching.Lines(ForwardMode.Jvp(Reverse.Grad(g.Output, f.Wrt), [.. f.Wrt.Zip(hs)]), hs).Batch > 1, "Hessian");
        }
    }

    /// <summary>A user's op with rules for both modes but none for batching: y = 2x, its tangent 2ṫ by itself.</summary>
    sealed record Twice : Op
    {
        public override int Arity => 1;
        public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
        public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
        {
            for (int i = 0; i < y.Length; i++) y[i] = 2 * x[0].Values[i];
        }
        public override Node? Jvp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
            t[0] is { } t0 ? Node.Apply(this, t0) : null;
        public override Node?[] Vjp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
            [Node.Apply(this, ct)];
    }

    /// <summary>An op with no batching rule leaves the graph unbatched, and the Jacobian is still right.</summary>
    [Fact]
    public void A_graph_with_an_op_that_cannot_batch_runs_a_line_at_a_time()
    {
        var x = Node.Variable("x", Shape.Matrix(3, 3));
        var y = Indexing.Concat(0, x, Node.Apply(new Twice(), x.Sin()));
        var seeds = AD.Seeds([y], [("t", x.Shape)]);
        Assert.Equal(1, Batching.Lines(ForwardMode.Jvp([y], [(x, seeds[0])]), seeds).Batch);
        var f = new Model(y, [x], Bindings.Empty.Bind(x, Random(new Random(3), x.Shape)));
        SameJacobians(f);
    }
}

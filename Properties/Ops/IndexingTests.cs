using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Indexing by arrays, slicing and joining: build-time errors that name the op, the position and the bound;
/// examples against values worked out by hand; no per-index allocation for large index arrays; and a function of
/// one packed parameter vector, sliced into its parameters, checked by GradCheck and against its closed-form
/// gradient.</summary>
public class IndexingTests
{
    static Node V(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims));

    static double[] Values(Node y, Bindings b) => Evaluator.Evaluate(y, b).Values.ToArray();

    // ── errors when the node is built

    [Fact]
    public void An_index_out_of_range_names_the_op_its_position_the_index_and_the_bound()
    {
        var rows = Assert.Throws<ShapeException>(() => V("E", 4, 2).GatherRows([0, 4, 1]));
        Assert.Contains("Take(axis 0, 3 indices): index 4 at position 1 is outside the 4 rows of (4×2)", rows.Message);
        var negative = Assert.Throws<ShapeException>(() => V("E", 4, 2).GatherColumns([1, 0, -1]));
        Assert.Contains("index -1 at position 2 is outside the 2 columns of (4×2)", negative.Message);
        var elements = Assert.Throws<ShapeException>(() => V("v", 3).Gather([3]));
        Assert.Contains("index 3 at position 0 is outside the 3 elements of (3)", elements.Message);
        var segment = Assert.Throws<ShapeException>(() => V("x", 3, 2).SegmentSum([0, 1, 2], 2));
        Assert.Contains("ScatterAdd(axis 0, 3 indices into 2): index 2 at position 2 is outside 0..1", segment.Message);
    }

    [Fact]
    public void Slices_joins_and_packed_triangles_of_the_wrong_size_are_errors_naming_the_op_and_the_bound()
    {
        Assert.Contains("Slice(axis 0, start 2, count 3): 2..4 is not within the 4 rows of (4×2)",
            Assert.Throws<ShapeException>(() => V("X", 4, 2).Rows(2, 3)).Message);
        Assert.Contains("-1..0 is not within the 2 columns",
            Assert.Throws<ShapeException>(() => V("X", 4, 2).Columns(-1, 2)).Message);
        Assert.Contains("Slice(0, 1): (4×2) is not a vector (use Rows or Columns for a matrix)",
            Assert.Throws<ShapeException>(() => V("X", 4, 2).Slice(0, 1)).Message);
        Assert.Contains("Concat(1): input 1 (3×2) does not fit input 0 (2×3): only dimension 1 may differ",
            Assert.Throws<ShapeException>(() => Indexing.Concat(1, V("A", 2, 3), V("B", 3, 2))).Message);
        Assert.Contains("Concat(1): (3) has no axis 1",
            Assert.Throws<ShapeException>(() => Indexing.Concat(1, V("u", 3), V("v", 2))).Message);
        Assert.Contains("Stack(0): input 1 (2×1) differs from input 0 (2): stacked tensors have one shape",
            Assert.Throws<ShapeException>(() => Indexing.Stack(0, V("u", 2), V("A", 2, 1))).Message);
        Assert.Contains("LowerTriangular(3, with diagonal): (5) is not a vector of the 6 packed entries",
            Assert.Throws<ShapeException>(() => V("p", 5).LowerTriangular(3, includeDiagonal: true)).Message);
        Assert.Contains("(3×2) scatters into (2×2), not (2×4)",
            Assert.Throws<ShapeException>(() => V("u", 3, 2).ScatterAdd([0, 1, 1], Shape.Matrix(2, 4))).Message);
    }

    [Fact]
    public void The_caller_may_reuse_its_index_array_after_building()
    {
        var v = V("v", 3);
        int[] ids = [2, 0];
        var y = v.Gather(ids);
        ids[0] = 99; // the node holds its own copy
        Assert.Equal([30.0, 10], Values(y, Bindings.Empty.Bind(v, Tensor.Vector(10, 20, 30))));
    }

    // ── examples against values worked out by hand

    [Fact]
    public void Gathering_repeated_rows_adds_their_cotangents_exactly()
    {
        // loss = Σ C ⊙ X[[2, 0, 2, 2], :]: ∂loss/∂X row 0 = C row 1, row 1 = 0, row 2 = C rows 0 + 2 + 3.
        var X = V("X", 3, 2);
        var C = Tensor.Matrix(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } });
        var loss = (X.GatherRows([2, 0, 2, 2]) * Node.Constant(C)).Sum();
        var b = Bindings.Empty.Bind(X, Tensor.Matrix(new double[,] { { 1, -1 }, { 2, 0.5 }, { -3, 4 } }));
        var g = AD.Grad(loss, b, X)[0];
        Assert.Equal(Tensor.Matrix(new double[,] { { 3, 4 }, { 0, 0 }, { 13, 16 } }).Values.ToArray(), g.Values.ToArray());
        Assert.Equal(1 * -3 + 2 * 4 + 3 * 1 + 4 * -1 + 5 * -3 + 6 * 4 + 7 * -3 + 8 * 4, Evaluator.Evaluate(loss, b).ToScalar());
    }

    [Fact]
    public void SegmentSum_adds_the_rows_of_each_segment_and_leaves_empty_segments_zero()
    {
        var x = V("x", 5);
        var b = Bindings.Empty.Bind(x, Tensor.Vector(1, 2, 3, 4, 5));
        Assert.Equal([2.0, 1 + 3 + 5, 0, 4], Values(x.SegmentSum([1, 0, 1, 3, 1], 4), b));
        // Its gradient gathers each row's segment weight: ∂/∂x Σ w ⊙ SegmentSum(x) = w[ids].
        var w = Node.Constant(Tensor.Vector(10, 20, 30, 40));
        Assert.Equal([20.0, 10, 20, 40, 20], AD.Grad((x.SegmentSum([1, 0, 1, 3, 1], 4) * w).Sum(), b, x)[0].Values.ToArray());
    }

    [Fact]
    public void ScatterAdd_into_columns_adds_repeated_columns()
    {
        var u = V("u", 2, 3);
        var b = Bindings.Empty.Bind(u, Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }));
        var y = Evaluator.Evaluate(u.ScatterAdd([1, 1, 0], Shape.Matrix(2, 3), axis: 1), b);
        Assert.Equal(Tensor.Matrix(new double[,] { { 3, 3, 0 }, { 6, 9, 0 } }).Values.ToArray(), y.Values.ToArray());
    }

    [Fact]
    public void LowerTriangular_fills_column_by_column_top_to_bottom()
    {
        var p = V("p", 6);
        var b = Bindings.Empty.Bind(p, Tensor.Vector(1, 2, 3, 4, 5, 6));
        Assert.Equal(Tensor.Matrix(new double[,] { { 1, 0, 0 }, { 2, 4, 0 }, { 3, 5, 6 } }).Values.ToArray(),
            Values(p.LowerTriangular(3, includeDiagonal: true), b));
        // Without the diagonal: the order of a Gaussian mixture's packed off-diagonal factors, L₁₀, L₂₀, L₂₁.
        var q = V("q", 3);
        Assert.Equal(Tensor.Matrix(new double[,] { { 0, 0, 0 }, { 7, 0, 0 }, { 8, 9, 0 } }).Values.ToArray(),
            Values(q.LowerTriangular(3, includeDiagonal: false), Bindings.Empty.Bind(q, Tensor.Vector(7, 8, 9))));
    }

    [Fact]
    public void Vector_times_matrix_Outer_Dot_Diag_and_DiagMatrix_match_hand_values()
    {
        Node x = V("x", 2), A = V("A", 2, 3), u = V("u", 3);
        var b = Bindings.Empty.Bind(x, Tensor.Vector(1, -2)).Bind(u, Tensor.Vector(2, 0, -1))
            .Bind(A, Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }));
        Assert.Equal([1 - 8.0, 2 - 10, 3 - 12], Values(x.MatMul(A), b));              // xᵀA
        Assert.Equal([2 * 1 + -1 * 3.0, 2 * 4 + -1 * 6], Values(A.MatMul(u), b));     // unchanged: A·u
        Assert.Equal([2 * 1 + -1 * 3.0, 2 * 4 + -1 * 6], Values(u.MatMul(A.T()), b)); // uᵀAᵀ = (A·u)ᵀ
        Assert.Equal(Tensor.Matrix(new double[,] { { 2, 0, -1 }, { -4, 0, 2 } }).Values.ToArray(), Values(x.Outer(u), b));
        Assert.Equal([2 * 2 + 0 * 0 + 1.0], Values(u.Dot(u), b));
        Assert.Equal([1.0, 5], Values(A.Diag(), b));
        Assert.Equal(Tensor.Matrix(new double[,] { { 1, 0 }, { 0, -2 } }).Values.ToArray(), Values(x.DiagMatrix(), b));
    }

    // ── large index arrays

    /// <summary>Building a gather of 10⁷ indices and its gradient graph allocates the one defensive copy of the
    /// indices (4 bytes each) and a few small objects: nothing per index.</summary>
    [Fact]
    public void Large_index_arrays_cost_one_copy_and_nothing_per_index()
    {
        const int n = 10_000_000;
        var ids = new int[n];
        for (int p = 0; p < n; p++) ids[p] = p % 7;
        var v = V("v", 7);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var y = v.Gather(ids);
        var gradient = Reverse.Grad(y.Sum(), [v])[0];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 4L * n, 4L * n + 200_000);
        Assert.Equal(Shape.Vector(n), y.Shape);
        // Every index appears n/7 times (n = 7·1,428,571 + 3), so the gradient counts them exactly.
        var counts = Evaluator.Evaluate(gradient, Bindings.Empty.Bind(v, Tensor.Vector(new double[7]))).Values.ToArray();
        Assert.Equal([1428572.0, 1428572, 1428572, 1428571, 1428571, 1428571, 1428571], counts);
    }

    // ── one packed parameter vector sliced into a model's parameters

    /// <summary>Gaussian linear regression with θ = (w (3), b, log σ) packed in one vector:
    /// −log-likelihood up to a constant, Σᵢ rᵢ²/(2σ²) + N log σ with r = Xw + b − t.</summary>
    static Node NegLogLikelihood(Node theta, Node X, Node t)
    {
        Node w = theta.Slice(0, 3), bias = theta.At(3), logSigma = theta.At(4);
        var r = X.MatMul(w) + bias - t;
        return r.SquaredNorm() / (2 * (2 * logSigma).Exp()) + X.Shape[0] * logSigma;
    }

    static readonly double[,] Data = { { 1, 0.5, -1 }, { 0.2, -1, 2 }, { -0.7, 1.5, 0.3 }, { 2, 0.1, -0.4 } };
    static readonly double[] Targets = [0.3, -1.2, 2, 0.8];

    [Fact]
    public void A_function_of_a_packed_vector_sliced_into_parameters_has_the_closed_form_gradient()
    {
        var X = Node.Constant(Tensor.Matrix(Data));
        var t = Node.Constant(Tensor.Vector(Targets));
        double[] theta = [0.4, -0.3, 0.9, 0.1, -0.2];
        var gradient = Transforms.Grad(th => NegLogLikelihood(th, X, t))(Tensor.Vector(theta)).Values.ToArray();

        // Closed form: with s² = e^{2 log σ}, ∂/∂w = Xᵀr/s², ∂/∂b = Σr/s², ∂/∂log σ = N − Σr²/s².
        var Xm = DenseMatrix.OfArray(Data);
        var r = Xm * DenseVector.OfArray(theta[..3]) + theta[3] - DenseVector.OfArray(Targets);
        double s2 = Math.Exp(2 * theta[4]);
        double[] expected = [.. (Xm.TransposeThisAndMultiply(r) / s2).ToArray(), r.Sum() / s2, Data.GetLength(0) - r.DotProduct(r) / s2];
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], gradient[k], 1e-12);
    }

    [Fact]
    public void Several_inputs_joined_by_Concat_then_sliced_pass_GradCheck()
    {
        Node w = V("w", 3), bias = V("b", 1), logSigma = V("logσ", 1);
        var loss = NegLogLikelihood(Indexing.Concat(0, w, bias, logSigma), Node.Constant(Tensor.Matrix(Data)), Node.Constant(Tensor.Vector(Targets)));
        var at = Bindings.Empty.Bind(w, Tensor.Vector(0.4, -0.3, 0.9)).Bind(bias, Tensor.Vector(0.1)).Bind(logSigma, Tensor.Vector(-0.2));
        var report = GradCheck.Check(loss, at);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(3, report.Variables.Count);
    }
}

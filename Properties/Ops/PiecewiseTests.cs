using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The derivative conventions of the piecewise ops at ties and kinks, the safety of Where's gradient when
/// the branch not taken is infinite, and their build-time errors.</summary>
public class PiecewiseTests
{
    static double[] Gradient(Func<Node, Node> f, params double[] xs)
    {
        var x = Node.Variable("x", Shape.Vector(xs.Length));
        var y = f(x);
        return [.. AD.Vjp(y, Bindings.Empty.Bind(x, Tensor.Vector(xs)), Tensor.Filled(y.Shape, 1), x).Cotangents[0].Values];
    }

    static double[] Tangent(Func<Node, Node> f, double[] xs, double[] t)
    {
        var x = Node.Variable("x", Shape.Vector(xs.Length));
        return [.. AD.Jvp([f(x)], Bindings.Empty.Bind(x, Tensor.Vector(xs)), [(x, Tensor.Vector(t))]).Tangents[0].Values];
    }

    [Fact]
    public void Max_and_min_split_the_derivative_evenly_at_a_tie_in_both_modes()
    {
        var a = Node.Variable("a", Shape.Scalar);
        foreach (var f in new Func<Node, Node, Node>[] { (p, q) => p.Max(q), (p, q) => p.Min(q) })
        {
            var b = Node.Variable("b", Shape.Scalar);
            var bind = Bindings.Empty.Bind(a, 1.5).Bind(b, 1.5);
            var grads = AD.Grad(f(a, b), bind, a, b);
            Assert.Equal([0.5, 0.5], [grads[0].ToScalar(), grads[1].ToScalar()]);
            var jvp = AD.Jvp([f(a, b)], bind, [(a, 1.0), (b, 3.0)]).Tangents[0].ToScalar();
            Assert.Equal(2.0, jvp); // ½·1 + ½·3
        }
    }

    [Fact]
    public void Max_along_an_axis_splits_the_derivative_evenly_among_tied_maxima()
    {
        // Row 0 = [2, 5, 5]: the two 5s share; row 1 = [7, 1, 3]: the 7 takes all.
        var x = Node.Variable("x", Shape.Matrix(2, 3));
        var value = Tensor.Matrix(new double[,] { { 2, 5, 5 }, { 7, 1, 3 } });
        var g = AD.Grad(x.Max(1).Sum(), Bindings.Empty.Bind(x, value), x)[0];
        Assert.Equal(new double[,] { { 0, 0.5, 0.5 }, { 1, 0, 0 } }, g.AsMatrix().ToArray());
        Assert.Equal([0.0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3], Gradient(v => v.Min(0), 4, 5, -1, -1, -1));
    }

    [Fact]
    public void Abs_and_relu_have_derivative_zero_at_zero_and_clamp_one_on_its_closed_interval()
    {
        Assert.Equal([-1.0, 0, 1], Gradient(v => v.Abs(), -2, 0, 3));
        Assert.Equal([0.0, 0, 1], Gradient(v => v.Relu(), -2, 0, 3));
        Assert.Equal([0.0, 1, 1, 1, 0], Gradient(v => v.Clamp(-1, 1), -1.5, -1, 0, 1, 1.5));
        Assert.Equal([0.0, 2, 0], Tangent(v => v.Clamp(-1, 1), [-1.5, 1, 1.5], [2, 2, 2]));
    }

    [Fact]
    public void Comparisons_give_masks_and_no_derivative()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var b = Bindings.Empty.Bind(x, Tensor.Vector(-1, 0, 1));
        Assert.Equal([0.0, 0, 1], Evaluator.Evaluate(x.GreaterThan(0), b).Values.ToArray());
        Assert.Equal([0.0, 1, 1], Evaluator.Evaluate(x.GreaterOrEqual(0), b).Values.ToArray());
        Assert.Equal([1.0, 0, 0], Evaluator.Evaluate(x.LessThan(0), b).Values.ToArray());
        Assert.Equal([1.0, 1, 0], Evaluator.Evaluate(x.LessOrEqual(0), b).Values.ToArray());
        Assert.Equal([0.0, 1, 0], Evaluator.Evaluate(x.EqualTo(Node.Constant(0.0)), b).Values.ToArray());
        Assert.Equal([0.0, 0, 0], Gradient(v => v.GreaterThan(0) * 5.0, -1, 0, 1));
    }

    [Fact]
    public void Where_selects_tangents_and_cotangents_so_an_infinite_or_NaN_untaken_branch_stays_out()
    {
        // Masking by multiplication would give 0·∞ = NaN; selecting gives the taken branch's value exactly.
        var (a, b) = (Node.Variable("a", Shape.Vector(2)), Node.Variable("b", Shape.Vector(2)));
        var y = PiecewiseMath.Where([true, false], a, b);
        var bind = Bindings.Empty.Bind(a, Tensor.Vector(2, double.NaN)).Bind(b, Tensor.Vector(double.PositiveInfinity, 3));
        Assert.Equal([2.0, 3], Evaluator.Evaluate(y, bind).Values.ToArray());
        var grads = AD.Vjp(y, bind, Tensor.Vector(5, 7), a, b).Cotangents;
        Assert.Equal([5.0, 0], grads[0].Values.ToArray());
        Assert.Equal([0.0, 7], grads[1].Values.ToArray());
        var jvp = AD.Jvp([y], bind, [(a, Tensor.Vector(1, double.NaN)), (b, Tensor.Vector(double.PositiveInfinity, 4))]).Tangents[0];
        Assert.Equal([1.0, 4], jvp.Values.ToArray());
    }

    [Fact]
    public void Where_over_sqrt_needs_the_double_where_at_zero()
    {
        // The pitfall, stated: Where passes 0 to Sqrt's rule, which multiplies it by 1/(2√0) = ∞, giving NaN.
        var naive = Gradient(v => PiecewiseMath.Where(v.GreaterThan(0), v.Sqrt(), 0), 0, 4);
        Assert.True(double.IsNaN(naive[0]));
        Assert.Equal(0.25, naive[1]);
        // The idiom: keep Sqrt's input in its domain where its branch is not taken; then d/dx = 0 at 0, 1/(2√x) above.
        var safe = Gradient(v => PiecewiseMath.Where(v.GreaterThan(0), PiecewiseMath.Where(v.GreaterThan(0), v, 1).Sqrt(), 0), 0, -3, 4);
        Assert.Equal([0.0, 0, 0.25], safe);
    }

    [Fact]
    public void Where_with_a_fixed_mask_selects_by_flag()
    {
        var a = Node.Variable("a", Shape.Vector(3));
        var y = PiecewiseMath.Where([true, false, true], a, Node.Constant(Tensor.Vector(10, 20, 30)));
        var b = Bindings.Empty.Bind(a, Tensor.Vector(1, 2, 3));
        Assert.Equal([1.0, 20, 3], Evaluator.Evaluate(y, b).Values.ToArray());
        Assert.Equal([1.0, 0, 1], AD.Grad(y.Sum(), b, a)[0].Values.ToArray());
    }

    [Fact]
    public void Build_time_errors_name_the_op_and_the_shapes()
    {
        var v3 = Node.Variable("v", Shape.Vector(3));
        var v2 = Node.Variable("w", Shape.Vector(2));
        var e = Assert.Throws<ShapeException>(() => PiecewiseMath.Where(v3.GreaterThan(0), v2, 0));
        Assert.Contains("Select", e.Message);
        Assert.Contains("(2)", e.Message);
        Assert.Contains("(3)", e.Message);
        Assert.Contains("Maximum", Assert.Throws<ShapeException>(() => v3.Max(v2)).Message);
        Assert.Contains("MaxAxis(1)", Assert.Throws<ShapeException>(() => v3.Max(1)).Message);
        Assert.Contains("empty", Assert.Throws<ShapeException>(() => Node.Variable("e", Shape.Matrix(0, 2)).Max(0)).Message);
        Assert.Contains("Where: 2 mask flags for (3)", Assert.Throws<ShapeException>(() => PiecewiseMath.Where([true, false], v3, v3)).Message);
        Assert.Contains("Clamp(1, -1)", Assert.Throws<ArgumentException>(() => v3.Clamp(1, -1)).Message);
    }
}

using Xunit;

namespace AutoDiff.Functional.Properties.Diagnostics;

public class FiniteCheckTests
{
    static readonly Node X = Node.Variable("x", Shape.Vector(3));
    static Bindings At(params double[] x) => Bindings.Empty.Bind(X, Tensor.Vector(x));

    [Fact]
    public void By_default_non_finite_values_follow_IEEE_rules()
    {
        var y = Evaluator.Evaluate(X.Log().Sum(), At(1, -1, 2));
        Assert.True(double.IsNaN(y.ToScalar()));
    }

    [Fact]
    public void The_first_forward_node_that_turns_finite_inputs_into_NaN_is_named_with_its_inputs()
    {
        var loss = (X.Log() * 2.0).Sum();
        var e = Assert.Throws<NonFiniteException>(() => FiniteCheck.Evaluate([loss], At(1, -1, 2)));
        Assert.Equal("forward", e.Origin.Pass);
        Assert.IsType<AutoDiff.Functional.Ops.Log>(e.Origin.Node.Op);
        Assert.Equal("non-finite value in the forward pass: Log (3) produced 1 NaN of 3 element(s) from finite inputs (3) in [-1, 2]", e.Message);
        Assert.Single(e.Report.Origins); // the Mul and Sum downstream only carry it on
    }

    [Fact]
    public void A_NaN_that_cannot_reach_the_output_is_reported_as_absorbed_and_does_not_throw()
    {
        var output = X.Log().At(0);   // only element 0 is used; element 1 is NaN
        var report = FiniteCheck.Inspect([output], At(1, -1, 2));
        var origin = Assert.Single(report.Origins);
        Assert.False(origin.ReachesOutput);
        Assert.Contains("absorbed", origin.ToString());
        Assert.Equal(0.0, FiniteCheck.Evaluate([output], At(1, -1, 2))[0].ToScalar());
    }

    [Fact]
    public void A_backward_node_is_named_when_the_value_is_finite_but_the_gradient_is_not()
    {
        var loss = X.Sqrt().Sum();    // √0 = 0 is fine; its derivative 1/(2√0) is +∞
        var e = Assert.Throws<NonFiniteException>(() => FiniteCheck.ValueAndGrad(loss, At(0, 1, 4), X));
        Assert.Equal("backward", e.Origin.Pass);
        Assert.Contains("±∞", e.Message);
        Assert.Contains("= 0", e.Message);   // the summary shows the input that caused it
    }

    [Fact]
    public void A_variable_bound_to_NaN_is_the_origin()
    {
        var e = Assert.Throws<NonFiniteException>(() => FiniteCheck.ValueAndGrad(X.Square().Sum(), At(1, double.NaN, 2), X));
        Assert.Equal("forward", e.Origin.Pass);
        Assert.StartsWith("variable 'x' (3) is bound to 1 NaN", e.Origin.Description);
    }

    [Fact]
    public void Finite_graphs_pass_unchanged()
    {
        var (value, gradients) = FiniteCheck.ValueAndGrad(X.Square().Sum(), At(1, 2, 3), X);
        Assert.Equal(14, value.ToScalar());
        Assert.Equal([2.0, 4, 6], gradients[0].Values.ToArray());
        Assert.True(FiniteCheck.Inspect([X.Exp()], At(1, 2, 3)).AllFinite);
    }
}

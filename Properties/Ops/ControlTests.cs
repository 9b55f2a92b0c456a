using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Stop-gradient and user-defined rules: the derivative conventions, GradCheck catching a wrong rule, and
/// errors naming the rule. Loops and implicit differentiation have their own files under Properties/Control.</summary>
public class ControlTests
{
    static readonly Node X = Node.Variable("x", Shape.Vector(3));
    static readonly Bindings At = Bindings.Empty.Bind(X, Tensor.Vector(0.5, -1.25, 2));

    [Fact]
    public void StopGradient_passes_the_value_and_stops_both_modes()
    {
        // d/dx [x·sg(x)] = sg(x) = x: the stopped factor is a constant to both modes (not 2x, the finite difference).
        var y = (X * X.StopGradient()).Sum();
        Assert.Equal(At[X].Values.ToArray().Sum(v => v * v), Evaluator.Evaluate(y, At).ToScalar());
        Assert.Equal(At[X].Values.ToArray(), AD.Grad(y, At, X)[0].Values.ToArray());
        Assert.Equal(At[X][0], AD.Jvp([y], At, (X, Tensor.Vector(1, 0, 0))).Tangents[0].ToScalar());
        // At every order, as in JAX: the gradient is sg(x), itself stopped, so the Hessian is zero.
        Assert.Equal([0.0, 0, 0], AD.Hessian(y, At, X).Column(0).ToArray());
    }

    static Func<Node[], Node> Softplus(CustomVjp? vjp = null, CustomJvp? jvp = null) =>
        CustomRule.Define("softplus", v => (v[0].Exp() + 1).Log(), jvp ?? ((v, _, t) => t[0] * v[0].Sigmoid()),
            vjp ?? ((v, _, ct) => [ct * v[0].Sigmoid()]));

    [Fact]
    public void GradCheck_passes_a_right_rule_and_fails_a_wrong_one()
    {
        Assert.True(GradCheck.Check(Softplus()([X]).Sum(), At).Passed);
        var wrong = Softplus(vjp: (v, _, ct) => [ct * v[0].Sigmoid() * 1.001]);
        var report = GradCheck.Check(wrong([X]).Sum(), At);
        Assert.False(report.Passed, report.ToString());
    }

    [Fact]
    public void The_stated_rule_is_used_not_the_body()
    {
        // A rule that differs from the body's derivative on purpose (as a surrogate gradient would).
        var f = CustomRule.Define("surrogate", v => v[0].Sin(), vjp: (v, _, ct) => [ct * 2.0], jvp: (v, _, t) => t[0] * 3.0);
        var y = f([X]).Sum();
        Assert.All(AD.Grad(y, At, X)[0].Values.ToArray(), g => Assert.Equal(2.0, g));
        Assert.Equal(3.0, AD.Jvp([y], At, (X, Tensor.Vector(1, 0, 0))).Tangents[0].ToScalar());
    }

    [Fact]
    public void A_rule_of_the_wrong_shape_is_an_error_naming_it()
    {
        var badVjp = Softplus(vjp: (v, _, ct) => [ct.Sum()]);
        var e = Assert.Throws<ShapeException>(() => Reverse.Grad(badVjp([X]).Sum(), [X]));
        Assert.Contains("softplus", e.Message);
        Assert.Contains("VJP rule returned a cotangent of shape ()", e.Message);

        var badJvp = Softplus(jvp: (v, _, t) => t[0].Sum());
        var f = Assert.Throws<ShapeException>(() => ForwardMode.Jvp([badJvp([X])], [(X, X)]));
        Assert.Contains("softplus: the JVP rule returned a tangent of shape ()", f.Message);

        var tooFew = CustomRule.Define("pair", v => v[0] * v[1], vjp: (v, _, ct) => [ct]);
        var g = Assert.Throws<ShapeException>(() => Reverse.Grad(tooFew([X, X]).Sum(), [X]));
        Assert.Contains("pair: the VJP rule returned 1 cotangent(s) for 2 input(s)", g.Message);
    }

    [Fact]
    public void A_custom_function_reads_only_its_arguments()
    {
        var w = Node.Variable("w", Shape.Vector(3));
        var f = CustomRule.Define("leaky", v => v[0] * w);
        var e = Assert.Throws<ArgumentException>(() => f([X]));
        Assert.Contains("leaky: the function reads w(3)", e.Message);
    }

    [Fact]
    public void Custom_rules_compile_into_transforms()
    {
        var grad = Transforms.Grad(x => Softplus()([x]).Sum());
        var g = grad(At[X]);
        for (int i = 0; i < 3; i++) Assert.Equal(1 / (1 + Math.Exp(-At[X][i])), g[i], 15);
    }
}

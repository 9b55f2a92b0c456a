using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>Degenerate graphs the table does not build: an output that is a variable, outputs listed twice, graphs
/// without variables, linear functions (zero Hessian), variables listed twice.</summary>
public class EdgeCaseTests
{
    static readonly Tensor V3 = Tensor.Vector(0.5, -1.5, 2);

    [Fact]
    public void Output_that_is_the_variable_itself()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var b = Bindings.Empty.Bind(x, V3);
        var u = Tensor.Vector(1, 2, 3);
        Assert.Equal(u.Values.ToArray(), AD.Vjp(x, b, u, x).Cotangents[0].Values.ToArray());
        Assert.Equal(u.Values.ToArray(), AD.Jvp([x], b, (x, u)).Tangents[0].Values.ToArray());
        Assert.Equal(V3.Values.ToArray(), Evaluator.Evaluate(x, b).Values.ToArray());
    }

    [Fact]
    public void One_output_listed_twice_gets_both_cotangents()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var y = x.Square();
        var g = Evaluator.Evaluate(Reverse.Vjp([y, y], [Node.Constant(Tensor.Vector(1, 1, 1)), Node.Constant(Tensor.Vector(2, 2, 2))], [x]),
            Bindings.Empty.Bind(x, V3))[0];
        Assert.Equal(V3.Values.ToArray().Select(v => 3 * 2 * v), g.Values.ToArray());
        var values = Evaluator.Evaluate([y, y, x], Bindings.Empty.Bind(x, V3));
        Assert.Equal(values[0].Values.ToArray(), values[1].Values.ToArray());
    }

    [Fact]
    public void Graph_without_variables_has_zero_derivatives()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var c = Node.Constant(V3).Exp().Sum();
        var b = Bindings.Empty.Bind(x, V3);
        Assert.Equal(0.0, AD.Grad(c, b, x)[0].Values.ToArray().Sum(Math.Abs));
        Assert.Equal(0.0, AD.Jvp([c], b, (x, V3)).Tangents[0].ToScalar());
        Assert.Equal(V3.Values.ToArray().Sum(Math.Exp), Evaluator.Evaluate(c, Bindings.Empty).ToScalar(), 1e-14);
    }

    [Fact]
    public void Linear_function_has_a_zero_Hessian()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var f = (Node.Constant(Tensor.Vector(1, -2, 3)) * x).Sum();
        var hv = AD.Hvp(f, Bindings.Empty.Bind(x, V3), (x, V3))[0];
        Assert.Equal(Shape.Vector(3), hv.Shape);
        Assert.All(hv.Values.ToArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Variable_listed_twice_is_an_error_naming_it()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var e = Assert.Throws<ArgumentException>(() => Reverse.Grad(x.Sum(), [x, x]));
        Assert.Equal("Grad: variable 'x' is listed twice", e.Message);
    }

    [Fact]
    public void Third_derivative_through_three_transformations()
    {
        // f = sin(x): f‴ = −cos(x), by reverse, then forward, then forward again.
        var x = Node.Variable("x", Shape.Scalar);
        var d1 = Reverse.Grad(x.Sin(), [x])[0];
        var d2 = ForwardMode.Jvp([d1], [(x, Node.Constant(1.0))])[0];
        var d3 = ForwardMode.Jvp([d2], [(x, Node.Constant(1.0))])[0];
        var b = Bindings.Empty.Bind(x, 0.7);
        Assert.Equal(-Math.Cos(0.7), Evaluator.Evaluate(d3, b).ToScalar(), 1e-15);
        Assert.Equal(-Math.Sin(0.7), Evaluator.Evaluate(d2, b).ToScalar(), 1e-15);
    }
}

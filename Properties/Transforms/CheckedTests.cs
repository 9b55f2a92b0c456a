using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

public class CheckedTests
{
    [Fact]
    public void Errors_come_back_as_values_with_the_same_message()
    {
        var a = Node.Variable("A", Shape.Matrix(3, 4));
        var b = Node.Variable("B", Shape.Matrix(5, 2));
        var product = Checked.Apply(new AutoDiff.Functional.Ops.MatMul(), a, b);
        Assert.True(product.IsFail);
        product.IfFail(e => Assert.Equal("MatMul: (3×4)·(5×2): inner dimensions 4 and 5 differ", e.Message));

        var wrong = Checked.Bind(Bindings.Empty, a, Tensor.Zeros(Shape.Matrix(4, 3)));
        wrong.IfFail(e => Assert.Equal("variable 'A' has shape (3×4) but is bound to a value of shape (4×3)", e.Message));
        Assert.True(wrong.IsFail);

        var unbound = Checked.Evaluate([a.Sum()], Bindings.Empty);
        Assert.True(unbound.IsFail);
        unbound.IfFail(e => Assert.Equal("variable 'A' (3×4) is not bound", e.Message));
    }

    [Fact]
    public void Success_carries_the_value()
    {
        var x = Node.Variable("x", Shape.Vector(2));
        var result = Checked.ValueAndGrad(x.Square().Sum(), Bindings.Empty.Bind(x, Tensor.Vector(1, 2)), x);
        Assert.True(result.IsSucc);
        result.IfSucc(r => Assert.Equal([2.0, 4.0], r.Gradients[0].Values.ToArray()));
    }
}

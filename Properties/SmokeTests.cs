using Xunit;

namespace AutoDiff.Functional.Properties;

public class SmokeTests
{
    [Fact]
    public void Gradient_of_sum_of_squares_is_twice_x()
    {
        var x = Node.Variable("x", Shape.Vector(3));
        var g = AD.Grad(x.Square().Sum(), Bindings.Empty.Bind(x, Tensor.Vector(1, -2, 3)), x)[0];
        Assert.Equal([2.0, -4.0, 6.0], g.Values.ToArray());
    }
}

using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Engine bugs the laws found, pinned with the smallest case the shrinker produced.</summary>
public class RegressionTests
{
    /// <summary>Pow(0) had the derivative 0·x⁻¹, NaN at x = 0 (found by the table row "Pow(0)", shrunk to x = 0).</summary>
    [Fact]
    public void Pow_0_has_derivative_0_at_0()
    {
        var x = Node.Variable("x", Shape.Scalar);
        var b = Bindings.Empty.Bind(x, 0.0);
        var y = x.Pow(0);
        Assert.Equal(0.0, AD.Grad(y, b, x)[0].ToScalar());
        Assert.Equal(0.0, AD.Jvp([y], b, (x, Tensor.Scalar(1))).Tangents[0].ToScalar());
        Assert.Equal(0.0, AD.Hvp(y, b, (x, Tensor.Scalar(1)))[0].ToScalar());
    }
}

using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>The softmax family at every finite magnitude, against exact identities: for two equal logits c the softmax
/// is (½, ½), the log-softmax −ln 2, the cross-entropy ln 2 and the gradient of log Σ exp (½, ½), whatever c; for
/// logits (c, c + 1) the softmax is (1/(1 + e), e/(1 + e)) while c + 1 is exact (|c| ≤ 2⁵²).</summary>
public class MagnitudeTests
{
    public static TheoryData<double> Magnitudes => new([0, 1e-300, -1e-300, 1e-15, 1, -1, 1e15, -1e15, 1e16, 1e17, -1e17, 1e300, -1e300, double.MaxValue]);

    static readonly Node Z = Node.Variable("z", Shape.Matrix(1, 2));
    static Bindings At(double a, double b) => Bindings.Empty.Bind(Z, Tensor.Matrix(new[,] { { a, b } }));

    /// <summary>Within <paramref name="ulps"/> units in the last place of <paramref name="expected"/>.</summary>
    static void Near(double expected, double actual, int ulps, string what) =>
        Assert.True(Math.Abs(actual - expected) <= ulps * (Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected)),
            $"{what}: {actual:R}, expected {expected:R} within {ulps} ulp");

    [Theory, MemberData(nameof(Magnitudes))]
    public void Two_equal_logits_give_one_half_at_any_magnitude(double c)
    {
        var at = At(c, c);
        Assert.Equal([0.5, 0.5], Evaluator.Evaluate(Z.Softmax(1), at).Values.ToArray());
        foreach (var v in Evaluator.Evaluate(Z.LogSoftmax(1), at).Values.ToArray()) Near(-Math.Log(2), v, 1, $"log softmax at {c}");
        var (loss, gradients) = AD.ValueAndGrad(Z.CrossEntropy([0]), at, Z);
        Near(Math.Log(2), loss.ToScalar(), 1, $"cross-entropy at {c}");
        Assert.Equal([-0.5, 0.5], gradients[0].Values.ToArray());
        Assert.Equal([0.5, 0.5], AD.Grad(Z.LogSumExp(1).Sum(), at, Z)[0].Values.ToArray());
        Assert.Equal([0.5, 0.5], AD.Jvp([Z.LogSumExp(1)], at, (Z, Tensor.Matrix(new[,] { { 1.0, 0 } }))).Tangents[0].Values.ToArray()
            .Concat(AD.Jvp([Z.LogSumExp(1)], at, (Z, Tensor.Matrix(new[,] { { 0.0, 1 } }))).Tangents[0].Values.ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-7)]
    [InlineData(1e15)]
    [InlineData(-1e15)]
    [InlineData(4e15)]
    public void Logits_one_apart_give_the_logistic_of_one_at_any_magnitude(double c)
    {
        var at = At(c, c + 1);
        double e = Math.E, low = 1 / (1 + e), high = e / (1 + e);
        var p = Evaluator.Evaluate(Z.Softmax(1), at).Values.ToArray();
        Near(low, p[0], 2, $"softmax₀ at {c}");
        Near(high, p[1], 2, $"softmax₁ at {c}");
        var logP = Evaluator.Evaluate(Z.LogSoftmax(1), at).Values.ToArray();
        Near(-Math.Log(1 + e), logP[0], 2, $"log softmax₀ at {c}");
        Near(-Math.Log(1 + 1 / e), logP[1], 2, $"log softmax₁ at {c}");
        var g = AD.Grad(Z.CrossEntropy([1]), at, Z)[0].Values.ToArray();
        Near(low, g[0], 2, $"∂CE/∂z₀ at {c}");
        Near(high - 1, g[1], 4, $"∂CE/∂z₁ at {c}");
    }

    [Fact]
    public void Softmax_of_a_dominant_logit_is_one_and_zeros()
    {
        var at = At(1e300, -1e300);
        Assert.Equal([1.0, 0.0], Evaluator.Evaluate(Z.Softmax(1), at).Values.ToArray());
        Assert.Equal([0.0, -2e300], Evaluator.Evaluate(Z.LogSoftmax(1), at).Values.ToArray());
    }
}

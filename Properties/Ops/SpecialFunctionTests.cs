using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Special functions against known closed-form values, and their accuracy where naive formulas fail.</summary>
public class SpecialFunctionTests
{
    static double Value(Func<Node, Node> f, double x) => Evaluator.Evaluate(f(Node.Constant(x)), Bindings.Empty).ToScalar();

    static void Close(double expected, double actual, double relative = 1e-14) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"{actual:R}, expected {expected:R}");

    [Fact]
    public void Polygamma_matches_known_values()
    {
        const double Zeta3 = 1.2020569031595942, Zeta5 = 1.0369277551433699;
        Close(Math.PI * Math.PI / 6, Value(x => x.Polygamma(1), 1));             // ψ′(1) = ζ(2)
        Close(Math.PI * Math.PI / 2, Value(x => x.Polygamma(1), 0.5));           // ψ′(½) = π²/2
        Close(-2 * Zeta3, Value(x => x.Polygamma(2), 1));                        // ψ″(1) = −2ζ(3)
        Close(-14 * Zeta3, Value(x => x.Polygamma(2), 0.5));                     // ψ″(½) = −14ζ(3)
        Close(Math.Pow(Math.PI, 4) / 15, Value(x => x.Polygamma(3), 1));          // ψ‴(1) = 6ζ(4) = π⁴/15
        Close(-24 * Zeta5, Value(x => x.Polygamma(4), 1));                       // ψ⁽⁴⁾(1) = −4!ζ(5)
        Close(Math.PI * Math.PI / 6 - 1 - 0.25, Value(x => x.Polygamma(1), 3));  // ψ′(3) = ζ(2) − 1 − 1/4
        // At large x the leading terms: ψ′(x) ≈ 1/x + 1/(2x²) + 1/(6x³).
        Close(1e-6 + 0.5e-12 + 1e-18 / 6, Value(x => x.Polygamma(1), 1e6));
    }

    [Fact]
    public void Digamma_and_log_gamma_match_known_values()
    {
        const double EulerGamma = 0.57721566490153286;
        Close(-EulerGamma, Value(x => x.Digamma(), 1));
        Close(-EulerGamma - 2 * Math.Log(2), Value(x => x.Digamma(), 0.5));
        Close(Math.Log(Math.Sqrt(Math.PI)), Value(x => x.LogGamma(), 0.5));
        Close(Math.Log(120), Value(x => x.LogGamma(), 6));
        // The derivatives through the chain: (ln Γ)″(1) = ψ′(1) = π²/6.
        var v = Node.Variable("x", Shape.Scalar);
        Close(Math.PI * Math.PI / 6, AD.Hvp(v.LogGamma(), Bindings.Empty.Bind(v, 1.0), (v, Tensor.Scalar(1.0)))[0].ToScalar(), 1e-13);
    }

    [Fact]
    public void Log1p_expm1_and_log_sigmoid_keep_relative_accuracy_where_naive_formulas_do_not()
    {
        // Series: ln(1 + x) = x − x²/2 + x³/3, eˣ − 1 = x + x²/2 + x³/6, exact to 1e-16 relative for |x| ≤ 1e-6.
        foreach (var x in new[] { 1e-300, -3e-17, 1e-10, -1e-8, 1e-6 })
        {
            Close(x - x * x / 2 + x * x * x / 3, Value(v => v.Log1p(), x));
            Close(x + x * x / 2 + x * x * x / 6, Value(v => v.Expm1(), x));
        }
        Close(Math.Log(2), Value(v => v.Log1p(), 1));
        Close(Math.E - 1, Value(v => v.Expm1(), 1));
        Assert.Equal(-1.0, Value(v => v.Expm1(), -800));
        // ln σ(x): ≈ x − e^x far below zero, ≈ −e^−x far above (where 1 + e^−x rounds to 1).
        Close(-800, Value(v => v.LogSigmoid(), -800));
        Close(-Math.Exp(-50) - Math.Exp(-100) / 2, Value(v => v.LogSigmoid(), 50));
        Close(-Math.Log(2), Value(v => v.LogSigmoid(), 0));
    }

    [Fact]
    public void Erf_matches_known_values_and_its_derivative()
    {
        Close(0.8427007929497149, Value(x => x.Erf(), 1), 1e-15);   // erf 1 (A&S table 7.1)
        Assert.Equal(0.0, Value(x => x.Erf(), 0));
        var v = Node.Variable("x", Shape.Scalar);
        Close(2 / Math.Sqrt(Math.PI) * Math.Exp(-0.25), AD.Grad(v.Erf(), Bindings.Empty.Bind(v, 0.5), v)[0].ToScalar());
    }

    [Fact]
    public void Polygamma_rejects_orders_outside_one_to_forty()
    {
        var x = Node.Variable("x", Shape.Scalar);
        Assert.Contains("Polygamma", Assert.Throws<ArgumentOutOfRangeException>(() => x.Polygamma(0)).Message);
    }
}

using MathNet.Numerics;

namespace AutoDiff.Functional.Ops;

/// <summary>ln Γ(x) for x &gt; 0 (MathNet's value; −ln x below 1e-300, where MathNet's loses digits: 739.9288 at
/// 4.5e-322, true 739.9292); derivative ψ(x), the <see cref="Digamma"/>.</summary>
internal sealed record LogGamma : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Of(x[i]);
    }

    // ln Γ(x) = −ln x − γx + O(x²): below 1e-300 the γx term is far below half an ulp of −ln x.
    internal override double Of(double x) => x >= 12 ? Stirling(x) : x > 1e-300 ? SpecialFunctions.GammaLn(x) : x > 0 ? -Math.Log(x) : double.NaN;

    /// <summary>Stirling's series (x − ½)ln x − x + ½ln 2π + Σₖ B₂ₖ/(2k(2k − 1)x^(2k−1)) to B₁₂, whose next term is
    /// below 4e-18 of the value from x = 12: MathNet's Lanczos sum lost up to 31 ulps around x ≈ 32.</summary>
    static double Stirling(double x)
    {
        double r = 1 / x, r2 = r * r;
        double series = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360))))));
        return x >= 1e17 ? x * (Math.Log(x) - 1) : (x - 0.5) * Math.Log(x) - x + (0.91893853320467274 + series);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Digamma(), x);
}

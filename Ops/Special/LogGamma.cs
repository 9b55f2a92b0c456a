using MathNet.Numerics;

namespace AutoDiff.Functional.Ops;

/// <summary>ln Γ(x) for x &gt; 0 (MathNet's value); derivative ψ(x), the <see cref="Digamma"/>.</summary>
internal sealed record LogGamma : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > 0 ? SpecialFunctions.GammaLn(x[i]) : double.NaN;
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Digamma(), x);
}

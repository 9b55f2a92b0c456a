using MathNet.Numerics;

namespace AutoDiff.Functional.Ops;

/// <summary>ψ(x) = Γ′(x)/Γ(x) (MathNet's value; poles at 0, −1, −2, ...); derivative ψ′(x), the
/// <see cref="Polygamma"/> of order 1.</summary>
internal sealed record Digamma : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = SpecialFunctions.DiGamma(x[i]);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Polygamma(1), x);
}

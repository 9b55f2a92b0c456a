using MathNet.Numerics;

namespace AutoDiff.Functional.Ops;

/// <summary>The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt (MathNet's value); derivative 2/√π·e^(−x²).</summary>
internal sealed record Erf : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = SpecialFunctions.Erf(x[i]);
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 2 / Math.Sqrt(Math.PI) * (-x.Square()).Exp();
}

namespace AutoDiff.Functional.Ops;

/// <summary>xᵖ for a constant exponent p (x &gt; 0 unless p is an integer); derivative p·xᵖ⁻¹.</summary>
internal sealed record Pow(double Exponent) : UnaryElementwise
{
    /// <summary>The constant exponent p.</summary>
    public double Exponent { get; } = double.IsFinite(Exponent) ? Exponent
        : throw new ArgumentException($"Pow: the exponent must be finite, got {Exponent}");
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Pow(x[i], Exponent);
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Exponent switch
    {
        0 => Node.Constant(0.0), // not 0·x⁻¹, which is NaN at x = 0
        1 => Node.Constant(1.0),
        _ => Exponent * x.Pow(Exponent - 1),
    };
}

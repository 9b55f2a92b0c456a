namespace AutoDiff.Functional.Ops;

/// <summary>x clamped to [<see cref="Low"/>, <see cref="High"/>]; derivative 1 on the closed interval (the bounds
/// included, as PyTorch does) and 0 outside.</summary>
internal sealed record Clamp : UnaryElementwise
{
    /// <summary>Bounds Low ≤ High, neither NaN.</summary>
    public Clamp(double low, double high)
    {
        if (!(low <= high)) throw new ArgumentException($"Clamp({low}, {high}): needs low ≤ high");
        (Low, High) = (low, high);
    }

    /// <summary>The lower bound.</summary>
    public double Low { get; }
    /// <summary>The upper bound.</summary>
    public double High { get; }

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] < Low ? Low : x[i] > High ? High : x[i];
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) =>
        Node.Apply(new Compare(Comparison.GreaterOrEqual), x, Node.Constant(Low)) * Node.Apply(new Compare(Comparison.LessOrEqual), x, Node.Constant(High));
}

namespace AutoDiff.Functional.Ops;

/// <summary>max(x, 0); derivative [x &gt; 0], taken as 0 at the kink x = 0 (as JAX and PyTorch do).</summary>
internal sealed record Relu : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => Of(x, y);
    /// <inheritdoc/>
    /// <remarks>x or 0: a float32 number already, nothing to round.</remarks>
    internal override void Apply32(ReadOnlySpan<double> x, Span<double> y) => Of(x, y);
    /// <inheritdoc/>
    internal override void Apply32(ReadOnlySpan<float> x, Span<float> y) => Of(x, y);

    static void Of<T>(ReadOnlySpan<T> x, Span<T> y) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > T.Zero || T.IsNaN(x[i]) ? x[i] : T.Zero;
    }
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Apply(new Compare(Comparison.Greater), x, Node.Constant(0.0));
}

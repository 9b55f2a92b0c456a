namespace AutoDiff.Functional.Ops;

/// <summary>max(a, b), element by element. At a tie the derivative splits evenly, ½ to each side (as JAX does): the
/// partial in a is ½([a ≥ b] + [a &gt; b]), 1, ½ or 0. Min is −max(−a, −b), with the same convention.</summary>
internal sealed record Maximum : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Max(a[i], b[i]);
    }
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Max(a, b[i]);
    }
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Max(a[i], b);
    }

    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Share(a, b), Share(b, a));

    /// <summary>The share of the derivative that goes to <paramref name="a"/>: 1 where it wins, ½ at a tie.</summary>
    static Node Share(Node a, Node b) =>
        0.5 * (Node.Apply(new Compare(Comparison.GreaterOrEqual), a, b) + Node.Apply(new Compare(Comparison.Greater), a, b));
}

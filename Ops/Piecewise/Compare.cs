using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>How <see cref="Compare"/> compares a with b.</summary>
public enum Comparison
{
    /// <summary>a &gt; b.</summary>
    Greater,
    /// <summary>a ≥ b.</summary>
    GreaterOrEqual,
    /// <summary>a &lt; b.</summary>
    Less,
    /// <summary>a ≤ b.</summary>
    LessOrEqual,
    /// <summary>a = b.</summary>
    Equal,
}

/// <summary>A mask of 1 where a compares with b as <see cref="Kind"/> says, 0 elsewhere (0 against NaN). It is
/// piecewise constant, so its derivative is zero everywhere it exists: both modes return a symbolic zero. Masks feed
/// <see cref="Select"/> and the derivatives of Max, Abs, Relu and Clamp.</summary>
internal sealed record Compare(Comparison Kind) : BinaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Holds(a[i], b[i]);
    }
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Holds(a, b[i]);
    }
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Holds(a[i], b);
    }

    double Holds(double a, double b) => Kind switch
    {
        Comparison.Greater => a > b,
        Comparison.GreaterOrEqual => a >= b,
        Comparison.Less => a < b,
        Comparison.LessOrEqual => a <= b,
        _ => a == b,
    } ? 1 : 0;

    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (Node.Constant(0.0), Node.Constant(0.0));
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [null, null];
}

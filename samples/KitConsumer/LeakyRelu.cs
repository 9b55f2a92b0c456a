using AutoDiff.Functional;
using AutoDiff.Functional.Ops;

namespace KitConsumer;

/// <summary>A leaky relu, x for x &gt; 0 and 0.1x otherwise: an op with a kink at 0, where its rule takes the left
/// slope 0.1 (central differences there see the mean slope 0.55, so the kit needs the kink declared).</summary>
public sealed record LeakyRelu : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0.1 * x[i];
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 0.1 + 0.9 * x.GreaterThan(0);
}

/// <summary>The user's API for it.</summary>
public static class LeakyReluMath
{
    /// <summary>max(x, 0.1x), element by element.</summary>
    public static Node LeakyRelu(this Node x) => Node.Apply(new LeakyRelu(), x);
}

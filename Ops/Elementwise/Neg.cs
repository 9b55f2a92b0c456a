using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>−x. Linear: tangent −ẋ, cotangent −ȳ.</summary>
public sealed class Neg : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Neg Instance = new();
    Neg() { }
    /// <inheritdoc/>
    public override string Name => "Neg";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Negate(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => Node.Constant(-1.0);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) => tangents[0] is { } t ? -t : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [-cotangent];
}

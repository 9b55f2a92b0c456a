using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>eˣ; its derivative is its output.</summary>
public sealed class Exp : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Exp Instance = new();
    Exp() { }
    /// <inheritdoc/>
    public override string Name => "Exp";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Exp(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y;
}

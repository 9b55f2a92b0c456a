using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>√x (x ≥ 0); derivative 1/(2y), from the output.</summary>
public sealed class Sqrt : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Sqrt Instance = new();
    Sqrt() { }
    /// <inheritdoc/>
    public override string Name => "Sqrt";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Sqrt(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 0.5 / y;
}

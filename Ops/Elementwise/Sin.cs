using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>sin x; derivative cos x.</summary>
public sealed class Sin : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Sin Instance = new();
    Sin() { }
    /// <inheritdoc/>
    public override string Name => "Sin";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Sin(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => x.Cos();
}

using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>x²; derivative 2x.</summary>
public sealed class Square : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Square Instance = new();
    Square() { }
    /// <inheritdoc/>
    public override string Name => "Square";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Multiply(x, x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 2.0 * x;
}

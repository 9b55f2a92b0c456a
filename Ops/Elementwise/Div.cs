using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a / b, element by element: ∂/∂a = 1/b, ∂/∂b = −y/b.</summary>
public sealed class Div : BinaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Div Instance = new();
    Div() { }
    /// <inheritdoc/>
    public override string Name => "Div";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Divide(a, b, y);
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (1.0 / b, -(y / b));
}

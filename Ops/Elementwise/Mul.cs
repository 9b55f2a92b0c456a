using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>a ⊙ b, element by element: ∂/∂a = b, ∂/∂b = a.</summary>
public sealed class Mul : BinaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Mul Instance = new();
    Mul() { }
    /// <inheritdoc/>
    public override string Name => "Mul";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Multiply(a, b, y);
    /// <inheritdoc/>
    protected override void Apply(double a, ReadOnlySpan<double> b, Span<double> y) => TensorPrimitives.Multiply(b, a, y);
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> a, double b, Span<double> y) => TensorPrimitives.Multiply(a, b, y);
    /// <inheritdoc/>
    protected override (Node DA, Node DB) Partials(Node a, Node b, Node y) => (b, a);
}

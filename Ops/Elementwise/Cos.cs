using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>cos x; derivative −sin x.</summary>
public sealed class Cos : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Cos Instance = new();
    Cos() { }
    /// <inheritdoc/>
    public override string Name => "Cos";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Cos(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => -x.Sin();
}

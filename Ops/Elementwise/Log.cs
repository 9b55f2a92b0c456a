using System.Numerics.Tensors;

namespace AutoDiff.Functional.Ops;

/// <summary>ln x (x &gt; 0); derivative 1/x.</summary>
public sealed class Log : UnaryElementwise
{
    /// <summary>The single instance.</summary>
    public static readonly Log Instance = new();
    Log() { }
    /// <inheritdoc/>
    public override string Name => "Log";
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.Log(x, y);
    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => 1.0 / x;
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Int32 data as float64 values, element by element (counts, labels used as numbers). The one way from data
/// to values: no op converts silently. Its input has no derivatives, so neither has its output.</summary>
internal sealed record ToFloat64 : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x)
    {
        RequireIndices(x, 0, "the input");
        return DType.Float64;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var a = x[0].Ints;
        for (int i = 0; i < a.Length; i++) y[i] = a[i];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [null];

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Node.Apply(this, xb[0]!);
}

using System.Collections.Immutable;

namespace AutoDiff.Functional;

/// <summary>A cast to the element type <see cref="To"/>: int32 data to float values, or one float type to the other
/// (to float32 rounds to nearest, to float64 is exact). The one way between types: no other op converts. It lives in
/// the core because node construction inserts it for JAX's weak constants (<see cref="Node.Apply(Op, ReadOnlySpan{Node})"/>).
/// Its derivative is the cast back: a float32 value's cotangent is float32 whatever it passes through. Int32 data has
/// no derivatives, so neither has a cast of it.</summary>
internal sealed record Cast(DType To) : Op, IForward32
{
    /// <inheritdoc/>
    public override string Name => To == DType.Float32 ? "ToFloat32" : "ToFloat64";
    /// <inheritdoc/>
    protected override string Parameters => "";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => To.IsFloat() && x[0].DType != To
        ? To
        : throw ShapeError($"the input {x[0]} is {x[0].DType.Name()} already, so there is nothing to cast");

    /// <inheritdoc/>
    /// <remarks>The rounding to float32 is <see cref="Node.Compute"/>'s, as for every float32 result.</remarks>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        if (x[0].IntStorage is { } ints)
            for (int i = 0; i < ints.Length; i++) y[i] = ints[i];
        else if (x[0].HoldsSingles) Tensor.Widen(x[0].Singles, y);
        else x[0].Values.CopyTo(y);
    }

    /// <inheritdoc/>
    /// <remarks>int32 and float64 each rounded once to the nearest float32.</remarks>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        if (x[0].IntStorage is { } ints)
            for (int i = 0; i < ints.Length; i++) y[i] = ints[i];
        else Tensor.Narrow(x[0].Values, y);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        x[0].DType.IsFloat() && t[0] is { } t0 ? t0.As(To) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [x[0].DType.IsFloat() ? ct.As(x[0].DType) : null];

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Node.Apply(this, xb[0]!);
}

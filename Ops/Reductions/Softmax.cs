using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>softmax along one axis of a tensor of any rank, exp(x − max) / Σ exp(x − max): the shift by the maximum is exact where it
/// matters (Sterbenz), so the result is right at any finite magnitude (softmax of (1e17, 1e17) is (½, ½), where
/// exp(x − logΣexp x) gives (1, 1)). Its derivative ẏ = y ⊙ (ṫ − Σ y ⊙ ṫ) reuses the output.</summary>
internal sealed record Softmax(int Axis) : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Ops.Axis.Remove(this, x[0], Axis);
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.Softmax);
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.Softmax);

    Node Spread(Node reduced, Node like) => Broadcast.Along(reduced, Axis, like.Shape[Axis]);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? y * (t0 - Spread((y * t0).Sum(Axis), y)) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [y * (ct - Spread((ct * y).Sum(Axis), y))];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new Softmax(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}

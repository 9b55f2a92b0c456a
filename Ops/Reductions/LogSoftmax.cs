using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>log softmax along one axis of a tensor of any rank, (x − max) − log Σ exp(x − max): right at any finite magnitude (−ln 2 for
/// (1e17, 1e17), where x − logΣexp x gives 0). Its derivative ẏ = ṫ − Σ softmax ⊙ ṫ uses the softmax op, not
/// exp(y), so it keeps the softmax's accuracy.</summary>
internal sealed record LogSoftmax(int Axis) : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Ops.Axis.Remove(this, x[0], Axis);
        return x[0][Axis] > 0 ? x[0] : throw ShapeError($"{x[0]}: axis {Axis} is empty, and log Σ exp of nothing is −∞");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.LogSoftmax);
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.LogSoftmax);

    Node Spread(Node reduced, Node like) => Broadcast.Along(reduced, Axis, like.Shape[Axis]);
    Node Probabilities(Node x) => Node.Apply(new Softmax(Axis), x);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? t0 - Spread((Probabilities(x[0]) * t0).Sum(Axis), y) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [ct - Probabilities(x[0]) * Spread(ct.Sum(Axis), y)];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new LogSoftmax(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>log Σ exp(x) along one axis of a tensor of any rank (dropping it), computed as max + log Σ exp(x − max) so logits of magnitude 1e3 stay finite.
/// Its derivative is the softmax along that axis, the <see cref="Softmax"/> op (not exp(x − y), which rounds to 1 when
/// |x| is so large that y = x + ln 2 rounds to x).</summary>
internal sealed record LogSumExp(int Axis) : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var y = Ops.Axis.Remove(this, x[0], Axis);
        return x[0][Axis] > 0 ? y : throw ShapeError($"{x[0]}: axis {Axis} is empty, and log Σ exp of nothing is −∞");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.LogSumExp);
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y) => ShiftedExp.Along(x[0], Axis, y, ShiftedResult.LogSumExp);

    Node Probabilities(Node x) => Node.Apply(new Softmax(Axis), x);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? (t0 * Probabilities(x[0])).Sum(Axis) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Broadcast.Along(ct, Axis, x[0].Shape[Axis]) * Probabilities(x[0])];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new LogSumExp(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}

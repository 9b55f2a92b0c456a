using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A loop over a traced body (<see cref="Loop"/> is the API): inputs are the initial carries, then the
/// parameters; the output is carry <paramref name="Out"/> after the last step, or, when <paramref name="Stacked"/>,
/// that carry after each of the <paramref name="Steps"/> steps, one column per step (a scan). With a stopping rule,
/// <paramref name="Steps"/> is the step limit. Forward runs the compiled body; the JVP is this loop over the body's
/// tangent extension; the VJP is a <see cref="LoopReverse"/>, the body's reverse rule run backwards over the trip
/// count the forward pass takes, with the carries recovered by <paramref name="Policy"/>. The trip count of a while
/// loop is piecewise constant in the inputs, so it contributes no derivative.</summary>
internal sealed record LoopOp(LoopBody Body, int Steps, int Out, bool Stacked, Checkpointing Policy) : Op, IInnerGraph
{
    /// <inheritdoc/>
    public override string Name => Stacked ? "Scan" : Body.KeepGoing is null ? "Loop" : "While";
    /// <inheritdoc/>
    protected override string Parameters => $"{(Body.KeepGoing is null ? "" : "≤ ")}{Steps} steps, carry {Out} of {Body.M}, {Policy}";
    /// <inheritdoc/>
    public override int Arity => Body.M + Body.K;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        LoopReverse.CheckInputs(this, Body, x);
        return Stacked ? Body.Stacked(Out, Steps) : Body.Carries[Out].Shape;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var run = Body.Start(x[Body.M..]);
        var c = Body.State(x[..Body.M]);
        int from = Body.Offset(Out), size = Body.Carries[Out].Shape.Size;
        for (int k = 0; k < Steps && (Body.KeepGoing is null || run.KeepGoing(c)); k++)
        {
            run.Step(c, c);
            if (Stacked) c.AsSpan(from, size).CopyTo(y.AsSpan(k * size, size));
        }
        if (!Stacked) c.AsSpan(from, size).CopyTo(y);
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        Node.Apply(this with { Body = Body.Tangent, Out = Body.M + Out }, LoopReverse.WithTangents(Body, x, t));

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var wrt = needed.ToArray();
        if (!wrt.Contains(true)) return new Node?[x.Length];
        var packed = Node.Apply(new LoopReverse(Body, Steps, Policy, [new(Out, Stacked)], wrt), [.. x, ct]);
        return LoopReverse.Unpack(packed, Body, wrt, x.Length);
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

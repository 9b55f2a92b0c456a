using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A loop over a traced body (<see cref="Loop"/> is the API), one node with several results: inputs are the
/// initial carries, the sequences a scan reads a slice of per step, then the parameters; the results are the carries
/// after the last step, then what the body emits each step, stacked along a last axis (see <see cref="LoopBody"/>).
/// With a stopping rule, <paramref name="Steps"/> is the step limit. Forward runs the compiled body; the JVP is this
/// loop over the body's tangent extension; the VJP is a <see cref="LoopReverse"/> seeded with the cotangents of the
/// results someone differentiates, the body's reverse rule run backwards over the trip count the forward pass takes,
/// with the carries recovered by <paramref name="Policy"/>. The trip count of a while loop is piecewise constant in the
/// inputs, so it contributes no derivative.</summary>
internal sealed record LoopOp(LoopBody Body, int Steps, Checkpointing Policy) : MultiOp, IInnerGraph
{
    /// <inheritdoc/>
    public override string Name => Body.E > 0 ? "Scan" : Body.KeepGoing is null ? "Loop" : "While";
    /// <inheritdoc/>
    protected override string Parameters => $"{(Body.KeepGoing is null ? "" : "≤ ")}{Steps} steps, {Body.M} carr{(Body.M == 1 ? "y" : "ies")}" +
        $"{(Body.S > 0 ? $", {Body.S} sequence{(Body.S == 1 ? "" : "s")}" : "")}{(Body.E > 0 ? $", {Body.E} emitted" : "")}, {Policy}";
    /// <inheritdoc/>
    public override int Arity => Body.M + Body.S + Body.K;

    /// <inheritdoc/>
    /// <remarks>One float type over the carries, float sequences and parameters; int32 sequences are data.</remarks>
    public override DType InferType(ReadOnlySpan<Node> x) => InferFloat(LoopReverse.FloatInputs(Body, x));

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        LoopReverse.CheckInputs(this, Body, Steps, x);
        return [.. Enumerable.Range(0, Body.M + Body.E).Select(r => Body.ResultShape(r, Steps))];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var run = Body.Start(x[Body.M..]);
        var c = Body.State(x[..Body.M]);
        var emitted = Body.E > 0 ? new double[Body.EmittedSize] : null;
        int state = Body.StateSize;
        for (int k = 0; k < Steps && (Body.KeepGoing is null || run.KeepGoing(c)); k++)
        {
            run.Step(k, c, c, emitted);
            // Emitted value e's column k, after the final carries and the stacks before it.
            for (int e = 0, at = state; e < Body.E; at += Body.Emitted[e++].Shape.Size * Steps)
            {
                int size = Body.Emitted[e].Shape.Size;
                emitted.AsSpan(Body.EmittedOffset(e), size).CopyTo(y.AsSpan(at + k * size, size));
            }
        }
        c.CopyTo(y, 0);
    }

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        var tangent = Node.ApplyMulti(this with { Body = Body.Tangent }, LoopReverse.WithTangents(Body, Steps, x, t));
        return [.. Enumerable.Range(0, y.Length).Select(r => tangent[Body.TangentResult(r)])];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        var wrt = needed.ToArray();
        for (int i = 0; i < wrt.Length; i++) wrt[i] &= Body.Differentiable(i);
        if (!wrt.Contains(true)) return new Node?[x.Length];
        var seeds = new List<int>();
        var seedInputs = new List<Node>();
        for (int r = 0; r < ct.Length; r++)
            if (ct[r] is { } s) { seeds.Add(r); seedInputs.Add(s); }
        var packed = Node.Apply(new LoopReverse(Body, Steps, Policy, [.. seeds], wrt), [.. x, .. seedInputs]);
        return LoopReverse.Unpack(packed, Body, Steps, wrt);
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

using System.Collections.Immutable;
using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional.Ops;

/// <summary>A loop over a traced body (<see cref="Loop"/> is the API), one node with several results: inputs are the
/// initial carries, the sequences a scan reads a slice of per step, then the parameters; the results are the carries
/// after the last step, then what the body emits each step, stacked along a last axis (see <see cref="LoopBody"/>).
/// With a stopping rule, <paramref name="Steps"/> is the step limit. Forward runs the compiled body; the JVP is this
/// loop over the body's tangent extension; the VJP is a <see cref="LoopReverse"/> seeded with the cotangents of the
/// results someone differentiates, the body's reverse rule run backwards over the trip count the forward pass takes,
/// with the carries recovered by <paramref name="Policy"/>. The trip count of a while loop is piecewise constant in the
/// inputs, so it contributes no derivative.
/// A loop that <paramref name="Records"/> also returns, as a last result, what its reverse pass reads: under
/// <see cref="Checkpointing.StoreAll"/> each step's residuals (<see cref="Split"/>: the values of the step's reverse
/// rule that do not depend on the cotangents, a residuals × steps tape), so the reverse pass does not run the steps
/// again; under <see cref="Checkpointing.Sqrt"/> (and a binomial policy with room for them) the checkpoints c_L, c_2L,
/// … (L = <see cref="Checkpoints.Every"/>, a state × ⌈N/L⌉ − 1 tape) its segments start from. A plan holding the loop
/// and its recording twin runs only the twin (<see cref="IExtends"/>), so the value's sweep is the reverse pass's
/// first.</summary>
internal sealed record LoopOp(LoopBody Body, int Steps, Checkpointing Policy, bool Records = false) : MultiOp, IInnerGraph, IExtends
{
    /// <inheritdoc/>
    public override string Name => Body.E > 0 ? "Scan" : Body.KeepGoing is null ? "Loop" : "While";
    /// <inheritdoc/>
    protected override string Parameters => $"{(Body.KeepGoing is null ? "" : "≤ ")}{Steps} steps, {Body.M} carr{(Body.M == 1 ? "y" : "ies")}" +
        $"{(Body.S > 0 ? $", {Body.S} sequence{(Body.S == 1 ? "" : "s")}{(Body.Reversed ? " read last to first" : "")}" : "")}{(Body.E > 0 ? $", {Body.E} emitted" : "")}, {Policy}" +
        (Residuals ? ", records its residuals" : Records ? $", records every {Every}th carry" : "");
    /// <inheritdoc/>
    public Op? Prefix => Records ? this with { Records = false } : null;

    bool Residuals => Records && Policy is StoreAllCarries;
    /// <summary>The steps between recorded checkpoints, or 0 when the loop records none.</summary>
    int Every => Records && !Residuals ? Checkpoints.Every(Policy, Steps) : 0;
    /// <inheritdoc/>
    public override int Arity => Body.M + Body.S + Body.K;

    /// <inheritdoc/>
    /// <remarks>One float type over the carries, float sequences and parameters; int32 sequences are data.</remarks>
    public override DType InferType(ReadOnlySpan<Node> x) => InferFloat(LoopReverse.FloatInputs(Body, x));

    /// <inheritdoc/>
    public override Shape[] InferShapes(ReadOnlySpan<Shape> x)
    {
        LoopReverse.CheckInputs(this, Body, Steps, x);
        if (Residuals && (Body.KeepGoing is not null || Body.Recorded is null))
            throw ShapeError("only a counted loop whose residuals are float values records them");
        if (Records && !Residuals && (Body.KeepGoing is not null || Every == 0))
            throw ShapeError($"only a counted loop whose policy keeps checkpoints records them, not {Policy} over {Steps} steps");
        return [.. Enumerable.Range(0, Body.M + Body.E).Select(r => Body.ResultShape(r, Steps)), .. Records ? [TapeOf(Body, Steps, Policy)] : Array.Empty<Shape>()];
    }

    /// <summary>What a recording loop records: under StoreAll the residuals (column k holds step k's, flat), else the
    /// checkpoints (column j − 1 holds c_{jL}).</summary>
    internal static Shape TapeOf(LoopBody body, int steps, Checkpointing policy) => policy is StoreAllCarries
        ? Shape.Matrix(body.Recorded?.Size ?? 0, steps)
        : Shape.Matrix(body.StateSize, Checkpoints.Recorded(steps, Checkpoints.Every(policy, steps)));

    /// <summary>Where the tape starts in the packed value: after the final carries and the emitted stacks.</summary>
    int TapeStart => Body.StateSize + Body.EmittedSize * Steps;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var run = Body.Start(x[Body.M..]);
        var c = Body.State(x[..Body.M]);
        var emitted = Body.E > 0 ? new double[Body.EmittedSize] : null;
        int state = Body.StateSize;
        int residuals = Residuals ? Body.Recorded!.Size : 0;
        int every = Every, checkpoints = every > 0 ? Checkpoints.Recorded(Steps, every) : 0;
        // Released by the reverse pass that reads them.
        LoopCounter.Current?.Hold(Residuals ? Steps : checkpoints);
        for (int k = 0; k < Steps && (Body.KeepGoing is null || run.KeepGoing(c)); k++)
        {
            if (Residuals) run.Record(k, c, c, emitted, y.AsSpan(TapeStart + k * residuals, residuals));
            else run.Step(k, c, c, emitted);
            if (checkpoints > 0 && (k + 1) % every == 0 && (k + 1) / every <= checkpoints)
                c.CopyTo(y, TapeStart + ((k + 1) / every - 1) * state);
            // Emitted value e's column for step k, after the final carries and the stacks before it.
            for (int e = 0, at = state; e < Body.E; at += Body.Emitted[e++].Shape.Size * Steps)
            {
                int size = Body.Emitted[e].Shape.Size;
                emitted.AsSpan(Body.EmittedOffset(e), size).CopyTo(y.AsSpan(at + Body.Column(k, Steps) * size, size));
            }
        }
        c.CopyTo(y, 0);
    }

    /// <inheritdoc/>
    public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t)
    {
        // The tape is a cache for the reverse pass, which reads it as data: no tangent.
        var tangent = Node.ApplyMulti(this with { Body = Body.Tangent, Records = false }, LoopReverse.WithTangents(Body, Steps, x, t));
        return [.. Enumerable.Range(0, y.Length).Select(r => Records && r == y.Length - 1 ? null : tangent[Body.TangentResult(r)])];
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed)
    {
        var wrt = needed.ToArray();
        for (int i = 0; i < wrt.Length; i++) wrt[i] &= Body.Differentiable(i);
        if (!wrt.Contains(true)) return new Node?[x.Length];
        var seeds = new List<int>();
        var seedInputs = new List<Node>();
        for (int r = 0; r < Body.M + Body.E; r++)   // not the tape's: it has none (see Jvp)
            if (ct[r] is { } s) { seeds.Add(r); seedInputs.Add(s); }
        if (seeds.Count == 0) return new Node?[x.Length];
        // A counted loop reads its steps' residuals (storing every carry) or its checkpoints from its recording twin,
        // which a plan runs in its place.
        bool records = Body.KeepGoing is null && Steps > 0
            && (Policy is StoreAllCarries ? Body.Recorded is not null : Checkpoints.Every(Policy, Steps) > 0);
        Node[] tape = records ? [Node.ApplyMulti(this with { Records = true }, x.AsSpan())[^1]] : [];
        var packed = Node.Apply(new LoopReverse(Body, Steps, Policy, [.. seeds], wrt, records), [.. x, .. seedInputs, .. tape]);
        return LoopReverse.Unpack(packed, Body, Steps, wrt);
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

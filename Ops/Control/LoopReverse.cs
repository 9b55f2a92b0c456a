using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A cotangent fed into a loop's reverse pass: for carry <paramref name="Carry"/> after the last step, or,
/// when <paramref name="Stacked"/>, after each step (one column per step, as a scan emits it).</summary>
internal readonly record struct Seed(int Carry, bool Stacked);

/// <summary>The reverse pass of a loop: inputs are the loop's inputs (carries c₀, parameters p) and the
/// <paramref name="Seeds"/>' cotangents s; the output is ∇⟨s, F(c₀, p)⟩ with respect to the inputs flagged in
/// <paramref name="Wrt"/>, packed one after another into a vector (F the loop's final or stacked carries). Forward
/// runs the body's reverse rule from the last step to the first, the carries recovered by <paramref name="Policy"/>.
/// Its own derivatives are reverse passes of the body's tangent extension F′ (carries (c, ċ), parameters (p, ṗ)):
/// by the symmetry of second derivatives, its JVP is ∇⟨(ṡ, s), F′⟩ and its VJP along w is ∇⟨s, F′(·; w)⟩ together with
/// the tangent F′(·; w) itself for the seeds, so a loop can be differentiated to any order.</summary>
internal sealed record LoopReverse(LoopBody Body, int Steps, Checkpointing Policy, Seed[] Seeds, bool[] Wrt) : Op, IInnerGraph
{
    /// <inheritdoc/>
    protected override string Parameters =>
        $"{(Body.KeepGoing is null ? "" : "≤ ")}{Steps} steps, seeds [{string.Join(", ", Seeds.Select(s => $"{s.Carry}{(s.Stacked ? " stacked" : "")}"))}], " +
        $"wrt [{string.Join(", ", Wrt.Select((w, i) => w ? $"{i}" : null).OfType<string>())}], {Policy}";
    /// <inheritdoc/>
    public override int Arity => Body.M + Body.K + Seeds.Length;

    Shape SeedShape(int i) => Seeds[i].Stacked ? Body.Stacked(Seeds[i].Carry, Steps) : Body.Carries[Seeds[i].Carry].Shape;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        CheckInputs(this, Body, x);
        for (int i = 0; i < Seeds.Length; i++)
            if (x[Body.M + Body.K + i] != SeedShape(i))
                throw ShapeError($"seed {i} has shape {x[Body.M + Body.K + i]}, carry {Seeds[i].Carry} needs {SeedShape(i)}");
        return Shape.Vector(Enumerable.Range(0, Wrt.Length).Where(i => Wrt[i]).Sum(i => Body.InputShape(i).Size));
    }

    internal static void CheckInputs(Op op, LoopBody body, ReadOnlySpan<Shape> x)
    {
        for (int i = 0; i < body.M + body.K; i++)
            if (x[i] != body.InputShape(i))
                throw new ShapeException($"{op}: input {i} has shape {x[i]}, the body was traced for {body.InputShape(i)}");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = Body.M, k = Body.K, size = Body.StateSize;
        var seeds = x[(m + k)..].ToArray();
        var run = Body.Start(x[m..(m + k)]);
        var c0 = Body.State(x[..m]);
        int n = Policy is StoreAllCarries ? -1 : run.Count(c0, Steps);

        // bars holds c̄ (the carries' cotangents, flat like a state) then the parameters' cotangents of the last step
        // reversed; pbar sums the parameters'.
        var bars = new double[size + Body.ParamsSize];
        var pbar = new double[Body.ParamsSize];
        for (int i = 0; i < Seeds.Length; i++)
            if (!Seeds[i].Stacked) Accumulate(bars.AsSpan(Body.Offset(Seeds[i].Carry)), seeds[i].Values);

        void Back(int step, ReadOnlySpan<double> c)
        {
            // The cotangent of c_{step+1}: what flows back from later steps, plus the stacked seeds' column for it.
            for (int i = 0; i < Seeds.Length; i++)
                if (Seeds[i].Stacked)
                {
                    int carry = Seeds[i].Carry, length = Body.Carries[carry].Shape.Size;
                    Accumulate(bars.AsSpan(Body.Offset(carry)), seeds[i].Values.Slice(step * length, length));
                }
            run.Back(c, bars);
            Accumulate(pbar, bars.AsSpan(size));
        }

        if (n >= 0) Checkpoints.Reverse(Policy, c0, n, run.Step, Back);
        else
        {
            // Store every carry while counting the steps: in one array, grown by doubling for a while loop.
            var stored = new double[size * (Body.KeepGoing is null ? Steps : Math.Min(Steps, 64))];
            var c = c0;
            int count = 0;
            for (int step = 0; ; step++)
            {
                bool more = Body.KeepGoing is null ? step < Steps : step < Steps && run.KeepGoing(c);
                if (!more) break;
                if ((count + 1) * size > stored.Length) Array.Resize(ref stored, Math.Max(2 * stored.Length, (count + 1) * size));
                c.CopyTo(stored, count++ * size);
                if (Body.KeepGoing is not null || step < Steps - 1) run.Step(c, c);
            }
            LoopCounter.Current?.Hold(count);
            for (int step = count - 1; step >= 0; step--) Back(step, stored.AsSpan(step * size, size));
            LoopCounter.Current?.Hold(-count);
        }

        int offset = 0;
        for (int i = 0, p = 0; i < Wrt.Length; i++)
        {
            int length = Body.InputShape(i).Size;
            if (Wrt[i])
            {
                var part = i < m ? bars.AsSpan(Body.Offset(i), length) : pbar.AsSpan(p, length);
                part.CopyTo(y.AsSpan(offset));
                offset += length;
            }
            if (i >= m) p += length;
        }
    }

    static void Accumulate(Span<double> into, ReadOnlySpan<double> add)
    {
        for (int i = 0; i < add.Length; i++) into[i] += add[i];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        int m = Body.M, k = Body.K;
        var seeds = new List<Seed>();
        var seedInputs = new List<Node>();
        bool primal = false;
        for (int i = 0; i < m + k; i++) primal |= t[i] is not null;
        if (!primal)
        {
            // Linear in the seeds: the same reverse pass, seeded with their tangents.
            for (int i = 0; i < Seeds.Length; i++)
                if (t[m + k + i] is { } ts) { seeds.Add(Seeds[i]); seedInputs.Add(ts); }
            return seeds.Count == 0 ? null : Node.Apply(this with { Seeds = [.. seeds] }, [.. x[..(m + k)], .. seedInputs]);
        }
        for (int i = 0; i < Seeds.Length; i++) { seeds.Add(Seeds[i] with { Carry = m + Seeds[i].Carry }); seedInputs.Add(x[m + k + i]); }
        for (int i = 0; i < Seeds.Length; i++)
            if (t[m + k + i] is { } ts) { seeds.Add(Seeds[i]); seedInputs.Add(ts); }
        var op = new LoopReverse(Body.Tangent, Steps, Policy, [.. seeds], TangentWrt(Wrt));
        return Node.Apply(op, [.. WithTangents(Body, x, t), .. seedInputs]);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        int m = Body.M, k = Body.K;
        // w (the packed cotangent) as tangents of the primal inputs: zero where an input was not differentiated.
        var parts = Unpack(ct, Body, Wrt, m + k);
        var tangents = new Node?[m + k];
        for (int i = 0; i < m + k; i++) tangents[i] = parts[i];
        var inputs = WithTangents(Body, x, tangents);
        var result = new Node?[x.Length];

        var primalNeeded = needed[..(m + k)].ToArray();
        if (primalNeeded.Contains(true))
        {
            Seed[] seeds = [.. Seeds.Select(s => s with { Carry = m + s.Carry })];
            var wrt = TangentWrt(primalNeeded);
            var packed = Node.Apply(new LoopReverse(Body.Tangent, Steps, Policy, seeds, wrt), [.. inputs, .. x[(m + k)..]]);
            var unpacked = Unpack(packed, Body, primalNeeded, m + k);
            for (int i = 0; i < m + k; i++) result[i] = unpacked[i];
        }
        for (int i = 0; i < Seeds.Length; i++)
            if (needed[m + k + i])
                result[m + k + i] = Node.Apply(new LoopOp(Body.Tangent, Steps, m + Seeds[i].Carry, Seeds[i].Stacked, Policy), inputs);
        return result;
    }

    /// <summary>The inputs of a loop over <c>body.Tangent</c>: (c₀, ċ₀, p, ṗ), zeros for missing tangents.</summary>
    internal static Node[] WithTangents(LoopBody body, ImmutableArray<Node> x, ReadOnlySpan<Node?> t)
    {
        int m = body.M, k = body.K;
        var inputs = new Node[2 * (m + k)];
        for (int i = 0; i < m; i++) (inputs[i], inputs[m + i]) = (x[i], t[i] ?? Node.Zeros(x[i].Shape));
        for (int j = 0; j < k; j++) (inputs[2 * m + j], inputs[2 * m + k + j]) = (x[m + j], t[m + j] ?? Node.Zeros(x[m + j].Shape));
        return inputs;
    }

    /// <summary>Flags over (c, p) carried to the tangent body's inputs (c, ċ, p, ṗ).</summary>
    bool[] TangentWrt(bool[] wrt)
    {
        int m = Body.M, k = Body.K;
        var flags = new bool[2 * (m + k)];
        for (int i = 0; i < m; i++) flags[i] = wrt[i];
        for (int j = 0; j < k; j++) flags[2 * m + j] = wrt[m + j];
        return flags;
    }

    /// <summary>The packed cotangents cut back into one node per flagged input (null for the others).</summary>
    internal static Node?[] Unpack(Node packed, LoopBody body, bool[] wrt, int count)
    {
        var result = new Node?[count];
        int offset = 0;
        for (int i = 0; i < wrt.Length; i++)
        {
            if (!wrt[i]) continue;
            var shape = body.InputShape(i);
            Node part = shape.Size == packed.Shape.Size
                ? packed
                : Node.Apply(new Gather($"Part[{offset}..{offset + shape.Size})", packed.Shape, Shape.Vector(shape.Size),
                    [.. Enumerable.Range(offset, shape.Size)]), packed);
            result[i] = part.Shape == shape ? part : part.Reshape(shape);
            offset += shape.Size;
        }
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

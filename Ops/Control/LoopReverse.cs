using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>The reverse pass of a loop: inputs are the loop's inputs (carries c₀, sequences xs, parameters p) and the
/// cotangents s of the results listed in <paramref name="Seeds"/> (a final carry, or an emitted value stacked over
/// the steps); the output is ∇⟨s, F(c₀, xs, p)⟩ with respect to the inputs flagged in <paramref name="Wrt"/>, packed
/// one after another into a vector (F the loop's results). Forward runs the body's reverse rule from the last step to
/// the first, the carries recovered by <paramref name="Policy"/>. Its own derivatives are reverse passes of the body's
/// tangent extension F′ (carries (c, ċ), sequences (xs, ẋs), parameters (p, ṗ)): by the symmetry of second
/// derivatives, its JVP is ∇⟨(ṡ, s), F′⟩ and its VJP along w is ∇⟨s, F′(·; w)⟩ together with the tangent F′(·; w)
/// itself for the seeds, so a loop can be differentiated to any order.
/// When <paramref name="Taped"/>, a last input holds what the forward loop recorded (<see cref="LoopOp"/>): under
/// <see cref="Checkpointing.StoreAll"/> each step's residuals (<see cref="Split"/>), and the pass runs only the
/// cotangents' arithmetic of each step; under the other policies the checkpoints c_L, c_2L, … that the pass reverses
/// segments of L steps from (<see cref="Checkpoints.FromCheckpoints"/>). The tape is a cache of the
/// other inputs: the rules give it no tangent and no cotangent, and differentiate through the loop's inputs alone.</summary>
internal sealed record LoopReverse(LoopBody Body, int Steps, Checkpointing Policy, int[] Seeds, bool[] Wrt, bool Taped = false) : Op, IInnerGraph
{
    /// <inheritdoc/>
    protected override string Parameters =>
        $"{(Body.KeepGoing is null ? "" : "≤ ")}{Steps} steps, seeds [{string.Join(", ", Seeds)}], " +
        $"wrt [{string.Join(", ", Wrt.Select((w, i) => w ? $"{i}" : null).OfType<string>())}], {(!Taped ? Policy : Every > 0 ? $"{Policy}, from checkpoints every {Every}" : "taped")}";
    /// <inheritdoc/>
    public override int Arity => Inputs + Seeds.Length + (Taped ? 1 : 0);

    /// <summary>The steps between the taped checkpoints, or 0 when the tape holds residuals (or there is none).</summary>
    int Every => Taped && Policy is not StoreAllCarries ? Checkpoints.Every(Policy, Steps) : 0;

    int Inputs => Body.M + Body.S + Body.K;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        CheckInputs(this, Body, Steps, x);
        for (int i = 0; i < Seeds.Length; i++)
            if (x[Inputs + i] != Body.ResultShape(Seeds[i], Steps))
                throw ShapeError($"seed {i} has shape {x[Inputs + i]}, result {Seeds[i]} needs {Body.ResultShape(Seeds[i], Steps)}");
        if (Taped)
        {
            var tape = LoopOp.TapeOf(Body, Steps, Policy);
            var what = Every > 0 ? "checkpoints" : "residuals";
            if (x[^1] != tape) throw ShapeError($"the tape has shape {x[^1]}, the {what} of {Steps} steps need {tape}");
        }
        return Shape.Vector(Enumerable.Range(0, Wrt.Length).Where(i => Wrt[i]).Sum(i => Body.InputShape(i, Steps).Size));
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => InferFloat(FloatInputs(Body, x));

    /// <summary>The inputs of a loop op over <paramref name="body"/> but its int32 sequences (the ids a scan reads).</summary>
    internal static Node[] FloatInputs(LoopBody body, ReadOnlySpan<Node> x)
    {
        var floats = new List<Node>(x.Length);
        for (int i = 0; i < x.Length; i++)
            if (i >= body.M + body.S + body.K || body.Differentiable(i)) floats.Add(x[i]);
        return [.. floats];
    }

    internal static void CheckInputs(Op op, LoopBody body, int steps, ReadOnlySpan<Shape> x)
    {
        for (int i = 0; i < body.M + body.S + body.K; i++)
            if (x[i] != body.InputShape(i, steps))
                throw new ShapeException($"{op}: input {i} has shape {x[i]}, the body was traced for {body.InputShape(i, steps)}");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = Body.M, size = Body.StateSize, slices = Body.SliceBarsSize;
        var seeds = x[Inputs..(Inputs + Seeds.Length)].ToArray();
        var run = Body.Start(x[m..Inputs]);
        var c0 = Body.State(x[..m]);
        int n = Policy is StoreAllCarries || Taped ? -1 : run.Count(c0, Steps);
        int every = Every;
        bool residuals = Taped && every == 0;   // the tape holds each step's residuals, not checkpoints

        // bars holds c̄ (the carries' cotangents, flat like a state), then the float slices' and the parameters'
        // cotangents of the last step reversed; pbar sums the parameters', sequenceBars gathers the slices' per step.
        var bars = new double[size + slices + Body.ParamsSize];
        var pbar = new double[Body.ParamsSize];
        var sequenceBars = new double[]?[Body.S];
        for (int j = 0; j < Body.S; j++)
            if (Wrt[m + j]) sequenceBars[j] = new double[Body.InputShape(m + j, Steps).Size];
        var emittedBars = new double[Body.EmittedSize];
        for (int i = 0; i < Seeds.Length; i++)
            if (Seeds[i] < m) Accumulate(bars.AsSpan(Body.Offset(Seeds[i])), seeds[i].Values);

        // Step `step` reversed from its carry c, or from its residuals when they are the tape.
        void Back(int step, ReadOnlySpan<double> c)
        {
            // The cotangent of what step emitted: the stacked seeds' column for it.
            emittedBars.AsSpan().Clear();
            for (int i = 0; i < Seeds.Length; i++)
                if (Seeds[i] >= m)
                {
                    int e = Seeds[i] - m, length = Body.Emitted[e].Shape.Size;
                    Accumulate(emittedBars.AsSpan(Body.EmittedOffset(e)), seeds[i].Values.Slice(Body.Column(step, Steps) * length, length));
                }
            if (residuals) run.BackRecorded(step, c, bars, emittedBars);
            else run.Back(step, c, bars, emittedBars);
            run.PutSliceBars(step, bars.AsSpan(size, slices), sequenceBars);
            Accumulate(pbar, bars.AsSpan(size + slices));
        }
        // A step on single numbers (run.Scalar) reversed from its residuals: its emitted values' cotangents, its slices'
        // and its parameters' are single elements, moved directly (Back's sums in Back's order).
        bool scalar = run.Scalar;
        (int E, double[] Values)[] emittedSeeds = scalar ? [.. Seeds.Select((r, i) => (E: r - m, i)).Where(s => s.E >= 0).Select(s => (s.E, seeds[s.i].Storage))] : [];
        void BackScalar(int step, ReadOnlySpan<double> residuals)
        {
            int column = Body.Column(step, Steps);
            Array.Clear(emittedBars);
            foreach (var (e, values) in emittedSeeds) emittedBars[e] += values[column];
            run.BackScalar(step, residuals, bars, emittedBars);
            for (int j = 0; j < slices; j++)
                if (sequenceBars[j] is { } into) into[column] = bars[size + j];
            for (int q = 0; q < pbar.Length; q++) pbar[q] += bars[size + slices + q];
        }
        // Steps from stored carries, a chunk at a time: the chunk's residuals at once, then each step's cotangents from them.
        void BackChunks(int a, int b, Tape carries, int at)
        {
            for (int end = b; end > a; end -= Split.ChunkSteps)
            {
                int first = Math.Max(a, end - Split.ChunkSteps);
                run.RecordChunk(first, end - first, carries, at + first - a);
                for (int step = end - 1; step >= first; step--) BackScalar(step, run.ChunkLane(step - first));
            }
        }
        BackSegment? backSegment = scalar ? BackChunks : null;

        if (every > 0) Checkpoints.FromCheckpoints(c0, x[^1].Values, Steps, every, (k, c, next) => run.Step(k, c, next), Back, backSegment);
        else if (residuals)
        {
            var tape = x[^1].Values;
            int length = Body.Recorded!.Size;
            for (int step = Steps - 1; step >= 0; step--)
                if (scalar) BackScalar(step, tape.Slice(step * length, length));
                else Back(step, tape.Slice(step * length, length));
            LoopCounter.Current?.Hold(-Steps);
        }
        else if (n >= 0) Checkpoints.Reverse(Policy, c0, n, (k, c, next) => run.Step(k, c, next), Back, backSegment);
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
                if (Body.KeepGoing is not null || step < Steps - 1) run.Step(step, c, c);
            }
            LoopCounter.Current?.Hold(count);
            for (int step = count - 1; step >= 0; step--) Back(step, stored.AsSpan(step * size, size));
            LoopCounter.Current?.Hold(-count);
        }

        int offset = 0;
        for (int i = 0, p = 0; i < Wrt.Length; i++)
        {
            int length = Body.InputShape(i, Steps).Size;
            if (Wrt[i])
            {
                var part = i < m ? bars.AsSpan(Body.Offset(i), length) : i < m + Body.S ? sequenceBars[i - m] : pbar.AsSpan(p, length);
                part.CopyTo(y.AsSpan(offset));
                offset += length;
            }
            if (i >= m + Body.S) p += length;
        }
    }

    static void Accumulate(Span<double> into, ReadOnlySpan<double> add)
    {
        for (int i = 0; i < add.Length; i++) into[i] += add[i];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        int n = Inputs;
        var seeds = new List<int>();
        var seedInputs = new List<Node>();
        bool primal = false;
        for (int i = 0; i < n; i++) primal |= t[i] is not null;
        if (!primal)
        {
            // Linear in the seeds: the same reverse pass, seeded with their tangents.
            for (int i = 0; i < Seeds.Length; i++)
                if (t[n + i] is { } ts) { seeds.Add(Seeds[i]); seedInputs.Add(ts); }
            return seeds.Count == 0 ? null : Node.Apply(this with { Seeds = [.. seeds] }, [.. x[..n], .. seedInputs, .. x[(n + Seeds.Length)..]]);
        }
        for (int i = 0; i < Seeds.Length; i++) { seeds.Add(Body.TangentResult(Seeds[i])); seedInputs.Add(x[n + i]); }
        // Second order runs the tangent body's reverse pass over recomputed carries: the tape holds the primal's only.
        for (int i = 0; i < Seeds.Length; i++)
            if (t[n + i] is { } ts) { seeds.Add(Body.PrimalResult(Seeds[i])); seedInputs.Add(ts); }
        var op = new LoopReverse(Body.Tangent, Steps, Policy, [.. seeds], TangentWrt(Body, Wrt));
        return Node.Apply(op, [.. WithTangents(Body, Steps, x, t), .. seedInputs]);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        int n = Inputs;
        // w (the packed cotangent) as tangents of the primal inputs: zero where an input was not differentiated.
        var inputs = WithTangents(Body, Steps, x, Unpack(ct, Body, Steps, Wrt));
        var result = new Node?[x.Length];

        var primalNeeded = needed[..n].ToArray();
        if (primalNeeded.Contains(true))
        {
            int[] seeds = [.. Seeds.Select(Body.TangentResult)];
            var packed = Node.Apply(new LoopReverse(Body.Tangent, Steps, Policy, seeds, TangentWrt(Body, primalNeeded)), [.. inputs, .. x[n..(n + Seeds.Length)]]);
            var unpacked = Unpack(packed, Body, Steps, primalNeeded);
            for (int i = 0; i < n; i++) result[i] = unpacked[i];
        }
        Node[]? tangent = null;
        for (int i = 0; i < Seeds.Length; i++)
            if (needed[n + i])
            {
                tangent ??= Node.ApplyMulti(new LoopOp(Body.Tangent, Steps, Policy), inputs);
                result[n + i] = tangent[Body.TangentResult(Seeds[i])];
            }
        return result;
    }

    /// <summary>The inputs of a loop over <c>body.Tangent</c>, (c, ċ, xs, ẋs, p, ṗ): for each, the primal input it
    /// belongs to and whether it is that input's tangent (an int32 sequence has none).</summary>
    static IEnumerable<(int Input, bool Tangent)> TangentLayout(LoopBody body)
    {
        int m = body.M, s = body.S, k = body.K;
        foreach (var (from, to) in new[] { (0, m), (m, m + s), (m + s, m + s + k) })
        {
            for (int i = from; i < to; i++) yield return (i, false);
            for (int i = from; i < to; i++)
                if (body.Differentiable(i)) yield return (i, true);
        }
    }

    /// <summary>The inputs of a loop over <c>body.Tangent</c> (<see cref="TangentLayout"/>), zeros for missing tangents.</summary>
    internal static Node[] WithTangents(LoopBody body, int steps, ImmutableArray<Node> x, ReadOnlySpan<Node?> t)
    {
        var inputs = new List<Node>(2 * (body.M + body.S + body.K));
        foreach (var (i, tangent) in TangentLayout(body))
            inputs.Add(!tangent ? x[i] : t[i] ?? Node.Zeros(x[i].Shape, x[i].DType));
        return [.. inputs];
    }

    /// <summary>Flags over (c, xs, p) carried to the tangent body's inputs: the primal ones, never their tangents.</summary>
    static bool[] TangentWrt(LoopBody body, bool[] wrt) => [.. TangentLayout(body).Select(l => !l.Tangent && wrt[l.Input])];

    /// <summary>The packed cotangents cut back into one node per flagged input (null for the others).</summary>
    internal static Node?[] Unpack(Node packed, LoopBody body, int steps, bool[] wrt)
    {
        var result = new Node?[wrt.Length];
        int offset = 0;
        for (int i = 0; i < wrt.Length; i++)
        {
            if (!wrt[i]) continue;
            var shape = body.InputShape(i, steps);
            result[i] = shape.Size == packed.Shape.Size ? packed.Reshape(shape) : Node.Apply(new Output(i, offset, shape), packed);
            offset += shape.Size;
        }
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>No batched kernel: the op on each member in turn (<see cref="Batched.EachMember"/>).</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.EachMember(this, x, xb, y.Shape, k);
}

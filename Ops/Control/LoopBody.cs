namespace AutoDiff.Functional.Ops;

/// <summary>A loop body traced once: carries c (variables), per-step slices x of the sequences a scan reads, and
/// parameters p (variables standing for the nodes outside the loop that the body reads) to the next carries and the
/// values y emitted each step (a scan stacks them), and optionally a scalar stopping rule read before each step (the
/// loop goes on while it is &gt; 0). Compiled on first use into three plans: the step, the rule, and the step's reverse
/// rule (the cotangents of c, x and p from those of the next carries and of y). Its forward-mode extension
/// (<see cref="Tangent"/>) is again a body, so every derivative of a loop is again a loop.</summary>
/// <remarks>A loop's inputs are its initial carries, its sequences (each slice's shape with the steps as a last axis,
/// so a step's slice is contiguous in column-major storage), then its parameters; its results are the final carries,
/// then each emitted value stacked the same way. int32 sequences (ids, labels) are read but not differentiated.</remarks>
internal sealed class LoopBody
{
    readonly Traced step;
    readonly Lazy<Traced> advance;
    readonly Traced? rule;
    readonly Lazy<Traced> reverse;
    readonly Lazy<Split?> split;
    readonly Lazy<LoopBody> tangent;

    LoopBody(Node[] carries, Node[] slices, Node[] parameters, Node[] next, Node[] emitted, Node? keepGoing, bool reversed)
    {
        (Carries, Slices, Params, Next, Emitted, KeepGoing, Reversed) = (carries, slices, parameters, next, emitted, keepGoing, reversed);
        offsets = Offsets(carries);
        sliceOffsets = Offsets(slices);
        emittedOffsets = Offsets(emitted);
        ParamsSize = parameters.Sum(p => p.Shape.Size);
        Node[] differentiable = [.. carries, .. slices.Where(x => x.DType.IsFloat()), .. parameters];
        differentiableSlices = [.. Enumerable.Range(0, slices.Length).Where(j => slices[j].DType.IsFloat())];
        SliceBarsSize = differentiableSlices.Sum(j => slices[j].Shape.Size);
        Node[] inputs = [.. carries, .. slices, .. parameters];
        Node[] outputs = [.. next, .. emitted];
        step = new(inputs, outputs);
        advance = new(() => emitted.Length == 0 ? step : new(inputs, next));
        rule = keepGoing is null ? null : new(inputs, [keepGoing]);
        reverse = new(() =>
        {
            var u = AD.Seeds(outputs, [.. next.Select(c => ("c̄", c)), .. emitted.Select(y => ("ȳ", y))]);
            return new([.. inputs, .. u], Functional.Reverse.Vjp(outputs, u, differentiable));
        });
        split = new(() => Split.Of(reverse.Value, carries.Length, slices.Length, parameters.Length, outputs));
        tangent = new(() =>
        {
            Node[] all = [.. outputs, .. keepGoing is null ? [] : new[] { keepGoing }];
            var seeds = AD.Seeds(all, [.. differentiable.Select(v => ("ṫ", v))]);
            var tangents = ForwardMode.Jvp(outputs, [.. differentiable.Zip(seeds)]);
            int m = carries.Length, s = differentiableSlices.Length;
            return new([.. carries, .. seeds[..m]], [.. slices, .. seeds[m..(m + s)]], [.. parameters, .. seeds[(m + s)..]],
                [.. next, .. tangents[..m]], [.. emitted, .. tangents[m..]], keepGoing, reversed);
        });
    }

    static int[] Offsets(Node[] nodes)
    {
        var o = new int[nodes.Length + 1];
        for (int i = 0; i < nodes.Length; i++) o[i + 1] = o[i] + nodes[i].Shape.Size;
        return o;
    }

    public Node[] Carries { get; }
    /// <summary>Whether step k reads column N − 1 − k of each sequence and emits into that column (a reverse scan).</summary>
    public bool Reversed { get; }
    /// <summary>The column of the sequences and of the stacked emitted values that step <paramref name="k"/> of
    /// <paramref name="steps"/> reads and writes.</summary>
    public int Column(int k, int steps) => Reversed ? steps - 1 - k : k;
    /// <summary>The variables standing for one step's slice of each sequence.</summary>
    public Node[] Slices { get; }
    public Node[] Params { get; }
    public Node[] Next { get; }
    /// <summary>The values emitted each step.</summary>
    public Node[] Emitted { get; }
    public Node? KeepGoing { get; }
    public int M => Carries.Length;
    public int S => Slices.Length;
    public int K => Params.Length;
    public int E => Emitted.Length;

    /// <summary>The body that carries tangents beside the carries: carries (c, ċ), slices (x, ẋ), parameters (p, ṗ),
    /// next carries (f, ∂f·(ċ, ẋ, ṗ)), emitted (y, ∂y·(ċ, ẋ, ṗ)), and the same stopping rule on c, so it takes the same
    /// steps. An int32 slice has no tangent.</summary>
    public LoopBody Tangent => tangent.Value;

    /// <summary>The step's reverse rule cut in two for a forward pass that records (see <see cref="Split"/>), or null
    /// when a residual would be integer data (the tape holds floats).</summary>
    public Split? Recorded => split.Value;

    /// <summary>Where result <paramref name="r"/>'s tangent is among <see cref="Tangent"/>'s results.</summary>
    public int TangentResult(int r) => r < M ? M + r : 2 * M + E + (r - M);
    /// <summary>Where result <paramref name="r"/> itself is among <see cref="Tangent"/>'s results.</summary>
    public int PrimalResult(int r) => r < M ? r : 2 * M + (r - M);

    /// <summary><paramref name="s"/> with the steps as a last axis: a vector for a scalar, (m×n×steps) for a matrix.</summary>
    public static Shape Stacked(Shape s, int steps) => Shape.Of([.. s.Dimensions, steps]);

    /// <summary>The shape of input <paramref name="i"/> of a loop of <paramref name="steps"/> steps over this body
    /// (carries, sequences, then parameters).</summary>
    public Shape InputShape(int i, int steps) => i < M ? Carries[i].Shape : i < M + S ? Stacked(Slices[i - M].Shape, steps) : Params[i - M - S].Shape;
    /// <summary>The shape of result <paramref name="r"/> (final carries, then stacked emitted values).</summary>
    public Shape ResultShape(int r, int steps) => r < M ? Carries[r].Shape : Stacked(Emitted[r - M].Shape, steps);
    /// <summary>Whether input <paramref name="i"/> has derivatives (all but int32 sequences).</summary>
    public bool Differentiable(int i) => i < M || i >= M + S || Slices[i - M].DType.IsFloat();

    /// <summary>Where carry <paramref name="i"/>'s elements start in a loop state: the carries' elements flattened
    /// and concatenated, <see cref="StateSize"/> in all.</summary>
    public int Offset(int i) => offsets[i];
    /// <summary>The number of elements of all carries together.</summary>
    public int StateSize => offsets[M];
    /// <summary>Where emitted value <paramref name="e"/> starts among one step's emitted elements.</summary>
    public int EmittedOffset(int e) => emittedOffsets[e];
    /// <summary>The number of elements one step emits.</summary>
    public int EmittedSize => emittedOffsets[E];
    /// <summary>The number of elements of one step's float slices: their cotangents in a step's reverse rule.</summary>
    public int SliceBarsSize { get; }
    /// <summary>The number of elements of all parameters together.</summary>
    public int ParamsSize { get; }
    readonly int[] offsets, sliceOffsets, emittedOffsets;
    readonly int[] differentiableSlices;

    /// <summary>A loop state holding the carries <paramref name="c"/>.</summary>
    public double[] State(ReadOnlySpan<Tensor> c)
    {
        var state = new double[StateSize];
        for (int i = 0; i < M; i++) c[i].Values.CopyTo(state.AsSpan(offsets[i]));
        return state;
    }

    /// <summary>The runs of one forward or reverse pass over the sequences and parameters <paramref name="x"/> (a
    /// loop's inputs after its carries): own frames, so passes stay pure and thread-safe.</summary>
    public Runner Start(ReadOnlySpan<Tensor> x) => new(this, x);

    /// <summary>One pass's runs of the step, the rule and the reverse rule over flat loop states (see
    /// <see cref="Offset"/>), with the parameters fixed once and each step's slices loaded: a step copies the carries
    /// in and the next carries out, and allocates nothing when the body is a register program.</summary>
    internal sealed class Runner
    {
        readonly LoopBody body;
        readonly Tensor[] sequences, parameters;
        readonly Frame step;
        readonly Frame? rule;
        Frame? advance, reverse, recording, adjoint, chunk;
        double[]? chunkResiduals, byLane;
        int[]? chunkOffsets, adjointAt;
        readonly double[] keepGoing = new double[1];
        readonly double[]? outputs;
        double[]? recorded;
        readonly LoopCounter? counter = LoopCounter.Current;
        readonly int steps;   // the sequences' length (their last axis)

        public Runner(LoopBody body, ReadOnlySpan<Tensor> x)
        {
            (this.body, sequences, parameters) = (body, x[..body.S].ToArray(), x[body.S..].ToArray());
            steps = body.S == 0 ? 0 : sequences[0].Shape[sequences[0].Shape.Rank - 1];
            step = Fixed(body.step.NewFrame(), body.M + body.S);
            rule = body.rule is null ? null : Fixed(body.rule.NewFrame(), body.M + body.S);
            if (body.E > 0) outputs = new double[body.StateSize + body.EmittedSize];
        }

        // The parameters into inputs first … of a frame, once for every run.
        Frame Fixed(Frame frame, int first)
        {
            for (int j = 0; j < parameters.Length; j++) frame.Fix(first + j, parameters[j]);
            return frame;
        }

        /// <summary>The next carries from <paramref name="c"/> by step <paramref name="k"/>; <paramref name="next"/>
        /// may be <paramref name="c"/> itself. What the step emits goes to <paramref name="emitted"/> when it is not empty.</summary>
        public void Step(int k, ReadOnlySpan<double> c, Span<double> next, Span<double> emitted = default)
        {
            if (counter is not null) counter.BodyRuns++;
            // Without emitted values wanted (a checkpointed reverse pass recomputing carries), a step with no instruction for them.
            var frame = outputs is null || !emitted.IsEmpty ? step : advance ??= Fixed(body.advance.Value.NewFrame(), body.M + body.S);
            Load(frame, 0, c);
            LoadSlices(frame, body.M, k);
            if (frame != step || outputs is null) { frame.Run(next); return; }
            step.Run(outputs);
            Copy(outputs.AsSpan(0, body.StateSize), next);
            Copy(outputs.AsSpan(body.StateSize), emitted);
        }

        public bool KeepGoing(ReadOnlySpan<double> c)
        {
            if (counter is not null) counter.ConditionRuns++;
            Load(rule!, 0, c);
            rule!.Run(keepGoing);
            return keepGoing[0] > 0;
        }

        /// <summary>The cotangents of (c, x, p) through step <paramref name="k"/> from carry <paramref name="c"/>, given
        /// the next carries' cotangents in <paramref name="bars"/>[..StateSize] and what the step emitted's in
        /// <paramref name="emittedBars"/>, written into <paramref name="bars"/> (carries', float slices', parameters').</summary>
        public void Back(int k, ReadOnlySpan<double> c, Span<double> bars, ReadOnlySpan<double> emittedBars)
        {
            reverse ??= Fixed(body.reverse.Value.NewFrame(), body.M + body.S);
            Load(reverse, 0, c);
            RunBack(reverse, body.M, k, bars, emittedBars);
        }

        // A reverse frame whose first inputs are written: step k's slices into inputs from … (then the fixed parameters),
        // the next carries' and the emitted values' cotangents after them; the run writes the cotangents into bars.
        void RunBack(Frame frame, int from, int k, Span<double> bars, ReadOnlySpan<double> emittedBars)
        {
            if (counter is not null) counter.ReverseRuns++;
            LoadSlices(frame, from, k);
            int first = from + body.S + body.K;
            Load(frame, first, bars[..body.StateSize]);
            for (int e = 0; e < body.E; e++)
                Copy(emittedBars[body.emittedOffsets[e]..body.emittedOffsets[e + 1]], frame.In(first + body.M + e));
            frame.Run(bars);
        }

        /// <summary><see cref="Step"/> that also writes the step's residuals (<see cref="Split"/>) to <paramref name="residuals"/>.</summary>
        public void Record(int k, ReadOnlySpan<double> c, Span<double> next, Span<double> emitted, Span<double> residuals)
        {
            if (counter is not null) counter.BodyRuns++;
            var split = body.Recorded!;
            recording ??= Fixed(split.Recording.NewFrame(), body.M + body.S);
            recorded ??= new double[body.StateSize + body.EmittedSize + split.Size];
            Load(recording, 0, c);
            LoadSlices(recording, body.M, k);
            recording.Run(recorded);
            Copy(recorded.AsSpan(0, body.StateSize), next);
            if (!emitted.IsEmpty) Copy(recorded.AsSpan(body.StateSize, body.EmittedSize), emitted);
            Copy(recorded.AsSpan(body.StateSize + body.EmittedSize), residuals);
        }

        /// <summary><see cref="Back"/> from step <paramref name="k"/>'s recorded <paramref name="residuals"/>: the
        /// cotangents' arithmetic alone.</summary>
        public void BackRecorded(int k, ReadOnlySpan<double> residuals, Span<double> bars, ReadOnlySpan<double> emittedBars)
        {
            var split = body.Recorded!;
            adjoint ??= Fixed(split.Adjoint.NewFrame(), split.Count + body.S);
            for (int i = 0, at = 0; i < split.Count; i++)
            {
                var place = adjoint.In(i);
                Copy(residuals.Slice(at, place.Length), place);
                at += place.Length;
            }
            RunBack(adjoint, split.Count, k, bars, emittedBars);
        }

        /// <summary>Whether the step is on single numbers and element-wise (<see cref="Split.Chunked"/>): then its residuals
        /// come a chunk of steps at a time (<see cref="RecordChunk"/>) and a step reverses from them by
        /// <see cref="BackScalar"/>.</summary>
        public bool Scalar => body.Recorded?.Chunked is not null;

        /// <summary>The residuals of steps <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1
        /// (at most <see cref="Split.ChunkSteps"/>) at once, from the carries entering them, <paramref name="carries"/>[at],
        /// [at + 1], …; read a step's with <see cref="ChunkLane"/>. Unused lanes repeat the last step.</summary>
        internal void RecordChunk(int first, int count, Tape carries, int at)
        {
            var split = body.Recorded!;
            var program = split.Chunked!;
            if (counter is not null) counter.ChunkedSteps += count;
            chunk ??= Fixed(program.NewFrame(), body.M + body.S);
            // Every carry and slice is a single number (Split.Chunked): lane l holds step first + l's. The states are
            // read from one span when the tape holds them side by side (a carry of M numbers is a state of M).
            var states = carries.Run(at, count);
            for (int i = 0; i < body.M; i++)
            {
                var lanes = chunk.In(i);
                for (int l = 0; l < lanes.Length; l++)
                {
                    int s = Math.Min(l, count - 1);
                    lanes[l] = states.IsEmpty ? carries[at + s][i] : states[s * body.M + i];
                }
            }
            for (int j = 0; j < body.S; j++)
            {
                var lanes = chunk.In(body.M + j);
                var values = sequences[j].Values;
                for (int l = 0; l < lanes.Length; l++) lanes[l] = values[body.Column(first + Math.Min(l, count - 1), steps)];
            }
            if (chunkOffsets is null)
            {
                // Where each residual starts among the outputs (~start for a single number, the same in every lane).
                chunkOffsets = new int[program.Outputs.Length];
                for (int i = 0, start = 0; i < chunkOffsets.Length; start += program.Outputs[i++].Shape.Size)
                    chunkOffsets[i] = program.Outputs[i].Shape.Size == 1 ? ~start : start;
                chunkResiduals = new double[program.Outputs.Sum(o => o.Shape.Size)];
            }
            chunk.Run(chunkResiduals);
            // Lane by lane, as a step reads them (a residual that reads no carry or slice is one number for every lane).
            int n = chunkOffsets.Length;
            byLane ??= new double[Split.ChunkSteps * n];
            for (int i = 0; i < n; i++)
            {
                int start = chunkOffsets[i];
                for (int l = 0; l < count; l++) byLane[l * n + i] = chunkResiduals![start < 0 ? ~start : start + l];
            }
        }

        /// <summary>Lane <paramref name="l"/>'s residuals from the last <see cref="RecordChunk"/>.</summary>
        internal ReadOnlySpan<double> ChunkLane(int l) => byLane.AsSpan(l * chunkOffsets!.Length, chunkOffsets.Length);

        /// <summary><see cref="BackRecorded"/> for a step on single numbers (<see cref="Scalar"/>): a register program's
        /// inputs are then single registers, written directly, so a step of a few scalar instructions is not outweighed
        /// by its set-up.</summary>
        internal void BackScalar(int k, ReadOnlySpan<double> residuals, Span<double> bars, ReadOnlySpan<double> emittedBars)
        {
            var split = body.Recorded!;
            adjoint ??= Fixed(split.Adjoint.NewFrame(), split.Count + body.S);
            if (adjoint is not RegisterFrame frame) { BackRecorded(k, residuals, bars, emittedBars); return; }
            // The adjoint's inputs: residuals, slices, parameters (fixed), then the carries' and emitted values' cotangents.
            int slices = split.Count, carryBars = slices + body.S + body.K, emitted = carryBars + body.M;
            adjointAt ??= [.. Enumerable.Range(0, emitted + body.E).Select(frame.Register)];
            var r = frame.Registers;
            for (int i = 0; i < slices; i++)
                if (adjointAt[i] >= 0) r[adjointAt[i]] = residuals[i];
            for (int j = 0; j < body.S; j++)
                if (adjointAt[slices + j] >= 0) r[adjointAt[slices + j]] = sequences[j].Values[body.Column(k, steps)];
            for (int i = 0; i < body.M; i++)
                if (adjointAt[carryBars + i] >= 0) r[adjointAt[carryBars + i]] = bars[i];
            for (int e = 0; e < body.E; e++)
                if (adjointAt[emitted + e] >= 0) r[adjointAt[emitted + e]] = emittedBars[e];
            if (counter is not null) counter.ReverseRuns++;
            frame.Run(bars);
        }

        /// <summary>The trip count from c₀: <paramref name="limit"/> for a counted loop, else the steps taken before the
        /// rule stops the loop or the limit is reached.</summary>
        public int Count(ReadOnlySpan<double> c0, int limit)
        {
            if (body.KeepGoing is null) return limit;
            var c = c0.ToArray();
            int k = 0;
            while (k < limit && KeepGoing(c)) { Step(k, c, c); k++; }
            return k;
        }

        // The carries' elements into inputs first … first + M − 1 of a frame.
        void Load(Frame frame, int first, ReadOnlySpan<double> c)
        {
            for (int i = 0; i < body.M; i++) Copy(c[body.offsets[i]..body.offsets[i + 1]], frame.In(first + i));
        }

        // Step k's slice of each sequence into inputs first … first + S − 1: its column (k, or N − 1 − k when reversed),
        // contiguous in column-major storage.
        void LoadSlices(Frame frame, int first, int k)
        {
            for (int j = 0; j < body.S; j++)
            {
                if (!frame.Reads(first + j)) continue;   // as the adjoint of c·p + x_t reads no x_t
                var slice = body.Slices[j];
                int size = slice.Shape.Size;
                int column = body.Column(k, steps);
                if (sequences[j].IntStorage is { } ints)
                    frame.Fix(first + j, Tensor.Indices(slice.Shape, ints.AsSpan(column * size, size).ToArray()));
                else Copy(sequences[j].Values.Slice(column * size, size), frame.In(first + j));
            }
        }

        /// <summary>A step's float slices' cotangents (<paramref name="sliceBars"/>, as <see cref="Back"/> writes them)
        /// into step <paramref name="k"/>'s column of each sequence's cotangent <paramref name="sequenceBars"/> (null where not
        /// wanted).</summary>
        public void PutSliceBars(int k, ReadOnlySpan<double> sliceBars, double[]?[] sequenceBars)
        {
            for (int d = 0, at = 0; d < body.differentiableSlices.Length; d++)
            {
                int j = body.differentiableSlices[d], size = body.Slices[j].Shape.Size;
                if (sequenceBars[j] is { } into) Copy(sliceBars.Slice(at, size), into.AsSpan(body.Column(k, steps) * size, size));
                at += size;
            }
        }
    }

    /// <summary>Copies a step's values: a single number (a scalar carry, slice or cotangent) by one move, not a copy call.</summary>
    static void Copy(ReadOnlySpan<double> from, Span<double> to)
    {
        if (from.Length == 1) to[0] = from[0];
        else from.CopyTo(to);
    }

    /// <summary>Traces <paramref name="body"/> (and the rule <paramref name="keepGoing"/>) on carry variables shaped
    /// like <paramref name="init"/> and slice variables shaped like one step of each of <paramref name="sequences"/>
    /// (each slice's shape with the steps as a last axis). The body returns the next carries and what it emits. Every
    /// node the body reads from outside (not a constant, and not depending on the carries or slices) becomes a
    /// parameter: <paramref name="outer"/> lists those nodes, the loop's inputs after the carries and sequences.</summary>
    public static LoopBody Trace(string who, Node[] init, Node[] sequences, Func<Node[], Node[], (Node[] Next, Node[] Emitted)> body,
        Func<Node[], Node>? keepGoing, out Node[] outer, bool reversed = false)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(body);
        if (init.Length == 0) throw new ArgumentException($"{who}: a loop needs at least one carry");
        for (int i = 0; i < init.Length; i++)
        {
            if (init[i] is null) throw new ArgumentNullException(nameof(init), $"{who}: initial carry {i} is null");
            if (!init[i].DType.IsFloat())
                throw new ArgumentException($"{who}: initial carry {i} {init[i]} is {init[i].DType.Name()} data; a loop carries float64 values (cast with ToFloat64())");
        }
        Node[] carries = [.. init.Select((c, i) => Node.Variable($"c{i}", c.Shape, c.DType))];
        Node[] slices = [.. sequences.Select((x, j) => Node.Variable($"x{j}", Shape.Of(x.Shape.Dimensions[..^1]), x.DType))];
        var (next, emitted) = body((Node[])carries.Clone(), (Node[])slices.Clone());
        if (next is null || emitted is null) throw new ArgumentException($"{who}: the body returned null");
        next = (Node[])next.Clone();
        if (next.Length != carries.Length)
            throw new ArgumentException($"{who}: the body returned {next.Length} carries for {carries.Length}");
        for (int i = 0; i < next.Length; i++)
        {
            if (next[i] is null) throw new ArgumentException($"{who}: the body returned null for carry {i}");
            if (next[i].Shape != carries[i].Shape)
                throw new ShapeException($"{who}: the body returned carry {i} of shape {next[i].Shape}; it enters as {carries[i].Shape}");
            if (next[i].DType != carries[i].DType && !next[i].Weak)
                throw new ArgumentException($"{who}: the body returned carry {i} as {next[i].DType.Name()}; it enters as {carries[i].DType.Name()} (cast with {carries[i].DType.Cast()})");
            next[i] = next[i].As(carries[i].DType);
        }
        emitted = (Node[])emitted.Clone();
        var type = carries[0].DType;
        for (int e = 0; e < emitted.Length; e++)
        {
            if (emitted[e] is null) throw new ArgumentException($"{who}: the body emitted null as output {e}");
            if (!emitted[e].DType.IsFloat())
                throw new ArgumentException($"{who}: the body emitted {emitted[e]}, {emitted[e].DType.Name()} data, as output {e}; a scan emits float values (cast with ToFloat64())");
            // One loop node holds every result, so what it emits has the carries' float type.
            if (emitted[e].DType != type && !emitted[e].Weak)
                throw new ArgumentException($"{who}: the body emitted output {e} as {emitted[e].DType.Name()}; the carries are {type.Name()} (cast with {type.Cast()})");
            emitted[e] = emitted[e].As(type);
        }
        Node? rule = null;
        if (keepGoing is not null)
        {
            rule = keepGoing((Node[])carries.Clone()) ?? throw new ArgumentException($"{who}: the stopping rule returned null");
            if (!rule.Shape.IsScalar) throw new ShapeException($"{who}: the stopping rule must be a scalar, not {rule.Shape}");
        }
        Node[] stepInputs = [.. carries, .. slices];
        var (closed, parameters, hoisted) = Close(who, [.. next, .. emitted, .. rule is null ? [] : new[] { rule }], stepInputs);
        outer = hoisted;
        return new(carries, slices, parameters, closed[..next.Length], closed[next.Length..(next.Length + emitted.Length)],
            rule is null ? null : closed[^1], reversed);
    }

    // Closure conversion: the frontier of the nodes that do not depend on the carries or slices (constants excepted) is
    // cut out and replaced by parameter variables, so the traced graph reads only its own variables.
    static (Node[] Closed, Node[] Params, Node[] Outer) Close(string who, Node[] outputs, Node[] carries)
    {
        var topo = Topology.Of(outputs);
        var order = topo.Order;
        var dependent = new bool[order.Length];
        foreach (var c in carries) if (topo.IndexOf(c) is var k and >= 0) dependent[k] = true;
        for (int i = 0; i < order.Length; i++)
            foreach (var k in topo.InputsOf(i)) dependent[i] |= dependent[k];

        var cut = new bool[order.Length];
        foreach (var o in outputs) cut[topo.IndexOf(o)] = true;
        for (int i = 0; i < order.Length; i++)
            if (dependent[i]) foreach (var k in topo.InputsOf(i)) cut[k] = true;

        var image = new Node[order.Length];
        var parameters = new List<Node>();
        var outer = new List<Node>();
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (!dependent[i])
            {
                if (node.Op is Constant || !cut[i]) { image[i] = node; continue; }
                if (!node.DType.IsFloat())
                    throw new ArgumentException($"{who}: the body reads {node}, {node.DType.Name()} data from outside the loop; a loop body may read float64 values only (cast with ToFloat64())");
                outer.Add(node);
                image[i] = Node.Variable($"p{parameters.Count}", node.Shape, node.DType);
                parameters.Add(image[i]);
                continue;
            }
            var inputs = topo.InputsOf(i);
            Node[]? rebuilt = null;
            for (int k = 0; k < inputs.Length; k++)
            {
                if (rebuilt is null && ReferenceEquals(image[inputs[k]], node.Inputs[k])) continue;
                rebuilt ??= [.. node.Inputs];
                rebuilt[k] = image[inputs[k]];
            }
            image[i] = rebuilt is null ? node : Node.Apply(node.Op, rebuilt);
        }
        return ([.. outputs.Select(o => image[topo.IndexOf(o)])], [.. parameters], [.. outer]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"body of {M} carr{(M == 1 ? "y" : "ies")}, {K} parameter{(K == 1 ? "" : "s")}";
}

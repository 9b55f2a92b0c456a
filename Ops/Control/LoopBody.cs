namespace AutoDiff.Functional.Ops;

/// <summary>A loop body traced once: carries c (variables) and parameters p (variables standing for the nodes outside
/// the loop that the body reads) to the next carries, and optionally a scalar stopping rule read before each step (the
/// loop goes on while it is &gt; 0). Compiled on first use into three plans: the step, the rule, and the step's reverse
/// rule (carries and parameters' cotangents from the next carries' cotangents). Its forward-mode extension
/// (<see cref="Tangent"/>) is again a body, so every derivative of a loop is again a loop.</summary>
internal sealed class LoopBody
{
    readonly Traced step;
    readonly Traced? rule;
    readonly Lazy<Traced> reverse;
    readonly Lazy<LoopBody> tangent;

    LoopBody(Node[] carries, Node[] parameters, Node[] next, Node? keepGoing)
    {
        (Carries, Params, Next, KeepGoing) = (carries, parameters, next, keepGoing);
        offsets = new int[carries.Length + 1];
        for (int i = 0; i < carries.Length; i++) offsets[i + 1] = offsets[i] + carries[i].Shape.Size;
        ParamsSize = parameters.Sum(p => p.Shape.Size);
        Node[] inputs = [.. carries, .. parameters];
        step = new(inputs, next);
        rule = keepGoing is null ? null : new(inputs, [keepGoing]);
        reverse = new(() =>
        {
            var u = AD.Seeds(next, [.. next.Select(c => ("c̄", c))]);
            return new([.. inputs, .. u], Functional.Reverse.Vjp(next, u, inputs));
        });
        tangent = new(() =>
        {
            Node[] all = [.. next, .. keepGoing is null ? [] : new[] { keepGoing }];
            var seeds = AD.Seeds(all, [.. inputs.Select(v => ("ṫ", v))]);
            var tangents = ForwardMode.Jvp(next, [.. inputs.Zip(seeds)]);
            int m = carries.Length;
            return new([.. carries, .. seeds[..m]], [.. parameters, .. seeds[m..]], [.. next, .. tangents], keepGoing);
        });
    }

    public Node[] Carries { get; }
    public Node[] Params { get; }
    public Node[] Next { get; }
    public Node? KeepGoing { get; }
    public int M => Carries.Length;
    public int K => Params.Length;

    /// <summary>The body that carries tangents beside the carries: carries (c, ċ), parameters (p, ṗ), next carries
    /// (f(c, p), ∂f·(ċ, ṗ)), and the same stopping rule on c, so it takes the same steps.</summary>
    public LoopBody Tangent => tangent.Value;

    /// <summary>The shape of carry <paramref name="i"/> stacked over <paramref name="steps"/> steps: a vector for a
    /// scalar carry, else one column per step.</summary>
    public Shape Stacked(int i, int steps) => Carries[i].Shape.IsScalar ? Shape.Vector(steps) : Shape.Matrix(Carries[i].Shape.Size, steps);

    /// <summary>The shape of input <paramref name="i"/> of a loop over this body (carries, then parameters).</summary>
    public Shape InputShape(int i) => i < M ? Carries[i].Shape : Params[i - M].Shape;

    /// <summary>Where carry <paramref name="i"/>'s elements start in a loop state: the carries' elements flattened
    /// and concatenated, <see cref="StateSize"/> in all.</summary>
    public int Offset(int i) => offsets[i];
    /// <summary>The number of elements of all carries together.</summary>
    public int StateSize => offsets[M];
    /// <summary>The number of elements of all parameters together.</summary>
    public int ParamsSize { get; }
    readonly int[] offsets;

    /// <summary>A loop state holding the carries <paramref name="c"/>.</summary>
    public double[] State(ReadOnlySpan<Tensor> c)
    {
        var state = new double[StateSize];
        for (int i = 0; i < M; i++) c[i].Values.CopyTo(state.AsSpan(offsets[i]));
        return state;
    }

    /// <summary>The runs of one forward or reverse pass: own frames, so passes stay pure and thread-safe.</summary>
    public Runner Start(ReadOnlySpan<Tensor> parameters) => new(this, parameters);

    /// <summary>One pass's runs of the step, the rule and the reverse rule over flat loop states (see
    /// <see cref="Offset"/>), with the parameters fixed once: a step copies the carries in and the next carries out,
    /// and allocates nothing when the body is a register program.</summary>
    internal sealed class Runner
    {
        readonly LoopBody body;
        readonly Tensor[] parameters;
        readonly Frame step;
        readonly Frame? rule;
        Frame? reverse;
        readonly double[] keepGoing = new double[1];
        readonly LoopCounter? counter = LoopCounter.Current;

        public Runner(LoopBody body, ReadOnlySpan<Tensor> parameters)
        {
            (this.body, this.parameters) = (body, parameters.ToArray());
            step = Fixed(body.step.NewFrame());
            rule = body.rule is null ? null : Fixed(body.rule.NewFrame());
        }

        Frame Fixed(Frame frame)
        {
            for (int j = 0; j < parameters.Length; j++) frame.Fix(body.M + j, parameters[j]);
            return frame;
        }

        /// <summary>The next carries from <paramref name="c"/>; <paramref name="next"/> may be <paramref name="c"/> itself.</summary>
        public void Step(ReadOnlySpan<double> c, Span<double> next)
        {
            if (counter is not null) counter.BodyRuns++;
            Load(step, 0, c);
            step.Run(next);
        }

        public bool KeepGoing(ReadOnlySpan<double> c)
        {
            if (counter is not null) counter.ConditionRuns++;
            Load(rule!, 0, c);
            rule!.Run(keepGoing);
            return keepGoing[0] > 0;
        }

        /// <summary>The cotangents of (c, p) through one step at carry <paramref name="c"/>, given the next carries'
        /// <paramref name="bars"/>[..StateSize], written into <paramref name="bars"/> (carries', then parameters').</summary>
        public void Back(ReadOnlySpan<double> c, Span<double> bars)
        {
            if (counter is not null) counter.ReverseRuns++;
            reverse ??= Fixed(body.reverse.Value.NewFrame());
            Load(reverse, 0, c);
            Load(reverse, body.M + body.K, bars[..body.StateSize]);
            reverse.Run(bars);
        }

        /// <summary>The trip count from c₀: <paramref name="limit"/> for a counted loop, else the steps taken before the
        /// rule stops the loop or the limit is reached.</summary>
        public int Count(ReadOnlySpan<double> c0, int limit)
        {
            if (body.KeepGoing is null) return limit;
            var c = c0.ToArray();
            int k = 0;
            while (k < limit && KeepGoing(c)) { Step(c, c); k++; }
            return k;
        }

        // The carries' elements into inputs first … first + M − 1 of a frame.
        void Load(Frame frame, int first, ReadOnlySpan<double> c)
        {
            for (int i = 0; i < body.M; i++) c[body.offsets[i]..body.offsets[i + 1]].CopyTo(frame.In(first + i));
        }
    }

    /// <summary>Traces <paramref name="body"/> (and the rule <paramref name="keepGoing"/>) on carry variables shaped
    /// like <paramref name="init"/>. Every node the body reads from outside (not a constant, and not depending on the
    /// carries) becomes a parameter: <paramref name="outer"/> lists those nodes, the loop's inputs after the carries.</summary>
    public static LoopBody Trace(string who, Node[] init, Func<Node[], Node[]> body, Func<Node[], Node>? keepGoing, out Node[] outer)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(body);
        if (init.Length == 0) throw new ArgumentException($"{who}: a loop needs at least one carry");
        for (int i = 0; i < init.Length; i++)
        {
            if (init[i] is null) throw new ArgumentNullException(nameof(init), $"{who}: initial carry {i} is null");
            if (!init[i].DType.IsFloat())
                throw new ArgumentException($"{who}: initial carry {i} {init[i]} is {init[i].DType.Name()} data; a loop carries float64 values (cast with ToFloat64())");
        }
        Node[] carries = [.. init.Select((c, i) => Node.Variable($"c{i}", c.Shape, c.DType))];
        var next = body((Node[])carries.Clone()) ?? throw new ArgumentException($"{who}: the body returned null");
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
        Node? rule = null;
        if (keepGoing is not null)
        {
            rule = keepGoing((Node[])carries.Clone()) ?? throw new ArgumentException($"{who}: the stopping rule returned null");
            if (!rule.Shape.IsScalar) throw new ShapeException($"{who}: the stopping rule must be a scalar, not {rule.Shape}");
        }
        var (closed, parameters, hoisted) = Close(who, [.. next, .. rule is null ? [] : new[] { rule }], carries);
        outer = hoisted;
        return new(carries, parameters, closed[..next.Length], rule is null ? null : closed[^1]);
    }

    // Closure conversion: the frontier of the nodes that do not depend on the carries (constants excepted) is cut out
    // and replaced by parameter variables, so the traced graph reads only its own variables.
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

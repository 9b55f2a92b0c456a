namespace AutoDiff.Functional;

/// <summary>Loops whose body is a function of nodes, traced once into a graph and compiled once: a counted loop
/// (<see cref="Repeat(int, Node, Func{Node, Node}, Checkpointing?)"/>), a scan that keeps the carry after every step
/// (<see cref="Scan(int, Node, Func{Node, Node}, Checkpointing?)"/>) and a while loop with a stopping rule and a
/// step limit (<see cref="While(Node, Func{Node, Node}, Func{Node, Node}, int, Checkpointing?)"/>). A loop is one
/// node however many steps it takes. Forward mode carries tangents through the body; reverse mode runs the body's
/// reverse rule backwards over the steps the forward pass took, recovering the carries by a
/// <see cref="Checkpointing"/> policy (default <see cref="Checkpointing.StoreAll"/>). Derivatives of loops are
/// loops, so they compose: loops in loop bodies, Hessians through loops, loops in compiled plans.</summary>
/// <remarks>The body may read nodes from outside the loop (a variable x, a computed node): they become inputs of the
/// loop node, and get cotangents. The trip count of a while loop is piecewise constant in the inputs and contributes
/// no derivative. The forms with several carries return one node per carry; each is its own loop node, so evaluating
/// several of them runs the loop once for each.</remarks>
/// <example><code>
/// var x = Node.Variable("x", Shape.Scalar);
/// var y = Loop.Repeat(10_000, Node.Constant(1.0), y =&gt; (y + x / y) * 0.5);   // Heron's √x
/// var dydx = Reverse.Grad(y, [x])[0];
/// </code></example>
public static class Loop
{
    /// <summary>c ← body(c), <paramref name="steps"/> times from <paramref name="init"/>.</summary>
    public static Node Repeat(int steps, Node init, Func<Node, Node> body, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Repeat(steps, [init], c => [body(c[0])], checkpointing)[0];
    }

    /// <summary>Several carries c ← body(c), <paramref name="steps"/> times; the final value of each carry.</summary>
    public static Node[] Repeat(int steps, Node[] init, Func<Node[], Node[]> body, Checkpointing? checkpointing = null)
    {
        CheckSteps("Loop.Repeat", steps);
        var loop = Ops.LoopBody.Trace("Loop.Repeat", init, body, null, out var outer);
        return Outputs(loop, steps, stacked: false, init, outer, checkpointing);
    }

    /// <summary>The carry after each of <paramref name="steps"/> steps c ← body(c): a vector (c₁, …, c_N) for a
    /// scalar carry, else a matrix with the flattened carry c_k in column k.</summary>
    public static Node Scan(int steps, Node init, Func<Node, Node> body, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Scan(steps, [init], c => [body(c[0])], 0, checkpointing);
    }

    /// <summary>Carry <paramref name="emit"/> after each of <paramref name="steps"/> steps of several carries
    /// (put what to emit in a carry of its own).</summary>
    public static Node Scan(int steps, Node[] init, Func<Node[], Node[]> body, int emit, Checkpointing? checkpointing = null)
    {
        CheckSteps("Loop.Scan", steps);
        var loop = Ops.LoopBody.Trace("Loop.Scan", init, body, null, out var outer);
        if ((uint)emit >= (uint)loop.M) throw new ArgumentOutOfRangeException(nameof(emit), $"Loop.Scan: emit {emit}, but there are {loop.M} carries");
        return Node.Apply(new Ops.LoopOp(loop, steps, emit, true, checkpointing ?? Checkpointing.StoreAll), [.. init, .. outer]);
    }

    /// <summary>c ← body(c) while <paramref name="keepGoing"/>(c) &gt; 0, at most <paramref name="maxSteps"/> times.</summary>
    public static Node While(Node init, Func<Node, Node> keepGoing, Func<Node, Node> body, int maxSteps, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(keepGoing);
        return While([init], c => keepGoing(c[0]), c => [body(c[0])], maxSteps, checkpointing)[0];
    }

    /// <summary>Several carries c ← body(c) while <paramref name="keepGoing"/>(c) &gt; 0 (a scalar read before each
    /// step), at most <paramref name="maxSteps"/> times; the final value of each carry.</summary>
    public static Node[] While(Node[] init, Func<Node[], Node> keepGoing, Func<Node[], Node[]> body, int maxSteps, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(keepGoing);
        CheckSteps("Loop.While", maxSteps);
        var loop = Ops.LoopBody.Trace("Loop.While", init, body, keepGoing, out var outer);
        return Outputs(loop, maxSteps, stacked: false, init, outer, checkpointing);
    }

    static Node[] Outputs(Ops.LoopBody loop, int steps, bool stacked, Node[] init, Node[] outer, Checkpointing? checkpointing) =>
        [.. Enumerable.Range(0, loop.M).Select(i =>
            Node.Apply(new Ops.LoopOp(loop, steps, i, stacked, checkpointing ?? Checkpointing.StoreAll), [.. init, .. outer]))];

    static void CheckSteps(string who, int steps)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"{who}: {steps} steps; the count must be ≥ 0");
    }
}

namespace AutoDiff.Functional;

/// <summary>Loops whose body is a function of nodes, traced once into a graph and compiled once: a counted loop
/// (<see cref="Repeat(int, Node, Func{Node, Node}, Checkpointing?)"/>), a scan over sequences with JAX's
/// <c>lax.scan</c> semantics (<see cref="Scan(Node, Node, Func{Node, Node, ValueTuple{Node, Node}}, Checkpointing?, bool)"/>),
/// a scan that keeps the carry after every step (<see cref="Scan(int, Node, Func{Node, Node}, Checkpointing?)"/>) and a
/// while loop with a stopping rule and a step limit (<see cref="While(Node, Func{Node, Node}, Func{Node, Node}, int, Checkpointing?)"/>).
/// A loop is one node however many steps it takes and however many carries it has: it runs once, and each carry is one
/// of its results. Forward mode carries tangents through the body; reverse mode runs the body's reverse rule backwards
/// over the steps the forward pass took, recovering the carries by a <see cref="Checkpointing"/> policy (default
/// <see cref="Checkpointing.StoreAll"/>). Derivatives of loops are loops, so they compose: loops in loop bodies,
/// Hessians through loops, loops in compiled plans.</summary>
/// <remarks>The body may read nodes from outside the loop (a variable x, a computed node): they become inputs of the
/// loop node, and get cotangents. The trip count of a while loop is piecewise constant in the inputs and contributes
/// no derivative. A sequence's steps run along its last axis (storage is column-major, so each step's slice is
/// contiguous): a (n × T) matrix is T vectors, a vector of T elements T scalars; what a scan emits is stacked the same way.</remarks>
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

    /// <summary>Several carries c ← body(c), <paramref name="steps"/> times; the final value of each carry, all from one
    /// loop node that runs once.</summary>
    public static Node[] Repeat(int steps, Node[] init, Func<Node[], Node[]> body, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        CheckSteps("Loop.Repeat", steps);
        return Run("Loop.Repeat", steps, init, [], (c, _) => (body(c), []), null, checkpointing);
    }

    /// <summary>The carry after each of <paramref name="steps"/> steps c ← body(c): a vector (c₁, …, c_N) for a
    /// scalar carry, else a matrix with the flattened carry c_k in column k.</summary>
    public static Node Scan(int steps, Node init, Func<Node, Node> body, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Scan(steps, [init], c => [body(c[0])], 0, checkpointing);
    }

    /// <summary>Carry <paramref name="emit"/> after each of <paramref name="steps"/> steps of several carries, stacked
    /// as <see cref="Scan(int, Node, Func{Node, Node}, Checkpointing?)"/> does.</summary>
    public static Node Scan(int steps, Node[] init, Func<Node[], Node[]> body, int emit, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(init);
        CheckSteps("Loop.Scan", steps);
        if ((uint)emit >= (uint)init.Length) throw new ArgumentOutOfRangeException(nameof(emit), $"Loop.Scan: emit {emit}, but there are {init.Length} carries");
        var stacked = Run("Loop.Scan", steps, init, [], (c, _) => { var next = body(c); return (next, next is null ? null! : [next[emit]]); }, null, checkpointing)[init.Length];
        return stacked.Shape.Rank <= 2 ? stacked : stacked.Reshape(Shape.Matrix(init[emit].Shape.Size, steps));
    }

    /// <summary>A scan over a sequence (JAX's <c>lax.scan</c>): for each step t, (c, y_t) ← body(c, x_t), where x_t is
    /// step t's slice of <paramref name="xs"/> along its last axis; returns the final carry and the y_t stacked along a
    /// new last axis. <paramref name="reverse"/> runs the steps from the last to the first (y_t still lands at t).</summary>
    /// <example><code>
    /// // An RNN cell over a (n × T) sequence: h ← tanh(W h + U x_t), emitting each h.
    /// var (h, hs) = Loop.Scan(xs, h0, (h, x) =&gt; { var next = (W.MatMul(h) + U.MatMul(x)).Tanh(); return (next, next); });
    /// </code></example>
    public static (Node Carry, Node Ys) Scan(Node xs, Node init, Func<Node, Node, (Node Carry, Node Y)> body,
        Checkpointing? checkpointing = null, bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (carries, ys) = Scan([xs], [init], (c, x) => { var (next, y) = body(c[0], x[0]); return ([next], [y]); }, checkpointing, reverse);
        return (carries[0], ys[0]);
    }

    /// <summary>A scan over several sequences with several carries and emitted values: for each step t,
    /// (c, y_t) ← body(c, x_t) with x_t each sequence's slice t along its last axis (all sequences have the same
    /// number of steps; int32 sequences of ids or labels are read without derivatives); returns the final carries and
    /// each emitted value stacked along a new last axis. One loop node, run once.</summary>
    public static (Node[] Carries, Node[] Ys) Scan(Node[] xs, Node[] init, Func<Node[], Node[], (Node[] Carries, Node[] Ys)> body,
        Checkpointing? checkpointing = null, bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(body);
        if (xs.Length == 0) throw new ArgumentException("Loop.Scan: no sequence to scan over (for a scan without one, give the number of steps)", nameof(xs));
        for (int j = 0; j < xs.Length; j++)
        {
            if (xs[j] is null) throw new ArgumentNullException(nameof(xs), $"Loop.Scan: sequence {j} is null");
            if (xs[j].Shape.IsScalar) throw new ShapeException($"Loop.Scan: sequence {j} {xs[j]} is a scalar; a sequence has its steps along its last axis");
            if (Steps(xs[j]) != Steps(xs[0]))
                throw new ShapeException($"Loop.Scan: sequence 0 {xs[0]} has {Steps(xs[0])} steps but sequence {j} {xs[j]} has {Steps(xs[j])} (steps run along the last axis)");
        }
        int steps = Steps(xs[0]);
        var results = Run("Loop.Scan", steps, init, xs, body, null, checkpointing, reverse);
        return (results[..init.Length], results[init.Length..]);
    }

    // The number of steps of a sequence: its last axis.
    static int Steps(Node x) => x.Shape[x.Shape.Rank - 1];

    /// <summary>c ← body(c) while <paramref name="keepGoing"/>(c) &gt; 0, at most <paramref name="maxSteps"/> times.</summary>
    public static Node While(Node init, Func<Node, Node> keepGoing, Func<Node, Node> body, int maxSteps, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(keepGoing);
        return While([init], c => keepGoing(c[0]), c => [body(c[0])], maxSteps, checkpointing)[0];
    }

    /// <summary>Several carries c ← body(c) while <paramref name="keepGoing"/>(c) &gt; 0 (a scalar read before each
    /// step), at most <paramref name="maxSteps"/> times; the final value of each carry, all from one loop node.</summary>
    public static Node[] While(Node[] init, Func<Node[], Node> keepGoing, Func<Node[], Node[]> body, int maxSteps, Checkpointing? checkpointing = null)
    {
        ArgumentNullException.ThrowIfNull(keepGoing);
        ArgumentNullException.ThrowIfNull(body);
        CheckSteps("Loop.While", maxSteps);
        return Run("Loop.While", maxSteps, init, [], (c, _) => (body(c), []), keepGoing, checkpointing);
    }

    // The body traced once, and the loop node over the carries, the sequences and what the body reads from outside:
    // its results are the final carries, then the emitted values stacked.
    static Node[] Run(string who, int steps, Node[] init, Node[] sequences, Func<Node[], Node[], (Node[] Carries, Node[] Ys)> body,
        Func<Node[], Node>? keepGoing, Checkpointing? checkpointing, bool reverse = false)
    {
        var loop = Ops.LoopBody.Trace(who, init, sequences, body, keepGoing, out var outer, reverse);
        return Node.ApplyMulti(new Ops.LoopOp(loop, steps, checkpointing ?? Checkpointing.StoreAll), [.. init, .. sequences, .. outer]);
    }

    static void CheckSteps(string who, int steps)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"{who}: {steps} steps; the count must be ≥ 0");
    }
}

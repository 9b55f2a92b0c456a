namespace AutoDiff.Functional;

/// <summary>The reverse transformation: from output cotangents to variable cotangents in one backward pass over the
/// topological order. It builds a graph, so a gradient can itself be evaluated, compiled or differentiated.</summary>
public static class Reverse
{
    /// <summary>Vector–Jacobian products: the cotangent of each of <paramref name="wrt"/> given a cotangent for each
    /// output. A variable the outputs do not depend on gets a zero of its shape (as JAX does).</summary>
    public static Node[] Vjp(IReadOnlyList<Node> outputs, IReadOnlyList<Node> cotangents, IReadOnlyList<Node> wrt)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(cotangents);
        ArgumentNullException.ThrowIfNull(wrt);
        for (int i = 0; i < outputs.Count; i++)
        {
            if (outputs[i] is null) throw new ArgumentNullException(nameof(outputs), $"Vjp: output {i} is null");
            if (i < cotangents.Count && cotangents[i] is null) throw new ArgumentNullException(nameof(cotangents), $"Vjp: cotangent {i} is null");
        }
        if (outputs.Count != cotangents.Count)
            throw new ArgumentException($"Vjp: {outputs.Count} outputs but {cotangents.Count} cotangents");
        for (int i = 0; i < outputs.Count; i++)
        {
            if (!outputs[i].DType.IsFloat())
                throw new ArgumentException($"Vjp: output {i} {outputs[i]} is {outputs[i].DType.Name()} data, which has no derivatives");
            if (cotangents[i].DType != outputs[i].DType && !cotangents[i].Weak)
                throw new ArgumentException($"Vjp: output {i} {outputs[i]} is {outputs[i].DType.Name()} but its cotangent {cotangents[i]} is {cotangents[i].DType.Name()} (cast the cotangent with {outputs[i].DType.Cast()})");
        }
        for (int i = 0; i < outputs.Count; i++)
            if (outputs[i].Shape != cotangents[i].Shape)
                throw new ShapeException($"Vjp: output {i} has shape {outputs[i].Shape} but its cotangent has shape {cotangents[i].Shape}");
        CheckVariables("Vjp", wrt);

        var topo = Topology.Of(outputs);
        var order = topo.Order;
        // Only nodes that depend on a variable of interest need a cotangent.
        var needed = new bool[order.Length];
        foreach (var v in wrt) if (topo.IndexOf(v) is var k and >= 0) needed[k] = true;
        for (int i = 0; i < order.Length; i++)
            foreach (var k in topo.InputsOf(i)) needed[i] |= needed[k];

        // A node's cotangent contributions: usually one Node, a List<Node> once a second arrives (a node read twice).
        var parts = new object?[order.Length];
        for (int i = 0; i < outputs.Count; i++) Add(topo.IndexOf(outputs[i]), cotangents[i].As(outputs[i].DType));

        Span<bool> few = stackalloc bool[8];
        for (int i = order.Length - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node.IsLeaf || parts[i] is not { } part) continue;
            parts[i] = null;
            var positions = topo.InputsOf(i);
            if (node.Op is Output result && node.Inputs[0].Op is MultiOp)
            {
                // A result's cotangent waits, apart from the others', for the node holding every result.
                if (needed[positions[0]]) ByResult(positions[0], node.Inputs[0]).Add(result.Index, Sum(part));
                continue;
            }
            var inputNeeded = positions.Length <= few.Length ? few[..positions.Length] : new bool[positions.Length];
            for (int k = 0; k < positions.Length; k++) inputNeeded[k] = needed[positions[k]];
            var inputCotangents = part is PerResult each
                ? each.Vjp(node, inputNeeded)
                : node.Op.Vjp(node.Inputs, node, Sum(part), inputNeeded);
            if (inputCotangents.Length != node.Inputs.Length)
                throw new InvalidOperationException($"internal: VJP rule of {node.Op} returned {inputCotangents.Length} cotangents for {node.Inputs.Length} inputs");
            for (int k = 0; k < inputCotangents.Length; k++)
            {
                if (inputCotangents[k] is not { } ct) continue;
                if (ct.Shape != node.Inputs[k].Shape)
                    throw new InvalidOperationException($"internal: VJP rule of {node.Op} gave input {k} a cotangent of shape {ct.Shape}, the input is {node.Inputs[k].Shape}");
                Add(positions[k], ct);
            }
        }
        // Each cotangent of a variable's type: a weak seed or zero that met no value of the variable's type is cast.
        return [.. wrt.Select(v => (topo.IndexOf(v) is var k and >= 0 && parts[k] is { } p ? Sum(p) : Node.Zeros(v.Shape)).As(v.DType))];

        void Add(int k, Node ct)
        {
            if (!needed[k]) return;
            switch (parts[k])
            {
                case null: parts[k] = ct; break;
                case Node first: parts[k] = new List<Node> { first, ct }; break;
                case List<Node> list: list.Add(ct); break;
                case PerResult each: each.Add(-1, ct); break;
            }
        }

        PerResult ByResult(int k, Node multi)
        {
            if (parts[k] is PerResult each) return each;
            var created = new PerResult(multi);
            if (parts[k] is { } whole) created.Add(-1, Sum(whole));
            parts[k] = created;
            return created;
        }
    }

    static Node Sum(object p) => p as Node ?? AddN.Sum((List<Node>)p)!;

    /// <summary>The cotangents of a node with several results, kept per result (index -1 for a cotangent of the whole
    /// node), so its rule sees a symbolic zero for every result no one differentiated.</summary>
    sealed class PerResult
    {
        readonly MultiOp op;
        readonly Node[] ys;               // the results, built once: they count the slots and the rule reads them as y
        readonly List<Node>?[] results;
        List<Node>? whole;

        public PerResult(Node node)
        {
            op = (MultiOp)node.Op;
            ys = op.Results(node);
            results = new List<Node>?[ys.Length];
        }

        public void Add(int index, Node ct)
        {
            ref var list = ref index < 0 ? ref whole : ref results[index];
            (list ??= []).Add(ct);
        }

        public Node?[] Vjp(Node y, ReadOnlySpan<bool> needed)
        {
            var ct = new Node?[ys.Length];
            var wholeParts = whole is null ? null : op.Cut(Sum(whole), ys);
            for (int i = 0; i < ct.Length; i++)
            {
                var list = results[i] ?? [];
                if (wholeParts is not null) list.Add(wholeParts[i]);
                ct[i] = list.Count == 0 ? null : Sum(list);
            }
            return op.Vjp(y.Inputs, ys, ct, needed);
        }
    }

    /// <summary>The gradient of a scalar <paramref name="output"/> with respect to each of <paramref name="wrt"/>.</summary>
    public static Node[] Grad(Node output, IReadOnlyList<Node> wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(wrt);
        if (!output.Shape.IsScalar)
            throw new ShapeException($"Grad: the output {output} has shape {output.Shape}; a gradient needs a scalar output (use Vjp with a cotangent)");
        CheckVariables("Grad", wrt); // so the error names the call the user made, not the Vjp inside it
        return Vjp([output], [Node.Constant(1.0)], wrt);
    }

    internal static void CheckVariables(string who, IReadOnlyList<Node> wrt)
    {
        ArgumentNullException.ThrowIfNull(wrt);
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var v in wrt)
        {
            if (v is null) throw new ArgumentNullException(nameof(wrt), $"{who}: a variable listed is null");
            if (!v.IsVariable) throw new ArgumentException($"{who}: can only differentiate with respect to variables, not {v}");
            if (!seen.Add(v)) throw new ArgumentException($"{who}: variable '{((Variable)v.Op).Name}' is listed twice");
            if (!v.DType.IsFloat())
                throw new ArgumentException($"{who}: variable '{((Variable)v.Op).Name}' holds {v.DType.Name()} data, which has no derivatives (differentiate with respect to float64 variables only)");
        }
    }
}

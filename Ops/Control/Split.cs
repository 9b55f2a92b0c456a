namespace AutoDiff.Functional.Ops;

/// <summary>A loop step's reverse rule cut in two, as JAX's scan keeps residuals: the <em>residuals</em> are the values
/// of the rule that do not depend on the cotangents and that the rest reads (a sigmoid's σ(1 − σ), a sine's cosine);
/// <see cref="Recording"/> is the step that also returns them, and <see cref="Adjoint"/> the rest of the rule, from
/// the residuals, the step's slices, the parameters and the cotangents. A forward pass that records each step's
/// residuals leaves the reverse pass only the cotangents' arithmetic, where running the rule whole repeats the step.
/// Every value is its node's value either way, so the two halves give the rule's bits.</summary>
internal sealed class Split
{
    /// <summary>(c, x, p) ↦ (next carries, emitted values, residuals).</summary>
    public Traced Recording { get; }
    /// <summary>(residuals, x, p, c̄, ȳ) ↦ (c̄, x̄, p̄), as the whole rule gives them.</summary>
    public Traced Adjoint { get; }
    /// <summary>The number of residuals, the adjoint's first inputs.</summary>
    public int Count { get; }
    /// <summary>The number of elements of one step's residuals.</summary>
    public int Size { get; }

    /// <summary>The steps whose residuals <see cref="Chunked"/> computes at once.</summary>
    public const int ChunkSteps = 64;

    /// <summary>(c, x, p) ↦ residuals for <see cref="ChunkSteps"/> steps at once, or null: for a body of single numbers
    /// whose residuals are computed by element-wise ops alone, the same graph on vectors holding one step's carries and
    /// slices per element, the parameters as they are (broadcast). An element-wise kernel gives each element the bits
    /// of its own step, and one vectorised call replaces a step's worth of scalar calls: a reverse pass from stored
    /// carries (checkpointed segments) gets each step's residuals this way, then only the cotangents' arithmetic.
    /// A residual that reads no carry or slice stays a single number, the same for every step.</summary>
    public Traced? Chunked => chunked.Value;
    readonly Lazy<Traced?> chunked;

    Split(Traced recording, Traced adjoint, int count, int size, int stepInputs)
    {
        (Recording, Adjoint, Count, Size) = (recording, adjoint, count, size);
        chunked = new(() => Chunk(recording, stepInputs, count));
    }

    static Traced? Chunk(Traced recording, int stepInputs, int count)
    {
        // The whole step on single numbers, so that the adjoint's inputs and outputs are single numbers too, and
        // element-wise wherever it reads the step's carries or slices (a float32 literal's cast reads neither).
        if (count == 0) return null;
        var dependent = new HashSet<Node>(recording.Inputs[..stepInputs], ReferenceEqualityComparer.Instance);
        foreach (var n in Topology.Of(recording.Outputs).Order)
        {
            if (!n.Shape.IsScalar || !n.DType.IsFloat()) return null;
            if (n.IsLeaf || !n.Inputs.Any(dependent.Contains)) continue;
            // A single number beside a vector: only the unary and binary ops broadcast it (a sum of many does not).
            if (!(n.Op is UnaryElementwise or BinaryElementwise || n.Op is IElementwise && n.Inputs.All(dependent.Contains))) return null;
            dependent.Add(n);
        }
        var residuals = recording.Outputs[^count..];
        var order = Topology.Of(residuals).Order;
        var image = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var inputs = new Node[recording.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var v = recording.Inputs[i];
            inputs[i] = i < stepInputs ? Node.Variable(((Variable)v.Op).Name, Shape.Vector(ChunkSteps), v.DType) : v;
            image[v] = inputs[i];
        }
        foreach (var node in order)
            if (!image.ContainsKey(node)) image[node] = dependent.Contains(node) ? Node.Apply(node.Op, [.. node.Inputs.Select(x => image[x])]) : node;
        return new(inputs, [.. residuals.Select(r => image[r])]);
    }

    /// <summary>Cuts <paramref name="rule"/>, traced on (c, x, p, c̄, ȳ) with <paramref name="m"/> carries,
    /// <paramref name="s"/> slices and <paramref name="k"/> parameters; <paramref name="step"/> are the step's outputs.
    /// Null when a residual would be integer data.</summary>
    public static Split? Of(Traced rule, int m, int s, int k, Node[] step)
    {
        var slices = rule.Inputs[m..(m + s)];
        var parameters = rule.Inputs[(m + s)..(m + s + k)];
        var seeds = rule.Inputs[(m + s + k)..];
        var topo = Topology.Of(rule.Outputs);
        var order = topo.Order;
        var dependent = new bool[order.Length];
        foreach (var seed in seeds)
            if (topo.IndexOf(seed) is var at and >= 0) dependent[at] = true;
        for (int i = 0; i < order.Length; i++)
            foreach (var j in topo.InputsOf(i)) dependent[i] |= dependent[j];

        // What the cotangents' arithmetic reads of the rest, and the outputs that do not depend on the cotangents.
        var read = new bool[order.Length];
        for (int i = 0; i < order.Length; i++)
            if (dependent[i]) foreach (var j in topo.InputsOf(i)) read[j] |= !dependent[j];
        foreach (var o in rule.Outputs) if (!dependent[topo.IndexOf(o)]) read[topo.IndexOf(o)] = true;

        // The slices and parameters are the adjoint's own inputs, and constants stay in its graph.
        bool Kept(Node n) => n.Op is Constant || Array.IndexOf(slices, n) >= 0 || Array.IndexOf(parameters, n) >= 0;
        var residuals = new List<Node>();
        var image = new Node[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (read[i] && !Kept(node))
            {
                if (!node.DType.IsFloat()) return null;
                image[i] = Node.Variable($"r{residuals.Count}", node.Shape, node.DType);
                residuals.Add(node);
                continue;
            }
            if (!dependent[i] || node.IsLeaf) { image[i] = node; continue; }   // the seeds stay themselves
            var inputs = topo.InputsOf(i);
            var rebuilt = new Node[inputs.Length];
            for (int j = 0; j < inputs.Length; j++) rebuilt[j] = image[inputs[j]];
            image[i] = Node.Apply(node.Op, rebuilt);
        }
        Node[] variables = [.. residuals.Select(r => image[topo.IndexOf(r)])];
        var recording = new Traced(rule.Inputs[..(m + s + k)], [.. step, .. residuals]);
        var adjoint = new Traced([.. variables, .. slices, .. parameters, .. seeds],
            [.. rule.Outputs.Select(o => image[topo.IndexOf(o)])]);
        return new(recording, adjoint, residuals.Count, residuals.Sum(r => r.Shape.Size), m + s);
    }
}

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

    Split(Traced recording, Traced adjoint, int count, int size) => (Recording, Adjoint, Count, Size) = (recording, adjoint, count, size);

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
        return new(recording, adjoint, residuals.Count, residuals.Sum(r => r.Shape.Size));
    }
}

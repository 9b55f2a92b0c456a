namespace AutoDiff.Functional;

/// <summary>The forward-mode transformation: Jacobian–vector products, one sweep in topological order carrying a
/// tangent per node (<c>null</c> is the symbolic zero, so untouched parts of the graph cost nothing).
/// Builds a graph, like <see cref="Reverse"/>.</summary>
public static class ForwardMode
{
    /// <summary>The tangent of each output given the tangents of some variables (the rest are zero).</summary>
    public static Node[] Jvp(IReadOnlyList<Node> outputs, IReadOnlyList<(Node Variable, Node Tangent)> tangents)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(tangents);
        Reverse.CheckVariables("Jvp", [.. tangents.Select(t => t.Variable)]);
        foreach (var (v, t) in tangents)
        {
            if ((t ?? throw new ArgumentNullException(nameof(tangents), $"Jvp: the tangent of {v} is null")).Shape != v.Shape)
                throw new ShapeException($"Jvp: variable '{((Variable)v.Op).Name}' has shape {v.Shape} but its tangent has shape {t.Shape}");
            if (t.DType != v.DType && !t.Weak)
                throw new ArgumentException($"Jvp: variable '{((Variable)v.Op).Name}' is {v.DType.Name()} but its tangent {t} is {t.DType.Name()} (cast the tangent with {v.DType.Cast()})");
        }

        var topo = Topology.Of(outputs);
        var order = topo.Order;
        var tangent = new Node?[order.Length];
        foreach (var (v, t) in tangents)
            if (topo.IndexOf(v) is var k and >= 0) tangent[k] = t.As(v.DType);

        var inputTangents = new Node?[8];
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            var inputs = topo.InputsOf(i);
            if (inputs.IsEmpty) continue;
            if (inputTangents.Length < inputs.Length) inputTangents = new Node?[inputs.Length];
            bool any = false;
            for (int k = 0; k < inputs.Length; k++) any |= (inputTangents[k] = tangent[inputs[k]]) is not null;
            if (!any) continue;
            var result = node.Op.Jvp(node.Inputs, node, inputTangents.AsSpan(0, inputs.Length));
            if (result is not null && result.Shape != node.Shape)
                throw new InvalidOperationException($"internal: JVP rule of {node.Op} returned a tangent of shape {result.Shape}, the output is {node.Shape}");
            tangent[i] = result;
        }
        return [.. outputs.Select(o => (tangent[topo.IndexOf(o)] ?? Node.Zeros(o.Shape)).As(o.DType))];
    }
}

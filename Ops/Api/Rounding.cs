namespace AutoDiff.Functional;

/// <summary>How far rounding can move a graph's outputs: the bound that a float32 result is checked against, by the
/// test kit's Float32 law and by the report's float32 rows alike.</summary>
public static class Rounding
{
    /// <summary>The unit roundoff of float32, 2⁻²⁴: a float32 result is its float64 value within this relative error.</summary>
    public const double Float32Roundoff = 1.0 / (1 << 24);

    /// <summary>For each element of each output, Σₖ|∂y/∂zₖ|·|zₖ| over every float value zₖ the graph makes (every node
    /// that is not a variable, constants included): how far relative roundings of size 1 in all of them would move it,
    /// to first order. Found by rebuilding the graph with each zₖ replaced by zₖ ⊙ (1 + εₖ) and taking the Jacobian
    /// with respect to the ε at ε = 0 by reverse mode. A value whose float32 op accumulates several roundings (a matrix
    /// product summed in float32) counts its stated bound Mₖ instead of |zₖ|: zₖ + εₖ ⊙ Mₖ.</summary>
    public static double[][] Sensitivity(IReadOnlyList<Node> outputs, Bindings at)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(at);
        var (images, perturbations, b) = Perturbed(outputs, at, z => z.DType.IsFloat(), (z, ε) => z.Op is IAccumulates32 op ? z + ε * op.RoundingBound(z.Inputs) : z * (1.0 + ε), throughViews: true);
        return [.. images.Select(image =>
        {
            if (perturbations.Length == 0) return new double[image.Shape.Size];
            var jacobian = AD.JacRev(image, b, perturbations);
            var s = new double[image.Shape.Size];
            for (int r = 0; r < s.Length; r++)
                for (int col = 0; col < jacobian.ColumnCount; col++) s[r] += Math.Abs(jacobian[r, col]);
            return s;
        })];
    }

    /// <summary>The graph of <paramref name="outputs"/> rebuilt with each value z it makes (not a variable) that
    /// <paramref name="perturbs"/> selects replaced by <paramref name="perturb"/>(z, ε), ε a new variable of z's shape,
    /// bound to zeros in the bindings returned with <paramref name="at"/>'s: at ε = 0 the outputs are unchanged, and
    /// their derivatives with respect to the ε show how a rounding of each value would move them. With
    /// <paramref name="throughViews"/>, a view that keeps its input's shape (StopGradient) stands for its input, so the
    /// roundings before it are seen through it; otherwise it is rebuilt like any op.</summary>
    public static (Node[] Outputs, Node[] Perturbations, Bindings At) Perturbed(IReadOnlyList<Node> outputs, Bindings at,
        Func<Node, bool> perturbs, Func<Node, Node, Node> perturb, bool throughViews = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(perturbs);
        ArgumentNullException.ThrowIfNull(perturb);
        var topo = Topology.Of(outputs);
        var order = topo.Order;
        var image = new Node[order.Length];
        var perturbations = new List<Node>();
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (node.IsVariable) { image[i] = node; continue; }
            if (throughViews && node.Op is IView && node.Shape == node.Inputs[0].Shape) { image[i] = image[topo.InputsOf(i)[0]]; continue; }
            var rebuilt = node.IsLeaf ? node : Node.Apply(node.Op, [.. topo.InputsOf(i).ToArray().Select(k => image[k])]);
            if (!perturbs(node)) { image[i] = rebuilt; continue; }
            var ε = Node.Variable($"ε{perturbations.Count}", node.Shape);
            perturbations.Add(ε);
            at = at.Bind(ε, Tensor.Zeros(node.Shape));
            image[i] = perturb(rebuilt, ε);
        }
        return ([.. outputs.Select(o => image[topo.IndexOf(o)])], [.. perturbations], at);
    }
}

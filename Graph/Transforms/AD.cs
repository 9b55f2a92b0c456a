using AutoDiff.Functional.Plans;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>Numbers out of the transformations, with the names of <see cref="Transforms"/>: gradients, Jacobian–vector
/// and vector–Jacobian products, Jacobians, Hessians and Hessian–vector products of a graph at some bindings. Every
/// call takes the output(s) first, then the bindings, then the rest. The first call on a graph builds the derivative
/// graph (with the primal, so shared subexpressions are computed once) and compiles it into a <see cref="Plan"/>;
/// graphs are immutable, so every later call on the same nodes only runs that plan, kept for as long as the graph
/// lives (tangents, cotangents and directions are bound, not baked in). The Jacobians and the Hessian run it once per
/// column (or row). For values alone, use <see cref="Evaluator.Evaluate(Node, Bindings)"/>.</summary>
/// <remarks>The matrices stack the blocks of the variables listed, in order, elements in column-major order.</remarks>
public static class AD
{
    /// <summary>The value of a scalar output and its gradient w.r.t. each variable, from one backward pass.</summary>
    public static (Tensor Value, Tensor[] Gradients) ValueAndGrad(Node output, Bindings bindings, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(wrt);
        var values = Compiled("ValueAndGrad", [output], wrt, () => ([output, .. Reverse.Grad(output, wrt)], [])).Plan.Run(bindings);
        return (values[0], values[1..]);
    }

    /// <summary>The gradients of a scalar output w.r.t. each variable.</summary>
    public static Tensor[] Grad(Node output, Bindings bindings, params Node[] wrt) => ValueAndGrad(output, bindings, wrt).Gradients;

    /// <summary>The outputs' values and their tangents given the variables' tangents.</summary>
    public static (Tensor[] Values, Tensor[] Tangents) Jvp(IReadOnlyList<Node> outputs, Bindings bindings,
        params (Node Variable, Tensor Tangent)[] tangents)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(tangents);
        if (outputs.Count == 0) return ([], []);
        Node[] wrt = [.. tangents.Select(t => t.Variable)];
        Reverse.CheckVariables("Jvp", wrt);
        foreach (var (v, t) in tangents)
            if (t is null) throw new ArgumentNullException(nameof(tangents), $"Jvp: the tangent of {v} is null");
            else if (v.Shape != t.Shape)
                throw new ShapeException($"Jvp: variable '{Name(v)}' has shape {v.Shape} but its tangent has shape {t.Shape}");
        var c = Compiled("Jvp", outputs, wrt, () =>
        {
            var seeds = Seeds(outputs, [.. wrt.Select(v => ("∂" + Name(v), v.Shape))]);
            return ([.. outputs, .. ForwardMode.Jvp(outputs, [.. wrt.Zip(seeds)])], seeds);
        });
        var values = c.Plan.Run(BindSeeds(bindings, c.Seeds, [.. tangents.Select(t => t.Tangent)]));
        return (values[..outputs.Count], values[outputs.Count..]);
    }

    /// <summary>The output's value and the cotangent of each variable given the output's cotangent.</summary>
    public static (Tensor Value, Tensor[] Cotangents) Vjp(Node output, Bindings bindings, Tensor cotangent, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(cotangent);
        ArgumentNullException.ThrowIfNull(wrt);
        Reverse.CheckVariables("Vjp", wrt);
        if (cotangent.Shape != output.Shape)
            throw new ShapeException($"Vjp: output 0 has shape {output.Shape} but its cotangent has shape {cotangent.Shape}");
        var c = Compiled("Vjp", [output], wrt, () =>
        {
            var u = Seeds([output], [("u", output.Shape)]);
            return ([output, .. Reverse.Vjp([output], u, wrt)], u);
        });
        var values = c.Plan.Run(BindSeeds(bindings, c.Seeds, [cotangent]));
        return (values[0], values[1..]);
    }

    /// <summary>The Jacobian ∂output/∂(wrt) (output.Size rows, a block of columns per variable) by forward mode: a
    /// JVP graph compiled once and batched (<see cref="Batching"/>), so each pass pushes up to 128 columns' tangents
    /// as one matrix.</summary>
    public static DenseMatrix JacFwd(Node output, Bindings bindings, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        Reverse.CheckVariables("JacFwd", wrt);
        var c = Lines("JacFwd", [output], wrt, () =>
        {
            var seeds = Seeds([output], [.. wrt.Select(v => ("∂" + Name(v), v.Shape))]);
            return (ForwardMode.Jvp([output], [.. wrt.Zip(seeds)]), seeds);
        });
        return c.Plan.With(ws => Jacobian(c.Plan.Plan, ws, bindings, c.Seeds, c.Batch, byRows: false));
    }

    /// <summary>The Jacobian ∂output/∂(wrt) by reverse mode: a VJP graph compiled once and batched, so each pass pulls
    /// up to 128 rows' cotangents as one matrix.</summary>
    public static DenseMatrix JacRev(Node output, Bindings bindings, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        Reverse.CheckVariables("JacRev", wrt);
        var c = Lines("JacRev", [output], wrt, () =>
        {
            var u = Seeds([output], [("u", output.Shape)]);
            return (Reverse.Vjp([output], u, wrt), u);
        });
        return c.Plan.With(ws => Jacobian(c.Plan.Plan, ws, bindings, c.Seeds, c.Batch, byRows: true));
    }

    /// <summary>The Hessian of a scalar output w.r.t. (wrt), forward-over-reverse: the forward-mode Jacobian of the
    /// gradient graph, compiled once and batched like <see cref="JacFwd"/>.</summary>
    public static DenseMatrix Hessian(Node output, Bindings bindings, params Node[] wrt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        Reverse.CheckVariables("Hessian", wrt); // so the error names the call the user made
        Scalar("Hessian", output);
        var c = Lines("Hessian", [output], wrt, () =>
        {
            var gradients = Reverse.Grad(output, wrt);
            var seeds = Seeds([output], [.. wrt.Select(v => ("∂" + Name(v), v.Shape))]);
            return (ForwardMode.Jvp(gradients, [.. wrt.Zip(seeds)]), seeds);
        });
        return c.Plan.With(ws => Jacobian(c.Plan.Plan, ws, bindings, c.Seeds, c.Batch, byRows: false));
    }

    /// <summary>The Hessian–vector product H·v of a scalar output, one block per variable, forward-over-reverse (the
    /// JVP of the gradient graph), without forming the Hessian.</summary>
    public static Tensor[] Hvp(Node output, Bindings bindings, params (Node Variable, Tensor Direction)[] directions)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(directions);
        Node[] wrt = [.. directions.Select(d => d.Variable)];
        Reverse.CheckVariables("Hvp", wrt);
        Scalar("Hvp", output);
        foreach (var (v, d) in directions)
            if (d is null) throw new ArgumentNullException(nameof(directions), $"Hvp: the direction of {v} is null");
            else if (v.Shape != d.Shape)
                throw new ShapeException($"Hvp: variable '{Name(v)}' has shape {v.Shape} but its direction has shape {d.Shape}");
        var c = Compiled("Hvp", [output], wrt, () =>
        {
            var seeds = Seeds([output], [.. wrt.Select(v => ("v", v.Shape))]);
            return (ForwardMode.Jvp(Reverse.Grad(output, wrt), [.. wrt.Zip(seeds)]), seeds);
        });
        return c.Plan.Run(BindSeeds(bindings, c.Seeds, [.. directions.Select(d => d.Direction)]));
    }

    /// <summary>The unit tensor with a one at column-major position <paramref name="k"/>.</summary>
    public static Tensor Basis(Shape shape, int k)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if ((uint)k >= (uint)shape.Size)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"Basis: position {k} is outside the {shape.Size} elements of {shape}");
        var e = new double[shape.Size];
        e[k] = 1;
        return Tensor.FromColumnMajor(shape, e);
    }

    /// <summary>Variables for tangents or cotangents, one per (stem, shape), each named after its stem but unlike
    /// every variable of the graph of <paramref name="outputs"/> and each other (primes are appended), so a user's
    /// variable '∂w' beside 'w' never meets ours.</summary>
    internal static Node[] Seeds(IReadOnlyList<Node> outputs, IReadOnlyList<(string Stem, Shape Shape)> seeds)
    {
        var taken = Topology.Of(outputs).Order.Where(n => n.IsVariable).Select(Name).ToHashSet();
        var result = new Node[seeds.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var name = seeds[i].Stem;
            while (!taken.Add(name)) name += "′";
            result[i] = Node.Variable(name, seeds[i].Shape);
        }
        return result;
    }

    /// <summary>A Jacobian from a plan whose outputs are linear in the <paramref name="seeds"/>, each run pushing
    /// <paramref name="batch"/> unit seeds (lines) and giving that many columns, or rows when <paramref name="byRows"/>.
    /// Batched seeds and outputs are (size × batch) matrices (<see cref="Batching.Lines"/>); the last run's spare
    /// members get zero seeds.</summary>
    internal static DenseMatrix Jacobian(Plan plan, Workspace workspace, Bindings bindings, Node[] seeds, int batch, bool byRows)
    {
        int[] sizes = [.. seeds.Select(s => s.Shape.Size / batch)];
        int across = sizes.Sum(), along = plan.Outputs.Sum(o => o.Shape.Size) / batch;
        var jacobian = byRows ? new DenseMatrix(across, along) : new DenseMatrix(along, across);
        var data = jacobian.Values; // column-major
        for (int first = 0; first < across; first += batch)
        {
            int count = Math.Min(batch, across - first), offset = 0;
            var at = bindings;
            for (int s = 0; s < seeds.Length; offset += sizes[s], s++)
            {
                var unit = new double[seeds[s].Shape.Size];
                for (int c = 0; c < count; c++)
                    if ((uint)(first + c - offset) < (uint)sizes[s]) unit[first + c - offset + c * sizes[s]] = 1;
                at = at.Bind(seeds[s], Tensor.FromColumnMajor(seeds[s].Shape, unit));
            }
            int e0 = 0;
            foreach (var output in plan.Run(at, workspace))
            {
                var values = output.Values;
                int size = values.Length / batch;
                for (int c = 0; c < count; c++)
                    for (int e = 0; e < size; e++)
                        data[byRows ? (e0 + e) * across + first + c : (first + c) * along + e0 + e] = values[e + c * size];
                e0 += size;
            }
        }
        return jacobian;
    }

    /// <summary>The plan of a derivative graph, from <see cref="PlanCache"/>: built on the first call on these nodes.</summary>
    static PlanCache.Derived Compiled(string call, IReadOnlyList<Node> outputs, Node[] wrt, Func<(Node[] Outputs, Node[] Seeds)> derive) =>
        PlanCache.Get(call, outputs, wrt, () => { var (o, s) = derive(); return new(o, s); });

    /// <summary>As <see cref="Compiled"/>, for a graph linear in its seeds whose runs fill a Jacobian: batched.</summary>
    static PlanCache.Derived Lines(string call, IReadOnlyList<Node> outputs, Node[] wrt, Func<(Node[] Outputs, Node[] Seeds)> derive) =>
        PlanCache.Get(call, outputs, wrt, () => { var (o, s) = derive(); return Batching.Lines(o, s); });

    static Bindings BindSeeds(Bindings bindings, Node[] seeds, Tensor[] values)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        for (int i = 0; i < seeds.Length; i++) bindings = bindings.Bind(seeds[i], values[i]);
        return bindings;
    }

    static string Name(Node variable) => ((Variable)variable.Op).Name;

    /// <summary><paramref name="output"/>, checked to be a scalar here so that the error names the second-order call the
    /// caller made (Hessian, Hvp), not the gradient inside it.</summary>
    internal static Node Scalar(string who, Node output) => output.Shape.IsScalar ? output
        : throw new ShapeException($"{who}: f's output {output} has shape {output.Shape}; second derivatives need a scalar output (sum the outputs, or take one at a time)");
}

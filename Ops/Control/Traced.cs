namespace AutoDiff.Functional.Ops;

/// <summary>A function of nodes traced once on variables into a closed graph: <see cref="Inputs"/> are its only
/// variables. It compiles into a <see cref="Plan"/> on first use and inlines into other graphs (with its derivatives)
/// by substitution. Custom rules and loop bodies are built from it.</summary>
internal sealed class Traced
{
    readonly Lazy<(Plan Plan, int[] Order)> compiled;
    readonly Lazy<RegisterProgram?> registers;

    public Traced(Node[] inputs, Node[] outputs)
    {
        (Inputs, Outputs) = (inputs, outputs);
        compiled = new(() =>
        {
            var plan = Plan.Compile(Outputs);
            // The plan wants its variables in its own order; an input the outputs do not read is not among them.
            return (plan, [.. plan.Variables.Select(v => Array.IndexOf(Inputs, v))]);
        });
        registers = new(() => RegisterProgram.TryCompile(Inputs, Outputs));
        product = new(() =>
        {
            var v = AD.Seeds(Outputs, [("v", Inputs[0])])[0];
            return new([.. Inputs, v], ForwardMode.Jvp(Outputs, [(Inputs[0], v)]));
        });
        transposedProduct = new(() =>
        {
            var v = AD.Seeds(Outputs, [("v", Outputs[0])])[0];
            return new([.. Inputs, v], Reverse.Vjp(Outputs, [v], [Inputs[0]]));
        });
    }

    /// <summary>For a residual F(y, θ) traced on (y, θ): (y, θ, v) ↦ ∂F/∂y·v, the JVP in y alone.</summary>
    public Traced Product => product.Value;
    /// <summary>For a residual F(y, θ) traced on (y, θ): (y, θ, v) ↦ (∂F/∂y)ᵀ·v, the VJP in y alone.</summary>
    public Traced TransposedProduct => transposedProduct.Value;
    readonly Lazy<Traced> product, transposedProduct;

    /// <summary>The variables the function was traced on.</summary>
    public Node[] Inputs { get; }
    /// <summary>The traced outputs: graphs of <see cref="Inputs"/> and constants only.</summary>
    public Node[] Outputs { get; }

    /// <summary>Scratch space for <see cref="Run"/>: one per caller, so runs stay pure and thread-safe.</summary>
    public object NewWorkspace() => registers.Value is { } program ? program.NewRegisters() : compiled.Value.Plan.NewWorkspace();

    /// <summary>The outputs' values at <paramref name="x"/> (one value per input, shapes already checked), on
    /// <paramref name="workspace"/> from <see cref="NewWorkspace"/>. A graph of small values runs as a
    /// <see cref="RegisterProgram"/>, any other as a compiled <see cref="Plan"/>.</summary>
    public Tensor[] Run(ReadOnlySpan<Tensor> x, object workspace)
    {
        if (workspace is double[] state) return registers.Value!.Run(x, state);
        var (plan, order) = compiled.Value;
        var ordered = new Tensor[order.Length];
        for (int i = 0; i < order.Length; i++) ordered[i] = x[order[i]];
        return plan.Run(ordered, (Workspace)workspace);
    }

    /// <summary>A <see cref="Frame"/> for many runs on values held in place (a loop's steps): one per caller.</summary>
    public Frame NewFrame()
    {
        if (registers.Value is { } program) return new RegisterFrame(program, Inputs, Outputs.Length);
        var (plan, order) = compiled.Value;
        return new PlanFrame(plan, order, Inputs, Outputs.Length);
    }

    /// <summary>The outputs as graphs of <paramref name="x"/>.</summary>
    public Node[] Inline(IReadOnlyList<Node> x) => Graph.Substitute(Outputs, [.. Inputs.Zip(x)]);

    /// <summary>The outputs' tangents as graphs of <paramref name="x"/> and their tangents <paramref name="t"/>.</summary>
    public Node[] InlineJvp(IReadOnlyList<Node> x, IReadOnlyList<Node> t)
    {
        var seeds = AD.Seeds(Outputs, [.. Inputs.Select(v => ("t", v))]);
        var tangents = ForwardMode.Jvp(Outputs, [.. Inputs.Zip(seeds)]);
        return Graph.Substitute(tangents, [.. Inputs.Zip(x), .. seeds.Zip(t)]);
    }

    /// <summary>The inputs' cotangents as graphs of <paramref name="x"/> and the outputs' cotangents <paramref name="ct"/>.</summary>
    public Node[] InlineVjp(IReadOnlyList<Node> x, IReadOnlyList<Node> ct)
    {
        var seeds = AD.Seeds(Outputs, [.. Outputs.Select(o => ("u", o))]);
        var cotangents = Reverse.Vjp(Outputs, seeds, Inputs);
        return Graph.Substitute(cotangents, [.. Inputs.Zip(x), .. seeds.Zip(ct)]);
    }

    /// <summary>Traces <paramref name="f"/> on one variable per shape (of the types <paramref name="types"/>, float64
    /// by default); the function may read only its inputs.</summary>
    public static Traced Of(string who, Shape[] shapes, Func<Node[], Node[]> f, DType[]? types = null)
    {
        Node[] inputs = [.. shapes.Select((s, i) => Node.Variable($"x{i}", s, types?[i] ?? DType.Float64))];
        var outputs = f((Node[])inputs.Clone()) ?? throw new ArgumentException($"{who}: the function returned null");
        if (outputs.Length == 0 || outputs.Any(o => o is null)) throw new ArgumentException($"{who}: the function returned no output or a null one");
        foreach (var node in Topology.Of(outputs).Order)
            if (node.IsVariable && Array.IndexOf(inputs, node) < 0)
                throw new ArgumentException($"{who}: the function reads {node}, which is not one of its inputs; pass it as an input");
        return new(inputs, outputs);
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", Inputs.Select(i => i.Shape))}] → [{string.Join(", ", Outputs.Select(o => o.Shape))}]";
}

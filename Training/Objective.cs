namespace AutoDiff.Functional.Training;

/// <summary>A scalar loss over named parameter variables and named data variables, with its gradient from one reverse
/// pass, compiled once. Every variable of the graph is bound by name: from the <see cref="Parameters"/> when they have
/// it, otherwise from the <see cref="Dataset"/>. Immutable and safe to share between threads (each run brings its own
/// workspace).</summary>
public sealed class Objective
{
    readonly Plan valuePlan, gradientPlan;
    readonly Lazy<Plan> hvpPlan;

    /// <summary>The loss, a scalar node.</summary>
    public Node Loss { get; }
    /// <summary>The parameter variables, in the order of <see cref="ParameterNames"/>.</summary>
    public IReadOnlyList<Node> ParameterNodes { get; }
    /// <summary>The parameters' names: a <see cref="Parameters"/> set passed in must have exactly these, in this order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }
    /// <summary>The other variables of the graph: bound from the data.</summary>
    public IReadOnlyList<string> DataNames { get; }

    Objective(Node loss, IReadOnlyList<string> parameterNames)
    {
        if (!loss.Shape.IsScalar) throw new ShapeException($"Objective: the loss {loss} has shape {loss.Shape}; a loss is a scalar");
        Loss = loss;
        valuePlan = Plan.Compile(loss);
        var byName = valuePlan.Variables.ToDictionary(NameOf);
        var missing = parameterNames.Where(n => !byName.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"Objective: the loss has no variable {string.Join(", ", missing.Select(m => $"'{m}'"))} (its variables: {string.Join(", ", byName.Values)})");
        ParameterNames = [.. parameterNames];
        ParameterNodes = [.. parameterNames.Select(n => byName[n])];
        DataNames = [.. byName.Keys.Except(parameterNames).Where(n => !Dropout.TryParse(n, out _, out _))];
        gradientPlan = Plan.Compile([loss, .. Reverse.Grad(loss, ParameterNodes)]);
        hvpPlan = new(() =>
        {
            // H·v = ∇⟨∇L, v⟩: reverse over reverse, the tangent v a variable per parameter.
            var gradient = Reverse.Grad(loss, ParameterNodes);
            var tangents = ParameterNodes.Select(p => Node.Variable(TangentName(NameOf(p)), p.Shape)).ToArray();
            var inner = gradient.Zip(tangents, (g, v) => (g * v).Sum()).Aggregate((a, b) => a + b);
            return Plan.Compile(Reverse.Grad(inner, ParameterNodes));
        });
    }

    /// <summary>The objective of <paramref name="loss"/> over the variables named <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A name is not a variable of the loss.</exception>
    public static Objective Of(Node loss, params string[] parameters)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        return new(loss, parameters);
    }

    /// <summary>The objective of <paramref name="loss"/> over the parameters named as in <paramref name="like"/>.</summary>
    public static Objective Of(Node loss, Parameters like)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(like);
        return new(loss, like.Names);
    }

    /// <summary>The loss at <paramref name="parameters"/> on <paramref name="data"/>. A graph with
    /// <see cref="Dropout"/> draws the masks of <paramref name="dropoutStep"/> (the steps taken before this one, as
    /// <see cref="Fit.Run"/> counts them); without a step, dropout is off (every mask 1).</summary>
    public double Value(Parameters parameters, Dataset? data = null, Workspace? workspace = null, long? dropoutStep = null) =>
        valuePlan.Run(Bind(valuePlan, parameters, data, dropoutStep), workspace)[0].ToScalar();

    /// <summary>The loss and its gradient (a set of the parameters' names and shapes) from one reverse pass; dropout
    /// masks as in <see cref="Value"/>.</summary>
    public (double Loss, Parameters Gradient) ValueAndGradient(Parameters parameters, Dataset? data = null, Workspace? workspace = null, long? dropoutStep = null)
    {
        var outputs = gradientPlan.Run(Bind(gradientPlan, parameters, data, dropoutStep), workspace);
        // A plan's outputs are fresh tensors each run (or bound values, immutable too): shared, not copied.
        return (outputs[0].ToScalar(), parameters.WithTensors(outputs.AsSpan(1)));
    }

    /// <summary><see cref="ValueAndGradient(Parameters, Dataset?, Workspace?, long?)"/> on a tree of the user's own type
    /// (<see cref="Parameters.FromTree{T}"/>): the gradient comes back as the same type.</summary>
    public (double Loss, T Gradient) ValueAndGradient<T>(T parameters, Dataset? data = null, Workspace? workspace = null, long? dropoutStep = null)
    {
        var (loss, gradient) = ValueAndGradient(Parameters.FromTree(parameters), data, workspace, dropoutStep);
        return (loss, gradient.ToTree<T>());
    }

    /// <summary>The Hessian–vector product ∇²L·v, a set of the parameters' layout, without forming the Hessian.</summary>
    public Parameters HessianTimes(Parameters parameters, Parameters v, Dataset? data = null, Workspace? workspace = null, long? dropoutStep = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(v);
        parameters.CheckSameLayout("HessianTimes", v);
        var plan = hvpPlan.Value;
        var at = Bind(plan, parameters, data, dropoutStep);
        for (int i = 0; i < v.Count; i++)
        {
            var tangent = plan.Variables.FirstOrDefault(n => NameOf(n) == TangentName(v.Names[i]));
            if (tangent is not null) at = at.Bind(tangent, v[i]);   // absent when L is linear in this parameter
        }
        var outputs = plan.Run(at, workspace);
        return parameters.WithTensors(outputs);
    }

    /// <summary>Workspaces for <see cref="ValueAndGradient"/> (reusing one keeps its buffers between steps).</summary>
    public Workspace NewGradientWorkspace() => gradientPlan.NewWorkspace();
    /// <summary>Workspaces for <see cref="Value"/>.</summary>
    public Workspace NewValueWorkspace() => valuePlan.NewWorkspace();

    Bindings Bind(Plan plan, Parameters parameters, Dataset? data, long? dropoutStep)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.Names.SequenceEqual(ParameterNames))
            throw new ArgumentException($"Objective: the loss is over ({string.Join(", ", ParameterNames)}) but the parameters are ({parameters.Describe()})");
        if (data is not null)
            foreach (var name in ParameterNames)
                if (data.Find(name) is not null)
                    throw new ArgumentException($"Objective: '{name}' is both a parameter and a data column; rename one (the parameter would silently shadow the data)");
        var at = Bindings.Empty;
        foreach (var variable in plan.Variables)
        {
            var name = NameOf(variable);
            if (name.StartsWith(TangentPrefix, StringComparison.Ordinal)) continue;
            if (Dropout.TryParse(name, out var key, out var rate))
            {
                at = at.Bind(variable, Dropout.Mask(variable.Shape, variable.DType, key, rate, dropoutStep));
                continue;
            }
            var value = parameters.IndexOf(name) is var i and >= 0 ? parameters[i]
                : data?.Find(name) ?? throw new BindingException($"Objective: variable '{name}' {variable.Shape} is neither a parameter nor in the data ({(data is null ? "none given" : string.Join(", ", data.Names))})");
            at = at.Bind(variable, value);   // Bind names the variable and both shapes when they differ
        }
        return at;
    }

    const string TangentPrefix = "\u2202tangent:";
    static string TangentName(string parameter) => TangentPrefix + parameter;
    static string NameOf(Node variable) => ((Variable)variable.Op).Name;
}

using System.Collections.Concurrent;

namespace AutoDiff.Functional.Training;

/// <summary>A layer or a whole model, as a value: its configuration (sizes, initialisers), never its parameters, which
/// live apart in a <see cref="Parameters"/> tree (Flax's <c>model.apply(params, x)</c>; Equinox's trees). The tree's
/// names are paths ("0.kernel", "2.bias", as PyTorch's state dicts), chosen by the layer, so a parameter is named once:
/// <see cref="Init"/> makes the tree, <see cref="Apply(Parameters, Node, Key?)"/> turns it into the graph's variables of the same names, and
/// <see cref="Fit"/>, <see cref="Objective"/>, the optimisers and <see cref="SafeTensors"/> all take that same tree
/// (a gradient or an optimiser's moment is a tree of the same names and shapes).</summary>
public abstract class Layer
{
    // Prediction plans, one per input shape and parameter layout: a layer is immutable, so a plan once compiled stays right.
    readonly ConcurrentDictionary<string, Lazy<(Plan Plan, Node Input, Node?[] Parameters)>> plans = new();

    /// <summary>The layer's parameters drawn from <paramref name="key"/>: the same key, the same bits.</summary>
    public abstract Parameters Init(Key key);

    /// <summary>The output graph of the layer at input <paramref name="x"/>: each parameter is a variable named by its
    /// path in <paramref name="parameters"/> and shaped as its tensor there, so the graph binds the tree by name
    /// (<see cref="Fit.Run"/>, <see cref="Objective"/>). Dropout is active only when a <paramref name="dropout"/> key
    /// is given (training); without one it is the identity (prediction).</summary>
    /// <exception cref="ArgumentException">The tree lacks a parameter the layer reads, or holds one it does not.</exception>
    public Node Apply(Parameters parameters, Node x, Key? dropout = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(x);
        var scope = Scope.Root(this, parameters, dropout);
        var y = Forward(scope, x);
        scope.CheckAllRead();
        return y;
    }

    /// <summary>The output graph at <paramref name="x"/> with each parameter given as a node, by its path, instead of a
    /// variable made from a tree: fixed weights as constants of the graph (a seed model's), or nodes shared with
    /// another graph. Every node given must be read.</summary>
    /// <exception cref="ArgumentException">A parameter the layer reads is not given, or a given one is not read.</exception>
    public Node Apply(IReadOnlyDictionary<string, Node> parameters, Node x, Key? dropout = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(x);
        var scope = Scope.Given(this, parameters, dropout);
        var y = Forward(scope, x);
        scope.CheckAllRead();
        return y;
    }

    /// <summary>The layer's output for the value <paramref name="x"/> at <paramref name="parameters"/>, without
    /// dropout. The graph is built and compiled once per input shape and parameter layout and kept with the layer;
    /// later calls of that shape only run the plan.</summary>
    public Tensor Predict(Parameters parameters, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(x);
        var key = $"{x.Shape} {x.DType.Name()}; {parameters.Describe()}";
        var lazy = plans.GetOrAdd(key, _ => new(() =>
        {
            var input = Node.Variable(InputName, x.Shape, x.DType);
            var output = Apply(parameters, input);
            var plan = Plan.Compile(output);
            return (plan, input, [.. parameters.Names.Select(n => plan.Variables.FirstOrDefault(v => ((Variable)v.Op).Name == n))]);
        }));
        (Plan, Node, Node?[]) compiled;
        try { compiled = lazy.Value; }
        catch { plans.TryRemove(new(key, lazy)); throw; }   // a failed build is not kept: the next call builds again
        var (p, inputNode, parameterNodes) = compiled;
        var at = Bindings.Empty.Bind(inputNode, x);
        for (int i = 0; i < parameterNodes.Length; i++)
            if (parameterNodes[i] is { } node) at = at.Bind(node, parameters[i]);   // absent when the output ignores it
        return p.Run(at)[0];
    }

    /// <summary>How many prediction plans the layer keeps (for tests).</summary>
    internal int CompiledPlans => plans.Count;

    /// <summary>For a layer's author: the output at <paramref name="x"/>, reading parameters (and a dropout key) from
    /// <paramref name="parameters"/>, whose names are relative to this layer.</summary>
    protected internal abstract Node Forward(Scope parameters, Node x);

    /// <summary>The variable name of <see cref="Predict"/>'s input: a space keeps it apart from any path.</summary>
    const string InputName = "layer input";

    /// <summary>A short description, e.g. "Linear(3 → 4)".</summary>
    public abstract override string ToString();
}

/// <summary>A layer's view of the parameter tree while its graph is built: <c>p["kernel"]</c> is the variable of the
/// parameter "kernel" under this layer's path, made once per graph (a graph holds one variable of a name), and
/// <see cref="Apply"/> runs a sublayer under a path of its own.</summary>
public sealed class Scope
{
    readonly Parameters tree;
    readonly string prefix;
    readonly Layer owner;
    readonly Dictionary<string, Node> made;
    readonly IReadOnlyDictionary<string, Node>? given;   // nodes given by path instead of a tree's variables
    readonly HashSet<string> read;

    Scope(Parameters tree, string prefix, Layer owner, Key? dropout, Dictionary<string, Node> made, IReadOnlyDictionary<string, Node>? given, HashSet<string> read) =>
        (this.tree, this.prefix, this.owner, Dropout, this.made, this.given, this.read) = (tree, prefix, owner, dropout, made, given, read);

    internal static Scope Root(Layer layer, Parameters tree, Key? dropout) => new(tree, "", layer, dropout, [], null, []);

    internal static Scope Given(Layer layer, IReadOnlyDictionary<string, Node> nodes, Key? dropout)
    {
        foreach (var (path, node) in nodes) ArgumentNullException.ThrowIfNull(node, path);
        return new(Parameters.Of(), "", layer, dropout, [], nodes, []);
    }

    /// <summary>The dropout key of this layer (its path folded into the key given to <see cref="Layer.Apply(Parameters, Node, Key?)"/>), or
    /// null when dropout is off.</summary>
    public Key? Dropout { get; }

    /// <summary>The path of this layer in the tree ("" for the root, otherwise ending in a dot).</summary>
    public string Path => prefix;

    /// <summary>The variable of the parameter <paramref name="name"/> under this layer's path.</summary>
    /// <exception cref="ArgumentException">The tree has no such parameter.</exception>
    public Node this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            var path = prefix + name;
            if (given is not null)
            {
                read.Add(path);
                return given.TryGetValue(path, out var value) ? value
                    : throw new ArgumentException($"{owner}: no node is given for '{path}' (given: {string.Join(", ", given.Keys)})");
            }
            if (made.TryGetValue(path, out var node)) return node;
            if (tree.IndexOf(path) is not (var i and >= 0))
                throw new ArgumentException($"{owner}: the parameters have no '{path}' (they hold {tree.Describe()}; make them with this model's Init)");
            return made[path] = Node.Variable(path, tree[i].Shape, tree[i].DType);
        }
    }

    /// <summary><paramref name="layer"/>'s output at <paramref name="x"/>, its parameters under "<paramref name="name"/>.".</summary>
    public Node Apply(string name, Layer layer, Node x)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(x);
        return layer.Forward(new(tree, $"{prefix}{name}.", owner, Dropout?.Fold(name), made, given, read), x);
    }

    /// <summary>Every parameter of the tree must have been read: a tree from another model fails here, naming the stranger.</summary>
    internal void CheckAllRead()
    {
        if (given is not null)
            foreach (var path in given.Keys)
                if (!read.Contains(path))
                    throw new ArgumentException($"{owner}: a node is given for '{path}', which the model does not read (it reads {string.Join(", ", read)})");
        foreach (var name in tree.Names)
            if (!made.ContainsKey(name))
                throw new ArgumentException($"{owner}: the parameters hold '{name}', which the model does not read (they hold {tree.Describe()}; make them with this model's Init)");
    }
}

using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Training;

/// <summary>A named, ordered, immutable collection of tensors: a model's parameters, their gradients, an optimiser's
/// moments or an update all have this form (JAX's pytrees, PyTorch's state dicts). The names link a set to a graph:
/// the parameter called "W" binds the variable called "W".</summary>
/// <remarks>The arithmetic (<see cref="Axpy"/>, <see cref="Scale"/>, <see cref="Dot"/>, <see cref="Norm"/>) works in
/// one pass per tensor and writes each result straight into the new tensor's storage; the tensors themselves are
/// shared, never copied, by <see cref="With"/> and by the constructors.</remarks>
public sealed class Parameters
{
    readonly string[] names;
    readonly Tensor[] values;

    Parameters(string[] names, Tensor[] values) => (this.names, this.values) = (names, values);

    /// <summary>A set of the given (name, value) pairs, in this order. Names must be distinct and non-empty.</summary>
    public static Parameters Of(params (string Name, Tensor Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var seen = new HashSet<string>();
        foreach (var (name, value) in entries)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Parameters: a name is required");
            ArgumentNullException.ThrowIfNull(value, name);
            if (!seen.Add(name)) throw new ArgumentException($"Parameters: '{name}' appears twice");
        }
        return new([.. entries.Select(e => e.Name)], [.. entries.Select(e => e.Value)]);
    }

    /// <summary>A tree of subtrees: each child's names prefixed by its own name and a dot ("0" and "kernel" make
    /// "0.kernel"), in the order given. This is how a model's tree is built from its layers' trees.</summary>
    public static Parameters Nest(params (string Name, Parameters Tree)[] children)
    {
        ArgumentNullException.ThrowIfNull(children);
        foreach (var (name, tree) in children)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Parameters.Nest: a name is required");
            ArgumentNullException.ThrowIfNull(tree, name);
        }
        return Of([.. children.SelectMany(c => c.Tree.names.Zip(c.Tree.values, (n, v) => ($"{c.Name}.{n}", v)))]);
    }

    /// <summary>The tree of a value of the user's own type: a record's tensors named by their property names, a nested
    /// record's by "Outer.Inner", an array's or list's by their indices ("Layers.0.W"), in member order. Equinox's
    /// model-as-pytree: optimisers, <see cref="Fit"/>, checkpoints and gradients then work on the record's tensors, and
    /// <see cref="ToTree{T}"/> gives the record back (a gradient as the same record type).</summary>
    /// <exception cref="NotSupportedException">A member's type is not a tensor, a record, an array or a list (the
    /// message names the type and the member).</exception>
    /// <exception cref="ArgumentException">A member is null.</exception>
    public static Parameters FromTree<T>(T tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return Tree.Flatten(tree);
    }

    /// <summary>This set as a <typeparamref name="T"/>, the inverse of <see cref="FromTree{T}"/>: each tensor goes to
    /// the member its path names (shared, not copied).</summary>
    /// <exception cref="KeyNotFoundException">A member has no tensor of its path.</exception>
    /// <exception cref="ArgumentException">A tensor has no member.</exception>
    public T ToTree<T>() => Tree.Build<T>(this, "Parameters.ToTree");

    /// <summary>A <typeparamref name="T"/> of <see cref="Node"/> leaves: for each tensor, the graph variable of its path,
    /// shape and type, so a loss written on a record of nodes binds this set (and <see cref="FromTree{T}"/>'s) by
    /// name. A generic record serves both: <c>record Net&lt;T&gt;(T W, T b)</c> as <c>Net&lt;Tensor&gt;</c> and
    /// <c>Net&lt;Node&gt;</c>.</summary>
    public T Variables<T>() => Tree.Build<T>(this, "Parameters.Variables");

    /// <summary>The variable of each tensor in <paramref name="graph"/> (as <see cref="Layer.Apply(Parameters, Node, Key?)"/> made it), in this
    /// set's order, or null where the graph does not read that name: the nodes to bind, or to differentiate with
    /// respect to, when a layer's graph is used by node (<see cref="Bindings"/>, <c>AD.Grad</c>).</summary>
    public Node?[] VariablesIn(Node graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var found = new Node?[names.Length];
        // An explicit stack, not recursion: a graph may be deeper than the call stack.
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance) { graph };
        var stack = new Stack<Node>([graph]);
        while (stack.TryPop(out var node))
        {
            if (node.Op is Variable { Name: var name } && IndexOf(name) is var i and >= 0) found[i] = node;
            foreach (var input in node.Inputs)
                if (seen.Add(input)) stack.Push(input);
        }
        return found;
    }

    /// <summary>The subtree under <paramref name="name"/>: the tensors whose names start "<paramref name="name"/>.",
    /// that prefix removed (<see cref="Nest"/> undone for one child).</summary>
    /// <exception cref="KeyNotFoundException">No name has that prefix.</exception>
    public Parameters Child(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var prefix = name + ".";
        var inside = Enumerable.Range(0, names.Length).Where(i => names[i].StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        if (inside.Length == 0) throw new KeyNotFoundException($"Parameters.Child: no name starts '{prefix}' among {string.Join(", ", names)}");
        return new([.. inside.Select(i => names[i][prefix.Length..])], [.. inside.Select(i => values[i])]);
    }

    /// <summary>The number of tensors.</summary>
    public int Count => names.Length;
    /// <summary>The names, in order.</summary>
    public IReadOnlyList<string> Names => names;
    /// <summary>The tensors, in order.</summary>
    public IReadOnlyList<Tensor> Values => values;
    /// <summary>The total number of elements, the length of <see cref="Flatten"/>.</summary>
    public int Size => values.Sum(v => v.Shape.Size);

    /// <summary>The i-th tensor.</summary>
    public Tensor this[int i] => values[i];

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists the names there are.</exception>
    public Tensor this[string name] => IndexOf(name) is var i and >= 0
        ? values[i]
        : throw new KeyNotFoundException($"Parameters: no '{name}' among {string.Join(", ", names)}");

    /// <summary>The position of <paramref name="name"/>, or −1.</summary>
    public int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Array.IndexOf(names, name);
    }

    /// <summary>This set with <paramref name="name"/>'s tensor replaced by <paramref name="value"/> of the same shape.</summary>
    public Parameters With(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        int i = IndexOf(name);
        if (i < 0) throw new KeyNotFoundException($"Parameters.With: no '{name}' among {string.Join(", ", names)}");
        if (value.Shape != values[i].Shape)
            throw new ArgumentException($"Parameters.With: '{name}' has shape {values[i].Shape}, not {value.Shape}");
        var copy = (Tensor[])values.Clone();
        copy[i] = value;
        return new(names, copy);
    }

    /// <summary>A set of the same names and shapes, all zero.</summary>
    public Parameters Zeros() => new(names, [.. values.Select(v => Tensor.Zeros(v.Shape).To(v.DType))]);

    /// <summary>The same set with every float tensor cast to <paramref name="type"/> (float32 rounds to nearest), int32
    /// data unchanged: a layer's tree in float32 is <c>model.Init(key).To(DType.Float32)</c>.</summary>
    public Parameters To(DType type) => new(names, [.. values.Select(v => v.DType == DType.Int32 ? v : v.To(type))]);

    /// <summary>All elements in one vector: the tensors in order, each in column-major order.</summary>
    public double[] Flatten()
    {
        var flat = new double[Size];
        int offset = 0;
        foreach (var v in values)
        {
            v.Values.CopyTo(flat.AsSpan(offset));
            offset += v.Shape.Size;
        }
        return flat;
    }

    /// <summary><see cref="Flatten"/> as a MathNet vector (owning the flat array, no second copy).</summary>
    public DenseVector ToVector() => new(Flatten());

    /// <summary>A set of the same names and shapes holding <paramref name="flat"/>, read in <see cref="Flatten"/>'s order.</summary>
    /// <exception cref="ArgumentException">The length is not <see cref="Size"/>.</exception>
    public Parameters Unflatten(ReadOnlySpan<double> flat)
    {
        if (flat.Length != Size)
            throw new ArgumentException($"Parameters.Unflatten: {flat.Length} values for parameters of {Size} elements ({Describe()})");
        var result = new Tensor[values.Length];
        int offset = 0;
        for (int i = 0; i < values.Length; i++)
        {
            int n = values[i].Shape.Size;
            result[i] = Tensor.FromColumnMajor(values[i].Shape, flat.Slice(offset, n).ToArray()).To(values[i].DType);
            offset += n;
        }
        return new(names, result);
    }

    /// <summary>this + α·x, element by element.</summary>
    public Parameters Axpy(double alpha, Parameters x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckSameLayout("Axpy", x);
        var result = new double[values.Length][];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<double> a = values[i].Values, b = x.values[i].Values;
            var o = result[i] = new double[a.Length];
            for (int k = 0; k < o.Length; k++) o[k] = a[k] + alpha * b[k];
        }
        return WithArrays(result);
    }

    /// <summary>α·this.</summary>
    public Parameters Scale(double alpha)
    {
        var result = new double[values.Length][];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<double> a = values[i].Values;
            var o = result[i] = new double[a.Length];
            for (int k = 0; k < o.Length; k++) o[k] = alpha * a[k];
        }
        return WithArrays(result);
    }

    /// <summary>⟨this, x⟩ = Σ over every element.</summary>
    public double Dot(Parameters x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckSameLayout("Dot", x);
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<double> a = values[i].Values, b = x.values[i].Values;
            for (int k = 0; k < a.Length; k++) sum += a[k] * b[k];
        }
        return sum;
    }

    /// <summary>The global Euclidean norm √⟨this, this⟩ over every element of every tensor.</summary>
    public double Norm() => Math.Sqrt(Dot(this));

    /// <summary>This set scaled by min(1, <paramref name="maxNorm"/> / ‖this‖): gradient clipping by global norm
    /// (Pascanu et al. 2013), which keeps the direction. Returns this set itself when no scaling is needed.</summary>
    public Parameters ClipByNorm(double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipByNorm: the largest norm must be positive");
        double norm = Norm();
        return norm > maxNorm ? Scale(maxNorm / norm) : this;
    }

    /// <summary>True when <paramref name="other"/> has the same names and values bit for bit.</summary>
    public bool BitwiseEquals(Parameters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!names.SequenceEqual(other.names)) return false;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i].Shape != other.values[i].Shape) return false;
            ReadOnlySpan<double> a = values[i].Values, b = other.values[i].Values;
            for (int k = 0; k < a.Length; k++)
                if (BitConverter.DoubleToInt64Bits(a[k]) != BitConverter.DoubleToInt64Bits(b[k])) return false;
        }
        return true;
    }

    /// <summary>The names and shapes, e.g. "W (3×2), b (2)".</summary>
    public string Describe() => string.Join(", ", names.Zip(values, (n, v) => $"{n} {v.Shape}"));

    /// <inheritdoc/>
    public override string ToString() => $"Parameters({Describe()})";

    /// <summary>The first element that is NaN or ±∞, as "'W' element 3 is NaN", or null when every element is finite.
    /// One branch per element, no allocation: cheap beside the step that made the values.</summary>
    internal string? FirstNonFinite()
    {
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<double> a = values[i].Values;
            for (int k = 0; k < a.Length; k++)
                if (!double.IsFinite(a[k])) return $"'{names[i]}' {values[i].Shape} element {k} is {a[k]}";
        }
        return null;
    }

    /// <summary>Fails, naming the first difference, unless <paramref name="other"/> has the same names and shapes.</summary>
    internal void CheckSameLayout(string who, Parameters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.names.Length != names.Length)
            throw new ArgumentException($"{who}: parameters ({Describe()}) and ({other.Describe()}) differ in number");
        for (int i = 0; i < names.Length; i++)
            if (other.names[i] != names[i] || other.values[i].Shape != values[i].Shape)
                throw new ArgumentException($"{who}: parameter {i} is '{names[i]}' {values[i].Shape} in one set and '{other.names[i]}' {other.values[i].Shape} in the other");
    }

    /// <summary>A set of the same names holding <paramref name="tensors"/> (shared), one per tensor, of the same shapes.</summary>
    internal Parameters WithTensors(ReadOnlySpan<Tensor> tensors)
    {
        for (int i = 0; i < values.Length; i++)
            if (tensors[i].Shape != values[i].Shape)
                throw new InvalidOperationException($"Parameters: '{names[i]}' has shape {values[i].Shape}, its new value {tensors[i].Shape}");
        return new(names, tensors.ToArray());
    }

    /// <summary>A set of the same layout holding <paramref name="arrays"/> (taken, not copied), one per tensor, each of
    /// its parameter's type: a float32 parameter's new values (and an optimiser's state for it) round to float32, as
    /// PyTorch keeps an optimiser's state in its parameter's dtype.</summary>
    internal Parameters WithArrays(double[][] arrays)
    {
        var result = new Tensor[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Tensor.FromColumnMajor(values[i].Shape, arrays[i]).To(values[i].DType);
        return new(names, result);
    }
}

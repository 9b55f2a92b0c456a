using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional;

/// <summary>Immutable values for a graph's variables. Each binding is checked when it is made: the node must be a
/// variable, bound once, with a value of the variable's shape.</summary>
public sealed class Bindings
{
    readonly ImmutableDictionary<Node, Tensor> values;
    Bindings(ImmutableDictionary<Node, Tensor> values) => this.values = values;

    /// <summary>No bindings.</summary>
    public static readonly Bindings Empty = new(ImmutableDictionary.Create<Node, Tensor>(ReferenceEqualityComparer.Instance));

    /// <summary>The variables bound.</summary>
    public IEnumerable<Node> Variables => values.Keys;

    /// <summary>These bindings plus <paramref name="variable"/> = <paramref name="value"/>.</summary>
    /// <exception cref="BindingException">Not a variable, already bound, or the value's shape differs.</exception>
    public Bindings Bind(Node variable, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        if (variable.Op is not Variable v)
            throw new BindingException($"Bind: {variable} is not a variable");
        if (value.Shape != v.Shape)
            throw new BindingException($"variable '{v.Name}' has shape {v.Shape} but is bound to a value of shape {value.Shape}");
        if (value.DType != v.Type)
            throw new BindingException($"variable '{v.Name}' holds {v.Type.Name()} but is bound to {value.DType.Name()} {(value.DType == DType.Int32 ? "data" : "values")} (no silent conversion: bind a tensor of {v.Type.Name()}, or declare the variable so)");
        if (values.ContainsKey(variable))
            throw new BindingException($"variable '{v.Name}' is bound twice");
        return new(values.Add(variable, value));
    }

    /// <summary>Binds int32 data (indices, labels) to a variable declared with <see cref="DType.Int32"/>, copying
    /// <paramref name="value"/> into a vector.</summary>
    public Bindings Bind(Node variable, int[] value) => Bind(variable, Tensor.Indices(value ?? throw new ArgumentNullException(nameof(value))));

    /// <summary>Binds a scalar.</summary>
    public Bindings Bind(Node variable, double value) => Bind(variable, Tensor.Scalar(value));
    /// <summary>Binds a MathNet vector without copying it.</summary>
    public Bindings Bind(Node variable, DenseVector value)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        return Bind(variable, Tensor.Wrap(value));
    }
    /// <summary>Binds a MathNet matrix without copying it.</summary>
    public Bindings Bind(Node variable, DenseMatrix value)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        return Bind(variable, Tensor.Wrap(value));
    }

    /// <summary>These bindings with <paramref name="variable"/>'s value replaced (or added).</summary>
    public Bindings Rebind(Node variable, Tensor value) =>
        values.ContainsKey(variable ?? throw new ArgumentNullException(nameof(variable))) ? new Bindings(values.Remove(variable)).Bind(variable, value) : Bind(variable, value);

    /// <summary>The value bound to <paramref name="variable"/>.</summary>
    /// <exception cref="BindingException">Not a variable, or not bound.</exception>
    public Tensor this[Node variable] => values.TryGetValue(variable ?? throw new ArgumentNullException(nameof(variable)), out var t) ? t
        : variable.Op is Variable v ? throw NotBound(variable, v)
        : throw new BindingException($"Bindings: {variable} is not a variable");

    /// <summary>Bindings go by node, so a variable rebuilt with the same name is not bound by its twin: say so, naming
    /// both nodes, rather than report a binding the caller believes they made as missing.</summary>
    BindingException NotBound(Node variable, Variable v)
    {
        var twin = values.Keys.FirstOrDefault(k => k.Op is Variable o && o.Name == v.Name);
        return twin is null
            ? new BindingException($"variable '{v.Name}' {variable.Shape} is not bound")
            : new BindingException($"variable '{v.Name}' {variable.Shape} (node #{variable.Id}) is not bound, but another node of that name is: '{v.Name}' {twin.Shape} (node #{twin.Id}). Bindings go by node, not by name: bind the variable this graph holds (Fit, Objective and Layer bind by name)");
    }

    /// <summary>True when <paramref name="variable"/> is bound.</summary>
    public bool Contains(Node variable) => values.ContainsKey(variable ?? throw new ArgumentNullException(nameof(variable)));
}

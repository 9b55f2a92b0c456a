using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace AutoDiff.Functional;

/// <summary>A primitive operation: its shape rule, forward rule, JVP (forward-mode) rule and VJP (reverse-mode) rule,
/// side by side. Interpreters only look rules up, so adding an op touches no interpreter.</summary>
/// <remarks>
/// <para>An op is a record: its parameters are its positional properties, declared once. Equality and hashing (which
/// plans use to merge common subexpressions) and printing (in errors, plans and pictures) all derive from them.</para>
/// <para>The rules share one vocabulary: <c>x</c> the primal inputs, <c>y</c> the primal output, <c>t</c> the
/// tangents of the inputs, <c>ct</c> the cotangent of the output. Both derivative rules build graphs from nodes (not
/// numbers), so derivatives can be differentiated again; a <c>null</c> tangent or cotangent is a symbolic zero.</para>
/// </remarks>
public abstract record Op
{
    /// <summary>The op's name as shown in errors and pictures: its type's name unless it says otherwise.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Number of inputs, or -1 for a variable number.</summary>
    public abstract int Arity { get; }

    /// <summary>The output shape for the input shapes <paramref name="x"/>; throws a <see cref="ShapeException"/>
    /// naming the op and every shape when they do not fit.</summary>
    public abstract Shape InferShape(ReadOnlySpan<Shape> x);

    /// <summary>The element type of the output for the inputs <paramref name="x"/>. By default every input must be
    /// a float value of one type (float64 or float32), and so is the output; an op that reads int32 data (indices,
    /// labels) says which inputs are data.</summary>
    /// <exception cref="ShapeException">An input has a type the op does not take; the message names the op, the
    /// input, both types and the cast to use.</exception>
    public virtual DType InferType(ReadOnlySpan<Node> x) => InferFloat(x);

    /// <summary>The one float type of <paramref name="x"/> (float64 for none); int32 data or two float types are errors.</summary>
    protected DType InferFloat(ReadOnlySpan<Node> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!x[i].DType.IsFloat())
                throw ShapeError($"input {i} {x[i]} is {x[i].DType.Name()} data, and {Name} takes float64 values (cast it with ToFloat64())");
            if (x[i].DType != x[0].DType)
                throw ShapeError($"input 0 {x[0]} is {x[0].DType.Name()} and input {i} {x[i]} is {x[i].DType.Name()}: no op mixes float types silently (cast one with {x[0].DType.Cast()} or {x[i].DType.Cast()})");
        }
        return x.Length == 0 ? DType.Float64 : x[0].DType;
    }

    /// <summary>The type rule of an op that reads float values (input 0) by int32 data (input 1, named
    /// <paramref name="what"/> in errors): the values' type.</summary>
    protected DType ValuesByIndices(ReadOnlySpan<Node> x, string what)
    {
        RequireIndices(x, 1, what);
        return InferFloat(x[..1]);
    }

    /// <summary>Checks that input <paramref name="i"/> of <paramref name="x"/> is int32 data, for ops that read indices.</summary>
    protected void RequireIndices(ReadOnlySpan<Node> x, int i, string what)
    {
        if (x[i].DType != DType.Int32)
            throw ShapeError($"{what} {x[i]} is {x[i].DType.Name()}, not int32 data (declare it with Node.Variable(name, shape, DType.Int32), or make it from Tensor.Indices)");
    }

    /// <summary>The forward rule: writes the value of the op at <paramref name="x"/> into <paramref name="y"/>, a
    /// buffer of the output's size that may hold anything, owned by the caller. Inputs are never modified. An
    /// element-wise op (<see cref="IElementwise"/>) may be handed one of its own inputs' storage as <paramref name="y"/>.</summary>
    public abstract void Forward(ReadOnlySpan<Tensor> x, double[] y);

    /// <summary>Forward mode: the output's tangent given the inputs' tangents <paramref name="t"/> (<c>null</c> = zero);
    /// <c>null</c> for a zero output tangent.</summary>
    public abstract Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t);

    /// <summary>Reverse mode: the cotangent of each input given the output's cotangent <paramref name="ct"/>. Where
    /// <paramref name="needed"/> is false the rule may return <c>null</c> and skip building what no one reads.</summary>
    public abstract Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed);

    /// <summary>The batching rule (JAX's vmap rule): the op applied to k members at once. A batched input is a
    /// (size × k) matrix whose column c is member c's input, flattened column-major; <paramref name="xb"/>[i] is that
    /// matrix, or <c>null</c> where input i is <paramref name="x"/>[i] for every member. Returns the output batched
    /// the same way, or <c>null</c> when the op has no rule (the caller then runs the members one at a time).</summary>
    public virtual Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => null;

    /// <summary>A <see cref="ShapeException"/> whose message starts with this op.</summary>
    protected ShapeException ShapeError(string detail) => new($"{this}: {detail}");

    /// <summary>The parameters as printed: by default the positional properties' values, comma-separated (a shape
    /// without its parentheses). An op overrides this only to print them more readably, never to add or hide one.</summary>
    protected virtual string Parameters => string.Join(", ", Printed.GetOrAdd(GetType(), ParametersOf).Select(p => Format(p.GetValue(this))));

    /// <summary>The name, with the parameters in parentheses where the op has them: <c>Sin</c>, <c>Reshape(5×2)</c>.</summary>
    public sealed override string ToString() => Parameters is { Length: > 0 } p ? $"{Name}({p})" : Name;

    static readonly ConcurrentDictionary<Type, PropertyInfo[]> Printed = new();

    // The public properties a record type declares itself, not the ones it overrides (Name, Arity), in declaration order.
    static PropertyInfo[] ParametersOf(Type type) =>
    [
        .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p.GetMethod is { } get && get.GetBaseDefinition() == get && p.GetIndexParameters().Length == 0 && !p.PropertyType.IsByRefLike)
            .OrderBy(p => p.MetadataToken),
    ];

    static string Format(object? value) => value switch
    {
        Shape s => s.ToString().Trim('(', ')'),
        double d => d.ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
        _ => $"{value}",
    };
}

/// <summary>An op linear in its one input, y = L(x): its JVP applies the op itself to the tangent, so it states only its
/// adjoint (its transpose), the VJP x̄ = Lᵀ(ȳ).</summary>
public abstract record LinearOp : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <summary>Lᵀ applied to the output's cotangent <paramref name="ct"/>; <paramref name="x"/> is the primal input
    /// (for its shape).</summary>
    protected abstract Node Adjoint(Node ct, Node x);

    /// <inheritdoc/>
    public sealed override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? Node.Apply(this, t0) : null;

    /// <inheritdoc/>
    public sealed override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [Adjoint(ct, x[0])];
}

/// <summary>A leaf with no rules of its own: the interpreters bind a variable's value, seed its tangent and collect its
/// cotangent, and give a constant zero derivatives.</summary>
public abstract record Leaf : Op
{
    /// <inheritdoc/>
    public sealed override int Arity => 0;
    /// <inheritdoc/>
    public sealed override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => null;
    /// <inheritdoc/>
    public sealed override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [];
}

/// <summary>A graph input, bound by name to a value when the graph is evaluated. Two variables are the same only if
/// they are the same object; a graph may not hold two variables of one name.</summary>
public sealed record Variable : Leaf
{
    internal Variable(string name, Shape shape, DType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Variable: a name is required", nameof(name));
        if (!Enum.IsDefined(type)) throw new ArgumentOutOfRangeException(nameof(type), type, $"Variable '{name}': no element type {(int)type}");
        (Name, Shape, Type) = (name, shape, type);
    }
    /// <summary>The variable's name.</summary>
    public override string Name { get; }
    /// <summary>The shape a binding must have.</summary>
    public Shape Shape { get; }
    /// <summary>The element type a binding must have.</summary>
    public DType Type { get; }
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape;
    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => Type;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) =>
        throw new BindingException($"variable '{Name}' {Shape} is not bound");
    /// <summary>None: a variable prints as its name.</summary>
    protected override string Parameters => "";
    /// <summary>Reference identity: two variables of one name and shape are still two variables.</summary>
    public bool Equals(Variable? other) => ReferenceEquals(this, other);
    /// <inheritdoc/>
    public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);
}

/// <summary>A constant value: zero tangent, no cotangent.</summary>
public sealed record Constant : Leaf
{
    internal Constant(Tensor value) => Value = value;
    /// <summary>The constant's value.</summary>
    public Tensor Value { get; }
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Value.Shape;
    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => Value.DType;
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Value.Values.CopyTo(y);
    /// <inheritdoc/>
    protected override string Parameters => One is { } one ? $"{one:G6}" : $"{Value.Shape}";

    /// <summary>The single element when the constant is one float value, else null.</summary>
    internal double? One => Value.Shape.Size == 1 && Value.DType.IsFloat() ? Value.Storage[0] : null;

    /// <summary>Constants are equal when they share storage, or are one-element float64 tensors of one shape with the
    /// same bits (the ½ and 1 that rules create afresh each time), so plans can merge them.</summary>
    public bool Equals(Constant? other) => other is not null && other.Value.Shape == Value.Shape && other.Value.DType == Value.DType &&
        (ReferenceEquals(other.Data, Data) ||
         (One is { } one && BitConverter.DoubleToInt64Bits(other.Value.Storage[0]) == BitConverter.DoubleToInt64Bits(one)));
    /// <inheritdoc/>
    public override int GetHashCode() => One is { } one ? one.GetHashCode() : RuntimeHelpers.GetHashCode(Data);

    object Data => (object?)Value.IntStorage ?? Value.Storage;
}

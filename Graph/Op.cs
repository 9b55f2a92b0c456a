using System.Collections.Immutable;

namespace AutoDiff.Functional;

/// <summary>A primitive operation. Each op states its four rules in one place: the shape rule, the forward
/// rule, the JVP (forward-mode) rule and the VJP (reverse-mode) rule. Interpreters only look rules up, so adding
/// an op touches no interpreter.</summary>
/// <remarks>Both derivative rules build graphs from nodes (not numbers), so derivatives are graphs too and can be
/// differentiated again. A <c>null</c> tangent or cotangent is a symbolic zero: rules skip work for it.
/// Every rule receives the primal inputs <c>x</c> and the primal output <c>y</c>, so <c>exp</c> or <c>sigmoid</c>
/// reuse their output.</remarks>
public abstract class Op
{
    /// <summary>The op's name as shown in errors and pictures.</summary>
    public abstract string Name { get; }

    /// <summary>Number of inputs, or -1 for a variable number.</summary>
    public abstract int Arity { get; }

    /// <summary>The output shape for the given input shapes; throws <see cref="ShapeException"/> naming the op
    /// and every shape when they do not fit.</summary>
    public abstract Shape InferShape(ReadOnlySpan<Shape> x);

    /// <summary>Computes the output value. Inputs are never modified.</summary>
    public abstract Tensor Forward(ReadOnlySpan<Tensor> x, Shape y);

    /// <summary>Computes the output into <paramref name="y"/>, a buffer of <paramref name="shape"/>'s size that the
    /// caller owns and that may hold anything. Compiled plans (<see cref="Plan"/>) call this so that buffers are
    /// reused; an element-wise op (<see cref="IElementwise"/>) may be handed one of its own inputs' storage as
    /// <paramref name="y"/>. The default copies <see cref="Forward"/>'s result; ops override it to skip that copy.</summary>
    public virtual void ForwardInto(ReadOnlySpan<Tensor> x, Shape shape, double[] y) => Forward(x, shape).Values.CopyTo(y);

    /// <summary><see cref="Forward"/> for an op whose work is in <see cref="ForwardInto"/>: into a fresh array.</summary>
    protected Tensor ForwardIntoNew(ReadOnlySpan<Tensor> x, Shape y)
    {
        var result = new double[y.Size];
        ForwardInto(x, y, result);
        return Tensor.FromColumnMajor(y, result);
    }

    /// <summary>True when <see cref="Forward"/> returns a view of input 0's storage (a reshape): plans then keep that
    /// storage alive as long as the view, instead of giving the op a buffer.</summary>
    public virtual bool IsView => false;

    /// <summary>Forward mode: the output tangent given the input tangents (<c>null</c> = zero); returns <c>null</c>
    /// for a zero output tangent.</summary>
    public abstract Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents);

    /// <summary>Reverse mode: the cotangent of each input (<c>null</c> = zero) given the output's cotangent.</summary>
    public abstract Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent);

    /// <summary>Reverse mode, told which inputs need a cotangent: where <paramref name="needed"/> is false the rule
    /// may return <c>null</c> and skip building what no one reads (the cotangent of a constant, say). The reverse
    /// transformation calls this one; the default computes every cotangent.</summary>
    public virtual Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent, ReadOnlySpan<bool> needed) => Vjp(x, y, cotangent);

    /// <summary>Throws a <see cref="ShapeException"/> whose message starts with this op's name.</summary>
    protected ShapeException ShapeError(string detail) => new($"{this}: {detail}");

    /// <summary>The name, with parameters where the op has them.</summary>
    public override string ToString() => Name;
}

/// <summary>A graph input, bound by name to a value when the graph is evaluated. Not differentiable by rule:
/// the interpreters seed its tangent and collect its cotangent.</summary>
public sealed class Variable : Op
{
    internal Variable(string name, Shape shape)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Variable: a name is required");
        (Name, Shape) = (name, shape);
    }
    /// <inheritdoc/>
    public override string Name { get; }
    /// <summary>The shape a binding must have.</summary>
    public Shape Shape { get; }
    /// <inheritdoc/>
    public override int Arity => 0;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape;
    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) =>
        throw new BindingException($"variable '{Name}' {Shape} is not bound");
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) => null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [];
    /// <inheritdoc/>
    public override string ToString() => $"Variable '{Name}'";
}

/// <summary>A constant value: zero tangent, no cotangent.</summary>
public sealed class Constant : Op
{
    internal Constant(Tensor value) => Value = value;
    /// <summary>The constant's value.</summary>
    public Tensor Value { get; }
    /// <inheritdoc/>
    public override string Name => "Constant";
    /// <inheritdoc/>
    public override int Arity => 0;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Value.Shape;
    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => Value;
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) => null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [];
    /// <inheritdoc/>
    public override string ToString() => Value.Shape.Size == 1 ? $"Constant {Value.Storage[0]:G6}" : $"Constant{Value.Shape}";

    /// <summary>Constants are equal when they share storage, or are one-element tensors of one shape with the same
    /// bits (the ½ and 1 that rules create afresh each time), so plans can merge them.</summary>
    public override bool Equals(object? obj) => obj is Constant c && c.Value.Shape == Value.Shape &&
        (ReferenceEquals(c.Value.Storage, Value.Storage) ||
         (Value.Shape.Size == 1 && BitConverter.DoubleToInt64Bits(c.Value.Storage[0]) == BitConverter.DoubleToInt64Bits(Value.Storage[0])));
    /// <inheritdoc/>
    public override int GetHashCode() => Value.Shape.Size == 1
        ? Value.Storage[0].GetHashCode()
        : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Value.Storage);
}

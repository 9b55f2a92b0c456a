using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiff.Functional;

/// <summary>An immutable node of a computation graph: an op, its inputs and its shape, checked when the node is
/// built. Nodes have no parent pointers, so subgraphs are shared freely and building new nodes never changes
/// existing ones. Identity is reference identity.</summary>
public sealed class Node
{
    /// <summary>The op this node applies.</summary>
    public Op Op { get; }
    /// <summary>The op's inputs.</summary>
    public ImmutableArray<Node> Inputs { get; }
    /// <summary>The shape of this node's value.</summary>
    public Shape Shape { get; }
    /// <summary>The element type of this node's value: float64, float32, or int32 data (which has no derivatives).</summary>
    public DType DType { get; }
    /// <summary>A weak float64 value (JAX's weak type): a scalar literal, a rule's zero, or an op of only such values. It
    /// takes the type of a float32 value it meets (a cast is inserted), so <c>x * 0.5</c> and the constants of the
    /// derivative rules work at every float type without a silent promotion.</summary>
    internal bool Weak { get; }

    /// <summary>A number unique to this node, larger than its inputs' (they exist first), so sorting by it is a
    /// topological order. It only orders nodes; it never affects a value.</summary>
    public long Id { get; }
    static long lastId;

    Node(Op op, ImmutableArray<Node> inputs, Shape shape, DType type = DType.Float64, bool weak = false)
    {
        (Op, Inputs, Shape, DType, Weak) = (op, inputs, shape, type, weak);
        Id = Interlocked.Increment(ref lastId);
    }

    /// <summary>Applies <paramref name="op"/> to <paramref name="inputs"/>, checking arity and shapes now.</summary>
    /// <exception cref="ShapeException">The shapes do not fit the op; the message names the op and the shapes.</exception>
    public static Node Apply(Op op, params ReadOnlySpan<Node> inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.Arity >= 0 && inputs.Length != op.Arity)
            throw new ArgumentException($"{op}: takes {op.Arity} input(s), got {inputs.Length}");
        // Input shapes on the stack for the usual few inputs: node construction is the per-node cost of every graph.
        var small = new SmallShapes();
        var shapes = inputs.Length <= SmallShapes.Length ? small[..inputs.Length] : new Shape[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            shapes[i] = (inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{op}: input {i} is null")).Shape;
        Shape shape;
        try { shape = op.InferShape(shapes) ?? throw new InvalidOperationException($"internal: the shape rule of {op} returned null"); }
        catch (ShapeException e) when (e.TooLarge)
        {
            throw new ShapeException($"{op}: {string.Join(" and ", shapes.ToArray())}: {e.Message["Shape: ".Length..]}");
        }
        var typed = WithWeakResolved(op, inputs, out bool weak);
        return new Node(op, typed, shape, op.InferType(typed.AsSpan()), weak);
    }

    /// <summary>The inputs with each weak one cast to float32 when a strong float32 input is among them; <paramref name="weak"/>
    /// says whether the result is weak too (its float inputs are all weak).</summary>
    static ImmutableArray<Node> WithWeakResolved(Op op, ReadOnlySpan<Node> inputs, out bool weak)
    {
        bool anyWeak = false, anyFloat32 = false, anyStrong = false;
        foreach (var x in inputs)
        {
            if (!x.DType.IsFloat()) continue;
            anyWeak |= x.Weak;
            anyStrong |= !x.Weak;
            anyFloat32 |= !x.Weak && x.DType == DType.Float32;
        }
        weak = anyWeak && !anyStrong && op is not Cast;
        if (!(anyWeak && anyFloat32)) return [.. inputs];
        var typed = new Node[inputs.Length];
        for (int i = 0; i < typed.Length; i++) typed[i] = inputs[i].Weak ? inputs[i].As(DType.Float32) : inputs[i];
        return [.. typed];
    }

    /// <summary>Applies an op with several results to <paramref name="inputs"/>: one node per result, all read from one
    /// node, so the op runs once however many of them are used.</summary>
    /// <exception cref="ShapeException">The shapes do not fit the op; the message names the op and the shapes.</exception>
    public static Node[] ApplyMulti(MultiOp op, params ReadOnlySpan<Node> inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        return op.Results(Apply(op, inputs));
    }

    /// <summary>This node as type <paramref name="type"/>: itself when it is of that type, else a <see cref="Cast"/>.</summary>
    internal Node As(DType type) => DType == type ? this : Apply(new Cast(type), this);

    /// <summary>Applies <paramref name="op"/> to one input; a null input is an <see cref="ArgumentNullException"/> naming
    /// the caller's argument (<c>x</c> in <c>Node.Apply(new Sin(), x)</c>).</summary>
    public static Node Apply(Op op, Node x, [CallerArgumentExpression(nameof(x))] string? xName = null) =>
        Apply(op, [x ?? throw NullInput(op, 0, xName ?? nameof(x))]);

    /// <summary>Applies <paramref name="op"/> to two inputs, naming the caller's argument when one is null.</summary>
    public static Node Apply(Op op, Node a, Node b,
        [CallerArgumentExpression(nameof(a))] string? aName = null, [CallerArgumentExpression(nameof(b))] string? bName = null) =>
        Apply(op, [a ?? throw NullInput(op, 0, aName ?? nameof(a)), b ?? throw NullInput(op, 1, bName ?? nameof(b))]);

    // The op and the position in the message ("Add: input 1 is null"), the caller's argument as the parameter.
    static ArgumentNullException NullInput(Op op, int i, string name) => new ArgumentNullException(name, $"{op}: input {i} is null");

    [InlineArray(Length)]
    struct SmallShapes
    {
        public const int Length = 4;
        Shape element;
    }

    /// <summary>A named input of the graph, bound to a value at evaluation time.</summary>
    public static Node Variable(string name, Shape shape) => Variable(name, shape, DType.Float64);
    /// <summary>A named input of element type <paramref name="type"/>: <c>DType.Int32</c> for indices and labels bound
    /// per call.</summary>
    public static Node Variable(string name, Shape shape, DType type) =>
        new(new Variable(name, shape ?? throw new ArgumentNullException(nameof(shape)), type), [], shape, type);
    /// <summary>A constant (shares <paramref name="value"/>'s storage), of the value's element type.</summary>
    public static Node Constant(Tensor value) => new(new Constant(value ?? throw new ArgumentNullException(nameof(value))), [], value.Shape, value.DType);
    /// <summary>A scalar constant, weak (it takes the float type of the value it meets: float64 unless that is float32).</summary>
    public static Node Constant(double value) => WeakConstant(Tensor.Scalar(value));
    /// <summary>A constant of zeros (the symbolic zero made concrete), weak like a scalar literal.</summary>
    public static Node Zeros(Shape shape) => WeakConstant(Tensor.Zeros(shape ?? throw new ArgumentNullException(nameof(shape))));
    /// <summary>A constant of zeros of type <paramref name="type"/>.</summary>
    public static Node Zeros(Shape shape, DType type) => Zeros(shape).As(type);
    /// <summary>A float64 constant that is weak: for the constants the library's own rules build.</summary>
    internal static Node WeakConstant(Tensor value) => new(new Constant(value), [], value.Shape, DType.Float64, weak: true);

    /// <summary>This node's value given its inputs' values <paramref name="x"/>: input 0's storage for a view, else the
    /// forward rule written into <paramref name="y"/> (a fresh array when none is given): singles for a float32 node
    /// (<see cref="Functional.Singles"/>), doubles otherwise. The one place
    /// interpreters call the forward rule, so its shape is checked once.</summary>
    internal Tensor Compute(ReadOnlySpan<Tensor> x, Array? y = null)
    {
        if (Op is IView) return x[0].Reshaped(Shape);
        if (WritesSingles)
        {
            var singles = y as float[] ?? GC.AllocateUninitializedArray<float>(Shape.Size);
            Functional.Singles.Forward(Op, x, singles);
            return new Tensor(Shape, singles);
        }
        return ComputeDoubles(x, y as double[] ?? GC.AllocateUninitializedArray<double>(Shape.Size));
    }

    /// <summary>Whether <see cref="Compute(ReadOnlySpan{Tensor}, Array?)"/> writes this node's value as singles.</summary>
    internal bool WritesSingles => DType == DType.Float32 && !IsLeaf && Op is not IView;

    Tensor ComputeDoubles(ReadOnlySpan<Tensor> x, double[] y)
    {
        Op.Forward(x, y);
        // A float32 node never gets here (Compute writes it as singles), so a float result is float64 as written.
        return DType == DType.Int32 ? Tensor.OwnIndices(Shape, Positions(y)) : new Tensor(Shape, y, DType);
    }

    /// <summary>An int32 result (positions, as ArgMin gives) from the float64 numbers the forward rule wrote, which equal
    /// them exactly: a forward rule has one signature for every element type.</summary>
    static int[] Positions(double[] y)
    {
        var ints = GC.AllocateUninitializedArray<int>(y.Length);
        for (int i = 0; i < y.Length; i++) ints[i] = (int)y[i];
        return ints;
    }

    /// <summary>True when this node is a <see cref="Functional.Variable"/>.</summary>
    public bool IsVariable => Op is Variable;
    /// <summary>True for variables and constants.</summary>
    public bool IsLeaf => Inputs.IsEmpty;

    /// <summary>E.g. <c>Sin(3×4)</c> or <c>x(5)</c>; int32 data says so: <c>labels(5 int32)</c>.</summary>
    public override string ToString() => Op switch
    {
        Variable v => $"{v.Name}{Printed}",
        Constant { One: not null } c when Shape.IsScalar && DType == DType.Float64 => $"{c}",
        _ => $"{Op}{Printed}",
    };

    string Printed => DType == DType.Float64 ? $"{Shape}" : Shape.IsScalar ? $"({DType.Name()})" : $"{Shape.ToString()[..^1]} {DType.Name()})";
}

using System.Collections.Immutable;

namespace AutoDiff.Functional;

/// <summary>An op with several results (JAX's primitives with <c>multiple_results</c>): a loop's carries, a
/// decomposition's factors. <see cref="Node.ApplyMulti"/> gives one node per result. Its rules speak per result: the
/// JVP returns a tangent for each, and the VJP receives a cotangent for each, <c>null</c> (a symbolic zero) for a result
/// no one differentiates, so an unused result costs nothing in reverse mode.</summary>
/// <remarks>Underneath, the op is one node whose value holds its results one after another, each flattened
/// (column-major), and each result is an <see cref="Output"/> of it. So every interpreter, plan, fusion and picture
/// handles it as a node like any other, and it runs once however many of its results are read. Every result has the
/// op's one float type. An op with one result is an ordinary op: its node is that result.</remarks>
public abstract record MultiOp : Op
{
    /// <summary>The results' shapes for the input shapes <paramref name="x"/>; throws a <see cref="ShapeException"/>
    /// naming the op and every shape when they do not fit.</summary>
    public abstract Shape[] InferShapes(ReadOnlySpan<Shape> x);

    /// <summary>The shape of the node holding every result: the result itself when there is one, else a vector of
    /// all their elements.</summary>
    public sealed override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var shapes = InferShapes(x);
        if (shapes.Length == 0) throw ShapeError("an op with several results needs at least one");
        return shapes.Length == 1 ? shapes[0] : Shape.Vector(checked(shapes.Sum(s => s.Size)));
    }

    /// <summary>Forward mode: each result's tangent given the inputs' tangents <paramref name="t"/> (<c>null</c> =
    /// zero), <c>null</c> for a zero one; <paramref name="y"/> holds the results.</summary>
    public abstract Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t);

    /// <summary>Reverse mode: each input's cotangent given each result's cotangent <paramref name="ct"/> (<c>null</c>
    /// for a result no one differentiates; at least one is not); <paramref name="y"/> holds the results.</summary>
    public abstract Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed);

    /// <inheritdoc/>
    public sealed override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var results = Results(y);
        var tangents = Jvp(x, results, t);
        CheckCount("JVP", tangents.Length, results.Length);
        return results.Length == 1 ? tangents[0] : Pack.WithZeros(tangents, [.. results.Select(r => r.Shape)]);
    }

    /// <inheritdoc/>
    /// <remarks>The reverse interpreter hands each result's cotangent to the rule per result; this form, for a cotangent
    /// of the whole node, cuts it into one per result.</remarks>
    public sealed override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var results = Results(y);
        return Vjp(x, results, Cut(ct, results), needed);
    }

    /// <summary>The results of the node <paramref name="y"/> of this op, one node each.</summary>
    public Node[] Results(Node y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (!Equals(y.Op)) throw new ArgumentException($"{this}: {y} is not a node of this op");
        var shapes = new Shape[y.Inputs.Length];
        for (int i = 0; i < shapes.Length; i++) shapes[i] = y.Inputs[i].Shape;
        var results = InferShapes(shapes);
        return results.Length == 1 ? [y] : Results(y, results);
    }

    /// <summary>A value packed like the results <paramref name="y"/> (a cotangent of the whole node) cut into one per result.</summary>
    internal Node[] Cut(Node packed, Node[] y) => y.Length == 1 ? [packed] : Results(packed, [.. y.Select(r => r.Shape)]);

    static Node[] Results(Node packed, Shape[] shapes)
    {
        var parts = new Node[shapes.Length];
        for (int i = 0, start = 0; i < shapes.Length; start += shapes[i++].Size)
            parts[i] = Node.Apply(new Output(i, start, shapes[i]), packed);
        return parts;
    }

    internal void CheckCount(string rule, int count, int results)
    {
        if (count != results)
            throw new InvalidOperationException($"internal: the {rule} rule of {this} returned {count} values for {results} results");
    }
}

/// <summary>Result <see cref="Index"/> of a node holding several (<see cref="MultiOp"/>): the elements from
/// <see cref="Start"/>, shaped <see cref="Of"/>. Batched over k members (each member's packed value a column of
/// <see cref="Stride"/> elements), it reads the result of each, one column per member. Linear; its adjoint puts the
/// cotangent in its place between zeros.</summary>
public sealed record Output : LinearOp
{
    internal Output(int index, int start, Shape of, int members = 1, int stride = 0) =>
        (Index, Start, Of, Members, Stride) = (index, start, of, members, stride);
    /// <summary>Which result.</summary>
    public int Index { get; }
    /// <summary>Where its elements start in the packed value.</summary>
    public int Start { get; }
    /// <summary>Its shape.</summary>
    public Shape Of { get; }
    /// <summary>The members of a batch it reads the result of, when batched (<see cref="Stride"/> &gt; 0).</summary>
    public int Members { get; }
    /// <summary>The elements of one member's packed value when batched, else 0.</summary>
    public int Stride { get; }
    /// <inheritdoc/>
    protected override string Parameters => Batched ? $"{Index}, {Members} members" : $"{Index}";

    bool Batched => Stride > 0;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        int each = Batched ? Stride : x[0].Size;
        if (Start < 0 || Start > each - Of.Size || (Batched && x[0].Size != (long)Members * Stride))
            throw ShapeError($"{x[0]} does not hold a result of {Of.Size} elements from {Start}{(Batched ? $" in each of {Members} members of {Stride}" : "")}");
        return Batched ? Shape.Matrix(Of.Size, Members) : Of;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int size = Of.Size;
        for (int c = 0; c < Members; c++) x[0].Values.Slice(c * Stride + Start, size).CopyTo(y.AsSpan(c * size, size));
    }

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x)
    {
        int each = Batched ? Stride : x.Shape.Size, after = each - Start - Of.Size, size = Of.Size;
        var parts = new List<Node>(3 * Members);
        for (int c = 0; c < Members; c++)
        {
            if (Start > 0) parts.Add(Node.Zeros(Shape.Vector(Start)));
            parts.Add(Batched ? Node.Apply(new Output(c, c * size, Shape.Vector(size)), ct) : ct);
            if (after > 0) parts.Add(Node.Zeros(Shape.Vector(after)));
        }
        return Node.Apply(new Pack(x.Shape), [.. parts]);
    }

    /// <inheritdoc/>
    /// <remarks>Each member's result, a column each; a batch of batches runs one member at a time.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched ? null : Node.Apply(new Output(Index, Start, Shape.Vector(Of.Size), k, x[0].Shape.Size), xb[0]!);
}

/// <summary>Its inputs' elements one after another (each flattened column-major) in a tensor of shape
/// <see cref="As"/> (a vector when null): the tangent or cotangent of a node holding several results. Linear; its
/// adjoint cuts the cotangent back into the inputs' shapes.</summary>
internal sealed record Pack(Shape? As = null) : Op
{
    /// <inheritdoc/>
    public override int Arity => -1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (x.Length == 0) throw ShapeError("needs at least one input");
        long size = 0;
        foreach (var s in x) size += s.Size;
        if (As is not null && As.Size != size) throw ShapeError($"{size} elements in all, not the {As.Size} of {As}");
        return As ?? Shape.Vector(checked((int)size));
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int start = 0;
        foreach (var part in x)
        {
            part.Values.CopyTo(y.AsSpan(start));
            start += part.Shape.Size;
        }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        WithZeros(t, [.. x.Select(n => n.Shape)], As);

    /// <summary>The <paramref name="parts"/> packed (as <paramref name="shape"/>), a zero of its shape in
    /// <paramref name="shapes"/> for each null part: the tangent of a packed value; null when every part is null.</summary>
    internal static Node? WithZeros(ReadOnlySpan<Node?> parts, Shape[] shapes, Shape? shape = null)
    {
        bool any = false;
        foreach (var d in parts) any |= d is not null;
        if (!any) return null;
        var filled = new Node[parts.Length];
        for (int i = 0; i < parts.Length; i++) filled[i] = parts[i] ?? Node.Zeros(shapes[i]);
        return Node.Apply(new Pack(shape), filled);
    }

    /// <inheritdoc/>
    /// <remarks>Member c's column is each input's member c, one after another: a part per member and input.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var parts = new List<Node>(k * x.Length);
        for (int c = 0; c < k; c++)
            for (int i = 0; i < x.Length; i++)
                parts.Add(xb[i] is { } b ? Node.Apply(new Output(i, c * x[i].Shape.Size, Shape.Vector(x[i].Shape.Size)), b) : x[i]);
        return Node.Apply(new Pack(Shape.Matrix(y.Shape.Size, k)), [.. parts]);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var result = new Node?[x.Length];
        for (int i = 0, start = 0; i < x.Length; start += x[i++].Shape.Size)
            if (needed[i]) result[i] = Node.Apply(new Output(i, start, x[i].Shape), ct);
        return result;
    }
}

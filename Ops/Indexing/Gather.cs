using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Selects elements by position: output element k is input element <c>Map[k]</c> (column-major positions).
/// One op serves element, row and column selection and picking one entry per row by labels; its adjoint is
/// <see cref="Scatter"/> with the same map.</summary>
public sealed class Gather : Op, IExpand
{
    readonly int[] map;

    /// <summary>A selection named <paramref name="description"/> (e.g. "Column(0)") from inputs of
    /// <paramref name="input"/> shape into <paramref name="output"/> shape.</summary>
    public Gather(string description, Shape input, Shape output, int[] map)
    {
        if (map.Length != output.Size)
            throw new ArgumentException($"{description}: {map.Length} positions for an output of shape {output}");
        foreach (var p in map)
            if ((uint)p >= (uint)input.Size)
                throw new ShapeException($"{description}: position {p} is outside {input}");
        (Description, Input, Output, this.map) = (description, input, output, (int[])map.Clone());
    }

    /// <summary>What is selected, e.g. "Column(0)".</summary>
    public string Description { get; }
    /// <summary>The input shape this selection is for.</summary>
    public Shape Input { get; }
    /// <summary>The output shape.</summary>
    public Shape Output { get; }
    /// <summary>The positions selected.</summary>
    public ReadOnlySpan<int> Map => map;
    /// <inheritdoc/>
    public override string Name => "Gather";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0] == Input
        ? Output
        : throw ShapeError($"{x[0]}: this selection is for {Input}");

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape y, double[] result)
    {
        var a = x[0].Storage;
        for (int k = 0; k < map.Length; k++) result[k] = a[map[k]];
    }

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y)
    {
        var positions = map.AsSpan(start, y.Length);
        for (int k = 0; k < y.Length; k++) y[k] = input[positions[k]];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) =>
        [Node.Apply(new Scatter(this), cotangent)];
    /// <inheritdoc/>
    public override string ToString() => Description;
}

/// <summary>The adjoint of a <see cref="Gather"/>: a tensor of the gather's input shape, zero except that input
/// element k is added at position <c>Map[k]</c> (positions may repeat, and then they add up).</summary>
public sealed class Scatter(Gather gather) : Op
{
    /// <summary>The gather this scatter undoes.</summary>
    public Gather Gather { get; } = gather;
    /// <inheritdoc/>
    public override string Name => "Scatter";
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0] == Gather.Output
        ? Gather.Input
        : throw ShapeError($"{x[0]}: this scatter takes {Gather.Output}");

    /// <inheritdoc/>
    public override Tensor Forward(ReadOnlySpan<Tensor> x, Shape y) => ForwardIntoNew(x, y);

    /// <inheritdoc/>
    public override void ForwardInto(ReadOnlySpan<Tensor> x, Shape y, double[] result)
    {
        var a = x[0].Storage;
        var map = Gather.Map;
        Array.Clear(result);
        for (int k = 0; k < map.Length; k++) result[map[k]] += a[k];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> tangents) =>
        tangents[0] is { } t ? Node.Apply(this, t) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node cotangent) => [Node.Apply(Gather, cotangent)];
    /// <inheritdoc/>
    public override string ToString() => $"Scatter[{Gather.Description}]";
}

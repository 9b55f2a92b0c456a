namespace AutoDiff.Functional.Ops;

/// <summary>Selects elements by position: output element k is input element <c>Map[k]</c> (column-major positions).
/// One op serves element, row and column selection and picking one entry per row by labels; its adjoint is
/// <see cref="Scatter"/> with the same map. Two gathers are the same op only if they share their map.</summary>
internal sealed record Gather : LinearOp, IExpand
{
    readonly int[] map;

    /// <summary>A selection named <paramref name="description"/> (e.g. "Column(0)") from inputs of
    /// <paramref name="input"/> shape into <paramref name="output"/> shape.</summary>
    public Gather(string description, Shape input, Shape output, int[] map)
    {
        if (map.Length != output.Size)
            throw new ArgumentException($"{description}: {map.Length} positions for an output of shape {output}", nameof(map));
        foreach (var p in map)
            if ((uint)p >= (uint)input.Size)
                throw new ShapeException($"{description}: position {p} is outside {input}");
        (Description, Input, Output, this.map) = (description, input, output, (int[])map.Clone());
        from = Consecutive(map) ? map[0] : -1;
    }

    // Where the map is one run of consecutive positions (a column of a column-major matrix), its first; else −1.
    readonly int from;

    static bool Consecutive(int[] map)
    {
        for (int k = 1; k < map.Length; k++)
            if (map[k] != map[0] + k) return false;
        return map.Length > 0;
    }

    /// <summary>What is selected, e.g. "Column(0)": the op's name in errors and pictures.</summary>
    public string Description { get; }
    /// <summary>The input shape this selection is for.</summary>
    public Shape Input { get; }
    /// <summary>The output shape.</summary>
    public Shape Output { get; }
    /// <summary>The positions selected.</summary>
    public ReadOnlySpan<int> Map => map;
    /// <inheritdoc/>
    public override string Name => Description;
    /// <inheritdoc/>
    protected override string Parameters => "";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0] == Input
        ? Output
        : throw ShapeError($"{x[0]}: this selection is for {Input}");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Block(x[0].Values, 0, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<double> input, int start, Span<double> y)
    {
        if (from >= 0) { input.Slice(from + start, y.Length).CopyTo(y); return; }
        var positions = map.AsSpan(start, y.Length);
        for (int k = 0; k < y.Length; k++) y[k] = input[positions[k]];
    }

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<double> y) => Select(input, start, y);

    /// <inheritdoc/>
    public void Block(ReadOnlySpan<float> input, int start, Span<float> y) => Select(input, start, y);

    void Select<U>(ReadOnlySpan<float> input, int start, Span<U> y) where U : unmanaged, System.Numerics.INumberBase<U>
    {
        if (from >= 0) { Tensor.Convert(input.Slice(from + start, y.Length), y); return; }
        var positions = map.AsSpan(start, y.Length);
        for (int k = 0; k < y.Length; k++) y[k] = U.CreateTruncating(input[positions[k]]);
    }

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Node.Apply(new Scatter(this), ct);

    /// <inheritdoc/>
    public override Node? Batch(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, Input, xb[0]!);
}

/// <summary>The adjoint of a <see cref="Gather"/>: a tensor of the gather's input shape, zero except that input
/// element k is added at position <c>Map[k]</c> (positions may repeat, and then they add up).</summary>
internal sealed record Scatter(Gather Gather) : LinearOp, IForward32
{
    /// <summary>True when the gather selects no position twice (a row, a column, one entry per row), so this scatter puts
    /// values without adding any. Found once here, where reverse mode builds the scatter, not for every gather.</summary>
    public bool Distinct { get; } = IsDistinct(Gather.Map, Gather.Input.Size);

    static bool IsDistinct(ReadOnlySpan<int> map, int size)
    {
        var seen = new bool[size];
        foreach (var p in map)
            if (seen[p]) return false;
            else seen[p] = true;
        return true;
    }

    /// <inheritdoc/>
    public override string Name => $"Scatter[{Gather.Description}]";
    /// <inheritdoc/>
    protected override string Parameters => "";

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0] == Gather.Output
        ? Gather.Input
        : throw ShapeError($"{x[0]}: this scatter takes {Gather.Output}");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var a = x[0].Storage;
        var map = Gather.Map;
        Array.Clear(y);
        for (int k = 0; k < map.Length; k++) y[map[k]] += a[k];
    }

    /// <inheritdoc/>
    /// <remarks>Positions selected once put their float32 value as it is (exact); repeated ones add in float64 first,
    /// rounded once.</remarks>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y)
    {
        var map = Gather.Map;
        if (!Distinct)
        {
            var sums = new double[y.Length];
            Forward(x, sums);
            Tensor.Narrow(sums, y);
            return;
        }
        Array.Clear(y);
        if (x[0].HoldsSingles)
        {
            var a = x[0].Singles;
            for (int k = 0; k < map.Length; k++) y[map[k]] = a[k];
        }
        else
        {
            var a = x[0].Values;
            for (int k = 0; k < map.Length; k++) y[map[k]] = (float)a[k];
        }
    }

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => Node.Apply(Gather, ct);

    /// <inheritdoc/>
    public override Node? Batch(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.Scattered(Gather, Gather.Input, xb[0]!);
}

using System.Buffers;

namespace AutoDiff.Functional;

/// <summary>An op whose float32 forward rule reads its inputs' float32 storage and writes singles itself, so a float32
/// value never gets a float64 copy (half the memory and memory traffic). The result must be what
/// <see cref="DType.Float32"/> promises: the float64 rule's result at the same inputs, rounded once to float32, or
/// within the bound the op states as <see cref="IAccumulates32"/>.</summary>
internal interface IForward32
{
    /// <summary>The output into <paramref name="y"/>; float inputs are float32 (read them with
    /// <see cref="Singles.Block"/> or <see cref="Tensor.Singles"/>).</summary>
    void Forward(ReadOnlySpan<Tensor> x, float[] y);
}

/// <summary>An op whose float32 result accumulates several roundings (a matrix product summed in float32), so it is
/// not its float64 result rounded once: it states the bound that the float32 rounding bounds (Rounding.Sensitivity) use.</summary>
internal interface IAccumulates32
{
    /// <summary>A nonnegative value M of the output's shape, built on the op's inputs <paramref name="x"/>: the float32
    /// result is within 2⁻²⁴·M of the exact result at the same inputs, to first order.</summary>
    Node RoundingBound(IReadOnlyList<Node> x);
}

/// <summary>Float32 forward rules over singles: an op's own (<see cref="IForward32"/>); for the kernels plans fuse
/// (element-wise, expand, take, reduce), their float32 blocks over singles, block by block as a plan's float32 passes run
/// them (an element-wise kernel without float32 arithmetic of its own widens, computes and rounds each block: the same bits
/// as the kernel over the whole float64 value, rounded); for any other op, its float64 rule on widened copies of its
/// inputs, its result rounded (the copies live only for the call).</summary>
internal static class Singles
{
    /// <summary>The float32 output of <paramref name="op"/> into <paramref name="y"/>.</summary>
    public static void Forward(Op op, ReadOnlySpan<Tensor> x, float[] y)
    {
        if (op is IForward32 own) { own.Forward(x, y); return; }
        if (op is IReduce reduce && x.Length == 1 && x[0].DType.IsFloat()) { y[0] = (float)Reduce(reduce, x[0]); return; }
        if (!(op is IElementwise && x.Length <= 2 && AreFloat(x) || op is IExpand && x.Length == 1 && x[0].DType.IsFloat()
              || op is IIndexedExpand && x.Length == 2 && x[0].DType.IsFloat()))
        {
            var doubles = GC.AllocateUninitializedArray<double>(y.Length);
            op.Forward(Widened(x), doubles);
            Tensor.Narrow(doubles, y);
            return;
        }
        (op as IIndexedExpand)?.Check(x[0], x[1]);
        var input = x[0];
        var scratch = ArrayPool<float>.Shared.Rent(2 * Plan.Tile);
        try
        {
            for (int start = 0; start < y.Length; start += Plan.Tile)
            {
                int length = Math.Min(Plan.Tile, y.Length - start);
                var block = y.AsSpan(start, length);
                if (op is IExpand expand)
                {
                    if (input.HoldsSingles) expand.Block(input.Singles, start, block);
                    else Through(block, d => expand.Block(input.Values, start, d));
                }
                else if (op is IIndexedExpand take) take.Block(x[0], x[1], start, block);
                else
                {
                    var a = Block32(x[0], start, length, scratch.AsSpan(0, Plan.Tile));
                    var b = x.Length > 1 ? Block32(x[1], start, length, scratch.AsSpan(Plan.Tile, Plan.Tile)) : default;
                    ((IElementwise)op).Block32(a, b, block);
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(scratch); }
    }

    /// <summary>The float32 block of an element-wise op by its float64 kernel: the inputs widened,
    /// <see cref="IElementwise.Block32(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>, the result
    /// narrowed (exact: it is rounded already).</summary>
    public static void Widened(IElementwise op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var scratch = ArrayPool<double>.Shared.Rent(a.Length + b.Length);
        var wa = scratch.AsSpan(0, a.Length);
        var wb = scratch.AsSpan(a.Length, b.Length);
        Tensor.Widen(a, wa);
        Tensor.Widen(b, wb);
        // The block lands on the wider operand's copy (a kernel may write over its input); a scalar's stays one number.
        var wy = wa.Length >= wb.Length ? wa : wb;
        op.Block32(wa, wb, wy[..y.Length]);
        Tensor.Narrow(wy[..y.Length], y);
        ArrayPool<double>.Shared.Return(scratch);
    }

    /// <summary>A float64 block rounded into singles, through pooled doubles.</summary>
    public static void Through(Span<float> y, Action<Span<double>> block)
    {
        var scratch = ArrayPool<double>.Shared.Rent(y.Length);
        block(scratch.AsSpan(0, y.Length));
        Tensor.Narrow(scratch.AsSpan(0, y.Length), y);
        ArrayPool<double>.Shared.Return(scratch);
    }

    static bool AreFloat(ReadOnlySpan<Tensor> x)
    {
        foreach (var t in x)
            if (!t.DType.IsFloat()) return false;
        return true;
    }

    /// <summary>The inputs with each float32 value held as singles replaced by a float64 copy for this call (a float64
    /// rule reads doubles), so no copy stays attached to a value that outlives the call (a bound input).</summary>
    static Tensor[] Widened(ReadOnlySpan<Tensor> x)
    {
        var widened = x.ToArray();
        for (int i = 0; i < widened.Length; i++)
            if (widened[i].HoldsSingles)
            {
                var d = GC.AllocateUninitializedArray<double>(widened[i].Shape.Size);
                Tensor.Widen(widened[i].Singles, d);
                widened[i] = new Tensor(widened[i].Shape, d, DType.Float32);
            }
        return widened;
    }

    /// <summary>A sum as a fused pass makes it: each tile's partial sum, added in tile order (<see cref="Plan"/>).</summary>
    static double Reduce(IReduce reduce, Tensor x)
    {
        var scratch = ArrayPool<double>.Shared.Rent(Plan.Tile);
        try
        {
            double sum = 0;
            for (int start = 0; start < x.Shape.Size; start += Plan.Tile)
                sum += reduce.Block(Block(x, start, Math.Min(Plan.Tile, x.Shape.Size - start), scratch));
            return sum;
        }
        finally { ArrayPool<double>.Shared.Return(scratch); }
    }

    /// <summary>Elements [start, start + length) of a float value as doubles: a slice of its doubles, or its singles
    /// widened into <paramref name="scratch"/>; the single element of a scalar whatever the block.</summary>
    public static ReadOnlySpan<double> Block(Tensor x, int start, int length, Span<double> scratch)
    {
        if (x.Shape.Size == 1) (start, length) = (0, 1);
        if (!x.HoldsSingles) return x.Values.Slice(start, length);
        Tensor.Widen(x.Singles.AsSpan(start, length), scratch);
        return scratch[..length];
    }

    /// <summary>Elements [start, start + length) of a float32 value as singles: a slice of its singles, or its doubles
    /// (float32 numbers) narrowed into <paramref name="scratch"/>; the single element of a scalar whatever the block.</summary>
    public static ReadOnlySpan<float> Block32(Tensor x, int start, int length, Span<float> scratch)
    {
        if (x.Shape.Size == 1) (start, length) = (0, 1);
        if (x.HoldsSingles) return x.Singles.AsSpan(start, length);
        Tensor.Narrow(x.Values.Slice(start, length), scratch);
        return scratch[..length];
    }
}

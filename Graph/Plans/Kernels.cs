using System.Buffers;

namespace AutoDiff.Functional;

/// <summary>An op computed element by element: output element i depends only on element i of each input of the
/// output's shape (or on the single element of a scalar input). Plans run such an op in place over an input that has
/// no later reader, and fuse chains of them into one pass over memory.</summary>
public interface IElementwise
{
    /// <summary>One aligned block of the output: <paramref name="a"/> and <paramref name="b"/> are the same block of
    /// each input, or hold the single element of a scalar input; <paramref name="b"/> is empty for a unary op.
    /// <paramref name="y"/> may be the very storage of <paramref name="a"/> or <paramref name="b"/>.</summary>
    void Block(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>The same block at float32 inputs, rounded to float32: the float64 block rounded, which is what
    /// <see cref="DType.Float32"/> promises. An op with a cheaper way to those very bits overrides it.</summary>
    void Block32(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        Block(a, b, y);
        Tensor.Round32(y);
    }

    /// <summary>The same block on float32 numbers held as singles, into singles: what the float32 passes of a plan run.
    /// The default widens the inputs, runs <see cref="Block32(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    /// and narrows; an op whose float32 arithmetic gives those very bits (+, −, ×, ÷, √) overrides it.</summary>
    void Block32(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => Singles.Widened(this, a, b, y);
}

/// <summary>An op that sums its whole input to one number: plans fold it into the fused pass that produces its input,
/// adding per-block partial results in block order, so that input is never stored.</summary>
public interface IReduce
{
    /// <summary>The partial result of one block of the input.</summary>
    double Block(ReadOnlySpan<double> x);
}

/// <summary>An op that spreads a smaller input over its output by position (a fill, a broadcast). Plans compute its
/// output block by block inside a fused pass, so the broadcast tensor is never stored.</summary>
public interface IExpand
{
    /// <summary>Output elements <paramref name="start"/> … <paramref name="start"/> + y.Length − 1 (column-major)
    /// from the whole <paramref name="input"/>.</summary>
    void Block(ReadOnlySpan<double> input, int start, Span<double> y);

    /// <summary>The same block from a float32 input held as singles (a float32 value with no float64 copy). The default
    /// widens the whole input first: an op that expands large inputs (a column of a float32 matrix) reads the singles
    /// itself.</summary>
    void Block(ReadOnlySpan<float> input, int start, Span<double> y)
    {
        var widened = new double[input.Length];
        Tensor.Widen(input, widened);
        Block(widened, start, y);
    }

    /// <summary>The same block from float32 singles into singles (a copy: nothing rounds). The default goes through
    /// doubles.</summary>
    void Block(ReadOnlySpan<float> input, int start, Span<float> y)
    {
        var widened = ArrayPool<double>.Shared.Rent(y.Length);
        Block(input, start, widened.AsSpan(0, y.Length));
        Tensor.Narrow(widened.AsSpan(0, y.Length), y);
        ArrayPool<double>.Shared.Return(widened);
    }
}

/// <summary>An op that selects slices of its input by int32 indices, its second input (a take, a row gather). Plans
/// compute its output block by block inside a fused pass like an <see cref="IExpand"/>'s, so the gathered tensor is
/// never stored.</summary>
public interface IIndexedExpand
{
    /// <summary>Throws the op's own error when an index is outside its bound. A pass checks every take before its
    /// first block, so the error is never one from inside a worker thread.</summary>
    void Check(Tensor input, Tensor indices);

    /// <summary>Output elements <paramref name="start"/> … <paramref name="start"/> + y.Length − 1 (column-major)
    /// from the whole <paramref name="input"/> (float64 or float32) and <paramref name="indices"/>, already
    /// checked.</summary>
    void Block(Tensor input, Tensor indices, int start, Span<double> y);

    /// <summary>The same block of a float32 <paramref name="input"/> into singles (a copy: nothing rounds). The default
    /// goes through doubles.</summary>
    void Block(Tensor input, Tensor indices, int start, Span<float> y) =>
        Singles.Through(y, block => Block(input, indices, start, block));
}

/// <summary>An op whose value is its input's elements unchanged, in the output's shape (a reshape). Interpreters give
/// it its input's storage instead of calling its forward rule, and plans keep that storage alive as long as the view.</summary>
public interface IView;

/// <summary>An op that evaluates a graph of its own (a loop body, a custom rule's function, an implicit function's
/// residual). In float32 every node of that inner graph rounds, so its result is not one rounding of its float64
/// value: the test kit's float32 law, which bounds one rounding per node, does not apply to graphs holding one.</summary>
public interface IInnerGraph;

using System.Collections.Immutable;
namespace AutoDiff.Functional.Ops;

/// <summary>A permutation of a tensor's axes: output axis d is input axis <see cref="Order"/>[d], so output element
/// (j₀, …, j_{n−1}) is the input element whose coordinate on axis Order[d] is j_d. The matrix transpose Aᵀ is the
/// rank-2 case, order (1, 0), and the default. Linear; its adjoint is the inverse permutation.</summary>
internal sealed record Transpose(AxisOrder Order) : LinearOp
{
    /// <summary>The matrix transpose Aᵀ.</summary>
    public Transpose() : this(AxisOrder.Swap) { }

    /// <summary>True for Aᵀ of a matrix, which MatMul takes as a flag instead of a copy.</summary>
    public bool IsMatrix => Order == AxisOrder.Swap;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (IsMatrix && x[0].Rank != 2) throw ShapeError($"{x[0]}: needs a matrix (use Reshape to turn a vector into a row or a column)");
        if (Order.Count != x[0].Rank)
            throw ShapeError($"{x[0]}: the order names {Order.Count} axes, but a rank-{x[0].Rank} tensor has {x[0].Rank}");
        var dims = new int[Order.Count];
        for (int d = 0; d < dims.Length; d++) dims[d] = x[0][Order[d]];
        return Shape.Of(dims);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        if (IsMatrix) { Matrix(x[0].Shape[0], x[0].Shape[1], x[0].Storage, y); return; }
        // Walk the output in storage order, stepping through the input by its stride along the axis each output axis reads.
        var input = x[0].Shape;
        int rank = input.Rank;
        if (rank == 0 || y.Length == 0) { x[0].Values.CopyTo(y); return; }
        Span<int> stride = stackalloc int[rank], size = stackalloc int[rank], at = stackalloc int[rank];
        for (int d = 0, s = 1; d < rank; s *= input[d], d++) stride[d] = s;
        for (int d = 0; d < rank; d++) (size[d], at[d]) = (input[Order[d]], 0);
        Span<int> step = stackalloc int[rank];
        for (int d = 0; d < rank; d++) step[d] = stride[Order[d]];
        var a = x[0].Storage;
        int n0 = size[0], s0 = step[0], from = 0;
        for (int q = 0; q < y.Length; q += n0)
        {
            for (int i = 0, p = from; i < n0; i++, p += s0) y[q + i] = a[p];
            for (int d = 1; d < rank; d++)   // the odometer over the output's other axes
            {
                from += step[d];
                if (++at[d] < size[d]) break;
                from -= step[d] * size[d];
                at[d] = 0;
            }
        }
    }

    static void Matrix(int m, int n, double[] a, double[] y)
    {
        const int block = 32; // tiles keep both the reads and the writes in cache
        for (int jb = 0; jb < n; jb += block)
            for (int ib = 0; ib < m; ib += block)
                for (int j = jb; j < Math.Min(jb + block, n); j++)
                    for (int i = ib; i < Math.Min(ib + block, m); i++)
                        y[j + i * n] = a[i + j * m];
    }

    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) => Batched.Moved(this, x[0].Shape, xb[0]!);

    /// <inheritdoc/>
    protected override Node Adjoint(Node ct, Node x) => IsMatrix ? ct.T() : Node.Apply(new Transpose(Order.Inverse), ct);

    /// <inheritdoc/>
    protected override string Parameters => IsMatrix ? "" : Order.ToString();
}

/// <summary>An order of axes, compared by value (so plans merge equal transposes): a permutation of 0 … n−1.</summary>
internal sealed class AxisOrder : IEquatable<AxisOrder>
{
    readonly int[] axes;

    AxisOrder(int[] axes) => this.axes = axes;

    /// <summary>(1, 0): the matrix transpose.</summary>
    public static readonly AxisOrder Swap = new([1, 0]);

    /// <summary>The order <paramref name="axes"/>, checked to be a permutation of 0 … n−1; the error names
    /// <paramref name="op"/>.</summary>
    public static AxisOrder Of(string op, params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var seen = new bool[axes.Length];
        foreach (var a in axes)
        {
            if ((uint)a >= (uint)axes.Length || seen[a])
                throw new ShapeException($"{op}: ({string.Join(", ", axes)}) is not an order of the axes 0 … {axes.Length - 1}, each once");
            seen[a] = true;
        }
        return new((int[])axes.Clone());
    }

    /// <summary>The number of axes.</summary>
    public int Count => axes.Length;
    /// <summary>The input axis that output axis <paramref name="d"/> reads.</summary>
    public int this[int d] => axes[d];
    /// <summary>True when every axis stays where it is.</summary>
    public bool IsIdentity => axes.Select((a, d) => a == d).All(same => same);
    /// <summary>The order that undoes this one.</summary>
    public AxisOrder Inverse
    {
        get
        {
            var inverse = new int[axes.Length];
            for (int d = 0; d < axes.Length; d++) inverse[axes[d]] = d;
            return new(inverse);
        }
    }

    /// <inheritdoc/>
    public bool Equals(AxisOrder? other) => other is not null && axes.AsSpan().SequenceEqual(other.axes);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AxisOrder);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var a in axes) h.Add(a);
        return h.ToHashCode();
    }
    /// <summary>Equality by value.</summary>
    public static bool operator ==(AxisOrder? a, AxisOrder? b) => a is null ? b is null : a.Equals(b);
    /// <summary>Inequality by value.</summary>
    public static bool operator !=(AxisOrder? a, AxisOrder? b) => !(a == b);
    /// <summary>"2, 0, 1".</summary>
    public override string ToString() => string.Join(", ", axes);
}

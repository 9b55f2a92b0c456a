using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Operations on tensors of any rank named by their axes: reductions over a set of axes
/// (<c>x.Sum(0, 2)</c>, <c>x.Mean(1, 2)</c>, <c>x.Max(0, 1)</c>), a permutation of axes (<c>x.Transpose(2, 0, 1)</c>),
/// a slice along any axis (<c>x.Slice(2, start, count)</c>), and the explicit broadcast
/// <c>x.BroadcastTo(shape, newAxes)</c>. Storage is column-major at every rank: the first axis varies fastest.</summary>
public static class Axes
{
    /// <summary>Σ over each of <paramref name="axes"/> (distinct, any order), which are dropped: a (b×m×n) tensor's
    /// <c>Sum(1, 2)</c> is the (b) vector of each member's sum. No axes at all leaves <paramref name="x"/> as it is.</summary>
    public static Node Sum(this Node x, params int[] axes) => Reduce("Sum", x, axes, (y, a) => y.Sum(a));

    /// <summary>The mean over each of <paramref name="axes"/>; an error when they hold no element.</summary>
    public static Node Mean(this Node x, params int[] axes)
    {
        var sum = x.Sum(axes);
        long count = 1;
        foreach (var a in axes) count *= x.Shape[a];
        return count > 0 ? sum / count : throw new ShapeException($"Mean({string.Join(", ", axes)}): axes {string.Join(", ", axes)} of {x.Shape} hold no element");
    }

    /// <summary>The maximum over each of <paramref name="axes"/> (at a tie the derivative splits evenly, axis by axis).</summary>
    public static Node Max(this Node x, params int[] axes) => Reduce("Max", x, axes, (y, a) => y.Max(a));

    /// <summary>The minimum over each of <paramref name="axes"/>.</summary>
    public static Node Min(this Node x, params int[] axes) => Reduce("Min", x, axes, (y, a) => y.Min(a));

    // Checks the axes (each once, each an axis of x) and reduces the highest first, so the lower ones keep their numbers.
    static Node Reduce(string name, Node x, int[] axes, Func<Node, int, Node> along)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(axes);
        var seen = new HashSet<int>();
        foreach (var a in axes)
        {
            if ((uint)a >= (uint)x.Shape.Rank)
                throw new ShapeException($"{name}({string.Join(", ", axes)}): {x.Shape} has no axis {a} ({Along.Axes(x.Shape)})");
            if (!seen.Add(a)) throw new ShapeException($"{name}({string.Join(", ", axes)}): axis {a} is named twice");
        }
        var y = x;
        foreach (var a in axes.OrderDescending()) y = along(y, a);
        return y;
    }

    /// <summary>The axes of <paramref name="x"/> in the order <paramref name="order"/>: output axis d is input axis
    /// order[d], so a (2×3×4) tensor's <c>Transpose(2, 0, 1)</c> is (4×2×3). The matrix transpose is
    /// <c>Transpose(1, 0)</c>, also written <c>x.T()</c>.</summary>
    public static Node Transpose(this Node x, params int[] order)
    {
        ArgumentNullException.ThrowIfNull(x);
        var axes = AxisOrder.Of($"Transpose({string.Join(", ", order ?? throw new ArgumentNullException(nameof(order)))})", order);
        if (axes.Count != x.Shape.Rank)
            throw new ShapeException($"Transpose({axes}): {x.Shape} has {x.Shape.Rank} axes, the order names {axes.Count}");
        return axes.IsIdentity ? x : axes == AxisOrder.Swap ? x.T() : Node.Apply(new Ops.Transpose(axes), x);
    }

    /// <summary>The <paramref name="count"/> slices from <paramref name="start"/> along <paramref name="axis"/>, at any
    /// rank (<c>Rows</c> and <c>Columns</c> are axes 0 and 1 of a matrix).</summary>
    public static Node Slice(this Node x, int axis, int start, int count) => Node.Apply(new Ops.Slice(axis, start, count), x);

    /// <summary><paramref name="x"/> repeated along the <paramref name="newAxes"/> of <paramref name="shape"/> (JAX's
    /// broadcast_in_dim, naming the new axes rather than the kept ones): the other axes of <paramref name="shape"/>
    /// are <paramref name="x"/>'s, in order. A vector (n) to (m×n) with new axis 0 repeats it as every row
    /// (<c>BroadcastRows(m)</c>); to (n×m) with new axis 1 as every column; a (b×n) batch of biases to (b×m×n) with
    /// new axis 1. Nothing stretches: an axis of size 1 stays 1 (drop it with Reshape first).</summary>
    public static Node BroadcastTo(this Node x, Shape shape, params int[] newAxes)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(newAxes);
        string call = $"BroadcastTo({shape.ToString().Trim('(', ')')}; new axes {string.Join(", ", newAxes)})";
        var isNew = new bool[shape.Rank];
        foreach (var a in newAxes)
        {
            if ((uint)a >= (uint)shape.Rank) throw new ShapeException($"{call}: {shape} has no axis {a} ({Along.Axes(shape)})");
            if (isNew[a]) throw new ShapeException($"{call}: axis {a} is named twice");
            isNew[a] = true;
        }
        var kept = Enumerable.Range(0, shape.Rank).Where(a => !isNew[a]).Select(a => shape[a]).ToArray();
        if (!kept.AsSpan().SequenceEqual(x.Shape.Dimensions))
            throw new ShapeException($"{call}: {x.Shape} does not fit: the axes of {shape} that are not new are ({string.Join("×", kept)}), " +
                                     $"and they must be {x.Shape} itself{Stretch(x.Shape, shape, isNew)}");
        if (x.Shape.IsScalar && shape.Rank > 0) return x.Fill(shape);
        var y = x;
        foreach (var a in newAxes.Order()) y = Broadcast.Along(y, a, shape[a]);
        return y;
    }

    static string Stretch(Shape from, Shape to, bool[] isNew) =>
        from.Rank + isNew.Count(n => n) != to.Rank
            ? $" ({from.Rank} + {isNew.Count(n => n)} new axes ≠ rank {to.Rank})"
            : from.Dimensions.Contains(1) ? " (an axis of size 1 does not stretch: drop it with Reshape and name it as new)" : "";

    /// <summary>The hint in an element-wise op's error when <paramref name="a"/> and <paramref name="b"/> differ:
    /// the BroadcastTo call that repeats the smaller along the axes it lacks, when its dimensions appear in order in
    /// the larger's; Reshape when both have as many elements.</summary>
    internal static string Hint(Shape a, Shape b)
    {
        var (small, large) = a.Rank <= b.Rank ? (a, b) : (b, a);
        var newAxes = new List<int>();
        int i = 0;
        for (int d = 0; d < large.Rank; d++)
            if (i < small.Rank && small[i] == large[d]) i++;
            else newAxes.Add(d);
        string reshape = a.Size == b.Size ? $"; or Reshape one to the other's shape: both have {a.Size} elements" : "";
        // Only the first axis differs: the rows of a batch, most often a graph built for one batch size and fed another.
        if (a.Rank == b.Rank && a.Rank > 0 && a[0] != b[0] && Enumerable.Range(1, a.Rank - 1).All(d => a[d] == b[d]))
            return $"the first axis, rows, is {a[0]} in one and {b[0]} in the other: if they are a batch, build the graph for the batch's " +
                   "row count (Fit calls loss(rows) with each batch's); otherwise BroadcastTo(shape, newAxes) repeats one along new axes";
        return i == small.Rank && small.Rank < large.Rank
            ? $"to repeat the {small} operand along the axes it lacks, use .BroadcastTo(Shape.Of({string.Join(", ", large.Dimensions)}), {string.Join(", ", newAxes)}){reshape}"
            : a.Size == b.Size ? $"use Reshape to give both one shape (both have {a.Size} elements), or BroadcastTo(shape, newAxes) to repeat one along new axes"
            : "use BroadcastTo(shape, newAxes) to repeat one along new axes, or Reshape to say what you mean";
    }
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>One entry per row by int32 labels: inputs (a (N×C), labels (N)); output element i is a[i, labels[i]], the
/// logit of each sample's true class. Linear in a, with <see cref="PutPerRow"/> as its adjoint; labels are data,
/// checked against C when the op runs, and get no cotangent. The same over a trailing axis of K slices, the form its
/// batching rule makes: a (N×C×K) with labels (N), shared by every slice, or (N×K), a column of labels per slice, gives
/// (N×K) with y[i, s] = a[i, labels[i, s], s].</summary>
internal sealed record PickPerRow : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var (a, labels) = (x[0], x[1]);
        if (a.Rank == 2 && labels.Rank == 1 && labels[0] == a[0]) return labels;
        if (a.Rank == 3 && Slices(labels, a[0], a[2])) return Shape.Matrix(a[0], a[2]);
        throw ShapeError($"{a} and labels {labels}: needs an (N×C) matrix and N labels, one per row (or an (N×C×K) tensor and N or (N×K) labels)");
    }

    /// <summary>Labels of shape (N), shared by K slices, or (N×K), one column per slice.</summary>
    internal static bool Slices(Shape labels, int n, int k) =>
        labels.Rank == 1 && labels[0] == n || labels.Rank == 2 && labels[0] == n && labels[1] == k;

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "labels");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var a = x[0].Values;
        var labels = x[1].Ints;
        int n = x[0].Shape[0], c = x[0].Shape[1], slices = y.Length / Math.Max(1, n), perSlice = labels.Length == n ? 0 : n;
        Check(this, labels, x[0].Shape);
        for (int s = 0; s < slices; s++)
            for (int i = 0; i < n; i++) y[i + s * n] = a[i + labels[i + s * perSlice] * n + s * n * c];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new PutPerRow(x[0].Shape[1]), ct, x[1]), null];

    /// <summary>The members' matrices as the K = k slices of one (N×C×k) tensor (a shared matrix repeated), their
    /// labels shared (N) or one column a member (N×k): the op's own trailing form, each member's entries read as its
    /// own.</summary>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var a = x[0].Shape;
        if (a.Rank != 2) return null;
        var members = (xb[0] ?? Batched.Shared(x[0], k)).Reshape(Shape.Of(a[0], a[1], k));
        return Node.Apply(this, members, xb[1] ?? x[1]);
    }

    /// <summary>Each label in 0 … C − 1, or an error naming the op, the row, the label and the classes.</summary>
    internal static void Check(Op op, ReadOnlySpan<int> labels, Shape matrix)
    {
        int n = matrix[0], c = matrix[1];
        if (Take.FirstOutside(labels, c) is var p and >= 0)
            throw new IndexException($"{op}: label {labels[p]} of row {p % n} is outside the {c} classes 0..{c - 1} of {matrix}");
    }
}

/// <summary>The adjoint of <see cref="PickPerRow"/>: inputs (v (N), labels (N)); an (N×<see cref="Classes"/>) matrix of
/// zeros with v[i] at (i, labels[i]). Over a trailing axis of K slices as PickPerRow: v (N×K) and labels (N) or (N×K)
/// give (N×C×K) with v[i, s] at (i, labels[i, s], s).</summary>
internal sealed record PutPerRow(int Classes) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var (v, labels) = (x[0], x[1]);
        if (Classes >= 0 && v.Rank == 1 && labels == v) return Shape.Matrix(v[0], Classes);
        if (Classes >= 0 && v.Rank == 2 && PickPerRow.Slices(labels, v[0], v[1])) return Shape.Of(v[0], Classes, v[1]);
        throw ShapeError($"{v} and labels {labels}: needs N values and N labels (or (N×K) values and N or (N×K) labels)");
    }

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "labels");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var v = x[0].Values;
        var labels = x[1].Ints;
        int n = x[0].Shape[0], slices = v.Length / Math.Max(1, n), perSlice = labels.Length == n ? 0 : n;
        PickPerRow.Check(this, labels, Shape.Matrix(n, Classes));
        Array.Clear(y);
        for (int s = 0; s < slices; s++)
            for (int i = 0; i < n; i++) y[i + labels[i + s * perSlice] * n + s * n * Classes] = v[i + s * n];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new PickPerRow(), ct, x[1]), null];

    /// <summary>The members' values as the k columns of an (N×k) matrix (shared values repeated), their labels shared
    /// or one column a member: the trailing form gives (N×C×k), member c in slice c, which is the batch's layout.</summary>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        if (x[0].Shape.Rank != 1) return null;
        var values = xb[0] ?? Batched.Shared(x[0], k);
        return Node.Apply(this, values, xb[1] ?? x[1]).Reshape(Shape.Matrix(y.Shape.Size, k));
    }
}

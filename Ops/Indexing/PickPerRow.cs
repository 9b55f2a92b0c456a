using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>One entry per row by int32 labels: inputs (a (N×C), labels (N)); output element i is a[i, labels[i]], the
/// logit of each sample's true class. Linear in a, with <see cref="PutPerRow"/> as its adjoint; labels are data,
/// checked against C when the op runs, and get no cotangent.</summary>
internal sealed record PickPerRow : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) =>
        x[0].Rank == 2 && x[1].Rank == 1 && x[1][0] == x[0][0] ? x[1]
        : throw ShapeError($"{x[0]} and labels {x[1]}: needs an (N×C) matrix and N labels, one per row");

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "labels");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var a = x[0].Values;
        var labels = x[1].Ints;
        int n = labels.Length;
        Check(this, labels, x[0].Shape);
        for (int i = 0; i < n; i++) y[i] = a[i + labels[i] * n];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new PutPerRow(x[0].Shape[1]), ct, x[1]), null];

    /// <summary>Each label in 0 … C − 1, or an error naming the op, the row, the label and the classes.</summary>
    internal static void Check(Op op, ReadOnlySpan<int> labels, Shape matrix)
    {
        int c = matrix[1];
        if (Take.FirstOutside(labels, c) is var i and >= 0)
            throw new IndexException($"{op}: label {labels[i]} of row {i} is outside the {c} classes 0..{c - 1} of {matrix}");
    }
}

/// <summary>The adjoint of <see cref="PickPerRow"/>: inputs (v (N), labels (N)); an (N×<see cref="Classes"/>) matrix of
/// zeros with v[i] at (i, labels[i]).</summary>
internal sealed record PutPerRow(int Classes) : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) =>
        x[0].Rank == 1 && x[1] == x[0] && Classes >= 0 ? Shape.Matrix(x[0][0], Classes)
        : throw ShapeError($"{x[0]} and labels {x[1]}: needs N values and N labels");

    /// <inheritdoc/>
    public override DType InferType(ReadOnlySpan<Node> x) => ValuesByIndices(x, "labels");

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var v = x[0].Values;
        var labels = x[1].Ints;
        int n = labels.Length;
        PickPerRow.Check(this, labels, Shape.Matrix(n, Classes));
        Array.Clear(y);
        for (int i = 0; i < n; i++) y[i + labels[i] * n] = v[i];
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? Node.Apply(this, t0, x[1]) : null;

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Node.Apply(new PickPerRow(), ct, x[1]), null];
}

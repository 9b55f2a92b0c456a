using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>Joins tensors of one rank end to end along one axis: vectors into one vector, matrices on top of one another
/// (axis 0) or side by side (axis 1), rank-3 tensors along any of their three axes; every other dimension must agree. Linear in each input: the tangent joins the tangents,
/// and each input's cotangent is its <see cref="Slice"/> of the output's.</summary>
internal sealed record Concat(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => -1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        if (x.Length == 0) throw ShapeError("needs at least one input");
        Along.Of(this, x[0], Axis);
        int total = 0;
        for (int q = 0; q < x.Length; q++)
        {
            if (x[q].Rank != x[0].Rank || Along.Resize(x[q], Axis, 0) != Along.Resize(x[0], Axis, 0))
                throw ShapeError($"input {q} {x[q]} does not fit input 0 {x[0]}: only dimension {Axis} may differ");
            total += x[q][Axis];
        }
        return Along.Resize(x[0], Axis, total);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (inner, _, outer) = Along.Of(this, x[0].Shape, Axis); // the same for every part
        for (int b = 0, at = 0; b < outer; b++)
            foreach (var part in x)
            {
                int run = part.Shape[Axis] * inner; // this part's slices in block b are contiguous
                part.Values.Slice(b * run, run).CopyTo(y.AsSpan(at, run));
                at += run;
            }
    }

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        bool any = false;
        foreach (var ti in t) any |= ti is not null;
        if (!any) return null;
        var parts = new Node[x.Length];
        for (int q = 0; q < x.Length; q++) parts[q] = t[q] ?? Node.Zeros(x[q].Shape);
        return Node.Apply(this, parts);
    }

    /// <summary>The members along a last axis (<see cref="Batched.Trailing"/>) join along the same axis.</summary>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var parts = new Node[x.Length];
        for (int q = 0; q < x.Length; q++) parts[q] = Batched.Trailing(xb[q] ?? Batched.Shared(x[q], k), x[q].Shape);
        return Batched.Flat(Node.Apply(this, parts), k);
    }

    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var cts = new Node?[x.Length];
        for (int q = 0, start = 0; q < x.Length; start += x[q].Shape[Axis], q++)
            if (needed[q]) cts[q] = Node.Apply(new Slice(Axis, start, x[q].Shape[Axis]), ct);
        return cts;
    }
}

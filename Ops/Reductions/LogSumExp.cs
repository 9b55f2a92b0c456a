using System.Collections.Immutable;
using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>log Σ exp(x) along one axis of a tensor of any rank (dropping it), computed as max + log Σ exp(x − max) so logits of magnitude 1e3 stay finite.
/// Its derivative is the softmax along that axis, the <see cref="Softmax"/> op (not exp(x − y), which rounds to 1 when
/// |x| is so large that y = x + ln 2 rounds to x).</summary>
internal sealed record LogSumExp(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var y = Ops.Axis.Remove(this, x[0], Axis);
        return x[0][Axis] > 0 ? y : throw ShapeError($"{x[0]}: axis {Axis} is empty, and log Σ exp of nothing is −∞");
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        if (x[0].Shape.Rank >= 2 && Axis == x[0].Shape.Rank - 1) { AlongRows(x[0], y); return; }
        var walk = new Axis(x[0].Shape, Axis);
        var a = x[0].Storage;
        for (int g = 0; g < walk.Groups; g++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) max = Math.Max(max, a[p]);
            if (double.IsInfinity(max)) { y[g] = max; continue; }
            double s = 0;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) s += VectorMath.Exp(a[p] - max);
            y[g] = max + VectorMath.Log(s);
        }
    }

    // Along the rows of a column-major matrix (or the last axis of a tensor, the axes before it one long column): sweep
    // whole columns (contiguous, vectorised) with a running max and sum per row, instead of striding across memory one
    // row at a time. Same terms, added in the same order.
    static void AlongRows(Tensor x, double[] result)
    {
        var (m, n, _) = Along.Of(x.Shape, x.Shape.Rank - 1);
        var a = x.Storage.AsSpan();
        var max = result.AsSpan();
        a[..m].CopyTo(max);
        for (int j = 1; j < n; j++) TensorPrimitives.Max(max, a.Slice(j * m, m), max);
        var sum = new double[m];
        var term = new double[m];
        for (int j = 0; j < n; j++)
        {
            TensorPrimitives.Subtract(a.Slice(j * m, m), max, term);
            VectorMath.Exp(term, term);   // our kernel: the same bits at every JIT tier and vector width
            TensorPrimitives.Add(sum, term, sum);
        }
        for (int i = 0; i < m; i++)
            if (!double.IsInfinity(max[i])) max[i] += VectorMath.Log(sum[i]);   // a row of −∞ (or with +∞) is its max
    }

    Node Probabilities(Node x) => Node.Apply(new Softmax(Axis), x);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? (t0 * Probabilities(x[0])).Sum(Axis) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [Broadcast.Along(ct, Axis, x[0].Shape[Axis]) * Probabilities(x[0])];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new LogSumExp(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}

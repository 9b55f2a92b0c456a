using System.Collections.Immutable;
using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>softmax along one axis of a tensor of any rank, exp(x − max) / Σ exp(x − max): the shift by the maximum is exact where it
/// matters (Sterbenz), so the result is right at any finite magnitude (softmax of (1e17, 1e17) is (½, ½), where
/// exp(x − logΣexp x) gives (1, 1)). Its derivative ẏ = y ⊙ (ṫ − Σ y ⊙ ṫ) reuses the output.</summary>
internal sealed record Softmax(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Ops.Axis.Remove(this, x[0], Axis);
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Shifted(x[0], Axis, y, log: false);

    /// <summary>exp(x − max) / Σ exp(x − max), or its logarithm (x − max) − log Σ exp(x − max), along each run of
    /// <paramref name="axis"/>. A run holding +∞ or only −∞ follows IEEE (NaN, as x − max is).</summary>
    /// <remarks>Runs along a matrix's rows are strided (column-major storage), so they are taken a block of rows at a
    /// time, column by column: every pass then reads memory in order. Each run's terms are still added in order along
    /// the axis, so the bits are those of one run at a time; each exponential is computed once and kept in y.</remarks>
    internal static void Shifted(Tensor x, int axis, double[] y, bool log)
    {
        if (x.Shape.Size == 0) return;
        var walk = new Axis(x.Shape, axis);
        var a = x.Storage;
        int block = walk.Stride == 1 ? 1 : 512, blocks = (walk.Groups + block - 1) / block;
        // Blocks are independent and each is computed the same way wherever it runs: two cores, the same bits.
        if (x.Shape.Size >= Plan.ParallelSize) Parallel.For(0, blocks, b => Block(b * block));
        else for (int b = 0; b < blocks; b++) Block(b * block);

        void Block(int g0)
        {
            if (walk.Stride == 1) { Run(g0); return; }
            int n = Math.Min(block, walk.Groups - g0);
            Span<double> max = stackalloc double[n], sum = stackalloc double[n];
            max.Fill(double.NegativeInfinity);
            sum.Clear();
            for (int k = 0; k < walk.Length; k++)
                for (int g = 0; g < n; g++) max[g] = Math.Max(max[g], a[walk.Start(g0 + g) + k * walk.Stride]);
            int first = walk.Start(g0);
            if (walk.Start(g0 + n - 1) - first == n - 1)
                // The block's runs are neighbours (a matrix's rows): at each step along the axis their elements are one
                // contiguous slice, whose exponentials are taken a vector at a time (kept in y, overwritten below in
                // the log case) and added to each run's sum, in the same order as one at a time.
                for (int k = 0; k < walk.Length; k++)
                {
                    var e = y.AsSpan(first + k * walk.Stride, n);
                    TensorPrimitives.Subtract(a.AsSpan(first + k * walk.Stride, n), max, e);
                    VectorMath.Exp(e, e);
                    TensorPrimitives.Add(sum, e, sum);
                }
            else
                for (int k = 0; k < walk.Length; k++)
                    for (int g = 0; g < n; g++)
                    {
                        int p = walk.Start(g0 + g) + k * walk.Stride;
                        double e = VectorMath.Exp(a[p] - max[g]);
                        sum[g] += e;
                        if (!log) y[p] = e;
                    }
            if (log)
                for (int g = 0; g < n; g++) sum[g] = VectorMath.Log(sum[g]);
            for (int k = 0; k < walk.Length; k++)
                for (int g = 0; g < n; g++)
                {
                    int p = walk.Start(g0 + g) + k * walk.Stride;
                    y[p] = log ? a[p] - max[g] - sum[g] : y[p] / sum[g];
                }
        }

        // A contiguous run: x − max and its exponentials a vector at a time (the same bits as one at a time), kept in
        // y, then added in order.
        void Run(int g)
        {
            var run = a.AsSpan(walk.Start(g), walk.Length);
            var e = y.AsSpan(walk.Start(g), walk.Length);
            double max = double.NegativeInfinity;
            foreach (var v in run) max = Math.Max(max, v);
            TensorPrimitives.Subtract(run, max, e);
            VectorMath.Exp(e, e);
            double sum = 0;
            foreach (var v in e) sum += v;
            if (log)
            {
                sum = VectorMath.Log(sum);
                for (int k = 0; k < run.Length; k++) e[k] = run[k] - max - sum;
            }
            else TensorPrimitives.Divide(e, sum, e);
        }
    }

    Node Spread(Node reduced, Node like) => Broadcast.Along(reduced, Axis, like.Shape[Axis]);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? y * (t0 - Spread((y * t0).Sum(Axis), y)) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [y * (ct - Spread((ct * y).Sum(Axis), y))];

    /// <inheritdoc/>
    /// <remarks>The same op on a matrix of every member's runs (<see cref="Batched.AlongAxis"/>), each run in the member's order.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Batched.AlongAxis(axis => new Softmax(axis), x[0].Shape, Axis, xb[0]!, k, y.Shape.Size);
}

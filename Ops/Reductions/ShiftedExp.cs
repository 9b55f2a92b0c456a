using System.Buffers;
using System.Numerics.Tensors;
using AutoDiff.Functional.Ops.Kernels;

namespace AutoDiff.Functional.Ops;

/// <summary>What <see cref="ShiftedExp.Along(Tensor, int, double[], ShiftedResult)"/> writes for each run: softmax exp(x − max)/s, log-softmax
/// (x − max) − log s, or log Σ exp = max + log s, where s = Σ exp(x − max).</summary>
internal enum ShiftedResult { Softmax, LogSoftmax, LogSumExp }

/// <summary>The one computation behind <see cref="Softmax"/>, <see cref="LogSoftmax"/> and <see cref="LogSumExp"/>:
/// along each run of an axis, its maximum and s = Σ exp(x − max), the sum in the library's order
/// (<see cref="VectorMath.Sum{F}(ReadOnlySpan{double}, double, Span{double})"/>: tiles of <see cref="Plan.Tile"/>
/// in order, sixteen running sums in a tree within each). Every path below adds the same terms in that order, so a run
/// has the same bits alone, inside a matrix, or split between the cores.</summary>
internal static class ShiftedExp
{
    /// <summary>Runs along a matrix's rows are strided (column-major storage), so they are taken this many at a time,
    /// column by column: every pass then reads memory in order.</summary>
    const int Block = 512;

    /// <summary>The result along each run of <paramref name="axis"/> into <paramref name="y"/> (x's shape, or for log Σ
    /// exp x's shape without the axis). A run holding +∞ or only −∞ follows IEEE for softmax (NaN, as x − max is); its
    /// log Σ exp is its maximum.</summary>
    public static void Along(Tensor x, int axis, double[] y, ShiftedResult result) => Along(x.Storage, x.Shape, axis, y, result);

    /// <summary>The same over the first elements of <paramref name="a"/>, a value of <paramref name="shape"/> (a pooled
    /// buffer may be longer), into the first elements of <paramref name="y"/>.</summary>
    static void Along(double[] a, Shape shape, int axis, double[] y, ShiftedResult result)
    {
        if (shape.Size == 0) return;
        var walk = new Axis(shape, axis);
        bool parallel = shape.Size >= Plan.ParallelSize;
        if (walk.Stride == 1 && walk.Length <= ShortRun && walk.Groups >= VectorMath.SumLanes)
        {
            int shortBlocks = (walk.Groups + Block - 1) / Block;
            if (parallel) Parallel.For(0, shortBlocks, b => ShortRuns(a, walk, b * Block, y, result));
            else for (int b = 0; b < shortBlocks; b++) ShortRuns(a, walk, b * Block, y, result);
            return;
        }
        if (walk.Stride == 1)
        {
            // Contiguous runs. Few long ones share each run's tiles between the cores; many share the runs.
            if (parallel && walk.Groups < Environment.ProcessorCount) for (int g = 0; g < walk.Groups; g++) Run(a, walk.Start(g), walk.Length, g, y, result, true);
            else if (parallel) Parallel.For(0, walk.Groups, g => Run(a, walk.Start(g), walk.Length, g, y, result, false));
            else for (int g = 0; g < walk.Groups; g++) Run(a, walk.Start(g), walk.Length, g, y, result, false);
            return;
        }
        int blocks = (walk.Groups + Block - 1) / Block;
        // Blocks are independent and each is computed the same way wherever it runs: two cores, the same bits.
        if (parallel) Parallel.For(0, blocks, b => Strided(a, walk, b * Block, y, result));
        else for (int b = 0; b < blocks; b++) Strided(a, walk, b * Block, y, result);
    }

    /// <summary>Contiguous runs up to this long, many of them (a (K×N) matrix's columns for a small K), are computed
    /// Block at a time as the rows of a block (<see cref="ShortRuns"/>): a run alone pays a call's set-up for a few
    /// elements.</summary>
    const int ShortRun = 32;

    /// <summary>Short contiguous runs g0 … g0 + Block − 1 copied into the rows of an (n × length) block and computed by
    /// <see cref="Strided"/> (which gives each run the bits it has alone), the results copied back.</summary>
    static void ShortRuns(double[] a, Axis walk, int g0, double[] y, ShiftedResult result)
    {
        int n = Math.Min(Block, walk.Groups - g0), length = walk.Length;
        bool reduced = result == ShiftedResult.LogSumExp;
        var pool = ArrayPool<double>.Shared;
        double[] block = pool.Rent(n * length), z = pool.Rent(reduced ? n : n * length);
        try
        {
            for (int g = 0; g < n; g++)
                for (int k = 0, p = walk.Start(g0 + g); k < length; k++) block[g + k * n] = a[p + k];
            Strided(block, new Axis(Shape.Matrix(n, length), 1), 0, z, result);
            if (reduced) z.AsSpan(0, n).CopyTo(y.AsSpan(g0, n));
            else
                for (int g = 0; g < n; g++)
                    for (int k = 0, p = walk.Start(g0 + g); k < length; k++) y[p + k] = z[g + k * n];
        }
        finally
        {
            pool.Return(block);
            pool.Return(z);
        }
    }

    /// <summary>The float32 result: runs widened to float64 a chunk at a time, as the columns of a matrix (contiguous
    /// runs) or its rows (strided runs, <see cref="Block"/> at a time), computed as above and rounded once. A run's bits
    /// do not depend on its neighbours, so this is the float64 result at the float32 inputs, rounded.</summary>
    public static void Along(Tensor x, int axis, float[] y, ShiftedResult result)
    {
        if (x.Shape.Size == 0) return;
        var walk = new Axis(x.Shape, axis);
        int runs = Math.Clamp(walk.Stride == 1 ? (1 << 16) / Math.Max(1, walk.Length) : Block, 1, walk.Groups);
        int chunks = (walk.Groups + runs - 1) / runs;
        if (x.Shape.Size >= Plan.ParallelSize && chunks > 1) Parallel.For(0, chunks, c => Chunk(x, walk, c * runs, runs, y, result));
        else for (int c = 0; c < chunks; c++) Chunk(x, walk, c * runs, runs, y, result);
    }

    /// <summary>Runs g0 … g0 + n − 1 gathered into a float64 matrix, the result along them, rounded back.</summary>
    static void Chunk(Tensor x, Axis walk, int g0, int runs, float[] y, ShiftedResult result)
    {
        int n = Math.Min(runs, walk.Groups - g0), length = walk.Length;
        // Element k of run g sits at (k, g) of a (length × n) matrix when runs are contiguous, else at (g, k) of (n × length);
        // short contiguous runs go into rows too, which is how Along computes them (ShortRuns), so they are moved once.
        bool columns = walk.Stride == 1 && walk.Length > ShortRun;
        int Position(int g, int k) => columns ? k + g * length : g + k * n;
        var pool = ArrayPool<double>.Shared;
        bool reduced = result == ShiftedResult.LogSumExp;
        double[] block = pool.Rent(n * length), z = pool.Rent(reduced ? n : n * length);
        try
        {
            float[]? s = x.HoldsSingles ? x.Singles : null;
            double[]? d = s is null ? x.Storage : null;
            // A slice that is contiguous in both x and the block (a whole run, or one step of neighbouring runs: a
            // matrix's rows) is copied at once; any other run element by element.
            int first = walk.Start(g0);
            bool neighbours = !columns && walk.Start(g0 + n - 1) - first == n - 1;
            if (columns)
                for (int g = 0; g < n; g++) Read(walk.Start(g0 + g), g * length, length);
            else if (neighbours)
                for (int k = 0; k < length; k++) Read(first + k * walk.Stride, k * n, n);
            else
                for (int g = 0; g < n; g++)
                    for (int k = 0, p = walk.Start(g0 + g); k < length; k++, p += walk.Stride) block[Position(g, k)] = s is null ? d![p] : s[p];
            Along(block, columns ? Shape.Matrix(length, n) : Shape.Matrix(n, length), columns ? 0 : 1, z, result);
            if (reduced) Tensor.Narrow(z.AsSpan(0, n), y.AsSpan(g0, n));
            else if (columns)
                for (int g = 0; g < n; g++) Tensor.Narrow(z.AsSpan(g * length, length), y.AsSpan(walk.Start(g0 + g), length));
            else if (neighbours)
                for (int k = 0; k < length; k++) Tensor.Narrow(z.AsSpan(k * n, n), y.AsSpan(first + k * walk.Stride, n));
            else
                for (int g = 0; g < n; g++)
                    for (int k = 0, p = walk.Start(g0 + g); k < length; k++, p += walk.Stride) y[p] = (float)z[Position(g, k)];

            void Read(int from, int to, int count)
            {
                if (s is null) d.AsSpan(from, count).CopyTo(block.AsSpan(to, count));
                else Tensor.Widen(s.AsSpan(from, count), block.AsSpan(to, count));
            }
        }
        finally
        {
            pool.Return(block);
            pool.Return(z);
        }
    }

    /// <summary>One contiguous run x[start … start + n − 1], run number g: its maximum (a vector pass), then the
    /// exponentials and their sum in one pass (kept in y for softmax), then the result.</summary>
    static void Run(double[] a, int start, int n, int g, double[] y, ShiftedResult result, bool parallel)
    {
        var run = a.AsSpan(start, n);
        double max = parallel ? Max(a, start, n) : VectorMath.Max(run);
        switch (result)
        {
            case ShiftedResult.LogSumExp:
                y[g] = double.IsInfinity(max) ? max : max + VectorMath.Log(Sum(a, start, n, max, null, parallel));
                break;
            case ShiftedResult.Softmax:
                {
                    double sum = Sum(a, start, n, max, y, parallel);
                    TensorPrimitives.Divide(y.AsSpan(start, n), sum, y.AsSpan(start, n));
                    break;
                }
            case ShiftedResult.LogSoftmax:
                {
                    double log = VectorMath.Log(Sum(a, start, n, max, null, parallel));
                    var e = y.AsSpan(start, n);
                    TensorPrimitives.Subtract(run, max, e);
                    TensorPrimitives.Subtract(e, log, e);
                    break;
                }
        }
    }

    /// <summary>The maximum of a long run, a part on each core: the maximum of the parts' maxima is the run's, exactly.
    /// A NaN is found again by the fold, whose payload a run alone gives.</summary>
    static double Max(double[] a, int start, int n)
    {
        int parts = Environment.ProcessorCount;
        var maxima = new double[parts];
        Parallel.For(0, parts, w => maxima[w] = VectorMath.Max(a.AsSpan(start + (int)((long)n * w / parts), (int)((long)n * (w + 1) / parts) - (int)((long)n * w / parts))));
        double max = double.NegativeInfinity;
        foreach (var m in maxima) max = Math.Max(max, m);
        return double.IsNaN(max) ? VectorMath.Max(a.AsSpan(start, n)) : max;
    }

    static double Sum(double[] a, int start, int n, double max, double[]? terms, bool parallel) => parallel
        ? VectorMath.Sum<VectorMath.ExpShifted>(a, start, n, max, terms)
        : VectorMath.Sum<VectorMath.ExpShifted>(a.AsSpan(start, n), max, terms is null ? default : terms.AsSpan(start, n));

    /// <summary>Runs g0 … g0 + Block − 1 of a strided axis, all advanced together one step along the axis at a time:
    /// running sum (k mod 16) of each run takes its k-th term, and at each tile boundary along the axis (and at the end)
    /// the sixteen are added in the tree and that tile's sum added to the run's total, as a run alone does.</summary>
    static void Strided(double[] a, Axis walk, int g0, double[] y, ShiftedResult result)
    {
        int n = Math.Min(Block, walk.Groups - g0), lanes = VectorMath.SumLanes;
        var pool = ArrayPool<double>.Shared;
        var buffer = pool.Rent(n * (lanes + 3));
        try
        {
            var all = buffer.AsSpan(0, n * (lanes + 3));
            Span<double> max = all[..n], total = all.Slice(n, n), term = all.Slice(2 * n, n), sums = all.Slice(3 * n, n * lanes);
            int first = walk.Start(g0);
            // The block's runs are neighbours (a matrix's rows): at each step along the axis their elements are one
            // contiguous slice, taken a vector at a time.
            bool neighbours = walk.Start(g0 + n - 1) - first == n - 1;
            max.Fill(double.NegativeInfinity);
            for (int k = 0; k < walk.Length; k++)
                if (neighbours) TensorPrimitives.Max(max, a.AsSpan(first + k * walk.Stride, n), max);
                else for (int g = 0; g < n; g++) max[g] = Math.Max(max[g], a[walk.Start(g0 + g) + k * walk.Stride]);
            if (neighbours && double.IsNaN(TensorPrimitives.Sum(max)))
                // The vector max's NaN may carry another payload than the fold's: take the fold's, as a run alone does.
                for (int g = 0; g < n; g++)
                {
                    max[g] = double.NegativeInfinity;
                    for (int k = 0; k < walk.Length; k++) max[g] = Math.Max(max[g], a[first + g + k * walk.Stride]);
                }
            total.Clear();
            sums.Clear();
            for (int k = 0; k < walk.Length; k++)
            {
                if (k > 0 && k % Plan.Tile == 0) Fold(sums, total);
                var lane = sums.Slice(k % lanes * n, n);
                if (neighbours)
                {
                    var e = result == ShiftedResult.Softmax ? y.AsSpan(first + k * walk.Stride, n) : term;
                    TensorPrimitives.Subtract(a.AsSpan(first + k * walk.Stride, n), max, e);
                    VectorMath.Exp(e, e);
                    TensorPrimitives.Add(lane, e, lane);
                }
                else
                    for (int g = 0; g < n; g++)
                    {
                        int p = walk.Start(g0 + g) + k * walk.Stride;
                        double e = VectorMath.Exp(a[p] - max[g]);
                        lane[g] += e;
                        if (result == ShiftedResult.Softmax) y[p] = e;
                    }
            }
            Fold(sums, total);
            // The runs' logarithms a vector at a time (the bits of each alone: the kernel's lanes are independent).
            if (result != ShiftedResult.Softmax) VectorMath.Log(total, total);
            if (result == ShiftedResult.LogSumExp)
            {
                for (int g = 0; g < n; g++) y[g0 + g] = double.IsInfinity(max[g]) ? max[g] : max[g] + total[g];
                return;
            }
            for (int k = 0; k < walk.Length; k++)
                if (neighbours)
                {
                    var yk = y.AsSpan(first + k * walk.Stride, n);
                    if (result == ShiftedResult.Softmax) TensorPrimitives.Divide(yk, total, yk);
                    else
                    {
                        TensorPrimitives.Subtract(a.AsSpan(first + k * walk.Stride, n), max, yk);
                        TensorPrimitives.Subtract(yk, total, yk);
                    }
                }
                else
                    for (int g = 0; g < n; g++)
                    {
                        int p = walk.Start(g0 + g) + k * walk.Stride;
                        y[p] = result == ShiftedResult.LogSoftmax ? a[p] - max[g] - total[g] : y[p] / total[g];
                    }
        }
        finally { pool.Return(buffer); }
    }

    /// <summary>Each run's sixteen running sums added in the tree (all the runs' trees at once), that tile's sum added
    /// to the run's total; the running sums start again from zero.</summary>
    static void Fold(Span<double> sums, Span<double> total)
    {
        int n = total.Length;
        VectorMath.Trees(sums, n);
        TensorPrimitives.Add(total, sums[..n], total);
        sums.Clear();
    }
}

using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoDiff.Functional.Ops.Kernels;

// Sums in the library's one order, at the machine's vector width: a sum is the sum of its tiles of Plan.Tile elements,
// added in order from 0; a tile's sum is 16 running sums (element k goes to sum k mod 16), added in a fixed tree. A
// fused pass (Graph/Plans/PlanRun.cs) adds per-tile partials in that order too, so a Sum has the same bits fused or not,
// and the tiles of one long run may be shared between the cores.
internal static partial class VectorMath
{
    /// <summary>The number of running sums in a tile: the same at every width (two 512-bit rows, four 256-bit ones, …),
    /// so the order of additions, and the bits, do not depend on it. Sixteen rather than eight so that the widest rows
    /// still give two independent chains of additions, which hides the adder's latency.</summary>
    internal const int SumLanes = 16;

    /// <summary>The term a sum adds for element x: x itself, or exp(x − shift).</summary>
    internal interface ITerm
    {
        static abstract T Of<T>(T x, T shift) where T : struct, ILanes<T>;
    }

    /// <summary>x: a plain sum (the shift is not used).</summary>
    internal readonly struct Plain : ITerm { public static T Of<T>(T x, T shift) where T : struct, ILanes<T> => x; }
    /// <summary>exp(x − shift), the terms of log Σ exp and softmax shifted by their maximum.</summary>
    internal readonly struct ExpShifted : ITerm { public static T Of<T>(T x, T shift) where T : struct, ILanes<T> => Exp(x - shift); }

    /// <summary>Σ x in the library's order (tiles, then sixteen running sums in a tree).</summary>
    public static double Sum(ReadOnlySpan<double> x) => x.Length < SumLanes ? ShortSum(x) : Sum<Plain>(x, 0, default);

    /// <summary>The sum of fewer than <see cref="SumLanes"/> elements by the same steps as <see cref="RowSums{T}"/>
    /// (each element added to a running sum of 0, the sums added in the tree, the tree's sum added to a total of 0) without
    /// its vector set-up, which cost ~100 ns a call: the column sums of a (10×n) matrix are n such calls.</summary>
    static double ShortSum(ReadOnlySpan<double> x)
    {
        Span<double> lanes = stackalloc double[SumLanes];
        for (int k = 0; k < x.Length; k++) lanes[k] = 0.0 + x[k];
        return 0.0 + Tree(lanes);
    }

    /// <summary>Σ F(x − shift) in the library's order; each term also written to <paramref name="terms"/> when it is not
    /// empty (it may be <paramref name="x"/>'s own storage).</summary>
    internal static double Sum<F>(ReadOnlySpan<double> x, double shift, Span<double> terms) where F : ITerm
    {
        int tile = Plan.Tile;
        double sum = 0;
        for (int start = 0; start < x.Length; start += tile)
        {
            int length = Math.Min(tile, x.Length - start);
            sum += TileSum<F>(x.Slice(start, length), shift, terms.IsEmpty ? default : terms.Slice(start, length));
        }
        return sum;
    }

    /// <summary><see cref="Sum{F}(ReadOnlySpan{double}, double, Span{double})"/> of x[start … start + length − 1]
    /// (terms, when given, at the same positions) with the tiles shared between the cores and their sums still added in
    /// order: the same bits.</summary>
    internal static double Sum<F>(double[] x, int start, int length, double shift, double[]? terms) where F : ITerm
    {
        int tile = Plan.Tile, tiles = (length + tile - 1) / tile;
        int workers = Math.Min(Environment.ProcessorCount, tiles);
        if (workers <= 1) return Sum<F>(x.AsSpan(start, length), shift, terms is null ? default : terms.AsSpan(start, length));
        var partials = ArrayPool<double>.Shared.Rent(tiles);
        try
        {
            Parallel.For(0, workers, w =>
            {
                for (int t = (int)((long)tiles * w / workers), end = (int)((long)tiles * (w + 1) / workers); t < end; t++)
                {
                    int at = start + t * tile, n = Math.Min(tile, length - t * tile);
                    partials[t] = TileSum<F>(x.AsSpan(at, n), shift, terms is null ? default : terms.AsSpan(at, n));
                }
            });
            double sum = 0;
            for (int t = 0; t < tiles; t++) sum += partials[t];
            return sum;
        }
        finally { ArrayPool<double>.Shared.Return(partials); }
    }

    /// <summary>The sum of one tile at the machine's width (any choice gives the same bits). Terms other than x itself
    /// are computed first, over the whole tile at the machine's own vector width, and their plain sum taken after: a
    /// kernel such as exp inlined into the sixteen-lane rows (four copies at 256 bits) went past the JIT's budget and ran
    /// 15–30 times slower than at 512 bits.</summary>
    internal static double TileSum<F>(ReadOnlySpan<double> x, double shift, Span<double> terms) where F : ITerm
    {
        if (Vector512.IsHardwareAccelerated) return TileSum<F, Lanes512, Twice<Lanes512>>(x, shift, terms);
        if (Vector256.IsHardwareAccelerated) return TileSum<F, Lanes256, Twice<Twice<Lanes256>>>(x, shift, terms);
        if (Vector128.IsHardwareAccelerated) return TileSum<F, Lanes128, Twice<Twice<Twice<Lanes128>>>>(x, shift, terms);
        return TileSum<F, Scalar, Twice<Twice<Twice<Twice<Scalar>>>>>(x, shift, terms);
    }

    /// <summary><see cref="TileSum{F}"/> with the terms computed in rows of <typeparamref name="TTerm"/> and summed in
    /// rows of <typeparamref name="TSum"/> (<see cref="SumLanes"/> lanes).</summary>
    internal static double TileSum<F, TTerm, TSum>(ReadOnlySpan<double> x, double shift, Span<double> terms)
        where F : ITerm where TTerm : struct, ILanes<TTerm> where TSum : struct, ILanes<TSum>
    {
        if (typeof(F) == typeof(Plain)) return RowSums<TSum>(x);
        var buffer = !terms.IsEmpty ? terms : x.Length <= Plan.Tile ? stackalloc double[x.Length] : new double[x.Length];
        Terms<F, TTerm>(x, shift, buffer);
        return RowSums<TSum>(buffer);
    }

    /// <summary>F(x − shift) element by element at width <typeparamref name="T"/>, the tail in one lane by the same
    /// formula; <paramref name="y"/> may be <paramref name="x"/>'s storage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Terms<F, T>(ReadOnlySpan<double> x, double shift, Span<double> y) where F : ITerm where T : struct, ILanes<T>
    {
        var c = T.Of(shift);
        int i = 0;
        for (; i <= x.Length - T.Count; i += T.Count) T.Store(F.Of(T.Load(x, i), c), y, i);
        for (; i < x.Length; i++) y[i] = F.Of(new Scalar(x[i]), new Scalar(shift)).Value;
    }

    /// <summary>The sum of one tile over rows of <see cref="SumLanes"/> lanes: running sum k takes elements k, k + 16, …
    /// (the tail's elements too, one by one), then the sixteen are added by <see cref="Tree"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double RowSums<T>(ReadOnlySpan<double> x) where T : struct, ILanes<T>
    {
        if (T.Count != SumLanes) throw new InvalidOperationException($"internal: a sum over rows of {T.Count} lanes, not {SumLanes}");
        var sums = T.Of(0);
        int i = 0;
        for (; i <= x.Length - SumLanes; i += SumLanes) sums += T.Load(x, i);
        Span<double> lanes = stackalloc double[SumLanes];
        for (int k = 0; k < SumLanes; k++) lanes[k] = T.Get(sums, k);
        for (; i < x.Length; i++) lanes[i % SumLanes] += x[i];
        return Tree(lanes);
    }

    /// <summary>Sixteen running sums added in a fixed tree: lane k and lane k + 8, then k and k + 4, k and k + 2, and
    /// the last two. Overwrites <paramref name="lanes"/>.</summary>
    internal static double Tree(Span<double> lanes)
    {
        for (int half = SumLanes / 2; half >= 1; half /= 2)
            for (int k = 0; k < half; k++) lanes[k] += lanes[k + half];
        return lanes[0];
    }

    /// <summary><see cref="Tree"/> for each of <paramref name="n"/> runs at once, their sixteen running sums side by side
    /// (running sum k of run g at k·n + g): each addition of the tree is one vector addition over the runs, the same
    /// additions in the same order. The trees' sums are left in the first n elements.</summary>
    internal static void Trees(Span<double> sums, int n)
    {
        for (int half = SumLanes / 2; half >= 1; half /= 2)
            for (int k = 0; k < half; k++) TensorPrimitives.Add(sums.Slice(k * n, n), sums.Slice((k + half) * n, n), sums.Slice(k * n, n));
    }

    /// <summary>The largest element, as a left-to-right fold of <see cref="Math.Max(double, double)"/> gives it (NaN if
    /// any is NaN, +0 above −0, −∞ for none): the maximum does not depend on the order, so the vector pass is exact; only a NaN,
    /// whose payload could depend on the path, is found again by the fold.</summary>
    internal static double Max(ReadOnlySpan<double> x)
    {
        if (x.IsEmpty) return double.NegativeInfinity;
        double max;
        if (x.Length < SumLanes)   // a short run (a column of a (10×n) matrix): the fold itself, without the vector set-up
        {
            max = double.NegativeInfinity;
            foreach (var v in x) max = Math.Max(max, v);
            return max;
        }
        max = TensorPrimitives.Max(x);
        if (!double.IsNaN(max)) return max;
        max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v);
        return max;
    }
}

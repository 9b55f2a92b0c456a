using FsCheck;
using FsCheck.Fluent;
using P = AutoDiff.Functional.Ops;
using R = AutoDiff.Functional.Properties.Support.References;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The op table's rows for tensors of any rank (issue 24): reductions, the softmax family, broadcasts,
/// permutations, reshapes, slices, joins and stacks along any axis at ranks 0–4, batched MatMul and Einsum. The axis,
/// the order or the spec comes from the index seed, so it shrinks with it. References index tensors by coordinates
/// (column-major, first axis fastest) with plain loops, independently of the library's walks.</summary>
public static partial class OpTable
{
    /// <summary>A shape of rank <paramref name="low"/> … <paramref name="high"/>; dimensions 1–6 up to rank 2 and
    /// 1–3 beyond, so a Jacobian by differences stays small (at most 81 elements at rank 4).</summary>
    static Gen<int[]> Ranks(int low, int high) =>
        Gen.Choose(low, high).SelectMany(r => Gen.ArrayOf(r <= 2 ? D : Gen.Choose(1, 3), r));

    /// <summary>The coordinates of column-major position <paramref name="p"/> in <paramref name="dims"/>.</summary>
    static int[] Coords(int p, int[] dims)
    {
        var c = new int[dims.Length];
        for (int d = 0; d < dims.Length; d++) (c[d], p) = (p % dims[d], p / dims[d]);
        return c;
    }

    /// <summary>The column-major position of <paramref name="c"/> in <paramref name="dims"/>.</summary>
    static int Position(int[] c, int[] dims)
    {
        int p = 0;
        for (int d = dims.Length - 1; d >= 0; d--) p = p * dims[d] + c[d];
        return p;
    }

    /// <summary>A range start … start + count − 1 inside 0 … length − 1, never empty.</summary>
    static (int Start, int Count) Part(int length, int pick) => (pick % length, 1 + pick / 7 % (length - pick % length));

    static int Size(int[] dims) => dims.Aggregate(1, (a, b) => a * b);
    static int[] Without(int[] dims, int axis) => [.. dims[..axis], .. dims[(axis + 1)..]];
    static int[] Inserted(int[] dims, int axis, int n) => [.. dims[..axis], n, .. dims[axis..]];

    /// <summary>For each position of <paramref name="dims"/> without <paramref name="axis"/>, the values along it.</summary>
    static double[][] Runs(double[] x, int[] dims, int axis)
    {
        var rest = Without(dims, axis);
        return [.. Enumerable.Range(0, Size(rest)).Select(q =>
        {
            var c = Coords(q, rest);
            return Enumerable.Range(0, dims[axis]).Select(i => x[Position(Inserted(c, axis, i), dims)]).ToArray();
        })];
    }

    /// <summary>f of each run along <paramref name="axis"/>, written back along it (a softmax).</summary>
    static double[] AlongRuns(double[] x, int[] dims, int axis, Func<double[], double[]> f)
    {
        var y = new double[x.Length];
        var rest = Without(dims, axis);
        var runs = Runs(x, dims, axis);
        for (int q = 0; q < runs.Length; q++)
        {
            var fy = f(runs[q]);
            for (int i = 0; i < fy.Length; i++) y[Position(Inserted(Coords(q, rest), axis, i), dims)] = fy[i];
        }
        return y;
    }

    /// <summary>The axes picked by the bits of the seed, ascending; never none (that would return the input itself).</summary>
    static int[] Subset(int rank, int pick) => Enumerable.Range(0, rank).Where(d => (pick >> d & 1) == 1).ToArray() is { Length: > 0 } some ? some : [pick % rank];

    /// <summary>A permutation of 0 … n−1 from the seed (its digits in the factorial base).</summary>
    static int[] Order(int n, int pick)
    {
        var left = Enumerable.Range(0, n).ToList();
        var order = new int[n];
        for (int d = 0; d < n; d++)
        {
            int i = pick % left.Count;
            pick /= left.Count;
            order[d] = left[i];
            left.RemoveAt(i);
        }
        return order;
    }

    /// <summary>Reduces each subset of axes by summing a reduction's results over them, one axis at a time, the highest first.</summary>
    static (double[] Values, int[] Dims) Reduced(double[] x, int[] dims, int[] axes, Func<double[], double> f)
    {
        foreach (var a in axes.OrderDescending())
        {
            x = [.. Runs(x, dims, a).Select(f)];
            dims = Without(dims, a);
        }
        return (x, dims);
    }

    static double[] Softmax(double[] v) => [.. v.Select(e => Math.Exp(e - R.LogSumExp(v)))];

    /// <summary>The rows, added to the table by <see cref="Build"/>.</summary>
    static IEnumerable<OpEntry> RankRows()
    {
        var any = Domain.Any;
        Input[] One(int[] d, Domain domain) => [In(S(d), domain)];

        // ── reductions along one axis and over a set of axes, ranks 1–4 (0–4 for sets)
        yield return new("SumAxis(axis) at rank 1–4", typeof(P.SumAxis), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].Sum(k % d.Length))
        { Reference = (x, d, k) => [.. Runs(x[0], d, k % d.Length).Select(r => r.Sum())] };
        yield return new("Sum(axes) at rank 1–4", null, Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].Sum(Subset(d.Length, k)))
        { Reference = (x, d, k) => Reduced(x[0], d, Subset(d.Length, k), r => r.Sum()).Values };
        yield return new("Mean(axes) at rank 1–4", null, Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].Mean(Subset(d.Length, k)))
        { Reference = (x, d, k) => Reduced(x[0], d, Subset(d.Length, k), r => r.Average()).Values };
        yield return new("MaxAxis(axis) at rank 1–4", typeof(P.MaxAxis), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => Distinct(x[0]).Max(k % d.Length))
        { Reference = (x, d, k) => [.. Runs(Distinct(x[0]), d, k % d.Length).Select(r => r.Max())] };
        yield return new("ArgMin(axis) at rank 1–4", typeof(P.ArgMin), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].ArgMin(k % d.Length))
        { Reference = (x, d, k) => [.. Runs(x[0], d, k % d.Length).Select(FirstLeast)] };
        yield return new("Max(axes) at rank 1–4", null, Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => Distinct(x[0]).Max(Subset(d.Length, k)))
        { Reference = (x, d, k) => Reduced(Distinct(x[0]), d, Subset(d.Length, k), r => r.Max()).Values };

        // ── the softmax family along any axis
        yield return new("LogSumExp(axis) at rank 1–4", typeof(P.LogSumExp), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].LogSumExp(k % d.Length))
        { Reference = (x, d, k) => [.. Runs(x[0], d, k % d.Length).Select(R.LogSumExp)] };
        yield return new("Softmax(axis) at rank 1–4", typeof(P.Softmax), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].Softmax(k % d.Length))
        { Reference = (x, d, k) => AlongRuns(x[0], d, k % d.Length, Softmax) };
        yield return new("LogSoftmax(axis) at rank 1–4", typeof(P.LogSoftmax), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].LogSoftmax(k % d.Length))
        { Reference = (x, d, k) => AlongRuns(x[0], d, k % d.Length, v => [.. v.Select(e => e - R.LogSumExp(v))]) };

        // ── broadcasts: one new axis anywhere (the op), several (BroadcastTo); dims = the output's
        yield return new("Broadcast(axis) at output rank 1–4", typeof(P.Broadcast), Ranks(1, 4), false,
            d => One(Without(d, k0(d)), any), (x, d, _) => P.Broadcast.Along(x[0], k0(d), d[k0(d)]))
        { Reference = (x, d, _) => [.. Enumerable.Range(0, Size(d)).Select(p => x[0][Position(Without(Coords(p, d), k0(d)), Without(d, k0(d)))])] };
        yield return new("BroadcastTo(shape, new axes) at output rank 1–4", null, Ranks(1, 4), false,
            d => One(Kept(d, d), any), (x, d, _) => x[0].BroadcastTo(S(d), NewAxes(d)))
        { Reference = (x, d, _) => [.. Enumerable.Range(0, Size(d)).Select(p => x[0][Position(Kept(Coords(p, d), d), Kept(d, d))])] };

        // ── permutations and reshapes
        yield return new("Transpose(order) at rank 0–4", typeof(P.Transpose), Ranks(0, 4), false, d => One(d, any),
            (x, d, k) => Node.Apply(new P.Transpose(P.AxisOrder.Of("Transpose", Order(d.Length, k))), x[0]))
        {
            Reference = (x, d, k) =>
            {
                var order = Order(d.Length, k);
                var yDims = order.Select(a => d[a]).ToArray();
                return [.. Enumerable.Range(0, Size(yDims)).Select(p =>
                {
                    var c = Coords(p, yDims);
                    var source = new int[d.Length];
                    for (int a = 0; a < d.Length; a++) source[order[a]] = c[a];
                    return x[0][Position(source, d)];
                })];
            }
        };
        yield return new("x.Transpose(order) via the API at rank 0–4", null, Ranks(0, 4), false, d => One(d, any),
            (x, d, k) => x[0].Transpose(Order(d.Length, k)).Sin())
        {
            Reference = (x, d, k) =>
            {
                var order = Order(d.Length, k);
                var yDims = order.Select(a => d[a]).ToArray();
                return [.. Enumerable.Range(0, Size(yDims)).Select(p =>
                {
                    var c = Coords(p, yDims);
                    var source = new int[d.Length];
                    for (int a = 0; a < d.Length; a++) source[order[a]] = c[a];
                    return Math.Sin(x[0][Position(source, d)]);
                })];
            }
        };
        yield return new("Reshape(dims reversed) at rank 0–4", typeof(P.Reshape), Ranks(0, 4), false, d => One(d, any),
            (x, d, _) => x[0].Reshape(S([.. d.Reverse()])))
        { Reference = (x, _, _) => x[0] };

        // ── slices, joins and stacks along any axis
        yield return new("Slice(axis, start, count) at rank 1–4", typeof(P.Slice), Ranks(1, 4), false, d => One(d, any),
            (x, d, k) => x[0].Slice(k % d.Length, Part(d[k % d.Length], k / 5).Start, Part(d[k % d.Length], k / 5).Count))
        {
            Reference = (x, d, k) =>
            {
                int axis = k % d.Length;
                var (start, count) = Part(d[axis], k / 5);
                var yDims = Inserted(Without(d, axis), axis, count);
                return [.. Enumerable.Range(0, Size(yDims)).Select(p =>
                {
                    var c = Coords(p, yDims);
                    c[axis] += start;
                    return x[0][Position(c, d)];
                })];
            }
        };
        // dims: the first input's shape; the second has 2 slices along the axis.
        yield return new("Concat(axis) at rank 1–4", typeof(P.Concat), Ranks(1, 4), false,
            d => [In(S(d), any), In(S(Inserted(Without(d, k0(d)), k0(d), 2)), any)],
            (x, d, _) => Indexing.Concat(k0(d), x[0], x[1]))
        {
            Reference = (x, d, _) =>
            {
                int axis = k0(d), n = d[axis];
                var second = Inserted(Without(d, axis), axis, 2);
                var yDims = Inserted(Without(d, axis), axis, n + 2);
                return [.. Enumerable.Range(0, Size(yDims)).Select(p =>
                {
                    var c = Coords(p, yDims);
                    if (c[axis] < n) return x[0][Position(c, d)];
                    c[axis] -= n;
                    return x[1][Position(c, second)];
                })];
            }
        };
        yield return new("Stack(axis) of three at input rank 0–3", null, Ranks(0, 3), false,
            d => [In(S(d), any), In(S(d), any), In(S(d), any)],
            (x, d, k) => Indexing.Stack(k % (d.Length + 1), x[0], x[1], x[2]))
        {
            Reference = (x, d, k) =>
            {
                int axis = k % (d.Length + 1);
                var yDims = Inserted(d, axis, 3);
                return [.. Enumerable.Range(0, Size(yDims)).Select(p =>
                {
                    var c = Coords(p, yDims);
                    return x[c[axis]][Position(Without(c, axis), d)];
                })];
            }
        };

        // ── batched products: dims = [m, k, n, batch…] with one or two batch axes (a batch of 2 when none is given)
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
            yield return new($"MatMul({(ta ? "Aᵀ" : "A")}·{(tb ? "Bᵀ" : "B")}) batched, rank 3–4", typeof(P.MatMul),
                Gen.Choose(1, 2).SelectMany(b => Gen.ArrayOf(Gen.Choose(1, 3), b + 3)), false,
                d => [In(S([.. Batch(d), .. ta ? new[] { d[1], d[0] } : [d[0], d[1]]]), any),
                      In(S([.. Batch(d), .. tb ? new[] { d[2], d[1] } : [d[1], d[2]]]), any)],
                (x, _, _) => Node.Apply(new P.MatMul(ta, tb), x[0], x[1]))
            { Reference = (x, d, _) => BatchedProduct(x[0], x[1], d, ta, tb) };

        // ── Einsum: the direct loop (the op), and specs lowered to products, transposes and sums (composites)
        foreach (var (spec, rank) in new[] { ("ii->i", 1), ("bii->bi", 2), ("i->ii", 1), ("ij,jk->ik", 3), ("ij,ik->ijk", 3), ("ii,i->", 1) })
            yield return new($"Einsum op \"{spec}\"", typeof(P.Einsum), Gen.ArrayOf(D, rank), false,
                d => [.. EinsumInputs(spec, d).Select(s => In(S(s), any))],
                (x, d, _) => Node.Apply(new P.Einsum(spec, S(EinsumOutput(spec, d))), x))
            { Reference = (x, d, _) => EinsumReference(spec, d, x) };
        foreach (var (spec, rank) in new[] { ("bij,bjk->bik", 4), ("ij->ji", 2), ("ijk->kj", 3), ("i,i->", 1), ("i,j->ij", 2),
                                             ("ijk,jl->lik", 4), ("bhqd,bhkd->bhqk", 5), ("ij,jk,kl->il", 4), ("ij,ij->i", 2) })
            yield return new($"Einsum \"{spec}\" lowered", null, Gen.ArrayOf(Gen.Choose(1, 3), rank), false,
                d => [.. EinsumInputs(spec, d).Select(s => In(S(s), any))],
                (x, _, _) => Contractions.Einsum(spec, x))
            { Reference = (x, d, _) => EinsumReference(spec, d, x) };
    }

    /// <summary>The seed-free choice of axis for rows whose input shapes depend on it: from the dimensions themselves.</summary>
    static int k0(int[] d) => d.Sum() % Math.Max(1, d.Length);

    // BroadcastTo rows: the new axes are those where the (seed-free) pattern from the dims says so.
    static bool IsNew(int[] d, int a) => (d[a] + a) % 2 == 0 || a == 0 && Enumerable.Range(0, d.Length).All(b => (d[b] + b) % 2 != 0);
    static int[] NewAxes(int[] d) => [.. Enumerable.Range(0, d.Length).Where(a => IsNew(d, a))];
    /// <summary>The entries of <paramref name="c"/> (dimensions or coordinates) on the axes of <paramref name="d"/> that are not new.</summary>
    static int[] Kept(int[] c, int[] d) => [.. Enumerable.Range(0, d.Length).Where(a => !IsNew(d, a)).Select(a => c[a])];

    static int[] Batch(int[] d) => d.Length > 3 ? d[3..] : [2];

    static double[] BatchedProduct(double[] a, double[] b, int[] d, bool ta, bool tb)
    {
        int m = d[0], k = d[1], n = d[2], members = Size(Batch(d));
        var y = new double[members * m * n];
        // Leading batch axes: member c's element (i, j) sits at c + members·(i + rows·j).
        for (int c = 0; c < members; c++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int l = 0; l < k; l++)
                        s += a[c + members * (ta ? l + k * i : i + m * l)] * b[c + members * (tb ? j + n * l : l + k * j)];
                    y[c + members * (i + m * j)] = s;
                }
        return y;
    }

    /// <summary>Each letter's size: the free dimensions in order of first appearance in the spec (cycling through them
    /// when there are fewer, as in the sweeps that pass fixed dimensions).</summary>
    static Dictionary<char, int> Letters(string spec, int[] d)
    {
        var sizes = new Dictionary<char, int>();
        foreach (var c in spec.Where(char.IsAsciiLetter))
            if (!sizes.ContainsKey(c)) sizes[c] = d[sizes.Count % d.Length];
        return sizes;
    }

    static string[] Terms(string spec) => spec.Split("->")[0].Split(',');
    static string Out(string spec) => spec.Split("->")[1];
    static int[][] EinsumInputs(string spec, int[] d) => [.. Terms(spec).Select(t => t.Select(c => Letters(spec, d)[c]).ToArray())];
    static int[] EinsumOutput(string spec, int[] d) => [.. Out(spec).Select(c => Letters(spec, d)[c])];

    /// <summary>Σ over every assignment of the letters of the product of the operands' entries, added into the output
    /// entry the assignment names: the definition, by brute force.</summary>
    static double[] EinsumReference(string spec, int[] d, double[][] x)
    {
        var sizes = Letters(spec, d);
        var letters = sizes.Keys.ToArray();
        var dims = letters.Select(c => sizes[c]).ToArray();
        var terms = Terms(spec);
        var inputs = EinsumInputs(spec, d);
        var outDims = EinsumOutput(spec, d);
        var y = new double[Size(outDims)];
        for (int p = 0; p < Size(dims); p++)
        {
            var at = Coords(p, dims);
            int Of(char c) => at[Array.IndexOf(letters, c)];
            double product = 1;
            for (int i = 0; i < terms.Length; i++) product *= x[i][Position([.. terms[i].Select(Of)], inputs[i])];
            y[Position([.. Out(spec).Select(Of)], outDims)] += product;
        }
        return y;
    }
}

using System.Globalization;
using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>A random GEMM problem C ← α·op(A)·op(B) + β·C with A stored rowsA×colsA (column-major) etc.</summary>
public sealed record GemmCase(bool TransA, bool TransB, int M, int K, int N, double Alpha, double Beta, double[] A, double[] B, double[] C)
{
    /// <summary>Stored dimensions of A and B.</summary>
    public (int RowsA, int ColsA, int RowsB, int ColsB) Stored =>
        (TransA ? K : M, TransA ? M : K, TransB ? N : K, TransB ? K : N);

    /// <inheritdoc/>
    public override string ToString()
    {
        static string F(double[] v) => string.Join(", ", v.Select(x => x.ToString("G3", CultureInfo.InvariantCulture)));
        return $"C({M}×{N}) ← {Alpha}·{(TransA ? "Aᵀ" : "A")}·{(TransB ? "Bᵀ" : "B")} + {Beta}·C, inner {K}; A = [{F(A)}]; B = [{F(B)}]; C = [{F(C)}]";
    }
}

/// <summary>Generators for <see cref="GemmCase"/>: dimensions 1–6 (or up to 70, past OpenBLAS's small-matrix
/// kernels), N = 1 often (the dgemv path), α and β from simple values; shrinks dimensions and values.</summary>
public static class GemmArbs
{
    static Gen<double> Value => Gen.Choose(-1000, 1000).Select(k => k / 500.0);

    static Gen<int> Dim => Gen.Frequency((6, Gen.Choose(1, 6)), (1, Gen.Choose(7, 70)));

    /// <summary>The arbitrary registered with <c>[Properties(Arbitrary = ...)]</c>.</summary>
    public static Arbitrary<GemmCase> Gemm() => Arb.From(
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from m in Dim
        from k in Dim
        from n in Gen.Frequency((2, Gen.Constant(1)), (3, Dim))
        from alpha in Gen.Elements(1.0, -1.0, 0.5, 2.0)
        from beta in Gen.Elements(0.0, 1.0, -0.5)
        from a in Gen.ArrayOf(Value, m * k)
        from b in Gen.ArrayOf(Value, k * n)
        from c in Gen.ArrayOf(Value, m * n)
        select new GemmCase(ta, tb, m, k, n, alpha, beta, a, b, c), Shrink);

    /// <summary>Thin products (inner dimension 1–32) of 2.6·10⁵ to 2·10⁶ multiply-adds, longer either way: past
    /// OpenBLAS's threading threshold, so the native path runs them as pieces (<c>Blas.Pieces</c>). Values from a seed,
    /// since a case holds up to millions of them.</summary>
    public static Arbitrary<GemmCase> Thin() => Arb.From(
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from across in Gen.Choose(1, 40)
        from k in Gen.Choose(1, 32)
        from work in Gen.Choose(262_145, 2_000_000)
        from wide in Gen.Elements(false, true)
        from alpha in Gen.Elements(1.0, -1.0, 0.5)
        from beta in Gen.Elements(0.0, 1.0, -0.5)
        from seed in Gen.Choose(0, int.MaxValue)
        let length = Math.Max(2, work / (across * k))
        let m = wide ? across : length
        let n = wide ? length : across
        let rng = new Random(seed)
        select new GemmCase(ta, tb, m, k, n, alpha, beta, Values(rng, m * k), Values(rng, k * n), Values(rng, m * n)));

    static double[] Values(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => rng.Next(-1000, 1001) / 500.0)];

    static IEnumerable<GemmCase> Shrink(GemmCase g)
    {
        GemmCase Resize(int m, int k, int n) => g with { M = m, K = k, N = n, A = g.A[..(m * k)], B = g.B[..(k * n)], C = g.C[..(m * n)] };
        if (g.M > 1) yield return Resize(1, g.K, g.N);
        if (g.K > 1) yield return Resize(g.M, 1, g.N);
        if (g.N > 1) yield return Resize(g.M, g.K, 1);
        if (g.M > 2) yield return Resize(g.M - 1, g.K, g.N);
        if (g.K > 2) yield return Resize(g.M, g.K - 1, g.N);
        if (g.N > 2) yield return Resize(g.M, g.K, g.N - 1);
        if (g.A.Any(v => v != Math.Round(v))) yield return g with { A = [.. g.A.Select(v => Math.Round(v))] };
        if (g.B.Any(v => v != Math.Round(v))) yield return g with { B = [.. g.B.Select(v => Math.Round(v))] };
        if (g.C.Any(v => v != 0)) yield return g with { C = new double[g.C.Length] };
    }
}

/// <summary>The native (OpenBLAS) and managed (MathNet) matrix products agree; both agree with a triple loop.</summary>
[Properties(Arbitrary = [typeof(GemmArbs)], MaxTest = 100)]
public class BlasTests(ITestOutputHelper output)
{
    static double[] Run(Action<bool, bool, double, double[], int, int, double[], int, int, double, double[]> gemm, GemmCase g)
    {
        var (ra, ca, rb, cb) = g.Stored;
        var c = (double[])g.C.Clone();
        gemm(g.TransA, g.TransB, g.Alpha, (double[])g.A.Clone(), ra, ca, (double[])g.B.Clone(), rb, cb, g.Beta, c);
        return c;
    }

    /// <summary>The definition, as a loop over column-major storage.</summary>
    static double[] Loop(GemmCase g)
    {
        var (ra, _, rb, _) = g.Stored;
        var c = new double[g.M * g.N];
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                double s = 0;
                for (int p = 0; p < g.K; p++)
                    s += (g.TransA ? g.A[p + i * ra] : g.A[i + p * ra]) * (g.TransB ? g.B[j + p * rb] : g.B[p + j * rb]);
                c[i + j * g.M] = g.Alpha * s + g.Beta * g.C[i + j * g.M];
            }
        return c;
    }

    /// <summary>|x − y| ≤ 1e-12 · Σ|terms| per element, the terms being |α|·Σ|a||b| + |β c|.</summary>
    static bool Agree(GemmCase g, double[] x, double[] y)
    {
        var (ra, _, rb, _) = g.Stored;
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                double size = Math.Abs(g.Beta * g.C[i + j * g.M]);
                for (int p = 0; p < g.K; p++)
                    size += Math.Abs(g.Alpha * (g.TransA ? g.A[p + i * ra] : g.A[i + p * ra]) * (g.TransB ? g.B[j + p * rb] : g.B[p + j * rb]));
                if (Math.Abs(x[i + j * g.M] - y[i + j * g.M]) > 1e-12 * size + double.Epsilon) return false;
            }
        return true;
    }

    [Property]
    public bool Managed_agrees_with_the_definition(GemmCase g) => Agree(g, Run(Blas.Managed, g), Loop(g));

    /// <summary>Skipped, with the reason in the test output, when OpenBLAS is not loaded (CI installs it).</summary>
    /// <remarks>A fact running the property, since a skipped <c>[Property]</c> is not counted by the test runner.</remarks>
    [OpenBlasFact]
    public void Native_agrees_with_managed_and_the_definition() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(GemmArbs.Gemm(), (GemmCase g) =>
        {
            var native = Run(Blas.Native, g);
            return Agree(g, native, Run(Blas.Managed, g)).Label("native vs managed")
                .And(Agree(g, native, Loop(g)).Label("native vs definition"));
        }));

    [Property]
    public bool Gemm_agrees_with_the_definition(GemmCase g) => Agree(g, Run(Blas.Gemm, g), Loop(g));

    /// <summary>The float32 product, on float32 factors (the case's values rounded) in arrays longer than the matrices
    /// (pooled buffers; their tails hold NaN, which must not be read), is within γₖ·(|op(A)|·|op(B)|) of the
    /// definition in double, γₖ = k·2⁻²⁴/(1 − k·2⁻²⁴), and writes nothing past C. Whichever backend is loaded (CI
    /// runs the suite once on each).</summary>
    [Property]
    public bool Sgemm_is_within_float32_accumulation_of_the_definition(GemmCase g) => SgemmWithinAccumulation(g);

    /// <summary>Thin products past OpenBLAS's threading threshold, which the native path cuts into pieces, in float64 and
    /// float32, against the definition as above.</summary>
    [Fact]
    public void Thin_products_in_pieces_agree_with_the_definition() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll(GemmArbs.Thin(), (GemmCase g) =>
            Agree(g, Run(Blas.Gemm, g), Loop(g)).Label("float64").And(SgemmWithinAccumulation(g).Label("float32"))));

    static bool SgemmWithinAccumulation(GemmCase g)
    {
        var (ra, ca, rb, cb) = g.Stored;
        float[] Padded(double[] v) => [.. v.Select(x => (float)x), float.NaN, float.NaN];
        float[] a = Padded(g.A), b = Padded(g.B), c = [.. Enumerable.Repeat(float.NaN, g.M * g.N + 2)];
        Blas.Sgemm(g.TransA, g.TransB, a, ra, ca, b, rb, cb, c);
        var exact = Loop(g with { Alpha = 1, Beta = 0, A = [.. a[..^2].Select(x => (double)x)], B = [.. b[..^2].Select(x => (double)x)] });
        double u = Math.Pow(2, -24), γ = g.K * u / (1 - g.K * u);
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                double size = 0;
                for (int p = 0; p < g.K; p++)
                    size += Math.Abs((double)(g.TransA ? a[p + i * ra] : a[i + p * ra]) * (g.TransB ? b[j + p * rb] : b[p + j * rb]));
                if (!(Math.Abs(c[i + j * g.M] - exact[i + j * g.M]) <= (γ + 1e-15) * size + float.Epsilon)) return false;
            }
        return float.IsNaN(c[^1]) && float.IsNaN(c[^2]);
    }

    [Fact]
    public void Backend_is_a_non_empty_single_line()
    {
        output.WriteLine(Blas.Backend);
        Assert.False(string.IsNullOrWhiteSpace(Blas.Backend));
        Assert.DoesNotContain('\n', Blas.Backend);
        Assert.DoesNotContain('\r', Blas.Backend);
        Assert.StartsWith(Blas.IsNative ? "native" : "managed", Blas.Backend);
    }

    [Fact]
    public void Empty_products_are_handled_before_BLAS()
    {
        var c = new[] { 1.0, 2.0 };
        Blas.Gemm(false, false, 1, [], 2, 0, [], 0, 1, 0.5, c); // k = 0: C ← β·C
        Assert.Equal([0.5, 1.0], c);
        var e = Assert.Throws<ArgumentException>(() => Blas.Gemm(false, false, 1, new double[6], 2, 3, new double[8], 4, 2, 0, new double[4]));
        Assert.Contains("op(A) is 2×3, op(B) is 4×2", e.Message);
    }
}

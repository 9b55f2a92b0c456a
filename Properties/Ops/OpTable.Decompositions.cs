using AutoDiff.Functional.Properties.Support;
using FsCheck.Fluent;
using Dec = AutoDiff.Functional.Properties.Support.DecompositionReferences;
using P = AutoDiff.Functional.Ops;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The op table's rows for the decompositions with several results (issue 28): each row builds a
/// well-conditioned input from any entries (a spread spectrum, a full column rank) and reads the results through
/// functions that are smooth and well defined there (eigenvectors only through sign-invariant V ∘ V).</summary>
public static partial class OpTable
{
    /// <summary>The eigenvalues of <see cref="Spread"/>: 6n apart, centred on 0.</summary>
    static double[] Spectrum(int n) => [.. Enumerable.Range(0, n).Select(i => 6.0 * n * (i - (n - 1) / 2.0))];

    /// <summary>Q·diag(λ)·Qᵀ for the cosine basis Q and the spectrum λ 6n apart, plus X: the lower triangle read is a
    /// symmetric matrix within 2n (in norm, for entries in [−2, 2]) of one with eigenvalues 6n apart, so its eigenvalues
    /// are at least 2n apart (Weyl) and its eigenvectors are turned well away from the axes.</summary>
    static double[] Spread(int n)
    {
        var q = Dec.Cosines(n);
        var scaled = new double[n * n];
        var lambda = Spectrum(n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) scaled[i + j * n] = q[i + j * n] * lambda[j];
        return Dec.Product(scaled, LinearReferences.Transposed(q, n), n, n, n);
    }

    internal static Node Spread(Node x) => x + Node.Constant(Tensor.FromColumnMajor(x.Shape, Spread(x.Shape[0]))).To(x.DType);
    static double[] Spread(double[] x, int n) => [.. x.Zip(Spread(n), (a, b) => a + b)];

    /// <summary>X + 4n·[I; 0] for an m×n X (m ≥ n): its top n×n block has every Gershgorin disc in Re z ≥ 2n, so the
    /// matrix has full column rank with smallest singular value of order n.</summary>
    static Node Tall(Node x) => x + Node.Constant(Tensor.FromColumnMajor(x.Shape, Tall(x.Shape[0], x.Shape[1]))).To(x.DType);
    static double[] Tall(int m, int n) => [.. Enumerable.Range(0, m * n).Select(k => k % m == k / m ? 4.0 * n : 0)];
    static double[] Tall(double[] x, int m, int n) => [.. x.Zip(Tall(m, n), (a, b) => a + b)];

    /// <summary>(n, extra) for an (n + extra)×n matrix, but 2×1 for 1×1 (also when shrinking): there Q ≡ ±1, every
    /// derivative of it is 0, and the laws' scale (the gradient's size) is 0 too, so MathNet's Q of 1 − 1e-16 fails them
    /// by round-off alone.</summary>
    static FsCheck.Gen<int[]> TallDims => Gen.Choose(1, 5).SelectMany(n => Gen.Choose(0, 3).Select(extra => new[] { n, extra }));
    static int Rows(int[] d) => Math.Max(d[0] + d[1], 2);

    /// <summary>The factorisations are accurate to a few ulps but not smooth in their input at that level (reflectors,
    /// rotations and iteration counts chosen per input), so differences of their gradients carry ~1e-16/h of noise: up
    /// to 7e-10 of the largest element seen on the second order with LAPACK, ~2e-9 with MathNet's managed solvers
    /// (tred2/tql2, Householder, Golub–Kahan). The laws against differences are 4× looser (10× on the managed path).</summary>
    static double ManagedNoise => Lapack.IsNative ? 4 : 10;

    /// <summary>A row reading Eigh's results through <paramref name="read"/>; it covers the op when it reads a result
    /// <paramref name="direct"/>ly (the others are composites).</summary>
    static OpEntry EighRow(string name, Func<Node, Node, Node> read, Func<double[], double[], int, double[]> reference, bool direct = false) =>
        new($"Eigh: {name}", direct ? typeof(P.Eigh) : null, Fixed(1), false, d => [In(S(d[0], d[0]), Domain.Any)], (x, _, _) =>
        {
            var (w, v) = Spread(x[0]).Eigh();
            return read(w, v);
        })
        {
            ToleranceScale = ManagedNoise,
            Reference = (x, d, _) =>
            {
                var (w, v) = Dec.Eigh(Spread(x[0], d[0]), d[0]);
                return reference(w, v, d[0]);
            },
        };

    static OpEntry QrRow(string name, Func<Node, Node, Node> read, Func<double[], double[], int, int, double[]> reference, bool direct = false) =>
        new($"Qr: {name}", direct ? typeof(P.Qr) : null, TallDims, false, d => [In(S(Rows(d), d[0]), Domain.Any)], (x, _, _) =>
        {
            var (q, r) = Tall(x[0]).Qr();
            return read(q, r);
        })
        {
            ToleranceScale = ManagedNoise,
            Reference = (x, d, _) =>
            {
                var (q, r) = Dec.Qr(Tall(x[0], Rows(d), d[0]), Rows(d), d[0]);
                return reference(q, r, Rows(d), d[0]);
            },
        };

    /// <summary>Column j of V ∘ V scaled by wⱼ: both results, unequally, through sign-invariant functions.</summary>
    static double[] WeightedSquares(double[] w, double[] v, int n) => [.. v.Select((e, k) => e * e * w[k / n])];

    /// <summary>The rows of a well-conditioned matrix (<see cref="WellConditioned(Node, double)"/>, diagonally dominant by
    /// columns by a margin above 1) in reverse order, so partial pivoting must swap them back, with every pivot choice
    /// won by that margin: the pivots stay put under the laws' small steps.</summary>
    static Node Reversed(Node x) => Node.Constant(Tensor.FromColumnMajor(x.Shape, Reversal(x.Shape[0]))).To(x.DType).MatMul(WellConditioned(x));
    static double[] Reversal(int n) => [.. Enumerable.Range(0, n * n).Select(k => k % n == n - 1 - k / n ? 1.0 : 0)];
    static double[] Reversed(double[] x, int n) => Dec.Product(Reversal(n), WellConditioned(x, n), n, n, n);

    static OpEntry LuRow(string name, Func<Node, Node, Node, Node> read, Func<double[], double[], double[], int, double[]> reference, bool direct = false) =>
        new($"Lu: {name}", direct ? typeof(P.Lu) : null, Fixed(1), false, d => [In(S(d[0], d[0]), Domain.Any)], (x, _, _) =>
        {
            var (p, l, u) = Reversed(x[0]).Lu();
            return read(p, l, u);
        })
        {
            Reference = (x, d, _) =>
            {
                var (p, l, u) = Dec.Lu(Reversed(x[0], d[0]), d[0]);
                return reference(p, l, u, d[0]);
            },
        };

    /// <summary>Qₘ·diag(σ)·Qₙᵀ (the first n columns of the m×m cosine basis) with σᵢ = 8c·(n − i), c = √(mn), plus X:
    /// X moves each singular value by at most ‖X‖₂ ≤ 2c (entries in [−2, 2]), so they stay at least 4c apart and 6c
    /// from 0.</summary>
    static Node Separated(Node x) => x + Node.Constant(Tensor.FromColumnMajor(x.Shape, Separated(x.Shape[0], x.Shape[1]))).To(x.DType);
    static double[] Separated(double[] x, int m, int n) => [.. x.Zip(Separated(m, n), (a, b) => a + b)];
    static double[] Separated(int m, int n)
    {
        double c = Math.Sqrt(m * n);
        var qm = Dec.Cosines(m);
        var scaled = new double[m * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) scaled[i + j * m] = qm[i + j * m] * 8 * c * (n - j);
        return Dec.Product(scaled, LinearReferences.Transposed(Dec.Cosines(n), n), m, n, n);
    }

    static OpEntry SvdRow(string name, Func<Node, Node, Node, Node> read, Func<double[], double[], double[], int, int, double[]> reference, bool direct = false) =>
        new($"Svd: {name}", direct ? typeof(P.Svd) : null, TallDims, false, d => [In(S(Rows(d), d[0]), Domain.Any)], (x, _, _) =>
        {
            var (u, s, v) = Separated(x[0]).Svd();
            return read(u, s, v);
        })
        {
            ToleranceScale = ManagedNoise,
            Reference = (x, d, _) =>
            {
                var (u, s, v) = Dec.Svd(Separated(x[0], Rows(d), d[0]), Rows(d), d[0]);
                return reference(u, s, v, Rows(d), d[0]);
            },
        };

    static double[] Squares(double[] a) => [.. a.Select(e => e * e)];

    static IEnumerable<OpEntry> DecompositionRows()
    {
        yield return SvdRow("singular values", (_, s, _) => s, (_, s, _, _, _) => s, direct: true);
        yield return SvdRow("U ∘ U (up to sign)", (u, _, _) => u.Square(), (u, _, _, _, _) => Squares(u));
        yield return SvdRow("(V ∘ V)·diag(s)", (_, s, v) => v.Square() * s.BroadcastRows(s.Shape[0]), (_, s, v, _, n) => [.. v.Select((e, k) => e * e * s[k / n])]);
        yield return LuRow("P (piecewise constant)", (p, _, _) => p, (p, _, _, _) => p, direct: true);
        yield return LuRow("L", (_, l, _) => l, (_, l, _, _) => l, direct: true);
        yield return LuRow("U", (_, _, u) => u, (_, _, u, _) => u, direct: true);
        yield return new("Lu: LuSolve(A, B) = U⁻¹·L⁻¹·Pᵀ·B", null, Fixed(2), false, d => [In(S(d[0], d[0]), Domain.Any), In(S(d[0], d[1]), Domain.Any)],
            (x, _, _) => Reversed(x[0]).Lu().LuSolve(x[1]))
        {
            Reference = (x, d, _) => LinearReferences.Solve(Reversed(x[0], d[0]), d[0], x[1], d[1]),
        };
        yield return LuRow("L·(U ∘ U)", (_, l, u) => l.MatMul(u.Square()), (_, l, u, n) => Dec.Product(l, [.. u.Select(e => e * e)], n, n, n));
        yield return EighRow("eigenvalues (lower triangle read)", (w, _) => w, (w, _, _) => w, direct: true);
        yield return EighRow("V ∘ V (eigenvectors up to sign)", (_, v) => v.Square(), (_, v, _) => [.. v.Select(e => e * e)]);
        yield return EighRow("(V ∘ V)·diag(w)", (w, v) => v.Square() * w.BroadcastRows(w.Shape[0]), WeightedSquares);
        yield return QrRow("Q", (q, _) => q, (q, _, _, _) => q, direct: true);
        yield return QrRow("R", (_, r) => r, (_, r, _, _) => r, direct: true);
        yield return QrRow("Q·(R ∘ R)", (q, r) => q.MatMul(r.Square()), (q, r, m, n) => Dec.Product(q, [.. r.Select(e => e * e)], m, n, n));
    }
}

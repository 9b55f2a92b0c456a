using AutoDiff.Functional.Models;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Seed 000, task 3: L(U, V) = ‖X − UV‖²_F + λ/2‖U‖²_F + λ/2‖V‖²_F, its gradients, and autograd against the
/// hand-written gradient over a range of (m, n, k).</summary>
static class FactorisationSection
{
    public static readonly Section Section = new("Seed 000, task 3: matrix factorisation", Run);

    const double Lambda = 1;

    static (Tensor X, Tensor U, Tensor V) Data(int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        Tensor Normal(int rows, int columns)
        {
            var a = new double[rows * columns];
            for (int i = 0; i < a.Length; i++) a[i] = ModelGradients.Normal(rng);
            return Tensor.FromColumnMajor(Shape.Matrix(rows, columns), a);
        }
        return (Normal(m, n), Normal(m, k), Normal(k, n));
    }

    static void Run(ReportWriter report)
    {
        const int m = 1000, n = 100, k = 10, sampled = 25;
        var (X, U, V) = Data(m, n, k, 3000);
        var model = MatrixFactorisation.Build(m, n, k, Lambda);
        var at = model.Bind(X, U, V);

        var (value, gradU, gradV) = MatrixFactorisation.ValueAndGrad(model, at);
        var (loss, refU, refV) = FactorisationReference.Gradient(X.AsMatrix(), U.AsMatrix(), V.AsMatrix(), Lambda);
        double lossErr = Math.Abs(value.ToScalar() - loss) / loss;
        report.Text($"The seed's setting: m = {m}, n = {n}, k = {k}, λ = {Lambda}, standard normal X, U, V. " +
                    $"Loss: graph {F(value.ToScalar(), "G15")}, analytic {F(loss, "G15")} (relative difference {E(lossErr)}: " +
                    $"{report.Check("factorisation: loss vs analytic", lossErr, 1e-12)}). Both gradients come from one backward pass " +
                    $"(AD.ValueAndGrad(L, b, U, V)).");
        Float32Beside.Run(report, "factorisation", model.Loss, [model.U, model.V], at);

        // Forward mode and differences cost one pass per element: they are compared on a sample of elements.
        var rng = new Random(3001);
        int[] Sample(int size) => [.. Enumerable.Range(0, sampled).Select(_ => rng.Next(size)).Distinct().Order()];
        int[] iu = Sample(m * k), iv = Sample(k * n);
        report.Text($"Forward mode and finite differences on {iu.Length} + {iv.Length} randomly sampled elements of U and V; " +
                    "reverse and analytic on all of them. Finite differences of a loss near 1e6 carry round-off of " +
                    "about ε·L/h ≈ 4e-5 absolute, hence their looser tolerance.");
        ModelGradients.ErrorTable(report, "factorisation",
            new GradientWays("U", ModelGradients.Flat(gradU), ModelGradients.Forward(model.Loss, model.U, at, iu),
                refU.ToColumnMajorArray(), ModelGradients.FiniteDifferences(model.Loss, model.U, at, iu), iu),
            new GradientWays("V", ModelGradients.Flat(gradV), ModelGradients.Forward(model.Loss, model.V, at, iv),
                refV.ToColumnMajorArray(), ModelGradients.FiniteDifferences(model.Loss, model.V, at, iv), iv));

        Experiment(report);
    }

    /// <summary>The hand-written gradient the seed timed, on the same BLAS as the graph's MatMul so the comparison is
    /// between autograd and formula, not between two matrix libraries: E = X − UV, ∂U = −2EVᵀ + λU, ∂V = −2UᵀE + λV.</summary>
    internal static (double Loss, double[] GradU, double[] GradV) Analytic(Tensor X, Tensor U, Tensor V)
    {
        int m = X.Shape[0], n = X.Shape[1], k = U.Shape[1];
        double[] x = X.Values.ToArray(), u = U.Values.ToArray(), v = V.Values.ToArray();
        var e = x; // E = X − U·V, overwriting a copy of X
        Blas.Gemm(false, false, -1, u, m, k, v, k, n, 1, e);
        var gu = u.Select(t => Lambda * t).ToArray();
        Blas.Gemm(false, true, -2, e, m, n, v, k, n, 1, gu);
        var gv = v.Select(t => Lambda * t).ToArray();
        Blas.Gemm(true, false, -2, u, m, k, e, m, n, 1, gv);
        double loss = SumSquares(e) + Lambda / 2 * (SumSquares(u) + SumSquares(v));
        return (loss, gu, gv);
    }

    static double SumSquares(double[] a)
    {
        double s = 0;
        foreach (var t in a) s += t * t;
        return s;
    }

    /// <summary>Median milliseconds after warm-up; for large sizes one warm-up and three timed calls, each after an
    /// untimed full collection, since every call leaves (m×n) temporaries of up to 800 MB behind.</summary>
    static double Time(Action action, bool big) => big ? MedianMs(action, 1, 3, collect: true) : MedianMs(action, 3, 7);

    static void Experiment(ReportWriter report)
    {
        (int M, int N, int K)[] sizes = report.Full
            ? [(1000, 100, 10), (2000, 500, 20), (5000, 1000, 50), (10000, 2000, 50), (20000, 5000, 100)]
            : [(1000, 100, 10), (2000, 500, 20), (5000, 1000, 50)];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (m, n, k) in sizes)
        {
            report.Progress($"factorisation timing at m = {m}, n = {n}, k = {k}");
            GC.Collect(); // the previous size's matrices
            var (X, U, V) = Data(m, n, k, m + n + k);
            var model = MatrixFactorisation.Build(m, n, k, Lambda);
            var at = model.Bind(X, U, V);
            var gradient = MatrixFactorisation.Gradient(model); // built once, like a traced and compiled function

            var (value, gU, gV) = gradient.Evaluate(at);
            var (loss, aU, aV) = Analytic(X, U, V);
            double err = Math.Max(Math.Abs(value.ToScalar() - loss) / loss, Math.Max(RelError(gU.Values, aU), RelError(gV.Values, aV)));
            if (m == 1000)
            {
                // The BLAS formula is itself checked against the MathNet reference once.
                var (rl, rU, rV) = FactorisationReference.Gradient(X.AsMatrix(), U.AsMatrix(), V.AsMatrix(), Lambda);
                err = Math.Max(err, Math.Max(Math.Abs(rl - loss) / rl, Math.Max(RelError(aU, rU.ToColumnMajorArray()), RelError(aV, rV.ToColumnMajorArray()))));
            }

            bool big = (long)m * n > 20_000_000;
            var workspace = gradient.Plan.NewWorkspace();   // compile once, run many: the (m×n) buffers stay allocated
            var (auto, analytic) = PairedMedianMs(() => gradient.Evaluate(at, workspace), () => Analytic(X, U, V),
                warmup: big ? 1 : 3, repeats: big ? 3 : 11, collect: big);
            double withBuild = Time(() => MatrixFactorisation.ValueAndGrad(model, at), big);
            report.Record("factorisation/autograd", (double)m * n, auto);
            report.Record("factorisation/analytic", (double)m * n, analytic);
            report.Record("factorisation/ratio", (double)m * n, auto / analytic);
            rows.Add([m.ToString(), n.ToString(), k.ToString(), F(auto, "F2"), F(withBuild, "F2"), F(analytic, "F2"),
                F(auto / analytic, "F2"), E(err), report.Check($"factorisation ({m}, {n}, {k}): autograd vs analytic", err, ModelGradients.ExactTolerance)]);
        }
        report.Text($"Autograd against the analytic gradient (loss and both gradients each), median milliseconds after warm-up " +
                    $"(3 untimed + 7 timed calls; above 2·10⁷ elements 1 + 3, with a full garbage collection before each call, " +
                    $"outside the timing, so gigabytes of garbage from one call do not pile up). BLAS: {Blas.Backend}." +
                    (report.Full ? "" : " Run with --full for sizes up to (20000, 5000, 100)."));
        report.Table(["m", "n", "k", "autograd (compiled plan, workspace kept)", "AD.ValueAndGrad (builds the graph each call)", "analytic (same BLAS)",
            "autograd / analytic", "worst relative difference", "check"], rows);
    }
}

using AutoDiff.Functional.Models;
using BenchmarkDotNet.Attributes;
using MathNet.Numerics.LinearAlgebra;

namespace AutoDiff.Functional.Bench;

static class Data
{
    /// <summary>A seeded standard normal array (Box–Muller).</summary>
    public static double[] Normal(Random rng, int count, double scale = 1)
    {
        var a = new double[count];
        for (int i = 0; i < count; i++)
            a[i] = scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return a;
    }
}

/// <summary>Matrix factorisation L(U, V) = ‖X − UV‖²_F + λ/2(‖U‖²_F + ‖V‖²_F): value and both gradients by autograd
/// (graph built once) against the hand-written analytic gradient on the same BLAS (the baseline) and against the
/// model's MathNet reference.</summary>
[BenchmarkCategory("factorisation")]
public class FactorisationBench
{
    /// <summary>(m, n, k) as "m,n,k".</summary>
    [Params("1000,100,10", "5000,1000,50")]
    public string Size { get; set; } = "";

    int m, n, k;
    Tensor X = null!, U = null!, V = null!;
    FactorisationModel model = null!;
    FactorisationGradient gradient = null!;
    Bindings at = null!;

    /// <summary>Standard normal X, U, V; the gradient graph built once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var s = Size.Split(',').Select(int.Parse).ToArray();
        (m, n, k) = (s[0], s[1], s[2]);
        var rng = new Random(m + n + k);
        X = Tensor.FromColumnMajor(Shape.Matrix(m, n), Data.Normal(rng, m * n));
        U = Tensor.FromColumnMajor(Shape.Matrix(m, k), Data.Normal(rng, m * k));
        V = Tensor.FromColumnMajor(Shape.Matrix(k, n), Data.Normal(rng, k * n));
        model = MatrixFactorisation.Build(m, n, k, 1);
        gradient = MatrixFactorisation.Gradient(model);
        at = model.Bind(X, U, V);
    }

    /// <summary>E = X − UV, ∂U = −2EVᵀ + λU, ∂V = −2UᵀE + λV, loss, on raw BLAS.</summary>
    [Benchmark(Baseline = true)]
    public double Analytic()
    {
        double[] e = X.Values.ToArray(), u = U.Values.ToArray(), v = V.Values.ToArray();
        Blas.Gemm(false, false, -1, u, m, k, v, k, n, 1, e);
        var gu = u.Select(t => t).ToArray();
        Blas.Gemm(false, true, -2, e, m, n, v, k, n, 1, gu);
        var gv = v.Select(t => t).ToArray();
        Blas.Gemm(true, false, -2, u, m, k, e, m, n, 1, gv);
        double loss = 0;
        foreach (var t in e) loss += t * t;
        foreach (var t in u) loss += t * t / 2;
        foreach (var t in v) loss += t * t / 2;
        return loss + gu[0] + gv[0];
    }

    /// <summary>Autograd, gradient graph built and compiled once, a fresh workspace per call.</summary>
    [Benchmark]
    public Tensor Autograd() => gradient.Evaluate(at).GradU;

    /// <summary>Autograd, compiled once, its workspace kept between calls.</summary>
    [Benchmark]
    public Tensor AutogradWorkspace() => gradient.Evaluate(at, workspace ??= gradient.Plan.NewWorkspace()).GradU;
    Workspace? workspace;

    /// <summary>AD.ValueAndGrad: builds the gradient graph on every call.</summary>
    [Benchmark]
    public Tensor ValueAndGrad() => MatrixFactorisation.ValueAndGrad(model, at).GradU;

    /// <summary>The model's analytic reference, written with MathNet (managed products).</summary>
    [Benchmark]
    public Matrix<double> MathNetReference() => FactorisationReference.Gradient(X.AsMatrix(), U.AsMatrix(), V.AsMatrix(), 1).GradU;
}

/// <summary>Heron's method unrolled N steps: build + value + derivative (the target: N = 10,000 in ≤ 3 ms).</summary>
[BenchmarkCategory("heron")]
public class HeronBench
{
    /// <summary>Steps.</summary>
    [Params(10_000)]
    public int N { get; set; }

    /// <summary>Reverse mode through the loop.</summary>
    [Benchmark]
    public double Reverse() => Heron.Reverse(2, N).Derivative;

    /// <summary>Forward mode through the loop.</summary>
    [Benchmark]
    public double Forward() => Heron.Forward(2, N).Derivative;
}

/// <summary>Regression MSE: value + gradient on a prebuilt graph, against the MathNet analytic gradient. The issue's
/// size is m = 10⁶ (≤ 15 ms): run the report with --targets for it.</summary>
[BenchmarkCategory("regression")]
public class RegressionBench
{
    /// <summary>Samples.</summary>
    [Params(100_000)]
    public int M { get; set; }

    RegressionModel model = null!;
    Node[] graph = null!;
    Plan plan = null!;
    Workspace workspace = null!;
    Bindings at = null!;
    Vector<double> w = null!, y = null!;
    Matrix<double> x = null!;

    /// <summary>Standard normal X and y, the gradient graph built once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(M);
        var xt = Tensor.FromColumnMajor(Shape.Matrix(M, 2), Data.Normal(rng, 2 * M));
        var yt = Tensor.FromColumnMajor(Shape.Vector(M), Data.Normal(rng, M));
        var wt = Tensor.Vector(0.5, -0.3, 0.8, 0.2, 0.4);
        model = NonlinearRegression.Build(M);
        graph = [model.Loss, .. Functional.Reverse.Grad(model.Loss, [model.W])];
        plan = Plan.Compile(graph);
        workspace = plan.NewWorkspace();
        at = model.Bind(wt, xt, yt);
        (w, x, y) = (wt.AsVector(), xt.AsMatrix(), yt.AsVector());
    }

    /// <summary>The hand-written gradient (MathNet).</summary>
    [Benchmark(Baseline = true)]
    public Vector<double> Analytic() => RegressionReference.Gradient(w, x, y);

    /// <summary>Value and gradient: the prebuilt graph through the plain interpreter.</summary>
    [Benchmark]
    public Tensor[] ValueAndGradient() => Evaluator.Evaluate(graph, at);

    /// <summary>Value and gradient: the compiled plan, its workspace kept.</summary>
    [Benchmark]
    public Tensor[] ValueAndGradientCompiled() => plan.Run(at, workspace);
}

/// <summary>Linear softmax classifier, mean cross-entropy: value + gradients on a prebuilt graph against the closed
/// form in array loops. The size is N = 10⁵ (≤ 40 ms): run the report with --targets for it.</summary>
[BenchmarkCategory("softmax")]
public class SoftmaxBench
{
    /// <summary>Samples.</summary>
    [Params(10_000)]
    public int N { get; set; }

    const int Features = 100, Classes = 10;
    Node[] graph = null!;
    Plan plan = null!;
    Workspace workspace = null!;
    Bindings at = null!;
    double[,] x = null!, wm = null!;
    double[] b = null!;
    int[] labels = null!;

    static double[,] RowMajor(double[] a, int rows, int columns)
    {
        var r = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) r[i, j] = a[i * columns + j];
        return r;
    }

    /// <summary>Standard normal features, small random weights, random labels; the gradient graph built once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(N);
        x = RowMajor(Data.Normal(rng, N * Features), N, Features);
        wm = RowMajor(Data.Normal(rng, Features * Classes, 0.1), Features, Classes);
        b = Data.Normal(rng, Classes, 0.1);
        labels = [.. Enumerable.Range(0, N).Select(_ => rng.Next(Classes))];
        var model = SoftmaxClassifier.BuildLinear(Features, Classes, labels);
        graph = [model.Loss, .. Functional.Reverse.Grad(model.Loss, [model.W, model.B])];
        plan = Plan.Compile(graph);
        workspace = plan.NewWorkspace();
        at = model.Bind(Tensor.Matrix(x), Tensor.Matrix(wm), Tensor.Vector(b));
    }

    /// <summary>The closed-form gradient (array loops).</summary>
    [Benchmark(Baseline = true)]
    public double Analytic() => SoftmaxReference.Gradient(x, wm, b, labels).Loss;

    /// <summary>Value and gradients: the prebuilt graph through the plain interpreter.</summary>
    [Benchmark]
    public Tensor[] ValueAndGradients() => Evaluator.Evaluate(graph, at);

    /// <summary>Value and gradients: the compiled plan, its workspace kept.</summary>
    [Benchmark]
    public Tensor[] ValueAndGradientsCompiled() => plan.Run(at, workspace);
}

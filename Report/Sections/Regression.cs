using AutoDiff.Functional.Models;
using MathNet.Numerics.LinearAlgebra;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Seed 000, task 1: f(w|x) = cos(w1x1 + w2) + exp(−w5x2)·sin(w3x2 + w4) and its MSE.</summary>
static class RegressionSection
{
    public static readonly Section Section = new("Seed 000, task 1: nonlinear regression", Run);

    static (Tensor W, Tensor X, Tensor Y) Data(int m, Random rng)
    {
        // As in the seed: 100 samples of 2 standard normal features, w = 0.5 everywhere. The targets come from a
        // known w* plus noise (the seed drew them at random), so the Gauss–Newton fit below has something to find.
        var X = ModelGradients.Normal(rng, m, 2);
        var wStar = Vector<double>.Build.DenseOfArray([1.0, -0.5, 0.8, 0.3, 0.4]);
        var f = RegressionReference.F(wStar, Matrix<double>.Build.DenseOfArray(X));
        var y = f.Select(v => v + 0.1 * ModelGradients.Normal(rng)).ToArray();
        return (Tensor.Vector(0.5, 0.5, 0.5, 0.5, 0.5), Tensor.Matrix(X), Tensor.Vector(y));
    }

    static void Run(ReportWriter report)
    {
        const int m = 100;
        var (w, X, y) = Data(m, new Random(1000));
        var model = NonlinearRegression.Build(m);
        var at = model.Bind(w, X, y);
        Vector<double> rw = w.AsVector(), ry = y.AsVector();
        Matrix<double> rX = X.AsMatrix();

        var (value, grads) = AD.ValueAndGrad(model.Loss, at, model.W);
        double referenceLoss = RegressionReference.Loss(rw, rX, ry);
        report.Text($"m = {m} samples (rows of X, 100×2), w = (0.5, …, 0.5). MSE: graph {F(value.ToScalar(), "G15")}, " +
                    $"reference {F(referenceLoss, "G15")} (relative difference {E(Math.Abs(value.ToScalar() - referenceLoss) / referenceLoss)}).");

        var ways = new GradientWays("w",
            Reverse: ModelGradients.Flat(grads[0]),
            Forward: ModelGradients.Forward(model.Loss, model.W, at),
            Analytic: RegressionReference.Gradient(rw, rX, ry).ToArray(),
            FiniteDifferences: ModelGradients.FiniteDifferences(model.Loss, model.W, at));
        // The seed compared against the mean of ∂f/∂w: shown for contrast, it is not the gradient of the MSE.
        var seeds = RegressionReference.ModelJacobian(rw, rX).ColumnSums() / m;
        var rows = ways.Available().Select(wy => (IReadOnlyList<string>)[wy.Name, .. wy.Values.Select(v => F(v, "F12"))]).ToList();
        rows.Add(["seed's \"analytic\" (mean of ∂f/∂w)", .. seeds.Select(v => F(v, "F12"))]);
        report.Table(["∇MSE", "w1", "w2", "w3", "w4", "w5"], rows);
        ModelGradients.ErrorTable(report, "regression", ways);
        Float32Beside.Run(report, "regression", model.Loss, [model.W], at);
        double seedErr = RelError(seeds.ToArray(), ways.FiniteDifferences!);
        report.Text($"The seed's reference against finite differences: relative error {E(seedErr)}, " +
                    $"rejected by the same test: {report.Check("regression: the seed's wrong reference is rejected", seedErr > 1e-2)}.");

        // Hessian–vector product (forward over reverse) against central differences of the analytic gradient.
        var v = Vector<double>.Build.DenseOfArray([0.3, -0.7, 0.2, 0.9, -0.4]);
        var hv = AD.Hvp(model.Loss, at, (model.W, Tensor.Wrap((MathNet.Numerics.LinearAlgebra.Double.DenseVector)v)))[0];
        double h = Math.Cbrt(Math.BitIncrement(1.0) - 1.0) * Math.Max(1, rw.AbsoluteMaximum());
        var fdHv = (RegressionReference.Gradient(rw + h * v, rX, ry) - RegressionReference.Gradient(rw - h * v, rX, ry)) / (2 * h);
        double hvErr = RelError(hv.Values, fdHv.AsArray());
        report.Table(["H·v", "w1", "w2", "w3", "w4", "w5", "relative error", "check"],
        [
            ["AD.Hvp (forward over reverse)", .. hv.Values.ToArray().Select(x => F(x, "F9")), "", ""],
            ["central differences of the analytic ∇", .. fdHv.Select(x => F(x, "F9")), E(hvErr),
                report.Check("regression: Hessian–vector product vs FD of the analytic gradient", hvErr, 1e-6)],
        ]);

        // Gauss–Newton: J = ∂r/∂w by reverse mode, (JᵀJ + μI)Δ = −Jᵀr, backtracking so the loss never rises.
        var steps = new List<IReadOnlyList<string>>();
        var current = w;
        bool neverRises = true;
        for (int it = 1; it <= 6; it++)
        {
            var step = NonlinearRegression.Step(model, model.Bind(current, X, y));
            neverRises &= step.LossAfter <= step.LossBefore;
            steps.Add([it.ToString(), F(step.LossBefore, "G10"), F(step.LossAfter, "G10"), F(step.StepLength),
                string.Join(", ", step.W.Values.ToArray().Select(x => F(x, "F4")))]);
            current = step.W;
        }
        report.Text($"Gauss–Newton from w = 0.5 (data from w* = (1, −0.5, 0.8, 0.3, 0.4) plus noise of σ = 0.1; damping μ = 1e-8): " +
                    $"the loss never rises: {report.Check("regression: Gauss–Newton steps never raise the loss", neverRises)}.");
        report.Table(["step", "loss before", "loss after", "step length", "w"], steps);

        // Timings after warm-up, median of repeats; the graphs are built once outside the timed calls where they can be.
        var timing = new List<IReadOnlyList<string>>();
        foreach (int size in new[] { 100, 100_000 })
        {
            var (tw, tX, ty) = Data(size, new Random(size));
            var tm = NonlinearRegression.Build(size);
            var tat = tm.Bind(tw, tX, ty);
            var gradGraph = Reverse.Grad(tm.Loss, [tm.W]);
            Vector<double> sw = tw.AsVector(), sy = ty.AsVector();
            Matrix<double> sX = tX.AsMatrix();
            timing.Add([size.ToString(),
                F(MedianMs(() => Evaluator.Evaluate(tm.Loss, tat)), "F3"),
                F(MedianMs(() => Evaluator.Evaluate([tm.Loss, .. gradGraph], tat)), "F3"),
                F(MedianMs(() => AD.ValueAndGrad(tm.Loss, tat, tm.W)), "F3"),
                F(MedianMs(() => AD.JacFwd(tm.Loss, tat, tm.W)), "F3"),
                F(MedianMs(() => RegressionReference.Gradient(sw, sX, sy)), "F3"),
                F(MedianMs(() => ModelGradients.FiniteDifferences(tm.Loss, tm.W, tat), 1, 3), "F3")]);
        }
        report.Text("Median milliseconds after warm-up (3 untimed calls, 7 timed; FD 1 + 3):");
        report.Table(["m", "loss", "loss + ∇ (prebuilt reverse graph)", "AD.ValueAndGrad (builds the graph too)",
            "forward mode (5 JVPs)", "analytic (MathNet loops)", "finite differences (10 losses)"], timing);
    }
}

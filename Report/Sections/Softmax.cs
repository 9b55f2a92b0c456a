using AutoDiff.Functional.Models;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Seed 000, task 2: stable mean cross-entropy over a linear model and over linear → tanh → linear.</summary>
static class SoftmaxSection
{
    public static readonly Section Section = new("Seed 000, task 2: softmax classifier (cross-entropy)", Run);

    const int N = 200, Features = 20, Hidden = 16, Classes = 10;

    static void Run(ReportWriter report)
    {
        var rng = new Random(2000);
        var X = ModelGradients.Normal(rng, N, Features);
        var W = ModelGradients.Normal(rng, Features, Classes, 0.3);
        var b = Enumerable.Range(0, Classes).Select(_ => 0.1 * ModelGradients.Normal(rng)).ToArray();
        var labels = Enumerable.Range(0, N).Select(_ => rng.Next(Classes)).ToArray();

        var model = SoftmaxClassifier.BuildLinear(Features, Classes, labels);
        report.Text($"Linear model logits = X·W + b: N = {N} samples, n = {Features} features, C = {Classes} classes.");
        Linear(report, model, X, W, b, labels, "linear");

        // Extreme logits: W and b scaled so the largest |logit| is 1000, where exp overflows without the max shift.
        double largest = 0;
        for (int i = 0; i < N; i++)
            for (int c = 0; c < Classes; c++)
            {
                double s = b[c];
                for (int j = 0; j < Features; j++) s += X[i, j] * W[j, c];
                largest = Math.Max(largest, Math.Abs(s));
            }
        double scale = 1000 / largest;
        var bigW = (double[,])W.Clone();
        for (int j = 0; j < Features; j++)
            for (int c = 0; c < Classes; c++) bigW[j, c] *= scale;
        var bigB = b.Select(v => v * scale).ToArray();
        report.Text($"The same model with W and b scaled by {F(scale, "F2")}, so the largest |logit| is 1000:");
        Linear(report, model, X, bigW, bigB, labels, "linear, |logits| = 1e3", extreme: true);

        // Deeper: linear → tanh → linear, against hand-written backpropagation.
        var W1 = ModelGradients.Normal(rng, Features, Hidden, 0.3);
        var b1 = Enumerable.Range(0, Hidden).Select(_ => 0.1 * ModelGradients.Normal(rng)).ToArray();
        var W2 = ModelGradients.Normal(rng, Hidden, Classes, 0.3);
        var b2 = Enumerable.Range(0, Classes).Select(_ => 0.1 * ModelGradients.Normal(rng)).ToArray();
        var deep = SoftmaxClassifier.BuildDeep(Features, Hidden, Classes, labels);
        var at = deep.Bind(Tensor.Matrix(X), Tensor.Matrix(W1), Tensor.Vector(b1), Tensor.Matrix(W2), Tensor.Vector(b2));
        var (value, grads) = AD.ValueAndGrad(deep.Loss, at, deep.Parameters);
        report.Text($"Deeper model h = tanh(X·W1 + b1), logits = h·W2 + b2 with H = {Hidden} hidden units: loss {F(value.ToScalar(), "G12")}.");
        var (_, gW1, gb1, gW2, gb2) = SoftmaxReference.DeepGradient(X, W1, b1, W2, b2, labels);
        double[][] backprop = [Flatten(gW1), gb1, Flatten(gW2), gb2];
        ModelGradients.ErrorTable(report, "softmax deep", [.. deep.Parameters.Select((p, k) => new GradientWays(p.Op.Name,
            ModelGradients.Flat(grads[k]), ModelGradients.Forward(deep.Loss, p, at), backprop[k], ModelGradients.FiniteDifferences(deep.Loss, p, at)))]);
        Float32Beside.Run(report, "softmax deep", deep.Loss, deep.Parameters, at);

        var linearAt = model.Bind(Tensor.Matrix(X), Tensor.Matrix(W), Tensor.Vector(b));
        var linearGrad = Reverse.Grad(model.Loss, [model.W, model.B]);
        var deepGrad = Reverse.Grad(deep.Loss, deep.Parameters);
        report.Text("Median milliseconds after warm-up (3 untimed calls, 7 timed; FD 1 + 3):");
        report.Table(["model", "loss", "loss + ∇ (prebuilt reverse graph)", "AD.ValueAndGrad", "forward mode (one JVP per parameter)",
            "closed form / backprop (array loops)", "finite differences"],
        [
            ["linear", F(MedianMs(() => Evaluator.Evaluate(model.Loss, linearAt)), "F3"),
                F(MedianMs(() => Evaluator.Evaluate([model.Loss, .. linearGrad], linearAt)), "F3"),
                F(MedianMs(() => AD.ValueAndGrad(model.Loss, linearAt, model.W, model.B)), "F3"),
                F(MedianMs(() => AD.JacFwd(model.Loss, linearAt, model.W, model.B), 1, 3), "F3"),
                F(MedianMs(() => SoftmaxReference.Gradient(X, W, b, labels)), "F3"),
                F(MedianMs(() => { ModelGradients.FiniteDifferences(model.Loss, model.W, linearAt); ModelGradients.FiniteDifferences(model.Loss, model.B, linearAt); }, 1, 3), "F3")],
            ["linear → tanh → linear", F(MedianMs(() => Evaluator.Evaluate(deep.Loss, at)), "F3"),
                F(MedianMs(() => Evaluator.Evaluate([deep.Loss, .. deepGrad], at)), "F3"),
                F(MedianMs(() => AD.ValueAndGrad(deep.Loss, at, deep.Parameters)), "F3"), "—",
                F(MedianMs(() => SoftmaxReference.DeepGradient(X, W1, b1, W2, b2, labels)), "F3"), "—"],
        ]);
    }

    static void Linear(ReportWriter report, LinearClassifier model, double[,] X, double[,] W, double[] b, int[] labels, string name, bool extreme = false)
    {
        var at = model.Bind(Tensor.Matrix(X), Tensor.Matrix(W), Tensor.Vector(b));
        var (value, grads) = AD.ValueAndGrad(model.Loss, at, model.W, model.B);
        var (loss, gradW, gradB) = SoftmaxReference.Gradient(X, W, b, labels);
        double lossErr = Math.Abs(value.ToScalar() - loss) / Math.Max(1, Math.Abs(loss));
        string naive = "";
        if (extreme)
        {
            // What log Σ exp without the max shift gives on the same logits: exp(1000) overflows.
            double worst = 0;
            for (int i = 0; i < X.GetLength(0); i++)
            {
                double sum = 0;
                for (int c = 0; c < W.GetLength(1); c++)
                {
                    double s = b[c];
                    for (int j = 0; j < X.GetLength(1); j++) s += X[i, j] * W[j, c];
                    sum += Math.Exp(s);
                }
                worst = Math.Max(worst, Math.Log(sum));
            }
            naive = $" Without the max shift, log Σ exp overflows to {F(worst)}.";
        }
        report.Text($"Loss: graph {F(value.ToScalar(), "G15")}, closed form {F(loss, "G15")} " +
                    $"(finite: {report.Check($"softmax {name}: loss finite", double.IsFinite(value.ToScalar()))}; " +
                    $"relative difference {E(lossErr)}: {report.Check($"softmax {name}: loss vs closed form", lossErr, 1e-12)}).{naive}");
        const bool withFd = true;
        ModelGradients.ErrorTable(report, $"softmax {name}",
            new GradientWays("W", ModelGradients.Flat(grads[0]), ModelGradients.Forward(model.Loss, model.W, at),
                Flatten(gradW), withFd ? ModelGradients.FiniteDifferences(model.Loss, model.W, at) : null),
            new GradientWays("b", ModelGradients.Flat(grads[1]), ModelGradients.Forward(model.Loss, model.B, at),
                gradB, withFd ? ModelGradients.FiniteDifferences(model.Loss, model.B, at) : null));
    }

    static double[] Flatten(double[,] rowMajor)
    {
        int rows = rowMajor.GetLength(0), columns = rowMajor.GetLength(1);
        var c = new double[rows * columns];
        for (int j = 0; j < columns; j++)
            for (int i = 0; i < rows; i++) c[i + j * rows] = rowMajor[i, j];
        return c;
    }
}

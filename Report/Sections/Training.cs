using System.Diagnostics;
using AutoDiff.Functional.Models;
using AutoDiff.Functional.Training;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using static AutoDiff.Functional.Report.ReportWriter;

namespace AutoDiff.Functional.Report;

/// <summary>Every seed model fitted: the regression back to its generating w*, the softmax classifiers (linear and
/// with a tanh hidden layer) to a stated held-out accuracy, the factorisation's RMSE; loss curves for the plots.</summary>
static class TrainingSection
{
    public static readonly Section Section = new("Fitting the seed models", Run);

    static void Run(ReportWriter report)
    {
        var clock = Stopwatch.StartNew();
        Regression(report);
        Classifiers(report);
        Factorisation(report);
        report.Text($"The whole section took {clock.Elapsed.TotalSeconds:F1} s.");
    }

    static void Regression(ReportWriter report)
    {
        // The seed's task 1: 100 samples of 2 standard normal features, targets from w* plus noise of σ = 0.1, w = 0.5.
        const int m = 100;
        const double sigma = 0.1;
        var rng = new Random(1401);
        var X = Matrix<double>.Build.DenseOfArray(ModelGradients.Normal(rng, m, 2));
        var wStar = Vector<double>.Build.DenseOfArray([1.0, -0.5, 0.8, 0.3, 0.4]);
        var y = RegressionReference.F(wStar, X).Map(v => v + sigma * ModelGradients.Normal(rng));
        var data = Dataset.Of(("X", Tensor.Copy((MathNet.Numerics.LinearAlgebra.Double.DenseMatrix)X)),
                              ("y", Tensor.Copy((MathNet.Numerics.LinearAlgebra.Double.DenseVector)y)));
        var start = Parameters.Of(("w", Tensor.Vector(0.5, 0.5, 0.5, 0.5, 0.5)));
        static Node Loss(int rows) => NonlinearRegression.Build(rows).Loss;

        var lbfgs = FullBatch.Minimise(new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-12, 7, 1000), Objective.Of(Loss(m), start), start, data);
        var adam = Fit.Run(Loss, start, new Adam(Schedule.Cosine(0.05, 1000, 1e-3)), data, options: new() { Epochs = 200, BatchSize = 20, Seed = 1 });
        foreach (var (i, loss) in lbfgs.Evaluations.Index()) report.Record("training/regression-lbfgs", i, loss);
        foreach (var (i, loss) in adam.EpochLosses.Index()) report.Record("training/regression-adam", i + 1, loss);

        // Within the noise: the least-squares estimate's standard errors σ̂·√diag((JᵀJ)⁻¹), J = ∂f/∂w at ŵ.
        var wHat = lbfgs.Parameters["w"].AsVector();
        var J = RegressionReference.ModelJacobian(wHat, X);
        double sigmaHat = Math.Sqrt(lbfgs.Loss * m / (m - 5));
        var se = J.TransposeThisAndMultiply(J).Inverse().Diagonal().Map(v => sigmaHat * Math.Sqrt(v));
        var error = wHat - wStar;
        double worst = error.PointwiseDivide(se).AbsoluteMaximum();
        var wAdam = adam.Parameters["w"].AsVector();
        report.Text($"Task 1, m = {m}, targets from w* plus noise of σ = {sigma}, fitted from w = (0.5, …, 0.5). " +
                    $"L-BFGS (MathNet's `LimitedMemoryBfgsMinimizer` on our value and gradient): {lbfgs.Iterations} iterations, " +
                    $"{lbfgs.Evaluations.Count} evaluations ({lbfgs.Reason}), MSE {F(lbfgs.Loss, "G6")} against σ² = {F(sigma * sigma)}. " +
                    $"Adam (batches of 20, cosine schedule from 0.05, 200 epochs, {adam.Steps} steps): MSE {F(Objective.Of(Loss(m), start).Value(adam.Parameters, data), "G6")}.");
        report.Table(["", "w1", "w2", "w3", "w4", "w5"],
        [
            ["w* (generating)", .. wStar.Select(v => F(v, "F4"))],
            ["ŵ (L-BFGS)", .. wHat.Select(v => F(v, "F4"))],
            ["ŵ − w*", .. error.Select(v => F(v, "F4"))],
            ["standard error σ̂·√((JᵀJ)⁻¹)ᵢᵢ", .. se.Select(v => F(v, "F4"))],
            ["ŵ (Adam)", .. wAdam.Select(v => F(v, "F4"))],
        ]);
        report.Text($"Largest |ŵ − w*| in standard errors: {F(worst, "F2")} (within the noise means ≤ 4): " +
                    $"{report.Check("training: regression recovers w* within 4 standard errors", worst, 4)}. " +
                    $"Adam lands within {E((wAdam - wHat).AbsoluteMaximum())} of the L-BFGS fit: " +
                    $"{report.Check("training: Adam agrees with L-BFGS on the regression", (wAdam - wHat).AbsoluteMaximum(), 1e-2)}.");
    }

    /// <summary>Three classes in the plane: Gaussian blobs around three centres (linearly separable up to the noise),
    /// or rings by radius (no line separates them).</summary>
    static (double[,] X, int[] Labels) Points(string kind, int n, Random rng)
    {
        var X = new double[n, 2];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = labels[i] = rng.Next(3);
            if (kind == "blobs")
            {
                double angle = 2 * Math.PI * c / 3;
                X[i, 0] = 2 * Math.Cos(angle) + 0.7 * ModelGradients.Normal(rng);
                X[i, 1] = 2 * Math.Sin(angle) + 0.7 * ModelGradients.Normal(rng);
            }
            else
            {
                double radius = c + 0.1 + 0.8 * rng.NextDouble(), angle = 2 * Math.PI * rng.NextDouble();
                (X[i, 0], X[i, 1]) = (radius * Math.Cos(angle), radius * Math.Sin(angle));
            }
        }
        return (X, labels);
    }

    static void Classifiers(ReportWriter report)
    {
        const int train = 600, heldOut = 300, hidden = 16;
        // Minibatches change the labels, so the loss reads them as int32 data bound per batch, like X.
        static Node CrossEntropy(Node logits, int rows) => logits.CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        static Node X(int rows) => Node.Variable("X", Shape.Matrix(rows, 2));
        Func<int, Node> linear = rows => SoftmaxClassifier.Linear(X(rows), Node.Variable("W", Shape.Matrix(2, 3)), Node.Variable("b", Shape.Vector(3)));
        Func<int, Node> deep = rows => SoftmaxClassifier.Linear(
            SoftmaxClassifier.Linear(X(rows), Node.Variable("W1", Shape.Matrix(2, hidden)), Node.Variable("b1", Shape.Vector(hidden))).Tanh(),
            Node.Variable("W2", Shape.Matrix(hidden, 3)), Node.Variable("b2", Shape.Vector(3)));

        var rows = new List<IReadOnlyList<string>>();
        foreach (var kind in new[] { "blobs", "rings" })
        {
            var rng = new Random(kind == "blobs" ? 1402 : 1403);
            var (trainX, trainLabels) = Points(kind, train, rng);
            var (testX, testLabels) = Points(kind, heldOut, rng);
            var trainSet = Dataset.Of(("X", Tensor.Matrix(trainX)), ("labels", Tensor.Indices(trainLabels)));
            var testSet = Dataset.Of(("X", Tensor.Matrix(testX)), ("labels", Tensor.Indices(testLabels)));
            var init = new Random(7);
            var models = new (string Name, Func<int, Node> Logits, Parameters Start, double Rate, double Target)[]
            {
                ("linear", linear, Parameters.Of(("W", Tensor.Matrix(ModelGradients.Normal(init, 2, 3, 0.1))), ("b", Tensor.Zeros(Shape.Vector(3)))),
                    0.05, kind == "blobs" ? 0.90 : 0),
                ($"tanh hidden layer ({hidden})", deep, Parameters.Of(
                    ("W1", Tensor.Matrix(ModelGradients.Normal(init, 2, hidden, 1))), ("b1", Tensor.Zeros(Shape.Vector(hidden))),
                    ("W2", Tensor.Matrix(ModelGradients.Normal(init, hidden, 3, 0.25))), ("b2", Tensor.Zeros(Shape.Vector(3)))),
                    0.02, 0.90),
            };
            foreach (var (name, logits, start, rate, target) in models)
            {
                Node loss(int rows) => CrossEntropy(logits(rows), rows);
                var result = ConsoleProgress.Run($"{kind}, {name}", progress => Fit.Run(loss, start, new Adam(rate), trainSet, testSet,
                    new FitOptions { Epochs = 60, BatchSize = 32, Seed = 3, Patience = 10 }, progress));
                string key = $"training/{kind}-{(name == "linear" ? "linear" : "tanh")}";
                foreach (var (i, l) in result.EpochLosses.Index()) report.Record($"{key}-train", i + 1, l);
                foreach (var (i, l) in result.HeldOutLosses.Index()) report.Record($"{key}-held-out", i + 1, l);

                double accuracy = Accuracy(logits(heldOut), result.Parameters, testX, testLabels);
                // The seed model's own loss (integer labels, Models' CrossEntropy) on the held-out set agrees with ours.
                double ours = Objective.Of(loss(heldOut), start).Value(result.Parameters, testSet);
                double seeds = SeedLoss(name == "linear", result.Parameters, testX, testLabels, hidden);
                string check = target > 0
                    ? report.Check($"training: {kind} {name} held-out accuracy ≥ {target:P0}", accuracy >= target) + $" (≥ {target:P0})"
                    : "shown for contrast";
                rows.Add([kind, name, result.Steps.ToString(), result.BestEpoch >= 0 ? (result.BestEpoch + 1).ToString() : "", result.StoppedEarly ? "yes" : "no",
                    F(ours, "F4"), E(Math.Abs(ours - seeds)), F(accuracy, "P1"), check]);
                report.Check($"training: {kind} {name} loss over int32 labels equals the seed model's cross-entropy", Math.Abs(ours - seeds), 1e-12);
            }
        }
        report.Text($"Task 2: three classes in the plane, {train} training and {heldOut} held-out samples, Adam (η = 0.05 linear, 0.02 " +
                    "with the hidden layer), batches of 32 shuffled with seed 3, at most 60 epochs, early stopping after 10 epochs " +
                    "without a lower held-out loss (the parameters of the best epoch are kept).");
        report.Table(["data", "model", "steps", "best epoch", "stopped early", "held-out loss", "|ours − seed model's loss|", "held-out accuracy", "check"], rows);
    }

    static double Accuracy(Node logits, Parameters parameters, double[,] X, int[] labels)
    {
        var plan = Plan.Compile(logits);
        var at = Bindings.Empty;
        foreach (var v in plan.Variables)
        {
            var name = ((Variable)v.Op).Name;
            at = at.Bind(v, name == "X" ? Tensor.Matrix(X) : parameters[name]);
        }
        var values = plan.Run(at)[0];
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < 3; c++) if (values[i, c] > values[i, best]) best = c;
            if (best == labels[i]) correct++;
        }
        return (double)correct / labels.Length;
    }

    static double SeedLoss(bool linear, Parameters p, double[,] X, int[] labels, int hidden)
    {
        if (linear)
        {
            var model = SoftmaxClassifier.BuildLinear(2, 3, labels);
            return Evaluator.Evaluate(model.Loss, model.Bind(Tensor.Matrix(X), p["W"], p["b"])).ToScalar();
        }
        var deep = SoftmaxClassifier.BuildDeep(2, hidden, 3, labels);
        return Evaluator.Evaluate(deep.Loss, deep.Bind(Tensor.Matrix(X), p["W1"], p["b1"], p["W2"], p["b2"])).ToScalar();
    }

    static void Factorisation(ReportWriter report)
    {
        const int m = 60, n = 40, k = 3;
        const double lambda = 0.1, sigma = 0.1;
        var rng = new Random(1404);
        var U0 = Matrix<double>.Build.DenseOfArray(ModelGradients.Normal(rng, m, k));
        var V0 = Matrix<double>.Build.DenseOfArray(ModelGradients.Normal(rng, k, n));
        var clean = U0 * V0;
        var X = clean + Matrix<double>.Build.DenseOfArray(ModelGradients.Normal(rng, m, n, sigma));
        var model = MatrixFactorisation.Build(m, n, k, lambda);
        var start = Parameters.Of(("U", Tensor.Matrix(ModelGradients.Normal(rng, m, k, 0.1))), ("V", Tensor.Matrix(ModelGradients.Normal(rng, k, n, 0.1))));
        var data = Dataset.Of(("X", Tensor.Copy((MathNet.Numerics.LinearAlgebra.Double.DenseMatrix)X)));
        var result = FullBatch.Minimise(new LimitedMemoryBfgsMinimizer(1e-8, 1e-12, 1e-12, 10, 2000), Objective.Of(model.Loss, start), start, data);
        foreach (var (i, loss) in result.Evaluations.Index()) report.Record("training/factorisation-lbfgs", i, loss);

        var fitted = result.Parameters["U"].AsMatrix() * result.Parameters["V"].AsMatrix();
        double rmse = Math.Sqrt((X - fitted).FrobeniusNorm() is var r ? r * r / (m * n) : 0);
        double rmseClean = (clean - fitted).FrobeniusNorm() / Math.Sqrt(m * n);
        report.Text($"Task 3: X ({m}×{n}) = U*V* (rank {k}, standard normal factors) plus noise of σ = {sigma}, λ = {lambda}, " +
                    $"L-BFGS from factors of scale 0.1: {result.Iterations} iterations, {result.Evaluations.Count} evaluations ({result.Reason}), " +
                    $"loss {F(result.Loss, "G6")}. RMSE of UV against X: {F(rmse, "F4")} (a rank-{k} fit can only explain the noise " +
                    $"in k(m + n) directions, so about σ·√(1 − k(m + n)/mn) = {F(sigma * Math.Sqrt(1 - k * (m + n) / (double)(m * n)), "F4")}); " +
                    $"against the noiseless U*V*: {F(rmseClean, "F4")}, below σ: " +
                    $"{report.Check("training: factorisation RMSE below the noise", rmse < sigma && rmseClean < sigma)}.");
    }
}

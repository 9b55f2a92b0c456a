using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.Optimization;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>A small least-squares fit: y = X·w + b + noise with X (rows×3), drawn from a seed; a batch size and a seed
/// for the fit's shuffling.</summary>
public sealed record FitCase(int Rows, int BatchSize, int DataSeed, int FitSeed)
{
    public (Dataset Data, Parameters Start) Make()
    {
        var random = new Random(DataSeed);
        var x = new double[Rows, 3];
        var y = new double[Rows];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < 3; j++) x[i, j] = 2 * random.NextDouble() - 1;
            y[i] = 0.5 * x[i, 0] - x[i, 1] + 2 * x[i, 2] + 0.3 + 0.1 * (random.NextDouble() - 0.5);
        }
        return (Dataset.Of(("X", Tensor.Matrix(x)), ("y", Tensor.Vector(y))),
                Parameters.Of(("w", Tensor.Zeros(Shape.Vector(3))), ("b", Tensor.Scalar(0))));
    }

    /// <summary>The mean squared error of a batch of <paramref name="rows"/> rows.</summary>
    public static Node Loss(int rows)
    {
        var X = Node.Variable("X", Shape.Matrix(rows, 3));
        var y = Node.Variable("y", Shape.Vector(rows));
        var w = Node.Variable("w", Shape.Vector(3));
        var b = Node.Variable("b", Shape.Scalar);
        return (X.MatMul(w) + b.Fill(Shape.Vector(rows)) - y).Square().Mean();
    }
}

public static class FitArbs
{
    public static Arbitrary<FitCase> Case() =>
        (from rows in Gen.Choose(4, 24)
         from batch in Gen.Choose(1, 10)
         from dataSeed in Gen.Choose(0, 10_000)
         from fitSeed in Gen.Choose(0, 10_000)
         select new FitCase(rows, batch, dataSeed, fitSeed)).ToArbitrary();
}

[Properties(Arbitrary = [typeof(FitArbs)], MaxTest = 100)]
public class FitProperties
{
    static readonly FitOptions Options = new() { Epochs = 3 };

    [Property]
    public void A_seeded_fit_repeats_bit_for_bit(FitCase c)
    {
        var (data, start) = c.Make();
        var options = Options with { BatchSize = c.BatchSize, Seed = c.FitSeed, ClipNorm = 5 };
        var first = Fit.Run(FitCase.Loss, start, new Adam(0.05), data, options: options);
        var second = Fit.Run(FitCase.Loss, start, new Adam(0.05), data, options: options);
        Assert.True(first.Parameters.BitwiseEquals(second.Parameters));
        Assert.Equal(first.StepLosses.Select(BitConverter.DoubleToInt64Bits), second.StepLosses.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(3 * ((c.Rows + Math.Min(c.BatchSize, c.Rows) - 1) / Math.Min(c.BatchSize, c.Rows)), first.Steps);
    }

    [Property]
    public void A_cancelled_fit_keeps_the_parameters_of_its_last_completed_step(FitCase c)
    {
        var (data, start) = c.Make();
        var options = Options with { BatchSize = c.BatchSize, Seed = c.FitSeed };
        long total = 3 * ((c.Rows + Math.Min(c.BatchSize, c.Rows) - 1) / Math.Min(c.BatchSize, c.Rows));
        long cancelAt = 1 + c.DataSeed % total;
        using var source = new CancellationTokenSource();
        Parameters? seen = null;
        var result = Fit.Run(FitCase.Loss, start, new Sgd(0.05, 0.9, nesterov: true), data, options: options, onStep: step =>
        {
            seen = step.Parameters;
            if (step.Step == cancelAt) source.Cancel();
        }, cancellation: source.Token);

        Assert.Equal(cancelAt, result.Steps);
        Assert.Equal(cancelAt < total, result.Cancelled);
        Assert.True(result.Last.BitwiseEquals(seen!), "the result is not the last step the callback saw");
        Assert.True(result.Parameters.BitwiseEquals(seen!));
        // The same fit stopped after cancelAt steps without cancellation lands on the same bits: no half-applied step.
        var stopped = Fit.Run(FitCase.Loss, start, new Sgd(0.05, 0.9, nesterov: true), data, options: options with { MaxSteps = cancelAt });
        Assert.True(stopped.Last.BitwiseEquals(result.Last));
        Assert.Equal(cancelAt, result.StepLosses.Count);
    }
}

public class FullBatchTests
{
    // Rosenbrock's function f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), started from (−1.2, 1).
    static Objective Rosenbrock()
    {
        var p = Node.Variable("p", Shape.Vector(2));
        Node x = p.At(0), y = p.At(1);
        return Objective.Of((1 - x).Square() + 100 * (y - x.Square()).Square(), "p");
    }

    static readonly Parameters Start = Parameters.Of(("p", Tensor.Vector(-1.2, 1)));

    public static TheoryData<string> Minimisers => ["L-BFGS", "BFGS", "Newton", "conjugate gradient"];

    static IUnconstrainedMinimizer Minimiser(string name) => name switch
    {
        "L-BFGS" => new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-12, 5, 1000),
        "BFGS" => new BfgsMinimizer(1e-10, 1e-12, 1e-12, 1000),
        "Newton" => new NewtonMinimizer(1e-10, 1000, useLineSearch: true),
        _ => new ConjugateGradientMinimizer(1e-10, 10_000),
    };

    [Theory]
    [MemberData(nameof(Minimisers))]
    public void MathNets_minimisers_find_the_Rosenbrock_minimum_from_the_standard_start(string name)
    {
        var result = FullBatch.Minimise(Minimiser(name), Rosenbrock(), Start);
        var p = result.Parameters["p"];
        Assert.True(Math.Abs(p[0] - 1) < 1e-6 && Math.Abs(p[1] - 1) < 1e-6, $"{name}: stopped at ({p[0]}, {p[1]}) after {result.Iterations} iterations ({result.Reason})");
        Assert.True(result.Loss < 1e-12, $"{name}: loss {result.Loss}");
        Assert.True(result.Evaluations[0] > 24 && result.Evaluations[0] < 24.3);   // f(−1.2, 1) = 24.2
    }

    [Fact]
    public void The_Hessian_from_two_reverse_passes_equals_the_analytic_Hessian()
    {
        var function = FullBatch.Function(Rosenbrock(), Start, null, out _);
        var at = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray([-1.2, 1]);
        function.EvaluateAt(at);
        var H = function.Hessian;
        double x = -1.2, y = 1;
        // ∂²f/∂x² = 2 − 400(y − 3x²), ∂²f/∂x∂y = −400x, ∂²f/∂y² = 200.
        Assert.Equal(2 - 400 * (y - 3 * x * x), H[0, 0], 1e-10);
        Assert.Equal(-400 * x, H[0, 1], 1e-10);
        Assert.Equal(-400 * x, H[1, 0], 1e-10);
        Assert.Equal(200, H[1, 1], 1e-10);
        // ∂f/∂x = −2(1 − x) − 400x(y − x²), ∂f/∂y = 200(y − x²).
        Assert.Equal(-2 * (1 - x) - 400 * x * (y - x * x), function.Gradient[0], 1e-10);
        Assert.Equal(200 * (y - x * x), function.Gradient[1], 1e-10);
    }

    [Fact]
    public void An_objective_names_what_it_cannot_bind()
    {
        var e = Assert.Throws<ArgumentException>(() => Objective.Of(FitCase.Loss(4), "w", "c"));
        Assert.Contains("'c'", e.Message);
        var objective = Objective.Of(FitCase.Loss(4), "w", "b");
        var start = Parameters.Of(("w", Tensor.Zeros(Shape.Vector(3))), ("b", Tensor.Scalar(0)));
        var b = Assert.Throws<BindingException>(() => objective.Value(start));
        Assert.Contains("'X'", b.Message);
    }
}

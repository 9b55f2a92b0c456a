using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.Optimization;

namespace AutoDiff.Functional.Training;

/// <summary>Where a full-batch minimiser stopped: the parameters, the loss there, MathNet's iteration count and reason,
/// and the loss at every evaluation in order (a loss curve: line searches evaluate more than once per iteration).</summary>
/// <summary>One evaluation of a full-batch minimiser at a new point, as the progress callback sees it.</summary>
/// <param name="Evaluation">Evaluations so far, this one included (line searches take several per iteration).</param>
/// <param name="Loss">The loss at the new point.</param>
/// <param name="Best">The lowest loss so far.</param>
/// <param name="Elapsed">Wall time since the minimiser started (for progress only).</param>
public sealed record FullBatchStep(int Evaluation, double Loss, double Best, TimeSpan Elapsed);

public sealed record FullBatchResult(Parameters Parameters, double Loss, int Iterations, ExitCondition Reason, IReadOnlyList<double> Evaluations);

/// <summary>MathNet.Numerics' minimisers (<see cref="BfgsMinimizer"/>, <see cref="LimitedMemoryBfgsMinimizer"/>,
/// <see cref="NewtonMinimizer"/>, <see cref="ConjugateGradientMinimizer"/>, …) on an <see cref="Objective"/>: we supply
/// the value, the gradient from one reverse pass and, only when a minimiser asks for it, the Hessian from n
/// Hessian–vector products (reverse over reverse). The parameters travel as one flat vector.</summary>
public static class FullBatch
{
    /// <summary>Minimises <paramref name="objective"/> on <paramref name="data"/> from <paramref name="start"/>, calling
    /// <paramref name="onEvaluation"/> at every new point (for a progress display: <see cref="ConsoleProgress.RunFullBatch"/>).</summary>
    public static FullBatchResult Minimise(IUnconstrainedMinimizer minimiser, Objective objective, Parameters start, Dataset? data = null,
        Action<FullBatchStep>? onEvaluation = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(minimiser);
        var function = Function(objective, start, data, out var evaluations, onEvaluation);
        var result = minimiser.FindMinimum(function, start.ToVector());
        var at = start.Unflatten(((DenseVector)result.MinimizingPoint).Values);
        return new(at, objective.Value(at, data), result.Iterations, result.ReasonForExit, evaluations);
    }

    /// <summary>MathNet's objective function for <paramref name="objective"/>: value and gradient share one reverse pass
    /// (the last point's results are kept, as MathNet asks for the value and the gradient separately); the Hessian is
    /// built only when read. <paramref name="evaluations"/> receives the loss at every new point.</summary>
    public static IObjectiveFunction Function(Objective objective, Parameters layout, Dataset? data, out List<double> evaluations,
        Action<FullBatchStep>? onEvaluation = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(layout);
        var losses = evaluations = [];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double best = double.PositiveInfinity;
        var workspace = objective.NewGradientWorkspace();
        double[]? lastPoint = null;
        (double Loss, Parameters Gradient, Parameters At) last = default;

        (double, Parameters, Parameters) At(Vector<double> x)
        {
            var point = x.AsArray() ?? x.ToArray();
            if (lastPoint is null || !lastPoint.AsSpan().SequenceEqual(point))
            {
                var theta = layout.Unflatten(point);
                var (loss, gradient) = objective.ValueAndGradient(theta, data, workspace);
                (lastPoint, last) = ((double[])point.Clone(), (loss, gradient, theta));
                losses.Add(loss);
                best = Math.Min(best, loss);
                onEvaluation?.Invoke(new FullBatchStep(losses.Count, loss, best, clock.Elapsed));
            }
            return last;
        }

        Matrix<double> Hessian(Vector<double> x)
        {
            var (_, _, theta) = At(x);
            int n = layout.Size;
            var H = new DenseMatrix(n, n);
            var unit = new double[n];
            for (int j = 0; j < n; j++)
            {
                unit[j] = 1;
                var column = objective.HessianTimes(theta, layout.Unflatten(unit), data).Flatten();
                unit[j] = 0;
                for (int i = 0; i < n; i++) H[i, j] = column[i];
            }
            return H;
        }

        return ObjectiveFunction.GradientHessian(
            x => At(x).Item1,
            x => At(x).Item2.ToVector(),
            Hessian);
    }
}

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>saddle in plain loops with gradients by hand: ∇_y(‖x‖² − ‖y‖²) = −2y does not involve x, so the inner
/// maximiser y*(x) does not depend on x (only the accept tests read x, and they carry no derivative), and the outer
/// objective F(x) = ‖x‖² − ‖y*‖² has ∇F = 2x.</summary>
public static class SaddleReference
{
    /// <summary>max_y f(x, y) from the start s, and its gradient in x.</summary>
    public static (double Value, double[] Gradient) InnerMax(double[] x, double[] start)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(start);
        var y = DescentReference.ArgMax(y => (Objective(x, y), [-2 * y[0], -2 * y[1]]), start);
        return (Objective(x, y), [2 * x[0], 2 * x[1]]);
    }

    /// <summary>(x*, y*) from the start s.</summary>
    public static double[] Solve(double[] start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var x = DescentReference.ArgMin(x => InnerMax(x, start), start);
        var y = DescentReference.ArgMax(y => (Objective(x, y), [-2 * y[0], -2 * y[1]]), start);
        return [x[0], x[1], y[0], y[1]];
    }

    static double Objective(double[] x, double[] y) => x[0] * x[0] + x[1] * x[1] - (y[0] * y[0] + y[1] * y[1]);
}

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>The eval's gradient descent in plain loops over doubles, for the references of saddle and particle:
/// η starts at 10⁻⁵, doubles after 10 accepted steps in a row and halves on a rejected one; the descent stops when
/// ‖∇f‖ or the step ‖x − x′‖ is at most 10⁻⁵.</summary>
public static class DescentReference
{
    /// <summary>argmin f from <paramref name="start"/>, where <paramref name="f"/> gives the value and the gradient.</summary>
    public static double[] ArgMin(Func<double[], (double Value, double[] Gradient)> f, double[] start)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(start);
        var x = (double[])start.Clone();
        var (fx, gx) = f(x);
        double eta = 1e-5;
        for (int accepted = 0; Length(gx) > 1e-5;)
        {
            if (accepted == 10)
            {
                eta *= 2;
                accepted = 0;
                continue;
            }
            var trial = new double[x.Length];
            var step = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                trial[i] = x[i] - eta * gx[i];
                step[i] = x[i] - trial[i];
            }
            if (Length(step) <= 1e-5) break;
            var (fTrial, gTrial) = f(trial);
            if (fTrial < fx)
            {
                (x, fx, gx) = (trial, fTrial, gTrial);
                accepted++;
            }
            else
            {
                eta /= 2;
                accepted = 0;
            }
        }
        return x;
    }

    /// <summary>argmax f: the argmin of −f.</summary>
    public static double[] ArgMax(Func<double[], (double Value, double[] Gradient)> f, double[] start)
    {
        ArgumentNullException.ThrowIfNull(f);
        return ArgMin(x =>
        {
            var (value, gradient) = f(x);
            return (-value, [.. gradient.Select(g => -g)]);
        }, start);
    }

    static double Length(double[] v) => Math.Sqrt(v.Sum(e => e * e));
}

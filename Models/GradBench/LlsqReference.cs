namespace AutoDiff.Functional.Models.GradBench;

/// <summary>llsq in plain loops: the objective and its gradient ∂y/∂xⱼ = −Σᵢ rᵢ tᵢʲ, rᵢ = sᵢ − Σⱼ xⱼ tᵢʲ.</summary>
public static class LlsqReference
{
    /// <summary>y(x) and ∇y(x).</summary>
    public static (double Value, double[] Gradient) Evaluate(double[] x, int n)
    {
        ArgumentNullException.ThrowIfNull(x);
        double value = 0;
        var gradient = new double[x.Length];
        for (int i = 0; i < n; i++)
        {
            double t = -1 + 2.0 * i / (n - 1);
            double r = t > 0 ? 1 : t < 0 ? -1 : 0, tj = 1;
            for (int j = 0; j < x.Length; j++, tj *= t) r -= x[j] * tj;
            value += r * r / 2;
            tj = 1;
            for (int j = 0; j < x.Length; j++, tj *= t) gradient[j] -= r * tj;
        }
        return (value, gradient);
    }
}

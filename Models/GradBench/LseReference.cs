namespace AutoDiff.Functional.Models.GradBench;

/// <summary>lse in plain loops: the value and its gradient, the softmax exp(xᵢ − lse).</summary>
public static class LseReference
{
    /// <summary>log Σ exp x and its gradient.</summary>
    public static (double Value, double[] Gradient) Evaluate(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double a = x.Max(), sum = 0;
        foreach (var xi in x) sum += Math.Exp(xi - a);
        double value = a + Math.Log(sum);
        return (value, [.. x.Select(xi => Math.Exp(xi - value))]);
    }
}

namespace AutoDiff.Functional.Testing;

/// <summary>Independent numerical references: float64 central finite differences with a per-element step
/// h = ∛ε·max(1, |x|), and plain loops for inner products. None of it uses the library's derivatives.</summary>
public static class Numerics
{
    /// <summary>Machine epsilon of float64, 2⁻⁵².</summary>
    public static readonly double Epsilon = Math.BitIncrement(1.0) - 1.0;

    /// <summary>The central-difference step for a coordinate of value <paramref name="x"/>.</summary>
    public static double Step(double x) => GradCheck.Step(x);

    /// <summary>The Jacobian of <paramref name="f"/> at <paramref name="x"/> by central differences, one
    /// column per input element (inputs concatenated in order, each column-major).</summary>
    public static double[,] Jacobian(Func<Tensor[], Tensor> f, Tensor[] x)
    {
        int outputs = f(x).Shape.Size, columns = x.Sum(t => t.Shape.Size);
        var jac = new double[outputs, columns];
        for (int input = 0, column = 0; input < x.Length; input++)
            for (int j = 0; j < x[input].Shape.Size; j++, column++)
            {
                double xj = x[input][j], h = Step(xj), xp = xj + h, xm = xj - h;
                var plus = f(With(x, input, j, xp));
                var minus = f(With(x, input, j, xm));
                for (int i = 0; i < outputs; i++) jac[i, column] = (plus[i] - minus[i]) / (xp - xm);
            }
        return jac;
    }

    /// <summary>The derivative of <paramref name="g"/> at <paramref name="x"/> along <paramref name="v"/> by a
    /// central difference with step ∛ε·max(1, ‖x‖∞) (v has entries of magnitude ≤ 1).</summary>
    public static double[][] Directional(Func<Tensor[], Tensor[]> g, Tensor[] x, Tensor[] v)
    {
        double h = Math.Cbrt(Epsilon) * Math.Max(1, x.Max(t => MaxAbs(t.Values)));
        var plus = g(Axpy(x, h, v));
        var minus = g(Axpy(x, -h, v));
        return [.. plus.Select((p, k) => p.Values.ToArray().Select((pi, i) => (pi - minus[k][i]) / (2 * h)).ToArray())];
    }

    /// <summary>J·t with the Jacobian's columns matched to the concatenated tensors <paramref name="t"/>.</summary>
    public static double[] Times(double[,] jac, Tensor[] t)
    {
        var flat = Flatten(t);
        var result = new double[jac.GetLength(0)];
        for (int i = 0; i < result.Length; i++)
            for (int j = 0; j < flat.Length; j++) result[i] += jac[i, j] * flat[j];
        return result;
    }

    /// <summary>Jᵀ·u.</summary>
    public static double[] TransposeTimes(double[,] jac, ReadOnlySpan<double> u)
    {
        var result = new double[jac.GetLength(1)];
        for (int j = 0; j < result.Length; j++)
            for (int i = 0; i < u.Length; i++) result[j] += jac[i, j] * u[i];
        return result;
    }

    /// <summary>Σᵢⱼ |uᵢ Jᵢⱼ tⱼ|: the size of the terms of ⟨u, J·t⟩, the scale for comparing it computed two ways.</summary>
    public static double AbsBilinear(ReadOnlySpan<double> u, double[,] jac, Tensor[] t)
    {
        var flat = Flatten(t);
        double s = 0;
        for (int i = 0; i < u.Length; i++)
            for (int j = 0; j < flat.Length; j++) s += Math.Abs(u[i] * jac[i, j] * flat[j]);
        return s;
    }

    /// <summary>The tensors' elements one after the other.</summary>
    public static double[] Flatten(IEnumerable<Tensor> tensors) => [.. tensors.SelectMany(t => t.Values.ToArray())];

    /// <summary>Σ aᵢbᵢ.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Σ |aᵢbᵢ|.</summary>
    public static double AbsDot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Math.Abs(a[i] * b[i]);
        return s;
    }

    /// <summary>max |aᵢ| (0 when empty).</summary>
    public static double MaxAbs(ReadOnlySpan<double> a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>A tensor of uniform values in [−1, 1).</summary>
    public static Tensor Random(Random rng, Shape shape)
    {
        var values = new double[shape.Size];
        for (int i = 0; i < values.Length; i++) values[i] = 2 * rng.NextDouble() - 1;
        return Tensor.FromColumnMajor(shape, values);
    }

    /// <summary>A copy of <paramref name="x"/> with element <paramref name="j"/> of input <paramref name="input"/> set.</summary>
    public static Tensor[] With(Tensor[] x, int input, int j, double value)
    {
        var copy = (Tensor[])x.Clone();
        var values = x[input].Values.ToArray();
        values[j] = value;
        copy[input] = Tensor.FromColumnMajor(x[input].Shape, values);
        return copy;
    }

    /// <summary>x + a·v, tensor by tensor.</summary>
    public static Tensor[] Axpy(Tensor[] x, double a, Tensor[] v) =>
        [.. x.Select((t, k) => Tensor.FromColumnMajor(t.Shape, [.. t.Values.ToArray().Select((xi, i) => xi + a * v[k][i])]))];
}

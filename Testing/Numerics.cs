namespace AutoDiff.Functional.Testing;

/// <summary>Independent numerical references: float64 central finite differences (plain, step h = ∛ε·max(1, |x|);
/// and Richardson-extrapolated, with an estimate of their own error), and plain loops for inner products. None of it
/// uses the library's derivatives.</summary>
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

    /// <summary>The largest step of <see cref="Richardson"/>, relative to a coordinate's scale: 2⁻¹⁰ ≈ 1e-3, near 2·ε^(1/5)
    /// where an extrapolated difference's truncation O(h⁴) and round-off O(ε/h) balance (near ε^(4/5) ≈ 3e-13 relative);
    /// a power of 2, so that steps times a direction are exact.</summary>
    public const double RichardsonStep = 1.0 / 1024;

    /// <summary>The scales a coordinate's steps are tried at: |x| (a step relative to |x| never crosses 0, so a pole or
    /// branch point at 0 — log, xᵖ, Γ — stays outside at every magnitude), and 1 (the scale of exp or sin far out, and
    /// of a sum whose other terms round far above a tiny xⱼ³); <see cref="Richardson"/> skips the steps of scale 1 that
    /// reach half of |x|, so that they too never cross 0.</summary>
    public static double[] StepScales(double x) => x == 0 || Math.Abs(x) == 1 ? [1] : [Math.Abs(x), 1];

    /// <summary>The derivative at s = 0 of each element of <paramref name="g"/> by Richardson's extrapolation of central
    /// differences D(h) = (g(h) − g(−h))/2h, with an estimate of its own error. For each scale σ of
    /// <paramref name="scales"/>, steps h = RichardsonStep·σ/4ᵏ, k = 0..4 (down to 6e-6·σ, below the distance to a kink
    /// of the grids; <paramref name="levels"/> steps in all): E_k = (16·D(h/4) − D(h))/15, error O(h⁴). E_k's error
    /// estimate is twice the larger of its distances to its neighbours E_(k±1) (an estimate of an estimate: a factor 2
    /// of margin), plus its round-off bound (16 + 1)/15·δ/(h/4) for values rounded by δ = 8 ulps of the largest
    /// |g(±h)| (special functions round to a few ulps). An estimate is credible when its error is below a tenth of its
    /// value, or is round-off alone (an exact 0 of a flat piece); each element takes the credible estimate of least
    /// error (Ridders' choice, among the credible ones so that a step that jumps over a pole or a kink, whose
    /// disagreements are as large as its value, cannot win by being small). An element without a credible estimate
    /// (steps leave the domain, cross a kink at every size, overflow) gets a NaN value and an infinite error: it cannot
    /// be checked by differences.</summary>
    /// <param name="g">The function along the line, at a shift s.</param>
    /// <param name="scales">The scales to try.</param>
    /// <param name="taken">The shift actually taken for a requested s (x + s rounds): (x + s) − x, exact; s by default.</param>
    /// <param name="levels">The number of steps per scale, each a quarter of the one before.</param>
    /// <param name="origin">The coordinate's value, when the steps move one coordinate: steps that reach half of it are
    /// skipped.</param>
    /// <param name="noise">The rounding noise of each element of g, when measured (<see cref="Noise"/>): the round-off
    /// bound uses the larger of it and 8 ulps of the values.</param>
    public static (double[] Value, double[] Error) Richardson(Func<double, double[]> g, double[] scales, Func<double, double>? taken = null, int levels = 5, double? origin = null, double[]? noise = null)
    {
        taken ??= s => s;
        int n = g(0).Length;
        var value = Enumerable.Repeat(double.NaN, n).ToArray();
        var error = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        foreach (var scale in scales)
        {
            // The steps of this scale that stay within half of the coordinate (all of them when it is 0).
            double limit = Math.Abs(origin ?? 0) / 2;
            int first = 0;
            while (first < levels && limit > 0 && RichardsonStep * scale / Math.Pow(4, first) >= limit) first++;
            if (levels - first < 3) continue;
            var d = new double[levels][];
            var rounding = new double[levels][];
            var h = new double[levels];
            for (int k = first; k < levels; k++)
            {
                h[k] = RichardsonStep * scale / Math.Pow(4, k);
                var plus = g(h[k]);
                var minus = g(-h[k]);
                double step = taken(h[k]) - taken(-h[k]);
                d[k] = new double[n];
                rounding[k] = new double[n];
                for (int i = 0; i < n; i++)
                {
                    d[k][i] = (plus[i] - minus[i]) / step;
                    rounding[k][i] = 17.0 / 15 * Math.Max(8 * Ulp(Math.Max(Math.Abs(plus[i]), Math.Abs(minus[i]))), 2 * (noise?[i] ?? 0)) / (step / 2);
                }
            }
            for (int i = 0; i < n; i++)
            {
                var e = new double[levels - 1];
                for (int k = first + 1; k < levels; k++) e[k - 1] = (16 * d[k][i] - d[k - 1][i]) / 15;
                for (int k = first; k < e.Length; k++)
                {
                    double spread = Math.Max(k > first ? Math.Abs(e[k] - e[k - 1]) : 0, k + 1 < e.Length ? Math.Abs(e[k] - e[k + 1]) : 0);
                    double estimate = 2 * spread + rounding[k + 1][i];
                    bool credible = estimate <= 0.1 * Math.Abs(e[k]) || spread == 0;
                    if (credible && double.IsFinite(e[k]) && double.IsFinite(estimate) && estimate < error[i])
                        (value[i], error[i]) = (e[k], estimate);
                }
            }
        }
        return (value, error);
    }

    /// <summary>The gap from |<paramref name="v"/>| to the next double: the rounding unit at v, subnormals included.</summary>
    public static double Ulp(double v) => Math.BitIncrement(Math.Abs(v)) - Math.Abs(v);

    /// <summary>The rounding noise of each element of <paramref name="g"/> (along one coordinate, at the value
    /// <paramref name="x"/>), measured: g at five shifts s = −2δ … 2δ, δ = 2¹⁰ ulps of x (or of 1 at x = 0), so small that g
    /// is a straight line there to far below its rounding; the largest distance of a value from the least-squares line
    /// through the five is the noise. It catches what 8 ulps of |g| cannot: a value rounded relative to terms much larger
    /// than itself (a sum that cancels, ln(1 + u) for small u, a loop's carries). Measured again at δ = 2²⁰ ulps, and the
    /// larger kept: a tiny coordinate's shifts of 2¹⁰ ulps may not move g at all (x = −0.008 in Σx³ = 0.012 whose terms
    /// reach 5: every shift rounds to the same sum, and the noise read 0 while the differences' steps saw 4e-13).</summary>
    public static double[] Noise(Func<double, double[]> g, double x)
    {
        double[]? noise = null;
        foreach (var ulps in (double[])[1 << 10, 1 << 20])
        {
            var n = NoiseAt(g, x, ulps * Ulp(x == 0 ? 1 : x));
            noise ??= n;
            for (int i = 0; i < n.Length; i++) noise[i] = Math.Max(noise[i], n[i]);
        }
        return noise!;
    }

    static double[] NoiseAt(Func<double, double[]> g, double x, double δ)
    {
        var shifts = new double[5];
        var values = new double[5][];
        for (int k = 0; k < 5; k++)
        {
            shifts[k] = (x + (k - 2) * δ) - x;
            values[k] = g(shifts[k]);
        }
        double mean = shifts.Average(), spread = shifts.Sum(s => (s - mean) * (s - mean));
        var noise = new double[values[0].Length];
        for (int i = 0; i < noise.Length; i++)
        {
            double centre = values.Average(v => v[i]), slope = 0;
            for (int k = 0; k < 5; k++) slope += (shifts[k] - mean) * (values[k][i] - centre);
            slope /= spread;
            for (int k = 0; k < 5; k++)
            {
                double residual = Math.Abs(values[k][i] - centre - slope * (shifts[k] - mean));
                if (double.IsFinite(residual)) noise[i] = Math.Max(noise[i], residual);
            }
        }
        return noise;
    }

    /// <summary>The Jacobian of <paramref name="f"/> at <paramref name="x"/> by <see cref="Richardson"/>, column by column
    /// (steps at the scales <see cref="StepScales"/>(xⱼ)), with each entry's error estimate.</summary>
    public static (double[,] Value, double[,] Error) RichardsonJacobian(Func<Tensor[], Tensor> f, Tensor[] x)
    {
        int outputs = f(x).Shape.Size, columns = x.Sum(t => t.Shape.Size);
        var jac = new double[outputs, columns];
        var err = new double[outputs, columns];
        for (int input = 0, column = 0; input < x.Length; input++)
            for (int j = 0; j < x[input].Shape.Size; j++, column++)
            {
                double xj = x[input][j];
                double[] G(double s) => f(With(x, input, j, xj + s)).Values.ToArray();
                var (value, error) = Richardson(G, StepScales(xj), s => xj + s - xj, levels: 4, origin: xj, noise: Noise(G, xj));
                for (int i = 0; i < outputs; i++) (jac[i, column], err[i, column]) = (value[i], error[i]);
            }
        return (jac, err);
    }

    /// <summary>The derivative of <paramref name="g"/> at <paramref name="x"/> along <paramref name="w"/> by
    /// <see cref="Richardson"/>, x + s·w for s up to RichardsonStep: give w entries of the size of x's
    /// (<see cref="ScaledDirection"/>) so that no coordinate moves by more than 0.15% of itself.</summary>
    public static (double[][] Value, double[][] Error) RichardsonDirectional(Func<Tensor[], Tensor[]> g, Tensor[] x, Tensor[] w)
    {
        var sizes = g(x).Select(t => t.Shape.Size).ToArray();
        // Steps relative to x (w is of x's size) and, where w has entries above 1, steps of absolute size up to
        // RichardsonStep (for functions whose scale is 1 however large x is: sin, exp), the scale rounded to a power of 2
        // so that s·w stays exact; seven levels, down to 4⁻⁶ of each.
        double size = MaxAbs(Flatten(w));
        var (value, error) = Richardson(s => Flatten(g(Axpy(x, s, w))), size > 1 ? [1, Math.Pow(2, -Math.Ceiling(Math.Log2(size)))] : [1], levels: 7);
        double[][] Split(double[] flat) => [.. sizes.Select((n, k) => flat.Skip(sizes.Take(k).Sum()).Take(n).ToArray())];
        return (Split(value), Split(error));
    }

    /// <summary>The scale of a coordinate in a direction: |x|, or 1 at x = 0.</summary>
    public static double StepScale(double x) => x == 0 ? 1 : Math.Abs(x);

    /// <summary>A random direction whose entry j is uniform in [−1, 1) times <see cref="StepScale"/>(xⱼ), rounded to 20
    /// significant bits: then xⱼ + s·wⱼ is exact for the power-of-2 steps s of <see cref="RichardsonDirectional"/> (s·wⱼ
    /// keeps its low bit above the ulp of xⱼ), so the differences divide by the step actually taken.</summary>
    public static Tensor[] ScaledDirection(Random rng, Tensor[] x) =>
        [.. x.Select(t => Tensor.FromColumnMajor(t.Shape, [.. t.Values.ToArray().Select(v => Round20((2 * rng.NextDouble() - 1) * StepScale(v)))]))];

    static double Round20(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return v;
        double unit = Math.Pow(2, Math.Floor(Math.Log2(Math.Abs(v))) - 19);
        return Math.Round(v / unit) * unit;
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

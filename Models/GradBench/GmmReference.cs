namespace AutoDiff.Functional.Models.GradBench;

/// <summary>gmm in plain loops, component by component and point by point, with the gradient derived by hand:
/// with rᵢₖ = softmaxₖ βᵢₖ, zᵢₖ = Qₖ(xᵢ − μₖ) and B = Qₖᵀzᵢₖ, ∂F/∂αₖ = Σᵢ rᵢₖ − N·softmax(α)ₖ,
/// ∂F/∂μₖ = Σᵢ rᵢₖ Qₖᵀzᵢₖ, ∂F/∂Qₖ = −Σᵢ rᵢₖ zᵢₖ(xᵢ − μₖ)ᵀ − γ²Qₖ, then ∂F/∂qₖⱼ = Σᵢ rᵢₖ + m + ∂F/∂(Qₖ)ⱼⱼ·exp qₖⱼ
/// and ∂F/∂lₖ the entries of ∂F/∂Qₖ below the diagonal.</summary>
public static class GmmReference
{
    /// <summary>F and its gradient (α, μ, q, l) for arrays indexed [k][…] and data x[i][j].</summary>
    public static (double Value, double[] Alpha, double[][] Mu, double[][] Q, double[][] L) Evaluate(
        double[] alpha, double[][] mu, double[][] q, double[][] l, double[][] x, int m, double gamma)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(mu);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(l);
        ArgumentNullException.ThrowIfNull(x);
        int k = alpha.Length, d = mu[0].Length, n = x.Length;
        var factors = new double[k][,];
        for (int c = 0; c < k; c++)
        {
            var f = new double[d, d];
            for (int j = 0, pos = 0; j < d; j++)
            {
                f[j, j] = Math.Exp(q[c][j]);
                for (int i = j + 1; i < d; i++) f[i, j] = l[c][pos++];
            }
            factors[c] = f;
        }
        var gAlpha = new double[k];
        var gMu = new double[k][];
        var gQ = new double[k][];
        var gFactor = new double[k][,];
        for (int c = 0; c < k; c++) { gMu[c] = new double[d]; gQ[c] = new double[d]; gFactor[c] = new double[d, d]; }
        double value = 0;
        var beta = new double[k];
        var z = new double[k][];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                z[c] = new double[d];
                double squared = 0, sumQ = 0;
                for (int a = 0; a < d; a++)
                {
                    for (int b = 0; b <= a; b++) z[c][a] += factors[c][a, b] * (x[i][b] - mu[c][b]);
                    squared += z[c][a] * z[c][a];
                    sumQ += q[c][a];
                }
                beta[c] = alpha[c] - squared / 2 + sumQ;
            }
            double top = beta.Max(), total = 0;
            for (int c = 0; c < k; c++) total += Math.Exp(beta[c] - top);
            value += top + Math.Log(total);
            for (int c = 0; c < k; c++)
            {
                double r = Math.Exp(beta[c] - top) / total;
                gAlpha[c] += r;
                for (int a = 0; a < d; a++)
                {
                    gQ[c][a] += r;
                    for (int b = 0; b <= a; b++)
                    {
                        gMu[c][b] += r * factors[c][a, b] * z[c][a];
                        gFactor[c][a, b] -= r * z[c][a] * (x[i][b] - mu[c][b]);
                    }
                }
            }
        }
        double aTop = alpha.Max(), aTotal = alpha.Sum(v => Math.Exp(v - aTop));
        double wishartDof = d + m + 1;
        value -= n * (d / 2.0 * Math.Log(2 * Math.PI) + aTop + Math.Log(aTotal));
        value += k * (wishartDof * d * Math.Log(gamma / Math.Sqrt(2)) - Gmm.LogMultivariateGamma(d, wishartDof / 2));
        var gL = new double[k][];
        for (int c = 0; c < k; c++)
        {
            gAlpha[c] -= n * Math.Exp(alpha[c] - aTop) / aTotal;
            gL[c] = new double[d * (d - 1) / 2];
            for (int j = 0, pos = 0; j < d; j++)
            {
                value += -gamma * gamma / 2 * factors[c][j, j] * factors[c][j, j] + m * q[c][j];
                gQ[c][j] += m + (gFactor[c][j, j] - gamma * gamma * factors[c][j, j]) * factors[c][j, j];
                for (int i = j + 1; i < d; i++, pos++)
                {
                    value -= gamma * gamma / 2 * factors[c][i, j] * factors[c][i, j];
                    gL[c][pos] = gFactor[c][i, j] - gamma * gamma * factors[c][i, j];
                }
            }
        }
        return (value, gAlpha, gMu, gQ, gL);
    }
}

namespace AutoDiff.Functional.Models;

/// <summary>The linear classifier's loss and gradient in closed form with plain arrays, independently of the graph
/// library. With G = ∂L/∂logits = (softmax(logits) − onehot(labels))/N: ∂L/∂W = Xᵀ·G and ∂L/∂b = Σᵢ Gᵢ (column sums).</summary>
public static class SoftmaxReference
{
    /// <summary>The loss and the gradients w.r.t. W (n×C) and b (C); arrays are row-major [row, column].</summary>
    public static (double Loss, double[,] GradW, double[] GradB) Gradient(double[,] X, double[,] W, double[] b, IReadOnlyList<int> labels)
    {
        var (loss, G) = LossAndLogitGradient(X, W, b, labels);
        int N = X.GetLength(0), n = X.GetLength(1), C = W.GetLength(1);
        var gradW = new double[n, C];
        var gradB = new double[C];
        for (int i = 0; i < N; i++)
            for (int c = 0; c < C; c++)
            {
                gradB[c] += G[i, c];
                for (int j = 0; j < n; j++) gradW[j, c] += X[i, j] * G[i, c];
            }
        return (loss, gradW, gradB);
    }

    /// <summary>G = ∂L/∂logits = (softmax(X·W + b) − onehot(labels))/N, (N×C).</summary>
    public static double[,] LogitGradient(double[,] X, double[,] W, double[] b, IReadOnlyList<int> labels) =>
        LossAndLogitGradient(X, W, b, labels).G;

    static (double Loss, double[,] G) LossAndLogitGradient(double[,] X, double[,] W, double[] b, IReadOnlyList<int> labels)
    {
        int N = X.GetLength(0), n = X.GetLength(1), C = W.GetLength(1);
        var G = new double[N, C];
        double loss = 0;
        var logits = new double[C];
        for (int i = 0; i < N; i++)
        {
            for (int c = 0; c < C; c++)
            {
                double s = b[c];
                for (int j = 0; j < n; j++) s += X[i, j] * W[j, c];
                logits[c] = s;
            }
            // Subtracting the row's maximum keeps exp in range for logits of any size.
            double max = logits.Max(), sum = 0;
            for (int c = 0; c < C; c++) sum += Math.Exp(logits[c] - max);
            double logSumExp = max + Math.Log(sum);
            loss += logSumExp - logits[labels[i]];
            for (int c = 0; c < C; c++)
                G[i, c] = (Math.Exp(logits[c] - logSumExp) - (c == labels[i] ? 1 : 0)) / N;
        }
        return (loss / N, G);
    }
}

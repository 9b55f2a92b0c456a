namespace AutoDiff.Functional.Models;

/// <summary>The linear classifier's loss and gradient in closed form with plain arrays, independently of the graph
/// library. With G = ∂L/∂logits = (softmax(logits) − onehot(labels))/N: ∂L/∂W = Xᵀ·G and ∂L/∂b = Σᵢ Gᵢ (column sums).</summary>
public static class SoftmaxReference
{
    /// <summary>The loss and the gradients w.r.t. W (n×C) and b (C); arrays are row-major [row, column].</summary>
    public static (double Loss, double[,] GradW, double[] GradB) Gradient(double[,] X, double[,] W, double[] b, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(labels);
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

    /// <summary>The deeper classifier's loss and gradients by hand-written backpropagation:
    /// A = X·W1 + b1, H = tanh A, logits = H·W2 + b2, G = (softmax − onehot)/N; then ∂W2 = Hᵀ·G, ∂b2 = Σᵢ Gᵢ,
    /// ∂A = (G·W2ᵀ) ⊙ (1 − H²), ∂W1 = Xᵀ·∂A, ∂b1 = Σᵢ ∂Aᵢ. Arrays are row-major.</summary>
    public static (double Loss, double[,] GradW1, double[] GradB1, double[,] GradW2, double[] GradB2) DeepGradient(
        double[,] X, double[,] W1, double[] b1, double[,] W2, double[] b2, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(W1);
        ArgumentNullException.ThrowIfNull(b1);
        ArgumentNullException.ThrowIfNull(W2);
        ArgumentNullException.ThrowIfNull(b2);
        ArgumentNullException.ThrowIfNull(labels);
        int N = X.GetLength(0), n = X.GetLength(1), H = W1.GetLength(1), C = W2.GetLength(1);
        var h = new double[N, H];
        for (int i = 0; i < N; i++)
            for (int u = 0; u < H; u++)
            {
                double a = b1[u];
                for (int j = 0; j < n; j++) a += X[i, j] * W1[j, u];
                h[i, u] = Math.Tanh(a);
            }
        var (loss, G) = LossAndLogitGradient(h, W2, b2, labels);
        var gradW2 = new double[H, C];
        var gradB2 = new double[C];
        var dA = new double[N, H];
        for (int i = 0; i < N; i++)
            for (int c = 0; c < C; c++)
            {
                gradB2[c] += G[i, c];
                for (int u = 0; u < H; u++)
                {
                    gradW2[u, c] += h[i, u] * G[i, c];
                    dA[i, u] += G[i, c] * W2[u, c];
                }
            }
        var gradW1 = new double[n, H];
        var gradB1 = new double[H];
        for (int i = 0; i < N; i++)
            for (int u = 0; u < H; u++)
            {
                dA[i, u] *= 1 - h[i, u] * h[i, u];
                gradB1[u] += dA[i, u];
                for (int j = 0; j < n; j++) gradW1[j, u] += X[i, j] * dA[i, u];
            }
        return (loss, gradW1, gradB1, gradW2, gradB2);
    }

    /// <summary>G = ∂L/∂logits = (softmax(X·W + b) − onehot(labels))/N, (N×C).</summary>
    public static double[,] LogitGradient(double[,] X, double[,] W, double[] b, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(labels);
        return LossAndLogitGradient(X, W, b, labels).G;
    }

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

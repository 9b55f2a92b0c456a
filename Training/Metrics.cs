namespace AutoDiff.Functional.Training;

/// <summary>Class labels (int32 vectors of 0 … k − 1) to and from the float64 forms models use.</summary>
public static class Labels
{
    /// <summary>The (n × <paramref name="classes"/>) float64 matrix with a 1 in row i at column labels[i], 0 elsewhere.</summary>
    public static Tensor OneHot(Tensor labels, int classes)
    {
        var y = LabelsOf("Labels.OneHot", labels, classes);
        var o = new double[y.Length * classes];
        for (int i = 0; i < y.Length; i++) o[i + y[i] * y.Length] = 1;   // column-major: element (i, c) at i + n·c
        return Tensor.FromColumnMajor(Shape.Matrix(y.Length, classes), o);
    }

    /// <summary>The predicted class of each row of a (n × k) matrix of scores or probabilities: the column of its
    /// largest value (the first on a tie); of a vector of probabilities p(y = 1), 1 where p ≥ ½.</summary>
    public static Tensor ArgMax(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var s = Scores("Labels.ArgMax", scores);
        int n = scores.Shape.Rows;
        var o = new int[n];
        if (scores.Shape.Rank == 1)
            for (int i = 0; i < n; i++) o[i] = s[i] >= 0.5 ? 1 : 0;
        else
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < scores.Shape[1]; c++) if (s[i + c * n] > s[i + best * n]) best = c;
                o[i] = best;
            }
        return Tensor.Indices(o);
    }

    internal static string Describe(Tensor t) => $"{t.Shape} {t.DType.ToString().ToLowerInvariant()}";

    internal static ReadOnlySpan<double> Scores(string who, Tensor scores)
    {
        if (scores.DType != DType.Float64 || scores.Shape.Rank is not (1 or 2) || scores.Shape.Size == 0)
            throw new ArgumentException($"{who}: scores {Describe(scores)} are not a float64 vector or matrix with elements");
        var s = scores.Values;
        foreach (var v in s)
            if (double.IsNaN(v)) throw new ArgumentException($"{who}: scores {scores.Shape} hold NaN");
        return s;
    }

    internal static ReadOnlySpan<int> LabelsOf(string who, Tensor labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{who}: the number of classes must be ≥ 1");
        if (labels.DType != DType.Int32 || labels.Shape.Rank != 1)
            throw new ArgumentException($"{who}: labels {Describe(labels)} are not an int32 vector (Tensor.Indices)");
        var y = labels.Ints;
        for (int i = 0; i < y.Length; i++)
            if ((uint)y[i] >= (uint)classes) throw new ArgumentException($"{who}: label {y[i]} at row {i} is outside 0 … {classes - 1}");
        return y;
    }
}

/// <summary>The measures people report for a fit, each on tensors (a model's output on the held-out rows and the
/// truth). All are means over the rows, as scikit-learn defines them.</summary>
public static class Metrics
{
    /// <summary>The fraction of rows whose predicted class equals the label. <paramref name="predicted"/> is an int32
    /// vector of classes, or float64 scores (n × k) or probabilities p(y = 1) (n), read through <see cref="Labels.ArgMax"/>.</summary>
    public static double Accuracy(Tensor predicted, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        var (p, y) = Classes("Metrics.Accuracy", predicted, labels);
        int right = 0;
        for (int i = 0; i < y.Length; i++) if (p[i] == y[i]) right++;
        return (double)right / y.Length;
    }

    /// <summary>The (k × k) counts C[i, j] of rows whose label is i and whose predicted class is j (rows are the truth,
    /// as in scikit-learn); the diagonal holds the right answers.</summary>
    public static int[,] ConfusionMatrix(Tensor predicted, Tensor labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        var (p, y) = Classes("Metrics.ConfusionMatrix", predicted, labels);
        Labels.LabelsOf("Metrics.ConfusionMatrix", labels, classes);
        Labels.LabelsOf("Metrics.ConfusionMatrix (predicted)", Tensor.Indices(p), classes);
        var counts = new int[classes, classes];
        for (int i = 0; i < y.Length; i++) counts[y[i], p[i]]++;
        return counts;
    }

    /// <summary>Cross-entropy −(1/n) Σᵢ log p[i, yᵢ] of probabilities (n × k) (rows summing to 1: a softmax, not raw
    /// scores), or of probabilities p(y = 1) (n) with labels 0 and 1: −(1/n) Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)].
    /// A probability is clipped to [10⁻¹⁵, 1 − 10⁻¹⁵] so a confident mistake costs ≈ 34.5, not ∞.</summary>
    public static double LogLoss(Tensor probabilities, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        var p = Labels.Scores("Metrics.LogLoss", probabilities);
        int n = probabilities.Shape.Rows, k = probabilities.Shape.Rank == 2 ? probabilities.Shape[1] : 2;
        var y = Labels.LabelsOf("Metrics.LogLoss", labels, k);
        SameRows("Metrics.LogLoss", probabilities, labels);
        foreach (var v in p)
            if (v is < 0 or > 1) throw new ArgumentException($"Metrics.LogLoss: probabilities {probabilities.Shape} hold {v}, outside [0, 1] (pass probabilities, e.g. a softmax, not scores)");
        const double Clip = 1e-15;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double pi;
            if (probabilities.Shape.Rank == 1) pi = y[i] == 1 ? p[i] : 1 - p[i];
            else
            {
                double row = 0;
                for (int c = 0; c < k; c++) row += p[i + c * n];
                if (Math.Abs(row - 1) > 1e-6)
                    throw new ArgumentException($"Metrics.LogLoss: row {i} of the probabilities {probabilities.Shape} sums to {row:G6}, not 1 (pass probabilities, e.g. a softmax, not scores)");
                pi = p[i + y[i] * n];
            }
            sum -= Math.Log(Math.Clamp(pi, Clip, 1 - Clip));
        }
        return sum / n;
    }

    /// <summary>The root mean square error √((1/n) Σ (predictedᵢ − actualᵢ)²) over all elements.</summary>
    public static double Rmse(Tensor predicted, Tensor actual)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        var (p, a) = Values("Metrics.Rmse", predicted, actual);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += (p[i] - a[i]) * (p[i] - a[i]);
        return Math.Sqrt(sum / p.Length);
    }

    /// <summary>The mean absolute error (1/n) Σ |predictedᵢ − actualᵢ| over all elements.</summary>
    public static double Mae(Tensor predicted, Tensor actual)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        var (p, a) = Values("Metrics.Mae", predicted, actual);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += Math.Abs(p[i] - a[i]);
        return sum / p.Length;
    }

    static (int[] Predicted, int[] Labels) Classes(string who, Tensor predicted, Tensor labels)
    {
        if (labels.DType != DType.Int32 || labels.Shape.Rank != 1)
            throw new ArgumentException($"{who}: labels {Labels.Describe(labels)} are not an int32 vector (Tensor.Indices)");
        SameRows(who, predicted, labels);
        if (labels.Shape.Size == 0) throw new ArgumentException($"{who}: no rows");
        var p = predicted.DType == DType.Int32 && predicted.Shape.Rank == 1 ? predicted : Labels.ArgMax(predicted);
        return (p.Ints.ToArray(), labels.Ints.ToArray());
    }

    static (double[], double[]) Values(string who, Tensor predicted, Tensor actual)
    {
        if (predicted.DType != DType.Float64 || actual.DType != DType.Float64)
            throw new ArgumentException($"{who}: predicted {Labels.Describe(predicted)} and actual {Labels.Describe(actual)} must both be float64");
        if (!predicted.Shape.Equals(actual.Shape))
            throw new ArgumentException($"{who}: predicted {predicted.Shape} and actual {actual.Shape} differ in shape");
        if (predicted.Shape.Size == 0) throw new ArgumentException($"{who}: no elements");
        return (predicted.Values.ToArray(), actual.Values.ToArray());
    }

    static void SameRows(string who, Tensor predicted, Tensor labels)
    {
        if (predicted.Shape.Rows != labels.Shape.Rows || predicted.Shape.Rank == 0)
            throw new ArgumentException($"{who}: predicted {predicted.Shape} and labels {labels.Shape} have different numbers of rows");
    }
}

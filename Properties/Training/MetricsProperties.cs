using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Training;

/// <summary>n rows of k-class probabilities (each row a softmax of scores drawn in [−4, 4], so probabilities from
/// ≈ 1e-4 to ≈ 1 and ties rare but possible), true labels, and a regression pair of the same length.</summary>
public sealed record ClassCase(double[][] Probabilities, int[] Labels, double[] Predicted, double[] Actual)
{
    public int Rows => Labels.Length;
    public int Classes => Probabilities[0].Length;
    public Tensor P => Tensor.Matrix(ToArray2(Probabilities));
    public Tensor Y => Tensor.Indices(Labels);

    static double[,] ToArray2(double[][] rows)
    {
        var a = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return a;
    }

    public override string ToString() => $"{Rows} rows, {Classes} classes";
}

public static class MetricsArbs
{
    public static Arbitrary<ClassCase> Case() =>
        (from n in Gen.Choose(1, 40)
         from k in Gen.Choose(2, 6)
         from scores in Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(-8, 8).Select(s => s / 2.0), k), n)
         from labels in Gen.ArrayOf(Gen.Choose(0, k - 1), n)
         from predicted in Gen.ArrayOf(Gen.Choose(-100_000, 100_000).Select(v => v / 1000.0), n)
         from actual in Gen.ArrayOf(Gen.Choose(-100_000, 100_000).Select(v => v / 1000.0), n)
         select new ClassCase([.. scores.Select(Softmax)], labels, predicted, actual)).ToArbitrary();

    static double[] Softmax(double[] s)
    {
        var e = s.Select(Math.Exp).ToArray();
        return [.. e.Select(v => v / e.Sum())];
    }
}

/// <summary>The metrics against hand-worked values and against formulas written here with LINQ, independently of the
/// library's loops.</summary>
[Properties(Arbitrary = [typeof(MetricsArbs)], MaxTest = 100)]
public class MetricsProperties
{
    // Hand-worked: −(ln 0.7 + ln 0.8 + ln 0.25)/3, the true class's probability in each row.
    [Fact]
    public void Log_loss_of_three_rows_by_hand()
    {
        var p = Tensor.Matrix(new[,] { { 0.7, 0.2, 0.1 }, { 0.1, 0.8, 0.1 }, { 0.25, 0.5, 0.25 } });
        Assert.Equal(0.6553709521242775, Metrics.LogLoss(p, Tensor.Indices(0, 1, 2)), 1e-15);
        // Binary, p(y = 1) = 0.9, 0.2, 0.4 for labels 1, 0, 1: −(ln 0.9 + ln 0.8 + ln 0.4)/3.
        Assert.Equal(0.414931599615397, Metrics.LogLoss(Tensor.Vector(0.9, 0.2, 0.4), Tensor.Indices(1, 0, 1)), 1e-15);
        // A certain mistake is clipped at 10⁻¹⁵: −(ln 10⁻¹⁵ + ln 1)/2.
        Assert.Equal(17.269388197455342, Metrics.LogLoss(Tensor.Vector(0, 1), Tensor.Indices(1, 1)), 1e-12);
    }

    [Fact]
    public void Accuracy_and_confusion_by_hand()
    {
        // Scores' argmax: 1, 0, and 0 on the tie (the first): right on rows 0 and 2.
        var scores = Tensor.Matrix(new[,] { { 0.1, 0.9 }, { 0.8, 0.2 }, { 0.5, 0.5 } });
        Assert.Equal(2.0 / 3, Metrics.Accuracy(scores, Tensor.Indices(1, 1, 0)));
        Assert.Equal(0.5, Metrics.Accuracy(Tensor.Vector(0.7, 0.5, 0.49, 0.1), Tensor.Indices(1, 0, 0, 1)));   // ≥ ½ is class 1
        // (label, predicted): (0, 0), (2, 1), (2, 2), (1, 1), (1, 0).
        var c = Metrics.ConfusionMatrix(Tensor.Indices(0, 1, 2, 1, 0), Tensor.Indices(0, 2, 2, 1, 1), 3);
        Assert.Equal(new[,] { { 1, 0, 0 }, { 1, 1, 0 }, { 0, 1, 1 } }, c);
    }

    [Fact]
    public void Rmse_and_mae_by_hand()
    {
        // Errors 0, −2, 3: √(13/3) and 5/3.
        Assert.Equal(2.0816659994661326, Metrics.Rmse(Tensor.Vector(1, 2, 3), Tensor.Vector(1, 4, 0)), 1e-15);
        Assert.Equal(5.0 / 3, Metrics.Mae(Tensor.Vector(1, 2, 3), Tensor.Vector(1, 4, 0)), 1e-15);
    }

    [Property]
    public void Log_loss_is_the_mean_negative_log_of_the_true_class(ClassCase c)
    {
        double reference = -c.Labels.Select((y, i) => Math.Log(c.Probabilities[i][y])).Average();
        Assert.Equal(reference, Metrics.LogLoss(c.P, c.Y), 1e-12 * Math.Max(1, reference));
    }

    [Property]
    public void Binary_log_loss_of_a_vector_equals_that_of_its_two_columns(ClassCase c)
    {
        var p1 = c.Probabilities.Select(r => r[0]).ToArray();
        var y = c.Labels.Select(l => l % 2).ToArray();
        var columns = Tensor.Matrix(new double[c.Rows, 2].Fill((i, j) => j == 1 ? p1[i] : 1 - p1[i]));
        Assert.Equal(Metrics.LogLoss(columns, Tensor.Indices(y)), Metrics.LogLoss(Tensor.Vector(p1), Tensor.Indices(y)), 1e-12);
    }

    [Property]
    public void Accuracy_counts_rows_whose_largest_probability_is_the_label(ClassCase c)
    {
        // The reference argmax: the first index of the row's maximum.
        var predicted = c.Probabilities.Select(r => Array.IndexOf(r, r.Max())).ToArray();
        double reference = predicted.Zip(c.Labels, (p, y) => p == y).Count(same => same) / (double)c.Rows;
        Assert.Equal(reference, Metrics.Accuracy(c.P, c.Y));
        Assert.Equal(predicted, Labels.ArgMax(c.P).Ints.ToArray());
        var confusion = Metrics.ConfusionMatrix(c.P, c.Y, c.Classes);
        Assert.Equal(c.Rows, confusion.Cast<int>().Sum());
        Assert.Equal(reference * c.Rows, Enumerable.Range(0, c.Classes).Sum(i => confusion[i, i]), 1e-9);
        for (int i = 0; i < c.Classes; i++)   // row i counts the rows labelled i
            Assert.Equal(c.Labels.Count(l => l == i), Enumerable.Range(0, c.Classes).Sum(j => confusion[i, j]));
    }

    [Property]
    public void One_hot_rows_pick_the_label(ClassCase c)
    {
        var h = Labels.OneHot(c.Y, c.Classes);
        Assert.Equal(Shape.Matrix(c.Rows, c.Classes), h.Shape);
        for (int i = 0; i < c.Rows; i++)
            for (int j = 0; j < c.Classes; j++) Assert.Equal(j == c.Labels[i] ? 1.0 : 0.0, h[i, j]);
        Assert.Equal(c.Labels, Labels.ArgMax(h).Ints.ToArray());
        Assert.Equal(1.0, Metrics.Accuracy(h, c.Y));
    }

    [Property]
    public void Rmse_and_mae_match_their_formulas(ClassCase c)
    {
        var errors = c.Predicted.Zip(c.Actual, (p, a) => p - a).ToArray();
        double rmse = Math.Sqrt(errors.Select(e => e * e).Average()), mae = errors.Select(Math.Abs).Average();
        Tensor p = Tensor.Vector(c.Predicted), a = Tensor.Vector(c.Actual);
        Assert.Equal(rmse, Metrics.Rmse(p, a), 1e-12 * Math.Max(1, rmse));
        Assert.Equal(mae, Metrics.Mae(p, a), 1e-12 * Math.Max(1, mae));
        Assert.True(Metrics.Mae(p, a) <= Metrics.Rmse(p, a) * (1 + 1e-12));   // the mean is at most the quadratic mean
    }

    [Fact]
    public void Bad_arguments_name_the_metric_and_shapes()
    {
        Assert.Equal("Metrics.Rmse: predicted (3) and actual (2) differ in shape",
            Assert.Throws<ArgumentException>(() => Metrics.Rmse(Tensor.Vector(1, 2, 3), Tensor.Vector(1, 2))).Message);
        Assert.Equal("Metrics.LogLoss: row 0 of the probabilities (1×2) sums to 1.7, not 1 (pass probabilities, e.g. a softmax, not scores)",
            Assert.Throws<ArgumentException>(() => Metrics.LogLoss(Tensor.Matrix(new double[,] { { 0.9, 0.8 } }), Tensor.Indices(0))).Message);
        Assert.Equal("Metrics.LogLoss: probabilities (2) hold 1.5, outside [0, 1] (pass probabilities, e.g. a softmax, not scores)",
            Assert.Throws<ArgumentException>(() => Metrics.LogLoss(Tensor.Vector(0.5, 1.5), Tensor.Indices(0, 1))).Message);
        Assert.Equal("Labels.OneHot: label 3 at row 1 is outside 0 … 2",
            Assert.Throws<ArgumentException>(() => Labels.OneHot(Tensor.Indices(0, 3), 3)).Message);
        Assert.Equal("Metrics.Accuracy: predicted (2) and labels (3) have different numbers of rows",
            Assert.Throws<ArgumentException>(() => Metrics.Accuracy(Tensor.Indices(0, 1), Tensor.Indices(0, 1, 1))).Message);
        Assert.Equal("Metrics.Accuracy: labels (2) float64 are not an int32 vector (Tensor.Indices)",
            Assert.Throws<ArgumentException>(() => Metrics.Accuracy(Tensor.Indices(0, 1), Tensor.Vector(0, 1))).Message);
    }
}

static class ArrayFill
{
    public static double[,] Fill(this double[,] a, Func<int, int, double> f)
    {
        for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) a[i, j] = f(i, j);
        return a;
    }
}

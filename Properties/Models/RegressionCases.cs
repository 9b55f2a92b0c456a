using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A regression problem: w (5), X (m×2), y (m).</summary>
public sealed record RegressionCase(double[] W, double[,] X, double[] Y)
{
    /// <summary>m.</summary>
    public int M => X.GetLength(0);
    /// <summary>The inputs as tensors.</summary>
    public (Tensor W, Tensor X, Tensor Y) Tensors => (Tensor.Vector(W), Tensor.Matrix(X), Tensor.Vector(Y));
    /// <summary>The inputs as MathNet objects for the reference.</summary>
    public (Vector<double> W, Matrix<double> X, Vector<double> Y) MathNet =>
        (Vector<double>.Build.DenseOfArray(W), Matrix<double>.Build.DenseOfArray(X), Vector<double>.Build.DenseOfArray(Y));
    /// <inheritdoc/>
    public override string ToString() => $"m={M} w={Seed000Draw.Show(W)} X={Seed000Draw.Show(X)} y={Seed000Draw.Show(Y)}";
}

/// <summary>FsCheck arbitraries for the regression properties.</summary>
public static class RegressionArbs
{
    /// <summary>m in 1–8, w in [−1.5, 1.5], features and targets in [−2, 2].</summary>
    public static Arbitrary<RegressionCase> Case() => Arb.From(Cases(1, 8), Shrink);

    /// <summary>m samples with m in [<paramref name="minM"/>, <paramref name="maxM"/>].</summary>
    internal static Gen<RegressionCase> Cases(int minM, int maxM) =>
        from m in Gen.Choose(minM, maxM)
        from w in Seed000Draw.Vector(5, 1.5)
        from x in Seed000Draw.Matrix(m, 2, 2)
        from y in Seed000Draw.Vector(m, 2)
        select new RegressionCase(w, x, y);

    static IEnumerable<RegressionCase> Shrink(RegressionCase c)
    {
        if (c.M > 1) yield return new(c.W, Seed000Draw.Take(c.X, c.M - 1, 2), c.Y[..^1]);
        foreach (var w in Seed000Draw.Simpler(c.W)) yield return c with { W = w };
        foreach (var x in Seed000Draw.Simpler(c.X)) yield return c with { X = x };
        foreach (var y in Seed000Draw.Simpler(c.Y)) yield return c with { Y = y };
    }
}

/// <summary>Bounded value generators, shrinkers and error measures shared by the model properties.</summary>
public static class Seed000Draw
{
    /// <summary>A value in [−bound, bound] on a grid of 2001 points (never NaN, never huge).</summary>
    public static Gen<double> Value(double bound) => Gen.Choose(-1000, 1000).Select(i => i / 1000.0 * bound);

    /// <summary>A vector of <paramref name="n"/> bounded values.</summary>
    public static Gen<double[]> Vector(int n, double bound) => Gen.ArrayOf(Value(bound), n);

    /// <summary>A row-major matrix of bounded values.</summary>
    public static Gen<double[,]> Matrix(int rows, int columns, double bound) =>
        Gen.ArrayOf(Value(bound), rows * columns).Select(v =>
        {
            var a = new double[rows, columns];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++) a[i, j] = v[i * columns + j];
            return a;
        });

    /// <summary>The top-left corner of a matrix.</summary>
    public static double[,] Take(double[,] a, int rows, int columns)
    {
        var b = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) b[i, j] = a[i, j];
        return b;
    }

    /// <summary>Simpler values: rounded to one decimal, then to integers (only when that changes something).</summary>
    public static IEnumerable<double[]> Simpler(double[] v)
    {
        foreach (var digits in new[] { 1, 0 })
        {
            var r = v.Select(x => Math.Round(x, digits)).ToArray();
            if (!r.SequenceEqual(v)) { yield return r; yield break; }
        }
    }

    /// <summary>Simpler matrix values, as for vectors.</summary>
    public static IEnumerable<double[,]> Simpler(double[,] a)
    {
        int rows = a.GetLength(0), columns = a.GetLength(1);
        foreach (var flat in Simpler(a.Cast<double>().ToArray()))
        {
            var b = new double[rows, columns];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++) b[i, j] = flat[i * columns + j];
            yield return b;
        }
    }

    /// <summary>Worst relative error: max |a − b| / max(‖a‖∞, ‖b‖∞) (the absolute error when both are zero).</summary>
    public static double RelError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Math.Max(Math.Abs(a[i]), Math.Abs(b[i])));
        }
        return double.IsNaN(diff) ? double.NaN : scale == 0 ? diff : diff / scale;
    }

    /// <summary>Worst absolute error max |a − b|.</summary>
    public static double AbsError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double diff = 0;
        for (int i = 0; i < a.Length; i++) diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
        return diff;
    }

    /// <summary>A row-major array in column-major order, to compare with <see cref="Tensor.Values"/>.</summary>
    public static double[] ColumnMajor(double[,] a)
    {
        int rows = a.GetLength(0), columns = a.GetLength(1);
        var c = new double[rows * columns];
        for (int j = 0; j < columns; j++)
            for (int i = 0; i < rows; i++) c[i + j * rows] = a[i, j];
        return c;
    }

    /// <summary>A compact rendering for counterexamples.</summary>
    public static string Show(double[] v) => "[" + string.Join(", ", v.Select(x => x.ToString("G4", CultureInfo.InvariantCulture))) + "]";

    /// <summary>A compact rendering of a matrix, row by row.</summary>
    public static string Show(double[,] a) => "[" + string.Join("; ",
        Enumerable.Range(0, a.GetLength(0)).Select(i => string.Join(" ",
            Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j].ToString("G4", CultureInfo.InvariantCulture))))) + "]";
}

using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A factorisation problem: X (m×n), U (m×k), V (k×n), λ.</summary>
public sealed record FactorisationCase(double[,] X, double[,] U, double[,] V, double Lambda)
{
    /// <summary>m, n, k.</summary>
    public (int M, int N, int K) Dims => (X.GetLength(0), X.GetLength(1), U.GetLength(1));
    /// <summary>The inputs as MathNet matrices for the reference.</summary>
    public (Matrix<double> X, Matrix<double> U, Matrix<double> V) MathNet => (
        Matrix<double>.Build.DenseOfArray(X), Matrix<double>.Build.DenseOfArray(U), Matrix<double>.Build.DenseOfArray(V));
    /// <inheritdoc/>
    public override string ToString() =>
        $"m={Dims.M} n={Dims.N} k={Dims.K} λ={Lambda} X={Seed000Draw.Show(X)} U={Seed000Draw.Show(U)} V={Seed000Draw.Show(V)}";
}

/// <summary>FsCheck arbitraries for the factorisation properties.</summary>
public static class FactorisationArbs
{
    /// <summary>m, n, k drawn independently in 1–8, values in [−2, 2], λ in [0, 2].</summary>
    public static Arbitrary<FactorisationCase> Case() => Arb.From(
        from m in Gen.Choose(1, 8)
        from n in Gen.Choose(1, 8)
        from k in Gen.Choose(1, 8)
        from x in Seed000Draw.Matrix(m, n, 2)
        from u in Seed000Draw.Matrix(m, k, 2)
        from v in Seed000Draw.Matrix(k, n, 2)
        from lambda in Gen.Choose(0, 20).Select(i => i / 10.0)
        select new FactorisationCase(x, u, v, lambda),
        Shrink);

    static IEnumerable<FactorisationCase> Shrink(FactorisationCase c)
    {
        var (m, n, k) = c.Dims;
        if (m > 1) yield return c with { X = Seed000Draw.Take(c.X, m - 1, n), U = Seed000Draw.Take(c.U, m - 1, k) };
        if (n > 1) yield return c with { X = Seed000Draw.Take(c.X, m, n - 1), V = Seed000Draw.Take(c.V, k, n - 1) };
        if (k > 1) yield return c with { U = Seed000Draw.Take(c.U, m, k - 1), V = Seed000Draw.Take(c.V, k - 1, n) };
        if (c.Lambda != 1) yield return c with { Lambda = 1 };
        foreach (var x in Seed000Draw.Simpler(c.X)) yield return c with { X = x };
        foreach (var u in Seed000Draw.Simpler(c.U)) yield return c with { U = u };
        foreach (var v in Seed000Draw.Simpler(c.V)) yield return c with { V = v };
    }
}

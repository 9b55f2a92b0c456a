using FsCheck;
using FsCheck.Fluent;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A linear classification problem: X (N×n), W (n×C), b (C), labels (N) in 0..C−1.</summary>
public sealed record SoftmaxCase(double[,] X, double[,] W, double[] B, int[] Labels)
{
    /// <summary>N, n, C.</summary>
    public (int N, int Features, int Classes) Dims => (X.GetLength(0), X.GetLength(1), W.GetLength(1));
    /// <inheritdoc/>
    public override string ToString() =>
        $"N={Dims.N} n={Dims.Features} C={Dims.Classes} X={Seed000Draw.Show(X)} W={Seed000Draw.Show(W)} b={Seed000Draw.Show(B)} labels=[{string.Join(", ", Labels)}]";
}

/// <summary>A deeper classification problem: linear (n→H) → tanh → linear (H→C).</summary>
public sealed record DeepCase(double[,] X, double[,] W1, double[] B1, double[,] W2, double[] B2, int[] Labels)
{
    /// <summary>Hidden units.</summary>
    public int Hidden => W1.GetLength(1);
    /// <inheritdoc/>
    public override string ToString() =>
        $"N={X.GetLength(0)} n={X.GetLength(1)} H={Hidden} C={W2.GetLength(1)} X={Seed000Draw.Show(X)} W1={Seed000Draw.Show(W1)} b1={Seed000Draw.Show(B1)} W2={Seed000Draw.Show(W2)} b2={Seed000Draw.Show(B2)} labels=[{string.Join(", ", Labels)}]";
}

/// <summary>FsCheck arbitraries for the classifier properties.</summary>
public static class SoftmaxArbs
{
    /// <summary>N, n, C drawn independently in 1–8, values in [−2, 2], labels in 0..C−1.</summary>
    public static Arbitrary<SoftmaxCase> Case() => Arb.From(
        from N in Gen.Choose(1, 8)
        from n in Gen.Choose(1, 8)
        from C in Gen.Choose(1, 8)
        from x in Seed000Draw.Matrix(N, n, 2)
        from w in Seed000Draw.Matrix(n, C, 2)
        from b in Seed000Draw.Vector(C, 2)
        from labels in Gen.ArrayOf(Gen.Choose(0, C - 1), N)
        select new SoftmaxCase(x, w, b, labels),
        Shrink);

    static IEnumerable<SoftmaxCase> Shrink(SoftmaxCase c)
    {
        var (N, n, C) = c.Dims;
        if (N > 1) yield return c with { X = Seed000Draw.Take(c.X, N - 1, n), Labels = c.Labels[..^1] };
        if (n > 1) yield return c with { X = Seed000Draw.Take(c.X, N, n - 1), W = Seed000Draw.Take(c.W, n - 1, C) };
        if (C > 1) yield return c with { W = Seed000Draw.Take(c.W, n, C - 1), B = c.B[..^1], Labels = [.. c.Labels.Select(l => Math.Min(l, C - 2))] };
        if (c.Labels.Any(l => l != 0)) yield return c with { Labels = new int[N] };
        foreach (var x in Seed000Draw.Simpler(c.X)) yield return c with { X = x };
        foreach (var w in Seed000Draw.Simpler(c.W)) yield return c with { W = w };
        foreach (var b in Seed000Draw.Simpler(c.B)) yield return c with { B = b };
    }

    /// <summary>N, n, H, C drawn independently in 1–6, values in [−1.5, 1.5].</summary>
    public static Arbitrary<DeepCase> Deep() => Arb.From(
        from N in Gen.Choose(1, 6)
        from n in Gen.Choose(1, 6)
        from H in Gen.Choose(1, 6)
        from C in Gen.Choose(1, 6)
        from x in Seed000Draw.Matrix(N, n, 1.5)
        from w1 in Seed000Draw.Matrix(n, H, 1.5)
        from b1 in Seed000Draw.Vector(H, 1.5)
        from w2 in Seed000Draw.Matrix(H, C, 1.5)
        from b2 in Seed000Draw.Vector(C, 1.5)
        from labels in Gen.ArrayOf(Gen.Choose(0, C - 1), N)
        select new DeepCase(x, w1, b1, w2, b2, labels),
        ShrinkDeep);

    static IEnumerable<DeepCase> ShrinkDeep(DeepCase c)
    {
        int N = c.X.GetLength(0), n = c.X.GetLength(1), H = c.Hidden, C = c.W2.GetLength(1);
        if (N > 1) yield return c with { X = Seed000Draw.Take(c.X, N - 1, n), Labels = c.Labels[..^1] };
        if (n > 1) yield return c with { X = Seed000Draw.Take(c.X, N, n - 1), W1 = Seed000Draw.Take(c.W1, n - 1, H) };
        if (H > 1) yield return c with { W1 = Seed000Draw.Take(c.W1, n, H - 1), B1 = c.B1[..^1], W2 = Seed000Draw.Take(c.W2, H - 1, C) };
        if (C > 1) yield return c with { W2 = Seed000Draw.Take(c.W2, H, C - 1), B2 = c.B2[..^1], Labels = [.. c.Labels.Select(l => Math.Min(l, C - 2))] };
        foreach (var x in Seed000Draw.Simpler(c.X)) yield return c with { X = x };
        foreach (var w in Seed000Draw.Simpler(c.W1)) yield return c with { W1 = w };
        foreach (var w in Seed000Draw.Simpler(c.W2)) yield return c with { W2 = w };
    }
}

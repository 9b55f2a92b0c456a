using AutoDiff.Functional.Properties.Support;
using FsCheck.Fluent;
using M = AutoDiff.Functional.Properties.Support.MathReferences;
using P = AutoDiff.Functional.Ops;
using R = AutoDiff.Functional.Properties.Support.References;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The op table's rows for piecewise functions, special functions and linear algebra (issue 12).</summary>
public static partial class OpTable
{
    /// <summary>Half a grid step: every domain value is −2 + 0.004k, so b + Off never ties with a value of the grid
    /// and piecewise ops are tested away from their kinks (the conventions at ties have their own tests).</summary>
    const double Off = 0.002;

    /// <summary>x plus a ramp of distinct offsets in (0, 0.004): the elements of a grid input become distinct, at
    /// least 1e-4 apart, so a maximum along an axis has no tie.</summary>
    static Node Distinct(Node x) => x + Node.Constant(Tensor.FromColumnMajor(x.Shape, Ramp(x.Shape.Size))).To(x.DType);
    static double[] Distinct(double[] x) => [.. x.Zip(Ramp(x.Length), (a, r) => a + r)];
    static double[] Ramp(int n) => [.. Enumerable.Range(0, n).Select(k => 0.004 * (k + 1) / (n + 1))];

    static OpEntry Compare(P.Comparison kind, Func<Node, Node, Node> f, Func<double, double, bool> r) =>
        new($"Compare({kind})", typeof(P.Compare), AnyRank, true, d => [In(S(d), Domain.Any), In(S(d), Domain.Any)],
            (x, _, _) => f(x[0], x[1] + Off))
        {
            Reference = (x, _, _) => [.. x[0].Select((a, i) => r(a, x[1][i] + Off) ? 1.0 : 0.0)],
            Derivative = OpEntry.Pair((_, _) => (0, 0)), // a step function: flat off the ties
            SecondDerivative = OpEntry.Hessian((_, _) => (0, 0, 0)),
        };

    /// <summary>The position of the least element, the first of equal ones, by a plain scan.</summary>
    static double FirstLeast(double[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] < v[best]) best = i;
        return best;
    }

    /// <summary>A mask fixed at build time, derived from the index seed so it shrinks with it.</summary>
    static bool[] Mask(int size, int pick) => [.. Enumerable.Range(0, size).Select(k => (pick >> (k % 10) & 1) == 1)];

    static IEnumerable<OpEntry> MathRows()
    {
        var any = Domain.Any;

        // ── piecewise: inputs off the kinks (b shifted by Off, distinct elements, |x| ≥ 0.5, bounds off the grid)
        foreach (var e in Binary("Max", typeof(P.Maximum), any, any, (a, b) => a.Max(b + Off), (a, b) => Math.Max(a, b + Off),
            (a, b) => a > b + Off ? (1, 0) : (0, 1), (_, _) => (0, 0, 0))) yield return e;
        yield return new("Min (composite)", null, AnyRank, true, d => [In(S(d), any), In(S(d), any)], (x, _, _) => x[0].Min(x[1] + Off))
        { Reference = (x, _, _) => [.. x[0].Select((a, i) => Math.Min(a, x[1][i] + Off))] };
        yield return Matrix("MaxAxis(0)", typeof(P.MaxAxis), any, (x, _, _) => Distinct(x[0]).Max(0), (x, d, _) => R.ColumnWise(Distinct(x[0]), d[0], d[1], v => v.Max()));
        yield return Matrix("MaxAxis(1)", typeof(P.MaxAxis), any, (x, _, _) => Distinct(x[0]).Max(1), (x, d, _) => R.RowWise(Distinct(x[0]), d[0], d[1], v => v.Max()));
        yield return Vector("MaxAxis(0) of a vector", typeof(P.MaxAxis), any, (x, _, _) => Distinct(x[0]).Max(0), (x, _, _) => [Distinct(x[0]).Max()]);
        // Positions (int32 data): the values are not made distinct, so ties (common on the grid and after shrinking to
        // integers) check that the first position wins.
        yield return Matrix("ArgMin(0)", typeof(P.ArgMin), any, (x, _, _) => x[0].ArgMin(0), (x, d, _) => R.ColumnWise(x[0], d[0], d[1], FirstLeast));
        yield return Matrix("ArgMin(1)", typeof(P.ArgMin), any, (x, _, _) => x[0].ArgMin(1), (x, d, _) => R.RowWise(x[0], d[0], d[1], FirstLeast));
        yield return Matrix("Min(1) (composite)", null, any, (x, _, _) => Distinct(x[0]).Min(1), (x, d, _) => R.RowWise(Distinct(x[0]), d[0], d[1], v => v.Min()));
        yield return Unary("Abs", typeof(P.Abs), Domain.NonZero, x => x.Abs(), Math.Abs, v => Math.Sign(v), _ => 0);
        yield return Unary("Relu", typeof(P.Relu), Domain.NonZero, x => x.Relu(), v => v > 0 ? v : 0, v => v > 0 ? 1 : 0, _ => 0);
        yield return Unary("Clamp(−0.701, 0.903)", typeof(P.Clamp), any, x => x.Clamp(-0.701, 0.903), v => Math.Min(Math.Max(v, -0.701), 0.903),
            v => v > -0.701 && v < 0.903 ? 1 : 0, _ => 0);
        yield return Compare(P.Comparison.Greater, (a, b) => a.GreaterThan(b), (a, b) => a > b);
        yield return Compare(P.Comparison.GreaterOrEqual, (a, b) => a.GreaterOrEqual(b), (a, b) => a >= b);
        yield return Compare(P.Comparison.Less, (a, b) => a.LessThan(b), (a, b) => a < b);
        yield return Compare(P.Comparison.LessOrEqual, (a, b) => a.LessOrEqual(b), (a, b) => a <= b);
        yield return Compare(P.Comparison.Equal, (a, b) => a.EqualTo(b), (a, b) => a == b);
        yield return new("Select: Where(x0 > 0.001, x1, x2)", typeof(P.Select), AnyRank, true,
            d => [In(S(d), any), In(S(d), any), In(S(d), any)], (x, _, _) => PiecewiseMath.Where(x[0].GreaterThan(0.001), x[1], x[2]))
        { Reference = (x, _, _) => [.. x[0].Select((c, i) => c > 0.001 ? x[1][i] : x[2][i])] };
        yield return new("Select: Where(x0 > 0.001, scalar x1, x2)", typeof(P.Select), AnyRank, true,
            d => [In(S(d), any), In(Shape.Scalar, any), In(S(d), any)], (x, _, _) => PiecewiseMath.Where(x[0].GreaterThan(0.001), x[1], x[2]))
        { Reference = (x, _, _) => [.. x[0].Select((c, i) => c > 0.001 ? x[1][0] : x[2][i])] };
        yield return new("Select: Where(fixed mask, x0, x1)", typeof(P.Select), AnyRank, true,
            d => [In(S(d), any), In(S(d), any)], (x, d, k) => PiecewiseMath.Where(Mask(S(d).Size, k), x[0], x[1]))
        { Reference = (x, d, k) => [.. Mask(S(d).Size, k).Select((m, i) => m ? x[0][i] : x[1][i])] };
        yield return Unary("double where: Where(x > 0, Sqrt(Where(x > 0, x, 1)), 0)", null, Domain.NonZero,
            x => PiecewiseMath.Where(x.GreaterThan(0), PiecewiseMath.Where(x.GreaterThan(0), x, 1).Sqrt(), 0), v => v > 0 ? Math.Sqrt(v) : 0,
            v => v > 0 ? 0.5 / Math.Sqrt(v) : 0, v => v > 0 ? -0.25 / (v * Math.Sqrt(v)) : 0);

        // ── special functions: references by other algorithms (MathReferences)
        // Log1p and Expm1 stay on moderate domains here: their far-out behaviour is being fixed in their own files.
        yield return Unary("Log1p", typeof(P.Log1p), Domain.AboveMinusOne, x => x.Log1p(), v => Math.Log(1 + v), v => 1 / (1 + v), v => -1 / ((1 + v) * (1 + v)));
        yield return Unary("Expm1", typeof(P.Expm1), any, x => x.Expm1(), v => Math.Exp(v) - 1, Math.Exp, Math.Exp);
        yield return Unary("LogSigmoid", typeof(P.LogSigmoid), Domain.Wide, x => x.LogSigmoid(), v => Math.Min(v, 0) - Analytic.Log1p(Math.Exp(-Math.Abs(v))),
            v => Analytic.Sigmoid(-v), v => -Analytic.SigmoidPrime(v));
        yield return Unary("LogSigmoid (−700 to 700)", typeof(P.LogSigmoid), new("−700 to 700", -700, 700), x => x.LogSigmoid(),
            v => Math.Min(v, 0) - Analytic.Log1p(Math.Exp(-Math.Abs(v))), v => Analytic.Sigmoid(-v), v => -Analytic.SigmoidPrime(v));
        yield return Unary("Erf", typeof(P.Erf), any, x => x.Erf(), M.Erf, Analytic.ErfPrime, v => -2 * v * Analytic.ErfPrime(v));
        // ψ crosses 0 at 1.4616 while summing terms of size ~1: there it has ~1e-15 of absolute accuracy, no relative one.
        yield return Unary("LogGamma", typeof(P.LogGamma), Domain.Positive, x => x.LogGamma(), M.LogGamma, M.Digamma, v => M.Polygamma(1, v))
        with
        {
            DerivativeAbsoluteError = 2e-15,
            // Near its minimum (x ≈ 1.4616) ln Γ is accurate to ~4 ulps of its O(1) terms (SpecialPrecisionTests), so a
            // difference quotient with h ≈ 1e-4 carries ~4e-12 per element while ψ → 0 there: seen at 4.4e-12 against a
            // bound of 3e-12 on CI. Up to 36 elements in one projection: 1e-9 absolute, 1,000× below the former 1e-6;
            // the rule itself is held to ψ by the Derivative law (1e-12 relative, 2e-15 absolute).
            DifferencesAbsoluteError = 1e-9,
        };
        yield return Unary("Digamma", typeof(P.Digamma), Domain.Positive, x => x.Digamma(), M.Digamma, v => M.Polygamma(1, v), v => M.Polygamma(2, v));
        foreach (var n in new[] { 1, 2, 3 })
            yield return Unary($"Polygamma({n})", typeof(P.Polygamma), Domain.Positive, x => x.Polygamma(n), v => M.Polygamma(n, v),
                v => M.Polygamma(n + 1, v), v => M.Polygamma(n + 2, v));
        // The gamma family near 0, large, and at negative non-integers (ln Γ is defined for x > 0 only).
        var gammaMagnitudes = Domain.Magnitudes("1e-8 to 1e4", 1e-8, 1e4);
        yield return Unary($"LogGamma ({gammaMagnitudes})", typeof(P.LogGamma), gammaMagnitudes, x => x.LogGamma(), M.LogGamma, M.Digamma, v => M.Polygamma(1, v))
        with
        { DerivativeAbsoluteError = 2e-15 };
        yield return Unary($"Digamma ({gammaMagnitudes})", typeof(P.Digamma), gammaMagnitudes, x => x.Digamma(), M.Digamma,
            v => M.Polygamma(1, v), v => M.Polygamma(2, v));
        yield return Unary("Digamma (negative non-integer)", typeof(P.Digamma), NegativeNonInteger, x => x.Digamma(), Analytic.Digamma,
            v => M.Polygamma(1, v), v => M.Polygamma(2, v));
        // Every order offered, 1 to 40, near 0 and up to 1000 (across the switch to the asymptotic series). Negative
        // arguments only for ψ: ψ⁽ⁿ⁾ of even n sums terms of both signs there, n!/0.05ⁿ⁺¹ in size, so its value near a
        // root has no relative accuracy for the laws to check.
        var polygammaMagnitudes = Domain.Magnitudes("1e-2 to 1e3", 1e-2, 1e3);
        foreach (var n in Enumerable.Range(1, 40))
            yield return Unary($"Polygamma({n}) ({polygammaMagnitudes})", typeof(P.Polygamma), polygammaMagnitudes, x => x.Polygamma(n),
                v => M.Polygamma(n, v), v => M.Polygamma(n + 1, v), v => M.Polygamma(n + 2, v));

        // ── linear algebra: well-conditioned inputs built from any entries (LinearAlgebraRows)
        foreach (var e in LinearAlgebraRows()) yield return e;
    }
}

public static partial class OpTable
{
    /// <summary>A + c·I with c = 2n + 1: for entries in [−2, 2] every Gershgorin disc lies in Re z ≥ 1, so the matrix
    /// is nonsingular and its symmetrised lower triangle positive definite, with condition below ~4n + 1.</summary>
    static Node WellConditioned(Node a, double sign = 1) =>
        a + Node.Constant(Tensor.FromColumnMajor(a.Shape, [.. LinearReferences.Identity(a.Shape[0]).Select(v => sign * (2 * a.Shape[0] + 1) * v)])).To(a.DType);
    static double[] WellConditioned(double[] a, int n, double sign = 1) =>
        [.. a.Zip(LinearReferences.Identity(n), (v, e) => v + sign * (2 * n + 1) * e)];

    static OpEntry SolveRow(string name, bool transpose, bool matrix) =>
        new(name, typeof(P.Solve), Fixed(2), false,
            d => [In(S(d[0], d[0]), Domain.Any), In(matrix ? S(d[0], d[1]) : S(d[0]), Domain.Any)],
            (x, _, _) => Node.Apply(new P.Solve(transpose), WellConditioned(x[0]), x[1]))
        {
            Reference = (x, d, _) => LinearReferences.Solve(transpose ? LinearReferences.Transposed(WellConditioned(x[0], d[0]), d[0]) : WellConditioned(x[0], d[0]),
                d[0], x[1], matrix ? d[1] : 1),
        };

    static OpEntry TriangularSolveRow(bool lower, bool transpose) =>
        new($"TriangularSolve({(lower ? "lower" : "upper")}{(transpose ? ", transposed" : "")})", typeof(P.TriangularSolve), Fixed(2), false,
            d => [In(S(d[0], d[0]), Domain.Any), In(S(d[0], d[1]), Domain.Any)],
            (x, _, _) => WellConditioned(x[0]).TriangularSolve(x[1], lower, transpose))
        {
            Reference = (x, d, _) =>
            {
                var t = LinearReferences.Triangle(WellConditioned(x[0], d[0]), d[0], lower, 1);
                return LinearReferences.Solve(transpose ? LinearReferences.Transposed(t, d[0]) : t, d[0], x[1], d[1]);
            },
        };

    static OpEntry SquareRow(string name, Type covers, Func<Node, Node> f, Func<double[], int, double[]> r) =>
        new(name, covers, Fixed(1), false, d => [In(S(d[0], d[0]), Domain.Any)], (x, _, _) => f(x[0])) { Reference = (x, d, _) => r(x[0], d[0]) };

    static IEnumerable<OpEntry> LinearAlgebraRows()
    {
        yield return SolveRow("Solve(A, b)", false, false);
        yield return SolveRow("Solve(A, B)", false, true);
        yield return SolveRow("Solve(Aᵀ, B)", true, true);
        yield return SolveRow("Solve(Aᵀ, b)", true, false);
        foreach (var (lower, transpose) in new[] { (true, false), (true, true), (false, false), (false, true) })
            yield return TriangularSolveRow(lower, transpose);
        yield return SquareRow("Cholesky (lower triangle read)", typeof(P.Cholesky), a => WellConditioned(a).Cholesky(),
            (a, n) => LinearReferences.Cholesky(WellConditioned(a, n), n));
        yield return SquareRow("LogDet", typeof(P.LogDet), a => WellConditioned(a).LogDet(), (a, n) => [LinearReferences.LogAbsDet(WellConditioned(a, n), n)]);
        yield return SquareRow("LogDet (det < 0 for odd n)", typeof(P.LogDet), a => WellConditioned(a, -1).LogDet(),
            (a, n) => [LinearReferences.LogAbsDet(WellConditioned(a, n, -1), n)]);
        yield return SquareRow("Det", typeof(P.Det), a => WellConditioned(a).Det(), (a, n) => [LinearReferences.Determinant(WellConditioned(a, n), n)]);
        yield return SquareRow("Det (det < 0 for odd n)", typeof(P.Det), a => WellConditioned(a, -1).Det(),
            (a, n) => [LinearReferences.Determinant(WellConditioned(a, n, -1), n)]);
        yield return SquareRow("Inverse", typeof(P.Inverse), a => WellConditioned(a).Inverse(),
            (a, n) => LinearReferences.Solve(WellConditioned(a, n), n, LinearReferences.Identity(n), n));
        foreach (var (lower, diagonal) in new[] { (true, 1.0), (false, 0.0), (true, 0.5) })
            yield return SquareRow($"TriangleMask({(lower ? "lower" : "upper")}, diagonal×{diagonal})", typeof(P.TriangleMask),
                a => Node.Apply(new P.TriangleMask(lower, diagonal), a), (a, n) => LinearReferences.Triangle(a, n, lower, diagonal));
        foreach (var e in DecompositionRows()) yield return e;
    }
}

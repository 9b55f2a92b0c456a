using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using P = AutoDiff.Functional.Ops;
using R = AutoDiff.Functional.Properties.Support.References;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The op table: every concrete op of the Graph and Ops assemblies with inputs from its domain, plus
/// composites. The generic laws in <see cref="OpLaws"/> run over every row, and <see cref="CoverageTests"/>
/// fails when an op has no row, so a new op costs one line here and cannot escape the laws.</summary>
public static partial class OpTable
{
    /// <summary>Leaves: no rule to test, the interpreters seed and collect them.</summary>
    public static readonly IReadOnlySet<Type> Leaves = new HashSet<Type> { typeof(Variable), typeof(Constant) };

    static Gen<int> D => Gen.Choose(1, 6);
    static Gen<int[]> Fixed(int n) => Gen.ArrayOf(D, n);
    /// <summary>Scalar, vector or matrix.</summary>
    static readonly Gen<int[]> AnyRank = Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(D, r));

    static Input In(Shape s, Domain d) => new(s, d);
    static Shape S(params int[] dims) => Shape.Of(dims);

    /// <summary>An element-wise row: its value reference r and, for the Derivative and SecondDerivative laws, its f′
    /// and f″ written from the maths (<see cref="Analytic"/>), not by calling the library.</summary>
    static OpEntry Unary(string name, Type? covers, Domain domain, Func<Node, Node> f, Func<double, double> r,
        Func<double, double>? d1 = null, Func<double, double>? d2 = null) =>
        new(name, covers, AnyRank, true, d => [In(S(d), domain)], (x, _, _) => f(x[0]))
        {
            Reference = (x, _, _) => [.. x[0].Select(r)],
            Derivative = d1 is null ? null : v => [d1(v[0])],
            SecondDerivative = d2 is null ? null : v => [d2(v[0])],
        };

    static OpEntry Reduction(string name, Type? covers, Domain domain, Func<Node, Node> f, Func<double[], double> r) =>
        new(name, covers, AnyRank, true, d => [In(S(d), domain)], (x, _, _) => f(x[0])) { Reference = (x, _, _) => [r(x[0])] };

    /// <summary>The three ways a binary element-wise op may be applied: same shapes, scalar on either side.</summary>
    static IEnumerable<OpEntry> Binary(string name, Type covers, Domain left, Domain right, Func<Node, Node, Node> f, Func<double, double, double> r,
        Func<double, double, (double, double)> d1, Func<double, double, (double, double, double)> d2)
    {
        Builder build = (x, _, _) => f(x[0], x[1]);
        var (partials, hessian) = (OpEntry.Pair(d1), OpEntry.Hessian(d2));
        yield return new(name, covers, AnyRank, true, d => [In(S(d), left), In(S(d), right)], build)
        { Reference = (x, _, _) => [.. x[0].Select((a, i) => r(a, x[1][i]))], Derivative = partials, SecondDerivative = hessian };
        yield return new($"{name}(scalar, tensor)", covers, AnyRank, true, d => [In(Shape.Scalar, left), In(S(d), right)], build)
        { Reference = (x, _, _) => [.. x[1].Select(b => r(x[0][0], b))], Derivative = partials, SecondDerivative = hessian };
        yield return new($"{name}(tensor, scalar)", covers, AnyRank, true, d => [In(S(d), left), In(Shape.Scalar, right)], build)
        { Reference = (x, _, _) => [.. x[0].Select(a => r(a, x[1][0]))], Derivative = partials, SecondDerivative = hessian };
    }

    static OpEntry Pow(double p, Domain domain, string suffix = "") =>
        Unary($"Pow({p}){suffix}", typeof(P.Pow), domain, x => Node.Apply(new P.Pow(p), x), v => Math.Pow(v, p),
            v => p == 0 ? 0 : p * Math.Pow(v, p - 1), v => p == 0 || p == 1 ? 0 : p * (p - 1) * Math.Pow(v, p - 2));

    /// <summary>op(A)·op(B) for A stored (m×k) or (k×m), B (k×n) or (n×k); dims = [m, k, n], one of them 60–70 in a
    /// quarter of the cases (past the 32- and 64-wide tiles and kernel switches).</summary>
    static OpEntry MatMul(bool ta, bool tb) =>
        new($"MatMul({(ta ? "Aᵀ" : "A")}·{(tb ? "Bᵀ" : "B")})", typeof(P.MatMul), Shapes.WithLarge(3), false,
            d => [In(ta ? S(d[1], d[0]) : S(d[0], d[1]), Domain.Any), In(tb ? S(d[2], d[1]) : S(d[1], d[2]), Domain.Any)],
            (x, _, _) => Node.Apply(new P.MatMul(ta, tb), x[0], x[1]))
        { Reference = (x, d, _) => R.Product(x[0], x[1], ta, tb, d[0], d[1], d[2]), ValueTerms = (x, d, _) => R.Product(Abs(x[0]), Abs(x[1]), ta, tb, d[0], d[1], d[2]) };

    static double[] Abs(double[] x) => [.. x.Select(Math.Abs)];

    /// <summary>op(A)·v, dims = [m, k].</summary>
    static OpEntry MatVec(bool ta) =>
        new($"MatMul({(ta ? "Aᵀ" : "A")}·v)", typeof(P.MatMul), Shapes.WithLarge(2), false,
            d => [In(ta ? S(d[1], d[0]) : S(d[0], d[1]), Domain.Any), In(S(d[1]), Domain.Any)],
            (x, _, _) => Node.Apply(new P.MatMul(ta, false), x[0], x[1]))
        { Reference = (x, d, _) => R.Product(x[0], x[1], ta, false, d[0], d[1], 1), ValueTerms = (x, d, _) => R.Product(Abs(x[0]), Abs(x[1]), ta, false, d[0], d[1], 1) };

    static OpEntry Matrix(string name, Type? covers, Domain domain, Builder build, Reference r) =>
        new(name, covers, Fixed(2), false, d => [In(S(d), domain)], build) { Reference = r };

    static OpEntry Vector(string name, Type? covers, Domain domain, Builder build, Reference r) =>
        new(name, covers, Fixed(1), false, d => [In(S(d), domain)], build) { Reference = r };

    /// <summary>Labels in 0..classes−1 derived from the index seed, so they shrink with it.</summary>
    static int[] Labels(int rows, int classes, int pick) => [.. Enumerable.Range(0, rows).Select(i => (pick + i * (pick / 7 + 1)) % classes)];

    /// <summary>A gather that repeats a vector (n) twice into (2n): positions repeat, so its scatter adds up.</summary>
    static P.Gather Twice(int n) => new("Twice", S(n), S(2 * n), [.. Enumerable.Range(0, 2 * n).Select(k => k % n)]);

    /// <summary>Row <c>pick mod m</c> of an (m×n) matrix, as a gather.</summary>
    static P.Gather RowGather(int[] d, int pick) =>
        new($"Row({pick % d[0]})", S(d), S(d[1]), [.. Enumerable.Range(0, d[1]).Select(j => pick % d[0] + j * d[0])]);

    /// <summary>Every row, by name. Names are unique: they identify the theory cases.</summary>
    public static readonly IReadOnlyList<OpEntry> Entries = Build();

    static List<OpEntry> Build()
    {
        var any = Domain.Any;
        var table = new List<OpEntry>();

        // ── binary element-wise: equal shapes, or a scalar on either side; partials (∂f/∂a, ∂f/∂b) and (∂²/∂a², ∂²/∂a∂b, ∂²/∂b²)
        table.AddRange(Binary("Add", typeof(P.Add), any, any, (a, b) => a + b, (a, b) => a + b, (_, _) => (1, 1), (_, _) => (0, 0, 0)));
        table.AddRange(Binary("Sub", typeof(P.Sub), any, any, (a, b) => a - b, (a, b) => a - b, (_, _) => (1, -1), (_, _) => (0, 0, 0)));
        table.AddRange(Binary("Mul", typeof(P.Mul), any, any, (a, b) => a * b, (a, b) => a * b, (a, b) => (b, a), (_, _) => (0, 1, 0)));
        table.AddRange(Binary("Div", typeof(P.Div), any, Domain.NonZero, (a, b) => a / b, (a, b) => a / b,
            (a, b) => (1 / b, -a / (b * b)), (a, b) => (0, -1 / (b * b), 2 * a / (b * b * b))));

        // ── unary element-wise, each with f′ and f″ from the maths (D holds the ones that need care far out)
        table.Add(Unary("Neg", typeof(P.Neg), any, x => -x, v => -v, _ => -1, _ => 0));
        table.Add(Unary("Exp", typeof(P.Exp), any, x => x.Exp(), Math.Exp, Math.Exp, Math.Exp));
        table.Add(Unary("Log", typeof(P.Log), Domain.Positive, x => x.Log(), Math.Log, v => 1 / v, v => -1 / (v * v)));
        table.Add(Unary("Sin", typeof(P.Sin), any, x => x.Sin(), Math.Sin, Math.Cos, v => -Math.Sin(v)));
        table.Add(Unary("Cos", typeof(P.Cos), any, x => x.Cos(), Math.Cos, v => -Math.Sin(v), v => -Math.Cos(v)));
        table.Add(Unary("Sqrt", typeof(P.Sqrt), Domain.Positive, x => x.Sqrt(), Math.Sqrt, v => 0.5 / Math.Sqrt(v), v => -0.25 / (v * Math.Sqrt(v))));
        table.Add(Unary("Square", typeof(P.Square), any, x => x.Square(), v => v * v, v => 2 * v, _ => 2));
        table.Add(Unary("Sigmoid", typeof(P.Sigmoid), any, x => x.Sigmoid(), Analytic.Sigmoid, Analytic.SigmoidPrime, Analytic.SigmoidSecond));
        table.Add(Unary("Tanh", typeof(P.Tanh), any, x => x.Tanh(), Math.Tanh, Analytic.TanhPrime, Analytic.TanhSecond));
        table.Add(Unary("Softplus", typeof(P.Softplus), any, x => x.Softplus(), v => Math.Log(1 + Math.Exp(v)), Analytic.Sigmoid, Analytic.SigmoidPrime));
        // Integer exponents take any sign; negative ones stay away from the pole; the rest need x > 0.
        foreach (var p in new[] { 0.0, 1, 2, 3 }) table.Add(Pow(p, any));
        foreach (var p in new[] { -1.0, -2, -3 }) table.Add(Pow(p, Domain.NonZero));
        foreach (var p in new[] { 0.5, 1.5, 2.5, 1.0 / 3, -0.5, -1.5, -2.5 }) table.Add(Pow(p, Domain.Positive));

        // ── the same ops in the hard regions: near 0, subnormal, huge, far out where the derivative is tiny
        foreach (var e in FarRows()) table.Add(e);

        // ── linear algebra
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) }) table.Add(MatMul(ta, tb));
        table.Add(MatVec(false));
        table.Add(MatVec(true));
        table.Add(Matrix("Transpose", typeof(P.Transpose), any, (x, _, _) => x[0].T(), (x, d, _) => R.Transpose(x[0], d[0], d[1])) with { Dims = Shapes.WithLarge(2) });
        table.Add(Matrix("Reshape(m×n → mn)", typeof(P.Reshape), any, (x, d, _) => x[0].Reshape(S(d[0] * d[1])), (x, _, _) => x[0]));
        table.Add(Matrix("Reshape(m×n → n×m)", typeof(P.Reshape), any, (x, d, _) => x[0].Reshape(S(d[1], d[0])), (x, _, _) => x[0]));
        table.Add(new("Reshape(mn → m×n)", typeof(P.Reshape), Fixed(2), false, d => [In(S(d[0] * d[1]), any)],
            (x, d, _) => x[0].Reshape(S(d)))
        { Reference = (x, _, _) => x[0] });

        // ── reductions and broadcasts
        table.Add(Reduction("Sum", typeof(P.Sum), any, x => x.Sum(), v => v.Sum()));
        table.Add(new("Fill", typeof(P.Fill), AnyRank, true, _ => [In(Shape.Scalar, any)], (x, d, _) => x[0].Fill(S(d)))
        { Reference = (x, d, _) => R.Repeat(x[0][0], S(d).Size) });
        table.Add(Matrix("SumAxis(0)", typeof(P.SumAxis), any, (x, _, _) => x[0].Sum(0), (x, d, _) => R.ColumnWise(x[0], d[0], d[1], v => v.Sum())) with { Dims = Shapes.WithLarge(2) });
        table.Add(Matrix("SumAxis(1)", typeof(P.SumAxis), any, (x, _, _) => x[0].Sum(1), (x, d, _) => R.RowWise(x[0], d[0], d[1], v => v.Sum())) with { Dims = Shapes.WithLarge(2) });
        table.Add(Vector("SumAxis(0) of a vector", typeof(P.SumAxis), any, (x, _, _) => x[0].Sum(0), (x, _, _) => [x[0].Sum()]));
        table.Add(new("Broadcast(axis 0) rows", typeof(P.Broadcast), Fixed(2), false, d => [In(S(d[1]), any)],
            (x, d, _) => x[0].BroadcastRows(d[0]))
        { Reference = (x, d, _) => R.Matrix(d[0], d[1], (i, j) => x[0][j]) });
        table.Add(new("Broadcast(axis 1) columns", typeof(P.Broadcast), Fixed(2), false, d => [In(S(d[0]), any)],
            (x, d, _) => x[0].BroadcastColumns(d[1]))
        { Reference = (x, d, _) => R.Matrix(d[0], d[1], (i, j) => x[0][i]) });
        table.Add(new("Broadcast(axis 0) of a scalar", typeof(P.Broadcast), Fixed(1), false, _ => [In(Shape.Scalar, any)],
            (x, d, _) => Node.Apply(new P.Broadcast(0, d[0]), x[0]))
        { Reference = (x, d, _) => R.Repeat(x[0][0], d[0]) });
        table.Add(Matrix("LogSumExp(0)", typeof(P.LogSumExp), any, (x, _, _) => x[0].LogSumExp(0), (x, d, _) => R.ColumnWise(x[0], d[0], d[1], R.LogSumExp)));
        table.Add(Matrix("LogSumExp(1)", typeof(P.LogSumExp), any, (x, _, _) => x[0].LogSumExp(1), (x, d, _) => R.RowWise(x[0], d[0], d[1], R.LogSumExp)));
        table.Add(Vector("LogSumExp(0) of a vector", typeof(P.LogSumExp), any, (x, _, _) => x[0].LogSumExp(0), (x, _, _) => [R.LogSumExp(x[0])]));

        // ── indexing: a gather selects, its scatter adds back
        table.Add(Vector("Gather: At(i)", typeof(P.Gather), any, (x, d, k) => x[0].At(k % d[0]), (x, d, k) => [x[0][k % d[0]]]));
        table.Add(Matrix("Gather: At(i, j)", typeof(P.Gather), any, (x, d, k) => x[0].At(k % d[0], k / 7 % d[1]),
            (x, d, k) => [R.Element(x[0], d[0], k % d[0], k / 7 % d[1])]));
        table.Add(Matrix("Gather: Row", typeof(P.Gather), any, (x, d, k) => x[0].Row(k % d[0]),
            (x, d, k) => [.. Enumerable.Range(0, d[1]).Select(j => R.Element(x[0], d[0], k % d[0], j))]));
        table.Add(Matrix("Gather: Column", typeof(P.Gather), any, (x, d, k) => x[0].Column(k % d[1]),
            (x, d, k) => [.. Enumerable.Range(0, d[0]).Select(i => R.Element(x[0], d[0], i, k % d[1]))]));
        table.Add(Matrix("Gather: PickPerRow", typeof(P.Gather), any, (x, d, k) => x[0].PickPerRow(Labels(d[0], d[1], k)),
            (x, d, k) => [.. Labels(d[0], d[1], k).Select((label, i) => R.Element(x[0], d[0], i, label))]));
        table.Add(Vector("Gather: repeated positions", typeof(P.Gather), any, (x, d, _) => Node.Apply(Twice(d[0]), x[0]),
            (x, _, _) => [.. x[0], .. x[0]]));
        table.Add(new("Scatter: of a Row", typeof(P.Scatter), Fixed(2), false, d => [In(S(d[1]), any)],
            (x, d, k) => Node.Apply(new P.Scatter(RowGather(d, k)), x[0]))
        { Reference = (x, d, k) => R.Matrix(d[0], d[1], (i, j) => i == k % d[0] ? x[0][j] : 0) });
        table.Add(new("Scatter: repeated positions", typeof(P.Scatter), Fixed(1), false, d => [In(S(2 * d[0]), any)],
            (x, d, _) => Node.Apply(new P.Scatter(Twice(d[0])), x[0]))
        { Reference = (x, d, _) => [.. Enumerable.Range(0, d[0]).Select(i => x[0][i] + x[0][i + d[0]])] });

        // ── the n-ary sum used for cotangent accumulation (x0 enters twice)
        table.Add(new("AddN(x0, x1, x0)", typeof(AddN), AnyRank, true, d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Node.Apply(new AddN(), x[0], x[1], x[0]))
        { Reference = (x, _, _) => [.. x[0].Select((a, i) => a + x[1][i] + a)] });
        table.Add(new("AddN(x0, x1, x2)", typeof(AddN), AnyRank, true, d => [In(S(d), any), In(S(d), any), In(S(d), any)],
            (x, _, _) => Node.Apply(new AddN(), x[0], x[1], x[2]))
        { Reference = (x, _, _) => [.. x[0].Select((a, i) => a + x[1][i] + x[2][i])] });

        // ── composites: no rules of their own, the laws must still hold
        table.Add(Matrix("Softmax(0)", typeof(P.Softmax), any, (x, _, _) => x[0].Softmax(0),
            (x, d, _) => R.Matrix(d[0], d[1], (i, j) => Math.Exp(R.Element(x[0], d[0], i, j) - R.ColumnWise(x[0], d[0], d[1], R.LogSumExp)[j]))));
        table.Add(Matrix("Softmax(1)", typeof(P.Softmax), any, (x, _, _) => x[0].Softmax(1),
            (x, d, _) => R.Matrix(d[0], d[1], (i, j) => Math.Exp(R.Element(x[0], d[0], i, j) - R.RowWise(x[0], d[0], d[1], R.LogSumExp)[i]))));
        table.Add(Vector("Softmax(0) of a vector", typeof(P.Softmax), any, (x, _, _) => x[0].Softmax(0),
            (x, _, _) => [.. x[0].Select(v => Math.Exp(v) / x[0].Sum(Math.Exp))]));
        table.Add(Matrix("LogSoftmax(1)", typeof(P.LogSoftmax), any, (x, _, _) => x[0].LogSoftmax(1),
            (x, d, _) => R.Matrix(d[0], d[1], (i, j) => R.Element(x[0], d[0], i, j) - R.RowWise(x[0], d[0], d[1], R.LogSumExp)[i])));
        table.Add(Matrix("LogSoftmax(0)", typeof(P.LogSoftmax), any, (x, _, _) => x[0].LogSoftmax(0),
            (x, d, _) => R.Matrix(d[0], d[1], (i, j) => R.Element(x[0], d[0], i, j) - R.ColumnWise(x[0], d[0], d[1], R.LogSumExp)[j])));
        table.Add(Matrix("CrossEntropy", null, any, (x, d, k) => x[0].CrossEntropy(Labels(d[0], d[1], k)),
            (x, d, k) => [-Labels(d[0], d[1], k).Select((label, i) => R.Element(x[0], d[0], i, label) - R.RowWise(x[0], d[0], d[1], R.LogSumExp)[i]).Average()]));
        table.Add(Reduction("Norm", null, Domain.NonZero, x => x.Norm(), v => Math.Sqrt(v.Sum(e => e * e))));
        table.Add(Reduction("SquaredNorm", null, any, x => x.SquaredNorm(), v => v.Sum(e => e * e)));
        table.Add(Reduction("Mean", null, any, x => x.Mean(), v => v.Average()));
        table.Add(Matrix("Mean(1)", null, any, (x, _, _) => x[0].Mean(1), (x, d, _) => R.RowWise(x[0], d[0], d[1], v => v.Average())));
        table.Add(new("A.T().MatMul(B.T()) via the API", null, Fixed(3), false,
            d => [In(S(d[1], d[0]), any), In(S(d[2], d[1]), any)], (x, _, _) => x[0].T().MatMul(x[1].T()))
        { Reference = (x, d, _) => R.Product(x[0], x[1], true, true, d[0], d[1], d[2]) });
        table.Add(new("Layer: tanh(W·x + b)", null, Fixed(2), false,
            d => [In(S(d[0], d[1]), any), In(S(d[1]), any), In(S(d[0]), any)], (x, _, _) => (x[0].MatMul(x[1]) + x[2]).Tanh())
        { Reference = (x, d, _) => [.. R.Product(x[0], x[1], false, false, d[0], d[1], 1).Select((v, i) => Math.Tanh(v + x[2][i]))] });
        table.AddRange(DataRows());
        // ── indexing by arrays, slicing and joining (issue #12): Take, ScatterAdd, Slice, Concat; Diag, DiagMatrix and
        // LowerTriangular through Gather and Scatter; Stack, Outer, Dot composites. Index arrays come from the index
        // seed and always repeat one index, so the scatter-adds accumulate.
        static int[] Ids(int count, int bound, int pick) =>
            [.. Enumerable.Range(0, count).Select(p => (pick + p * (pick / 7 + 1)) % bound), pick % bound];
        // A range start..start+count−1 inside 0..length−1, never empty.
        static (int Start, int Count) Range(int length, int pick) => (pick % length, 1 + pick / 7 % (length - pick % length));
        static double At(double[] a, int rows, int i, int j) => a[i + j * rows];

        // dims [m, n, k]: an (m×n) matrix, k + 1 indices.
        table.Add(new("GatherRows (repeated rows)", typeof(P.Take), Fixed(3), false, d => [In(S(d[0], d[1]), any)],
            (x, d, k) => x[0].GatherRows(Ids(d[2], d[0], k)))
        { Reference = (x, d, k) => R.Matrix(d[2] + 1, d[1], (i, j) => At(x[0], d[0], Ids(d[2], d[0], k)[i], j)) });
        table.Add(new("GatherColumns (repeated columns)", typeof(P.Take), Fixed(3), false, d => [In(S(d[0], d[1]), any)],
            (x, d, k) => x[0].GatherColumns(Ids(d[2], d[1], k)))
        { Reference = (x, d, k) => R.Matrix(d[0], d[2] + 1, (i, j) => At(x[0], d[0], i, Ids(d[2], d[1], k)[j])) });
        table.Add(new("Gather of a vector (repeated elements)", typeof(P.Take), Fixed(2), false, d => [In(S(d[0]), any)],
            (x, d, k) => x[0].Gather(Ids(d[1], d[0], k)))
        { Reference = (x, d, k) => [.. Ids(d[1], d[0], k).Select(i => x[0][i])] });
        table.Add(new("Gather of a matrix's elements", typeof(P.Take), Fixed(3), false, d => [In(S(d[0], d[1]), any)],
            (x, d, k) => x[0].Gather(Ids(d[2], d[0] * d[1], k)))
        { Reference = (x, d, k) => [.. Ids(d[2], d[0] * d[1], k).Select(p => At(x[0], d[0], p % d[0], p / d[0]))] });

        // dims [m, n, k]: k + 1 slices added into an (m×n) matrix or an (m) vector.
        table.Add(new("ScatterAdd rows", typeof(P.ScatterAdd), Fixed(3), false, d => [In(S(d[2] + 1, d[1]), any)],
            (x, d, k) => x[0].ScatterAdd(Ids(d[2], d[0], k), S(d[0], d[1])))
        {
            Reference = (x, d, k) => R.Matrix(d[0], d[1], (i, j) =>
                Ids(d[2], d[0], k).Select((row, p) => row == i ? At(x[0], d[2] + 1, p, j) : 0).Sum())
        });
        table.Add(new("ScatterAdd columns", typeof(P.ScatterAdd), Fixed(3), false, d => [In(S(d[0], d[2] + 1), any)],
            (x, d, k) => x[0].ScatterAdd(Ids(d[2], d[1], k), S(d[0], d[1]), axis: 1))
        {
            Reference = (x, d, k) => R.Matrix(d[0], d[1], (i, j) =>
                Ids(d[2], d[1], k).Select((column, p) => column == j ? At(x[0], d[0], i, p) : 0).Sum())
        });
        table.Add(new("ScatterAdd into a vector", typeof(P.ScatterAdd), Fixed(2), false, d => [In(S(d[1] + 1), any)],
            (x, d, k) => x[0].ScatterAdd(Ids(d[1], d[0], k), S(d[0])))
        {
            Reference = (x, d, k) => [.. Enumerable.Range(0, d[0]).Select(i =>
                Ids(d[1], d[0], k).Select((target, p) => target == i ? x[0][p] : 0).Sum())]
        });
        // Segments may be empty (ids mod m + 1 never reach segment m): their rows are zero.
        table.Add(new("SegmentSum (an empty segment)", typeof(P.ScatterAdd), Fixed(3), false, d => [In(S(d[2] + 1, d[1]), any)],
            (x, d, k) => x[0].SegmentSum(Ids(d[2], d[0], k), d[0] + 1))
        {
            Reference = (x, d, k) => R.Matrix(d[0] + 1, d[1], (segment, j) =>
                Enumerable.Range(0, d[2] + 1).Where(p => Ids(d[2], d[0], k)[p] == segment).Sum(p => At(x[0], d[2] + 1, p, j)))
        });

        table.Add(Matrix("Rows(start, count)", typeof(P.Slice), any, (x, d, k) => x[0].Rows(Range(d[0], k).Start, Range(d[0], k).Count),
            (x, d, k) => R.Matrix(Range(d[0], k).Count, d[1], (i, j) => At(x[0], d[0], Range(d[0], k).Start + i, j))));
        table.Add(Matrix("Columns(start, count)", typeof(P.Slice), any, (x, d, k) => x[0].Columns(Range(d[1], k).Start, Range(d[1], k).Count),
            (x, d, k) => R.Matrix(d[0], Range(d[1], k).Count, (i, j) => At(x[0], d[0], i, Range(d[1], k).Start + j))));
        table.Add(Vector("Slice(start, count) of a vector", typeof(P.Slice), any, (x, d, k) => x[0].Slice(Range(d[0], k).Start, Range(d[0], k).Count),
            (x, d, k) => [.. x[0].Skip(Range(d[0], k).Start).Take(Range(d[0], k).Count)]));

        table.Add(new("Concat vectors", typeof(P.Concat), Fixed(3), false, d => [In(S(d[0]), any), In(S(d[1]), any), In(S(d[2]), any)],
            (x, _, _) => Indexing.Concat(0, x[0], x[1], x[2]))
        { Reference = (x, _, _) => [.. x[0], .. x[1], .. x[2]] });
        table.Add(new("Concat matrices (axis 0, on top)", typeof(P.Concat), Fixed(3), false, d => [In(S(d[0], d[2]), any), In(S(d[1], d[2]), any)],
            (x, _, _) => Indexing.Concat(0, x[0], x[1]))
        { Reference = (x, d, _) => R.Matrix(d[0] + d[1], d[2], (i, j) => i < d[0] ? At(x[0], d[0], i, j) : At(x[1], d[1], i - d[0], j)) });
        table.Add(new("Concat matrices (axis 1, side by side)", typeof(P.Concat), Fixed(3), false, d => [In(S(d[0], d[1]), any), In(S(d[0], d[2]), any)],
            (x, _, _) => Indexing.Concat(1, x[0], x[1]))
        { Reference = (x, d, _) => R.Matrix(d[0], d[1] + d[2], (i, j) => j < d[1] ? At(x[0], d[0], i, j) : At(x[1], d[0], i, j - d[1])) });
        table.Add(new("Concat of one input", typeof(P.Concat), Fixed(2), false, d => [In(S(d), any)], (x, _, _) => Indexing.Concat(1, x[0]))
        { Reference = (x, _, _) => x[0] });
        table.Add(new("Stack vectors as rows", null, Fixed(1), false, d => [In(S(d[0]), any), In(S(d[0]), any), In(S(d[0]), any)],
            (x, _, _) => Indexing.Stack(0, x[0], x[1], x[2]))
        { Reference = (x, d, _) => R.Matrix(3, d[0], (i, j) => x[i][j]) });
        table.Add(new("Stack vectors as columns", null, Fixed(1), false, d => [In(S(d[0]), any), In(S(d[0]), any)],
            (x, _, _) => Indexing.Stack(1, x[0], x[1]))
        { Reference = (x, d, _) => R.Matrix(d[0], 2, (i, j) => x[j][i]) });

        table.Add(Matrix("Diag", typeof(P.Gather), any, (x, _, _) => x[0].Diag(),
            (x, d, _) => [.. Enumerable.Range(0, Math.Min(d[0], d[1])).Select(i => At(x[0], d[0], i, i))]));
        table.Add(Vector("DiagMatrix", typeof(P.Scatter), any, (x, _, _) => x[0].DiagMatrix(),
            (x, d, _) => R.Matrix(d[0], d[0], (i, j) => i == j ? x[0][i] : 0)));
        // Packed column by column, top to bottom: entry (i, j), i ≥ j, of an n×n lower triangle is at
        // j·n − j(j−1)/2 + (i − j) with the diagonal, and at the same count of the strictly lower entries before it without.
        table.Add(new("LowerTriangular with diagonal", typeof(P.Scatter), Fixed(1), false, d => [In(S(d[0] * (d[0] + 1) / 2), any)],
            (x, d, _) => x[0].LowerTriangular(d[0], includeDiagonal: true))
        { Reference = (x, d, _) => R.Matrix(d[0], d[0], (i, j) => i >= j ? x[0][j * d[0] - j * (j - 1) / 2 + (i - j)] : 0) });
        table.Add(new("LowerTriangular without diagonal", typeof(P.Scatter), Fixed(1), false, d => [In(S((d[0] + 1) * d[0] / 2), any)],
            (x, d, _) => x[0].LowerTriangular(d[0] + 1, includeDiagonal: false))
        { Reference = (x, d, _) => R.Matrix(d[0] + 1, d[0] + 1, (i, j) => i > j ? x[0][j * d[0] - j * (j - 1) / 2 + (i - j - 1)] : 0) });

        // dims [k, n]: x (k), A (k×n): xᵀA, a vector (n).
        table.Add(new("MatMul(v·A) via the API", typeof(P.MatMul), Fixed(2), false, d => [In(S(d[0]), any), In(S(d[0], d[1]), any)],
            (x, _, _) => x[0].MatMul(x[1]))
        { Reference = (x, d, _) => [.. Enumerable.Range(0, d[1]).Select(j => Enumerable.Range(0, d[0]).Sum(i => x[0][i] * At(x[1], d[0], i, j)))] });
        table.Add(new("v·Aᵀ via the API", null, Fixed(2), false, d => [In(S(d[0]), any), In(S(d[1], d[0]), any)],
            (x, _, _) => x[0].MatMul(x[1].T()))
        { Reference = (x, d, _) => [.. Enumerable.Range(0, d[1]).Select(j => Enumerable.Range(0, d[0]).Sum(i => x[0][i] * At(x[1], d[1], j, i)))] });
        table.Add(new("Outer(u, v)", null, Fixed(2), false, d => [In(S(d[0]), any), In(S(d[1]), any)], (x, _, _) => x[0].Outer(x[1]))
        { Reference = (x, d, _) => R.Matrix(d[0], d[1], (i, j) => x[0][i] * x[1][j]) });
        table.Add(new("Dot(u, v)", null, Fixed(1), false, d => [In(S(d[0]), any), In(S(d[0]), any)], (x, _, _) => x[0].Dot(x[1]))
        { Reference = (x, _, _) => [x[0].Zip(x[1], (a, b) => a * b).Sum()] });

        // ── piecewise, special functions and linear algebra (issue 12): rows in OpTable.Math.cs
        table.AddRange(MathRows());
        table.AddRange(RankRows());   // any rank (issue 24): OpTable.Rank.cs

        // ── control: stop-gradient, user-defined rules, loops (issue #13)
        // StopGradient's derivative is zero by convention, so the laws see it where that is also the true derivative:
        // of a function flat in its input, and as the shift of a log-sum-exp (the result does not depend on it).
        table.Add(Unary("StopGradient of a flat function", typeof(P.StopGradient), any,
            x => (x.Sin().Square() + x.Cos().Square()).StopGradient(), _ => 1));
        table.Add(Vector("StopGradient: stopped shift of a log-sum-exp", null, any, (x, _, _) =>
        {
            var shift = x[0].Mean().StopGradient();
            return shift + (x[0] - shift).Exp().Sum().Log();
        }, (x, _, _) => [R.LogSumExp(x[0])]));
        table.Add(Unary("Custom: softplus, both rules stated", typeof(P.Custom), any,
            x => CustomRule.Define("softplus", v => (v[0].Exp() + 1).Log(),
                jvp: (v, _, t) => t[0] * v[0].Sigmoid(), vjp: (v, _, ct) => [ct * v[0].Sigmoid()])([x]),
            v => Math.Log(1 + Math.Exp(v))));
        table.Add(new("Custom: x0·sin(x1), VJP stated, JVP from the body", typeof(P.Custom), AnyRank, true,
            d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => CustomRule.Define("x0·sin(x1)", v => v[0] * v[1].Sin(),
                vjp: (v, _, ct) => [ct * v[1].Sin(), ct * v[0] * v[1].Cos()])(x))
        { Reference = (x, _, _) => [.. x[0].Select((a, i) => a * Math.Sin(x[1][i]))] });
        table.Add(Reduction("Custom: no rules (the body's own derivatives)", typeof(P.Custom), any,
            x => CustomRule.Define("Σx³", v => v[0].Pow(3).Sum())([x]), v => v.Sum(e => e * e * e)));
        // Loops over the body c ← sin(c)⊙p + c/3 (p read from outside the body), against plain loops. A third, not a half:
        // at p = −½ (on the inputs' grid) sin(c)·p + c/2 cancels to c³/12, and rounding then swamps the derivatives.
        table.Add(new("Loop: 3 steps of c ← sin(c)⊙p + c/3", typeof(P.LoopOp), AnyRank, true, d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Loop.Repeat(3, x[0], c => LoopStep(c, x[1])))
        { Reference = (x, _, _) => LoopReference(x[0], x[1], 3)[^1] });
        table.Add(new("Scan: 3 steps of c ← sin(c)⊙p + c/3", typeof(P.LoopOp), Fixed(1), false, d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Loop.Scan(3, x[0], c => LoopStep(c, x[1]), Checkpointing.Sqrt))
        { Reference = (x, _, _) => [.. LoopReference(x[0], x[1], 3).Skip(1).SelectMany(c => c)] });
        table.Add(new("While: a counter carry stops c ← sin(c)⊙p + c/3 after 3 steps", typeof(P.LoopOp), AnyRank, true,
            d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Loop.While([x[0], Node.Constant(0.0)], c => 2.5 - c[1], c => [LoopStep(c[0], x[1]), c[1] + 1], 10, Checkpointing.Binomial(2))[0])
        { Reference = (x, _, _) => LoopReference(x[0], x[1], 3)[^1] });
        // The packing under ops with several results: a value of each, one after another, and one of them read back.
        table.Add(new("Pack: two tensors one after another", typeof(Pack), AnyRank, true, d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Node.Apply(new Pack(), x[0], x[1]))
        { Reference = (x, _, _) => [.. x[0], .. x[1]] });
        table.Add(new("Output: the second of two packed results", typeof(Output), AnyRank, true, d => [In(S(d), any), In(S(d), any)],
            (x, _, _) => Node.Apply(new Output(1, x[0].Shape.Size, x[1].Shape), Node.Apply(new Pack(), x[0], x[1])))
        { Reference = (x, _, _) => x[1] });
        table.Add(new("Loop of two carries, both read: c ← sin(c)⊙p + c/3, q ← q⊙c", null, AnyRank, true,
            d => [In(S(d), any), In(S(d), any), In(S(d), any)],
            (x, _, _) =>
            {
                var r = Loop.Repeat(3, [x[0], x[2]], c => [LoopStep(c[0], x[1]), c[1] * c[0]]);
                return r[0] * 2.0 + r[1];
            })
        {
            Reference = (x, _, _) =>
            {
                var cs = LoopReference(x[0], x[1], 3);
                return [.. x[2].Select((q, i) => 2 * cs[3][i] + q * cs[0][i] * cs[1][i] * cs[2][i])];
            },
        });
        // Scans over a sequence of T = 3 steps (a (n × 3) matrix, one column per step): c ← sin(c)⊙x_t + c/3, emitting c⊙w.
        table.Add(new("Scan over a sequence: c ← sin(c)⊙x_t + c/3, emitting c⊙w", typeof(P.LoopOp), Fixed(1), false,
            d => [In(S(d), any), In(S(d[0], 3), any), In(S(d), any)],
            (x, _, _) => Loop.Scan(x[1], x[0], (c, xt) => { var next = LoopStep(c, xt); return (next, next * x[2]); }).Ys)
        { Reference = (x, _, _) => [.. SequenceReference(x[0], x[1], false).Skip(1).SelectMany(c => c.Select((v, i) => v * x[2][i]))] });
        table.Add(new("Scan over a sequence in reverse, final carry and emitted values both read", null, Fixed(1), false,
            d => [In(S(d), any), In(S(d[0], 3), any), In(S(d), any)],
            (x, _, _) =>
            {
                var (carry, ys) = Loop.Scan(x[1], x[0], (c, xt) => { var next = LoopStep(c, xt); return (next, next * x[2]); }, reverse: true);
                return Indexing.Concat(1, carry.Reshape(S(carry.Shape.Size, 1)), ys);
            })
        {
            Reference = (x, _, _) =>
            {
                var cs = SequenceReference(x[0], x[1], true);
                // Step k reads column 2 − k and its value lands in column 2 − k.
                return [.. cs[3], .. Enumerable.Range(0, 3).SelectMany(t => cs[3 - t].Select((v, i) => v * x[2][i]))];
            },
        });
        table.Add(new("LoopReverse: ∇⟨s, c₃⟩ w.r.t. c₀ and p", typeof(P.LoopReverse), Fixed(1), false,
            d => [In(S(d), any), In(S(d), any), In(S(d), any)],
            (x, _, _) =>
            {
                var body = P.LoopBody.Trace("row", [x[0]], [], (c, _) => ([LoopStep(c[0], x[1])], []), null, out var outer);
                return Node.Apply(new P.LoopReverse(body, 3, Checkpointing.Binomial(2), [0], [true, true]), [x[0], .. outer, x[2]]);
            })
        { Reference = (x, _, _) => LoopReverseReference(x[0], x[1], x[2], 3) });
        // Implicit differentiation: √θ as the root of y² − θ; the linear solve of F = y³/3 + θ⊙y, M = diag(y² + θ).
        table.Add(Unary("Implicit: √θ as the root of y² − θ (dense)", typeof(P.ImplicitSolve), Domain.Positive,
            x => Implicit.Solve((y, θ) => y.Square() - θ, SqrtSolver, x, x.Shape, LinearSolver.Dense), Math.Sqrt));
        table.Add(Unary("Implicit: √θ as the root of y² − θ (GMRES)", typeof(P.ImplicitSolve), Domain.Positive,
            x => Implicit.Solve((y, θ) => y.Square() - θ, SqrtSolver, x, x.Shape), Math.Sqrt));
        foreach (var transposed in new[] { false, true })
            table.Add(new($"ImplicitLinear: (y² + θ)⁻¹⊙r{(transposed ? ", transposed" : "")}", typeof(P.ImplicitLinear), AnyRank, true,
                d => [In(S(d), Domain.Positive), In(S(d), Domain.Positive), In(S(d), any)],
                (x, _, _) => Node.Apply(new P.ImplicitLinear(P.Traced.Of("F", [x[0].Shape, x[1].Shape], v => [v[0].Pow(3) / 3 + v[1] * v[0]], [x[0].DType, x[1].DType]),
                    transposed, transposed ? LinearSolver.ConjugateGradient : LinearSolver.Gmres), x))
            {
                // No wider tolerance: H·w here once agreed with differences of the gradient to only 2e-9, because
                // conjugate gradients stopped at a residual of 1e-14·|r| and the iteration count changed with the inputs
                // (a value piecewise at that level). They stop at 1e-16·|r| now; 1,000 and 3,000 cases pass at the
                // common tolerance, native and managed.
                Reference = (x, _, _) => [.. x[2].Select((r, i) => r / (x[0][i] * x[0][i] + x[1][i]))],
            });
        return table;
    }

    static Tensor SqrtSolver(Tensor θ) => Tensor.FromColumnMajor(θ.Shape, [.. θ.Values.ToArray().Select(Math.Sqrt)]);

    static Node LoopStep(Node c, Node p) => c.Sin() * p + c / 3;

    /// <summary>c₀ … c_n of c ← sin(c)⊙p + c/3, element by element.</summary>
    static double[][] LoopReference(double[] c0, double[] p, int n)
    {
        var cs = new double[n + 1][];
        cs[0] = c0;
        for (int k = 0; k < n; k++) cs[k + 1] = [.. cs[k].Select((c, i) => Math.Sin(c) * p[i] + c / 3)];
        return cs;
    }

    /// <summary>c₀ … c₃ of c ← sin(c)⊙x_t + c/3 over the columns of the (n × 3) sequence <paramref name="xs"/>, read
    /// from the last column first when <paramref name="reverse"/>.</summary>
    static double[][] SequenceReference(double[] c0, double[] xs, bool reverse)
    {
        int n = c0.Length;
        var cs = new double[4][];
        cs[0] = c0;
        for (int k = 0; k < 3; k++)
        {
            int t = reverse ? 2 - k : k;
            cs[k + 1] = [.. cs[k].Select((c, i) => Math.Sin(c) * xs[t * n + i] + c / 3)];
        }
        return cs;
    }

    /// <summary>(c̄₀, p̄) = ∇⟨s, c_n⟩ by the hand-derived adjoint: c̄ ← c̄⊙(cos(c)⊙p + ⅓), p̄ += c̄⊙sin(c), backwards.</summary>
    static double[] LoopReverseReference(double[] c0, double[] p, double[] s, int n)
    {
        var cs = LoopReference(c0, p, n);
        var cbar = (double[])s.Clone();
        var pbar = new double[p.Length];
        for (int k = n - 1; k >= 0; k--)
            for (int i = 0; i < p.Length; i++)
            {
                pbar[i] += cbar[i] * Math.Sin(cs[k][i]);
                cbar[i] *= Math.Cos(cs[k][i]) * p[i] + 1.0 / 3;
            }
        return [.. cbar, .. pbar];
    }

    /// <summary>The row named <paramref name="name"/>.</summary>
    public static OpEntry Named(string name) => Entries.Single(e => e.Name == name);
}

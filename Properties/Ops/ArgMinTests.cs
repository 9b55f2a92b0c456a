using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>ArgMin's conventions (the first position at a tie, a run's first NaN, −0 before +0), the same on its
/// contiguous path (axis 0) and its strided one (axis 1); its int32 output and build-time error; and the derivative
/// of a minimum taken by gathering at the argmin, against the minimum's own rule. Many short contiguous runs (kmeans'
/// distances) are searched a vector of runs at a time: they must give each run's answer by the conventions.</summary>
public class ArgMinTests
{
    static int[] Positions(double[,] rows, int axis)
    {
        var x = Node.Constant(Tensor.Matrix(rows));
        var y = x.ArgMin(axis);
        Assert.Equal(DType.Int32, y.DType);
        var interpreted = Evaluator.Evaluate(y, Bindings.Empty).Ints.ToArray();
        Assert.Equal(interpreted, Plan.Compile(y).Run(Bindings.Empty)[0].Ints.ToArray());
        return interpreted;
    }

    [Fact]
    public void The_first_least_position_wins_along_either_axis()
    {
        // Column by column (axis 0) and, transposed, row by row (axis 1): one answer per run, written by hand.
        double[] a = [3, 1, 1, 2], b = [2, 2, 2, 2], c = [5, 0.0, -0.0, 1], d = [4, double.NaN, -9, double.NaN], e = [-1e300, 0, -1e300, double.NegativeInfinity];
        double[][] runs = [a, b, c, d, e];
        int[] expected = [1, 0, 2, 1, 3];
        var columns = new double[4, runs.Length];
        var rows = new double[runs.Length, 4];
        for (int r = 0; r < runs.Length; r++)
            for (int i = 0; i < 4; i++) (columns[i, r], rows[r, i]) = (runs[r][i], runs[r][i]);
        Assert.Equal(expected, Positions(columns, 0));
        Assert.Equal(expected, Positions(rows, 1));
    }

    [Fact]
    public void Long_runs_find_the_first_least_position()
    {
        // Runs longer than a vector register (and not a multiple of one): the least value placed late, then a tie
        // with an earlier copy of it.
        // Runs of 16 and more take the vector search, shorter ones the loop: the same answers on both sides.
        foreach (int length in new[] { 2, 7, 15, 16, 33, 1000 })
        {
            var column = new double[length, 4];
            for (int i = 0; i < length; i++) (column[i, 0], column[i, 1], column[i, 2], column[i, 3]) = (Math.Cos(i), 1 + i % 5, 1, -5);
            int last = length - 1;
            column[last, 0] = -2;
            column[last, 1] = 1;                           // ties with rows 0, 5, 10, …: row 0 wins
            (column[0, 2], column[last, 2]) = (0.0, -0.0); // −0 before +0, though later
            column[last, 3] = double.NaN;                  // a NaN wins, however late
            Assert.Equal([last, 0, last, last], Positions(column, 0));
        }
    }

    public sealed record ShortRunsCase(int Length, int Runs, double[] Values)
    {
        public override string ToString() => $"{Runs} runs of {Length}";
    }

    // Few distinct values, so ties are common, with the values whose order is a convention: NaN, ±0, ±∞, subnormals.
    static Gen<double> Element() => Gen.Frequency(
        (12, Gen.Choose(-3, 3).Select(k => (double)k)),
        (6, Gen.Choose(-1_000_000, 1_000_000).Select(k => k / 7.0)),
        (1, Gen.Elements(double.NaN, -double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon, -1e300)));

    static Arbitrary<ShortRunsCase> ShortRuns() =>
        (from length in Gen.Choose(1, 17)
         from runs in Gen.Elements(1, 7, 8, 9, 63, 128, 129, 300, 1001)
         from values in Gen.ArrayOf(Element(), length * runs)
         select new ShortRunsCase(length, runs, values)).ToArbitrary();

    [Property]
    public Property Many_short_runs_give_each_runs_first_least_position() =>
        Prop.ForAll(ShortRuns(), c =>
        {
            // Column j of the (length × runs) matrix is run j; the answer by the conventions, written out here.
            var expected = new int[c.Runs];
            for (int j = 0; j < c.Runs; j++)
            {
                var run = c.Values.AsSpan(j * c.Length, c.Length);
                int best = 0;
                for (int k = 1; k < run.Length && !double.IsNaN(run[best]); k++)
                    if (double.IsNaN(run[k]) || run[k] < run[best] || (run[k] == 0 && run[best] == 0 && double.IsNegative(run[k]) && !double.IsNegative(run[best])))
                        best = k;
                expected[j] = best;
            }
            var x = Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(c.Length, c.Runs), c.Values));
            Assert.Equal(expected, Evaluator.Evaluate(x.ArgMin(0), Bindings.Empty).Ints.ToArray());
            Assert.Equal(expected, Plan.Compile(x.ArgMin(0)).Run(Bindings.Empty)[0].Ints.ToArray());
            // The same runs as the rows of the transpose: the strided loop.
            Assert.Equal(expected, Evaluator.Evaluate(x.T().ArgMin(1), Bindings.Empty).Ints.ToArray());
        });

    [Fact]
    public void An_empty_axis_has_no_minimum()
    {
        var x = Node.Variable("x", Shape.Matrix(0, 3));
        Assert.Equal("ArgMin(0): axis 0 of (0×3) is empty: there is no minimum", Assert.Throws<ShapeException>(() => x.ArgMin(0)).Message);
    }

    [Fact]
    public void Gathering_at_the_argmin_has_the_minimums_derivative_and_none_through_the_positions()
    {
        // Column minima of a (3×4) matrix without ties: the entry at the argmin, picked per row of xᵀ.
        var x = Node.Variable("x", Shape.Matrix(3, 4));
        var at = Bindings.Empty.Bind(x, Tensor.Matrix(new double[,] { { 4, -1, 0.5, 2 }, { 3, 6, 0.25, 7 }, { 5, 2, 9, -3 } }));
        var gathered = x.T().PickPerRow(x.ArgMin(0));
        var u = Tensor.Vector(1, -2, 3, 0.5);
        Assert.Equal(Evaluator.Evaluate(x.Min(0), at).Values.ToArray(), Evaluator.Evaluate(gathered, at).Values.ToArray());
        Assert.Equal(AD.Vjp(x.Min(0), at, u, x).Cotangents[0].Values.ToArray(), AD.Vjp(gathered, at, u, x).Cotangents[0].Values.ToArray());
        // The positions carry nothing back: gathering a constant at them depends on x through them alone.
        var table = Node.Constant(Tensor.Vector(10, 20, 30));
        var only = table.Take(x.ArgMin(0)).Sum();
        Assert.All(AD.Grad(only, at, x)[0].Values.ToArray(), g => Assert.Equal(0, g));
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The softmax family and sums along an axis compute a run by different code depending on how the runs lie:
/// a long contiguous run alone (its tiles summed in rows of lanes); runs along a strided axis (a matrix's rows: runs
/// advanced together, a vector of neighbouring runs at a time, their running sums folded a tile at a time); many short
/// contiguous runs (copied into the rows of a block and computed as strided runs). All promise the additions of a run
/// alone, in its order, so the results must have the same bits, in float64 and in float32 (whose runs are gathered into
/// float64 blocks: whole runs, steps of neighbouring runs, or element by element).</summary>
public class ReductionPathTests
{
    public sealed record PathCase(int A, int B, int C, int Op, double[] Values)
    {
        public override string ToString() => $"{Names[Op]} along axis 1 of ({A}×{B}×{C})";
    }

    static readonly string[] Names = ["Softmax", "LogSoftmax", "LogSumExp"];

    static Node Apply(int op, Node x, int axis) => op switch
    {
        0 => x.Softmax(axis),
        1 => x.LogSoftmax(axis),
        _ => x.LogSumExp(axis),
    };

    // Mostly spread-out values, a few far ones and −∞ (a term that vanishes); runs long enough to cross tiles.
    static Gen<double> Element() => Gen.Frequency(
        (20, Gen.Choose(-2_000_000, 2_000_000).Select(k => k / 99_991.0)),
        (2, Gen.Choose(-700, 700).Select(k => (double)k)),
        (1, Gen.Constant(double.NegativeInfinity)));

    static Arbitrary<PathCase> Cases() =>
        (from a in Gen.Elements(1, 2, 3, 10, 37, 600)
         from b in Gen.Elements(1, 2, 10, 17, 1023, 1025, 3000)
         from c in Gen.Elements(1, 1, 2, 3)
         where a * b * c <= 60_000
         from op in Gen.Choose(0, 2)
         from values in Gen.ArrayOf(Element(), a * b * c)
         select new PathCase(a, b, c, op, values)).ToArbitrary();

    [Property]
    public Property Strided_runs_give_the_bits_of_contiguous_runs() =>
        Prop.ForAll(Cases(), c =>
        {
            // x is (A×B×C); p is its permutation (B×A×C), where the runs along x's axis 1 are p's contiguous columns.
            var permuted = new double[c.Values.Length];
            for (int i = 0; i < c.A; i++)
                for (int j = 0; j < c.B; j++)
                    for (int k = 0; k < c.C; k++) permuted[j + c.B * i + c.B * c.A * k] = c.Values[i + c.A * j + c.A * c.B * k];
            foreach (var type in new[] { DType.Float64, DType.Float32 })
            {
                Shape shape = Shape.Of([c.A, c.B, c.C]), shapeP = Shape.Of([c.B, c.A, c.C]);
                var x = Node.Variable("x", shape, type);
                var p = Node.Variable("p", shapeP, type);
                Tensor Bind(Shape s, double[] v) => type == DType.Float32 ? Tensor.FromColumnMajor32(s, [.. v.Select(e => (float)e)]) : Tensor.FromColumnMajor(s, v);
                var y = Evaluator.Evaluate(Apply(c.Op, x, 1), Bindings.Empty.Bind(x, Bind(shape, c.Values)));
                var yp = Evaluator.Evaluate(Apply(c.Op, p, 0), Bindings.Empty.Bind(p, Bind(shapeP, permuted)));
                for (int i = 0; i < c.A; i++)
                    for (int j = 0; j < (c.Op == 2 ? 1 : c.B); j++)
                        for (int k = 0; k < c.C; k++)
                        {
                            // LogSumExp drops the axis: (A×C) from x, (A×C) from p, in the same order.
                            int at = c.Op == 2 ? i + c.A * k : i + c.A * j + c.A * c.B * k;
                            int atP = c.Op == 2 ? i + c.A * k : j + c.B * i + c.B * c.A * k;
                            double u = y.Values[at], v = yp.Values[atP];
                            Assert.True(BitConverter.DoubleToInt64Bits(u) == BitConverter.DoubleToInt64Bits(v) || double.IsNaN(u) && double.IsNaN(v),
                                $"{c} in {type.Name()}, element ({i}, {j}, {k}): strided {u:R}, contiguous {v:R}");
                        }
            }
        });

    public sealed record ShortCase(int Length, int Runs, int Op, double[] Values)
    {
        public override string ToString() => $"{(Op == 3 ? "Sum" : Names[Op])} along axis 0 of ({Length}×{Runs})";
    }

    static Arbitrary<ShortCase> ShortCases() =>
        (from length in Gen.Choose(1, 40)
         from runs in Gen.Elements(1, 15, 16, 17, 300, 513, 1100)
         from op in Gen.Choose(0, 3)
         from values in Gen.ArrayOf(Element(), length * runs)
         select new ShortCase(length, runs, op, values)).ToArbitrary();

    /// <summary>Each column of a (length × runs) matrix, reduced along axis 0 with the others, has the bits of the same
    /// column reduced alone (a vector: one run, always the long-run path), for the softmax family and for sums.</summary>
    [Property]
    public Property Many_short_runs_give_the_bits_of_each_run_alone() =>
        Prop.ForAll(ShortCases(), c =>
        {
            foreach (var type in new[] { DType.Float64, DType.Float32 })
            {
                Tensor Bind(Shape s, ReadOnlySpan<double> v) => type == DType.Float32 ? Tensor.FromColumnMajor32(s, [.. v.ToArray().Select(e => (float)e)]) : Tensor.FromColumnMajor(s, v.ToArray());
                Node Reduce(Node x) => c.Op == 3 ? x.Sum(0) : Apply(c.Op, x, 0);
                var x = Node.Variable("x", Shape.Matrix(c.Length, c.Runs), type);
                var all = Evaluator.Evaluate(Reduce(x), Bindings.Empty.Bind(x, Bind(x.Shape, c.Values)));
                var column = Node.Variable("column", Shape.Vector(c.Length), type);
                var reduced = Reduce(column);
                int per = c.Op >= 2 ? 1 : c.Length;
                for (int g = 0; g < c.Runs; g++)
                {
                    var alone = Evaluator.Evaluate(reduced, Bindings.Empty.Bind(column, Bind(column.Shape, c.Values.AsSpan(g * c.Length, c.Length))));
                    for (int k = 0; k < per; k++)
                    {
                        double u = all.Values[g * per + k], v = alone.Values[k];
                        Assert.True(BitConverter.DoubleToInt64Bits(u) == BitConverter.DoubleToInt64Bits(v) || double.IsNaN(u) && double.IsNaN(v),
                            $"{c} in {type.Name()}, run {g}, element {k}: with the others {u:R}, alone {v:R}");
                    }
                }
            }
        });
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>A column-major m×n matrix.</summary>
public sealed record RowsCase(int M, int N, double[] Values)
{
    public override string ToString() => $"{M}×{N} [{string.Join(", ", Values.Take(24).Select(v => v.ToString("R")))}{(Values.Length > 24 ? ", …" : "")}]";
}

/// <summary>Matrices of 1–6 columns and 1–40 rows, a fifth of them 500–530 rows (across the 512-row blocks softmax
/// takes), values in [−60, 60] with some ±∞ and repeated maxima.</summary>
public static class RowsArbs
{
    static readonly Gen<double> Value = Gen.Frequency(
        (12, Gen.Choose(-60_000_000, 60_000_000).Select(i => i / 1e6)),
        (1, Gen.Elements(double.NegativeInfinity, 0.0, 5.0)));

    public static Arbitrary<RowsCase> Cases() =>
        (from n in Gen.Choose(1, 6)
         from m in Gen.Frequency((4, Gen.Choose(1, 40)), (1, Gen.Choose(500, 530)))
         from values in Gen.ArrayOf(Value, m * n)
         select new RowsCase(m, n, values)).ToArbitrary();
}

/// <summary>Softmax, log-softmax and log Σ exp along a matrix's rows take the block path (a column of the block at a
/// time, exponentials a vector at a time) and along a vector the run path: each row of the matrix's result equals the
/// row's own result bit for bit, the same exponentials added in the same order.</summary>
[Properties(Arbitrary = [typeof(RowsArbs)], MaxTest = 100)]
public class ReductionBitsTests
{
    [Property]
    public void Along_rows_equals_each_row_alone_bit_for_bit(RowsCase c)
    {
        var x = Node.Variable("x", Shape.Of([c.M, c.N]));
        var at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor(Shape.Of([c.M, c.N]), c.Values));
        var v = Node.Variable("v", Shape.Vector(c.N));
        foreach (var (name, matrix, row) in new (string, Func<Node, Node>, Func<Node, Node>)[]
        {
            ("softmax", m => m.Softmax(1), r => r.Softmax(0)),
            ("log-softmax", m => m.LogSoftmax(1), r => r.LogSoftmax(0)),
            ("log Σ exp", m => m.LogSumExp(1), r => r.LogSumExp(0)),
        })
        {
            var whole = Evaluator.Evaluate(matrix(x), at).Values.ToArray();
            int perRow = whole.Length / c.M;
            for (int i = 0; i < c.M; i++)
            {
                var rowValues = Enumerable.Range(0, c.N).Select(j => c.Values[i + j * c.M]).ToArray();
                var alone = Evaluator.Evaluate(row(v), Bindings.Empty.Bind(v, Tensor.Vector(rowValues))).Values.ToArray();
                for (int j = 0; j < perRow; j++)
                    Assert.True(BitConverter.DoubleToInt64Bits(whole[i + j * c.M]) == BitConverter.DoubleToInt64Bits(alone[j]),
                        $"{name}, row {i}, element {j}: {whole[i + j * c.M]:R} along rows, {alone[j]:R} alone");
            }
        }
    }
}

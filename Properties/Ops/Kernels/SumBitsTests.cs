using AutoDiff.Functional.Ops.Kernels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops.Kernels;

/// <summary>A vector of any length (a tile or several) and a shift for the exponential sums.</summary>
public sealed record LongArray(double[] Values, double Shift)
{
    public override string ToString() =>
        $"{Values.Length} values, shift {Shift:R}: [{string.Join(", ", Values.Take(20).Select(v => v.ToString("R")))}{(Values.Length > 20 ? ", …" : "")}]";
}

/// <summary>Lengths 1–67 mostly (every width's body and tail), a quarter 1000–3200 (across the tile boundaries at 1024,
/// 2048, 3072); values in [−40, 40] with, in a tenth of the arrays, special values among them.</summary>
public static class LongArrayArbs
{
    static readonly Gen<double> Plain = Gen.Choose(-40_000_000, 40_000_000).Select(i => i / 1e6);
    static readonly Gen<double> Special = Gen.Frequency((30, Plain),
        (1, Gen.Elements(0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.Epsilon, -750.0, 710.0)));

    public static Arbitrary<LongArray> Arrays() =>
        (from n in Gen.Frequency((3, Gen.Choose(1, 67)), (1, Gen.Choose(1000, 3200)))
         from special in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
         from values in Gen.ArrayOf(special ? Special : Plain, n)
         from shift in Gen.Frequency((3, Gen.Constant(double.NaN)), (1, Gen.Choose(-30, 30).Select(i => (double)i)))
         select new LongArray(values, double.IsNaN(shift) ? values.Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max() : shift)).ToArbitrary();
}

/// <summary>The sums behind Sum, log Σ exp and softmax (<see cref="VectorMath.Sum{F}(ReadOnlySpan{double}, double, Span{double})"/>)
/// follow one written order at every vector width: tiles of 1024 elements added in order from 0, within a tile sixteen
/// running sums (element k to sum k mod 16) added in the tree (0 + 8, …), (0 + 4, …), (0 + 2, …), 0 + 1. The reference
/// here is that order written as a plain loop of single additions, and each term exp(x − shift) is the scalar kernel's
/// own (KernelBitsTests checks that kernel at every width). Widths the machine lacks run the runtime's software fallback,
/// which rounds every operation the same way, so all four are checked everywhere.</summary>
[Properties(Arbitrary = [typeof(LongArrayArbs)], MaxTest = 100)]
public class SumBitsTests
{
    delegate double Tile(ReadOnlySpan<double> x, double shift, Span<double> terms);

    static readonly Tile[] PlainWidths =
    [
        VectorMath.TileSum<VectorMath.Plain, Lanes512, Twice<Lanes512>>, VectorMath.TileSum<VectorMath.Plain, Lanes256, Twice<Twice<Lanes256>>>,
        VectorMath.TileSum<VectorMath.Plain, Lanes128, Twice<Twice<Twice<Lanes128>>>>, VectorMath.TileSum<VectorMath.Plain, Scalar, Twice<Twice<Twice<Twice<Scalar>>>>>,
    ];
    static readonly Tile[] ExpWidths =
    [
        VectorMath.TileSum<VectorMath.ExpShifted, Lanes512, Twice<Lanes512>>, VectorMath.TileSum<VectorMath.ExpShifted, Lanes256, Twice<Twice<Lanes256>>>,
        VectorMath.TileSum<VectorMath.ExpShifted, Lanes128, Twice<Twice<Twice<Lanes128>>>>, VectorMath.TileSum<VectorMath.ExpShifted, Scalar, Twice<Twice<Twice<Twice<Scalar>>>>>,
    ];

    /// <summary>The written order: one addition at a time.</summary>
    static double Reference(double[] terms)
    {
        double total = 0;
        for (int start = 0; start < terms.Length; start += 1024)
        {
            var lanes = new double[16];
            for (int k = start; k < Math.Min(start + 1024, terms.Length); k++) lanes[(k - start) % 16] += terms[k];
            for (int half = 8; half >= 1; half /= 2)
                for (int k = 0; k < half; k++) lanes[k] += lanes[k + half];
            total += lanes[0];
        }
        return total;
    }

    static double[] ExpTerms(LongArray a) => [.. a.Values.Select(v => VectorMath.Exp(v - a.Shift))];

    static void Same(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual) || double.IsNaN(expected) && double.IsNaN(actual),
            $"{what}: {actual:R}, the written order gives {expected:R}");

    [Property]
    public void Every_width_adds_in_the_written_order(LongArray a)
    {
        var x = a.Values;
        var terms = ExpTerms(a);
        double plain = Reference(x), exp = Reference(terms);
        for (int w = 0; w < PlainWidths.Length; w++)
        {
            double sum = 0, expSum = 0;
            var kept = new double[x.Length];
            for (int start = 0; start < x.Length; start += 1024)
            {
                int n = Math.Min(1024, x.Length - start);
                sum += PlainWidths[w](x.AsSpan(start, n), a.Shift, default);
                expSum += ExpWidths[w](x.AsSpan(start, n), a.Shift, kept.AsSpan(start, n));
            }
            Same(plain, sum, $"Σ x at width {w}");
            Same(exp, expSum, $"Σ exp(x − shift) at width {w}");
            for (int i = 0; i < x.Length; i++) Same(terms[i], kept[i], $"term {i} kept at width {w}");
        }
    }

    /// <summary>The entry points the ops call: the machine's width, in place, and the tiles shared between the cores.</summary>
    [Property]
    public void The_ops_entry_points_add_in_the_written_order(LongArray a)
    {
        var x = a.Values;
        var terms = ExpTerms(a);
        double plain = Reference(x), exp = Reference(terms);
        Same(plain, VectorMath.Sum(x), "Σ x");
        Same(plain, VectorMath.Sum<VectorMath.Plain>(x, 0, x.Length, 0, null), "Σ x on the cores");
        var inPlace = (double[])x.Clone();
        Same(exp, VectorMath.Sum<VectorMath.ExpShifted>(inPlace, a.Shift, inPlace), "Σ exp(x − shift) in place");
        for (int i = 0; i < x.Length; i++) Same(terms[i], inPlace[i], $"term {i} in place");
        var padded = new double[x.Length + 5];
        x.CopyTo(padded, 3);
        var kept = new double[padded.Length];
        Same(exp, VectorMath.Sum<VectorMath.ExpShifted>(padded, 3, x.Length, a.Shift, kept), "Σ exp(x − shift) on the cores, from offset 3");
        for (int i = 0; i < x.Length; i++) Same(terms[i], kept[i + 3], $"term {i} on the cores");
    }

    /// <summary>Integer values add exactly (below 2⁵³) in any order: the sum must be the exact one, so every element is
    /// counted once, across tiles, tails and the cores. Lengths past the size where the ops split work between cores.</summary>
    [Theory]
    [InlineData(1), InlineData(17), InlineData(1023), InlineData(1025), InlineData(300_001)]
    public void Integer_sums_are_exact(int n)
    {
        var x = Enumerable.Range(0, n).Select(i => (double)(i % 1000 - 377)).ToArray();
        long exact = 0;
        for (int i = 0; i < n; i++) exact += i % 1000 - 377;
        Assert.Equal(exact, VectorMath.Sum(x));
        Assert.Equal(exact, VectorMath.Sum<VectorMath.Plain>(x, 0, n, 0, null));
        var v = Node.Variable("v", Shape.Vector(n));
        Assert.Equal(exact, Evaluator.Evaluate(v.Sum(), Bindings.Empty.Bind(v, Tensor.Vector(x))).Values[0]);
    }

    /// <summary>A vector long enough that softmax, log-softmax and log Σ exp share its tiles between the cores gives the
    /// bits of the same run as a matrix's row (the strided path, its runs advanced a column at a time); the softmax sums
    /// to 1 and log Σ exp agrees with an independent compensated sum.</summary>
    [Fact]
    public void A_long_run_split_between_the_cores_equals_the_same_run_as_a_row()
    {
        const int n = 300_003;
        var values = Enumerable.Range(0, n).Select(k => 20 * Math.Sin(0.37 * k) + Math.Cos(0.011 * k)).ToArray();
        var v = Node.Variable("v", Shape.Vector(n));
        var row = Node.Variable("row", Shape.Matrix(1, n));
        var at = Bindings.Empty.Bind(v, Tensor.Vector(values)).Bind(row, Tensor.FromColumnMajor(Shape.Matrix(1, n), values));
        foreach (var (name, alone, asRow) in new (string, Node, Node)[]
        {
            ("softmax", v.Softmax(0), row.Softmax(1)), ("log-softmax", v.LogSoftmax(0), row.LogSoftmax(1)), ("log Σ exp", v.LogSumExp(0), row.LogSumExp(1)),
        })
        {
            var a = Evaluator.Evaluate(alone, at).Values.ToArray();
            var b = Evaluator.Evaluate(asRow, at).Values.ToArray();
            for (int i = 0; i < a.Length; i++) Same(a[i], b[i], $"{name}, element {i}");
        }
        var softmax = Evaluator.Evaluate(v.Softmax(0), at).Values.ToArray();
        Assert.InRange(Neumaier(softmax), 1 - 1e-12, 1 + 1e-12);
        double max = values.Max();
        double lse = max + Math.Log(Neumaier([.. values.Select(e => Math.Exp(e - max))]));
        Assert.InRange(Evaluator.Evaluate(v.LogSumExp(0), at).Values[0], lse - 1e-12 * Math.Abs(lse), lse + 1e-12 * Math.Abs(lse));
    }

    static double Neumaier(double[] x)
    {
        double sum = 0, c = 0;
        foreach (var v in x)
        {
            double t = sum + v;
            c += Math.Abs(sum) >= Math.Abs(v) ? sum - t + v : v - t + sum;
            sum = t;
        }
        return sum + c;
    }
}

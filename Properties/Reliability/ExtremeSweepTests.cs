using AutoDiff.Functional.Properties.Ops;
using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>Every row of the op table on the extreme values (±0, subnormals, ±1e-300, ±1e-15, ±1, ±1e15, ±1e300, ±∞,
/// NaN) in every input: the value, the reverse gradient and the forward tangent never throw, and a plan gives the
/// interpreter's bits. Then the element-wise ops against exact identities at those values, within the ulp budget
/// stated per row (0 = the same bits).</summary>
public class ExtremeSweepTests
{
    static readonly double[] Extremes =
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, 1e-310, -1e-310, 1e-300, -1e-300, 1e-15, -1e-15, 1, -1,
        1e15, -1e15, 1e300, -1e300, double.PositiveInfinity, double.NegativeInfinity, double.NaN,
    ];

    public static TheoryData<string> Rows => new(OpTable.Entries.Select(e => e.Name));

    [Theory, MemberData(nameof(Rows))]
    public void Every_row_takes_extreme_values_without_throwing_and_a_plan_agrees(string row)
    {
        var entry = OpTable.Named(row);
        foreach (int[] dims in new[] { new[] { 4, 5 }, [19], [4, 5, 3], [4, 5, 3, 2] })
        {
            Input[] inputs;
            Node[] x;
            Node output;
            try
            {
                inputs = entry.Inputs(dims);
                x = [.. inputs.Select((input, i) => Node.Variable($"x{i}", input.Shape))];
                output = entry.Build(x, dims, 3);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException) { continue; } // other dimensions
            for (int shift = 0; shift < Extremes.Length; shift += 7)
            {
                var at = Bindings.Empty;
                for (int i = 0; i < x.Length; i++)
                    at = at.Bind(x[i], Tensor.FromColumnMajor(x[i].Shape,
                        [.. Enumerable.Range(0, x[i].Shape.Size).Select(k => Extremes[(k + shift + 5 * i) % Extremes.Length])]));
                Node[] outputs = !output.DType.IsFloat() ? [output] // positions (ArgMin) have no derivatives
                    : [output, .. Reverse.Grad(output.Shape.IsScalar ? output : output.Sum(), x), .. ForwardMode.Jvp([output], [.. x.Select(v => (v, (Node)Node.Constant(Tensor.Filled(v.Shape, 1))))])];
                Tensor[] interpreted;
                try { interpreted = Evaluator.Evaluate(outputs, at); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException && e is not ShapeException and not BindingException)
                {
                    // A clear run-time error naming the op (a singular or non-SPD matrix, a derivative that does not
                    // exist): the plan gives the same one.
                    Assert.Contains(":", e.Message);
                    Assert.Equal(e.Message, Assert.ThrowsAny<Exception>(() => Plan.Compile(outputs).Run(at)).Message);
                    continue;
                }
                var planned = Plan.Compile(outputs).Run(at);
                for (int k = 0; k < outputs.Length; k++)
                    Assert.True(BitsEqual(interpreted[k], planned[k]),
                        $"{row}, output {k}: plan and interpreter differ on extreme values");
            }
            return;
        }
        Assert.Fail($"{row}: no dimensions fit");
    }

    // Bit for bit, except that any two NaNs agree: IEEE leaves the payload and sign of a NaN result unspecified.
    static bool BitsEqual(Tensor a, Tensor b) =>
        a.ToFloat64().Values.ToArray().Zip(b.ToFloat64().Values.ToArray()).All(p => BitConverter.DoubleToInt64Bits(p.Item1) == BitConverter.DoubleToInt64Bits(p.Item2) ||
                                                          double.IsNaN(p.Item1) && double.IsNaN(p.Item2));

    /// <summary>Exact values of each element-wise op at the extremes (NaN where IEEE gives NaN), from closed forms and
    /// limits: e.g. σ(−1e15) = e^−1e15 underflows to 0, softplus(1e15) = 1e15 exactly, tanh(1e-15) = 1e-15 (the cubic
    /// term is below half an ulp).</summary>
    public static TheoryData<string, double, double, int> Identities => new()
    {
        { "Exp", 0, 1, 0 }, { "Exp", -0.0, 1, 0 }, { "Exp", 1e-300, 1, 0 }, { "Exp", -1e-300, 1, 0 }, { "Exp", 1e300, double.PositiveInfinity, 0 },
        { "Exp", -1e300, 0, 0 }, { "Exp", double.NegativeInfinity, 0, 0 }, { "Exp", double.NaN, double.NaN, 0 }, { "Exp", 1, Math.E, 1 },
        { "Log", 1, 0, 0 }, { "Log", 0, double.NegativeInfinity, 0 }, { "Log", -1, double.NaN, 0 }, { "Log", double.PositiveInfinity, double.PositiveInfinity, 0 },
        { "Log", 1e300, 690.77552789821368, 1 }, { "Log", 1e-300, -690.77552789821368, 1 }, { "Log", double.Epsilon, -744.44007192138126, 1 },
        { "Sqrt", -0.0, -0.0, 0 }, { "Sqrt", 1e-300, 1e-150, 1 }, { "Sqrt", 1e300, 1e150, 1 }, { "Sqrt", -1, double.NaN, 0 }, { "Sqrt", double.PositiveInfinity, double.PositiveInfinity, 0 },
        { "Sin", -0.0, -0.0, 0 }, { "Sin", 1e-300, 1e-300, 0 }, { "Sin", 1e-15, 1e-15, 0 }, { "Sin", double.PositiveInfinity, double.NaN, 0 },
        { "Cos", 0, 1, 0 }, { "Cos", 1e-15, 1, 0 }, { "Cos", double.NegativeInfinity, double.NaN, 0 },
        { "Tanh", -0.0, -0.0, 0 }, { "Tanh", 1e-15, 1e-15, 0 }, { "Tanh", -1e-300, -1e-300, 0 }, { "Tanh", 1e15, 1, 0 }, { "Tanh", -1e300, -1, 0 },
        { "Tanh", double.PositiveInfinity, 1, 0 }, { "Tanh", double.NaN, double.NaN, 0 }, { "Tanh", 1, 0.76159415595576489, 1 },
        { "Sigmoid", 0, 0.5, 0 }, { "Sigmoid", 1e-300, 0.5, 0 }, { "Sigmoid", 1e15, 1, 0 }, { "Sigmoid", -1e15, 0, 0 }, { "Sigmoid", -1e300, 0, 0 },
        { "Sigmoid", double.PositiveInfinity, 1, 0 }, { "Sigmoid", double.NegativeInfinity, 0, 0 }, { "Sigmoid", -40, 4.2483542552915889e-18, 2 },
        { "Sigmoid", 1, 0.7310585786300049, 1 }, { "Sigmoid", double.NaN, double.NaN, 0 },
        { "Softplus", 0, 0.69314718055994531, 1 }, { "Softplus", 1e-300, 0.69314718055994531, 1 }, { "Softplus", 1e15, 1e15, 0 }, { "Softplus", 1e300, 1e300, 0 },
        { "Softplus", -1e15, 0, 0 }, { "Softplus", -40, 4.2483542552915889e-18, 2 }, { "Softplus", double.PositiveInfinity, double.PositiveInfinity, 0 },
        { "Softplus", double.NegativeInfinity, 0, 0 },
        { "Square", 1e300, double.PositiveInfinity, 0 }, { "Square", 1e-300, 0, 0 }, { "Square", -0.0, 0, 0 },
        { "Neg", 0, -0.0, 0 }, { "Neg", double.NegativeInfinity, double.PositiveInfinity, 0 },
    };

    [Theory, MemberData(nameof(Identities))]
    public void Element_wise_ops_meet_exact_values_at_the_extremes(string row, double input, double expected, int ulps)
    {
        var x = Node.Variable("x", Shape.Scalar);
        var y = OpTable.Named(row).Build([x], [], 0);
        double actual = Evaluator.Evaluate(y, Bindings.Empty.Bind(x, input)).ToScalar();
        if (double.IsNaN(expected) || ulps == 0)
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual) || double.IsNaN(expected) && double.IsNaN(actual),
                $"{row}({input:R}) = {actual:R}, expected {expected:R} bit for bit");
        else
        {
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(actual - expected) <= ulps * ulp, $"{row}({input:R}) = {actual:R}, expected {expected:R} within {ulps} ulp");
        }
    }

    [Fact]
    public void FiniteCheck_names_the_op_where_IEEE_overflows()
    {
        var v = Node.Variable("v", Shape.Vector(2));
        var e = Assert.Throws<NonFiniteException>(() => FiniteCheck.Evaluate([v.Exp().Sum()], Bindings.Empty.Bind(v, Tensor.Vector(1e308, 1))));
        Assert.IsType<Functional.Ops.Exp>(e.Origin.Node.Op);
        Assert.StartsWith("non-finite value in the forward pass: Exp (2) produced 1 ±∞ of 2 element(s)", e.Message);
    }
}

using Xunit;
using static AutoDiff.Functional.Testing.Numerics;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The table's written derivatives are themselves checked, independently of the library: each f′ against
/// Richardson differences of the row's value reference, each f″ against differences of its f′, element by element over
/// the row's domain (its hard regions included), and every element-wise op has a row that states both.</summary>
public class DerivativeReferenceTests
{
    /// <summary>Differences reach ~1e-10 on these smooth functions; the bound adds their own error estimate, so a written
    /// f′ wrong by 1e-8 relative fails (the Derivative law then compares the op's rule with it to 1e-12).</summary>
    const double Tolerance = 1e-9;

    /// <summary>The arguments of output element i of an element-wise case: element i of each input, element 0 of a scalar.</summary>
    static double[] Arguments(double[][] x, int i) => [.. x.Select(v => v[v.Length == 1 ? 0 : i])];

    static void Agrees(string what, Func<double[], double> f, double[] args, int k, double expected, double absolute)
    {
        double[] G(double s) => [f([.. args.Select((a, j) => j == k ? a + s : a)])];
        var (value, error) = Richardson(G, StepScales(args[k]), s => args[k] + s - args[k], origin: args[k], noise: Noise(G, args[k]));
        if (!double.IsFinite(error[0])) return; // differences cannot resolve it here (the Derivative law still compares)
        Laws.Require(Math.Abs(expected - value[0]) <= Tolerance * Math.Abs(expected) + error[0] + absolute + Laws.UnderflowFloor,
            () => $"{what} at ({string.Join(", ", args)}) w.r.t. argument {k}: written {expected:R}, Richardson differences {value[0]:R} (error estimate {error[0]:G3})");
    }

    [Theory, MemberData(nameof(OpLaws.DerivativeRows), MemberType = typeof(OpLaws))]
    public void Written_first_derivative_matches_differences_of_the_value_reference(string row) => OpLaws.Holds(row, c =>
    {
        var entry = c.Entry;
        var x = c.InputValues;
        int n = entry.Reference!(x, c.Dims, c.Pick).Length, a = x.Length;
        double F(double[] args) => entry.Reference!([.. args.Select(v => new[] { v })], [], 0)[0];
        for (int i = 0; i < n; i++)
        {
            var args = Arguments(x, i);
            var d = entry.Derivative!(args);
            for (int k = 0; k < a; k++) Agrees("f′", F, args, k, d[k], entry.DerivativeAbsoluteError);
        }
    }, cases: 20);

    [Theory, MemberData(nameof(OpLaws.SecondDerivativeRows), MemberType = typeof(OpLaws))]
    public void Written_second_derivative_matches_differences_of_the_first(string row) => OpLaws.Holds(row, c =>
    {
        var entry = c.Entry;
        var x = c.InputValues;
        int n = entry.Reference!(x, c.Dims, c.Pick).Length, a = x.Length;
        for (int i = 0; i < n; i++)
        {
            var args = Arguments(x, i);
            var h = entry.SecondDerivative!(args);
            for (int k = 0; k < a; k++)
                for (int l = 0; l < a; l++)
                    Agrees("f″", v => entry.Derivative!(v)[k], args, l, h[k * a + l], 0);
        }
    }, cases: 20);

    /// <summary>Every element-wise op (UnaryElementwise, BinaryElementwise) has a row with a written f′ and f″, so the
    /// Derivative and SecondDerivative laws reach it.</summary>
    [Fact]
    public void Every_elementwise_op_has_a_row_with_written_derivatives()
    {
        var elementwise = typeof(Functional.Ops.Add).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(Functional.Ops.UnaryElementwise)) || t.IsSubclassOf(typeof(Functional.Ops.BinaryElementwise))))
            .ToList();
        var stated = OpTable.Entries.Where(e => e.Derivative is not null && e.SecondDerivative is not null && e.Covers is not null).Select(e => e.Covers!).ToHashSet();
        var missing = elementwise.Where(t => !stated.Contains(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"element-wise ops without a row stating f′ and f″: {string.Join(", ", missing)}");
        Assert.Contains(typeof(Functional.Ops.Polygamma), elementwise);
    }
}

using AutoDiff.Functional.Properties.Support;
using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>GradCheck is itself a claim: it must fail on broken rules, pass on correct ones, and difference in
/// float64 element by element with a step scaled to each element.</summary>
public class GradCheckTests
{
    static readonly Tensor X = Tensor.Matrix(new[,] { { 0.3, -1.2, 0.7 }, { 1.9, 0.05, -0.4 } });

    static GradCheckReport CheckFaulty(Fault fault)
    {
        var x = Node.Variable("x", X.Shape);
        return GradCheck.Check(Node.Apply(new FaultySin(fault), x).Square(), Bindings.Empty.Bind(x, X));
    }

    [Fact]
    public void Fails_on_a_wrong_VJP_and_says_reverse_mode_is_off()
    {
        var report = CheckFaulty(Fault.WrongVjp);
        Assert.False(report.Passed, report.ToString());
        var v = Assert.Single(report.Variables);
        Assert.True(v.ReverseVsFdRel > 1e-2, report.ToString());
        Assert.True(v.ForwardVsFdRel < 1e-7, report.ToString());
        Assert.Contains("FAILED", report.ToString());
    }

    [Fact]
    public void Fails_on_a_wrong_JVP_and_says_forward_mode_is_off()
    {
        var report = CheckFaulty(Fault.WrongJvp);
        Assert.False(report.Passed, report.ToString());
        var v = Assert.Single(report.Variables);
        Assert.True(v.ForwardVsFdRel > 1e-2, report.ToString());
        Assert.True(v.ReverseVsFdRel < 1e-7, report.ToString());
    }

    [Fact]
    public void Fails_on_a_VJP_wrong_by_1e_8_through_the_mode_comparison()
    {
        var report = CheckFaulty(Fault.SlightlyWrongVjp);
        Assert.False(report.Passed, report.ToString());
        var v = Assert.Single(report.Variables);
        Assert.True(v.ReverseVsFdRel < 1e-5 && v.ReverseVsForwardRel > 1e-11, report.ToString());
        Assert.True(report.AdjointRelError > 1e-11, report.ToString());
    }

    [Fact]
    public void Passes_on_correct_rules()
    {
        var report = CheckFaulty(Fault.None);
        Assert.True(report.Passed, report.ToString());
        Assert.Contains("passed", report.ToString());
    }

    [Fact]
    public void Passes_on_several_variables_and_a_non_scalar_output()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 3));
        var v = Node.Variable("v", Shape.Vector(3));
        var b = Bindings.Empty.Bind(a, X).Bind(v, Tensor.Vector(0.5, -1, 2));
        var report = GradCheck.Check(a.MatMul(v).Tanh(), b);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(["A", "v"], report.Variables.Select(c => c.Variable));
    }

    /// <summary>Per element: if a step moved a whole row (the seed's mistake with a flat index), the differences of
    /// a function with a non-diagonal Jacobian would mix partials and the check would fail a correct op.
    /// Float64 with a scaled step: at |x| ~ 1e4, x³ differenced with h ≈ 6e-6·|x| agrees to ~1e-10 relative, where a
    /// fixed step 6e-6 leaves ~1e-7 of round-off and float32 would leave garbage.</summary>
    [Fact]
    public void Differences_are_float64_per_element_with_a_scaled_step()
    {
        var x = Node.Variable("x", Shape.Matrix(2, 2));
        var big = Tensor.Matrix(new[,] { { 1.2e4, -3.1e4 }, { 2.2e4, 0.7e4 } });
        var coupled = (x.Pow(3) * x.T()).Sum(); // Σ xᵢⱼ³ xⱼᵢ: off-diagonal partials
        var report = GradCheck.Check(coupled, Bindings.Empty.Bind(x, big));
        Assert.True(report.Passed, report.ToString());
        var v = Assert.Single(report.Variables);
        Assert.True(v.ReverseVsFdRel < 1e-9 && v.ForwardVsFdRel < 1e-9, report.ToString());

        // The same function differenced with a fixed step, as a check of the claim above.
        double h = Numerics.Step(1), xp = big[0, 0] + h, xm = big[0, 0] - h;
        double F(double x00) => Math.Pow(x00, 3) * x00 + Math.Pow(-3.1e4, 3) * 2.2e4 + Math.Pow(2.2e4, 3) * -3.1e4 + Math.Pow(0.7e4, 4);
        double fixedStep = (F(xp) - F(xm)) / (xp - xm), exact = 4 * Math.Pow(big[0, 0], 3);
        Assert.True(Math.Abs(fixedStep - exact) / exact > 1e-9, "a fixed step should lose accuracy at this magnitude");
    }

    [Fact]
    public void Step_and_epsilon_are_float64()
    {
        Assert.Equal(Math.Pow(2, -52), GradCheck.Epsilon);
        Assert.NotEqual(double.Epsilon, GradCheck.Epsilon);
    }
}

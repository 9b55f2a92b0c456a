using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>The variables the library makes for tangents and cotangents never clash with a user's: a variable named
/// '∂w' (the name a tangent seed of 'w' would take) beside 'w' is just another variable.</summary>
public class SeedNameTests
{
    static readonly Node W = Node.Variable("w", Shape.Vector(3));
    static readonly Node DW = Node.Variable("∂w", Shape.Vector(3));
    static readonly Node DW1 = Node.Variable("∂w′", Shape.Vector(3));
    static readonly Node U = Node.Variable("u", Shape.Vector(3));

    // f = sin(w) ⊙ ∂w + ∂w′ ⊙ u: ∂f/∂w = diag(cos w ⊙ ∂w), ∂f/∂(∂w) = diag(sin w).
    static readonly Node Output = W.Sin() * DW + DW1 * U;
    static readonly double[] Wv = [0.5, -1, 2], DWv = [3, -2, 0.25];
    static readonly Bindings At = Bindings.Empty.Bind(W, Tensor.Vector(Wv)).Bind(DW, Tensor.Vector(DWv))
        .Bind(DW1, Tensor.Vector(1, 2, 3)).Bind(U, Tensor.Vector(-1, 0, 1));

    [Fact]
    public void GradCheck_passes_with_a_user_variable_named_like_a_tangent()
    {
        var report = GradCheck.Check(Output.Sum(), At);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(["w", "∂w", "∂w′", "u"], report.Variables.Select(v => v.Variable));
    }

    [Fact]
    public void JacFwd_JacRev_and_Hessian_work_beside_a_user_variable_named_like_a_seed()
    {
        foreach (var jacobian in new[] { AD.JacFwd(Output, At, W, DW), AD.JacRev(Output, At, W, DW) })
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    Assert.Equal(i == j ? Math.Cos(Wv[i]) * DWv[i] : 0, jacobian[i, j], 1e-15);
                    Assert.Equal(i == j ? Math.Sin(Wv[i]) : 0, jacobian[i, 3 + j], 1e-15);
                }
        // ∂²(Σ sin w ⊙ ∂w)/∂w∂(∂w) = diag(cos w)
        var hessian = AD.Hessian(Output.Sum(), At, W, DW);
        for (int i = 0; i < 3; i++)
            Assert.Equal(Math.Cos(Wv[i]), hessian[i, 3 + i], 1e-15);
    }
}

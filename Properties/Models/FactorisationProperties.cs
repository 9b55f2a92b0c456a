using AutoDiff.Functional.Models;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

[Properties(Arbitrary = [typeof(FactorisationArbs)], MaxTest = 100)]
public class FactorisationProperties
{
    static (FactorisationModel Model, Bindings At) Build(FactorisationCase c)
    {
        var (m, n, k) = c.Dims;
        var model = MatrixFactorisation.Build(m, n, k, c.Lambda);
        return (model, model.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.U), Tensor.Matrix(c.V)));
    }

    [Property]
    public void Both_gradients_from_one_pass_equal_the_analytic_gradients(FactorisationCase c)
    {
        var (model, at) = Build(c);
        var (value, gradU, gradV) = MatrixFactorisation.ValueAndGrad(model, at);
        var (X, U, V) = c.MathNet;
        var (loss, refU, refV) = FactorisationReference.Gradient(X, U, V, c.Lambda);

        Assert.True(Math.Abs(value.ToScalar() - loss) <= 1e-12 * Math.Max(1, loss), $"loss {value.ToScalar()} vs {loss}");
        double errU = Seed000Draw.RelError(gradU.Values, refU.ToColumnMajorArray());
        double errV = Seed000Draw.RelError(gradV.Values, refV.ToColumnMajorArray());
        Assert.True(errU <= 1e-10 && errV <= 1e-10, $"relative errors U {errU:E2}, V {errV:E2}");
    }

    [Property]
    public void Gradients_pass_the_finite_difference_check(FactorisationCase c)
    {
        var (model, at) = Build(c);
        var report = GradCheck.Check(model.Loss, at, [model.U, model.V]);
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void The_prebuilt_gradient_graph_equals_the_analytic_gradients(FactorisationCase c)
    {
        var (model, at) = Build(c);
        var (value, gradU, gradV) = MatrixFactorisation.Gradient(model).Evaluate(at);
        var (X, U, V) = c.MathNet;
        var (loss, refU, refV) = FactorisationReference.Gradient(X, U, V, c.Lambda);
        Assert.True(Math.Abs(value.ToScalar() - loss) <= 1e-12 * Math.Max(1, loss));
        Assert.True(Seed000Draw.RelError(gradU.Values, refU.ToColumnMajorArray()) <= 1e-10);
        Assert.True(Seed000Draw.RelError(gradV.Values, refV.ToColumnMajorArray()) <= 1e-10);
    }
}

using AutoDiff.Functional.Models;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

[Properties(Arbitrary = [typeof(SoftmaxArbs)], MaxTest = 100)]
public class SoftmaxProperties
{
    static (LinearClassifier Model, Bindings At) Linear(SoftmaxCase c)
    {
        var (_, n, C) = c.Dims;
        var model = SoftmaxClassifier.BuildLinear(n, C, c.Labels);
        return (model, model.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.W), Tensor.Vector(c.B)));
    }

    static void AssertMatchesClosedForm(SoftmaxCase c, double tolerance)
    {
        var (model, at) = Linear(c);
        var (value, grads) = AD.ValueAndGrad(model.Loss, at, model.W, model.B);
        var (loss, gradW, gradB) = SoftmaxReference.Gradient(c.X, c.W, c.B, c.Labels);

        Assert.True(double.IsFinite(value.ToScalar()), $"loss {value.ToScalar()}");
        Assert.True(Math.Abs(value.ToScalar() - loss) <= 1e-12 * Math.Max(1, Math.Abs(loss)), $"loss {value.ToScalar()} vs {loss}");
        // Errors relative to the size of the terms summed, Σᵢ|Xᵢⱼ·Gᵢc| and Σᵢ|Gᵢc|: at saturated logits ∂L/∂b is a
        // cancelling sum of ±1/N whose exact value may be 1e-12, so the size of the result alone is no scale.
        var G = SoftmaxReference.LogitGradient(c.X, c.W, c.B, c.Labels);
        var (N, n, C) = c.Dims;
        // Gᵢc = (pᵢc − yᵢc)/N itself cancels when pᵢc ≈ 1 = yᵢc, so each term's size is |Gᵢc| plus 2/N at the label:
        // the p/N and y/N whose difference it is (round-off in p near 1 is ulp(1)/N whatever the formulation).
        double Term(int i, int k) => Math.Abs(G[i, k]) + (c.Labels[i] == k ? 2.0 / N : 0);
        double scaleW = 0, scaleB = 0;
        for (int k = 0; k < C; k++)
        {
            double sb = 0;
            for (int i = 0; i < N; i++) sb += Term(i, k);
            scaleB = Math.Max(scaleB, sb);
            for (int j = 0; j < n; j++)
            {
                double sw = 0;
                for (int i = 0; i < N; i++) sw += Math.Abs(c.X[i, j]) * Term(i, k);
                scaleW = Math.Max(scaleW, sw);
            }
        }
        double errW = Seed000Draw.AbsError(grads[0].Values, Seed000Draw.ColumnMajor(gradW)) / Math.Max(scaleW, double.Epsilon);
        double errB = Seed000Draw.AbsError(grads[1].Values, gradB) / Math.Max(scaleB, double.Epsilon);
        Assert.True(errW <= tolerance && errB <= tolerance, $"relative errors W {errW:E2}, b {errB:E2}");
    }

    [Property]
    public void Linear_gradient_equals_the_closed_form(SoftmaxCase c) => AssertMatchesClosedForm(c, 1e-10);

    [Property]
    public void Linear_gradient_passes_the_finite_difference_check(SoftmaxCase c)
    {
        var (model, at) = Linear(c);
        var report = GradCheck.Check(model.Loss, at, [model.W, model.B]);
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void At_logits_of_magnitude_1e3_the_loss_is_finite_and_the_gradient_exact(SoftmaxCase c)
    {
        // Scale W and b so the largest |logit| is 1000: exp would overflow without the stable formulation.
        var (N, n, C) = c.Dims;
        double largest = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < C; k++)
            {
                double s = c.B[k];
                for (int j = 0; j < n; j++) s += c.X[i, j] * c.W[j, k];
                largest = Math.Max(largest, Math.Abs(s));
            }
        if (largest < 1e-3) return; // the logits are all (near) zero: no scale reaches 1e3
        double scale = 1000 / largest;
        var W = (double[,])c.W.Clone();
        for (int j = 0; j < n; j++)
            for (int k = 0; k < C; k++) W[j, k] *= scale;
        AssertMatchesClosedForm(c with { W = W, B = [.. c.B.Select(v => v * scale)] }, 1e-10);
    }

    [Property]
    public void Deep_gradient_equals_hand_written_backpropagation(DeepCase c)
    {
        var model = SoftmaxClassifier.BuildDeep(c.X.GetLength(1), c.Hidden, c.W2.GetLength(1), c.Labels);
        var at = model.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.W1), Tensor.Vector(c.B1), Tensor.Matrix(c.W2), Tensor.Vector(c.B2));
        var (value, grads) = AD.ValueAndGrad(model.Loss, at, model.Parameters);
        var (loss, gW1, gb1, gW2, gb2) = SoftmaxReference.DeepGradient(c.X, c.W1, c.B1, c.W2, c.B2, c.Labels);

        Assert.True(Math.Abs(value.ToScalar() - loss) <= 1e-12 * Math.Max(1, loss), $"loss {value.ToScalar()} vs {loss}");
        // Absolute errors against a unit scale: the terms summed are O(1) here (|tanh| ≤ 1, values ≤ 1.5, G ≤ 1/N),
        // and a gradient entry that cancels to nearly zero must not inflate a relative measure.
        double[][] expected = [Seed000Draw.ColumnMajor(gW1), gb1, Seed000Draw.ColumnMajor(gW2), gb2];
        for (int k = 0; k < 4; k++)
        {
            double err = Seed000Draw.AbsError(grads[k].Values, expected[k]) / Math.Max(1, expected[k].Select(Math.Abs).DefaultIfEmpty().Max());
            Assert.True(err <= 1e-10, $"{model.Parameters[k]}: error {err:E2}");
        }
    }

    [Property]
    public void Deep_gradient_passes_the_finite_difference_check(DeepCase c)
    {
        var model = SoftmaxClassifier.BuildDeep(c.X.GetLength(1), c.Hidden, c.W2.GetLength(1), c.Labels);
        var at = model.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.W1), Tensor.Vector(c.B1), Tensor.Matrix(c.W2), Tensor.Vector(c.B2));
        var report = GradCheck.Check(model.Loss, at, model.Parameters);
        Assert.True(report.Passed, report.ToString());
    }
}

// The code of docs/extending.md section 4, compiled here; ExtendingGuideTests checks the guide shows exactly this.
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

public static class ExtendingExample
{
    public static GradCheckReport CheckSoftplus()
    {
        // GUIDE:begin
        var x = Node.Variable("x", Shape.Matrix(2, 3));
        var W = Node.Variable("W", Shape.Matrix(3, 2));
        var loss = x.MatMul(W).Softplus().Sum();           // the new op inside a small model

        var at = Bindings.Empty
            .Bind(x, Tensor.Matrix(new double[,] { { 0.5, -1, 2 }, { -3, 0.25, 1 } }))
            .Bind(W, Tensor.Matrix(new double[,] { { 1, -2 }, { 0.5, 0 }, { -1, 3 } }));

        var report = GradCheck.Check(loss, at);            // reverse vs forward vs finite differences
        Assert.True(report.Passed, report.ToString());      // prints the table of worst errors when it fails
        // GUIDE:end
        return report;
    }
}

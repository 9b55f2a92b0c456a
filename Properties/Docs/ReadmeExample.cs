// The README's example, compiled here; ReadmeExampleTests checks the README shows exactly this code.
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Properties.Docs;

public static class ReadmeExample
{
    public static (double Loss, DenseVector GradW) Run()
    {
        // README:begin
        // loss(w) = mean((X·w − y)²) + ‖w‖² / 10, for a data matrix X (4×3) and targets y (4)
        var X = Node.Variable("X", Shape.Matrix(4, 3));
        var y = Node.Variable("y", Shape.Vector(4));
        var w = Node.Variable("w", Shape.Vector(3));
        var loss = (X.MatMul(w) - y).Square().Mean() + w.SquaredNorm() / 10;

        var at = Bindings.Empty
            .Bind(X, DenseMatrix.OfArray(new double[,] { { 1, 2, 0 }, { 0, 1, 1 }, { 2, 0, 1 }, { 1, 1, 1 } }))
            .Bind(y, DenseVector.OfArray([1.0, 2, 3, 4]))
            .Bind(w, DenseVector.OfArray([0.5, -0.25, 1]));

        var (value, gradients) = AD.ValueAndGrad(loss, at, w);   // one backward pass
        DenseVector gradW = gradients[0].AsVector();             // zero-copy MathNet view

        var check = GradCheck.Check(loss, at);                   // reverse vs forward vs finite differences
        Console.WriteLine($"loss = {value.ToScalar()}, ∇w = {gradW}, {(check.Passed ? "gradients check" : check)}");
        // README:end
        return (value.ToScalar(), gradW);
    }
}

// The code of docs/linear-algebra.md "Least squares by QR", compiled here; LinearAlgebraGuideTests checks the guide
// shows exactly this.
namespace AutoDiff.Functional.Properties.Docs;

public static class LeastSquaresExample
{
    /// <summary>The least-squares solution x of A·x ≈ b by QR, the residual ‖A·x − b‖², and its gradients in A and b.</summary>
    public static (Tensor X, double Residual, Tensor GradA, Tensor GradB) Run(Tensor aValue, Tensor bValue)
    {
        // GUIDE:begin
        var A = Node.Variable("A", aValue.Shape);                           // m×n, m ≥ n, full column rank
        var b = Node.Variable("b", bValue.Shape);                           // m

        var (Q, R) = A.Qr();                                                // A = Q·R, R upper triangular
        var x = R.TriangularSolve(Q.T().MatMul(b), lower: false);           // x = R⁻¹·Qᵀ·b
        var residual = (A.MatMul(x) - b).SquaredNorm();

        var at = Bindings.Empty.Bind(A, aValue).Bind(b, bValue);
        var (value, gradients) = AD.ValueAndGrad(residual, at, A, b);       // through the QR's rules
        var solution = Evaluator.Evaluate(x, at);
        // GUIDE:end
        return (solution, value.ToScalar(), gradients[0], gradients[1]);
    }
}

// The code of docs/loops.md "Scans over sequences", compiled here; LoopsGuideTests checks the guide shows exactly this.
namespace AutoDiff.Functional.Properties.Docs;

public static class ScanExample
{
    /// <summary>An RNN cell h ← tanh(W h + U x_t) over a (2 × T) sequence, the loss Σ_t ‖h_t‖², and its gradient in W.</summary>
    public static (double Loss, Tensor GradW) Run(Tensor wValue, Tensor uValue, Tensor xsValue)
    {
        // GUIDE:begin
        var W = Node.Variable("W", Shape.Matrix(3, 3));
        var U = Node.Variable("U", Shape.Matrix(3, 2));
        var xs = Node.Variable("xs", Shape.Matrix(2, xsValue.Shape[1]));    // one column per step

        var (last, hs) = Loop.Scan(xs, Node.Zeros(Shape.Vector(3)), (h, x) =>
        {
            var next = (W.MatMul(h) + U.MatMul(x)).Tanh();
            return (next, next);                                            // the new carry, and what to emit
        });
        var loss = hs.Square().Sum();                                       // hs is (3 × T): h₁ … h_T as columns

        var at = Bindings.Empty.Bind(W, wValue).Bind(U, uValue).Bind(xs, xsValue);
        var (value, gradient) = AD.ValueAndGrad(loss, at, W);               // one loop node forward, one reversed
        // GUIDE:end
        return (value.ToScalar(), gradient[0]);
    }
}

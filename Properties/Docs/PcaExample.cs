// The code of docs/linear-algebra.md "Principal components by Eigh", compiled here; LinearAlgebraGuideTests checks the
// guide shows exactly this.
namespace AutoDiff.Functional.Properties.Docs;

public static class PcaExample
{
    /// <summary>The share of the variance of the rows of X (samples × features) along its top principal direction, and
    /// its gradient in X.</summary>
    public static (double Share, Tensor GradX) Run(Tensor xValue)
    {
        // GUIDE:begin
        var X = Node.Variable("X", xValue.Shape);                           // samples × features
        int samples = xValue.Shape[0], features = xValue.Shape[1];
        var centred = X - X.Mean(0).BroadcastRows(samples);
        var covariance = centred.T().MatMul(centred) / (samples - 1.0);
        var (w, _) = covariance.Eigh();                                     // eigenvalues ascending
        var share = w.At(features - 1) / w.Sum();                           // explained by the first component

        var (value, gradient) = AD.ValueAndGrad(share, Bindings.Empty.Bind(X, xValue), X);
        // GUIDE:end
        return (value.ToScalar(), gradient[0]);
    }
}

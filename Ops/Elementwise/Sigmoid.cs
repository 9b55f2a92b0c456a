using System.Runtime.Intrinsics;

namespace AutoDiff.Functional.Ops;

/// <summary>σ(x) = 1/(1 + e⁻ˣ), stable both ways: the forward pass never overflows, and the derivative is
/// σ(x)·σ(−x) rather than y(1 − y), which would round to zero for x &gt; 37 where the true value is still ~1e-17.</summary>
internal sealed record Sigmoid : UnaryElementwise
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        // The stable form, four lanes at a time: e = exp(−|x|) never overflows; σ = 1/(1 + e) for x ≥ 0, e/(1 + e) below.
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<double>.Count <= x.Length; i += Vector256<double>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<double>.Count));
                var e = Vector256.Exp(-Vector256.Abs(v));
                var sum = Vector256<double>.One + e;
                Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<double>.Zero), Vector256<double>.One / sum, e / sum)
                    .CopyTo(y.Slice(i, Vector256<double>.Count));
            }
        for (; i < x.Length; i++)
        {
            double v = x[i];
            if (v >= 0) y[i] = 1 / (1 + Math.Exp(-v));
            else { double e = Math.Exp(v); y[i] = e / (1 + e); }
        }
    }

    /// <inheritdoc/>
    protected override Node Derivative(Node x, Node y) => y * (-x).Sigmoid();
}

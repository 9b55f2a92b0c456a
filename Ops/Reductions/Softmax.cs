using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>softmax along one axis, exp(x − max) / Σ exp(x − max): the shift by the maximum is exact where it
/// matters (Sterbenz), so the result is right at any finite magnitude (softmax of (1e17, 1e17) is (½, ½), where
/// exp(x − logΣexp x) gives (1, 1)). Its derivative ẏ = y ⊙ (ṫ − Σ y ⊙ ṫ) reuses the output.</summary>
internal sealed record Softmax(int Axis) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        Ops.Axis.Remove(this, x[0], Axis);
        return x[0];
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Shifted(x[0], Axis, y, log: false);

    /// <summary>exp(x − max) / Σ exp(x − max), or its logarithm (x − max) − log Σ exp(x − max), along each run of
    /// <paramref name="axis"/>. A run holding +∞ or only −∞ follows IEEE (NaN, as x − max is).</summary>
    internal static void Shifted(Tensor x, int axis, double[] y, bool log)
    {
        if (x.Shape.Size == 0) return;
        var walk = new Axis(x.Shape, axis);
        var a = x.Storage;
        for (int g = 0; g < walk.Groups; g++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) max = Math.Max(max, a[p]);
            double s = 0;
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride) s += Math.Exp(a[p] - max);
            double logS = Math.Log(s);
            for (int k = 0, p = walk.Start(g); k < walk.Length; k++, p += walk.Stride)
                y[p] = log ? a[p] - max - logS : Math.Exp(a[p] - max) / s;
        }
    }

    Node Spread(Node reduced, Node like) => Node.Apply(new Broadcast(Axis, like.Shape[Axis]), reduced);

    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? y * (t0 - Spread((y * t0).Sum(Axis), y)) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) =>
        [y * (ct - Spread((ct * y).Sum(Axis), y))];
}

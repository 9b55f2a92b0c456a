using System.Collections.Immutable;

namespace AutoDiff.Functional.Properties.Support;

/// <summary>What is wrong with a <see cref="FaultySin"/>.</summary>
public enum Fault
{
    /// <summary>Nothing: sin with its true rules, the control.</summary>
    None,
    /// <summary>The VJP uses sin instead of cos.</summary>
    WrongVjp,
    /// <summary>The JVP uses sin instead of cos.</summary>
    WrongJvp,
    /// <summary>The VJP is off by a factor 1 + 1e-8: invisible to finite differences, visible to the adjoint identity.</summary>
    SlightlyWrongVjp,
    /// <summary>The batching rule applies cos.</summary>
    WrongBatch,
}

/// <summary>A test-only sin with a deliberately broken rule, to show that the checks catch broken rules. It lives
/// in the test assembly, so the coverage law (which reflects over Graph and Ops) does not ask for a table row.</summary>
public sealed record FaultySin(Fault Fault) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Sin(x[0].Values[i]);
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
        t[0] is { } t0 ? t0 * (Fault == Fault.WrongJvp ? x[0].Sin() : x[0].Cos()) : null;
    /// <inheritdoc/>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k) =>
        Fault == Fault.WrongBatch ? xb[0]!.Cos() : Node.Apply(this, xb[0]!);
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => Fault switch
    {
        Fault.WrongVjp => [ct * x[0].Sin()],
        Fault.SlightlyWrongVjp => [ct * x[0].Cos() * (1 + 1e-8)],
        _ => [ct * x[0].Cos()],
    };
}

/// <summary>eˣ with a derivative rule written once and shared by both modes (as <see cref="AutoDiff.Functional.Ops.UnaryElementwise"/>
/// does), off by a factor 1 + <paramref name="RelativeError"/>: the adjoint identity cannot see it, as both modes
/// multiply by the same wrong graph.</summary>
public sealed record SharedFaultyExp(double RelativeError) : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Math.Exp(x[0].Values[i]);
    }
    Node Derivative(Node y) => y * (1 + RelativeError);
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? t0 * Derivative(y) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * Derivative(y)];
}

/// <summary>eˣ − 1 with the derivative rule Expm1 had, y + 1: right to the last digit near 0, but y + 1 rounds to
/// 1 − 1 + eˣ, losing every digit of eˣ below x ≈ −37 (0 instead of eˣ) and most of them from x ≈ −10 on.</summary>
public sealed record OldExpm1 : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            // Kahan's correction, as the op computes the value: exp rounds, (u − 1)·x/ln u divides the rounding out.
            double v = x[0].Values[i], u = Math.Exp(v);
            y[i] = u == 1 ? v : u - 1 == -1 || double.IsPositiveInfinity(u) ? u - 1 : (u - 1) * v / Math.Log(u);
        }
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? t0 * (y + 1.0) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * (y + 1.0)];
}

/// <summary>log σ(x) whose derivative has the wrong sign, −σ(−x), written in both modes: wrong by 2σ(−x), which is
/// below 1e-6 for x &gt; 14 (2e-9 at x = 20), where a tolerance with a floor of 1 sees nothing.</summary>
public sealed record SignFlippedLogSigmoid : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = -Math.Log(1 + Math.Exp(-x[0].Values[i]));
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? -t0 * (-x[0]).Sigmoid() : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [-ct * (-x[0]).Sigmoid()];
}

/// <summary>x² whose derivative 2x is itself differentiated wrongly: the gradient graph uses <see cref="ScaledTwice"/>,
/// whose own rules say 2·(1 + 1e-7) where they mean 2. Both second-order modes agree (they share the wrong rule) and
/// the first derivative is exact, so only a reference for f″, or differences of the gradient at a tolerance below
/// 1e-7, can see it.</summary>
public sealed record SelfConsistentSquare : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[0].Values[i] * x[0].Values[i];
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? t0 * Node.Apply(new ScaledTwice(), x[0]) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * Node.Apply(new ScaledTwice(), x[0])];
}

/// <summary>2x with a derivative 2·(1 + 1e-7) in both modes: see <see cref="SelfConsistentSquare"/>.</summary>
public sealed record ScaledTwice : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = 2 * x[0].Values[i];
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0] is { } t0 ? t0 * (2 * (1 + 1e-7)) : null;
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * (2 * (1 + 1e-7))];
}

/// <summary>A·B whose VJP for A leaves out the last term of the inner dimension when it is above 64, as a blocked kernel
/// that forgets its remainder tile would: right at every size the default dimensions (1–6) reach.</summary>
public sealed record TiledMatMul : Op
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Matrix(x[0][0], x[1][1]);
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        int m = x[0].Shape[0], k = x[0].Shape[1], n = x[1].Shape[1];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += x[0].Values[i + p * m] * x[1].Values[p + j * k];
                y[i + j * m] = s;
            }
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        Node? a = t[0] is { } ta ? ta.MatMul(x[1]) : null, b = t[1] is { } tb ? x[0].MatMul(tb) : null;
        return a is null ? b : b is null ? a : a + b;
    }
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        int k = x[0].Shape[1];
        var bt = x[1].T();
        // The fault: past 64, the last row of Bᵀ's contribution (the last column of ∂A) is dropped.
        var da = ct.MatMul(bt);
        if (k > 64) da = da * Node.Constant(Tensor.FromColumnMajor(da.Shape, [.. Enumerable.Range(0, da.Shape.Size).Select(p => p / da.Shape[0] == k - 1 ? 0.0 : 1.0)]));
        return [da, x[0].T().MatMul(ct)];
    }
}

/// <summary>A·B whose float32 rule sums each dot product in float32, one term at a time, without stating the bound of
/// that accumulation (<see cref="IAccumulates32"/>): the float32 law, which counts one rounding per value, must fail it.</summary>
public record FloatSumProduct : Op, IForward32
{
    /// <inheritdoc/>
    public override int Arity => 2;
    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x) => Shape.Matrix(x[0][0], x[1][1]);
    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Product(x, (i, v) => y[i] = v, 0.0, (s, a, b) => s + a * b);
    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<Tensor> x, float[] y) => Product(x, (i, v) => y[i] = v, 0f, (s, a, b) => s + (float)a * (float)b);

    static void Product<T>(ReadOnlySpan<Tensor> x, Action<int, T> write, T zero, Func<T, double, double, T> add)
    {
        int m = x[0].Shape[0], k = x[0].Shape[1], n = x[1].Shape[1];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                var s = zero;
                for (int p = 0; p < k; p++) s = add(s, x[0].Values[i + p * m], x[1].Values[p + j * k]);
                write(i + j * m, s);
            }
    }
    /// <inheritdoc/>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        Node? a = t[0] is { } ta ? ta.MatMul(x[1]) : null, b = t[1] is { } tb ? x[0].MatMul(tb) : null;
        return a is null ? b : b is null ? a : a + b;
    }
    /// <inheritdoc/>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct.MatMul(x[1].T()), x[0].T().MatMul(ct)];
}

/// <summary><see cref="FloatSumProduct"/> stating its bound, k·(|A|·|B|): the float32 law holds.</summary>
public sealed record CountedFloatSumProduct : FloatSumProduct, IAccumulates32
{
    /// <inheritdoc/>
    public Node RoundingBound(IReadOnlyList<Node> x) => Node.Apply(new FloatSumProduct(), x[0].Abs(), x[1].Abs()) * (double)x[0].Shape[1];
}

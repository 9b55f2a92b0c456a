using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

public class ScaleTests
{
    /// <summary>f = Σᵢ xᵢ·sin xᵢ over 100,000 separate scalar variables, added up as a balanced tree: the value, the
    /// 100,000 gradients (reverse) and one JVP along all of them (forward), against sums written with plain loops.</summary>
    [Fact]
    public void A_graph_of_100000_scalar_inputs_evaluates_and_differentiates_both_ways()
    {
        const int n = 100_000;
        var xs = new Node[n];
        var values = new double[n];
        var tangents = new double[n];
        var bindings = Bindings.Empty;
        var terms = new Node[n];
        for (int i = 0; i < n; i++)
        {
            xs[i] = Node.Variable($"x{i}", Shape.Scalar);
            values[i] = 1.4 * Math.Sin(0.37 * i + 0.1);           // in (−1.4, 1.4), where x·sin x ≥ 0
            tangents[i] = 1 + i % 7 / 7.0;                         // positive: no cancellation in the reference
            bindings = bindings.Bind(xs[i], values[i]);
            terms[i] = xs[i] * xs[i].Sin();
        }
        var f = SumTree(terms);

        double value = 0, directional = 0;
        var gradient = new double[n];
        for (int i = 0; i < n; i++)
        {
            value += values[i] * Math.Sin(values[i]);
            gradient[i] = Math.Sin(values[i]) + values[i] * Math.Cos(values[i]);
            directional += gradient[i] * tangents[i];
        }

        var (v, g) = AD.ValueAndGrad(f, bindings, xs);
        Assert.Equal(value, v.ToScalar(), 1e-12 * value);
        Assert.Equal(n, g.Length);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(g[i].ToScalar() - gradient[i]) <= 1e-15 * Math.Max(1, Math.Abs(gradient[i])),
                $"∂f/∂x{i} = {g[i].ToScalar():R}, expected {gradient[i]:R}");

        var (values2, jvp) = AD.Jvp([f], bindings, [.. xs.Select((x, i) => (x, Tensor.Scalar(tangents[i])))]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(v.ToScalar()), BitConverter.DoubleToInt64Bits(values2[0].ToScalar()));
        Assert.Equal(directional, jvp[0].ToScalar(), 1e-12 * directional);
    }

    static Node SumTree(Node[] terms)
    {
        var level = terms;
        while (level.Length > 1)
        {
            var next = new Node[(level.Length + 1) / 2];
            for (int i = 0; i < next.Length; i++)
                next[i] = 2 * i + 1 < level.Length ? level[2 * i] + level[2 * i + 1] : level[2 * i];
            level = next;
        }
        return level[0];
    }
}

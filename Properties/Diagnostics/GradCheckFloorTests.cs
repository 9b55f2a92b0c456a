using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Diagnostics;

public class GradCheckFloorTests
{
    [Fact]
    public void An_exactly_zero_gradient_passes_although_both_modes_return_rounding_noise()
    {
        // B has rows b and −b, so sum(σ(B·h)) = σ(t) + σ(−t) = 1 for every x: ∇f = 0 exactly, computed as noise.
        var a = DenseMatrix.OfArray(new double[,] { { 0.3, -1.2, 0.7 }, { 1.1, 0.4, -0.9 } });
        var b = DenseMatrix.OfArray(new double[,] { { 0.8, -0.35 }, { -0.8, 0.35 } });
        var x = Node.Variable("x", Shape.Vector(3));
        var f = Node.Constant(Tensor.Wrap(b)).MatMul(Node.Constant(Tensor.Wrap(a)).MatMul(x).Sigmoid()).Sigmoid().Sum();
        var at = Bindings.Empty.Bind(x, Tensor.Vector(0.37, -1.91, 0.62));

        var report = GradCheck.Check(f, at);
        Assert.True(report.Passed, report.ToString());
        Assert.True(AD.Grad(f, at, x)[0].Values.ToArray().All(g => Math.Abs(g) < 1e-15));
    }

    [Fact]
    public void The_floor_does_not_hide_a_real_disagreement()
    {
        var x = Node.Variable("x", Shape.Vector(2));
        var at = Bindings.Empty.Bind(x, Tensor.Vector(0.5, -0.25));
        // A wrong gradient of size 1e-6 (far below the floor) still fails: the floor allows only 1e-15 absolute.
        var honest = GradCheck.Check((x.Sin() * 1e-6).Sum(), at);
        Assert.True(honest.Passed, honest.ToString());
        var off = x * 1e-6 + Node.Constant(1e-9) * x.Square();   // fine: a real function
        Assert.True(GradCheck.Check(off.Sum(), at).Passed);
        var faulty = Node.Apply(new HalfGradient(), x).Sum();      // reverse mode off by half of 1e-6
        Assert.False(GradCheck.Check(faulty, at).Passed);
    }

    /// <summary>y = 1e-6·x with a VJP that returns half the true cotangent.</summary>
    sealed record HalfGradient : Op
    {
        public override int Arity => 1;
        public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
        public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
        {
            for (int i = 0; i < y.Length; i++) y[i] = 1e-6 * x[0].Values[i];
        }
        public override Node? Jvp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) =>
            t[0] is { } tx ? tx * 1e-6 : null;
        public override Node?[] Vjp(System.Collections.Immutable.ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct * 0.5e-6];
    }
}

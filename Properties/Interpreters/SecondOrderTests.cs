using AutoDiff.Functional.Properties.Ops;
using AutoDiff.Functional.Properties.Support;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;
using static AutoDiff.Functional.Testing.Numerics;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>The numeric facade: Hessian–vector products against differences of gradients, and full Jacobians by
/// forward mode, by reverse mode and by differences.</summary>
public class SecondOrderTests
{
    /// <summary>Nonlinear scalar functions of one variable, with a point: name, shape, builder, values.</summary>
    public static TheoryData<string> Functions => new(["Rosenbrock", "Seed 004: sum σ(B σ(A x))", "Seed 000: regression MSE", "Log-sum-exp of a quadratic form"]);

    static (Node F, Node X, Bindings B) Function(string name)
    {
        var rng = new Random(name.Length);
        switch (name)
        {
            case "Rosenbrock":
                {
                    var x = Node.Variable("x", Shape.Vector(5));
                    Node Slice(int from) => Node.Apply(new Functional.Ops.Gather($"x[{from}..{from + 3}]", Shape.Vector(5), Shape.Vector(4),
                        [.. Enumerable.Range(from, 4)]), x);
                    var f = (100.0 * (Slice(1) - Slice(0).Square()).Square() + (1.0 - Slice(0)).Square()).Sum();
                    return (f, x, Bindings.Empty.Bind(x, Tensor.Vector(-1.2, 1, 0.8, 0.3, 1.5)));
                }
            case "Seed 004: sum σ(B σ(A x))":
                {
                    var x = Node.Variable("x", Shape.Vector(4));
                    var a = Node.Constant(Numerics.Random(rng, Shape.Matrix(6, 4)));
                    var bm = Node.Constant(Numerics.Random(rng, Shape.Matrix(3, 6)));
                    return (bm.MatMul(a.MatMul(x).Sigmoid()).Sigmoid().Sum(), x, Bindings.Empty.Bind(x, Numerics.Random(rng, Shape.Vector(4))));
                }
            case "Seed 000: regression MSE":
                {
                    // f(w|x) = cos(w1 x1 + w2) + exp(−w5 x2) sin(w3 x2 + w4); MSE against targets.
                    const int m = 8;
                    var w = Node.Variable("w", Shape.Vector(5));
                    var data = Node.Constant(Numerics.Random(rng, Shape.Matrix(m, 2)));
                    var y = Node.Constant(Numerics.Random(rng, Shape.Vector(m)));
                    Node W(int i) => w.At(i).Fill(Shape.Vector(m));
                    Node x1 = data.Column(0), x2 = data.Column(1);
                    var f = (W(0) * x1 + W(1)).Cos() + (-(W(4) * x2)).Exp() * (W(2) * x2 + W(3)).Sin();
                    return ((y - f).Square().Mean(), w, Bindings.Empty.Bind(w, Tensor.Vector(0.5, -0.3, 1.2, 0.1, 0.7)));
                }
            default:
                {
                    var x = Node.Variable("x", Shape.Matrix(3, 2));
                    var q = Node.Constant(Numerics.Random(rng, Shape.Matrix(3, 3)));
                    return ((q.MatMul(x) * x).LogSumExp(0).Sum(), x, Bindings.Empty.Bind(x, Numerics.Random(rng, Shape.Matrix(3, 2))));
                }
        }
    }

    [Theory, MemberData(nameof(Functions))]
    public void Hvp_matches_differences_of_the_gradient(string name)
    {
        var (f, x, b) = Function(name);
        var gradient = Reverse.Grad(f, [x]);
        for (int k = 0; k < 5; k++)
        {
            var v = Numerics.Random(new Random(k), x.Shape);
            var hv = AD.Hvp(f, b, (x, v))[0];
            var fd = Directional(p => Evaluator.Evaluate(gradient, Bindings.Empty.Bind(x, p[0])), [b[x]], [v])[0];
            double scale = Math.Max(1, MaxAbs(fd));
            for (int j = 0; j < fd.Length; j++)
                Assert.True(Math.Abs(hv[j] - fd[j]) <= 1e-6 * scale, $"{name}: (H·v)[{j}] = {hv[j]:R}, differences {fd[j]:R}");
        }
    }

    [Theory, MemberData(nameof(Functions))]
    public void Hessian_from_Hvp_is_symmetric(string name)
    {
        var (f, x, b) = Function(name);
        int n = x.Shape.Size;
        var h = new DenseMatrix(n, n);
        for (int j = 0; j < n; j++) h.SetColumn(j, AD.Hvp(f, b, (x, AD.Basis(x.Shape, j)))[0].Values.ToArray());
        Assert.True((h - h.Transpose()).InfinityNorm() <= 1e-12 * Math.Max(1, h.InfinityNorm()), $"{name}: H is not symmetric");
    }

    /// <summary>Full Jacobians of every table row w.r.t. its first input: forward = reverse (to rounding) = differences.</summary>
    [Theory, MemberData(nameof(OpLaws.DifferentiableRows), MemberType = typeof(OpLaws))]
    public void Jacobian_forward_equals_reverse_equals_differences(string row) => OpLaws.Holds(row, c =>
    {
        var g = c.Instantiate();
        var b = g.Bind();
        var x = g.Variables[0];
        var forward = AD.JacFwd(g.Output, b, x);
        var reverse = AD.JacRev(g.Output, b, x);
        // Richardson differences with their error estimate (the table's hard-region rows reach 1e-300 and 1e5, where a
        // plain step of ∛ε·max(1, |x|) misses); an entry they cannot resolve to 1e-6 is left to the op laws.
        var (fd, err) = RichardsonJacobian(v => g.Evaluate([v[0], .. g.Values[1..]]), [g.Values[0]]);
        double scale = Math.Max(1, forward.Enumerate().Select(Math.Abs).DefaultIfEmpty().Max());
        for (int i = 0; i < forward.RowCount; i++)
            for (int j = 0; j < forward.ColumnCount; j++)
            {
                Laws.Require(forward[i, j].Equals(reverse[i, j]) || Math.Abs(forward[i, j] - reverse[i, j]) <= 1e-12 * scale,
                    () => $"J[{i},{j}]: forward {forward[i, j]:R}, reverse {reverse[i, j]:R}");
                if (double.IsFinite(err[i, j]) && err[i, j] <= 1e-6 * scale)
                    Laws.Require(Math.Abs(forward[i, j] - fd[i, j]) <= 1e-6 * scale,
                        () => $"J[{i},{j}]: forward {forward[i, j]:R}, differences {fd[i, j]:R}");
            }
    });
}

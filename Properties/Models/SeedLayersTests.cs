using AutoDiff.Functional.Models;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>The seed models written with layers compile to the plans of the graphs they replaced, written out here as
/// the seeds had them by hand: the layers cost nothing at run time.</summary>
public class SeedLayersTests
{
    static PlanStatistics Gradient(Node loss, params Node[] wrt) => Plan.Compile([loss, .. Reverse.Grad(loss, wrt)]).Statistics;

    [Theory]
    [InlineData(7, 3, 4)]
    [InlineData(300, 20, 10)]
    public void The_layered_linear_classifier_compiles_to_the_hand_written_graphs_plan(int samples, int features, int classes)
    {
        var labels = Enumerable.Range(0, samples).Select(i => i % classes).ToArray();
        var model = SoftmaxClassifier.BuildLinear(features, classes, labels);
        // Before: the variables made by hand, the labels a constant of the graph.
        var X = Node.Variable("X", Shape.Matrix(samples, features));
        var W = Node.Variable("W", Shape.Matrix(features, classes));
        var b = Node.Variable("b", Shape.Vector(classes));
        var byHand = (X.MatMul(W) + b.BroadcastRows(samples)).CrossEntropy(labels);
        Assert.Equal(Gradient(byHand, W, b), Gradient(model.Loss, model.W, model.B));
    }

    [Theory]
    [InlineData(7, 3, 5, 4)]
    [InlineData(300, 20, 30, 10)]
    public void The_layered_deep_classifier_compiles_to_the_hand_written_graphs_plan(int samples, int features, int hidden, int classes)
    {
        var labels = Enumerable.Range(0, samples).Select(i => i % classes).ToArray();
        var model = SoftmaxClassifier.BuildDeep(features, hidden, classes, labels);
        var X = Node.Variable("X", Shape.Matrix(samples, features));
        var W1 = Node.Variable("W1", Shape.Matrix(features, hidden));
        var b1 = Node.Variable("b1", Shape.Vector(hidden));
        var W2 = Node.Variable("W2", Shape.Matrix(hidden, classes));
        var b2 = Node.Variable("b2", Shape.Vector(classes));
        var h = (X.MatMul(W1) + b1.BroadcastRows(samples)).Tanh();
        var byHand = (h.MatMul(W2) + b2.BroadcastRows(samples)).CrossEntropy(labels);
        Assert.Equal(Gradient(byHand, W1, b1, W2, b2), Gradient(model.Loss, model.Parameters));
        Assert.Equal(["0.kernel", "0.bias", "2.kernel", "2.bias"], model.Parameters.Select(p => ((Variable)p.Op).Name));
    }
}

/// <summary>The sigmoid net from its layers holds the seed's graph A·x, B·y: its value and gradient plans, and every
/// stage's Jacobian graph, have the statistics of the graphs written by hand.</summary>
public class SigmoidNetLayersTests
{
    [Theory]
    [InlineData(3, 4, 2)]
    [InlineData(60, 50, 40)]
    public void The_layered_sigmoid_net_compiles_to_the_hand_written_graphs_plans(int d0, int d1, int d2)
    {
        var net = SigmoidNet.Random(d0, d1, d2, seed: 1);
        Node A = Node.Constant(Tensor.Wrap(net.A)), B = Node.Constant(Tensor.Wrap(net.B));
        var x = Node.Variable("x", Shape.Vector(d0));
        var f = B.MatMul(A.MatMul(x).Sigmoid()).Sigmoid().Sum();
        Assert.Equal(Plan.Compile([f, .. Reverse.Grad(f, [x])]).Statistics, net.GradientPlan.Statistics);
        // The first stage is A·x itself, not x·Aᵀ with a transposed copy.
        Assert.Equal(Plan.Compile(A.MatMul(x)).Statistics, Plan.Compile(net.H1.Output).Statistics);
        Assert.Same(net.H1.Input, net.H1.Output.Inputs[1]);
        Assert.IsType<Constant>(net.H1.Output.Inputs[0].Op);
    }
}

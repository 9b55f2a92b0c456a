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

using AutoDiff.Functional.Training;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>A layer applied to parameters given as nodes (a seed model's fixed weights as constants): the nodes are used
/// as given, under the paths of the tree, and a missing or unread one is named.</summary>
public class GivenNodesTests
{
    [Fact]
    public void A_model_on_given_nodes_uses_them_under_their_paths()
    {
        var mlp = new Sequential(new Linear(3, 2), Activation.Tanh, new Linear(2, 1, bias: false));
        var theta = mlp.Init(Key.Of(4));
        var nodes = theta.Names.ToDictionary(n => n, n => Node.Constant(theta[n]));
        var x = Node.Variable("x", Shape.Matrix(5, 3));
        var value = Tensor.Matrix(LayerCase.Draw(new Random(1), 5, 3));
        var onConstants = Evaluator.Evaluate(mlp.Apply(nodes, x), Bindings.Empty.Bind(x, value));
        Assert.Equal(mlp.Predict(theta, value).Values.ToArray(), onConstants.Values.ToArray());
    }

    [Fact]
    public void A_missing_or_unread_node_is_named()
    {
        var layer = new Linear(3, 2, bias: false);
        var x = Node.Variable("x", Shape.Vector(3));
        var kernel = Node.Constant(Tensor.Zeros(Shape.Matrix(3, 2)));
        var missing = Assert.Throws<ArgumentException>(() => layer.Apply(new Dictionary<string, Node> { ["weight"] = kernel }, x));
        Assert.Equal("Linear(3 → 2, no bias): no node is given for 'kernel' (given: weight)", missing.Message);
        var unread = Assert.Throws<ArgumentException>(() => layer.Apply(new Dictionary<string, Node> { ["kernel"] = kernel, ["bias"] = kernel }, x));
        Assert.Equal("Linear(3 → 2, no bias): a node is given for 'bias', which the model does not read (it reads kernel)", unread.Message);
    }
}

using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>A two-layer net's parameters as the user's own record: <c>Mlp2&lt;Tensor&gt;</c> holds the values,
/// <c>Mlp2&lt;Node&gt;</c> the graph's variables of the same names.</summary>
public sealed record Mlp2<T>(T W1, T b1, T W2, T b2);

/// <summary>A record nesting records and a list of them.</summary>
public sealed record Dense(Tensor W, Tensor b);
public sealed record Stack(Dense Input, IReadOnlyList<Dense> Hidden, Tensor Scale);

public sealed record WithANumber(Tensor W, double Rate);
public sealed class NoConstructor { public Tensor W { get; init; } = Tensor.Scalar(0); }

/// <summary>Records as parameter trees: they convert to and from path-named <see cref="Parameters"/> bit for bit, and a
/// gradient, a fit and a checkpoint of a record tree are those of the path-named tree with the same names.</summary>
[Properties(Arbitrary = [typeof(LayerArbs)], MaxTest = 100)]
public class TreeTests
{
    static Mlp2<Tensor> Draw(LayerCase c)
    {
        var rng = c.Rng();
        Tensor M(int r, int k) => Tensor.Matrix(LayerCase.Draw(rng, r, k));
        Tensor V(int n) => Tensor.Vector([.. Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1)]);
        return new(M(c.In, c.Hidden), V(c.Hidden), M(c.Hidden, c.Out), V(c.Out));
    }

    /// <summary>The mean squared error of tanh(X·W1 + b1)·W2 + b2 against Y, on a record of nodes.</summary>
    static Node Loss(Mlp2<Node> p, int rows, int inputs, int outputs)
    {
        var X = Node.Variable("X", Shape.Matrix(rows, inputs));
        var Y = Node.Variable("Y", Shape.Matrix(rows, outputs));
        var h = (X.MatMul(p.W1) + p.b1.BroadcastRows(rows)).Tanh();
        return (h.MatMul(p.W2) + p.b2.BroadcastRows(rows) - Y).Square().Mean();
    }

    static Dataset Data(LayerCase c, int rows)
    {
        var rng = new Random(c.Seed + 1);
        return Dataset.Of(("X", Tensor.Matrix(LayerCase.Draw(rng, rows, c.In))), ("Y", Tensor.Matrix(LayerCase.Draw(rng, rows, c.Out))));
    }

    [Property]
    public void A_record_round_trips_through_its_path_named_tree_bit_for_bit(LayerCase c)
    {
        var record = Draw(c);
        var tree = Parameters.FromTree(record);
        Assert.Equal(["W1", "b1", "W2", "b2"], tree.Names);
        Assert.Same(record.W2, tree["W2"]);   // shared, not copied
        var back = tree.ToTree<Mlp2<Tensor>>();
        foreach (var (a, b) in new[] { (record.W1, back.W1), (record.b1, back.b1), (record.W2, back.W2), (record.b2, back.b2) })
            Assert.Equal(a.Values.ToArray().Select(BitConverter.DoubleToInt64Bits), b.Values.ToArray().Select(BitConverter.DoubleToInt64Bits));
        // Through a safetensors file too: the record comes back from the file.
        var path = Path.GetTempFileName();
        try
        {
            SafeTensors.Save(path, tree);
            Assert.True(Parameters.FromTree(SafeTensors.Load(path).ToTree<Mlp2<Tensor>>()).BitwiseEquals(tree));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Nested_records_and_lists_are_named_by_their_paths()
    {
        Dense D(double v) => new(Tensor.Matrix(new[,] { { v, v + 1 } }), Tensor.Vector(v + 2, v + 3));
        var stack = new Stack(D(0), [D(10), D(20)], Tensor.Scalar(7));
        var tree = Parameters.FromTree(stack);
        Assert.Equal(["Input.W", "Input.b", "Hidden.0.W", "Hidden.0.b", "Hidden.1.W", "Hidden.1.b", "Scale"], tree.Names);
        var back = tree.ToTree<Stack>();
        Assert.Equal(2, back.Hidden.Count);
        Assert.Same(stack.Hidden[1].b, back.Hidden[1].b);
        Assert.Same(stack.Scale, back.Scale);
        // A layer's tree reads as a record too: Sequential's "0.kernel" is member 0 of a list.
        var linears = new Sequential(new Linear(3, 4), new Linear(4, 2)).Init(Key.Of(1));
        var layers = Parameters.Nest(("Layers", linears)).ToTree<LinearStack>();
        Assert.Same(linears["1.bias"], layers.Layers[1].bias);
        Assert.Equal(linears.Names, Parameters.FromTree(layers).Child("Layers").Names);
        // An MLP's list has a hole where its activation is (no "1."): the parameters past it are named, not dropped.
        var mlp = Parameters.Nest(("Layers", new Mlp([3, 4, 2]).Init(Key.Of(1))));
        var hole = Assert.Throws<ArgumentException>(() => mlp.ToTree<LinearStack>());
        Assert.StartsWith("Parameters.ToTree: LinearStack has no member for 'Layers.2.kernel', 'Layers.2.bias'", hole.Message);
    }

    public sealed record Kernel(Tensor kernel, Tensor bias);
    public sealed record LinearStack(Kernel[] Layers);

    [Property]
    public void The_gradient_of_a_record_tree_is_the_path_named_gradient_as_the_same_record(LayerCase c)
    {
        int rows = c.Rows;
        var record = Draw(c);
        var tree = Parameters.FromTree(record);
        var data = Data(c, rows);
        // The record-typed loss: its variables come from the tree, named by the record's members.
        var typed = Objective.Of(Loss(tree.Variables<Mlp2<Node>>(), rows, c.In, c.Out), tree);
        var (value, gradient) = typed.ValueAndGradient(record, data);
        // The path-named loss, its variables made by hand.
        var named = new Mlp2<Node>(Node.Variable("W1", Shape.Matrix(c.In, c.Hidden)), Node.Variable("b1", Shape.Vector(c.Hidden)),
            Node.Variable("W2", Shape.Matrix(c.Hidden, c.Out)), Node.Variable("b2", Shape.Vector(c.Out)));
        var (expectedValue, expected) = Objective.Of(Loss(named, rows, c.In, c.Out), "W1", "b1", "W2", "b2").ValueAndGradient(tree, data);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedValue), BitConverter.DoubleToInt64Bits(value));
        Assert.IsType<Mlp2<Tensor>>(gradient);
        Assert.True(Parameters.FromTree(gradient).BitwiseEquals(expected));
        // And the gradient is right: ∂L/∂b2 = (2/(N·C))·Σ over rows of the residual, written here from the formula.
        var X = data["X"]; var Y = data["Y"];
        for (int o = 0; o < c.Out; o++)
        {
            double sum = 0;
            for (int i = 0; i < rows; i++)
            {
                double y = record.b2[o];
                for (int j = 0; j < c.Hidden; j++)
                {
                    double a = record.b1[j];
                    for (int k = 0; k < c.In; k++) a += X[i, k] * record.W1[k, j];
                    y += Math.Tanh(a) * record.W2[j, o];
                }
                sum += y - Y[i, o];
            }
            double want = 2 * sum / (rows * c.Out);
            Assert.True(Math.Abs(gradient.b2[o] - want) <= 1e-12 * (1 + Math.Abs(want)), $"∂L/∂b2[{o}] = {gradient.b2[o]}, formula {want}");
        }
    }

    [Property]
    public void A_fit_on_a_record_tree_is_the_fit_on_the_path_named_tree_bit_for_bit(LayerCase c)
    {
        var record = Draw(c);
        var data = Data(c, 3 * c.Rows + 2);
        var options = new FitOptions { Epochs = 3, BatchSize = c.Rows, Seed = c.Seed };
        var start = Parameters.FromTree(record);
        var onRecord = Fit.Run(rows => Loss(start.Variables<Mlp2<Node>>(), rows, c.In, c.Out), start, new Adam(0.05), data, options: options);
        var pathNamed = Parameters.Of(("W1", record.W1), ("b1", record.b1), ("W2", record.W2), ("b2", record.b2));
        var byHand = Fit.Run(rows => Loss(new(Node.Variable("W1", record.W1.Shape), Node.Variable("b1", record.b1.Shape),
            Node.Variable("W2", record.W2.Shape), Node.Variable("b2", record.b2.Shape)), rows, c.In, c.Out), pathNamed, new Adam(0.05), data, options: options);
        Assert.True(onRecord.Last.BitwiseEquals(byHand.Last));
        Assert.True(((AdamState)onRecord.State).SecondMoment.BitwiseEquals(((AdamState)byHand.State).SecondMoment));
        var fitted = onRecord.Parameters.ToTree<Mlp2<Tensor>>();   // the fit's answer as the user's record
        Assert.Same(onRecord.Parameters["W2"], fitted.W2);
        // A checkpoint of it resumes as the record's fit.
        var path = Path.GetTempFileName();
        try
        {
            var cut = Fit.Run(rows => Loss(start.Variables<Mlp2<Node>>(), rows, c.In, c.Out), start, new Adam(0.05), data, options: options with { MaxSteps = 4 });
            Checkpoint.Save(path, cut);
            var resumed = Fit.Resume(rows => Loss(start.Variables<Mlp2<Node>>(), rows, c.In, c.Out), Checkpoint.Load(path), new Adam(0.05), data, options: options);
            Assert.True(Parameters.FromTree(resumed.Last.ToTree<Mlp2<Tensor>>()).BitwiseEquals(byHand.Last));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unsupported_members_missing_and_extra_parameters_are_named()
    {
        var number = Assert.Throws<NotSupportedException>(() => Parameters.FromTree(new WithANumber(Tensor.Scalar(1), 0.5)));
        Assert.Equal("Tree: WithANumber.Rate is of type Double; a tree's members are tensors (or nodes), records of them, or arrays and lists of them", number.Message);
        var none = Assert.Throws<NotSupportedException>(() => Parameters.FromTree(new NoConstructor()));
        Assert.StartsWith("Tree: NoConstructor has no public constructor whose parameters are its properties", none.Message);
        var nul = Assert.Throws<ArgumentException>(() => Parameters.FromTree(new Dense(Tensor.Scalar(1), null!)));
        Assert.Equal("Parameters.FromTree: Dense.b is null", nul.Message);
        var nodes = Assert.Throws<NotSupportedException>(() => Parameters.FromTree(new Mlp2<Node>(Node.Variable("a", Shape.Scalar), null!, null!, null!)));
        Assert.StartsWith("Parameters.FromTree: Mlp2<Node>.W1 is a Node;", nodes.Message);
        var tree = Parameters.Of(("W", Tensor.Scalar(1)), ("c", Tensor.Scalar(2)));
        var missing = Assert.Throws<KeyNotFoundException>(() => tree.ToTree<Dense>());
        Assert.Equal("Parameters.ToTree: Dense.b needs the parameter 'b', but the parameters hold W (), c ()", missing.Message);
        var extra = Assert.Throws<ArgumentException>(() => Parameters.Of(("W", Tensor.Scalar(1)), ("b", Tensor.Scalar(2)), ("c", Tensor.Scalar(3))).Variables<Dense>());
        Assert.Equal("Parameters.Variables: Dense has no member for 'c' (the parameters hold W (), b (), c ())", extra.Message);
    }
}

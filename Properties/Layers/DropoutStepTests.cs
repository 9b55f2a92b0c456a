using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>Dropout inside <see cref="Fit"/>: every step draws its own mask (the layer's key folded with the number of
/// steps taken), one compiled graph serves every step, a resumed fit draws the masks the uninterrupted one drew, and
/// the held-out loss is measured with dropout off.</summary>
[Properties(Arbitrary = [typeof(LayerArbs)], MaxTest = 100)]
public class DropoutStepTests
{
    /// <summary>The mask of step <paramref name="step"/>, restated from the documented rule with <see cref="Key"/> alone:
    /// u from the key of the layer's path folded with the step; 0 where u &lt; rate, else 1/(1 − rate).</summary>
    static double[] ReferenceMask(Key layerKey, long step, double rate, int count) =>
        [.. layerKey.Fold(step).Uniform(count).Select(u => u < rate ? 0 : 1 / (1 - rate))];

    [Property]
    public Property Each_step_of_a_fit_draws_the_mask_of_its_step_number(LayerCase c)
    {
        // Dropout on all-ones data, then a kernel with no bias; loss = mean over rows of x·w, so ∂L/∂w_k is the mean of
        // column k of the mask, and plain SGD at rate 1 moves w by exactly minus that: each step shows its mask.
        var rng = c.Rng();
        double rate = rng.Next(1, 9) / 10.0;
        int rows = c.Rows + 1, features = c.In;
        var model = new Sequential(new Dropout(rate), new Linear(features, 1, bias: false));
        var key = Key.Of(c.Seed);
        Func<int, Node> loss = n => model.Apply(model.Init(Key.Of(0)), Node.Variable("X", Shape.Matrix(n, features)), key).Mean();
        var data = Dataset.Of(("X", Tensor.Filled(Shape.Matrix(rows, features), 1)));
        var thetas = new List<Parameters> { model.Init(Key.Of(0)) };
        Fit.Run(loss, thetas[0], new Sgd(1.0), data, options: new FitOptions { Epochs = 3, BatchSize = rows }, onStep: s => thetas.Add(s.Parameters));
        Assert.Equal(4, thetas.Count);
        var moves = new double[3][];
        for (int step = 0; step < 3; step++)
        {
            var before = thetas[step]["1.kernel"].Values.ToArray();
            var after = thetas[step + 1]["1.kernel"].Values.ToArray();
            moves[step] = [.. before.Zip(after, (b, a) => b - a)];
            var mask = ReferenceMask(key.Fold("0"), step, rate, rows * features);   // column-major (rows × features)
            for (int k = 0; k < features; k++)
            {
                double mean = Enumerable.Range(0, rows).Sum(i => mask[i + k * rows]) / rows;
                Assert.True(Math.Abs(moves[step][k] - mean) <= 1e-14 * (1 + mean), $"step {step}, w{k}: moved {moves[step][k]}, mask mean {mean}");
            }
        }
        // A mask drawn once for the whole fit would fail above wherever two steps' reference means differ; count the
        // cases where they cannot tell (every step's means equal by chance, as with few elements).
        bool telling = !moves[0].SequenceEqual(moves[1]) || !moves[1].SequenceEqual(moves[2]);
        return true.Classify(!telling, "steps' means equal by chance");
    }

    [Fact]
    public void Two_steps_draw_different_masks_and_the_same_step_the_same_mask()
    {
        var layer = new Dropout(0.5);
        var graph = layer.Apply(Parameters.Of(), Node.Constant(Tensor.Filled(Shape.Matrix(20, 10), 1)), Key.Of(3));
        var step0 = Evaluator.Evaluate(graph, Dropout.Masks(graph, 0)).Values.ToArray();
        var step1 = Evaluator.Evaluate(graph, Dropout.Masks(graph, 1)).Values.ToArray();
        Assert.NotEqual(step0, step1);
        Assert.Equal(step0, Evaluator.Evaluate(graph, Dropout.Masks(graph, 0)).Values.ToArray());
        Assert.Equal(ReferenceMask(Key.Of(3), 1, 0.5, 200), step1);
    }

    static (Func<int, Node> Loss, Func<int, Node> Plain, Parameters Start, Dataset Train, Dataset HeldOut) Classifier(int seed)
    {
        var mlp = new Sequential(new Linear(2, 8), Activation.Tanh, new Dropout(0.3), new Linear(8, 3));
        var start = mlp.Init(Key.Of(seed));
        var rng = new Random(seed);
        var x = LayerCase.Draw(rng, 40, 2, 2);
        var labels = Enumerable.Range(0, 40).Select(i => (x[i, 0] > 0 ? 1 : 0) + (x[i, 1] > 0.5 ? 1 : 0)).ToArray();
        var (train, heldOut) = Dataset.Of(("X", Tensor.Matrix(x)), ("labels", Tensor.Indices(labels))).Split(heldOut: 10, seed: seed);
        Node Loss(int rows, Key? key) => mlp.Apply(start, Node.Variable("X", Shape.Matrix(rows, 2)), key)
            .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        return (rows => Loss(rows, Key.Of(seed + 1)), rows => Loss(rows, null), start, train, heldOut);
    }

    [Fact]
    public void A_fit_with_dropout_resumed_from_its_checkpoint_is_the_uninterrupted_fit_bit_for_bit()
    {
        var (loss, _, start, train, heldOut) = Classifier(5);
        var options = new FitOptions { Epochs = 6, BatchSize = 8, Seed = 2 };
        var whole = Fit.Run(loss, start, new Adam(0.05), train, heldOut, options);
        foreach (var stopAt in new[] { 1, 5, 9 })   // within the first epoch, at its end (3 batches of 8, 1 of 6), later
        {
            var cut = Fit.Run(loss, start, new Adam(0.05), train, heldOut, options with { MaxSteps = stopAt });
            var path = Path.GetTempFileName();
            try
            {
                Checkpoint.Save(path, cut);
                var resumed = Fit.Resume(loss, Checkpoint.Load(path), new Adam(0.05), train, heldOut, options);
                Assert.True(whole.Last.BitwiseEquals(resumed.Last), $"cut at {stopAt}");
                Assert.Equal(whole.StepLosses.Select(BitConverter.DoubleToInt64Bits), resumed.StepLosses.Select(BitConverter.DoubleToInt64Bits));
                Assert.Equal(whole.HeldOutLosses.Select(BitConverter.DoubleToInt64Bits), resumed.HeldOutLosses.Select(BitConverter.DoubleToInt64Bits));
            }
            finally { File.Delete(path); }
        }
        // And the masks matter: the same fit without dropout ends elsewhere.
        var (_, plain, _, _, _) = Classifier(5);
        Assert.False(whole.Last.BitwiseEquals(Fit.Run(plain, start, new Adam(0.05), train, heldOut, options).Last));
    }

    [Fact]
    public void The_held_out_loss_is_measured_with_dropout_off()
    {
        var (loss, plain, start, train, heldOut) = Classifier(9);
        var fit = Fit.Run(loss, start, new Adam(0.05), train, heldOut, new FitOptions { Epochs = 3, BatchSize = 8, Seed = 1 });
        var thetas = new List<Parameters>();
        Fit.Run(loss, start, new Adam(0.05), train, heldOut, new FitOptions { Epochs = 3, BatchSize = 8, Seed = 1 },
            onStep: s => { if (s.Step % 4 == 0) thetas.Add(s.Parameters); });   // 4 batches an epoch: each epoch's last
        var withoutDropout = Objective.Of(plain(heldOut.Rows), start);
        Assert.Equal(3, thetas.Count);
        for (int e = 0; e < 3; e++)
            Assert.Equal(withoutDropout.Value(thetas[e], heldOut), fit.HeldOutLosses[e]);
        // The training loss of a step is the dropped one: not the plain loss at the same parameters.
        Assert.NotEqual(Objective.Of(plain(8), start).Value(start, train.Slice(0, 8)),
            Objective.Of(loss(8), start).Value(start, train.Slice(0, 8), dropoutStep: 0));
    }
}

using AutoDiff.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Layers;

/// <summary>Sizes of a small batch through small layers, and a seed for the values (drawn by <see cref="System.Random"/>
/// from it, so FsCheck's replay replays them). Widths are mostly 1–6, a share up to 40 (BLAS paths).</summary>
public sealed record LayerCase(int Rows, int In, int Hidden, int Out, int Seed)
{
    public Random Rng() => new(Seed);

    /// <summary>A (rows × columns) array of entries uniform in [−scale, scale), row-major.</summary>
    public static double[,] Draw(Random rng, int rows, int columns, double scale = 1)
    {
        var a = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) a[i, j] = scale * (2 * rng.NextDouble() - 1);
        return a;
    }

    public override string ToString() => $"rows {Rows}, {In} → {Hidden} → {Out}, seed {Seed}";
}

public static class LayerArbs
{
    static Gen<int> Width => Gen.Frequency((4, Gen.Choose(1, 6)), (1, Gen.Choose(7, 40)));

    public static Arbitrary<LayerCase> Case() => Arb.From(
        from rows in Width
        from inputs in Width
        from hidden in Width
        from outputs in Gen.Choose(2, 6)
        from seed in Gen.Choose(0, 1_000_000)
        select new LayerCase(rows, inputs, hidden, outputs, seed),
        c => new[] { c with { Rows = 1 }, c with { In = 1 }, c with { Hidden = 1 }, c with { Out = 2 } }.Where(s => s != c));
}

/// <summary>Each layer's output against its formula written here with loops, gradients with respect to the parameter
/// tree against Richardson-extrapolated central differences, and the tree's names shared by Init, Apply, the gradient
/// and Predict.</summary>
[Properties(Arbitrary = [typeof(LayerArbs)], MaxTest = 100)]
public class LayerProperties
{
    static readonly double Eps = Math.BitIncrement(1.0) - 1.0;

    static Tensor M(double[,] a) => Tensor.Matrix(a);

    [Property]
    public void Linear_is_x_times_the_kernel_plus_the_bias_for_a_batch_of_rows(LayerCase c)
    {
        var rng = c.Rng();
        var layer = new Linear(c.In, c.Out);
        var x = LayerCase.Draw(rng, c.Rows, c.In);
        var W = LayerCase.Draw(rng, c.In, c.Out);
        var b = LayerCase.Draw(rng, 1, c.Out);
        var theta = Parameters.Of(("kernel", M(W)), ("bias", Tensor.Vector([.. Enumerable.Range(0, c.Out).Select(o => b[0, o])])));
        var y = layer.Predict(theta, M(x));
        Assert.Equal(Shape.Matrix(c.Rows, c.Out), y.Shape);
        for (int i = 0; i < c.Rows; i++)
            for (int o = 0; o < c.Out; o++)
            {
                double sum = b[0, o], size = Math.Abs(b[0, o]);
                for (int k = 0; k < c.In; k++) { sum += x[i, k] * W[k, o]; size += Math.Abs(x[i, k] * W[k, o]); }
                Assert.True(Math.Abs(y[i, o] - sum) <= (c.In + 1) * Eps * size, $"y[{i},{o}] = {y[i, o]}, formula {sum}");
            }
    }

    [Property]
    public void Linear_acts_on_the_last_axis_of_one_sample_and_of_a_rank_3_batch(LayerCase c)
    {
        var rng = c.Rng();
        var layer = new Linear(c.In, c.Out);
        var theta = layer.Init(Key.Of(c.Seed));
        var W = theta["kernel"];
        var b = Tensor.Vector([.. Enumerable.Range(0, c.Out).Select(_ => rng.NextDouble())]);
        theta = theta.With("bias", b);
        // One sample: y_o = Σ_k x_k W_ko + b_o.
        var v = Tensor.Vector([.. Enumerable.Range(0, c.In).Select(_ => 2 * rng.NextDouble() - 1)]);
        var y = layer.Predict(theta, v);
        Assert.Equal(Shape.Vector(c.Out), y.Shape);
        for (int o = 0; o < c.Out; o++)
        {
            double sum = b[o], size = Math.Abs(b[o]);
            for (int k = 0; k < c.In; k++) { sum += v[k] * W[k, o]; size += Math.Abs(v[k] * W[k, o]); }
            Assert.True(Math.Abs(y[o] - sum) <= (c.In + 1) * Eps * size);
        }
        // A (2 × rows × in) batch, column-major: element (a, i, k) at a + 2·(i + rows·k).
        int rows = c.Rows;
        var x3 = Tensor.FromColumnMajor(Shape.Of(2, rows, c.In), [.. Enumerable.Range(0, 2 * rows * c.In).Select(_ => 2 * rng.NextDouble() - 1)]);
        var y3 = layer.Predict(theta, x3);
        Assert.Equal(Shape.Of(2, rows, c.Out), y3.Shape);
        for (int a = 0; a < 2; a++)
            for (int i = 0; i < rows; i++)
                for (int o = 0; o < c.Out; o++)
                {
                    double sum = b[o], size = Math.Abs(b[o]);
                    for (int k = 0; k < c.In; k++) { double t = x3[a + 2 * (i + rows * k)] * W[k, o]; sum += t; size += Math.Abs(t); }
                    Assert.True(Math.Abs(y3[a + 2 * (i + rows * o)] - sum) <= (c.In + 1) * Eps * size);
                }
    }

    [Property]
    public void LayerNorm_normalises_each_row_by_its_mean_and_biased_variance(LayerCase c)
    {
        var rng = c.Rng();
        int f = c.In + 1;   // at least two features, so a row has a spread
        var layer = new LayerNorm(f);
        var x = LayerCase.Draw(rng, c.Rows, f, 3);
        var gamma = Enumerable.Range(0, f).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var beta = Enumerable.Range(0, f).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var theta = Parameters.Of(("weight", Tensor.Vector(gamma)), ("bias", Tensor.Vector(beta)));
        var y = layer.Predict(theta, M(x));
        for (int i = 0; i < c.Rows; i++)
        {
            double mean = 0, max = 0;
            for (int j = 0; j < f; j++) { mean += x[i, j] / f; max = Math.Max(max, Math.Abs(x[i, j])); }
            double variance = 0;
            for (int j = 0; j < f; j++) variance += (x[i, j] - mean) * (x[i, j] - mean) / f;
            double sd = Math.Sqrt(variance + 1e-5);
            for (int j = 0; j < f; j++)
            {
                double expected = (x[i, j] - mean) / sd * gamma[j] + beta[j];
                // Rounding of the mean and the spread, each a few ulps of max |x| per feature, carried by γ/σ.
                double tolerance = 8 * f * Eps * (Math.Abs(gamma[j]) * 2 * max / sd + Math.Abs(beta[j]));
                Assert.True(Math.Abs(y[i, j] - expected) <= tolerance, $"y[{i},{j}] = {y[i, j]}, formula {expected}");
            }
        }
    }

    [Property]
    public void Embedding_returns_the_weight_rows_of_the_indices(LayerCase c)
    {
        var rng = c.Rng();
        var layer = new Embedding(c.Hidden + 1, c.Out);
        var theta = layer.Init(Key.Of(c.Seed));
        var ids = Enumerable.Range(0, c.Rows).Select(_ => rng.Next(c.Hidden + 1)).ToArray();
        var y = layer.Predict(theta, Tensor.Indices(ids));
        for (int i = 0; i < ids.Length; i++)
            for (int d = 0; d < c.Out; d++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(theta["weight"][ids[i], d]), BitConverter.DoubleToInt64Bits(y[i, d]));
    }

    [Property]
    public void The_gradient_of_an_embedding_adds_each_rows_cotangent_into_its_index(LayerCase c)
    {
        // L = Σ_i Σ_d E[ids_i, d]·C[i, d], so ∂L/∂E[r, d] = Σ over i with ids_i = r of C[i, d] (written here, by loops).
        var rng = c.Rng();
        int count = c.Hidden + 1;
        var layer = new Embedding(count, c.Out);
        var theta = layer.Init(Key.Of(c.Seed));
        var C = LayerCase.Draw(rng, c.Rows, c.Out);
        var ids = Enumerable.Range(0, c.Rows).Select(_ => rng.Next(count)).ToArray();
        var idsNode = Node.Variable("ids", Shape.Vector(c.Rows), DType.Int32);
        var loss = (layer.Apply(theta, idsNode) * Node.Constant(M(C))).Sum();
        var (_, gradient) = Objective.Of(loss, theta).ValueAndGradient(theta, Dataset.Of(("ids", Tensor.Indices(ids))));
        Assert.Equal(theta.Names, gradient.Names);
        var expected = new double[count, c.Out];
        for (int i = 0; i < ids.Length; i++)
            for (int d = 0; d < c.Out; d++) expected[ids[i], d] += C[i, d];
        for (int r = 0; r < count; r++)
            for (int d = 0; d < c.Out; d++)
                Assert.True(Math.Abs(gradient["weight"][r, d] - expected[r, d]) <= c.Rows * Eps * c.Rows, $"∂E[{r},{d}]");
    }

    [Property(MaxTest = 40)]
    public void The_gradient_with_respect_to_the_tree_agrees_with_finite_differences(LayerCase c)
    {
        // Linear → LayerNorm → tanh → Linear, a cross-entropy on int32 labels; every parameter of the tree checked.
        var rng = c.Rng();
        int rows = Math.Min(c.Rows, 6), inputs = Math.Min(c.In, 5), hidden = Math.Min(c.Hidden, 5) + 1;
        var model = new Sequential(new Linear(inputs, hidden), new LayerNorm(hidden), Activation.Tanh, new Linear(hidden, c.Out));
        var theta = model.Init(Key.Of(c.Seed));
        theta = theta.With("1.bias", Tensor.Vector([.. Enumerable.Range(0, hidden).Select(_ => 0.1 * rng.NextDouble())]));
        var data = Dataset.Of(("X", M(LayerCase.Draw(rng, rows, inputs, 2))),
            ("labels", Tensor.Indices([.. Enumerable.Range(0, rows).Select(_ => rng.Next(c.Out))])));
        var X = Node.Variable("X", Shape.Matrix(rows, inputs));
        var labels = Node.Variable("labels", Shape.Vector(rows), DType.Int32);
        var objective = Objective.Of(model.Apply(theta, X).CrossEntropy(labels), theta);
        var (_, gradient) = objective.ValueAndGradient(theta, data);
        Assert.Equal(theta.Describe(), gradient.Describe());

        Tensor[] at = [.. theta.Values];
        var (fd, error) = Numerics.RichardsonJacobian(xs => Tensor.Scalar(objective.Value(Rebuild(theta, xs), data)), at);
        var flat = gradient.Flatten();
        double scale = flat.Max(Math.Abs);
        for (int j = 0; j < flat.Length; j++)
        {
            double bound = error[0, j] + 5e-10 * Math.Max(Math.Abs(fd[0, j]), scale);
            Assert.True(Math.Abs(flat[j] - fd[0, j]) <= bound, $"element {j}: reverse {flat[j]}, differences {fd[0, j]} ± {error[0, j]}");
        }
    }

    static Parameters Rebuild(Parameters like, Tensor[] values) =>
        Parameters.Of([.. like.Names.Select((n, i) => (n, values[i]))]);

    [Property]
    public void An_mlp_is_its_formula_and_predicts_from_one_plan_per_input_shape(LayerCase c)
    {
        var rng = c.Rng();
        var mlp = new Mlp([c.In, c.Hidden, c.Out], Activation.Tanh);
        var theta = mlp.Init(Key.Of(c.Seed));
        Assert.Equal(["0.kernel", "0.bias", "2.kernel", "2.bias"], theta.Names);
        theta = theta.With("0.bias", Tensor.Vector([.. Enumerable.Range(0, c.Hidden).Select(_ => rng.NextDouble() - 0.5)]));
        var x = LayerCase.Draw(rng, c.Rows, c.In);
        var y = mlp.Predict(theta, M(x));
        Tensor W0 = theta["0.kernel"], b0 = theta["0.bias"], W1 = theta["2.kernel"], b1 = theta["2.bias"];
        for (int i = 0; i < c.Rows; i++)
        {
            var h = new double[c.Hidden];
            for (int j = 0; j < c.Hidden; j++)
            {
                double s = b0[j];
                for (int k = 0; k < c.In; k++) s += x[i, k] * W0[k, j];
                h[j] = Math.Tanh(s);
            }
            for (int o = 0; o < c.Out; o++)
            {
                double s = b1[o], size = Math.Abs(b1[o]);
                for (int j = 0; j < c.Hidden; j++) { s += h[j] * W1[j, o]; size += Math.Abs(h[j] * W1[j, o]); }
                // tanh's argument rounded by (in + 1) ulps of its terms, tanh' ≤ 1, then the second product's own rounding.
                Assert.True(Math.Abs(y[i, o] - s) <= 4 * (c.In + c.Hidden + 2) * Eps * (size + c.Hidden * c.In), $"y[{i},{o}] = {y[i, o]}, formula {s}");
            }
        }
        Assert.Equal(1, mlp.CompiledPlans);
        mlp.Predict(theta, M(x));
        Assert.Equal(1, mlp.CompiledPlans);
        mlp.Predict(theta, M(LayerCase.Draw(rng, c.Rows + 1, c.In)));
        Assert.Equal(2, mlp.CompiledPlans);
    }

    [Property]
    public void The_same_key_gives_the_same_tree_and_another_key_another(LayerCase c)
    {
        var mlp = new Mlp([c.In, c.Hidden, c.Out]);
        Assert.True(mlp.Init(Key.Of(c.Seed)).BitwiseEquals(mlp.Init(Key.Of(c.Seed))));
        Assert.False(mlp.Init(Key.Of(c.Seed)).BitwiseEquals(mlp.Init(Key.Of(c.Seed + 1))));
    }

    [Property]
    public void Dropout_zeroes_or_rescales_each_element_and_is_the_identity_without_a_key(LayerCase c)
    {
        var rng = c.Rng();
        double rate = rng.Next(1, 10) / 10.0;
        var layer = new Sequential(new Dropout(rate));
        var x = LayerCase.Draw(rng, c.Rows, c.In);
        var X = Node.Constant(M(x));
        var none = Parameters.Of();
        var plain = Evaluator.Evaluate(layer.Apply(none, X), Bindings.Empty);
        var key = Key.Of(c.Seed);
        // The mask is data: bound by node here, for the step number the seed picks (Fit binds it by name every step).
        long step = c.Seed % 7;
        var graph = layer.Apply(none, X, key);
        var dropped = Evaluator.Evaluate(graph, Dropout.Masks(graph, step));
        var rebuilt = layer.Apply(none, X, key);
        var again = Evaluator.Evaluate(rebuilt, Dropout.Masks(rebuilt, step));
        var off = Evaluator.Evaluate(graph, Dropout.Masks(graph, null));
        for (int i = 0; i < c.Rows; i++)
            for (int j = 0; j < c.In; j++)
            {
                Assert.Equal(x[i, j], plain[i, j]);
                Assert.Equal(x[i, j], off[i, j]);
                Assert.True(dropped[i, j] == 0 || dropped[i, j] == x[i, j] * (1 / (1 - rate)), $"{dropped[i, j]} from {x[i, j]}");
                Assert.Equal(dropped[i, j], again[i, j]);
            }
    }

    [Fact]
    public void Dropout_drops_the_rate_of_elements_within_binomial_bounds()
    {
        // n = 40 000 draws of Bernoulli(p): the count dropped is within 6 standard deviations √(np(1−p)) of np
        // (a false failure has probability below 1e-8), for three rates and two keys.
        const int n = 40_000;
        foreach (var rate in new[] { 0.1, 0.5, 0.9 })
            foreach (var seed in new[] { 1, 2 })
            {
                var graph = new Dropout(rate).Apply(Parameters.Of(), Node.Constant(Tensor.Filled(Shape.Vector(n), 1)), Key.Of(seed));
                var y = Evaluator.Evaluate(graph, Dropout.Masks(graph, step: seed));
                int zeros = y.Values.ToArray().Count(v => v == 0);
                Assert.True(Math.Abs(zeros - n * rate) <= 6 * Math.Sqrt(n * rate * (1 - rate)), $"rate {rate}: {zeros} of {n} dropped");
            }
    }

    [Fact]
    public void A_tree_from_another_model_or_an_input_of_other_width_is_named_in_the_error()
    {
        var mlp = new Mlp([3, 4, 2]);
        var theta = mlp.Init(Key.Of(1));
        var x = Node.Variable("X", Shape.Matrix(5, 3));
        var missing = Assert.Throws<ArgumentException>(() => mlp.Apply(Parameters.Of(("0.kernel", theta["0.kernel"])), x));
        Assert.Equal("Mlp(3 → 4 → 2): the parameters have no '0.bias' (they hold 0.kernel (3×4); make them with this model's Init)", missing.Message);
        var extra = Assert.Throws<ArgumentException>(() => mlp.Apply(Parameters.Nest(("model", theta)), x));
        Assert.StartsWith("Mlp(3 → 4 → 2): the parameters have no '0.kernel' (they hold model.0.kernel (3×4), ", extra.Message);
        var stranger = Assert.Throws<ArgumentException>(() => new Linear(3, 4).Apply(theta.Child("0").Concat(("scale", Tensor.Scalar(1))), x));
        Assert.Equal("Linear(3 → 4): the parameters hold 'scale', which the model does not read (they hold kernel (3×4), bias (4), scale (); make them with this model's Init)", stranger.Message);
        var width = Assert.Throws<ShapeException>(() => mlp.Apply(theta, Node.Variable("X", Shape.Matrix(5, 2))));
        Assert.Equal("Linear(3 → 4): the input (5×2) should have 3 features in its last axis", width.Message);
        var floats = Assert.Throws<ShapeException>(() => new Embedding(4, 2).Apply(new Embedding(4, 2).Init(Key.Of(0)), Node.Variable("ids", Shape.Vector(3))));
        Assert.Equal("Embedding(4, 2): the input ids(3) should be a vector of int32 indices (declare it Node.Variable(name, shape, DType.Int32))", floats.Message);
    }
}

static class ParametersTestExtensions
{
    /// <summary>The tree with one more tensor at the end.</summary>
    public static Parameters Concat(this Parameters p, (string Name, Tensor Value) extra) =>
        Parameters.Of([.. p.Names.Select((n, i) => (n, p[i])), extra]);
}

/// <summary>The tree of a layer goes through MathNet's full-batch minimisers unchanged: L-BFGS on a Linear layer's
/// mean squared error reaches the least-squares solution computed by QR, independently of the library.</summary>
[Properties(Arbitrary = [typeof(LayerArbs)], MaxTest = 100)]
public class LayerFullBatchProperties
{
    [Property]
    public void Lbfgs_on_a_linear_layer_s_tree_reaches_the_least_squares_solution(LayerCase c)
    {
        var rng = c.Rng();
        int inputs = Math.Min(c.In, 5), rows = inputs + 2 + c.Rows;
        var X = LayerCase.Draw(rng, rows, inputs);
        var y = Enumerable.Range(0, rows).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var model = new Linear(inputs, 1);
        var start = model.Init(Key.Of(c.Seed));
        var data = Dataset.Of(("X", Tensor.Matrix(X)), ("y", Tensor.Vector(y)));
        var loss = (model.Apply(start, Node.Variable("X", Shape.Matrix(rows, inputs))).Reshape(Shape.Vector(rows))
            - Node.Variable("y", Shape.Vector(rows))).Square().Mean();
        var result = FullBatch.Minimise(new MathNet.Numerics.Optimization.LimitedMemoryBfgsMinimizer(1e-12, 1e-14, 1e-14, 10, 1000),
            Objective.Of(loss, start), start, data);
        // [X 1]·[w; b] ≈ y by QR.
        var A = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(rows, inputs + 1, (i, j) => j < inputs ? X[i, j] : 1);
        var solution = A.QR().Solve(MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(y));
        for (int j = 0; j < inputs; j++) Assert.Equal(solution[j], result.Parameters["kernel"][j, 0], 1e-6);
        Assert.Equal(solution[inputs], result.Parameters["bias"][0], 1e-6);
    }
}

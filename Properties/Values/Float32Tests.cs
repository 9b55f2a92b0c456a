using AutoDiff.Functional.Training;
using Xunit;
using Single = MathNet.Numerics.LinearAlgebra.Single;

namespace AutoDiff.Functional.Properties.Values;

/// <summary>Float32 values: types checked when nodes are built and values bound, scalar literals that take the type
/// they meet, casts whose derivatives cast back, and one rounding per op everywhere a graph runs (interpreter, compiled
/// plans with fused passes split between cores, loops, custom rules, Vmap). The references are plain C# float
/// arithmetic written here: each op computed in double and rounded to float, which is the semantics
/// <see cref="DType.Float32"/> states. The op-table law (<c>Laws.Float32</c>) checks every row against float64.</summary>
public class Float32Tests
{
    static Node V32(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims), DType.Float32);
    static Node V(string name, params int[] dims) => Node.Variable(name, Shape.Of(dims));
    static float R(double v) => (float)v;

    // ── types, when nodes are built and values bound (ERRORS.md, "Float32")

    [Fact]
    public void A_binding_of_the_other_float_type_is_an_error_naming_both()
    {
        Assert.Equal("variable 'x' holds float32 but is bound to float64 values (no silent conversion: bind a tensor of float32, or declare the variable so)",
            Assert.Throws<BindingException>(() => Bindings.Empty.Bind(V32("x", 2), Tensor.Vector(1, 2))).Message);
        Assert.Equal("variable 'y' holds float64 but is bound to float32 values (no silent conversion: bind a tensor of float64, or declare the variable so)",
            Assert.Throws<BindingException>(() => Bindings.Empty.Bind(V("y", 2), Tensor.Vector32(1, 2))).Message);
    }

    [Fact]
    public void An_op_on_two_float_types_names_the_op_the_inputs_and_the_casts()
    {
        Assert.Equal("Add: input 0 x(2 float32) is float32 and input 1 y(2) is float64: no op mixes float types silently (cast one with ToFloat32() or ToFloat64())",
            Assert.Throws<ShapeException>(() => V32("x", 2) + V("y", 2)).Message);
        // A float64 constant made from a tensor is a value like any other: it does not adapt either.
        Assert.Throws<ShapeException>(() => V32("x", 2) * Node.Constant(Tensor.Vector(1, 2)));
        Assert.Equal(DType.Float32, (V32("x", 2) * Node.Constant(Tensor.Vector(1, 2)).ToFloat32()).DType);
    }

    [Fact]
    public void Scalar_literals_and_zeros_take_the_float_type_they_meet()
    {
        var x = V32("x", 3);
        Assert.Equal(DType.Float32, (x * 0.1).DType);
        Assert.Equal(DType.Float32, (1.0 - x).DType);
        Assert.Equal(DType.Float32, (x + Node.Zeros(x.Shape)).DType);
        Assert.Equal(DType.Float64, (V("y", 3) * 0.1).DType);
        Assert.Equal(DType.Float64, Node.Constant(0.1).DType);
        // The literal is rounded to float32 first, then the product is rounded: 0.1f·x, as in JAX.
        float[] xs = [1.5f, -3.25f, 7.1f];
        var y = Evaluator.Evaluate(x * 0.1, Bindings.Empty.Bind(x, Tensor.Vector32(xs)));
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(xs.Select(v => (double)R((double)0.1f * v)), y.Values.ToArray());
        // A weak value combined with weak values stays weak, and adapts where it finally meets float32.
        var c = Node.Constant(0.1).Exp() * 3.0;
        Assert.Equal(DType.Float64, c.DType);
        Assert.Equal(DType.Float32, (x + c).DType);
    }

    [Fact]
    public void Casts_round_to_nearest_and_their_derivatives_cast_back()
    {
        var x = V("x", 3);
        double[] values = [0.1, 1.0 / 3, -1e-3];
        var at = Bindings.Empty.Bind(x, Tensor.Vector(values));
        var y = Evaluator.Evaluate(x.ToFloat32(), at);
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(values.Select(v => (double)R(v)), y.Values.ToArray());
        Assert.Same(x, x.ToFloat64());
        // d/dx Σ(2·float32(x)) = 2, as float64 (the cotangent of a float64 variable).
        var g = AD.Grad((x.ToFloat32() * 2.0).Sum(), at, x)[0];
        Assert.Equal(DType.Float64, g.DType);
        Assert.Equal([2.0, 2.0, 2.0], g.Values.ToArray());
        // d/dz Σ float64(z)² = 2z rounded to float32, for a float32 z.
        var z = V32("z", 3);
        var gz = AD.Grad(z.ToFloat64().Square().Sum(), Bindings.Empty.Bind(z, Tensor.Vector32(0.1f, 3f, -7.7f)), z)[0];
        Assert.Equal(DType.Float32, gz.DType);
        Assert.Equal(new[] { 0.1f, 3f, -7.7f }.Select(v => (double)R(2.0 * v)), gz.Values.ToArray());
        // Int32 data to float32 values.
        var ids = Node.Variable("ids", Shape.Vector(2), DType.Int32);
        var f = Evaluator.Evaluate(ids.ToFloat32(), Bindings.Empty.Bind(ids, [16777217, -3]));
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal([16777216.0, -3.0], f.Values.ToArray()); // 2²⁴ + 1 is not a float32: it rounds to even
    }

    [Fact]
    public void Gradients_of_float32_variables_are_float32_even_where_the_seed_meets_no_op()
    {
        var x = V32("x", 2);
        var w = V32("w", 2);
        var at = Bindings.Empty.Bind(x, Tensor.Vector32(1.5f, 2f)).Bind(w, Tensor.Vector32(3f, 4f));
        var grads = AD.Grad(x.Sum(), at, x, w);
        Assert.All(grads, g => Assert.Equal(DType.Float32, g.DType));
        Assert.Equal([1.0, 1.0], grads[0].Values.ToArray());
        Assert.Equal([0.0, 0.0], grads[1].Values.ToArray());
        var s = V32("s");
        var gs = AD.Grad(s, Bindings.Empty.Bind(s, Tensor.Scalar32(2f)), s)[0];
        Assert.Equal(DType.Float32, gs.DType);
        Assert.Equal(1.0, gs.ToScalar());
        Assert.Equal("variable 'u' holds float32 but is bound to float64 values (no silent conversion: bind a tensor of float32, or declare the variable so)",
            Assert.Throws<BindingException>(() => AD.Vjp(x.Sin(), at, Tensor.Vector(1, 1), x)).Message);
    }

    [Fact]
    public void Fused_passes_split_between_cores_round_every_member()
    {
        // Past Plan.ParallelSize, so the element-wise chain runs as one fused pass in blocks on both cores.
        int n = (1 << 18) + 1000;
        var rng = new Random(5);
        var xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = (float)(rng.NextDouble() * 8 - 4);
        var x = V32("x", n);
        var y = (x.Sin() * 0.5).Exp() + x;
        var plan = Plan.Compile([y, y.Sum()]);
        var values = plan.Run(Bindings.Empty.Bind(x, Tensor.Vector32(xs)));
        Assert.Equal(DType.Float32, values[0].DType);
        var reference = xs.Select(v => (double)R((double)R(Math.Exp(R((double)R(Math.Sin(v)) * 0.5))) + v)).ToArray();
        Assert.Equal(reference, values[0].Values.ToArray());
        // The sum is one float32 rounding of a float64 sum (order aside): within one float32 ulp of the exact sum.
        double exact = reference.Sum();
        float near = Math.Abs((float)exact);
        Assert.InRange(Math.Abs(values[1].ToScalar() - exact), 0, MathF.BitIncrement(near) - near + 1e-12 * Math.Abs(exact));
        Assert.Equal(values[1].ToScalar(), (double)R(values[1].ToScalar()));
    }

    [Fact]
    public void A_float32_loop_carries_float32_and_rounds_inside_its_body()
    {
        var c0 = V32("c0");
        var p = V32("p");
        var y = Loop.Repeat(5, c0, c => c.Sin() * p + c / 2);
        Assert.Equal(DType.Float32, y.DType);
        float c = 0.7f, pv = -1.3f;
        var value = Evaluator.Evaluate(y, Bindings.Empty.Bind(c0, Tensor.Scalar32(c)).Bind(p, Tensor.Scalar32(pv)));
        for (int k = 0; k < 5; k++) c = R((double)R((double)R(Math.Sin(c)) * pv) + R(c / 2.0));
        Assert.Equal(DType.Float32, value.DType);
        Assert.Equal((double)c, value.ToScalar());
        var g = AD.Grad(y, Bindings.Empty.Bind(c0, Tensor.Scalar32(0.7f)).Bind(p, Tensor.Scalar32(pv)), c0, p);
        Assert.All(g, t => Assert.Equal(DType.Float32, t.DType));
        Assert.Equal("Loop.Repeat: the body returned carry 0 as float64; it enters as float32 (cast with ToFloat32())",
            Assert.Throws<ArgumentException>(() => Loop.Repeat(2, c0, c => c.ToFloat64() * 2.0)).Message);
    }

    [Fact]
    public void Per_example_float32_gradients_by_Vmap_are_the_loop_of_Grad_to_the_bit()
    {
        static Node f(Node x) => (x.Sin() * x).Sum();
        var rng = new Random(11);
        var batch = Tensor.FromColumnMajor32(Shape.Matrix(4, 3), [.. Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble())]);
        var perExample = Transforms.Vmap(Transforms.Grad(f), inAxis: 1, outAxis: 1)(batch);
        Assert.Equal(DType.Float32, perExample.DType);
        var grad = Transforms.Grad(f);
        for (int c = 0; c < 3; c++)
        {
            var member = Tensor.FromColumnMajor32(Shape.Vector(4), [.. batch.ToFloat32Array().Skip(4 * c).Take(4)]);
            var g = grad(member);
            Assert.Equal(DType.Float32, g.DType);
            Assert.Equal(g.Values.ToArray(), perExample.Values.Slice(4 * c, 4).ToArray());
        }
    }

    [Fact]
    public void A_custom_rule_and_its_derivatives_run_in_float32()
    {
        var softplus = CustomRule.Define("softplus", v => (1.0 + v[0].Exp()).Log());
        var x = V32("x", 2);
        var at = Bindings.Empty.Bind(x, Tensor.Vector32(-1f, 2f));
        var y = softplus([x]).Sum();
        Assert.Equal(DType.Float32, y.DType);
        var (value, grads) = AD.ValueAndGrad(y, at, x);
        double Softplus(float v) => R(Math.Log(R(1.0 + R(Math.Exp(v)))));
        Assert.Equal((double)R(Softplus(-1f) + Softplus(2f)), value.ToScalar());
        Assert.Equal(DType.Float32, grads[0].DType);
    }

    [Fact]
    public void MathNet_single_precision_values_convert_and_come_back()
    {
        var m = Single.DenseMatrix.OfArray(new float[,] { { 1.5f, 2 }, { 3, 4.25f } });
        var t = Tensor.Copy(m);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(2.0, t[0, 1]);
        Assert.Equal(m.Values, t.ToFloat32Array());
        Assert.Equal(Tensor.Matrix(new float[,] { { 1.5f, 2 }, { 3, 4.25f } }).Values.ToArray(), t.Values.ToArray());
        var v = Tensor.Copy(Single.DenseVector.OfArray([0.1f, 0.2f]));
        Assert.Equal(new[] { 0.1f, 0.2f }, v.ToFloat32Array());
        Assert.Equal(DType.Float32, Tensor.Vector(0.1, 1e300).ToFloat32().DType);
        Assert.Equal([(double)0.1f, double.PositiveInfinity], Tensor.Vector(0.1, 1e300).ToFloat32().Values.ToArray());
        Assert.Equal("Tensor(2) float32 [0.1, 0.2]", v.ToString());
    }
}

/// <summary>Training float32 parameters: an optimiser keeps each parameter's type, and its state in that type (as
/// PyTorch does), each arithmetic result rounded once.</summary>
public class Float32TrainingTests
{
    [Fact]
    public void One_Adam_step_on_float32_parameters_is_float32_arithmetic_written_out()
    {
        var theta = Parameters.Of(("w", Tensor.Vector32(0.3f, -1.7f, 2.5f)));
        var gradient = Parameters.Of(("w", Tensor.Vector32(0.11f, -4f, 1e-3f)));
        var adam = new Adam(0.01);
        var (state, update) = adam.Step(adam.Init(theta), gradient, theta);
        var moved = theta.Axpy(1, update);
        Assert.Equal(DType.Float32, moved["w"].DType);
        var first = ((AdamState)state).FirstMoment["w"];
        Assert.Equal(DType.Float32, first.DType);
        // Step 1: m = (1 − β₁)g and v = (1 − β₂)g² rounded, bias corrections 1 − β, u = −α·m̂/(√v̂ + ε) rounded, then θ + u rounded.
        float[] w = [0.3f, -1.7f, 2.5f], g = [0.11f, -4f, 1e-3f];
        for (int i = 0; i < 3; i++)
        {
            float m = (float)((1 - 0.9) * g[i]), v = (float)((1 - 0.999) * ((double)g[i] * g[i]));
            float u = (float)(-0.01 * ((m / (1 - 0.9)) / (Math.Sqrt(v / (1 - 0.999)) + 1e-8)));
            Assert.Equal((double)m, first[i]);
            Assert.Equal((double)(float)(w[i] + (double)u), moved["w"][i]);
        }
    }
}

/// <summary>Layers on a float32 tree: the variables a layer makes take its parameters' and inputs' type.</summary>
public class Float32LayerTests
{
    [Fact]
    public void An_mlp_on_a_float32_tree_predicts_and_fits_in_float32()
    {
        var mlp = new Sequential(new Linear(2, 8),
            Activation.Relu, new Linear(8, 3));
        var tree64 = mlp.Init(Key.Of(3));
        var tree = tree64.To(DType.Float32);
        Assert.All(tree.Names, n => Assert.Equal(DType.Float32, tree[n].DType));
        var x = Tensor.Matrix(new float[,] { { 0.5f, -1 }, { 2, 0.25f }, { -0.75f, 1.5f } });
        var y = mlp.Predict(tree, x);
        Assert.Equal(DType.Float32, y.DType);
        // Against the float64 prediction of the same (float32) weights and inputs: a product of 2 and then 8 terms and a
        // relu, far inside 2⁻²⁴ × 64 of the logits' scale (the law's bound, made generous because this is a smoke test of the
        // types; the op laws check the rounding itself).
        var y64 = mlp.Predict(tree.To(DType.Float64), x.ToFloat64());
        double scale = y64.Values.ToArray().Max(Math.Abs);
        for (int i = 0; i < y.Shape.Size; i++) Assert.InRange(Math.Abs(y[i] - y64[i]), 0, 64 * Math.Pow(2, -24) * scale);
        var labels = Tensor.Indices(0, 2, 1);
        Func<int, Node> loss = rows => mlp.Apply(tree, Node.Variable("X", Shape.Matrix(rows, 2), DType.Float32))
            .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        var fit = Fit.Run(loss, tree, new Adam(0.05), Dataset.Of(("X", x), ("labels", labels)), options: new FitOptions { Epochs = 40, BatchSize = 3, Seed = 1 });
        Assert.All(fit.Parameters.Names, n => Assert.Equal(DType.Float32, fit.Parameters[n].DType));
        Assert.True(fit.EpochLosses[^1] < fit.EpochLosses[0], $"loss {fit.EpochLosses[0]} → {fit.EpochLosses[^1]}");
    }
}

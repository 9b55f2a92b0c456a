using AutoDiff.Functional.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Models;

/// <summary>A sparse recommender problem: ratings at random (i, j) pairs (repeats allowed, some users and items
/// unrated), factors, biases or none, λ, and a block size and thread count for the chunked evaluator.</summary>
public sealed record RecommenderCase(int Users, int Items, int Rank, int[] User, int[] Item, double[] Value, double[] Factors,
    bool Biased, double Lambda, int BlockSize, int Threads)
{
    /// <summary>The ratings.</summary>
    public Ratings Ratings => new(Users, Items, User, Item, Value);

    /// <summary>The factors, filled from <see cref="Factors"/> in the order P, Q, b, c, μ.</summary>
    public RecommenderFactors At()
    {
        var f = new RecommenderFactors(Rank, Users, Items, Biased);
        int x = 0;
        foreach (var a in f.Arrays().Take(Biased ? 4 : 2))
            for (int i = 0; i < a.Length; i++) a[i] = Factors[x++];
        if (Biased) f.Mu = Factors[x];
        return f;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"m={Users} n={Items} k={Rank} biased={Biased} λ={Lambda} block={BlockSize} threads={Threads} Ω=[{string.Join(" ", User.Select((u, p) => $"({u},{Item[p]})={Value[p]}"))}]";
}

/// <summary>FsCheck arbitraries for the recommender properties.</summary>
public static class RecommenderArbs
{
    /// <summary>m, n in 1–6, k in 1–4, 0–20 ratings at uniformly drawn pairs (so repeats and unrated rows are common),
    /// values and factors in [−2, 2], λ in [0, 2].</summary>
    public static Arbitrary<RecommenderCase> Case() => Arb.From(
        from m in Gen.Choose(1, 6)
        from n in Gen.Choose(1, 6)
        from k in Gen.Choose(1, 4)
        from count in Gen.Choose(0, 20)
        from users in Gen.ArrayOf(Gen.Choose(0, m - 1), count)
        from items in Gen.ArrayOf(Gen.Choose(0, n - 1), count)
        from values in Gen.ArrayOf(Value, count)
        from biased in Gen.Elements(false, true)
        from factors in Gen.ArrayOf(Value, k * (m + n) + (biased ? m + n + 1 : 0))
        from lambda in Gen.Choose(0, 20).Select(i => i / 10.0)
        from block in Gen.Choose(1, 7)
        from threads in Gen.Choose(1, 3)
        select new RecommenderCase(m, n, k, users, items, values, factors, biased, lambda, block, threads),
        Shrink);

    static Gen<double> Value => Gen.Choose(-200, 200).Select(i => i / 100.0);

    static IEnumerable<RecommenderCase> Shrink(RecommenderCase c)
    {
        for (int p = 0; p < c.Value.Length; p++)
            yield return c with { User = [.. c.User.Where((_, q) => q != p)], Item = [.. c.Item.Where((_, q) => q != p)], Value = [.. c.Value.Where((_, q) => q != p)] };
        if (c.Biased) yield return c with { Biased = false, Factors = c.Factors[..(c.Rank * (c.Users + c.Items))] };
        if (c.Lambda != 1) yield return c with { Lambda = 1 };
    }
}

[Properties(Arbitrary = [typeof(RecommenderArbs), typeof(FactorisationArbs)], MaxTest = 100)]
public class RecommenderProperties
{
    static double RelError(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => Seed000Draw.RelError(a, b);

    static void AssertClose(string who, (double Loss, RecommenderFactors Gradient) actual, (double Loss, RecommenderFactors Gradient) expected, double tolerance)
    {
        Assert.True(Math.Abs(actual.Loss - expected.Loss) <= tolerance * Math.Max(1, Math.Abs(expected.Loss)), $"{who}: loss {actual.Loss} vs {expected.Loss}");
        foreach (var (name, a, b) in new[] { "P", "Q", "b", "c" }.Zip(actual.Gradient.Arrays(), expected.Gradient.Arrays()))
            Assert.True(RelError(a, b) <= tolerance, $"{who}: ∂L/∂{name} relative error {RelError(a, b):E2}");
        Assert.True(Math.Abs(actual.Gradient.Mu - expected.Gradient.Mu) <= tolerance * Math.Max(1, Math.Abs(expected.Gradient.Mu)), $"{who}: ∂L/∂μ {actual.Gradient.Mu} vs {expected.Gradient.Mu}");
    }

    [Property]
    public Property The_graph_gradient_equals_the_analytic_gradient(RecommenderCase c)
    {
        var at = c.At();
        var model = Recommender.Build(c.Ratings, c.Rank, c.Lambda, c.Biased);
        AssertClose("graph", Recommender.ValueAndGradient(model, c.Ratings, at), RecommenderReference.Gradient(c.Ratings, at, c.Lambda), 1e-12);
        bool unrated = Enumerable.Range(0, c.Users).Any(i => !c.User.Contains(i)) || Enumerable.Range(0, c.Items).Any(j => !c.Item.Contains(j));
        bool repeated = c.User.Zip(c.Item).Distinct().Count() < c.Value.Length;
        return true.ToProperty().Classify(unrated, "unrated rows").Classify(repeated, "repeated pairs");
    }

    [Property]
    public void One_compiled_plan_over_index_data_serves_every_set_of_ratings_of_its_size(RecommenderCase c)
    {
        // The same ratings' pairs reversed are another set of the same size: one plan, two bindings, two answers.
        var at = c.At();
        var model = Recommender.Build(c.Users, c.Items, c.Value.Length, c.Rank, c.Lambda, c.Biased);
        var plan = Plan.Compile([model.Loss, .. Reverse.Grad(model.Loss, model.Parameters)]);
        var workspace = plan.NewWorkspace();
        foreach (var ratings in new[] { c.Ratings, new Ratings(c.Users, c.Items, [.. c.User.Reverse()], [.. c.Item.Reverse()], [.. c.Value.Reverse()]) })
        {
            var run = plan.Run(model.Bind(ratings, at), workspace);
            var gradient = at.ZerosLike();
            var arrays = gradient.Arrays().ToArray();
            for (int t = 0; t < model.Parameters.Length; t++) run[1 + t].Values.CopyTo(arrays[t]);
            if (c.Biased) gradient.Mu = run[5].ToScalar();
            AssertClose("plan over index data", (run[0].ToScalar(), gradient), RecommenderReference.Gradient(ratings, at, c.Lambda), 1e-12);
        }
    }

    [Property]
    public void The_chunked_gradient_equals_the_analytic_gradient(RecommenderCase c)
    {
        var at = c.At();
        var chunked = new RecommenderFullBatch(c.Ratings, c.Rank, c.Lambda, c.Biased, c.BlockSize, c.Threads);
        AssertClose("chunked", chunked.ValueAndGradient(at), RecommenderReference.Gradient(c.Ratings, at, c.Lambda), 1e-12);
    }

    [Property]
    public Property The_plans_over_index_inputs_give_the_analytic_gradient(RecommenderCase c)
    {
        // Not bit for bit: the plan's squared norm and scatter-adds sum in other orders than the hand loop's, and the
        // chunks' gradients are added one chunk at a time; 1e-12 relative bounds those orders' rounding.
        var at = c.At();
        var plans = new RecommenderPlanBatch(c.Ratings, c.Rank, c.Lambda, c.Biased, c.BlockSize, c.Threads);
        var first = plans.ValueAndGradient(at);
        AssertClose("plans over index inputs", first, RecommenderReference.Gradient(c.Ratings, at, c.Lambda), 1e-12);
        var again = plans.ValueAndGradient(at);
        Assert.Equal(first.Loss, again.Loss);
        foreach (var (a, b) in first.Gradient.Arrays().Zip(again.Gradient.Arrays())) Assert.Equal(a, b);
        int chunks = c.Value.Length == 0 ? 1 : (c.Value.Length + plans.ChunkSize - 1) / plans.ChunkSize;
        return true.ToProperty().Classify(chunks == 1, "one chunk (bound without copying)").Classify(chunks > 1 && c.Value.Length % plans.ChunkSize != 0, "a shorter last chunk")
            .Classify(Math.Min(c.Threads, chunks) > 1, "several threads");
    }

    [Property]
    public void Float32_plans_add_the_float32_graphs_gradient_to_the_float64_regulariser(RecommenderCase c)
    {
        // All the ratings in one chunk on one thread: the plans' gradient is λθ (float64) plus the gradient of
        // Σ(r − r̂)² in float32 at the factors and values rounded to float32, which the test builds again here and
        // evaluates by the interpreter, widened into doubles and added as the plans add it; bit for bit.
        if (c.Value.Length == 0) return;
        var at = c.At();
        var plans = new RecommenderPlanBatch(c.Ratings, c.Rank, c.Lambda, c.Biased, chunkSize: c.Value.Length, threads: 1, type: DType.Float32);
        var (_, g) = plans.ValueAndGradient(at);

        int k = c.Rank, n = c.Value.Length;
        var P = Node.Variable("P", Shape.Matrix(k, c.Users), DType.Float32);
        var Q = Node.Variable("Q", Shape.Matrix(k, c.Items), DType.Float32);
        var user = Node.Variable("user", Shape.Vector(n), DType.Int32);
        var item = Node.Variable("item", Shape.Vector(n), DType.Int32);
        var r = Node.Variable("r", Shape.Vector(n), DType.Float32);
        var b = Node.Variable("b", Shape.Vector(c.Users), DType.Float32);
        var bc = Node.Variable("c", Shape.Vector(c.Items), DType.Float32);
        var mu = Node.Variable("mu", Shape.Scalar, DType.Float32);
        var dots = (P.GatherColumns(user) * Q.GatherColumns(item)).Sum(0);
        var prediction = c.Biased ? mu + b.GatherRows(user) + bc.GatherRows(item) + dots : dots;
        Node[] parameters = c.Biased ? [P, Q, b, bc, mu] : [P, Q];
        var bindings = Bindings.Empty.Bind(user, Tensor.Indices(c.User)).Bind(item, Tensor.Indices(c.Item))
            .Bind(r, Tensor.Vector(c.Value).ToFloat32());
        var arrays = at.Arrays().ToArray();
        for (int t = 0; t < parameters.Length; t++)
            bindings = bindings.Bind(parameters[t], (t < 4 ? Tensor.FromColumnMajor(parameters[t].Shape, arrays[t]) : Tensor.Scalar(at.Mu)).ToFloat32());
        var expected = Evaluator.Evaluate(Reverse.Grad((r - prediction).SquaredNorm(), parameters), bindings);

        var got = g.Arrays().ToArray();
        for (int t = 0; t < Math.Min(parameters.Length, 4); t++)
        {
            Assert.Equal(DType.Float32, expected[t].DType);
            var e32 = expected[t].Values32;
            for (int x = 0; x < e32.Length; x++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(c.Lambda * arrays[t][x] + e32[x]), BitConverter.DoubleToInt64Bits(got[t][x]));
        }
        if (c.Biased) Assert.Equal(BitConverter.DoubleToInt64Bits(0.0 + expected[4].ToScalar()), BitConverter.DoubleToInt64Bits(g.Mu));
    }

    [Property]
    public void The_graph_gradient_passes_the_finite_difference_check(RecommenderCase c)
    {
        var model = Recommender.Build(c.Ratings, c.Rank, c.Lambda, c.Biased);
        var report = GradCheck.Check(model.Loss, model.Bind(c.Ratings, c.At()), model.Parameters);
        Assert.True(report.Passed, report.ToString());
    }

    [Property]
    public void The_analytic_gradient_matches_central_differences(RecommenderCase c)
    {
        // The reference itself against differences of its own loss: so the other two properties compare against a
        // formula that is checked, not merely written.
        var at = c.At();
        var (_, g) = RecommenderReference.Gradient(c.Ratings, at, c.Lambda);
        double h = 6e-6;
        foreach (var (a, ga) in at.Arrays().Zip(g.Arrays()).Take(c.Biased ? 4 : 2))
            for (int x = 0; x < a.Length; x++)
            {
                double keep = a[x];
                a[x] = keep + h;
                double up = RecommenderReference.Gradient(c.Ratings, at, c.Lambda).Loss;
                a[x] = keep - h;
                double down = RecommenderReference.Gradient(c.Ratings, at, c.Lambda).Loss;
                a[x] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(ga[x] - numeric) <= 1e-5 + 1e-6 * Math.Abs(numeric), $"element {x}: analytic {ga[x]} vs difference {numeric}");
            }
    }

    /// <summary>Every entry of X observed once, in a random order, without biases: the loss and gradients are the dense
    /// model's, with U = Pᵀ and V = Q.</summary>
    [Property]
    public void With_every_entry_observed_the_loss_and_gradients_equal_the_dense_model(FactorisationCase c)
    {
        var (m, n, k) = c.Dims;
        var order = AutoDiff.Functional.Training.Dataset.Permutation(m * n, m * 100 + n * 10 + k);
        var ratings = new Ratings(m, n, [.. order.Select(p => p % m)], [.. order.Select(p => p / m)], [.. order.Select(p => c.X[p % m, p / m])]);
        var at = new RecommenderFactors(k, m, n, biased: false);
        for (int i = 0; i < m; i++)
            for (int l = 0; l < k; l++) at.P[i * k + l] = c.U[i, l];
        for (int j = 0; j < n; j++)
            for (int l = 0; l < k; l++) at.Q[j * k + l] = c.V[l, j];

        var dense = MatrixFactorisation.Build(m, n, k, c.Lambda);
        var (loss, gradU, gradV) = MatrixFactorisation.ValueAndGrad(dense, dense.Bind(Tensor.Matrix(c.X), Tensor.Matrix(c.U), Tensor.Matrix(c.V)));
        var gradP = new double[k * m];   // ∂L/∂P = (∂L/∂U)ᵀ
        for (int i = 0; i < m; i++)
            for (int l = 0; l < k; l++) gradP[i * k + l] = gradU[i, l];

        var graph = Recommender.ValueAndGradient(Recommender.Build(ratings, k, c.Lambda, false), ratings, at);
        var chunked = new RecommenderFullBatch(ratings, k, c.Lambda, false, blockSize: 5).ValueAndGradient(at);
        foreach (var (who, (value, g)) in new[] { ("graph", graph), ("chunked", chunked) })
        {
            Assert.True(Math.Abs(value - loss.ToScalar()) <= 1e-12 * Math.Max(1, loss.ToScalar()), $"{who}: loss {value} vs dense {loss.ToScalar()}");
            Assert.True(RelError(g.P, gradP) <= 1e-12, $"{who}: ∂L/∂P vs dense {RelError(g.P, gradP):E2}");
            Assert.True(RelError(g.Q, gradV.Values) <= 1e-12, $"{who}: ∂L/∂Q vs dense {RelError(g.Q, gradV.Values):E2}");
        }
    }
}

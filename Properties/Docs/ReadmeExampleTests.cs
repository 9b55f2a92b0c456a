using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AutoDiff.Functional.Models;
using AutoDiff.Functional.Training;
using MathNet.Numerics.LinearAlgebra.Double;
using ReadmeSnippets;
using Xunit;

namespace AutoDiff.Functional.Properties.Docs;

public class ReadmeExampleTests
{
    [Fact]
    public void Every_csharp_block_in_the_README_is_compiled_code()
    {
        var readme = RepoFiles.Read("README.md");
        var source = RepoFiles.Read("Properties/Docs/ReadmeExample.cs");
        var blocks = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value);
        var shown = blocks.Select(b => RepoFiles.Normalise(WithoutUsings(b))).ToList();
        var compiled = Regex.Matches(source, "// README:begin\n(.*?)\\s*// README:end", RegexOptions.Singleline).Select(m => RepoFiles.Normalise(m.Groups[1].Value)).ToList();
        Assert.Equal(9, compiled.Count);
        Assert.Equal(compiled, shown);
    }

    static string WithoutUsings(string block) => string.Join("\n", block.Split('\n').Where(l => !l.StartsWith("using ", StringComparison.Ordinal)));
    static string[] Usings(string code) => [.. Regex.Matches(code, @"^using ([\w.]+);", RegexOptions.Multiline).Select(m => m.Groups[1].Value)];

    /// <summary>Every README block opens with the using lines a user's file needs for it (under the implicit usings of
    /// a new project): together they are exactly those of ReadmeExample.cs, whose namespace lies outside
    /// AutoDiff.Functional so that the compiler needs each; and each block names the namespace of every type it uses
    /// from the packages and MathNet, found by reflection.</summary>
    [Fact]
    public void Every_README_block_shows_the_using_lines_it_needs()
    {
        var blocks = Regex.Matches(RepoFiles.Read("README.md"), "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        var source = RepoFiles.Read("Properties/Docs/ReadmeExample.cs");
        Assert.Equal(Usings(source).Order(), blocks.SelectMany(Usings).Distinct().Order());
        Assert.Contains("namespace ReadmeSnippets;", source);

        var types = new[] { typeof(Node), typeof(NodeMath), typeof(SigmoidNet), typeof(AutoDiff.Functional.Training.Fit), typeof(DenseMatrix),
                typeof(MathNet.Numerics.Optimization.BfgsMinimizer) }
            .Select(t => t.Assembly).Distinct().SelectMany(a => a.GetExportedTypes()).Where(t => !t.IsNested && t.Namespace is not null)
            .GroupBy(t => Regex.Replace(t.Name, "`.*", "")).ToDictionary(g => g.Key, g => g.Select(t => t.Namespace!).ToHashSet());
        int named = 0;
        foreach (var block in blocks)
        {
            var usings = Usings(block);
            Assert.True(usings.Length > 0, $"a README block without using lines:\n{block}");
            var code = Regex.Replace(WithoutUsings(block), "//.*|\"[^\"]*\"", "");
            foreach (var name in Regex.Matches(code, @"(?<![.\w])[A-Z]\w*").Select(m => m.Value).Distinct())
                if (types.TryGetValue(name, out var namespaces))
                {
                    named++;
                    Assert.True(namespaces.Overlaps(usings), $"the README block with using {string.Join(", ", usings)} names {name} from {string.Join(" or ", namespaces)}:\n{block}");
                }
        }
        Assert.True(named >= 20, $"only {named} type names found in the README's blocks: is the pattern still right?");
    }

    /// <summary>The public types of the three packages, Graph, Ops and Models.</summary>
    static readonly Type[] PublicTypes = [.. new[] { typeof(Node), typeof(NodeMath), typeof(SigmoidNet), typeof(AutoDiff.Functional.Training.Fit), typeof(AutoDiff.Functional.Plotting.LossCurve), typeof(Laws) }.Select(t => t.Assembly).SelectMany(a => a.GetExportedTypes())];

    /// <summary>Every inline code span of the README that is a call (<c>Type.Member(…)</c>, <c>value.Member(…)</c>,
    /// <c>.Member()</c> or <c>Sum(x)</c>) or names a member (<c>Type.Member</c>) must name a public member of the
    /// packages that exists; a call must also fit one overload's parameter count. Blocks are compiled elsewhere.</summary>
    [Fact]
    public void Every_call_in_the_README_text_names_a_public_member_with_that_many_arguments()
    {
        var spans = RepoFiles.CodeSpans(RepoFiles.Read("README.md"));
        var checkedSpans = spans.Select(s => (Span: s, Problem: Check(s))).Where(c => c.Problem != "").ToList();
        Assert.True(checkedSpans.Count >= 30, $"only {checkedSpans.Count} spans checked");
        Assert.Empty(checkedSpans.Where(c => c.Problem is not null).Select(c => $"`{c.Span}`: {c.Problem}"));
    }

    [Theory]
    [InlineData("AD.JacFwd(f)", "no public AD.JacFwd taking 1 argument(s)")]
    [InlineData("AD.JacobianForward(f, b, x)", "no public AD.JacobianForward taking 3 argument(s)")]
    [InlineData("x.NoSuchOp()", "no public instance or extension method NoSuchOp taking 0 argument(s)")]
    [InlineData("Sum(x, 0, 1)", "no public Functions.Sum taking 3 argument(s) (for `using static AutoDiff.Functional.Functions;`)")]
    [InlineData("Blas.NoSuchMember", "no public member Blas.NoSuchMember")]
    [InlineData("Sum(x)", null)]
    [InlineData("Transforms.Grad(f, 1)(xs)", null)]
    [InlineData("tensor.AsMatrix()", null)]
    [InlineData("MatMul: (3×4)·(5×2): inner dimensions 4 and 5 differ", "")]
    public void The_span_check_tells_calls_that_exist_from_calls_that_do_not(string span, string? problem) =>
        Assert.Equal(problem, Check(span));

    /// <summary>null when the span names a public member that exists, "" when it is neither a call nor a member, else
    /// the problem.</summary>
    static string? Check(string span)
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.Static, Instance = BindingFlags.Public | BindingFlags.Instance;
        var reference = Regex.Match(span, @"^([A-Z]\w*)\.(\w+)$");
        if (reference.Success)
        {
            var type = PublicTypes.FirstOrDefault(t => t.Name == reference.Groups[1].Value);
            if (type is null) return $"no public type {reference.Groups[1].Value}";
            return type.GetMember(reference.Groups[2].Value, Static | Instance).Length > 0 ? null : $"no public member {span}";
        }
        var call = Regex.Match(span, @"^(\.)?(?:(\w+)\.)?(\w+)\(");
        if (!call.Success) return "";
        int? count = Arguments(span, call.Length);
        if (count is not { } n) return "the parentheses do not close";
        string receiver = call.Groups[2].Value, name = call.Groups[3].Value;
        var named = PublicTypes.FirstOrDefault(t => t.Name == receiver);
        if (!call.Groups[1].Success && receiver == "")
            return Fits(typeof(Functions).GetMethods(Static), name, n) ? null
                : $"no public Functions.{name} taking {n} argument(s) (for `using static AutoDiff.Functional.Functions;`)";
        if (named is not null)
            return Fits(named.GetMethods(Static), name, n) ? null : $"no public {receiver}.{name} taking {n} argument(s)";
        var instance = PublicTypes.SelectMany(t => t.GetMethods(Instance | BindingFlags.DeclaredOnly));
        var extension = PublicTypes.SelectMany(t => t.GetMethods(Static)).Where(m => m.IsDefined(typeof(ExtensionAttribute)));
        return Fits(instance, name, n) || Fits(extension, name, n + 1) ? null
            : $"no public instance or extension method {name} taking {n} argument(s)";
    }

    /// <summary>True when one of <paramref name="methods"/> named <paramref name="name"/> takes <paramref name="n"/>
    /// arguments (optional parameters may be left out, a params array takes any number).</summary>
    static bool Fits(IEnumerable<MethodInfo> methods, string name, int n) => methods.Any(m =>
    {
        if (m.Name != name) return false;
        var ps = m.GetParameters();
        bool isParams = ps.Length > 0 && ps[^1].IsDefined(typeof(ParamArrayAttribute));
        int required = ps.Count(p => !p.IsOptional) - (isParams ? 1 : 0);
        return n >= required && (n <= ps.Length || isParams);
    });

    /// <summary>The number of top-level arguments of the call whose '(' ends at <paramref name="start"/>, or null
    /// when its parentheses do not close; what follows may only be further calls, as in <c>Transforms.Grad(f)(x)</c>.</summary>
    static int? Arguments(string span, int start)
    {
        int depth = 0, commas = 0, i = start;
        for (; i < span.Length; i++)
        {
            char c = span[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}' && depth-- == 0) break;
            else if (c == ',' && depth == 0) commas++;
        }
        if (i == span.Length || !Regex.IsMatch(span[(i + 1)..], @"^(\([^()]*\))*$")) return null;
        return span[start..i].Trim().Length == 0 ? 0 : commas + 1;
    }

    [Fact]
    public void The_README_transformations_agree_with_each_other_and_with_the_maths()
    {
        var (grad, hessian, hv, jt, jTu, jacF, jacR) = ReadmeExample.Transformations();
        var x = DenseVector.OfArray([0.5, -1.0, 2.0]);
        var s = x.DotProduct(x);
        for (int i = 0; i < 3; i++) Assert.Equal(Math.Cos(x[i]) + s * x[i], grad[i], 1e-12);
        for (int i = 0; i < 3; i++) Assert.Equal(hessian[i, 0], hv[i], 1e-12);
        Assert.True((hessian - hessian.Transpose()).Enumerate().All(e => Math.Abs(e) < 1e-12));
        Assert.True((jacF - jacR).Enumerate().All(e => Math.Abs(e) < 1e-14));
        for (int i = 0; i < 2; i++) Assert.Equal(jacF[i, 0], jt[i], 1e-14);
        for (int j = 0; j < 3; j++) Assert.Equal(jacF[0, j] - jacF[1, j], jTu[j], 1e-14);
    }

    [Fact]
    public void The_README_per_example_gradients_are_the_logistic_loss_gradients()
    {
        var (gradients, rowNorms) = ReadmeExample.PerExample();
        // Independent reference: ∇w softplus(−y·w·x) = −y·σ(−y·w·x)·x, one row per example.
        double[] w = [0.5, -1.0], y = [1.0, -1, 1];
        double[,] x = { { 1, 2 }, { 0, 1 }, { -1, 3 } };
        Assert.Equal((3, 2), (gradients.RowCount, gradients.ColumnCount));
        for (int i = 0; i < 3; i++)
        {
            double margin = y[i] * (w[0] * x[i, 0] + w[1] * x[i, 1]), weight = -y[i] / (1 + Math.Exp(margin));
            for (int j = 0; j < 2; j++) Assert.Equal(weight * x[i, j], gradients[i, j], 1e-15);
            Assert.Equal(Math.Sqrt(x[i, 0] * x[i, 0] + x[i, 1] * x[i, 1]), rowNorms[i], 1e-15);
        }
    }

    [Fact]
    public void The_README_example_runs_and_its_gradient_is_right()
    {
        var (loss, grad, compiled) = ReadmeExample.Run();
        // Independent reference: loss = (1/m)‖Xw − y‖² + ‖w‖²/10, ∇ = (2/m)Xᵀ(Xw − y) + w/5.
        var X = DenseMatrix.OfArray(new double[,] { { 1, 2, 0 }, { 0, 1, 1 }, { 2, 0, 1 }, { 1, 1, 1 } });
        var y = DenseVector.OfArray([1.0, 2, 3, 4]);
        var w = DenseVector.OfArray([0.5, -0.25, 1]);
        var r = X * w - y;
        Assert.Equal(r.DotProduct(r) / 4 + w.DotProduct(w) / 10, loss, 1e-14);
        var expected = X.TransposeThisAndMultiply(r) * (2.0 / 4) + w / 5;
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], grad[i], 1e-14);
        Assert.Equal(r.DotProduct(r) / 4 + w.DotProduct(w) / 10, compiled[0].ToScalar(), 1e-14);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], compiled[1][i], 1e-14);
    }

    [Fact]
    public void The_README_fits_land_on_the_least_squares_solution()
    {
        var (fit, lbfgs, X, y) = ReadmeExample.Fitting();
        // Independent reference: least squares by QR on [X 1].
        var A = DenseMatrix.Create(X.RowCount, 4, (i, j) => j < 3 ? X[i, j] : 1);
        var solution = A.QR().Solve(y);
        for (int j = 0; j < 3; j++) Assert.Equal(solution[j], lbfgs.Parameters["w"][j], 1e-7);
        Assert.Equal(solution[3], lbfgs.Parameters["b"].ToScalar(), 1e-7);
        for (int j = 0; j < 3; j++) Assert.True(Math.Abs(solution[j] - fit.Parameters["w"][j]) < 0.02, $"Adam's w{j + 1}: {fit.Parameters["w"][j]} vs {solution[j]}");
    }

    [Fact]
    public void The_README_classifier_learns_the_blobs_from_int32_labels()
    {
        var (fit, scores, features, classes) = ReadmeExample.Classifier();
        // Predictions by plain loops from the fitted W and b: argmaxⱼ (x·W + b)ⱼ; Predict's scores to the same formula.
        var (W, b) = (fit.Parameters["kernel"], fit.Parameters["bias"]);
        int correct = 0;
        for (int i = 0; i < classes.Length; i++)
        {
            var z = Enumerable.Range(0, 3).Select(j => features[i, 0] * W[0, j] + features[i, 1] * W[1, j] + b[j]).ToArray();
            if (Array.IndexOf(z, z.Max()) == classes[i]) correct++;
            for (int j = 0; j < 3; j++)
                Assert.True(Math.Abs(scores[i, j] - z[j]) <= 4e-16 * 3 * (Math.Abs(features[i, 0] * W[0, j]) + Math.Abs(features[i, 1] * W[1, j]) + Math.Abs(b[j])));
        }
        Assert.True(correct >= 0.95 * classes.Length, $"{correct} of {classes.Length} classified correctly");
        Assert.True(fit.EpochLosses[^1] < 0.5 * Math.Log(3), $"last epoch's loss {fit.EpochLosses[^1]} against log 3 = {Math.Log(3)} at the start");
    }

    [Fact]
    public void The_README_float32_classifier_keeps_float32_parameters_and_learns_the_blobs()
    {
        var (fit, features, classes) = ReadmeExample.Classifier32();
        var (W, b) = (fit.Parameters["W"], fit.Parameters["b"]);
        Assert.Equal(DType.Float32, W.DType);
        Assert.Equal(DType.Float32, b.DType);
        Assert.All(W.Values.ToArray().Concat(b.Values.ToArray()), v => Assert.Equal(v, (double)(float)v));
        int correct = 0;
        for (int i = 0; i < classes.Length; i++)
        {
            var scores = Enumerable.Range(0, 3).Select(j => features[i, 0] * W[0, j] + features[i, 1] * W[1, j] + b[j]).ToArray();
            if (Array.IndexOf(scores, scores.Max()) == classes[i]) correct++;
        }
        Assert.True(correct >= 0.95 * classes.Length, $"{correct} of {classes.Length} classified correctly");
        Assert.True(fit.EpochLosses[^1] < 0.5 * Math.Log(3), $"last epoch's loss {fit.EpochLosses[^1]} against log 3 = {Math.Log(3)} at the start");
    }

    [Fact]
    public void The_README_s_mlp_fits_saves_reloads_the_same_bits_and_resumes_as_a_longer_fit()
    {
        var (_, _, features, classes) = ReadmeExample.Classifier();
        var (fit, resumed, reloaded, logits, heldOut, mlp) = ReadmeExample.Layers(features, classes);
        Assert.Equal(["0.kernel", "0.bias", "1.weight", "1.bias", "3.kernel", "3.bias"], fit.Parameters.Names);
        Assert.True(reloaded.BitwiseEquals(fit.Parameters));
        var direct = mlp.Predict(fit.Parameters, heldOut["X"]);
        Assert.Equal(direct.Values.ToArray().Select(BitConverter.DoubleToInt64Bits), logits.Values.ToArray().Select(BitConverter.DoubleToInt64Bits));
        // Held-out accuracy by argmax of the logits against the labels.
        var labels = heldOut["labels"].Ints.ToArray();
        int correct = Enumerable.Range(0, labels.Length).Count(i => Enumerable.Range(0, 3).MaxBy(j => logits[i, j]) == labels[i]);
        Assert.True(correct >= 0.9 * labels.Length, $"{correct} of {labels.Length} held-out points");
        // The resumed fit is the 20-epoch fit from the start, bit for bit (unless early stopping ended the first).
        var (train, _) = Dataset.Of(("X", features), ("labels", Tensor.Indices(classes))).Split(heldOut: 60, seed: 2);
        var theta = mlp.Init(Key.Of(7));
        Func<int, Node> loss = rows => mlp.Apply(theta, Node.Variable("X", Shape.Matrix(rows, 2)))
            .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        var whole = Fit.Run(loss, theta, new Adam(0.01), train, heldOut, new FitOptions { Epochs = 20, BatchSize = 32, Seed = 3, Patience = 5 });
        Assert.False(fit.StoppedEarly);
        Assert.True(whole.Last.BitwiseEquals(resumed.Last));
        Assert.Equal(whole.StepLosses.Select(BitConverter.DoubleToInt64Bits), resumed.StepLosses.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void The_README_s_record_tree_fits_as_the_path_named_tree_and_comes_back_as_the_record()
    {
        var (_, _, features, classes) = ReadmeExample.Classifier();
        var (fit, fitted) = ReadmeExample.RecordTree(features, classes);
        Assert.Equal(["W1", "b1", "W2", "b2"], fit.Parameters.Names);
        Assert.Same(fit.Parameters["W2"], fitted.W2);
        Assert.True(fit.EpochLosses[^1] < 0.5 * Math.Log(3), $"last epoch's loss {fit.EpochLosses[^1]} against log 3 = {Math.Log(3)} at the start");
    }
}

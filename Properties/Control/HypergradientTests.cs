using AutoDiff.Functional.Properties.Docs;
using AutoDiff.Functional.Properties.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>A hypergradient by implicit differentiation (issue #13, item 5): the derivative, with respect to the L2
/// weight λ, of a softmax classifier's held-out loss at the weights w*(λ) trained with that penalty. The library
/// differentiates the optimality condition ∇_w L_train(w*, λ) = 0 (<see cref="Implicit.Solve"/>); the references,
/// written with MathNet apart from the library, are central differences of models re-trained by Newton's method at
/// λ ± h, and the implicit function theorem written out: dw*/dλ = −H⁻¹w*, H the training loss's Hessian.</summary>
[Properties(Arbitrary = [typeof(HypergradientTests)], MaxTest = 100)]
public class HypergradientTests
{
    const int TrainingSamples = 60, HeldOutSamples = 40, Features = 4, Classes = 3;

    /// <summary>A problem: the data built from generated numbers <paramref name="Draws"/>, and the penalty λ.</summary>
    public sealed record Problem(Draws Draws, double Lambda)
    {
        /// <inheritdoc/>
        public override string ToString() => $"{Draws}, λ = {Lambda}";
    }

    /// <summary>Generated numbers and λ in [0.02, 2] (a grid of 100 per decade); shrinks λ to 1, then the numbers.</summary>
    public static Arbitrary<Problem> Problems()
    {
        var draws = DrawsArbs.Draws();
        return Arb.From(
            from d in draws.Generator
            from exponent in Gen.Choose(-170, 30)
            select new Problem(d, Math.Pow(10, exponent / 100.0)),
            p => (p.Lambda == 1 ? [] : new[] { p with { Lambda = 1 } }).Concat(draws.Shrinker(p.Draws).Select(d => p with { Draws = d })));
    }

    sealed record Data(DenseMatrix XTrain, int[] YTrain, DenseMatrix XHeldOut, int[] YHeldOut);

    /// <summary>Standard normal features; labels from a random linear rule plus Gumbel noise, so no class separates.</summary>
    static Data Draw(Draws draws)
    {
        var rng = draws.Random();
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var rule = DenseMatrix.Create(Features, Classes, (_, _) => Normal());
        (DenseMatrix X, int[] Y) Samples(int n)
        {
            var x = DenseMatrix.Create(n, Features, (_, _) => Normal());
            var scores = x * rule;
            var y = new int[n];
            for (int i = 0; i < n; i++)
            {
                var noisy = Enumerable.Range(0, Classes).Select(c => scores[i, c] - Math.Log(-Math.Log(1 - rng.NextDouble()))).ToArray();
                y[i] = Array.IndexOf(noisy, noisy.Max());
            }
            return (x, y);
        }
        var (xt, yt) = Samples(TrainingSamples);
        var (xh, yh) = Samples(HeldOutSamples);
        return new(xt, yt, xh, yh);
    }

    /// <summary>The library's hypergradient: the held-out loss of the trained weights, differentiated in λ through
    /// <see cref="Implicit.Solve"/> (reverse mode, and forward mode as the second result). docs/loops.md shows the
    /// region between the markers.</summary>
    static (double Reverse, double Forward) Hypergradient(Node xTrain, int[] yTrain, Node xHeldOut, int[] yHeldOut,
        Func<double, Tensor> train, double λ)
    {
        // GUIDE:begin
        var lambda = Node.Variable("λ", Shape.Scalar);
        Node TrainingLoss(Node w, Node l) => xTrain.MatMul(w).CrossEntropy(yTrain) + 0.5 * l * w.SquaredNorm();
        // w*(λ) is the root of ∇_w L_train(w, λ): its value from any trainer, its derivative from that residual alone
        var trained = Implicit.Solve((w, l) => Reverse.Grad(TrainingLoss(w, l), [w])[0],
            l => train(l.ToScalar()), lambda, Shape.Matrix(Features, Classes));
        var heldOutLoss = xHeldOut.MatMul(trained).CrossEntropy(yHeldOut);
        var at = Bindings.Empty.Bind(lambda, λ);
        double hypergradient = AD.Grad(heldOutLoss, at, lambda)[0].ToScalar();
        // GUIDE:end
        return (hypergradient, AD.Jvp([heldOutLoss], at, (lambda, Tensor.Scalar(1))).Tangents[0].ToScalar());
    }

    // ---- The references, in MathNet: softmax regression written out, trained by Newton's method. ----

    /// <summary>Row-wise softmax of XW, shifted by each row's maximum.</summary>
    static DenseMatrix Probabilities(DenseMatrix x, DenseMatrix w)
    {
        var p = (DenseMatrix)(x * w);
        for (int i = 0; i < p.RowCount; i++)
        {
            double max = p.Row(i).Maximum(), total = 0;
            for (int c = 0; c < p.ColumnCount; c++) total += p[i, c] = Math.Exp(p[i, c] - max);
            for (int c = 0; c < p.ColumnCount; c++) p[i, c] /= total;
        }
        return p;
    }

    /// <summary>Mean cross-entropy −(1/n) Σᵢ log pᵢ[yᵢ] and its gradient Xᵀ(P − Y)/n in W.</summary>
    static (double Loss, DenseMatrix Gradient) CrossEntropy(DenseMatrix x, int[] y, DenseMatrix w)
    {
        var p = Probabilities(x, w);
        double loss = 0;
        for (int i = 0; i < y.Length; i++) loss -= Math.Log(p[i, y[i]]) / y.Length;
        var residual = (DenseMatrix)p.Clone();
        for (int i = 0; i < y.Length; i++) residual[i, y[i]] -= 1;
        return (loss, (DenseMatrix)(x.TransposeThisAndMultiply(residual) / y.Length));
    }

    /// <summary>The training loss's Hessian over vec(W) (column-major, W[j, a] at j + d·a):
    /// (1/n) Σᵢ xᵢⱼxᵢₖ(pᵢₐδₐᵦ − pᵢₐpᵢᵦ) + λδ.</summary>
    static DenseMatrix Hessian(DenseMatrix x, DenseMatrix w, double λ)
    {
        var p = Probabilities(x, w);
        int n = x.RowCount;
        var h = DenseMatrix.CreateIdentity(Features * Classes) * λ;
        for (int i = 0; i < n; i++)
            for (int a = 0; a < Classes; a++)
                for (int b = 0; b < Classes; b++)
                {
                    double s = (a == b ? p[i, a] : 0) - p[i, a] * p[i, b];
                    for (int j = 0; j < Features; j++)
                        for (int k = 0; k < Features; k++) h[j + Features * a, k + Features * b] += x[i, j] * x[i, k] * s / n;
                }
        return (DenseMatrix)h;
    }

    static double TrainingLoss(Data d, DenseMatrix w, double λ) =>
        CrossEntropy(d.XTrain, d.YTrain, w).Loss + 0.5 * λ * w.FrobeniusNorm() * w.FrobeniusNorm();

    static DenseVector Vec(DenseMatrix m) => DenseVector.OfArray(m.Values);

    /// <summary>w*(λ) by Newton's method from w = 0, halving a step only while it raises the loss by more than rounding
    /// (near w* the loss cannot tell steps apart, and full steps converge quadratically), until a full step no longer
    /// moves w; the gradient's norm at the end is returned with it.</summary>
    static (DenseMatrix W, double GradientNorm) Train(Data d, double λ)
    {
        var w = new DenseMatrix(Features, Classes);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            var gradient = CrossEntropy(d.XTrain, d.YTrain, w).Gradient + λ * w;
            var step = DenseMatrix.OfColumnMajor(Features, Classes, Hessian(d.XTrain, w, λ).Solve(Vec((DenseMatrix)gradient)).ToArray());
            double loss = TrainingLoss(d, w, λ), t = 1;
            while (t > 1e-8 && TrainingLoss(d, (DenseMatrix)(w - t * step), λ) > loss + 1e-14 * Math.Abs(loss)) t /= 2;
            w = (DenseMatrix)(w - t * step);
            if (t == 1 && step.FrobeniusNorm() <= 1e-15 * (1 + w.FrobeniusNorm())) break;
        }
        return (w, (CrossEntropy(d.XTrain, d.YTrain, w).Gradient + λ * w).FrobeniusNorm());
    }

    static double HeldOutLoss(Data d, double λ) => CrossEntropy(d.XHeldOut, d.YHeldOut, Train(d, λ).W).Loss;

    /// <summary>dL_held-out/dλ = ⟨∇_w L_held-out(w*), dw*/dλ⟩, dw*/dλ = −H⁻¹w* (differentiate ∇L_train(w*, λ) = 0 in λ).</summary>
    static double ImplicitFunctionTheorem(Data d, double λ)
    {
        var w = Train(d, λ).W;
        var dw = -Hessian(d.XTrain, w, λ).Solve(Vec(w));
        return Vec(CrossEntropy(d.XHeldOut, d.YHeldOut, w).Gradient) * dw;
    }

    static (double Reverse, double Forward) Library(Data d, double λ) =>
        Hypergradient(Node.Constant(Tensor.Copy(d.XTrain)), d.YTrain, Node.Constant(Tensor.Copy(d.XHeldOut)), d.YHeldOut,
            l => Tensor.Copy(Train(d, l).W), λ);

    [Property]
    public void Trained_weights_are_a_root_of_the_training_gradient_to_1e_13(Problem p)
    {
        var (_, norm) = Train(Draw(p.Draws), p.Lambda);
        Assert.True(norm <= 1e-13, $"‖∇L_train(w*)‖ = {norm:E2}");
    }

    [Property]
    public void Hypergradient_matches_central_differences_of_retrained_models(Problem p)
    {
        var d = Draw(p.Draws);
        var (reverse, forward) = Library(d, p.Lambda);
        // λ is a scale (the loss varies on the scale of λ itself), so the step is relative to it: h = ∛ε·λ. The
        // quotient's O((h/λ)²) truncation and O(ε/h) rounding leave about 1e-8 (measured over 24 cases: ≤ 1.0e-8).
        double h = Math.Cbrt(Math.BitIncrement(1.0) - 1.0) * p.Lambda, up = p.Lambda + h, down = p.Lambda - h;
        double differences = (HeldOutLoss(d, up) - HeldOutLoss(d, down)) / (up - down);
        Assert.True(Math.Abs(reverse - differences) <= 1e-9 + 1e-7 * Math.Abs(differences),
            $"implicit {reverse:R}, central differences {differences:R}");
        Assert.Equal(reverse, forward, 1e-12 * Math.Max(1, Math.Abs(reverse)));
    }

    [Property]
    public void Hypergradient_matches_the_implicit_function_theorem_written_out(Problem p)
    {
        var d = Draw(p.Draws);
        double expected = ImplicitFunctionTheorem(d, p.Lambda), actual = Library(d, p.Lambda).Reverse;
        // Both solve with H at the same w*; the library's GMRES to its own tolerance.
        Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Max(1e-3, Math.Abs(expected)), $"implicit {actual:R}, formula {expected:R}");
    }

    [Fact]
    public void Docs_loops_shows_the_example_that_runs()
    {
        var docs = RepoFiles.Read("docs/loops.md");
        var block = System.Text.RegularExpressions.Regex.Match(docs, @"<!-- source: Properties/Control/HypergradientTests.cs \(region\) -->\n```csharp\n(.*?)```",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        var source = RepoFiles.Read("Properties/Control/HypergradientTests.cs");
        var region = System.Text.RegularExpressions.Regex.Match(source, @"// GUIDE:begin\n(.*?)\s*// GUIDE:end",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        Assert.NotEmpty(RepoFiles.Normalise(block));
        Assert.Equal(RepoFiles.Normalise(region), RepoFiles.Normalise(block));
    }
}

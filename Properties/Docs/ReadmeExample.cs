// The README's example, compiled here; ReadmeExampleTests checks the README shows exactly this code, and these using
// lines: the namespace is outside AutoDiff.Functional, so the compiler needs them as a user's program does.
using AutoDiff.Functional;
using AutoDiff.Functional.Training;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.Optimization;

namespace ReadmeSnippets;

public static class ReadmeExample
{
    public static (double Loss, DenseVector GradW, Tensor[] Compiled) Run()
    {
        // README:begin
        // loss(w) = mean((X·w − y)²) + ‖w‖² / 10, for a data matrix X (4×3) and targets y (4)
        var X = Node.Variable("X", Shape.Matrix(4, 3));
        var y = Node.Variable("y", Shape.Vector(4));
        var w = Node.Variable("w", Shape.Vector(3));
        var loss = (X.MatMul(w) - y).Square().Mean() + w.SquaredNorm() / 10;

        var at = Bindings.Empty
            .Bind(X, DenseMatrix.OfArray(new double[,] { { 1, 2, 0 }, { 0, 1, 1 }, { 2, 0, 1 }, { 1, 1, 1 } }))
            .Bind(y, DenseVector.OfArray([1.0, 2, 3, 4]))
            .Bind(w, DenseVector.OfArray([0.5, -0.25, 1]));

        var (value, gradients) = AD.ValueAndGrad(loss, at, w);   // one backward pass
        DenseVector gradW = gradients[0].AsVector();             // zero-copy MathNet view

        var check = GradCheck.Check(loss, at);                   // reverse vs forward vs finite differences
        Console.WriteLine($"loss = {value.ToScalar()}, ∇w = {gradW}, {(check.Passed ? "gradients check" : check)}");
        // README:end

        // README:begin
        // Compile the loss and its gradient once, then run the plan for each new binding.
        var plan = Plan.Compile([loss, .. Reverse.Grad(loss, [w])]);
        var workspace = plan.NewWorkspace();                     // buffers kept between runs: one per thread
        Tensor[] lossAndGradient = plan.Run(at, workspace);
        Console.WriteLine(plan);                                 // its steps: fused passes, slots, merged nodes
        // README:end
        return (value.ToScalar(), gradW, lossAndGradient);
    }

    public static (DenseVector Grad, DenseMatrix Hessian, DenseVector Hv, DenseVector Jt, DenseVector JTu, DenseMatrix JacF, DenseMatrix JacR) Transformations()
    {
        // README:begin
        // f: ℝ³ → ℝ and g: ℝ³ → ℝ² as C# lambdas over nodes; each transformation returns a function on values.
        Func<Node, Node> f = x => x.Sin().Sum() + x.SquaredNorm().Square() / 4;
        var A = Node.Constant(DenseMatrix.OfArray(new double[,] { { 1, 2, 3 }, { -1, 0, 1 } }));
        Func<Node, Node> g = x => A.MatMul(x.Tanh());

        var x0 = DenseVector.OfArray([0.5, -1.0, 2.0]);
        var v = DenseVector.OfArray([1.0, 0, 0]);
        var u = DenseVector.OfArray([1.0, -1]);

        DenseVector grad = Transforms.Grad(f)(x0).AsVector();              // ∇f(x0)
        var (fx, sameGrad) = Transforms.ValueAndGrad(f)(x0);               // f(x0) and ∇f(x0), one pass
        DenseMatrix hessian = Transforms.Hessian(f)(x0);                   // ∇²f(x0), 3×3
        DenseVector hv = Transforms.Hvp(f)(x0, v).AsVector();              // ∇²f(x0)·v, no Hessian formed
        var (gx, jt) = Transforms.Jvp(g)(x0, v);                           // g(x0) and J·v (forward mode)
        var (_, jTu) = Transforms.Vjp(g)(x0, u);                           // Jᵀ·u (reverse mode)
        DenseMatrix jacF = Transforms.JacFwd(g)(x0);                       // 2×3, by forward mode
        DenseMatrix jacR = Transforms.JacRev(g)(x0);                       // 2×3, by reverse mode
        // README:end
        return (grad, hessian, hv, jt.AsVector(), jTu.AsVector(), jacF, jacR);
    }

    public static (DenseMatrix Gradients, DenseVector RowNorms) PerExample()
    {
        // README:begin
        // Per-example gradients of a logistic loss: w shared, one example per row of X and entry of y.
        Func<Node[], Node> loss = a => (-(a[2] * a[0].Dot(a[1]))).Softplus();   // a = [w, x, y]
        var perExample = Transforms.Vmap(Transforms.Grad(loss, 0), inAxes: [null, 0, 0], outAxes: [0]);

        var w = DenseVector.OfArray([0.5, -1.0]);
        var X = DenseMatrix.OfArray(new double[,] { { 1, 2 }, { 0, 1 }, { -1, 3 } });
        var y = DenseVector.OfArray([1.0, -1, 1]);
        DenseMatrix gradients = perExample([w, X, y])[0].AsMatrix();      // 3×2: row i is ∇w of example i
        DenseVector rowNorms = Transforms.Vmap(x => x.Norm())(X).AsVector();  // any function, row by row
        // README:end
        return (gradients, rowNorms);
    }

    public static (FitResult Fit, FullBatchResult Lbfgs, DenseMatrix X, DenseVector Y) Fitting()
    {
        // 100 samples of 3 features in [−1, 1], y = 0.5x₁ − x₂ + 2x₃ + 0.3 plus a little noise.
        var random = new Random(5);
        var X = DenseMatrix.Create(100, 3, (_, _) => 2 * random.NextDouble() - 1);
        var y = DenseVector.Create(100, i => 0.5 * X[i, 0] - X[i, 1] + 2 * X[i, 2] + 0.3 + 0.01 * (random.NextDouble() - 0.5));

        // README:begin
        // The loss of a batch of any number of rows; names bind the parameters (w, b) and the data (X, y).
        Func<int, Node> loss = rows =>
        {
            var X = Node.Variable("X", Shape.Matrix(rows, 3));
            var y = Node.Variable("y", Shape.Vector(rows));
            var w = Node.Variable("w", Shape.Vector(3));
            var b = Node.Variable("b", Shape.Scalar);
            return (X.MatMul(w) + b.Fill(Shape.Vector(rows)) - y).Square().Mean();
        };
        var data = Dataset.Of(("X", X), ("y", y));                       // rows are samples
        var start = Parameters.Of(("w", Tensor.Zeros(Shape.Vector(3))), ("b", Tensor.Scalar(0)));
        var (train, heldOut) = data.Split(heldOut: 20, seed: 1);

        // Minibatches of 16 in a seeded order, Adam with warm-up and cosine decay, early stopping on the held-out loss.
        var fit = Fit.Run(loss, start, new Adam(Schedule.Cosine(0.1, 400).WithWarmUp(10)), train, heldOut,
            new FitOptions { Epochs = 80, BatchSize = 16, Seed = 7, Patience = 5, ClipNorm = 10 });
        Console.WriteLine($"w = {fit.Parameters["w"]}, held-out MSE {fit.HeldOutLosses[fit.BestEpoch]:G3}");

        // Full batch: MathNet's L-BFGS on our loss and gradient.
        var lbfgs = FullBatch.Minimise(new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-12, 5, 200),
            Objective.Of(loss(data.Rows), start), start, data);
        // README:end
        return (fit, lbfgs, X, y);
    }

    public static (FitResult Fit, Tensor Scores, DenseMatrix Features, int[] Classes) Classifier()
    {
        // 300 points in three blobs around (−2, 0), (2, 0) and (0, 2.5), class i for blob i.
        var random = new Random(11);
        int[] classes = [.. Enumerable.Range(0, 300).Select(i => i % 3)];
        var centres = new[] { (-2.0, 0.0), (2.0, 0.0), (0.0, 2.5) };
        var features = DenseMatrix.Create(300, 2, (i, j) => (j == 0 ? centres[classes[i]].Item1 : centres[classes[i]].Item2) + random.NextDouble() - 0.5);

        // README:begin
        // A softmax classifier on minibatches: the model is a value, its parameters one tree ("kernel", "bias") named by
        // the layer, shared by the loss graph, the fit and the prediction. The labels are int32 data, bound per batch.
        var model = new Linear(2, 3);                                   // x·W + b, W (2×3) and b (3)
        var start = model.Init(Key.Of(1));                              // Glorot-uniform W, zero b, from an explicit key
        Func<int, Node> crossEntropy = rows => model.Apply(start, Node.Variable("X", Shape.Matrix(rows, 2)))
            .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        var points = Dataset.Of(("X", features), ("labels", Tensor.Indices(classes)));   // classes: int[], one per row
        var classifier = Fit.Run(crossEntropy, start, new Adam(0.05), points,
            options: new FitOptions { Epochs = 30, BatchSize = 32, Seed = 1 });
        Tensor scores = model.Predict(classifier.Parameters, features);   // (300×3), compiled once per input shape
        // README:end
        return (classifier, scores, features, classes);
    }

    public static (FitResult Fit, DenseMatrix Features, int[] Classes) Classifier32()
    {
        var (_, _, features, classes) = Classifier();

        // README:begin
        // The same classifier in float32: declare the float variables Float32, and give float32 data and parameters.
        Func<int, Node> crossEntropy32 = rows =>
        {
            var X = Node.Variable("X", Shape.Matrix(rows, 2), DType.Float32);
            var labels = Node.Variable("labels", Shape.Vector(rows), DType.Int32);
            var W = Node.Variable("W", Shape.Matrix(2, 3), DType.Float32);
            var b = Node.Variable("b", Shape.Vector(3), DType.Float32);
            return (X.MatMul(W) + b.BroadcastRows(rows)).CrossEntropy(labels);
        };
        var points32 = Dataset.Of(("X", Tensor.Wrap(features).ToFloat32()), ("labels", Tensor.Indices(classes)));
        var zero32 = Parameters.Of(("W", Tensor.Zeros(Shape.Matrix(2, 3)).ToFloat32()), ("b", Tensor.Zeros(Shape.Vector(3)).ToFloat32()));
        var classifier32 = Fit.Run(crossEntropy32, zero32, new Adam(0.05), points32,
            options: new FitOptions { Epochs = 30, BatchSize = 32, Seed = 1 });
        // README:end
        return (classifier32, features, classes);
    }

    public static (FitResult Fit, FitResult Resumed, Parameters Reloaded, Tensor Logits, Dataset HeldOut, Sequential Mlp) Layers(DenseMatrix features, int[] classes)
    {
        var points = Dataset.Of(("X", features), ("labels", Tensor.Indices(classes)));
        var folder = Path.Combine(Path.GetTempPath(), $"readme-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            // README:begin
            // An MLP from layers; its tree's names are paths: "0.kernel", "0.bias", "1.weight", "1.bias", "3.kernel", "3.bias".
            var mlp = new Sequential(new Linear(2, 16), new LayerNorm(16), Activation.Relu, new Linear(16, 3));
            var theta = mlp.Init(Key.Of(7));
            Func<int, Node> loss = rows => mlp.Apply(theta, Node.Variable("X", Shape.Matrix(rows, 2)))
                .CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
            var (train, heldOut) = points.Split(heldOut: 60, seed: 2);
            var options = new FitOptions { Epochs = 10, BatchSize = 32, Seed = 3, Patience = 5 };
            var fit = Fit.Run(loss, theta, new Adam(0.01), train, heldOut, options);

            // Save the tree as safetensors (PyTorch's safetensors.torch.load_file reads it), read it back, predict.
            SafeTensors.Save(Path.Combine(folder, "mlp.safetensors"), fit.Parameters);
            var reloaded = SafeTensors.Load(Path.Combine(folder, "mlp.safetensors"));
            Tensor logits = mlp.Predict(reloaded, heldOut["X"]);

            // A checkpoint holds the fit whole (optimiser state, histories): resuming gives the longer fit's bits.
            Checkpoint.Save(Path.Combine(folder, "fit.safetensors"), fit);
            var resumed = Fit.Resume(loss, Checkpoint.Load(Path.Combine(folder, "fit.safetensors")), new Adam(0.01), train, heldOut,
                options with { Epochs = 20 });
            // README:end
            return (fit, resumed, reloaded, logits, heldOut, mlp);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    public static (FitResult Fit, Net<Tensor> Fitted) RecordTree(DenseMatrix features, int[] classes)
    {
        var points = Dataset.Of(("X", features), ("labels", Tensor.Indices(classes)));
        // README:begin
        // Parameters in your own record: Net<Tensor> holds the values, Net<Node> the loss graph's variables, and the
        // property names are the tree's paths ("W1", "b1", "W2", "b2"): Fit, optimisers, checkpoints and gradients share it.
        // (Declared as: public sealed record Net<T>(T W1, T b1, T W2, T b2);)
        var start = Parameters.FromTree(new Net<Tensor>(Init.GlorotUniform(Key.Of(1), Shape.Matrix(2, 8)), Tensor.Zeros(Shape.Vector(8)),
            Init.GlorotUniform(Key.Of(2), Shape.Matrix(8, 3)), Tensor.Zeros(Shape.Vector(3))));
        Func<int, Node> netLoss = rows =>
        {
            var net = start.Variables<Net<Node>>();
            var hidden = (Node.Variable("X", Shape.Matrix(rows, 2)).MatMul(net.W1) + net.b1.BroadcastRows(rows)).Tanh();
            return (hidden.MatMul(net.W2) + net.b2.BroadcastRows(rows)).CrossEntropy(Node.Variable("labels", Shape.Vector(rows), DType.Int32));
        };
        var netFit = Fit.Run(netLoss, start, new Adam(0.05), points, options: new FitOptions { Epochs = 20, BatchSize = 32, Seed = 1 });
        Net<Tensor> fitted = netFit.Parameters.ToTree<Net<Tensor>>();
        // README:end
        return (netFit, fitted);
    }
}

/// <summary>The README's record of parameters.</summary>
public sealed record Net<T>(T W1, T b1, T W2, T b2);

// The README's example, compiled here; ReadmeExampleTests checks the README shows exactly this code.
using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional.Properties.Docs;

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
        DenseMatrix jacF = Transforms.JacFwd(g)(x0);                       // 2×3, column by column
        DenseMatrix jacR = Transforms.JacRev(g)(x0);                       // 2×3, row by row
        // README:end
        return (grad, hessian, hv, jt.AsVector(), jTu.AsVector(), jacF, jacR);
    }
}

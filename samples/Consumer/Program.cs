using AutoDiff.Functional;
using MathNet.Numerics.LinearAlgebra.Double;

// Uses the packages the way a user would: the graph API, a gradient, GradCheck and a transformation.
var x = Node.Variable("x", Shape.Vector(3));
var loss = (x.Sin() * x).Sum() + x.SquaredNorm();
var at = Bindings.Empty.Bind(x, DenseVector.OfArray([0.5, -1.0, 2.0]));
var (value, gradients) = AD.ValueAndGrad(loss, at, x);
var check = GradCheck.Check(loss, at);
var hessian = Transforms.Hessian(v => (v.Sin() * v).Sum())(DenseVector.OfArray([0.5, -1.0, 2.0]));

Console.WriteLine($"BLAS: {Blas.Backend}");
Console.WriteLine($"loss = {value.ToScalar():G6}, gradient = [{string.Join(", ", gradients[0].Values.ToArray().Select(g => g.ToString("G6")))}]");
Console.WriteLine($"Hessian diagonal = [{string.Join(", ", hessian.Diagonal().Select(h => h.ToString("G6")))}]");
Console.WriteLine(check.Passed ? "GradCheck passed" : check.ToString());
return check.Passed ? 0 : 1;

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>A point x in [-2, 2]ⁿ (n in 1..6), a direction v and a matrix A (m×n, m in 1..5) for the test functions.</summary>
public sealed record TransformCase(double[] X, double[] V, double[,] A)
{
    public override string ToString() =>
        $"x=[{string.Join(", ", X.Select(v => v.ToString("G4")))}], v=[{string.Join(", ", V.Select(v => v.ToString("G4")))}], A {A.GetLength(0)}×{A.GetLength(1)}";
}

public static class TransformArbs
{
    static Gen<double> Value => Gen.Choose(-2000, 2000).Select(i => i / 1000.0);

    public static Arbitrary<TransformCase> Cases()
    {
        var gen = from n in Gen.Choose(1, 6)
                  from m in Gen.Choose(1, 5)
                  from x in Gen.ArrayOf(Value, n)
                  from v in Gen.ArrayOf(Value, n)
                  from a in Gen.ArrayOf(Value, m * n)
                  select new TransformCase(x, v, To2D(a, m, n));
        return Arb.From(gen, Shrink);
    }

    // Shrink towards fewer inputs and rounder values.
    static IEnumerable<TransformCase> Shrink(TransformCase c)
    {
        int n = c.X.Length, m = c.A.GetLength(0);
        if (n > 1) yield return new(c.X[..^1], c.V[..^1], Slice(c.A, m, n - 1));
        if (m > 1) yield return new(c.X, c.V, Slice(c.A, m - 1, n));
        if (c.X.Any(v => v != Math.Round(v))) yield return c with { X = [.. c.X.Select(v => Math.Round(v))] };
    }

    static double[,] To2D(double[] a, int m, int n)
    {
        var r = new double[m, n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) r[i, j] = a[i * n + j];
        return r;
    }

    static double[,] Slice(double[,] a, int m, int n)
    {
        var r = new double[m, n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) r[i, j] = a[i, j];
        return r;
    }
}

/// <summary>The JAX-style transformations against derivatives written out by hand for two test functions:
/// f(x) = Σ sin xᵢ + (Σ xᵢ²)²/4 (scalar) and g(x) = A·tanh(x) (vector).</summary>
[Properties(Arbitrary = [typeof(TransformArbs)], MaxTest = 100)]
public class TransformsProperties
{
    static Node F(Node x) => x.Sin().Sum() + x.SquaredNorm().Square() / 4;

    // ∇f = cos x + (Σx²)·x;  ∇²f = diag(−sin x) + (Σx²)·I + 2·x·xᵀ
    static DenseVector GradF(DenseVector x) => (DenseVector)(x.Map(Math.Cos) + x.DotProduct(x) * x);
    static DenseMatrix HessF(DenseVector x) =>
        (DenseMatrix)(DenseMatrix.OfDiagonalVector(x.Map(v => -Math.Sin(v))) + x.DotProduct(x) * DenseMatrix.CreateIdentity(x.Count)
                      + 2 * x.OuterProduct(x));

    // J_g = A·diag(1 − tanh² x)
    static DenseMatrix JacG(DenseMatrix a, DenseVector x) =>
        (DenseMatrix)(a * DenseMatrix.OfDiagonalVector(x.Map(v => 1 - Math.Tanh(v) * Math.Tanh(v))));

    static void Close(MathNet.Numerics.LinearAlgebra.Matrix<double> expected, MathNet.Numerics.LinearAlgebra.Matrix<double> actual, double tol = 1e-12)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        var scale = Math.Max(1, expected.Enumerate().Max(Math.Abs));
        Assert.True((expected - actual).Enumerate().Max(Math.Abs) <= tol * scale, $"expected\n{expected}\nactual\n{actual}");
    }

    static void Close(MathNet.Numerics.LinearAlgebra.Vector<double> expected, MathNet.Numerics.LinearAlgebra.Vector<double> actual, double tol = 1e-12) =>
        Close(expected.ToColumnMatrix(), actual.ToColumnMatrix(), tol);

    [Property]
    public void Grad_and_ValueAndGrad_match_the_analytic_gradient(TransformCase c)
    {
        var x = DenseVector.OfArray(c.X);
        Close(GradF(x), Functional.Transforms.Grad(F)(x).AsVector());
        var (value, grad) = Functional.Transforms.ValueAndGrad(F)(x);
        var s = x.DotProduct(x);
        Assert.Equal(x.Sum(Math.Sin) + s * s / 4, value, 1e-12);
        Close(GradF(x), grad.AsVector());
    }

    [Property]
    public void Hessian_and_Hvp_match_the_analytic_Hessian(TransformCase c)
    {
        var x = DenseVector.OfArray(c.X);
        var v = DenseVector.OfArray(c.V);
        Close(HessF(x), Functional.Transforms.Hessian(F)(x));
        Close(HessF(x) * v, Functional.Transforms.Hvp(F)(x, v).AsVector());
    }

    [Property]
    public void Jacobians_Jvp_and_Vjp_of_a_vector_function_match_the_analytic_Jacobian(TransformCase c)
    {
        var a = DenseMatrix.OfArray(c.A);
        var x = DenseVector.OfArray(c.X);
        var v = DenseVector.OfArray(c.V);
        var u = DenseVector.Create(a.RowCount, i => 1.0 / (i + 1));
        var aNode = Node.Constant(Tensor.Wrap(a));
        Func<Node, Node> g = xs => aNode.MatMul(xs.Tanh());
        var j = JacG(a, x);

        Close(j, Functional.Transforms.JacFwd(g)(x));
        Close(j, Functional.Transforms.JacRev(g)(x));
        var (value, tangent) = Functional.Transforms.Jvp(g)(x, v);
        Close(a * x.Map(Math.Tanh), value.AsVector());
        Close(j * v, tangent.AsVector());
        Close(j.TransposeThisAndMultiply(u), Functional.Transforms.Vjp(g)(x, u).Cotangent.AsVector());
    }

    [Fact]
    public void A_transformed_function_traces_once_per_shape_and_serves_many_threads()
    {
        int traces = 0;
        var grad = Functional.Transforms.Grad(x => { Interlocked.Increment(ref traces); return x.Sin().Sum(); });
        var points = Enumerable.Range(0, 64).Select(i => DenseVector.Create(3, k => 0.1 * i - k)).ToArray();
        var results = new Tensor[points.Length];
        Parallel.For(0, points.Length, i => results[i] = grad(points[i]));
        Assert.Equal(1, traces);
        for (int i = 0; i < points.Length; i++) Close(points[i].Map(Math.Cos), results[i].AsVector());
        grad(DenseVector.Create(4, 0.5));
        Assert.Equal(2, traces);
    }

    [Fact]
    public void Grad_of_a_non_scalar_function_is_an_error_naming_the_shape()
    {
        var e = Assert.Throws<ShapeException>(() => Functional.Transforms.Grad(x => x.Sin())(DenseVector.Create(3, 1.0)));
        Assert.Contains("(3)", e.Message);
        Assert.Contains("scalar", e.Message);
    }
}

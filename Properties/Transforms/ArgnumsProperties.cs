using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;
using Matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;
using Vector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace AutoDiff.Functional.Properties.Transformations;

/// <summary>Two points a, b in [-2, 2]ⁿ (n in 1..6) and two directions for them.</summary>
public sealed record TwoInputs(double[] A, double[] B, double[] Ta, double[] Tb)
{
    public override string ToString() => $"a=[{string.Join(", ", A)}], b=[{string.Join(", ", B)}], ta=[{string.Join(", ", Ta)}], tb=[{string.Join(", ", Tb)}]";
}

public static class TwoInputArbs
{
    static Gen<double> Value => Gen.Choose(-2000, 2000).Select(i => i / 1000.0);

    public static Arbitrary<TwoInputs> Cases()
    {
        var gen = from n in Gen.Choose(1, 6)
                  from a in Gen.ArrayOf(Value, n)
                  from b in Gen.ArrayOf(Value, n)
                  from ta in Gen.ArrayOf(Value, n)
                  from tb in Gen.ArrayOf(Value, n)
                  select new TwoInputs(a, b, ta, tb);
        return Arb.From(gen, c => c.A.Length > 1 ? [new(c.A[..^1], c.B[..^1], c.Ta[..^1], c.Tb[..^1])] : []);
    }
}

/// <summary>The several-input transforms against derivatives written out by hand for
/// f(a, b) = Σ sin(aᵢ)·bᵢ² + (Σ aᵢ)(Σ bᵢ) (scalar) and g(a, b) = a ⊙ b + sin a (vector).</summary>
[Properties(Arbitrary = [typeof(TwoInputArbs)], MaxTest = 100)]
public class ArgnumsProperties
{
    static Node F(Node[] x) => (x[0].Sin() * x[1].Square()).Sum() + x[0].Sum() * x[1].Sum();
    static Node G(Node[] x) => x[0] * x[1] + x[0].Sin();

    // ∂f/∂a = cos a ⊙ b² + Σb·1;  ∂f/∂b = 2 sin a ⊙ b + Σa·1
    static Vector DfDa(Vector a, Vector b) => a.Map(Math.Cos).PointwiseMultiply(b.PointwiseMultiply(b)) + b.Sum();
    static Vector DfDb(Vector a, Vector b) => 2 * a.Map(Math.Sin).PointwiseMultiply(b) + a.Sum();

    // ∂²f/∂a² = diag(−sin a ⊙ b²);  ∂²f/∂a∂b = diag(2 cos a ⊙ b) + 11ᵀ;  ∂²f/∂b² = diag(2 sin a)
    static Matrix Hessian(Vector a, Vector b)
    {
        int n = a.Count;
        var ones = DenseMatrix.Create(n, n, 1.0);
        var haa = DenseMatrix.OfDiagonalVector(-a.Map(Math.Sin).PointwiseMultiply(b.PointwiseMultiply(b)));
        var hab = DenseMatrix.OfDiagonalVector(2 * a.Map(Math.Cos).PointwiseMultiply(b)) + ones;
        var hbb = DenseMatrix.OfDiagonalVector(2 * a.Map(Math.Sin));
        var h = new DenseMatrix(2 * n, 2 * n);
        h.SetSubMatrix(0, 0, haa);
        h.SetSubMatrix(0, n, hab);
        h.SetSubMatrix(n, 0, hab.Transpose());
        h.SetSubMatrix(n, n, hbb);
        return h;
    }

    // J_a g = diag(b + cos a);  J_b g = diag(a)
    static Matrix JacA(Vector a, Vector b) => DenseMatrix.OfDiagonalVector(b + a.Map(Math.Cos));
    static Matrix JacB(Vector a) => DenseMatrix.OfDiagonalVector(a);

    static void Close(Matrix expected, Matrix actual, double tol = 1e-12)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        var scale = Math.Max(1, expected.Enumerate().Max(Math.Abs));
        Assert.True((expected - actual).Enumerate().Max(Math.Abs) <= tol * scale, $"expected\n{expected}\nactual\n{actual}");
    }

    static void Close(Vector expected, Tensor actual) => Close(expected.ToColumnMatrix(), DenseVector.OfArray(actual.Values.ToArray()).ToColumnMatrix());

    static Matrix Beside(Matrix left, Matrix right) => left.Append(right);

    [Property]
    public void Grad_and_ValueAndGrad_with_respect_to_any_subset_match_the_analytic_gradient(TwoInputs c)
    {
        var (a, b) = (DenseVector.OfArray(c.A), DenseVector.OfArray(c.B));
        Tensor[] xs = [a, b];
        var both = Functional.Transforms.Grad(F)(xs);
        Close(DfDa(a, b), both[0]);
        Close(DfDb(a, b), both[1]);
        Close(DfDb(a, b), Assert.Single(Functional.Transforms.Grad(F, 1)(xs)));
        var (value, reversed) = Functional.Transforms.ValueAndGrad(F, 1, 0)(xs);
        Assert.Equal(a.Map(Math.Sin).DotProduct(b.PointwiseMultiply(b)) + a.Sum() * b.Sum(), value, 1e-12);
        Close(DfDb(a, b), reversed[0]);
        Close(DfDa(a, b), reversed[1]);
    }

    [Property]
    public void Hessian_and_Hvp_with_respect_to_any_subset_match_the_analytic_Hessian(TwoInputs c)
    {
        var (a, b) = (DenseVector.OfArray(c.A), DenseVector.OfArray(c.B));
        int n = a.Count;
        Tensor[] xs = [a, b];
        var h = Hessian(a, b);
        Close(h, Functional.Transforms.Hessian(F)(xs));
        Close(h.SubMatrix(n, n, n, n), Functional.Transforms.Hessian(F, 1)(xs));
        var t = DenseVector.OfEnumerable(c.Ta.Concat(c.Tb));
        var hv = Functional.Transforms.Hvp(F, 0, 1)(xs, [DenseVector.OfArray(c.Ta), DenseVector.OfArray(c.Tb)]);
        Close((h * t).SubVector(0, n), hv[0]);
        Close((h * t).SubVector(n, n), hv[1]);
        Close(h.SubMatrix(0, n, 0, n) * DenseVector.OfArray(c.Ta), Assert.Single(Functional.Transforms.Hvp(F, 0)(xs, [DenseVector.OfArray(c.Ta)])));
    }

    [Property]
    public void Jacobians_Jvp_and_Vjp_with_respect_to_any_subset_match_the_analytic_Jacobian(TwoInputs c)
    {
        var (a, b) = (DenseVector.OfArray(c.A), DenseVector.OfArray(c.B));
        var (ta, tb) = (DenseVector.OfArray(c.Ta), DenseVector.OfArray(c.Tb));
        Tensor[] xs = [a, b];
        var (ja, jb) = (JacA(a, b), JacB(a));
        Close(Beside(ja, jb), Functional.Transforms.JacFwd(G)(xs));
        Close(Beside(ja, jb), Functional.Transforms.JacRev(G, 0, 1)(xs));
        Close(Beside(jb, ja), Functional.Transforms.JacFwd(G, 1, 0)(xs));
        Close(jb, Functional.Transforms.JacRev(G, 1)(xs));

        var (value, tangent) = Functional.Transforms.Jvp(G)(xs, [ta, tb]);
        Close(a.PointwiseMultiply(b) + a.Map(Math.Sin), value);
        Close(ja * ta + jb * tb, tangent);
        Close(jb * tb, Functional.Transforms.Jvp(G, 1)(xs, [tb]).Tangent);

        var (_, cotangents) = Functional.Transforms.Vjp(G, 1, 0)(xs, ta);
        Close(jb.TransposeThisAndMultiply(ta), cotangents[0]);
        Close(ja.TransposeThisAndMultiply(ta), cotangents[1]);
    }

    [Fact]
    public void Argnums_and_seed_counts_are_checked_with_clear_errors()
    {
        Tensor[] xs = [Tensor.Vector(1, 2), Tensor.Vector(3, 4)];
        Assert.Contains("argnums (0, 0) must be distinct input positions",
            Assert.Throws<ArgumentException>(() => Functional.Transforms.Grad(F, 0, 0)).Message);
        Assert.Contains("argnums names input 2, but the function was given 2 input(s)",
            Assert.Throws<ArgumentException>(() => Functional.Transforms.Grad(F, 2)(xs)).Message);
        Assert.Contains("Transforms.Jvp: 1 tangents for 2 input(s) to differentiate",
            Assert.Throws<ArgumentException>(() => Functional.Transforms.Jvp(G)(xs, [Tensor.Vector(1, 1)])).Message);
        var q = Node.Variable("q", Shape.Vector(2));
        Assert.Contains("the function reads q(2), which is not one of its inputs",
            Assert.Throws<ArgumentException>(() => Functional.Transforms.Grad(x => (x[0] * q).Sum())(xs)).Message);
    }

    [Fact]
    public void Concurrent_calls_give_the_bits_of_sequential_calls()
    {
        var jacobian = Functional.Transforms.JacRev(G, 1, 0);
        var hessian = Functional.Transforms.Hessian(F);
        var points = Enumerable.Range(0, 32).Select(i => new Tensor[] { DenseVector.Create(4, k => 0.1 * i - k), DenseVector.Create(4, k => k - 0.05 * i) }).ToArray();
        var sequential = points.Select(p => (jacobian(p).Values, hessian(p).Values)).ToArray();
        var concurrent = new (double[], double[])[points.Length];
        Parallel.For(0, points.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => concurrent[i] = (jacobian(points[i]).Values, hessian(points[i]).Values));
        for (int i = 0; i < points.Length; i++)
        {
            Assert.Equal(sequential[i].Item1, concurrent[i].Item1);
            Assert.Equal(sequential[i].Item2, concurrent[i].Item2);
        }
    }
}

using System.Collections.Immutable;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Kit;

/// <summary>The test kit's own pieces beyond the op laws (which <see cref="Ops.OpLaws"/> and
/// <see cref="Ops.LawSanityTests"/> prove on the op table): domains of matrices, the shape law's unwritten-element
/// check, the model check, the shape and tensor generators.</summary>
public class KitTests
{
    /// <summary>Every SPD value is symmetric and has a Cholesky factor (plain loop, independent of the library).</summary>
    [Fact]
    public void Spd_domain_gives_symmetric_positive_definite_matrices() => Laws.Check(SpdLogDet, c =>
    {
        int n = c.Dims[0];
        var s = c.InputValues[0];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Laws.Require(s[i + j * n] == s[j + i * n], () => $"S[{i},{j}] ≠ S[{j},{i}]");
        Laws.Require(double.IsFinite(LogDetByCholesky(s, n)), () => "no Cholesky factor");
    });

    /// <summary>log det S = 2 Σ log Lᵢᵢ for S = L·Lᵀ, by the textbook Cholesky loop; NaN when S is not positive definite.</summary>
    static double LogDetByCholesky(double[] s, int n)
    {
        var l = new double[n, n];
        double logDet = 0;
        for (int j = 0; j < n; j++)
        {
            double d = s[j + j * n];
            for (int k = 0; k < j; k++) d -= l[j, k] * l[j, k];
            if (d <= 0) return double.NaN;
            l[j, j] = Math.Sqrt(d);
            logDet += 2 * Math.Log(l[j, j]);
            for (int i = j + 1; i < n; i++)
            {
                double v = s[i + j * n];
                for (int k = 0; k < j; k++) v -= l[i, k] * l[j, k];
                l[i, j] = v / l[j, j];
            }
        }
        return logDet;
    }

    static readonly OpEntry SpdLogDet = new("LogDet of an SPD matrix", typeof(Functional.Ops.LogDet), Shapes.Square, false,
        d => [new Input(Shape.Matrix(d[0], d[0]), Domain.Spd, "S")], (x, _, _) => x[0].LogDet())
    { Reference = (x, d, _) => [LogDetByCholesky(x[0], d[0])] };

    [Fact]
    public void Every_law_holds_on_an_spd_domain() => Laws.CheckAll(SpdLogDet, cases: 100);

    [Fact]
    public void Mapped_domains_reject_non_square_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Domain.Spd.ValuesOf(Shape.Matrix(2, 3), new double[6]));
        Assert.Contains("SPD", e.Message);
        Assert.Contains("(2×3)", e.Message);
    }

    /// <summary>An op whose forward rule skips the last element: the shape law sees the NaN left in the buffer.</summary>
    sealed record SkipsLast : Op
    {
        public override int Arity => 1;
        public override Shape InferShape(ReadOnlySpan<Shape> x) => x[0];
        public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
        {
            for (int i = 0; i < y.Length - 1; i++) y[i] = x[0].Values[i];
        }
        public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t) => t[0];
        public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed) => [ct];
    }

    [Fact]
    public void Shape_law_catches_a_forward_rule_that_leaves_an_element_unwritten()
    {
        var row = OpEntry.Unary("SkipsLast", Domain.Any, x => Node.Apply(new SkipsLast(), x), v => v);
        var e = Assert.Throws<LawViolated>(() => Laws.Check(row, Laws.Shape));
        Assert.Contains("unwritten", e.Message);
        Assert.Contains("the Shape law failed", e.Message);
    }

    /// <summary>f(A, x) = ‖A·x‖² with ∇ₓ = 2Aᵀ(Ax) and ∇_A = 2(Ax)xᵀ, derived by hand.</summary>
    static readonly OpEntry SquaredResidual = new("‖A·x‖²", null, Shapes.Fixed(2), false,
        d => [new Input(Shape.Matrix(d[0], d[1]), Domain.Any, "A"), new Input(Shape.Vector(d[1]), Domain.Any, "x")],
        (v, _, _) => v[0].MatMul(v[1]).SquaredNorm());

    static double[][] SquaredResidualGradient(double[][] v, int[] d, int _)
    {
        int m = d[0], n = d[1];
        var r = new double[m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) r[i] += v[0][i + j * m] * v[1][j];
        var gA = new double[m * n];
        var gx = new double[n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                gA[i + j * m] = 2 * r[i] * v[1][j];
                gx[j] += 2 * v[0][i + j * m] * r[i];
            }
        return [gA, gx];
    }

    [Fact]
    public void Model_check_passes_with_the_analytic_gradient() => ModelCheck.Check(SquaredResidual, SquaredResidualGradient);

    [Fact]
    public void Model_check_catches_a_wrong_analytic_gradient_and_names_the_input()
    {
        var e = Assert.Throws<LawViolated>(() => ModelCheck.Check(SquaredResidual,
            (v, d, k) => SquaredResidualGradient(v, d, k).Select(g => g.Select(e => e / 2).ToArray()).ToArray()));
        Assert.Contains("analytic gradient", e.Message);
        Assert.Contains("∂/∂A", e.Message);
    }

    [Fact]
    public void Model_check_rejects_a_non_scalar_model()
    {
        var e = Assert.Throws<LawViolated>(() => ModelCheck.Check(OpEntry.Unary("Sin", Domain.Any, x => x.Sin(), Math.Sin) with { Dims = Shapes.Fixed(1) }));
        Assert.Contains("scalar function", e.Message);
    }

    [Fact]
    public void Shapes_shrink_towards_fewer_and_smaller_dimensions()
    {
        Assert.Empty(Shapes.Shrink(Shape.Scalar));
        Assert.Equal([Shape.Vector(3), Shape.Matrix(1, 4), Shape.Matrix(2, 4), Shape.Matrix(3, 1), Shape.Matrix(3, 3)],
            Shapes.Shrink(Shape.Matrix(3, 4)));
    }

    [Fact]
    public void Generated_tensors_stay_in_their_domain_and_shrink_inside_it() =>
        FsCheck.Check.One(FsCheck.Config.QuickThrowOnFailure, Prop.ForAll(Shapes.Tensors(Domain.NonZero), t =>
            t.Shape.Rank <= 2 && t.Values.ToArray().All(Domain.NonZero.Contains)
            && Shapes.Tensors(Domain.NonZero).Shrinker(t).All(s => s.Values.ToArray().All(Domain.NonZero.Contains))));
}

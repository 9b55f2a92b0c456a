using System.Collections.Immutable;
using AutoDiff.Functional.Testing;
using Xunit;
using P = AutoDiff.Functional.Ops;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The decompositions beyond their op-table rows: the laws catch an Eigh whose reverse rule drops the
/// eigenvectors' cotangent; what the rules do at a repeated eigenvalue (as documented); shape errors.</summary>
public class DecompositionTests
{
    /// <summary>Eigh with a planted fault in its reverse rule: the eigenvectors' cotangent is dropped, as if V were not
    /// differentiated. Forward mode is Eigh's own.</summary>
    sealed record EighDroppingVectors : MultiOp
    {
        static readonly P.Eigh Eigh = new();
        public override int Arity => 1;
        public override Shape[] InferShapes(ReadOnlySpan<Shape> x) => Eigh.InferShapes(x);
        public override void Forward(ReadOnlySpan<Tensor> x, double[] y) => Eigh.Forward(x, y);
        public override Node?[] Jvp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> t) => Eigh.Jvp(x, y, t);
        public override Node?[] Vjp(ImmutableArray<Node> x, Node[] y, ReadOnlySpan<Node?> ct, ReadOnlySpan<bool> needed) =>
            ct[0] is null ? [Node.Zeros(x[0].Shape)] : Eigh.Vjp(x, y, [ct[0], null], needed);
    }

    /// <summary>The op-table row that reads both results, (V ∘ V)·diag(w), with the faulty op in place of Eigh.</summary>
    static OpEntry Broken()
    {
        var row = OpTable.Named("Eigh: (V ∘ V)·diag(w)");
        return row with
        {
            Name = "Eigh dropping V̄: (V ∘ V)·diag(w)",
            Build = (x, d, pick) =>
            {
                var r = Node.ApplyMulti(new EighDroppingVectors(), OpTable.Spread(x[0]));
                return r[1].Square() * r[0].BroadcastRows(r[0].Shape[0]);
            },
        };
    }

    [Fact]
    public void The_correct_row_passes_the_laws_the_broken_rule_fails()
    {
        OpLaws.Holds("Eigh: (V ∘ V)·diag(w)", Laws.Reverse);
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Broken(), Laws.Reverse));
        Assert.Throws<LawViolated>(() => OpLaws.Holds(Broken(), Laws.Adjoint));
        // Forward mode is untouched, so the forward law still holds: the fault is in the reverse rule alone.
        OpLaws.Holds(Broken(), Laws.Forward);
    }

    static Tensor Evaluate(Node y, Node a, Tensor at) => Evaluator.Evaluate(y, Bindings.Empty.Bind(a, at));

    [Fact]
    public void At_a_repeated_eigenvalue_a_function_of_the_eigenvalues_alone_is_differentiated_exactly()
    {
        // Σ wᵢ² = ‖A‖²_F of the symmetric matrix whose lower triangle A holds, so its gradient (lower triangle read) is
        // 2·Aᵢᵢ on the diagonal and 4·Aᵢⱼ below it, 0 above; at A = diag(1, 1, 3) the eigenvalue 1 is repeated.
        var a = Node.Variable("A", Shape.Matrix(3, 3));
        var (w, _) = a.Eigh();
        var at = Tensor.FromColumnMajor(Shape.Matrix(3, 3), [1, 0.0, 0, 9, 1, 0, 9, 9, 3]);   // junk above: not read
        var g = Evaluate(Reverse.Grad(w.Square().Sum(), [a])[0], a, at).Values.ToArray();
        Assert.Equal([2.0, 0, 0, 0, 2, 0, 0, 0, 6], g.Select(v => Math.Round(v, 12)));
        var t = Tensor.FromColumnMajor(Shape.Matrix(3, 3), [0.5, 0.25, -1, 7, 2, 0.75, 7, 7, -3]);
        var dw = Evaluator.Evaluate(ForwardMode.Jvp([w.Square().Sum()], [(a, Node.Constant(t))])[0], Bindings.Empty.Bind(a, at)).ToScalar();
        Assert.Equal(2 * (1 * 0.5 + 1 * 2 + 3 * -3), dw, 12);
    }

    [Fact]
    public void At_a_repeated_eigenvalue_the_eigenvector_derivatives_are_not_finite()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        var (_, v) = a.Eigh();
        var g = Evaluate(Reverse.Grad(v.At(0, 0) * v.At(1, 0), [a])[0], a, Tensor.FromColumnMajor(Shape.Matrix(2, 2), [2, 0.0, 0, 2]));
        Assert.Contains(g.Values.ToArray(), e => !double.IsFinite(e));
    }

    [Fact]
    public void Shapes_are_checked_when_the_node_is_built()
    {
        var e = Assert.Throws<ShapeException>(() => Node.Variable("A", Shape.Matrix(2, 3)).Eigh());
        Assert.Equal("Eigh: A is (2×3), it must be a square matrix", e.Message);
        e = Assert.Throws<ShapeException>(() => Node.Variable("A", Shape.Matrix(2, 3)).Qr());
        Assert.Equal("Qr: A is (2×3): the reduced QR needs at least as many rows as columns (factor Aᵀ instead)", e.Message);
        e = Assert.Throws<ShapeException>(() => Node.Variable("v", Shape.Vector(3)).Qr());
        Assert.Equal("Qr: A is (3), it must be a matrix", e.Message);
        e = Assert.Throws<ShapeException>(() => Node.Variable("A", Shape.Matrix(2, 3)).Svd());
        Assert.Equal("Svd: A is (2×3): the reduced SVD here needs at least as many rows as columns (take the SVD of Aᵀ and swap U and V)", e.Message);
        e = Assert.Throws<ShapeException>(() => Node.Variable("A", Shape.Matrix(3, 2)).Lu());
        Assert.Equal("Lu: A is (3×2), it must be a square matrix", e.Message);
    }

    [Fact]
    public void A_singular_matrix_is_an_error_naming_Lu_when_evaluated()
    {
        var a = Node.Variable("A", Shape.Matrix(2, 2));
        var (_, _, u) = a.Lu();
        var e = Assert.Throws<ArgumentException>(() => Evaluate(u, a, Tensor.FromColumnMajor(Shape.Matrix(2, 2), [1, 2.0, 2, 4])));
        Assert.Equal("Lu: the 2×2 matrix is singular (LU pivot 1 is 0)", e.Message);
    }
}

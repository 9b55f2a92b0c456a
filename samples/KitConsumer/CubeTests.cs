using AutoDiff.Functional;
using AutoDiff.Functional.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace KitConsumer;

public class CubeTests
{
    // GUIDE:begin
    // One row: the op over scalars, vectors and matrices with values in [−2, 2], a plain Math reference, and f′ and f″
    // written from the maths (the Derivative laws compare the op's rules with them element by element).
    static readonly OpEntry Cube = OpEntry.Unary("Cube", Domain.Any, x => x.Cube(), v => v * v * v, v => 3 * v * v, v => 6 * v);

    [Fact] public void Shape_rules() => Laws.Check(Cube, Laws.Shape);
    [Fact] public void Forward_value() => Laws.Check(Cube, Laws.Value);
    [Fact] public void Forward_mode() => Laws.Check(Cube, Laws.Forward);
    [Fact] public void Reverse_mode() => Laws.Check(Cube, Laws.Reverse);
    [Fact] public void Derivative() => Laws.Check(Cube, Laws.Derivative);
    [Fact] public void Second_order() => Laws.Check(Cube, Laws.SecondOrder);
    [Fact] public void Second_derivative() => Laws.Check(Cube, Laws.SecondDerivative);
    // GUIDE:end
    [Fact] public void Float32_against_float64() => Laws.Check(Cube, Laws.Float32);

    /// <summary>The same law as an FsCheck.Xunit property: FsCheck runs, shrinks and reports it.</summary>
    [Property(MaxTest = 50)]
    public Property Reverse_mode_as_a_property() => Prop.ForAll(OpCases.Arbitrary(Cube), Laws.Reverse);

    /// <summary>The op applied as it is, inside a model with a named input, against the hand-derived gradient
    /// ∂/∂x Σ xᵢ³·wᵢ = 3xᵢ²·wᵢ and ∂/∂w = xᵢ³.</summary>
    [Fact]
    public void Model_check_with_an_analytic_gradient()
    {
        var model = new OpEntry("Σ x³ ⊙ w", null, Shapes.Fixed(1), false,
            d => [new Input(Shape.Vector(d[0]), Domain.Any, "x"), new Input(Shape.Vector(d[0]), Domain.Positive, "w")],
            (x, _, _) => (x[0].Cube() * x[1]).Sum());
        ModelCheck.Check(model, (x, _, _) => [[.. x[0].Select((v, i) => 3 * v * v * x[1][i])], [.. x[0].Select(v => v * v * v)]]);
    }

    /// <summary>A wrong derivative fails forward and reverse mode against finite differences and against the written
    /// f′, with a shrunk counterexample naming the op. The adjoint identity cannot see it (both modes multiply by the
    /// one Derivative graph of a UnaryElementwise op), so that law reports itself not applicable.</summary>
    [Fact]
    public void The_laws_reject_a_wrong_rule()
    {
        var wrong = OpEntry.Unary("WrongCube", Domain.Any, x => Node.Apply(new WrongCube(), x), v => v * v * v, v => 3 * v * v, v => 6 * v);
        Laws.Check(wrong, Laws.Value); // the value is right: only the derivative is wrong
        foreach (var law in new Action<OpCase>[] { Laws.Forward, Laws.Reverse })
        {
            var e = Assert.Throws<LawViolated>(() => Laws.Check(wrong, law));
            Assert.Contains("WrongCube", e.Message);
            Assert.Contains("finite differences", e.Message);
        }
        Assert.Contains("the row's f′ gives", Assert.Throws<LawViolated>(() => Laws.Check(wrong, Laws.Derivative)).Message);
        Assert.Throws<LawNotApplicable>(() => Laws.Check(wrong, Laws.Adjoint));
        Assert.Throws<LawViolated>(() => ModelCheck.Check(new OpEntry("Σ wrong x³", null, Shapes.Fixed(1), false,
            d => [new Input(Shape.Vector(d[0]), Domain.Any, "x")], (x, _, _) => Node.Apply(new WrongCube(), x[0]).Sum())));
    }
}

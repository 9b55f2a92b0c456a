using FsCheck;
using FsCheck.Fluent;

namespace AutoDiff.Functional.Testing;

/// <summary>Builds an entry's output from its input variables, the case's dimensions and its index seed.</summary>
public delegate Node Builder(Node[] x, int[] dims, int pick);

/// <summary>The output's values (column-major) computed from the inputs' values with plain loops and
/// <see cref="Math"/>, independently of the library: the reference for the forward rule.</summary>
public delegate double[] Reference(double[][] x, int[] dims, int pick);

/// <summary>One input of an entry: its shape, the domain its values come from, and optionally a name (shown in
/// counterexamples and given to its variable; <c>x0</c>, <c>x1</c>, ... by default).</summary>
public sealed record Input(Shape Shape, Domain Domain, string? Name = null);

/// <summary>One row of an op table.</summary>
/// <param name="Name">Shown in test names and counterexamples.</param>
/// <param name="Covers">The concrete <see cref="Op"/> the row covers (<c>null</c> for composites).</param>
/// <param name="Dims">A generator of the free dimensions (see <see cref="Shapes"/>).</param>
/// <param name="VariableRank">The dimensions are the output shape itself, so dropping one is a valid shrink.</param>
/// <param name="Inputs">The inputs' shapes and domains for given dimensions.</param>
/// <param name="Build">The builder of the output node.</param>
public sealed record OpEntry(string Name, Type? Covers, Gen<int[]> Dims, bool VariableRank,
    Func<int[], Input[]> Inputs, Builder Build)
{
    /// <summary>The forward reference, for <see cref="Laws.Value"/>.</summary>
    public Reference? Reference { get; init; }

    /// <summary>For a sum over many terms (a matrix product's Σₖ aᵢₖbₖⱼ): each output element's Σ|terms|, for
    /// <see cref="Laws.Value"/>, which then allows <see cref="Laws.ValueTolerance"/> of it rather than of the result,
    /// since another summation order (BLAS's blocking against the reference's loop) rounds on the terms. Null by default.</summary>
    public Reference? ValueTerms { get; init; }

    /// <summary>For an element-wise entry (output element i reads element i of each input, or element 0 of a scalar
    /// input): the partial derivatives ∂f/∂xₖ at one element's arguments, written from the maths, not by calling the
    /// library; for <see cref="Laws.Derivative"/>.</summary>
    public Func<double[], double[]>? Derivative { get; init; }

    /// <summary>The absolute error, per unit tangent, that <see cref="Laws.Derivative"/> allows on top of its relative
    /// tolerance: for an f′ that crosses zero while computed from terms of size ~1 (ψ near 1.4616), where no relative
    /// accuracy exists; 0 by default.</summary>
    public double DerivativeAbsoluteError { get; init; }

    /// <summary>The absolute error that the laws against differences allow on top of their relative tolerance, for a
    /// function whose value is accurate only to a few ulps of terms larger than itself (ln Γ near its minimum, where
    /// the differences carry that error divided by the step); 0 by default.</summary>
    public double DifferencesAbsoluteError { get; init; }

    /// <summary>A factor on the tolerances of the laws against differences (<see cref="Laws.FdTolerance"/>,
    /// <see cref="Laws.SecondOrderFdTolerance"/>) for an entry that cannot meet them, with the reason stated where it is
    /// set; 1 by default.</summary>
    public double ToleranceScale { get; init; } = 1;

    /// <summary>The input values where the function is not smooth (0 for relu, leaky relu, |x| or softsign): the laws
    /// against finite differences (<see cref="Laws.Forward"/>, <see cref="Laws.Reverse"/>, <see cref="Laws.SecondOrder"/>)
    /// do not differentiate along an input element within <see cref="Laws.KinkReach"/> of a kink, since differences across
    /// it measure neither side's derivative; every other element is checked as usual, and the rule's value at the kink
    /// itself is left to <see cref="Laws.Derivative"/> and <see cref="Laws.SecondDerivative"/> against the row's own f′
    /// and f″ (give them, with the convention the rule follows there). Empty by default. A kink where the function curves
    /// (softsign's) shows in the differences' own error estimate, and the laws pass over it unasked; a corner between
    /// straight pieces (relu's) does not, and fails a correct rule until declared: the failure then says so.</summary>
    public IReadOnlyList<double> Kinks { get; init; } = [];

    /// <summary>For an element-wise entry: the second partials ∂²f/∂xₖ∂xₗ at one element's arguments (k·arity + l,
    /// row-major), written from the maths; for <see cref="Laws.SecondDerivative"/>.</summary>
    public Func<double[], double[]>? SecondDerivative { get; init; }

    /// <summary>An element-wise op of one input over scalars, vectors and matrices (dimensions 1–6), with values from
    /// <paramref name="domain"/>: <c>OpEntry.Unary("Cube", Domain.Any, x => x.Cube(), v => v * v * v, v => 3 * v * v, v => 6 * v)</c>.
    /// Give f′ and f″ (written from the maths) for the <see cref="Laws.Derivative"/> and <see cref="Laws.SecondDerivative"/> laws.</summary>
    public static OpEntry Unary(string name, Domain domain, Func<Node, Node> f, Func<double, double> reference,
        Func<double, double>? derivative = null, Func<double, double>? secondDerivative = null, Type? covers = null) =>
        new(name, covers, Shapes.AnyRank, true, d => [new(Shape.Of(d), domain)], (x, _, _) => f(x[0]))
        {
            Reference = (x, _, _) => [.. x[0].Select(reference)],
            Derivative = derivative is null ? null : v => [derivative(v[0])],
            SecondDerivative = secondDerivative is null ? null : v => [secondDerivative(v[0])],
        };

    /// <summary>An element-wise op of two inputs of one shape (scalar, vector or matrix), with its partials
    /// (∂f/∂a, ∂f/∂b) and second partials (∂²f/∂a², ∂²f/∂a∂b, ∂²f/∂b²) if given.</summary>
    public static OpEntry Binary(string name, Domain left, Domain right, Func<Node, Node, Node> f,
        Func<double, double, double> reference, Func<double, double, (double, double)>? partials = null,
        Func<double, double, (double, double, double)>? secondPartials = null, Type? covers = null) =>
        new(name, covers, Shapes.AnyRank, true, d => [new(Shape.Of(d), left), new(Shape.Of(d), right)], (x, _, _) => f(x[0], x[1]))
        {
            Reference = (x, _, _) => [.. x[0].Select((a, i) => reference(a, x[1][i]))],
            Derivative = Pair(partials),
            SecondDerivative = Hessian(secondPartials),
        };

    /// <summary>Partials (∂f/∂a, ∂f/∂b) as the array <see cref="Derivative"/> holds.</summary>
    public static Func<double[], double[]>? Pair(Func<double, double, (double, double)>? partials) =>
        partials is null ? null : v => partials(v[0], v[1]) is var (da, db) ? [da, db] : [];

    /// <summary>Second partials (∂²f/∂a², ∂²f/∂a∂b, ∂²f/∂b²) as the symmetric 2×2 array <see cref="SecondDerivative"/> holds.</summary>
    public static Func<double[], double[]>? Hessian(Func<double, double, (double, double, double)>? second) =>
        second is null ? null : v => second(v[0], v[1]) is var (aa, ab, bb) ? [aa, ab, ab, bb] : [];

    /// <summary>An op applied as it is, <c>Node.Apply(op, x0, x1, ...)</c>, to inputs whose shapes and domains follow
    /// from dimensions drawn by <paramref name="dims"/>: the laws then check exactly the op's own rules.</summary>
    public static OpEntry Of(Op op, Gen<int[]> dims, Func<int[], Input[]> inputs, Reference reference, bool variableRank = false) =>
        new(op.ToString(), op.GetType(), dims, variableRank, inputs, (x, _, _) => Node.Apply(op, x)) { Reference = reference };

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Generators of dimensions, shapes and tensors, with shrinkers towards small shapes and simple values.</summary>
public static class Shapes
{
    /// <summary>One dimension, 1–6: small enough for Jacobians by differences, big enough to catch index mix-ups.</summary>
    public static readonly Gen<int> Dimension = Gen.Choose(1, 6);

    /// <summary><paramref name="count"/> free dimensions.</summary>
    public static Gen<int[]> Fixed(int count) => Gen.ArrayOf(Dimension, count);

    /// <summary><paramref name="count"/> free dimensions, one case in four with one of them 60–70: past the 32- and
    /// 64-wide tiles and kernel switches, while the rest stay small so that derivative laws keep a sane run time (past
    /// <see cref="Laws.JacobianLimit"/> input elements they check a random projection instead of the whole Jacobian).</summary>
    public static Gen<int[]> WithLarge(int count) => Gen.Frequency(
        (3, Fixed(count)),
        (1, from i in Gen.Choose(0, count - 1) from large in Gen.Choose(60, 70) from rest in Fixed(count) select With(rest, i, large)));

    /// <summary>A scalar, a vector or a matrix: 0, 1 or 2 dimensions.</summary>
    public static readonly Gen<int[]> AnyRank = Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Dimension, r));

    /// <summary>One dimension n, for square n×n inputs (<see cref="Domain.Spd"/>, <see cref="Domain.WellConditioned"/>).</summary>
    public static readonly Gen<int[]> Square = Fixed(1);

    /// <summary>Shapes of rank 0–2 that shrink by dropping a dimension, then towards dimensions of 1.</summary>
    public static Arbitrary<Shape> Arbitrary() => Arb.From(AnyRank.Select(Shape.Of), Shrink);

    /// <summary>Smaller shapes: one dimension fewer, one dimension set to 1 or decreased.</summary>
    public static IEnumerable<Shape> Shrink(Shape shape)
    {
        var d = shape.Dimensions;
        if (d.Length > 0) yield return Shape.Of(d[..^1]);
        for (int i = 0; i < d.Length; i++)
        {
            if (d[i] > 1) yield return Shape.Of(With(d, i, 1));
            if (d[i] > 2) yield return Shape.Of(With(d, i, d[i] - 1));
        }
    }

    /// <summary>Tensors of <paramref name="shape"/> with values from <paramref name="domain"/>'s grid.</summary>
    public static Gen<Tensor> Tensor(Shape shape, Domain domain) =>
        Gen.ArrayOf(OpCases.Tick, shape.Size).Select(ticks => Functional.Tensor.FromColumnMajor(shape, domain.ValuesOf(shape, [.. ticks.Select(domain.At)])));

    /// <summary>Tensors of random shapes (rank 0–2) from <paramref name="domain"/>, shrinking to smaller shapes and
    /// simpler values (for element-wise domains).</summary>
    public static Arbitrary<Tensor> Tensors(Domain domain) =>
        Arb.From(AnyRank.SelectMany(d => Tensor(Shape.Of(d), domain)), t => ShrinkTensor(t, domain));

    static IEnumerable<Tensor> ShrinkTensor(Tensor t, Domain domain)
    {
        if (domain.Map is not null) yield break; // a mapped tensor's entries are not the drawn ones
        var values = t.Values.ToArray();
        foreach (var s in Shrink(t.Shape)) yield return Functional.Tensor.FromColumnMajor(s, values[..s.Size]);
        for (int k = 0; k < values.Length; k++)
            foreach (var v in domain.Simpler(values[k]))
            {
                var copy = (double[])values.Clone();
                copy[k] = v;
                yield return Functional.Tensor.FromColumnMajor(t.Shape, copy);
            }
    }

    internal static int[] With(int[] dims, int i, int value)
    {
        var copy = (int[])dims.Clone();
        copy[i] = value;
        return copy;
    }
}

using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace AutoDiff.Functional.Testing;

/// <summary>A random case for one op-table entry: the free dimensions, an index seed <see cref="Pick"/> (which
/// element, row or labels an indexing op selects), the drawn input values (column-major, one array per input; a
/// mapped domain such as <see cref="Domain.Spd"/> turns them into <see cref="InputValues"/>) and a seed for the random
/// tangents and cotangents. Everything random comes from FsCheck, so a case replays.</summary>
public sealed record OpCase(OpEntry Entry, int[] Dims, int Pick, double[][] Values, int Seed)
{
    /// <summary>The inputs' shapes and domains for these dimensions.</summary>
    public Input[] Inputs => Entry.Inputs(Dims);

    /// <summary>The inputs' values, as the op sees them and the reference receives them.</summary>
    public double[][] InputValues => [.. Inputs.Select((s, i) => s.Domain.ValuesOf(s.Shape, (double[])Values[i].Clone()))];

    /// <summary>Builds the graph: one variable per input (its name, or x0, x1, ...), bound to <see cref="InputValues"/>.</summary>
    public Instance Instantiate() => Instantiate(DType.Float64);

    /// <summary>Builds the graph on variables of the float type <paramref name="type"/>, bound to
    /// <see cref="InputValues"/> rounded to that type.</summary>
    public Instance Instantiate(DType type)
    {
        var inputs = Inputs;
        var variables = inputs.Select((s, i) => Node.Variable(s.Name ?? $"x{i}", s.Shape, type)).ToArray();
        var values = InputValues.Select((v, i) => Tensor.FromColumnMajor(inputs[i].Shape, v).To(type)).ToArray();
        return new Instance(variables, Entry.Build(variables, Dims, Pick), values);
    }

    /// <summary>The reference's output for this case (the entry must have one).</summary>
    public double[] ReferenceValue() =>
        (Entry.Reference ?? throw new InvalidOperationException($"{Entry.Name}: the value law needs a Reference on the entry"))(InputValues, Dims, Pick);

    /// <summary>A generator of tangents/cotangents for this case, seeded by <see cref="Seed"/>.</summary>
    public Random Rng() => new(Seed);

    /// <summary>E.g. <c>Div(tensor, scalar) dims [2, 3] pick 0 seed 7: x0 (2×3) = [0.5, 1, ...]; x1 () = [2]</c>.</summary>
    public override string ToString()
    {
        var inputs = Inputs;
        var values = InputValues;
        var parts = inputs.Select((s, i) => $"{s.Name ?? $"x{i}"} {s.Shape} = [{string.Join(", ", values[i].Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))}]");
        return $"{Entry.Name} dims [{string.Join(", ", Dims)}] pick {Pick} seed {Seed}: {string.Join("; ", parts)}";
    }
}

/// <summary>A case's graph: its variables, its output node and the values bound to the variables.</summary>
public sealed record Instance(Node[] Variables, Node Output, Tensor[] Values)
{
    /// <summary>The bindings of the variables to <paramref name="values"/> (default: the case's values).</summary>
    public Bindings Bind(Tensor[]? values = null)
    {
        var b = Bindings.Empty;
        values ??= Values;
        for (int i = 0; i < Variables.Length; i++) b = b.Bind(Variables[i], values[i]);
        return b;
    }

    /// <summary>The output's value at <paramref name="values"/>.</summary>
    public Tensor Evaluate(Tensor[]? values = null) => Evaluator.Evaluate(Output, Bind(values));
}

/// <summary>FsCheck generators and shrinkers for <see cref="OpCase"/>.</summary>
public static class OpCases
{
    /// <summary>Random cases of <paramref name="entry"/>: dimensions 1–6, values on the grid of each input's domain.</summary>
    public static Gen<OpCase> Generator(OpEntry entry) =>
        from dims in entry.Dims
        from pick in Gen.Choose(0, 1000)
        from seed in Gen.Choose(0, int.MaxValue)
        let inputs = entry.Inputs(dims)
        from ticks in Gen.ArrayOf(Tick, inputs.Sum(s => s.Shape.Size))
        select new OpCase(entry, dims, pick, Split(inputs, ticks), seed);

    /// <summary>A grid point, or one time in twenty an integer of the domain.</summary>
    internal static readonly Gen<int> Tick = Gen.Frequency((19, Gen.Choose(0, 1000)), (1, Gen.Choose(1001, 1012)));

    static double[][] Split(Input[] inputs, int[] ticks)
    {
        var values = new double[inputs.Length][];
        for (int i = 0, offset = 0; i < inputs.Length; offset += inputs[i].Shape.Size, i++)
            values[i] = [.. ticks.Skip(offset).Take(inputs[i].Shape.Size).Select(inputs[i].Domain.At)];
        return values;
    }

    /// <summary>Smaller cases first (a dimension dropped, set to 1 or decreased; the index seed to 0), then
    /// simpler values (all at once, then one by one).</summary>
    public static IEnumerable<OpCase> Shrink(OpCase c)
    {
        if (c.Entry.VariableRank && c.Dims.Length > 0) yield return Resized(c, c.Dims[..^1]);
        for (int i = 0; i < c.Dims.Length; i++)
        {
            if (c.Dims[i] > 1) yield return Resized(c, With(c.Dims, i, 1));
            if (c.Dims[i] > 2) yield return Resized(c, With(c.Dims, i, c.Dims[i] - 1));
        }
        if (c.Pick != 0) yield return c with { Pick = 0 };
        var inputs = c.Inputs;
        var simplest = c.Values.Select((v, i) => v.Select(_ => inputs[i].Domain.Simplest).ToArray()).ToArray();
        if (!simplest.Select((v, i) => v.SequenceEqual(c.Values[i])).All(same => same)) yield return c with { Values = simplest };
        for (int i = 0; i < c.Values.Length; i++)
            for (int k = 0; k < c.Values[i].Length; k++)
                foreach (var s in inputs[i].Domain.Simpler(c.Values[i][k]))
                {
                    var values = c.Values.Select(v => (double[])v.Clone()).ToArray();
                    values[i][k] = s;
                    yield return c with { Values = values };
                }
    }

    // Sizes only shrink, so every input keeps a prefix of its values (still inside its domain).
    static OpCase Resized(OpCase c, int[] dims)
    {
        var inputs = c.Entry.Inputs(dims);
        return c with { Dims = dims, Values = [.. inputs.Select((s, i) => c.Values[i][..s.Shape.Size])] };
    }

    static int[] With(int[] dims, int i, int value) => Shapes.With(dims, i, value);

    /// <summary>The arbitrary (generator + shrinker) of one entry's cases.</summary>
    public static Arbitrary<OpCase> Arbitrary(OpEntry entry) => Arb.From(Generator(entry), Shrink);
}

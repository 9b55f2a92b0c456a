using AutoDiff.Functional.Properties.Ops;
using FsCheck;
using FsCheck.Fluent;

namespace AutoDiff.Functional.Properties.Support;

/// <summary>One step of a random program: an op and the earlier values (variables first) it reads.</summary>
public sealed record Instruction(int Kind, int A, int B)
{
    /// <summary>Op names by kind; every op keeps values within [−2, 2] when its inputs are.</summary>
    public static readonly string[] Names = ["Sin", "Cos", "Tanh", "Sigmoid", "Neg", "MeanSpread", "HalfSum", "HalfDiff", "HalfProduct"];

    /// <summary>E.g. <c>HalfProduct(v3, v0)</c>.</summary>
    public override string ToString() => Kind >= 6 ? $"{Names[Kind]}(v{A}, v{B})" : $"{Names[Kind]}(v{A})";
}

/// <summary>Random straight-line programs: DAGs with shared subexpressions and fan-out, all values of one shape,
/// made into op-table rows on the fly so every law applies. They test the interpreters (ordering, cotangent
/// accumulation over several uses, symbolic zeros) rather than single ops.</summary>
public static class Programs
{
    /// <summary>The row for a program over <paramref name="variables"/> inputs; its name is the program text.</summary>
    public static OpEntry Row(int variables, Instruction[] code)
    {
        var text = string.Join("; ", code.Select((ins, k) => $"v{variables + k} = {ins}"));
        var row = new OpEntry($"program({variables} inputs): {text}", null,
            Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Gen.Choose(1, 6), r)), true,
            d => [.. Enumerable.Range(0, variables).Select(_ => new Input(Shape.Of(d), Domain.Any))],
            (x, _, _) => Build(x, code))
        { Reference = (x, _, _) => Run(x, code) };
        Sources.AddOrUpdate(row, Tuple.Create(variables, code));
        return row;
    }

    static Node Build(Node[] x, Instruction[] code)
    {
        var v = new List<Node>(x);
        foreach (var ins in code)
        {
            Node a = v[ins.A], b = v[ins.B];
            v.Add(ins.Kind switch
            {
                0 => a.Sin(),
                1 => a.Cos(),
                2 => a.Tanh(),
                3 => a.Sigmoid(),
                4 => -a,
                5 => (a.Sum() * (1.0 / a.Shape.Size)).Fill(a.Shape),
                6 => (a + b) * 0.5,
                7 => (a - b) * 0.5,
                _ => a * b * 0.5,
            });
        }
        return v[^1];
    }

    static double[] Run(double[][] x, Instruction[] code)
    {
        var v = new List<double[]>(x);
        foreach (var ins in code)
        {
            double[] a = v[ins.A], b = v[ins.B];
            double mean = a.Average();
            v.Add([.. a.Select((ai, i) => ins.Kind switch
            {
                0 => Math.Sin(ai), 1 => Math.Cos(ai), 2 => Math.Tanh(ai), 3 => 1 / (1 + Math.Exp(-ai)), 4 => -ai,
                5 => mean, 6 => (ai + b[i]) * 0.5, 7 => (ai - b[i]) * 0.5, _ => ai * b[i] * 0.5,
            })]);
        }
        return v[^1];
    }

    /// <summary>1–3 variables, 1–12 instructions, each reading any earlier value.</summary>
    public static Gen<OpCase> Generator =>
        from variables in Gen.Choose(1, 3)
        from length in Gen.Choose(1, 12)
        from raw in Gen.ArrayOf(Gen.Choose(0, 1 << 20), 3 * length)
        let code = Enumerable.Range(0, length).Select(k => new Instruction(
            raw[3 * k] % Instruction.Names.Length, raw[3 * k + 1] % (variables + k), raw[3 * k + 2] % (variables + k))).ToArray()
        from c in OpCases.Generator(Row(variables, code))
        select c;

    /// <summary>Shorter programs first (the last instruction dropped), then the usual shrinks of shape and values.</summary>
    public static IEnumerable<OpCase> Shrink(OpCase c)
    {
        var (variables, code) = Parse(c.Entry);
        if (code.Length > 1) yield return c with { Entry = Row(variables, code[..^1]) };
        foreach (var s in OpCases.Shrink(c)) yield return s;
    }

    // The program is recovered from the row it was made into (rows are records with closures, not data).
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<OpEntry, Tuple<int, Instruction[]>> Sources = new();

    static (int, Instruction[]) Parse(OpEntry entry) =>
        Sources.TryGetValue(entry, out var s) ? (s.Item1, s.Item2) : throw new InvalidOperationException($"not a program row: {entry.Name}");

    /// <summary>The arbitrary of random programs with their inputs.</summary>
    public static Arbitrary<OpCase> Arbitrary => Arb.From(Generator, Shrink);
}

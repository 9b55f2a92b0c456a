using FsCheck;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The laws of the test kit (<see cref="Laws"/>, package AutoDiff.Functional.Testing), each one theory over
/// the rows of <see cref="OpTable"/> (the row's name is in the test name and in every counterexample), each row
/// checked on 100 FsCheck cases with shrinking: the kit users run on their own ops is the one proven here every day.</summary>
/// <remarks>Replay a failure by setting <c>PROPS_REPLAY="seed,gamma"</c> (from the
/// failure message) and running the one failing theory case; set <c>PROPS_MAXTEST=1000</c> for a heavier run.</remarks>
public class OpLaws
{
    /// <summary>Every row's name.</summary>
    public static TheoryData<string> Rows => new(OpTable.Entries.Select(e => e.Name));

    /// <summary>Runs <paramref name="law"/> on 100 cases of the row named <paramref name="row"/>.</summary>
    internal static void Holds(string row, Action<OpCase> law, int cases = 100) => Holds(OpTable.Named(row), law, cases);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases of <paramref name="entry"/>.</summary>
    internal static void Holds(OpEntry entry, Action<OpCase> law, int cases = 100) => Holds(OpCases.Arbitrary(entry), law, cases);

    /// <summary>Runs <paramref name="law"/> on <paramref name="cases"/> cases drawn from <paramref name="arbitrary"/>.</summary>
    internal static void Holds(Arbitrary<OpCase> arbitrary, Action<OpCase> law, int cases = 100)
    {
        // PROPS_MAXTEST scales every law up (or down) for a heavier run, e.g. PROPS_MAXTEST=1000.
        if (int.TryParse(Environment.GetEnvironmentVariable("PROPS_MAXTEST"), out var scaled) && scaled > 0)
            cases = Math.Max(1, cases * scaled / 100);
        (ulong, ulong)? replay = null;
        if (Environment.GetEnvironmentVariable("PROPS_REPLAY") is { Length: > 0 } seed)
        {
            var parts = seed.Trim('(', ')').Split(',');
            replay = (ulong.Parse(parts[0]), ulong.Parse(parts[1]));
        }
        Laws.Check(arbitrary, law, cases, replay);
    }

    [Theory, MemberData(nameof(Rows))]
    public void Shape_rule_matches_forward_result(string row) => Holds(row, Laws.Shape);

    [Theory, MemberData(nameof(Rows))]
    public void Forward_value_matches_reference(string row) => Holds(row, Laws.Value);

    [Theory, MemberData(nameof(Rows))]
    public void Forward_mode_matches_finite_differences(string row) => Holds(row, Laws.Forward);

    [Theory, MemberData(nameof(Rows))]
    public void Reverse_mode_matches_finite_differences(string row) => Holds(row, Laws.Reverse);

    [Theory, MemberData(nameof(Rows))]
    public void Adjoint_identity_between_modes(string row) => Holds(row, Laws.Adjoint);

    [Theory, MemberData(nameof(Rows))]
    public void Second_order_modes_agree_with_differences_of_the_gradient(string row) => Holds(row, Laws.SecondOrder);

    [Theory, MemberData(nameof(Rows))]
    public void Batching_rule_matches_each_member(string row) => Holds(row, Laws.Batch);

    /// <summary>The kit's batching law checks an op's rule only where the row's output is the op applied to the
    /// variables; many rows wrap their inputs (a well-conditioned matrix for Solve, a comparison for Select). Here the
    /// whole row's graph is batched by the transformation itself (<see cref="Batching"/>), over a random choice of
    /// batched variables, and must equal the row evaluated at each member. A graph with an op that has no rule passes.</summary>
    [Theory, MemberData(nameof(Rows))]
    public void Batching_the_whole_row_matches_each_member(string row) => Holds(row, WholeRowBatch);

    static void WholeRowBatch(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        int k = 1 + rng.Next(3), n = g.Variables.Length;
        var isBatched = g.Variables.Select(_ => rng.Next(2) == 0).ToArray();
        if (n > 0 && !isBatched.Any(b => b)) isBatched[rng.Next(n)] = true;
        // Member 0 is the case itself; the others scale each batched value by up to ±1%, signs kept.
        var members = Enumerable.Range(0, k).Select(m => g.Values.Select((v, i) => isBatched[i] && m > 0
            ? Tensor.FromColumnMajor(v.Shape, [.. v.Values.ToArray().Select(e => e * (1 + 0.01 * (2 * rng.NextDouble() - 1)))])
            : v).ToArray()).ToArray();
        var wide = new List<(Node, Node)>();
        var at = Bindings.Empty;
        for (int i = 0; i < n; i++)
            if (isBatched[i])
            {
                var w = Node.Variable($"{g.Variables[i]}·{k}", Shape.Matrix(g.Variables[i].Shape.Size, k));
                wide.Add((g.Variables[i], w));
                at = at.Bind(w, Tensor.FromColumnMajor(w.Shape, [.. members.SelectMany(m => m[i].Values.ToArray())]));
            }
            else at = at.Bind(g.Variables[i], g.Values[i]);
        if (Batching.Batch([g.Output], wide, k) is not [{ } batchedOutput]) return;
        int size = g.Output.Shape.Size;
        Laws.Require(batchedOutput.Shape == Shape.Matrix(size, k), () => $"the batched row has shape {batchedOutput.Shape}, not ({size}×{k})");
        var batch = Evaluator.Evaluate(batchedOutput, at).Values.ToArray();
        var each = members.Select(m => g.Evaluate(m).Values.ToArray()).ToArray();
        double scale = Math.Max(1, each.Max(v => v.Length == 0 ? 0 : v.Max(Math.Abs)));
        for (int m = 0; m < k; m++)
            for (int e = 0; e < size; e++)
            {
                double a = batch[e + m * size], b = each[m][e];
                Laws.Require(a.Equals(b) || Math.Abs(a - b) <= Laws.ModeTolerance * scale,
                    () => $"member {m} of {k}, element {e}: batched {a:R}, one at a time {b:R}");
            }
    }
}

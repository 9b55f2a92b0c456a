using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

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

    /// <summary>The rows to which <paramref name="law"/> applies (<see cref="Laws.NotApplicable"/> on a sample case): the
    /// others are listed, with the reason, by <see cref="Laws_that_do_not_apply_are_counted_with_their_reasons"/>.</summary>
    static TheoryData<string> Applicable(Action<OpCase> law) => new(OpTable.Entries.Where(e => NotApplicable(law, e) is null).Select(e => e.Name));

    /// <summary>Why <paramref name="law"/> does not apply to <paramref name="entry"/>, judged on a few sample cases (a
    /// reason on any of them counts), or null.</summary>
    internal static string? NotApplicable(Action<OpCase> law, OpEntry entry) =>
        Gen.Sample(OpCases.Generator(entry), 10, 3).Select(c => Laws.NotApplicable(law, c)).FirstOrDefault(r => r is not null);

    /// <summary>The rows with derivatives: all but those whose output is int32 data (ArgMin's positions).</summary>
    public static TheoryData<string> DifferentiableRows => Applicable(Laws.Reverse);
    public static TheoryData<string> AdjointRows => Applicable(Laws.Adjoint);
    public static TheoryData<string> DerivativeRows => Applicable(Laws.Derivative);
    public static TheoryData<string> SecondDerivativeRows => Applicable(Laws.SecondDerivative);
    /// <summary>The op's own batching rule is checked on the rows that claim an op (<c>Covers</c>): a row that claims none
    /// may build its op only for some dimensions (BroadcastTo with no new axis is its input itself), so 10 samples cannot
    /// judge it; batching the whole row checks those rows, and every op has a row that claims it.</summary>
    public static TheoryData<string> BatchRows => new(OpTable.Entries.Where(e => e.Covers is not null && NotApplicable(Laws.Batch, e) is null).Select(e => e.Name));
    public static TheoryData<string> Float32Rows => Applicable(Laws.Float32);

    [Theory, MemberData(nameof(Rows))]
    public void Shape_rule_matches_forward_result(string row) => Holds(row, Laws.Shape);

    [Theory, MemberData(nameof(Rows))]
    public void Forward_value_matches_reference(string row) => Holds(row, Laws.Value);

    [Theory, MemberData(nameof(Float32Rows))]
    public void Float32_agrees_with_float64_within_its_rounding(string row) => Holds(row, Laws.Float32);

    [Theory, MemberData(nameof(DifferentiableRows))]
    public void Forward_mode_matches_finite_differences(string row) => Holds(row, Laws.Forward);

    [Theory, MemberData(nameof(DifferentiableRows))]
    public void Reverse_mode_matches_finite_differences(string row) => Holds(row, Laws.Reverse);

    [Theory, MemberData(nameof(AdjointRows))]
    public void Adjoint_identity_between_modes(string row) => Holds(row, Laws.Adjoint);

    [Theory, MemberData(nameof(DerivativeRows))]
    public void Forward_and_reverse_modes_match_the_rows_derivative(string row) => Holds(row, Laws.Derivative);

    [Theory, MemberData(nameof(DifferentiableRows))]
    public void Second_order_modes_agree_with_differences_of_the_gradient(string row) => Holds(row, Laws.SecondOrder);

    [Theory, MemberData(nameof(SecondDerivativeRows))]
    public void Second_order_modes_match_the_rows_second_derivative(string row) => Holds(row, Laws.SecondDerivative);

    [Theory, MemberData(nameof(BatchRows))]
    public void Batching_rule_matches_each_member(string row) => Holds(row, Laws.Batch);

    /// <summary>The laws that do not apply to a row are counted and printed with their reasons (run with
    /// <c>--logger "console;verbosity=detailed"</c>, or read the test's output in a .trx log): none passes silently, and
    /// the theories above leave exactly these rows out.</summary>
    [Fact]
    public void Laws_that_do_not_apply_are_counted_with_their_reasons()
    {
        var laws = new (string Name, Action<OpCase> Law)[] { ("Forward, Reverse, SecondOrder", Laws.Reverse), ("Adjoint", Laws.Adjoint), ("Derivative", Laws.Derivative), ("SecondDerivative", Laws.SecondDerivative), ("Batch", Laws.Batch) };
        foreach (var (name, law) in laws)
        {
            var skipped = OpTable.Entries.Select(e => (e.Name, Reason: NotApplicable(law, e))).Where(r => r.Reason is not null).ToList();
            output.WriteLine($"{name}: {OpTable.Entries.Count - skipped.Count} rows checked, {skipped.Count} not applicable");
            foreach (var (row, reason) in skipped) output.WriteLine($"  {row}: {reason}");
        }
        // Whole-row batching over the rows whose graph has an op without a rule.
        var wholeRowSkips = OpTable.Entries.Where(e => !WholeRowBatchable(e)).Select(e => e.Name).ToList();
        output.WriteLine($"whole-row batching: {OpTable.Entries.Count - wholeRowSkips.Count} rows checked, {wholeRowSkips.Count} with an op without a batching rule");
        foreach (var row in wholeRowSkips) output.WriteLine($"  {row}");
    }

    /// <summary>The ops that have no batching rule yet, each named: the value-model work shrinks this list to empty. An op
    /// on the list that gains a rule, or an op off the list without one, fails the test below. (MatMul is not on it: it
    /// batches one factor at a time, and only a product of two batched factors has no rule.)</summary>
    internal static readonly IReadOnlySet<Type> WithoutBatchingRule = new HashSet<Type>
    {
        typeof(Functional.Ops.Custom), typeof(Functional.Ops.ImplicitSolve), typeof(Functional.Ops.ImplicitLinear),
        // Its int32 positions cannot go through the reshapes that lay out a batch (they take float values).
        typeof(Functional.Ops.ArgMin),
    };

    [Fact]
    public void Ops_without_a_batching_rule_are_exactly_the_allow_list()
    {
        var reasons = OpTable.Entries
            .Where(e => e.Covers is not null)
            .Select(e => (e.Covers!, Reason: NotApplicable(Laws.Batch, e)))
            .ToList();
        // An op counts as ruled when some row applies it to its variables and its rule answers; rows that wrap their
        // inputs (a well-conditioned matrix for Solve) cannot tell, and are judged by the op's other rows.
        var ruled = reasons.Where(r => r.Reason is null).Select(r => r.Item1).ToHashSet();
        var noRule = reasons.Where(r => r.Reason is { } s && s.EndsWith("has no batching rule", StringComparison.Ordinal)).Select(r => r.Item1).ToHashSet();
        noRule.ExceptWith(ruled);
        var gained = WithoutBatchingRule.Where(ruled.Contains).Select(t => t.Name).ToList();
        var unlisted = noRule.Where(t => !WithoutBatchingRule.Contains(t)).Select(t => t.Name).ToList();
        Assert.True(gained.Count == 0, $"ops on the allow-list that now have a batching rule (remove them from the list): {string.Join(", ", gained)}");
        Assert.True(unlisted.Count == 0, $"ops without a batching rule that are not on the allow-list: {string.Join(", ", unlisted)}");
    }

    readonly ITestOutputHelper output;

    /// <summary>xunit's output, for the counts of laws that do not apply.</summary>
    public OpLaws(ITestOutputHelper output) => this.output = output;

    static bool WholeRowBatchable(OpEntry entry) => Gen.Sample(OpCases.Generator(entry), 10, 3).All(c =>
    {
        var g = c.Instantiate();
        return BatchChoices(new bool[g.Variables.Length]).Skip(1).Any(choice => Batching.Batch([g.Output], Wide(g, choice, 2), 2) is not null);
    });

    /// <summary><paramref name="chosen"/>, then every variable batched, then each one alone.</summary>
    static IEnumerable<bool[]> BatchChoices(bool[] chosen)
    {
        int n = chosen.Length;
        yield return chosen;
        yield return [.. chosen.Select(_ => true)];
        for (int i = 0; i < n; i++) yield return [.. Enumerable.Range(0, n).Select(j => j == i)];
    }

    /// <summary>Each batched variable with its (size × k) replacement.</summary>
    static List<(Node, Node)> Wide(Instance g, bool[] isBatched, int k) =>
        [.. g.Variables.Where((_, i) => isBatched[i]).Select(v => (v, Node.Variable($"{v}·{k}", Shape.Matrix(v.Shape.Size, k))))];

    /// <summary>Whole-row batching applies to the rows whose every op has a rule; the rest are on this list, by name.</summary>
    [Theory, MemberData(nameof(WholeRowBatchRows))]
    public void Batching_the_whole_row_matches_each_member(string row) => Holds(row, WholeRowBatch);

    public static TheoryData<string> WholeRowBatchRows => new(OpTable.Entries.Where(WholeRowBatchable).Select(e => e.Name));

    /// <summary>The kit's batching law checks an op's rule only where the row's output is the op applied to the
    /// variables; many rows wrap their inputs (a well-conditioned matrix for Solve, a comparison for Select). Here the
    /// whole row's graph is batched by the transformation itself (<see cref="Batching"/>), over a random choice of
    /// batched variables, and must equal the row evaluated at each member.</summary>
    static void WholeRowBatch(OpCase c)
    {
        var g = c.Instantiate();
        var rng = c.Rng();
        int k = 1 + rng.Next(3), n = g.Variables.Length;
        var chosen = g.Variables.Select(_ => rng.Next(2) == 0).ToArray();
        if (n > 0 && !chosen.Any(b => b)) chosen[rng.Next(n)] = true;
        // The random choice of batched variables first; where an op has no rule for it, every variable, then each alone.
        bool[]? isBatched = null;
        Node?[]? batched = null;
        List<(Node, Node)> wide = [];
        foreach (var choice in BatchChoices(chosen))
            if ((batched = Batching.Batch([g.Output], wide = Wide(g, choice, k), k)) is not null) { isBatched = choice; break; }
        if (batched is null || isBatched is null) throw new LawNotApplicable($"{c.Entry.Name}: an op of the row has no batching rule");
        // Member 0 is the case itself; the others scale each batched value by up to ±1%, signs kept.
        var members = Enumerable.Range(0, k).Select(m => g.Values.Select((v, i) => isBatched[i] && m > 0
            ? Tensor.FromColumnMajor(v.Shape, [.. v.Values.ToArray().Select(e => e * (1 + 0.01 * (2 * rng.NextDouble() - 1)))])
            : v).ToArray()).ToArray();
        var at = Bindings.Empty;
        for (int i = 0, w = 0; i < n; i++)
            if (isBatched[i])
            {
                var (_, column) = wide[w++];
                at = at.Bind(column, Tensor.FromColumnMajor(column.Shape, [.. members.SelectMany(m => m[i].Values.ToArray())]));
            }
            else at = at.Bind(g.Variables[i], g.Values[i]);
        // A row whose output does not depend on the batched variables batches to null: the members are all equal.
        if (batched is not [{ } batchedOutput])
        {
            var first = g.Evaluate(members[0]).Values.ToArray();
            foreach (var m in members.Skip(1))
                Laws.Require(g.Evaluate(m).Values.ToArray().SequenceEqual(first), () => "the batched row does not depend on the batched variables, yet its members differ");
            return;
        }
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

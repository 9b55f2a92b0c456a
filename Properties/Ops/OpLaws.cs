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
}

using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>No op escapes the laws: every concrete <see cref="Op"/> of the Graph and Ops assemblies has a row in
/// <see cref="OpTable"/> or is a leaf, and every row really builds the op it claims to cover.</summary>
public class CoverageTests
{
    static readonly System.Reflection.Assembly[] Engine = [typeof(Op).Assembly, typeof(Functional.Ops.Add).Assembly];

    [Fact]
    public void Every_concrete_op_has_a_table_row_or_is_a_leaf()
    {
        var concrete = Engine.SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract).ToList();
        var covered = OpTable.Entries.Where(e => e.Covers is not null).Select(e => e.Covers!).ToHashSet();
        var missing = concrete.Where(t => !covered.Contains(t) && !OpTable.Leaves.Contains(t)).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, $"ops without a row in OpTable (add one, or list a leaf in OpTable.Leaves): {string.Join(", ", missing)}");
        Assert.Contains(typeof(Functional.Ops.Gather), concrete); // the reflection sees the Ops assembly
        Assert.Contains(typeof(AddN), concrete);                  // and the Graph assembly
    }

    [Fact]
    public void Leaves_are_leaves_and_rows_are_unique()
    {
        Assert.True(Node.Variable("x", Shape.Scalar).IsLeaf && Node.Constant(1.0).IsLeaf);
        var duplicates = OpTable.Entries.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
        var withoutReference = OpTable.Entries.Where(e => e.Reference is null).Select(e => e.Name).ToList();
        Assert.True(withoutReference.Count == 0, $"rows without a forward reference: {string.Join(", ", withoutReference)}");
    }

    /// <summary>A row that claims to cover an op builds a node of that op, so the coverage law cannot be fooled.</summary>
    [Theory, MemberData(nameof(OpLaws.Rows), MemberType = typeof(OpLaws))]
    public void Row_builds_the_op_it_covers(string row) => OpLaws.Holds(row, c =>
    {
        // A result of an op with several results covers that op.
        static Op Built(Node y) => y.Op is Output && y.Inputs[0].Op is MultiOp multi ? multi : y.Op;
        if (c.Entry.Covers is { } covers)
            Laws.Require(Built(c.Instantiate().Output).GetType() == covers,
                () => $"{c.Entry.Name} claims {covers.Name} but builds {Built(c.Instantiate().Output).GetType().Name}");
    }, cases: 5);
}

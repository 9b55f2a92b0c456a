using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>The table's shapes (1–6) never cross a kernel's blocking: Transpose tiles by 32 and BLAS switches
/// kernels with size. The forward value of the structural rows on dimensions 13–63, against the plain-loop reference.</summary>
public class LargeShapeTests
{
    public static TheoryData<string> StructuralRows => new([
        "MatMul(A·B)", "MatMul(Aᵀ·B)", "MatMul(A·Bᵀ)", "MatMul(Aᵀ·Bᵀ)", "MatMul(A·v)", "MatMul(Aᵀ·v)", "Transpose",
        "Reshape(m×n → n×m)", "SumAxis(0)", "SumAxis(1)", "Broadcast(axis 0) rows", "Broadcast(axis 1) columns",
        "LogSumExp(0)", "LogSumExp(1)", "Softmax(1)", "Gather: PickPerRow", "Scatter: of a Row"]);

    [Theory, MemberData(nameof(StructuralRows))]
    public void Forward_value_matches_reference_on_large_shapes(string row)
    {
        var entry = OpTable.Named(row);
        OpLaws.Holds(entry with { Dims = entry.Dims.Select(d => d.Select(v => 10 * v + 3).ToArray()) }, Laws.Value, cases: 10);
    }

    /// <summary>Forward = reverse mode on one large MatMul and Transpose, through the adjoint identity.</summary>
    [Fact]
    public void Adjoint_identity_on_a_large_product()
    {
        var rng = new Random(5);
        var a = Node.Variable("A", Shape.Matrix(70, 45));
        var b = Node.Variable("B", Shape.Matrix(33, 45));
        var y = a.MatMul(b.T()).T();
        var at = Bindings.Empty.Bind(a, Functional.Testing.Numerics.Random(rng, a.Shape)).Bind(b, Functional.Testing.Numerics.Random(rng, b.Shape));
        var report = GradCheck.Check(y.Sin().Sum(), at);
        Assert.True(report.AdjointRelError < 1e-12, report.ToString());
    }
}

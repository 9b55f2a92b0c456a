using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>A broadcast inside a fused pass fills one block of its output at a time, from any start (blocks of 1,024
/// elements cut a vector spread down 3 rows between copies of one element). Each way it fills a block (few copies of
/// each element, element by element; many, in runs; a whole slice over and over) must give the definition:
/// element (i, j) of the (rows × n) output is v[j], in float64 and in float32.</summary>
public class BroadcastBlockTests
{
    [Property(MaxTest = 60)]
    public Property Broadcast_blocks_in_a_fused_pass_give_the_definition() =>
        Prop.ForAll(Gen.Elements(1, 2, 3, 7, 8, 13).ToArbitrary(), Gen.Elements(1, 5, 341, 1000, 1025, 2900).ToArbitrary(), (rows, n) =>
        {
            var rng = new Random(rows * 7919 + n);
            var v = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 100, 3)).ToArray();
            foreach (var type in new[] { DType.Float64, DType.Float32 })
            {
                var x = Node.Variable("v", Shape.Vector(n), type);
                var value = type == DType.Float32 ? Tensor.FromColumnMajor32(x.Shape, [.. v.Select(e => (float)e)]) : Tensor.Vector(v);
                var at = Bindings.Empty.Bind(x, value);
                // Rows: a new first axis (each element copied `rows` times in a row); columns: a new last axis (the
                // whole vector over and over). Times 2 and plus 1 so that the broadcast is a member of a fused pass.
                var byRows = Plan.Compile([x.BroadcastRows(rows) * 2.0 + 1.0]).Run(at)[0];
                var byColumns = Plan.Compile([x.BroadcastColumns(rows) * 2.0 + 1.0]).Run(at)[0];
                for (int j = 0; j < n; j++)
                {
                    double expected = 2.0 * (type == DType.Float32 ? (float)v[j] : v[j]) + 1.0;
                    if (type == DType.Float32) expected = (float)expected;
                    for (int i = 0; i < rows; i++)
                    {
                        Assert.True(byRows[i, j] == expected, $"{type.Name()} BroadcastRows({rows}) of ({n}): ({i}, {j}) is {byRows[i, j]}, not {expected}");
                        Assert.True(byColumns[j, i] == expected, $"{type.Name()} BroadcastColumns({rows}) of ({n}): ({j}, {i}) is {byColumns[j, i]}, not {expected}");
                    }
                }
            }
        });
}

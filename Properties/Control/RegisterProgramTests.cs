using AutoDiff.Functional.Ops;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>Loop bodies of small values run as register programs: the same step on each of several carries runs as one
/// instruction over their registers side by side, with the bits of each carry's own evaluation.</summary>
public class RegisterProgramTests
{
    static readonly Func<Node, Node, Node>[] Pieces =
    [
        (c, p) => c.Sin() * p + c * 0.5,
        (c, p) => c.Tanh() + p,
        (c, p) => (c.Square() + 1).Log() - p * c * 0.25,
        (c, p) => c.Cos() * 0.9 + p.Sigmoid(),
        (c, p) => c / (c.Square() + p.Square() + 1),
    ];

    static Gen<double> Value => Gen.Choose(-1000, 1000).Select(i => i / 500.0);

    [Fact]
    public void The_same_step_on_several_carries_runs_in_no_more_instructions_than_one_carry_with_the_same_bits() => Check.One(
        Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll((
            from carries in Gen.Choose(1, 4)
            from d in Gen.Choose(1, 100)
            from length in Gen.Choose(1, 3)
            from pieces in Gen.ArrayOf(Gen.Choose(0, Pieces.Length - 1), length)
            from values in Gen.ArrayOf(Value, 2 * carries * d)
            select (carries, d, pieces, values)).ToArbitrary(), k =>
        {
            var (carries, d, pieces, values) = k;
            Node Body(Node c, Node p) => pieces.Aggregate(c, (carry, piece) => Pieces[piece](carry, p));
            var c = Enumerable.Range(0, carries).Select(i => Node.Variable($"c{i}", Shape.Vector(d))).ToArray();
            var p = Enumerable.Range(0, carries).Select(i => Node.Variable($"p{i}", Shape.Vector(d))).ToArray();
            Node[] inputs = [.. c, .. p], outputs = [.. c.Zip(p, Body)];
            var program = RegisterProgram.TryCompile(inputs, outputs)!;
            var alone = RegisterProgram.TryCompile([c[0], p[0]], [outputs[0]])!;
            Assert.True(program.Length <= alone.Length, $"{carries} carries run {program.Length} instructions, one carry {alone.Length}");

            var at = Bindings.Empty;
            var x = new Tensor[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                x[i] = Tensor.Vector(values.AsSpan(i * d, d).ToArray());
                at = at.Bind(inputs[i], x[i]);
            }
            var ran = program.Run(x, program.NewRegisters());
            var evaluated = Evaluator.Evaluate(outputs, at);
            for (int i = 0; i < carries; i++) Assert.Equal(evaluated[i].Values.ToArray(), ran[i].Values.ToArray());
        }));

    /// <summary>Sums of cotangents (AddN, whose kernel does not spread a single number over a block) of two carries
    /// that read the same number run as two instructions, with the interpreter's bits; joined as one over that number
    /// they threw (found by the chunked-reverse property: two carries' reverse rules sharing a term).</summary>
    [Fact]
    public void Sums_that_read_one_shared_number_run_with_the_interpreters_bits()
    {
        Node[] c = [Node.Variable("c0", Shape.Scalar), Node.Variable("c1", Shape.Scalar)];
        var shared = Node.Variable("s", Shape.Scalar);
        Node[] inputs = [.. c, shared], outputs = [AddN.Sum([c[0], shared])!, AddN.Sum([c[1], shared])!];
        Assert.All(outputs, o => Assert.IsType<AddN>(o.Op));
        var program = RegisterProgram.TryCompile(inputs, outputs)!;
        Tensor[] x = [Tensor.Scalar(0.25), Tensor.Scalar(-1.5), Tensor.Scalar(3.0)];
        var ran = program.Run(x, program.NewRegisters());
        Assert.Equal([3.25, 1.5], ran.Select(t => t.ToScalar()));
    }
}

using FsCheck;
using FsCheck.Fluent;
using Xunit;
using LoopCounter = AutoDiff.Functional.Ops.LoopCounter;

namespace AutoDiff.Functional.Properties.Control;

/// <summary>A reverse pass from stored carries (checkpointed segments) of a body on single numbers computes its steps'
/// residuals a chunk of 64 steps at a time, by the body's element-wise ops on vectors: the gradient must have the bits
/// of the step-by-step reverse rule (Revolve with two carries) and of the residuals the forward pass records
/// (StoreAll), for any number of steps (whole chunks and a partial one), one or two carries, forward and reverse scans,
/// float64 and float32, and for forward-over-reverse (whose tangent body is chunked too).</summary>
public class ChunkedReverseTests
{
    static readonly Func<Node, Node, Node, Node>[] Pieces =
    [
        (c, x, p) => (c * p + x).Sin(),
        (c, x, p) => c.Tanh() + x * p,
        (c, x, p) => (c.Square() + 1).Log() - p * c * 0.25 + x,
        (c, x, p) => c.Cos() * 0.9 + (p * x).Sigmoid(),
        (c, x, p) => c / (c.Square() + p.Square() + 1) + x,
        (c, x, p) => (c * 0.5).Exp() * 0.3 - x.Softplus() * p,
    ];

    [Fact]
    public void Chunked_residuals_give_the_step_by_step_gradient_bits() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll((
        from steps in Gen.OneOf(Gen.Choose(1, 200), Gen.Elements(63, 64, 65, 128, 129))
        from first in Gen.Choose(0, Pieces.Length - 1)
        from second in Gen.Choose(0, Pieces.Length - 1)
        from two in Gen.Elements(false, true)
        from reverse in Gen.Elements(false, true)
        from single in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 1000)
        select (steps, first, second, two, reverse, single, seed)).ToArbitrary(), k =>
    {
        var (steps, first, second, two, reverse, single, seed) = k;
        var type = single ? DType.Float32 : DType.Float64;
        var xs = Node.Variable("xs", Shape.Vector(steps), type);
        var p = Node.Variable("p", Shape.Scalar, type);
        var c0 = Node.Variable("c0", Shape.Scalar, type);
        Node[] Loss(Checkpointing policy)
        {
            Node loss;
            if (!two)
            {
                var (carry, ys) = Loop.Scan(xs, c0, (c, x) => { var next = Pieces[first](c, x, p); return (next, next * next); }, policy, reverse);
                loss = carry + ys.Sum();
            }
            else
            {
                var (carries, ys) = Loop.Scan([xs], [c0, c0 * 0.5], (c, x) =>
                    ([Pieces[first](c[0], x[0], p) + c[1] * 0.1, Pieces[second](c[1], x[0], p) * 0.5 + c[0] * 0.1], [c[0] * c[1]]), policy, reverse);
                loss = carries[0] + carries[1].Square() + ys[0].Sin().Sum();
            }
            var grad = Reverse.Grad(loss, [p, c0, xs]);
            // Forward over reverse: the gradient's tangent along p.
            var hvp = ForwardMode.Jvp(grad, [(p, Node.Constant(Tensor.Scalar(1.0).To(type)))]);
            return [loss, .. grad, .. hvp];
        }
        var rng = new Random(seed);
        var at = Bindings.Empty.Bind(p, Tensor.Scalar(0.4 + 0.5 * rng.NextDouble()).To(type)).Bind(c0, Tensor.Scalar(rng.NextDouble() - 0.5).To(type))
            .Bind(xs, Tensor.Vector([.. Enumerable.Range(0, steps).Select(_ => rng.NextDouble() * 2 - 1)]).To(type));

        var stepByStep = Evaluator.Evaluate(Loss(Checkpointing.Binomial(2)), at);
        var recorded = Plan.Compile(Loss(Checkpointing.StoreAll)).Run(at);
        var counter = LoopCounter.Start();
        try
        {
            foreach (var policy in new[] { Checkpointing.Sqrt, Checkpointing.Binomial(2 * steps + 4) })
            {
                var chunked = Plan.Compile(Loss(policy)).Run(at);
                for (int i = 0; i < chunked.Length; i++)
                {
                    Assert.Equal(stepByStep[i].Values.ToArray(), chunked[i].Values.ToArray());
                    Assert.Equal(recorded[i].Values.ToArray(), chunked[i].Values.ToArray());
                }
            }
            // The chunks ran (all but one-step scans, which the forward pass reverses whole).
            Assert.True(steps < 3 || counter.ChunkedSteps > 0, $"{steps} steps: no chunk of residuals was computed");
        }
        finally { LoopCounter.Stop(); }
    }));
}

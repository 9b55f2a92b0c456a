using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>The interpreters keep all state local to a call: one graph evaluated and differentiated from 16 threads
/// at once gives the same bits as a sequential run.</summary>
public class ConcurrencyTests
{
    const int Threads = 16, Rounds = 10;

    /// <summary>A two-layer classifier: cross-entropy of tanh(X·W1ᵀ + b1)·W2ᵀ + b2 against fixed labels.</summary>
    static (Node Loss, Node[] Parameters, Bindings Bindings) Model()
    {
        const int n = 12, d = 5, h = 7, c = 3;
        var rng = new Random(2024);
        Tensor R(params int[] dims) => Functional.Testing.Numerics.Random(rng, Shape.Of(dims));
        Node w1 = Node.Variable("W1", Shape.Matrix(h, d)), b1 = Node.Variable("b1", Shape.Vector(h));
        Node w2 = Node.Variable("W2", Shape.Matrix(c, h)), b2 = Node.Variable("b2", Shape.Vector(c));
        var x = Node.Constant(R(n, d));
        var hidden = (x.MatMul(w1.T()) + b1.BroadcastRows(n)).Tanh();
        var logits = hidden.MatMul(w2.T()) + b2.BroadcastRows(n);
        var loss = logits.CrossEntropy([.. Enumerable.Range(0, n).Select(i => i % c)]);
        var b = Bindings.Empty.Bind(w1, R(h, d)).Bind(b1, R(h)).Bind(w2, R(c, h)).Bind(b2, R(c));
        return (loss, [w1, b1, w2, b2], b);
    }

    /// <summary>Value, gradient (from a shared gradient graph and from one built by this thread), a JVP and an HVP,
    /// as bits.</summary>
    static long[] Run(Node loss, Node[] parameters, Node[] sharedGradient, Bindings b)
    {
        var values = new List<Tensor>();
        values.AddRange(Evaluator.Evaluate([loss, .. sharedGradient], b));
        values.AddRange(AD.ValueAndGrad(loss, b, parameters).Gradients);
        values.AddRange(AD.Jvp([loss], b, (parameters[0], b[parameters[0]])).Tangents);
        values.Add(AD.Hvp(loss, b, (parameters[2], b[parameters[2]]))[0]);
        return [.. values.SelectMany(t => t.Values.ToArray()).Select(BitConverter.DoubleToInt64Bits)];
    }

    [Fact]
    public void Sixteen_threads_give_the_bits_of_a_sequential_run()
    {
        var (loss, parameters, b) = Model();
        var gradient = Reverse.Grad(loss, parameters);
        var sequential = Run(loss, parameters, gradient, b);

        var results = new long[Threads][][];
        var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            results[t] = new long[Rounds][];
            start.SignalAndWait(); // all threads race through the same graph
            for (int r = 0; r < Rounds; r++) results[t][r] = Run(loss, parameters, gradient, b);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (int t = 0; t < Threads; t++)
            for (int r = 0; r < Rounds; r++)
                Assert.True(sequential.SequenceEqual(results[t][r]), $"thread {t}, round {r} differs from the sequential run");
    }
}

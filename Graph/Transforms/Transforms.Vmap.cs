using System.Runtime.CompilerServices;
using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional;

// Vmap: f applied to every member of a batch, through the ops' batching rules (Op.Batch).
public static partial class Transforms
{
    /// <summary>x ↦ f applied to each member of x along <paramref name="inAxis"/>, the results stacked along
    /// <paramref name="outAxis"/> (JAX's <c>vmap</c>). Negative axes count from the end.</summary>
    public static Func<Tensor, Tensor> Vmap(Func<Node, Node> f, int inAxis = 0, int outAxis = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        var vmap = Vmap(xs => [f(xs[0])], [inAxis], [outAxis]);
        return x => vmap([Required(x)])[0];
    }

    /// <summary>xs ↦ f applied to each member: input i split along <paramref name="inAxes"/>[i] (<c>null</c>: the
    /// same for every member), the result stacked along <paramref name="outAxis"/>.</summary>
    public static Func<Tensor[], Tensor> Vmap(Func<Node[], Node> f, int?[] inAxes, int outAxis = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        var vmap = Vmap(xs => [f(xs)], inAxes, [outAxis]);
        return xs => vmap(xs)[0];
    }

    /// <summary><see cref="Vmap(Func{Node, Node}, int, int)"/> of a function that <see cref="Transforms"/> made, such as
    /// <c>Grad(f)</c>: per-example gradients are <c>Vmap(Grad(f))</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="g"/> was not made by <c>Transforms.Grad</c>, so there is no
    /// graph to trace.</exception>
    public static Func<Tensor, Tensor> Vmap(Func<Tensor, Tensor> g, int inAxis = 0, int outAxis = 0)
    {
        var vmap = Vmap(GraphOf(g), [inAxis], [outAxis]);
        return x => vmap([Required(x)])[0];
    }

    /// <summary><see cref="Vmap(Func{Node[], Node[]}, int?[], int[])"/> of a function that <see cref="Transforms"/>
    /// made: per-example gradients with respect to shared parameters are <c>Vmap(Grad(loss, 0), [null, 0, 0], [0])</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="g"/> was not made by <c>Transforms.Grad</c>.</exception>
    public static Func<Tensor[], Tensor[]> Vmap(Func<Tensor[], Tensor[]> g, int?[] inAxes, int[] outAxes) =>
        Vmap(GraphOf(g), inAxes, outAxes);

    /// <summary>The general form: xs ↦ f applied to each member, input i split along <paramref name="inAxes"/>[i]
    /// (<c>null</c>: shared by every member), output j stacked along <paramref name="outAxes"/>[j].</summary>
    /// <remarks>Inputs may be int32 data (indices, labels) batched along an axis like any other: per-example gathers
    /// run through the indexing ops' batching rules (or one member at a time where an op has none); the outputs are
    /// float values. f is traced once per list of input shapes and types, on one member, and its graph batched by each op's rule
    /// (<see cref="Op.Batch"/>) into one graph over the whole batch, compiled into a <see cref="Plan"/>. Batch axes
    /// are moved to the back on the way in and into place on the way out, a copy unless the axis is already last. If
    /// an op on the way has no batching rule, the plan of one member runs once per member instead: the same results,
    /// at the speed of a loop. Results equal a loop of f to the bit except where a batched kernel adds in another
    /// order than the member's: a matrix product or a solve with a shared matrix, whose members become extra columns
    /// of one BLAS or LAPACK call.</remarks>
    public static Func<Tensor[], Tensor[]> Vmap(Func<Node[], Node[]> f, int?[] inAxes, int[] outAxes)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inAxes);
        ArgumentNullException.ThrowIfNull(outAxes);
        (inAxes, outAxes) = ((int?[])inAxes.Clone(), (int[])outAxes.Clone());
        if (inAxes.All(a => a is null))
            throw new ArgumentException("Transforms.Vmap: no input is batched (every in axis is null)", nameof(inAxes));
        var compiled = PerShapes("Vmap", inputs => new Vectorised(f, [.. inputs.Select(s => s.Shape)], [.. inputs.Select(s => s.Type)], inAxes, outAxes), xs =>
        {
            if (xs.Length != inAxes.Length)
                throw new ArgumentException($"Transforms.Vmap: {inAxes.Length} in axes for {xs.Length} input(s)", nameof(inAxes));
        });
        return xs => compiled(xs).Run(xs);
    }

    // The graphs of the functions on values that Transforms made and Vmap can trace: Vmap(Grad(f)) batches the
    // gradient graph. Keyed by the delegate, weakly, so an entry lives as long as the function does.
    static readonly ConditionalWeakTable<Delegate, Func<Node[], Node[]>> Graphs = [];

    static T Traceable<T>(T function, Func<Node[], Node[]> graph) where T : Delegate
    {
        Graphs.AddOrUpdate(function, graph);
        return function;
    }

    internal static Func<Node[], Node[]> GraphOf(Delegate g)
    {
        ArgumentNullException.ThrowIfNull(g);
        return Graphs.TryGetValue(g, out var graph) ? graph
            : throw new ArgumentException("Transforms.Vmap: this function on tensors was not made by Transforms.Grad, so there is " +
                                          "no graph to batch; pass the function on nodes instead", nameof(g));
    }

    /// <summary>f traced on one member of inputs of these shapes, batched (or, when an op cannot batch, kept for one
    /// member at a time) and compiled.</summary>
    internal sealed class Vectorised
    {
        readonly int?[] inAxes;
        readonly int[] outAxes;
        readonly int k;
        readonly Node[] members;      // one member of each input, as traced
        readonly Node[] variables;    // what each input binds when batched: the batch with its axis moved last, or the member
        readonly Shape[] outputs;     // one member's output shapes
        readonly DType[] outputTypes; // and types
        readonly bool[] perMember;    // output j has a column per member (else it is the same for all of them)
        readonly PooledPlan plan;

        /// <summary>The node whose op has no batching rule, when the members run one at a time.</summary>
        internal Node? Unbatchable { get; }
        /// <summary>True when the plan is one member's, run once per member.</summary>
        internal bool OneByOne { get; }

        public Vectorised(Func<Node[], Node[]> f, Shape[] shapes, int?[] inAxes, int[] outAxes)
            : this(f, shapes, [.. shapes.Select(_ => DType.Float64)], inAxes, outAxes) { }

        public Vectorised(Func<Node[], Node[]> f, Shape[] shapes, DType[] types, int?[] inAxes, int[] outAxes)
        {
            this.inAxes = new int?[shapes.Length];
            k = -1;
            for (int i = 0; i < shapes.Length; i++)
            {
                if (inAxes[i] is not { } a) continue;
                int axis = BatchAxis.Normalise(a, shapes[i].Rank);
                if (axis < 0) throw new ArgumentException($"Transforms.Vmap: in axis {a} of input {i} is outside its shape {shapes[i]}", nameof(inAxes));
                this.inAxes[i] = axis;
                int members = shapes[i][axis];
                if (k < 0) k = members;
                else if (members != k)
                    throw new ArgumentException($"Transforms.Vmap: input {i} {shapes[i]} has {members} members along axis {axis}, " +
                                                $"but input {Array.FindIndex(this.inAxes, x => x is not null)} has {k}", nameof(inAxes));
            }

            Node[] x = [.. shapes.Select((s, i) => Node.Variable($"x{i}", this.inAxes[i] is { } a ? BatchAxis.Remove(s, a) : s, types[i]))];
            var y = f((Node[])x.Clone()) ?? throw new ArgumentException("Transforms.Vmap: the function returned null");
            if (Array.IndexOf(y, null) is var missing and >= 0) throw new ArgumentException($"Transforms.Vmap: output {missing} of the function is null");
            ReadsOnly("Vmap", y, x);
            if (outAxes.Length != y.Length)
                throw new ArgumentException($"Transforms.Vmap: {outAxes.Length} out axes for {y.Length} output(s)", nameof(outAxes));
            outputs = [.. y.Select(o => o.Shape)];
            outputTypes = [.. y.Select(o => o.DType)];
            if (Array.FindIndex(outputTypes, t => !t.IsFloat()) is var data and >= 0)
                throw new ArgumentException($"Transforms.Vmap: output {data} {y[data]} is {outputTypes[data].Name()} data; Vmap returns float values (cast it with ToFloat64())");
            this.outAxes = new int[y.Length];
            for (int j = 0; j < y.Length; j++)
                if ((this.outAxes[j] = BatchAxis.Normalise(outAxes[j], outputs[j].Rank + 1)) < 0)
                    throw new ArgumentException($"Transforms.Vmap: out axis {outAxes[j]} of output {j} is outside the {outputs[j].Rank + 1} axes of a batch of {outputs[j]}", nameof(outAxes));

            // A batched input is a (member size × k) matrix, member c in column c: the layout the batching rules use.
            variables = [.. x.Select((v, i) => this.inAxes[i] is null ? v : Node.Variable($"x{i}", Shape.Matrix(v.Shape.Size, k), v.DType))];
            (Node Variable, Node Batch)[] pairs = [.. x.Zip(variables).Where(p => p.Item1 != p.Item2)];
            Node? unbatchable = null;
            var batched = k == 0 ? null : Batching.Batch(y, pairs, k, out unbatchable);
            (Unbatchable, OneByOne, members) = (unbatchable, batched is null, x);
            perMember = [.. y.Select((_, j) => batched?[j] is not null)];
            Node[] planned = batched is null ? y : [.. y.Select((o, j) => batched[j] ?? o)];
            foreach (var node in Topology.Of(planned).Order)
                if (batched is not null && node.IsVariable && pairs.Any(p => p.Variable == node))
                    throw new InvalidOperationException($"internal: a batching rule on the way to the outputs read the member {node}");
            plan = new PooledPlan(Plan.Compile(planned));
        }

        public Tensor[] Run(Tensor[] xs) => OneByOne ? OneAtATime(xs) : Batched(xs);

        Tensor[] Batched(Tensor[] xs)
        {
            var b = Bindings.Empty;
            for (int i = 0; i < xs.Length; i++)
                b = b.Bind(variables[i], inAxes[i] is { } a ? BatchAxis.ToBack(xs[i], a) : xs[i]);
            var values = plan.Run(b);
            return [.. values.Select((v, j) => perMember[j] ? BatchAxis.FromBack(v, outputs[j], outAxes[j], k) : BatchAxis.Repeated(v, outAxes[j], k))];
        }

        Tensor[] OneAtATime(Tensor[] xs)
        {
            var results = outputs.Select(s => new double[s.Size * k]).ToArray();
            plan.With(ws =>
            {
                for (int c = 0; c < k; c++)
                {
                    var b = Bindings.Empty;
                    for (int i = 0; i < xs.Length; i++)
                        b = b.Bind(members[i], inAxes[i] is { } a ? BatchAxis.Member(xs[i], a, c) : xs[i]);
                    var values = plan.Plan.Run(b, ws);
                    for (int j = 0; j < values.Length; j++) BatchAxis.Place(values[j], outAxes[j], k, c, results[j]);
                }
                return 0;
            });
            return [.. results.Select((r, j) => new Tensor(BatchAxis.Insert(outputs[j], outAxes[j], k), r, outputTypes[j]))];
        }
    }
}

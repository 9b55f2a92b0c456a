using System.Buffers;
using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional;

/// <summary>Running a plan's steps: the one file that calls into ops (<see cref="Node.Compute"/>, which calls
/// <see cref="Op.Forward"/> or shares an <see cref="IView"/>'s input, and the kernels of <see cref="IElementwise"/>,
/// <see cref="IExpand"/>, <see cref="IIndexedExpand"/>, <see cref="IReduce"/>).</summary>
public sealed partial class Plan
{
    /// <summary>Elements per block of a fused pass: the blocks of all members of a pass stay in cache.</summary>
    internal const int Tile = 1024;
    /// <summary>Fused passes (and ops that loop over independent runs, like Softmax) at least this large split their
    /// blocks between the cores.</summary>
    internal const int ParallelSize = 1 << 18;

    /// <summary>How the phases treat a node's op.</summary>
    internal static OpKind KindOf(Node node) => node.Op switch
    {
        _ when node.IsLeaf => OpKind.Leaf,
        IView => OpKind.View,
        // An AddN of more than two inputs is no element-wise kernel: its later inputs would be read after the first
        // partial sum overwrote one of them.
        IElementwise when node.Inputs.Length <= 2 => OpKind.Elementwise,
        IExpand => OpKind.Expand,
        IIndexedExpand when node.DType != DType.Int32 => OpKind.Expand,   // a pass computes in floats
        IReduce => OpKind.Reduce,
        _ => OpKind.Other,
    };

    /// <summary>The outputs' values given <paramref name="bindings"/>. Pure: a run changes nothing but its workspace
    /// (a fresh one when none is given), and never writes to bound values or constants.</summary>
    /// <exception cref="BindingException">A variable of the plan is not bound.</exception>
    public Tensor[] Run(Bindings bindings, Workspace? workspace = null)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        var inputs = new Tensor[variables.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = bindings[variables[i].Node];
        return Run(inputs, workspace);
    }

    /// <summary>The outputs' values given one value per variable, in the order of <see cref="Variables"/>: the lean
    /// path of a loop body run many times, without building bindings. The caller checks the shapes.</summary>
    internal Tensor[] Run(ReadOnlySpan<Tensor> inputs, Workspace? workspace)
    {
        var ws = workspace ?? NewWorkspace();
        ws.Enter(this);
        try
        {
            var run = new Execution(this, ws);
            for (int i = 0; i < variables.Length; i++) run.Values[variables[i].Position] = inputs[i];
            foreach (var (value, p) in constants) run.Values[p] = value;
            foreach (var step in storage.Steps) run.Step(step);
            var result = new Tensor[graph.Outputs.Length];
            for (int i = 0; i < result.Length; i++) result[i] = run.Values[graph.Outputs[i]]!;
            return result;
        }
        finally { ws.Leave(); }
    }

    /// <summary>One run: every node's value so far, and the buffers of the slots in use.</summary>
    sealed class Execution(Plan plan, Workspace workspace)
    {
        public readonly Tensor?[] Values = new Tensor?[plan.graph.Count];
        readonly Array?[] buffers = new Array?[plan.storage.SlotSize.Length];
        readonly Tensor[] args = new Tensor[plan.maxArity];

        public void Step(Step step)
        {
            switch (step)
            {
                case OpStep(var p, var slot):
                    Values[p] = plan.graph[p].Compute(Inputs(p), Buffer(slot));
                    break;
                case ViewStep(var p, _):
                    Values[p] = plan.graph[p].Compute(Inputs(p));
                    break;
                case PassStep pass:
                    Pass(pass);
                    break;
            }
        }

        ReadOnlySpan<Tensor> Inputs(int p)
        {
            var ins = plan.graph.InputsOf(p);
            for (int k = 0; k < ins.Length; k++) args[k] = Values[ins[k]]!;
            return args.AsSpan(0, ins.Length);
        }

        /// <summary>Output slots get a fresh array each run (the caller keeps it), unless the workspace keeps outputs; the
        /// rest live in the workspace.</summary>
        Array Buffer(int slot) => buffers[slot] ??= plan.storage.SlotReturned[slot] && !workspace.KeepsOutputs
            ? New(slot)
            : workspace.Buffers[slot] ??= New(slot);

        Array New(int slot) => plan.storage.SlotSingles[slot]
            ? GC.AllocateUninitializedArray<float>(plan.storage.SlotSize[slot])
            : GC.AllocateUninitializedArray<double>(plan.storage.SlotSize[slot]);

        void Pass(PassStep f)
        {
            foreach (var m in f.Members)
                m.Indexed?.Check(Values[m.A.Index]!, Values[m.B.Index]!);
            var stored = f.Members.Select(m => m.Slot is { } slot ? Buffer(slot) : null).ToArray();
            int tiles = (f.Size + Tile - 1) / Tile;
            var partials = new double[tiles * f.Members.Length];
            int workers = f.Size >= ParallelSize ? Math.Min(Environment.ProcessorCount, tiles) : 1;
            Action<PassStep, Tensor?[], Array?[], double[], int, int> run = f.InSingles ? Tiles32 : Tiles;
            if (workers == 1) run(f, Values, stored, partials, 0, tiles);
            else Parallel.For(0, workers, w => run(f, Values, stored, partials, (int)((long)tiles * w / workers), (int)((long)tiles * (w + 1) / workers)));
            for (int j = 0; j < stored.Length; j++)
            {
                if (stored[j] is not { } y) continue;
                if (f.Members[j].Reduce is not null)
                {
                    // Partial results added in block order: the same bits however the blocks were shared out.
                    double sum = 0;
                    for (int t = 0; t < tiles; t++) sum += partials[t * f.Members.Length + j];
                    if (y is float[] singles) singles[0] = (float)sum;   // a float32 member always has a float32 slot
                    else ((double[])y)[0] = sum;
                }
                var node = plan.graph[f.Members[j].Node];
                Values[f.Members[j].Node] = y is float[] s ? new Tensor(node.Shape, s) : new Tensor(node.Shape, (double[])y, node.DType);
            }
        }

        /// <summary>Blocks [first, end) of a fused pass: every member's block computed into scratch (a reduction's
        /// partial result into <paramref name="partials"/>), in order, then the stored members' blocks copied out.
        /// Reading a whole block before writing any lets a member's slot be the storage of an input that dies in this
        /// pass. Float32 values held as singles are read widened, a block at a time, into scratch of their own.</summary>
        static void Tiles(PassStep f, Tensor?[] values, Array?[] stored, double[] partials, int first, int end)
        {
            var members = f.Members;
            var scratch = ArrayPool<double>.Shared.Rent(3 * members.Length * Tile);
            try
            {
                for (int t = first; t < end; t++)
                {
                    int start = t * Tile, length = Math.Min(Tile, f.Size - start);
                    for (int j = 0; j < members.Length; j++)
                    {
                        var m = members[j];
                        var y = scratch.AsSpan(j * Tile, length);
                        if (m.Expand is { } expand)
                        {
                            var input = values[m.A.Index]!;
                            if (input.HoldsSingles) expand.Block(input.Singles, start, y);
                            else expand.Block(input.Values, start, y);
                        }
                        else if (m.Indexed is { } take) take.Block(values[m.A.Index]!, values[m.B.Index]!, start, y);
                        else if (m.Reduce is { } reduce) partials[t * members.Length + j] = reduce.Block(Read(m.A, 2 * j));
                        // An expand copies float32 numbers, so only a computed float32 block is rounded.
                        else if (m.Float32) m.Elementwise!.Block32(Read(m.A, 2 * j), Read(m.B, 2 * j + 1), y);
                        else m.Elementwise!.Block(Read(m.A, 2 * j), Read(m.B, 2 * j + 1), y);
                    }
                    for (int j = 0; j < members.Length; j++)
                        if (members[j].Reduce is not null) continue;
                        else if (stored[j] is double[] d) scratch.AsSpan(j * Tile, length).CopyTo(d.AsSpan(start, length));
                        else if (stored[j] is float[] s) Tensor.Narrow(scratch.AsSpan(j * Tile, length), s.AsSpan(start, length));

                    // Operand k of the pass reads a member's block, or a stored value's (widened into scratch of its own).
                    ReadOnlySpan<double> Read(Operand o, int k) => o.Source switch
                    {
                        Source.Block => scratch.AsSpan(o.Index * Tile, length),
                        Source.Aligned or Source.Scalar => Singles.Block(values[o.Index]!, start, length, scratch.AsSpan((members.Length + k) * Tile, Tile)),
                        _ => default,
                    };
                }
            }
            finally { ArrayPool<double>.Shared.Return(scratch); }
        }

        /// <summary><see cref="Tiles"/> for a pass <see cref="PassStep.InSingles"/>: blocks of float32 numbers, each
        /// member's float32 kernel (see <see cref="IElementwise.Block32(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>),
        /// stored values read and members stored without a conversion. The same bits: every float32 kernel gives the
        /// float64 block rounded, and a sum adds its block widened, as <see cref="Tiles"/> does.</summary>
        static void Tiles32(PassStep f, Tensor?[] values, Array?[] stored, double[] partials, int first, int end)
        {
            var members = f.Members;
            var scratch = ArrayPool<float>.Shared.Rent(3 * members.Length * Tile);
            var wide = ArrayPool<double>.Shared.Rent(Tile);
            try
            {
                for (int t = first; t < end; t++)
                {
                    int start = t * Tile, length = Math.Min(Tile, f.Size - start);
                    for (int j = 0; j < members.Length; j++)
                    {
                        var m = members[j];
                        var y = scratch.AsSpan(j * Tile, length);
                        if (m.Expand is { } expand)
                        {
                            var input = values[m.A.Index]!;
                            if (input.HoldsSingles) expand.Block(input.Singles, start, y);
                            else
                            {
                                expand.Block(input.Values, start, wide.AsSpan(0, length));
                                Tensor.Narrow(wide.AsSpan(0, length), y);
                            }
                        }
                        else if (m.Indexed is { } take) take.Block(values[m.A.Index]!, values[m.B.Index]!, start, y);
                        else if (m.Reduce is { } reduce)
                        {
                            Tensor.Widen(Read(m.A, 2 * j), wide);
                            partials[t * members.Length + j] = reduce.Block(wide.AsSpan(0, length));
                        }
                        else m.Elementwise!.Block32(Read(m.A, 2 * j), Read(m.B, 2 * j + 1), y);
                    }
                    for (int j = 0; j < members.Length; j++)
                        if (members[j].Reduce is null && stored[j] is float[] s) scratch.AsSpan(j * Tile, length).CopyTo(s.AsSpan(start, length));

                    ReadOnlySpan<float> Read(Operand o, int k) => o.Source switch
                    {
                        Source.Block => scratch.AsSpan(o.Index * Tile, length),
                        Source.Aligned or Source.Scalar => Singles.Block32(values[o.Index]!, start, length, scratch.AsSpan((members.Length + k) * Tile, Tile)),
                        _ => default,
                    };
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
                ArrayPool<double>.Shared.Return(wide);
            }
        }
    }
}

using System.Buffers;

namespace AutoDiff.Functional;

public sealed partial class Plan
{
    /// <summary>Fused passes at least this large split their blocks between the cores.</summary>
    const int ParallelSize = 1 << 18;

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
            var values = new Tensor?[nodes.Length];
            for (int i = 0; i < variables.Length; i++) values[variables[i].Position] = inputs[i];
            foreach (var (value, p) in constants) values[p] = value;
            var buffers = new double[]?[slotSize.Length];
            var args = new Tensor[maxArity];
            foreach (var step in steps)
            {
                if (step is Single(var p, var slot))
                {
                    var node = nodes[p];
                    var ins = InputsOf(p);
                    for (int k = 0; k < ins.Length; k++) args[k] = values[ins[k]]!;
                    var x = args.AsSpan(0, ins.Length);
                    values[p] = node.Compute(x, node.Op is IView ? null : Buffer(buffers, slot));
                }
                else RunFused((Fused)step, values, buffers);
            }
            var result = new Tensor[outputPos.Length];
            for (int i = 0; i < result.Length; i++) result[i] = values[outputPos[i]]!;
            return result;
        }
        finally { ws.Leave(); }

        // Output slots get a fresh array each run (the caller keeps it); the rest live in the workspace.
        double[] Buffer(double[]?[] buffers, int slot) => buffers[slot] ??= slotReturned[slot]
            ? GC.AllocateUninitializedArray<double>(slotSize[slot])
            : ws.Buffers[slot] ??= GC.AllocateUninitializedArray<double>(slotSize[slot]);

        void RunFused(Fused f, Tensor?[] values, double[]?[] buffers)
        {
            var stored = new double[]?[f.Members.Length];
            for (int j = 0; j < stored.Length; j++)
                if (f.Members[j].Slot >= 0) stored[j] = Buffer(buffers, f.Members[j].Slot);
            int tiles = (f.Size + Tile - 1) / Tile;
            var partials = new double[tiles * f.Members.Length];
            int workers = f.Size >= ParallelSize ? Math.Min(Environment.ProcessorCount, tiles) : 1;
            if (workers == 1) RunTiles(f, values, stored, partials, 0, tiles);
            else Parallel.For(0, workers, w => RunTiles(f, values, stored, partials, (int)((long)tiles * w / workers), (int)((long)tiles * (w + 1) / workers)));
            for (int j = 0; j < stored.Length; j++)
            {
                if (stored[j] is not { } y) continue;
                if (f.Members[j].Op is IReduce)
                {
                    // Partial results added in block order: the same bits however the blocks were shared out.
                    double sum = 0;
                    for (int t = 0; t < tiles; t++) sum += partials[t * f.Members.Length + j];
                    y[0] = sum;
                }
                values[f.Members[j].Node] = Tensor.FromColumnMajor(nodes[f.Members[j].Node].Shape, y);
            }
        }
    }

    /// <summary>Blocks [first, end) of a fused pass: every member's block computed into scratch (a reduction's partial
    /// result into <paramref name="partials"/>), in order, then the stored members' blocks copied out. Reading a whole block before writing any lets a member's slot be the storage
    /// of an input that dies in this pass.</summary>
    static void RunTiles(Fused f, Tensor?[] values, double[]?[] stored, double[] partials, int first, int end)
    {
        var members = f.Members;
        var scratch = ArrayPool<double>.Shared.Rent(members.Length * Tile);
        try
        {
            for (int t = first; t < end; t++)
            {
                int start = t * Tile, length = Math.Min(Tile, f.Size - start);
                for (int j = 0; j < members.Length; j++)
                {
                    var m = members[j];
                    var y = scratch.AsSpan(j * Tile, length);
                    if (m.Op is IExpand expand) expand.Block(values[m.A.Index]!.Values, start, y);
                    else if (m.Op is IReduce reduce) partials[t * members.Length + j] = reduce.Block(Read(m.A));
                    else ((IElementwise)m.Op).Block(Read(m.A), Read(m.B), y);
                }
                for (int j = 0; j < members.Length; j++)
                    if (stored[j] is { } y && members[j].Op is not IReduce) scratch.AsSpan(j * Tile, length).CopyTo(y.AsSpan(start, length));

                ReadOnlySpan<double> Read(Operand o) => o.Source switch
                {
                    Source.Block => scratch.AsSpan(o.Index * Tile, length),
                    Source.Aligned => values[o.Index]!.Values.Slice(start, length),
                    Source.Scalar => values[o.Index]!.Values[..1],
                    _ => default,
                };
            }
        }
        finally { ArrayPool<double>.Shared.Return(scratch); }
    }
}

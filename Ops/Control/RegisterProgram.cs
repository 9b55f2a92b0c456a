using AutoDiff.Functional.Plans;

namespace AutoDiff.Functional.Ops;

/// <summary>A traced graph of small values (a loop body over a few short vectors, Heron's step on single numbers) run
/// as a list of instructions over one array of registers, each node its own run of registers: a loop of many tiny
/// steps then costs the kernels' time, not a plan run's bookkeeping. Element-wise ops run their own
/// <see cref="IElementwise.Block"/> kernel on the whole value at once, as a plan's fused pass does on a block no longer
/// than <see cref="Plan.Tile"/>, so the bits are the plan's and the interpreter's; a reshape reads its input's
/// registers; any other op runs its forward rule on tensors copied from the registers.</summary>
internal sealed class RegisterProgram
{
    /// <summary>The largest value a program holds: a longer one is a plan's work (tiles, slots that stay in cache).</summary>
    const int Largest = Plan.Tile;

    // Operands as places in the registers (first register, length); B is empty for a unary op. Round: the result is a float32
    // value, rounded when the instruction that completes it has run. Inputs: the other ops' operands.
    readonly record struct Instruction(IElementwise? Kernel, Node Node, Place A, Place B, Place Y, Place[]? Inputs, bool Round);

    /// <summary>Registers first … first + length − 1.</summary>
    internal readonly record struct Place(int First, int Length)
    {
        public Span<double> Of(double[] registers) => registers.AsSpan(First, Length);
    }

    readonly Instruction[] code;
    readonly double[] initial;      // constants in place, the rest zero
    readonly Place?[] inputPlace;   // per traced input, null when no output reads it
    readonly Place[] outputPlace;
    readonly Node[] outputs;

    RegisterProgram(Instruction[] code, double[] initial, Place?[] inputPlace, Place[] outputPlace, Node[] outputs) =>
        (this.code, this.initial, this.inputPlace, this.outputPlace, this.outputs) = (code, initial, inputPlace, outputPlace, outputs);

    /// <summary>The program of <paramref name="outputs"/>, or null when some value is longer than <see cref="Largest"/>
    /// elements or holds integers.</summary>
    public static RegisterProgram? TryCompile(Node[] inputs, Node[] outputs)
    {
        // The same op on the same inputs once, as a plan computes it (a square's rule reads ȳ·y twice).
        var graph = Topology.Of(outputs);
        var (topo, positionOf) = CommonSubexpressions.Merge(graph);
        var order = topo.Order;
        if (order.Any(n => n.Shape.Size > Largest || !n.DType.IsFloat())) return null;
        var at = new Place[order.Length];
        int size = 0;
        for (int i = 0; i < order.Length; i++)
        {
            // A reshape shares its input's registers, as interpreters share its storage.
            if (order[i].Op is IView && !order[i].IsLeaf) { at[i] = at[topo.InputsOf(i)[0]]; continue; }
            at[i] = new(size, order[i].Shape.Size);
            size += order[i].Shape.Size;
        }
        var initial = new double[size];
        var code = new List<Instruction>();
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (node.Op is Constant c) { c.Value.Values.CopyTo(at[i].Of(initial)); continue; }
            if (node.IsLeaf || node.Op is IView) continue;
            var ins = topo.InputsOf(i);
            bool round = node.DType == DType.Float32;
            if (node.Op is AddN sum && ins.Length > 2)
            {
                // A sum of many as a chain of sums of two, in the order AddN's forward rule adds them: the same bits,
                // and no allocation per step (a loop's reverse body sums a carry's cotangents this way).
                for (int k = 1; k < ins.Length; k++)
                    code.Add(new(sum, node, k == 1 ? at[ins[0]] : at[i], at[ins[k]], at[i], null, round && k == ins.Length - 1));
                continue;
            }
            code.Add(node.Op is IElementwise kernel && ins.Length <= 2
                ? new(kernel, node, at[ins[0]], ins.Length == 2 ? at[ins[1]] : default, at[i], null, round)
                : new(null, node, default, default, at[i], [.. ins.ToArray().Select(k => at[k])], false));
        }
        return new([.. code], initial, [.. inputs.Select(v => graph.IndexOf(v) is var k and >= 0 ? at[positionOf[k]] : (Place?)null)],
            [.. outputs.Select(o => at[positionOf[graph.IndexOf(o)]])], outputs);
    }

    /// <summary>Registers for one caller's runs.</summary>
    public double[] NewRegisters() => (double[])initial.Clone();

    public Tensor[] Run(ReadOnlySpan<Tensor> x, double[] registers)
    {
        for (int i = 0; i < inputPlace.Length; i++)
            if (inputPlace[i] is { } r) x[i].Values.CopyTo(r.Of(registers));
        Execute(registers);
        var y = new Tensor[outputPlace.Length];
        for (int i = 0; i < y.Length; i++) y[i] = new Tensor(outputs[i].Shape, outputPlace[i].Of(registers).ToArray(), outputs[i].DType);
        return y;
    }

    /// <summary>The registers of traced input <paramref name="i"/>, or null when no output reads it.</summary>
    public Place? InputPlace(int i) => inputPlace[i];
    /// <summary>The registers that hold output <paramref name="i"/> after <see cref="Execute"/>.</summary>
    public Place OutputPlace(int i) => outputPlace[i];

    /// <summary>Runs the program over <paramref name="registers"/>, whose input registers are already written.
    /// Element-wise ops allocate nothing.</summary>
    public void Execute(double[] registers)
    {
        foreach (ref readonly var op in code.AsSpan())
        {
            var y = op.Y.Of(registers);
            if (op.Kernel is { } kernel)
            {
                kernel.Block(op.A.Of(registers), op.B.Of(registers), y);
                if (op.Round) Tensor.Round32(y);
                continue;
            }
            var args = new Tensor[op.Inputs!.Length];
            for (int k = 0; k < args.Length; k++)
            {
                var input = op.Node.Inputs[k];
                args[k] = new Tensor(input.Shape, op.Inputs[k].Of(registers).ToArray(), input.DType);
            }
            op.Node.Compute(args).Values.CopyTo(y);
        }
    }
}

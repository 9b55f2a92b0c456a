using System.Runtime.CompilerServices;
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
    // value, rounded when the instruction that completes it has run. Inputs: the other ops' operands. One: how an
    // instruction on single numbers runs without a kernel call over blocks of one.
    readonly record struct Instruction(IElementwise? Kernel, Node Node, Place A, Place B, Place Y, Place[]? Inputs, bool Round, One One = One.No);

    /// <summary>An instruction on single numbers: IEEE arithmetic written out, or the op's own scalar form
    /// (<see cref="UnaryElementwise.Of"/>, <see cref="BinaryElementwise.Of"/>), each the bits its kernel gives a block of
    /// one. A scalar loop step is a few such instructions, which the kernels' span set-up would otherwise outweigh.</summary>
    internal enum One : byte { No, Add, Subtract, Multiply, Divide, Unary, Binary }

    static One OneOf(IElementwise kernel, Place a, Place b, Place y) =>
        y.Length != 1 || a.Length != 1 || b.Length > 1 ? One.No
        : kernel switch
        {
            AddN when b.Length == 1 => One.Add,
            Add => One.Add,
            Sub => One.Subtract,
            Mul => One.Multiply,
            Div => One.Divide,
            UnaryElementwise => One.Unary,
            BinaryElementwise when b.Length == 1 => One.Binary,
            _ => One.No,
        };

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
        var done = new bool[order.Length];
        int size = 0;
        Place Allocate(int length) => new((size += length) - length, length);
        // The traced inputs first, side by side in their order (carries, then sequences' slices, then parameters), so
        // that the same op on each of several carries can run as one instruction (Alongside); then the constants.
        foreach (var v in inputs)
            if (graph.IndexOf(v) is var k and >= 0 && !done[positionOf[k]])
                (at[positionOf[k]], done[positionOf[k]]) = (Allocate(v.Shape.Size), true);
        for (int i = 0; i < order.Length; i++)
            if (order[i].IsLeaf && !done[i]) (at[i], done[i]) = (Allocate(order[i].Shape.Size), true);

        var initial = new List<(Place, Tensor)>();
        var code = new List<Instruction>();
        var byOp = new Dictionary<Op, List<int>>();
        for (int i = 0; i < order.Length; i++)
            if (order[i].Op is IElementwise && !order[i].IsLeaf) (byOp.TryGetValue(order[i].Op, out var l) ? l : byOp[order[i].Op] = []).Add(i);
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (node.Op is Constant c) initial.Add((at[i], c.Value));
            if (done[i]) continue;
            var ins = topo.InputsOf(i);
            // A reshape shares its input's registers, as interpreters share its storage.
            if (node.Op is IView) { (at[i], done[i]) = (at[ins[0]], true); continue; }
            bool round = node.DType == DType.Float32;
            if (node.Op is AddN sum && ins.Length > 2)
            {
                // A sum of many as a chain of sums of two, in the order AddN's forward rule adds them: the same bits,
                // and no allocation per step (a loop's reverse body sums a carry's cotangents this way).
                (at[i], done[i]) = (Allocate(node.Shape.Size), true);
                for (int k = 1; k < ins.Length; k++)
                {
                    var (a, b) = (k == 1 ? at[ins[0]] : at[i], at[ins[k]]);
                    code.Add(new(sum, node, a, b, at[i], null, round && k == ins.Length - 1, OneOf(sum, a, b, at[i])));
                }
                continue;
            }
            if (node.Op is IElementwise kernel && ins.Length <= 2)
            {
                var group = Alongside(topo, i, byOp[node.Op], at, done, out var shared);
                int length = node.Shape.Size;
                var y = Allocate(length * group.Count);
                for (int g = 0; g < group.Count; g++) (at[group[g]], done[group[g]]) = (new(y.First + g * length, length), true);
                // Each operand runs alongside the others' (or is one number, broadcast to them all).
                var operands = new Place[2];
                for (int k = 0; k < ins.Length; k++)
                    operands[k] = shared[k] ? at[ins[k]] : at[ins[k]] with { Length = at[ins[k]].Length * group.Count };
                code.Add(new(kernel, node, operands[0], operands[1], y, null, round, OneOf(kernel, operands[0], operands[1], y)));
                continue;
            }
            (at[i], done[i]) = (Allocate(node.Shape.Size), true);
            code.Add(new(null, node, default, default, at[i], [.. ins.ToArray().Select(k => at[k])], false));
        }
        var registers = new double[size];
        foreach (var (place, value) in initial) value.Values.CopyTo(place.Of(registers));
        return new([.. code], registers, [.. inputs.Select(v => graph.IndexOf(v) is var k and >= 0 ? at[positionOf[k]] : (Place?)null)],
            [.. outputs.Select(o => at[positionOf[graph.IndexOf(o)]])], outputs);
    }

    /// <summary>Element-wise node <paramref name="i"/> and the nodes of the same op that can run with it as one
    /// instruction over registers side by side: each next one's operands already computed and lying right after the
    /// previous one's, or the same single number (<paramref name="shared"/>, broadcast to them all), as the same step
    /// applied to several carries reads them. One kernel call over the run gives each element the bits of its own
    /// call (an element-wise kernel's value of an element does not depend on where in a block it stands), and a loop
    /// of two carries costs what one carry of both does.</summary>
    static List<int> Alongside(Topology topo, int i, List<int> sameOp, Place[] at, bool[] done, out bool[] shared)
    {
        var group = new List<int> { i };
        var node = topo.Order[i];
        int length = node.Shape.Size;
        var first = topo.InputsOf(i);
        var mode = new bool?[first.Length];   // per operand: shared, or side by side; open until a second node joins
        var trial = new bool?[first.Length];
        // Passes until none adds a node: the next one's operands may come later in the order than another's.
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (int j in sameOp)
            {
                if (j <= i || done[j] || group.Contains(j) || topo.Order[j].Shape.Size != length || topo.Order[j].DType != node.DType) continue;
                var last = topo.InputsOf(group[^1]);
                var ins = topo.InputsOf(j);
                bool fits = ins.Length == first.Length;
                for (int k = 0; fits && k < ins.Length; k++)
                {
                    int u = ins[k];
                    // Only a binary op's kernel spreads a single number over a block (a sum of many does not).
                    bool same = u == first[k] && at[u].Length == 1 && node.Op is BinaryElementwise;
                    bool beside = done[u] && at[u].Length == length && at[u].First == at[last[k]].First + length;
                    trial[k] = mode[k] switch { true => same ? true : null, false => beside ? false : null, _ => same ? true : beside ? false : null };
                    fits = trial[k] is not null;
                }
                if (!fits) continue;
                trial.CopyTo(mode, 0);
                group.Add(j);
                grew = true;
            }
        }
        shared = new bool[first.Length];
        for (int k = 0; k < first.Length; k++) shared[k] = mode[k] ?? at[first[k]].Length < length;
        return group;
    }

    /// <summary>Registers for one caller's runs.</summary>
    public double[] NewRegisters() => (double[])initial.Clone();

    /// <summary>The instructions a run executes.</summary>
    internal int Length => code.Length;

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
            if (op.One != One.No)
            {
                double a = registers[op.A.First];
                double v = op.One switch
                {
                    One.Add => a + registers[op.B.First],
                    One.Subtract => a - registers[op.B.First],
                    One.Multiply => a * registers[op.B.First],
                    One.Divide => a / registers[op.B.First],
                    // OneOf chose these for the kernel's own type.
                    One.Unary => Unsafe.As<UnaryElementwise>(op.Kernel)!.Of(a),
                    _ => Unsafe.As<BinaryElementwise>(op.Kernel)!.Of(a, registers[op.B.First]),
                };
                registers[op.Y.First] = op.Round ? (float)v : v;
                continue;
            }
            var y = op.Y.Of(registers);
            if (op.Kernel is { } kernel)
            {
                if (op.Round) kernel.Block32(op.A.Of(registers), op.B.Of(registers), y);
                else kernel.Block(op.A.Of(registers), op.B.Of(registers), y);
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

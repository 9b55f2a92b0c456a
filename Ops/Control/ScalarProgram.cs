namespace AutoDiff.Functional.Ops;

/// <summary>A traced graph whose every value is a single number (Heron's step and its derivatives), run as a list of
/// instructions over one array of registers: a loop of many tiny steps then costs a few nanoseconds an op instead of
/// a plan run's bookkeeping. Element-wise ops run their own <see cref="IElementwise.Block"/> kernel on one element
/// (the same arithmetic as their forward rule, so the bits are the interpreter's); any other op its forward rule.</summary>
internal sealed class ScalarProgram
{
    // Round: the result is a float32 value, rounded when the instruction that completes it has run.
    readonly record struct Instruction(IElementwise? Kernel, Node Node, int A, int B, int Y, int[]? Inputs, bool Round);

    readonly Instruction[] code;
    readonly double[] initial;     // constants in place, the rest zero
    readonly int[] inputRegister;  // per traced input, -1 when no output reads it
    readonly int[] outputRegister;
    readonly Shape[] outputShape;

    ScalarProgram(Instruction[] code, double[] initial, int[] inputRegister, int[] outputRegister, Shape[] outputShape) =>
        (this.code, this.initial, this.inputRegister, this.outputRegister, this.outputShape) = (code, initial, inputRegister, outputRegister, outputShape);

    /// <summary>The program of <paramref name="outputs"/>, or null when some value has more than one element.</summary>
    public static ScalarProgram? TryCompile(Node[] inputs, Node[] outputs)
    {
        var topo = Topology.Of(outputs);
        var order = topo.Order;
        if (order.Any(n => n.Shape.Size != 1)) return null;
        var initial = new double[order.Length];
        var code = new List<Instruction>();
        for (int i = 0; i < order.Length; i++)
        {
            var node = order[i];
            if (node.Op is Constant c) { initial[i] = c.Value.Storage[0]; continue; }
            if (node.IsLeaf) continue;
            var ins = topo.InputsOf(i);
            bool round = node.DType == DType.Float32;
            if (node.Op is AddN sum && ins.Length > 2)
            {
                // A sum of many as a chain of sums of two, in the order AddN's forward rule adds them: the same bits,
                // and no allocation per step (a loop's reverse body sums a carry's cotangents this way).
                for (int k = 1; k < ins.Length; k++)
                    code.Add(new(sum, node, k == 1 ? ins[0] : i, ins[k], i, null, round && k == ins.Length - 1));
                continue;
            }
            code.Add(node.Op is IElementwise kernel && ins.Length <= 2
                ? new(kernel, node, ins[0], ins.Length == 2 ? ins[1] : -1, i, null, round)
                : new(null, node, -1, -1, i, ins.ToArray(), false));
        }
        return new([.. code], initial, [.. inputs.Select(topo.IndexOf)], [.. outputs.Select(topo.IndexOf)], [.. outputs.Select(o => o.Shape)]);
    }

    /// <summary>Registers for one caller's runs.</summary>
    public double[] NewRegisters() => (double[])initial.Clone();

    public Tensor[] Run(ReadOnlySpan<Tensor> x, double[] registers)
    {
        for (int i = 0; i < inputRegister.Length; i++)
            if (inputRegister[i] >= 0) registers[inputRegister[i]] = x[i].Storage[0];
        Execute(registers);
        var y = new Tensor[outputRegister.Length];
        for (int i = 0; i < y.Length; i++) y[i] = Tensor.FromColumnMajor(outputShape[i], [registers[outputRegister[i]]]);
        return y;
    }

    /// <summary>The register of traced input <paramref name="i"/>, or −1 when no output reads it.</summary>
    public int InputRegister(int i) => inputRegister[i];
    /// <summary>The register that holds output <paramref name="i"/> after <see cref="Execute"/>.</summary>
    public int OutputRegister(int i) => outputRegister[i];

    /// <summary>Runs the program over <paramref name="registers"/>, whose input registers are already written.
    /// Element-wise ops allocate nothing.</summary>
    public void Execute(double[] registers)
    {
        foreach (var op in code)
        {
            if (op.Kernel is { } kernel)
            {
                kernel.Block(registers.AsSpan(op.A, 1), op.B < 0 ? default : registers.AsSpan(op.B, 1), registers.AsSpan(op.Y, 1));
                if (op.Round) registers[op.Y] = (float)registers[op.Y];
                continue;
            }
            var args = new Tensor[op.Inputs!.Length];
            for (int k = 0; k < args.Length; k++) args[k] = Tensor.FromColumnMajor(op.Node.Inputs[k].Shape, [registers[op.Inputs[k]]]);
            registers[op.Y] = op.Node.Compute(args).Storage[0];
        }
    }
}

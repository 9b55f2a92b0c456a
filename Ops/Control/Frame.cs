namespace AutoDiff.Functional.Ops;

/// <summary>Many runs of one <see cref="Traced"/> graph, as a loop makes them, on values held in place: inputs that
/// stay the same are given once (<see cref="Fix"/>), those that change are written into the frame's own storage
/// (<see cref="In"/>) before each <see cref="Run"/>, which writes every output's elements one output after another.
/// A graph of small values runs on registers and allocates nothing; any other runs its plan on one workspace.</summary>
internal abstract class Frame
{
    /// <summary>Input <paramref name="input"/> is <paramref name="value"/> for every run from now on.</summary>
    public abstract void Fix(int input, Tensor value);
    /// <summary>The storage of input <paramref name="input"/>'s elements for the next run: write them there.</summary>
    public abstract Span<double> In(int input);
    /// <summary>Whether a run reads input <paramref name="input"/>: one it does not read need not be written.</summary>
    public virtual bool Reads(int input) => true;
    /// <summary>Runs the graph; <paramref name="y"/> receives the outputs' elements, flattened and concatenated. The
    /// inputs are read before any output is written, so <paramref name="y"/> may be where they came from.</summary>
    public abstract void Run(Span<double> y);
}

/// <summary>A frame on the registers of a <see cref="RegisterProgram"/>: inputs are written straight into them. An
/// input the program does not read (it may have any shape) is written into scratch space instead.</summary>
internal sealed class RegisterFrame(RegisterProgram program, Node[] inputs, int outputs) : Frame
{
    readonly double[] registers = program.NewRegisters();
    readonly double[]?[] unread = new double[]?[inputs.Length];

    /// <inheritdoc/>
    public override void Fix(int input, Tensor value) => value.Values.CopyTo(In(input));

    /// <inheritdoc/>
    public override Span<double> In(int input) => program.InputPlace(input) is { } r ? r.Of(registers)
        : unread[input] ??= new double[inputs[input].Shape.Size];

    /// <inheritdoc/>
    public override bool Reads(int input) => program.InputPlace(input) is not null;

    /// <summary>The registers, for a caller that writes single-number inputs itself (<see cref="Register"/>).</summary>
    internal double[] Registers => registers;
    /// <summary>The first register of input <paramref name="input"/>, or −1 when the program does not read it.</summary>
    internal int Register(int input) => program.InputPlace(input) is { } r ? r.First : -1;

    /// <inheritdoc/>
    public override void Run(Span<double> y)
    {
        program.Execute(registers);
        for (int i = 0, offset = 0; i < outputs; i++)
        {
            var (first, length) = program.OutputPlace(i);
            if (length == 1) y[offset] = registers[first];   // a scalar body's outputs: no copy call a step
            else registers.AsSpan(first, length).CopyTo(y[offset..]);
            offset += length;
        }
    }
}

/// <summary>A frame on a compiled <see cref="Plan"/> and one workspace kept across runs. The changing inputs are
/// tensors over the frame's own arrays, rewritten between runs: no run keeps them, and the outputs are copied out
/// before the next run, so the tensors a plan sees never change while it runs.</summary>
internal sealed class PlanFrame(Plan plan, int[] order, Node[] inputs, int outputs) : Frame
{
    readonly Workspace workspace = plan.NewWorkspace();
    readonly Tensor[] ordered = new Tensor[order.Length];
    readonly double[]?[] own = new double[]?[inputs.Length];

    /// <inheritdoc/>
    public override void Fix(int input, Tensor value) => Place(input, value);

    /// <inheritdoc/>
    public override Span<double> In(int input)
    {
        if (own[input] is { } storage) return storage;
        var created = own[input] = new double[inputs[input].Shape.Size];
        Place(input, new Tensor(inputs[input].Shape, created, inputs[input].DType));
        return created;
    }

    void Place(int input, Tensor value)
    {
        for (int j = 0; j < order.Length; j++)
            if (order[j] == input) ordered[j] = value;
    }

    /// <inheritdoc/>
    public override void Run(Span<double> y)
    {
        var values = plan.Run(ordered, workspace);
        for (int i = 0, offset = 0; i < outputs; i++)
        {
            values[i].Values.CopyTo(y[offset..]);
            offset += values[i].Shape.Size;
        }
    }
}

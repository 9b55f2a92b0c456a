namespace AutoDiff.Functional.Plans;

/// <summary>What a plan asks of a node's op: whether it may run in place, fuse into a pass, or share its input's
/// storage. <see cref="Plan.KindOf"/> decides, in the one file that calls into ops.</summary>
enum OpKind : byte
{
    /// <summary>A variable or a constant: bound or held, never computed.</summary>
    Leaf,
    /// <summary>Returns a view of input 0's storage (a reshape).</summary>
    View,
    /// <summary>Element by element on one or two inputs (<see cref="IElementwise"/>).</summary>
    Elementwise,
    /// <summary>Spreads a smaller input over its output by position (<see cref="IExpand"/>, <see cref="IIndexedExpand"/>).</summary>
    Expand,
    /// <summary>Sums its whole input to one number (<see cref="IReduce"/>).</summary>
    Reduce,
    /// <summary>Anything else: runs alone, into a buffer of its own.</summary>
    Other,
}

/// <summary>Where a fused member reads an input: nowhere (a unary op's second operand), another member's block, the
/// same block of a stored value, the single element of a stored scalar, or a whole stored value (the input of a
/// broadcast).</summary>
enum Source : byte { None, Block, Aligned, Scalar, Whole }

/// <summary>One operand of a fused member: <see cref="Index"/> is a member's index in its pass for
/// <see cref="Source.Block"/>, a node's position otherwise.</summary>
readonly record struct Operand(Source Source, int Index)
{
    public static readonly Operand None = new(Source.None, 0);

    /// <summary>Whether the operand reads a stored value (and so keeps its slot alive until the step has run).</summary>
    public bool IsStored => Source is Source.Aligned or Source.Scalar or Source.Whole;
}

/// <summary>A step as scheduling orders it, before storage is assigned.</summary>
abstract record ScheduledStep;
/// <summary>One op, run alone.</summary>
sealed record ScheduledOp(int Node) : ScheduledStep;
/// <summary>A fused pass over <paramref name="Size"/> elements; members in topological order.</summary>
sealed record ScheduledPass(int Size, ScheduledMember[] Members) : ScheduledStep;
/// <summary>A member of a fused pass; <paramref name="Stored"/> when something outside the pass reads it.</summary>
sealed record ScheduledMember(int Node, Operand A, Operand B, bool Stored);

/// <summary>A step as a run executes it, with its final storage.</summary>
abstract record Step;
/// <summary>One op, written into the buffer of <paramref name="Slot"/>.</summary>
sealed record OpStep(int Node, int Slot) : Step;
/// <summary>A view of its input's storage: that input's <paramref name="Slot"/>, or none for a bound value.</summary>
sealed record ViewStep(int Node, int? Slot) : Step;
/// <summary>A fused pass over <paramref name="Size"/> elements, block by block; members in topological order. A pass
/// <paramref name="InSingles"/> holds its blocks as float32 numbers: its members and the values they read are all float32.</summary>
sealed record PassStep(int Size, Member[] Members, bool InSingles) : Step;
/// <summary>A member of a fused pass; no <paramref name="Slot"/> when its value lives only inside the pass. A reduction
/// (<see cref="IReduce"/>) is always stored, and written once its pass is over. A <paramref name="Float32"/> member
/// rounds each block it computes (a reduction its sum), as <see cref="Node.Compute"/> rounds a whole result.</summary>
sealed record Member(int Node, Op Op, Operand A, Operand B, int? Slot, bool Float32)
{
    // What the op is, read once: a pass asks it of every member at every block.
    public IExpand? Expand { get; } = Op as IExpand;
    public IIndexedExpand? Indexed { get; } = Op as IIndexedExpand;
    public IReduce? Reduce { get; } = Op as IReduce;
    public IElementwise? Elementwise { get; } = Op as IElementwise;
}

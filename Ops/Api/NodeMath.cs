using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>The functions and operators that build graphs, named like the maths: <c>a + b</c>, <c>x.Sin()</c>,
/// <c>A.MatMul(x)</c>, <c>Sum(x)</c> (with <c>using static AutoDiff.Functional.NodeMath;</c>). Every call checks
/// shapes now and throws a <see cref="ShapeException"/> naming the op and the shapes.</summary>
public static class NodeMath
{
    extension(Node)
    {
        /// <summary>a + b (same shapes, or one a scalar).</summary>
        public static Node operator +(Node a, Node b) => Node.Apply(new Add(), a, b);
        /// <summary>a − b (same shapes, or one a scalar).</summary>
        public static Node operator -(Node a, Node b) => Node.Apply(new Sub(), a, b);
        /// <summary>a ⊙ b, element by element (same shapes, or one a scalar). For matrix products use MatMul.</summary>
        public static Node operator *(Node a, Node b) => Node.Apply(new Mul(), a, b);
        /// <summary>a / b, element by element (same shapes, or one a scalar).</summary>
        public static Node operator /(Node a, Node b) => Node.Apply(new Div(), a, b);
        /// <summary>−x.</summary>
        public static Node operator -(Node x) => Node.Apply(new Neg(), x);

        /// <summary>a + c.</summary>
        public static Node operator +(Node a, double c) => a + Node.Constant(c);
        /// <summary>c + a.</summary>
        public static Node operator +(double c, Node a) => Node.Apply(new Add(), Node.Constant(c), a);
        /// <summary>a − c.</summary>
        public static Node operator -(Node a, double c) => a - Node.Constant(c);
        /// <summary>c − a.</summary>
        public static Node operator -(double c, Node a) => Node.Apply(new Sub(), Node.Constant(c), a);
        /// <summary>a·c.</summary>
        public static Node operator *(Node a, double c) => a * Node.Constant(c);
        /// <summary>c·a.</summary>
        public static Node operator *(double c, Node a) => Node.Apply(new Mul(), Node.Constant(c), a);
        /// <summary>a / c.</summary>
        public static Node operator /(Node a, double c) => a / Node.Constant(c);
        /// <summary>c / a.</summary>
        public static Node operator /(double c, Node a) => Node.Apply(new Div(), Node.Constant(c), a);
    }

    /// <summary>eˣ.</summary>
    public static Node Exp(this Node x) => Node.Apply(new Ops.Exp(), x);
    /// <summary>ln x.</summary>
    public static Node Log(this Node x) => Node.Apply(new Ops.Log(), x);
    /// <summary>sin x.</summary>
    public static Node Sin(this Node x) => Node.Apply(new Ops.Sin(), x);
    /// <summary>cos x.</summary>
    public static Node Cos(this Node x) => Node.Apply(new Ops.Cos(), x);
    /// <summary>√x.</summary>
    public static Node Sqrt(this Node x) => Node.Apply(new Ops.Sqrt(), x);
    /// <summary>x².</summary>
    public static Node Square(this Node x) => Node.Apply(new Ops.Square(), x);
    /// <summary>xᵖ for a constant p.</summary>
    public static Node Pow(this Node x, double p) => Node.Apply(new Ops.Pow(p), x);
    /// <summary>σ(x) = 1/(1 + e⁻ˣ), stable for any x.</summary>
    public static Node Sigmoid(this Node x) => Node.Apply(new Ops.Sigmoid(), x);
    /// <summary>tanh x.</summary>
    public static Node Tanh(this Node x) => Node.Apply(new Ops.Tanh(), x);
    /// <summary>softplus(x) = log(1 + eˣ), stable for any x.</summary>
    public static Node Softplus(this Node x) => Node.Apply(new Ops.Softplus(), x);

    /// <summary>The matrix product A·B, the matrix–vector product A·x, the vector–matrix product xᵀA (as a vector,
    /// computed as Aᵀx), or the batched product of two tensors of one rank n ≥ 3 whose first n − 2 axes are a batch:
    /// (…×m×k)·(…×k×p) → (…×m×p), member by member. A transposed operand (<c>A.T()</c>) is passed to BLAS as a flag, not copied.</summary>
    public static Node MatMul(this Node a, Node b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a is { Shape.Rank: 1 } && b is { Shape.Rank: 2 })
        {
            // Checked here, so the error shows the product as written rather than the Aᵀx it is computed as.
            if (a.Shape[0] != b.Shape[0]) throw new ShapeException($"MatMul: {a.Shape}·{b.Shape}: inner dimensions {a.Shape[0]} and {b.Shape[0]} differ");
            return b.Op is Ops.Transpose { IsMatrix: true } ? b.Inputs[0].MatMul(a) : Node.Apply(new Ops.MatMul(TransposeA: true), b, a);
        }
        bool ta = a.Op is Ops.Transpose { IsMatrix: true }, tb = b.Op is Ops.Transpose { IsMatrix: true };
        return Node.Apply(new Ops.MatMul(ta, tb), ta ? a.Inputs[0] : a, tb ? b.Inputs[0] : b);
    }
    /// <summary>Aᵀ.</summary>
    public static Node T(this Node a) => Node.Apply(new Ops.Transpose(), a);
    /// <summary>The same elements in another shape of the same size (column-major order).</summary>
    public static Node Reshape(this Node x, Shape shape) => Node.Apply(new Ops.Reshape(shape ?? throw new ArgumentNullException(nameof(shape))), x);

    /// <summary>Σ of all elements.</summary>
    public static Node Sum(this Node x) => Node.Apply(new Ops.Sum(), x);
    /// <summary>Σ along <paramref name="axis"/>: for a matrix, 0 sums each column, 1 each row.</summary>
    public static Node Sum(this Node x, int axis) => Node.Apply(new SumAxis(axis), x);
    /// <summary>The mean of all elements; an error for an empty tensor.</summary>
    public static Node Mean(this Node x) => (x ?? throw new ArgumentNullException(nameof(x))).Shape.Size > 0
        ? x.Sum() / x.Shape.Size
        : throw new ShapeException($"Mean: {x.Shape} has no elements");
    /// <summary>The mean along <paramref name="axis"/>; an error when that axis is empty.</summary>
    public static Node Mean(this Node x, int axis)
    {
        var sum = x.Sum(axis);
        return x.Shape[axis] > 0 ? sum / x.Shape[axis] : throw new ShapeException($"Mean: axis {axis} of {x.Shape} is empty");
    }
    /// <summary>log Σ exp along <paramref name="axis"/>, computed stably.</summary>
    public static Node LogSumExp(this Node x, int axis) => Node.Apply(new Ops.LogSumExp(axis), x);

    /// <summary>A scalar repeated into <paramref name="shape"/>.</summary>
    public static Node Fill(this Node scalar, Shape shape) => Node.Apply(new Ops.Fill(shape ?? throw new ArgumentNullException(nameof(shape))), scalar);
    /// <summary>A vector (n) repeated as every row of an (rows×n) matrix: a bias added to every sample (a scalar gives
    /// a vector). For other ranks use <see cref="Axes.BroadcastTo"/>.</summary>
    public static Node BroadcastRows(this Node v, int rows) => (v ?? throw new ArgumentNullException(nameof(v))).Shape.Rank <= 1
        ? Node.Apply(new Broadcast(0, rows), v)
        : throw new ShapeException($"BroadcastRows({rows}): {v.Shape} is not a vector (to repeat it along a new first axis, use " +
                                   $".BroadcastTo(Shape.Of({string.Join(", ", [rows, .. v.Shape.Dimensions])}), 0))");
    /// <summary>A vector (m) repeated as every column of an (m×columns) matrix. For other ranks use
    /// <see cref="Axes.BroadcastTo"/>.</summary>
    public static Node BroadcastColumns(this Node v, int columns) => (v ?? throw new ArgumentNullException(nameof(v))).Shape.Rank == 1
        ? Broadcast.Along(v, 1, columns)
        : throw new ShapeException($"BroadcastColumns({columns}): {v.Shape} is not a vector (to repeat it along a new last axis, use " +
                                   $".BroadcastTo(Shape.Of({string.Join(", ", [.. v.Shape.Dimensions, columns])}), {v.Shape.Rank}))");

    /// <summary>Element <paramref name="i"/> of a vector: the seed's <c>w[0]</c>.</summary>
    public static Node At(this Node v, int i)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Shape.Rank != 1) throw new ShapeException($"At({i}): {v.Shape} is not a vector (use At(i, j) for a matrix)");
        Check($"At({i})", i, v.Shape[0], v.Shape);
        return Node.Apply(new Gather($"At({i})", v.Shape, Shape.Scalar, [i]), v);
    }
    /// <summary>Element (<paramref name="i"/>, <paramref name="j"/>) of a matrix.</summary>
    public static Node At(this Node a, int i, int j)
    {
        ArgumentNullException.ThrowIfNull(a);
        var name = $"At({i}, {j})";
        RequireMatrix(name, a.Shape);
        Check(name, i, a.Shape[0], a.Shape);
        Check(name, j, a.Shape[1], a.Shape);
        return Node.Apply(new Gather(name, a.Shape, Shape.Scalar, [i + j * a.Shape[0]]), a);
    }
    /// <summary>Row <paramref name="i"/> of a matrix, a vector of its columns' length.</summary>
    public static Node Row(this Node a, int i)
    {
        ArgumentNullException.ThrowIfNull(a);
        var name = $"Row({i})";
        RequireMatrix(name, a.Shape);
        Check(name, i, a.Shape[0], a.Shape);
        int m = a.Shape[0], n = a.Shape[1];
        return Node.Apply(new Gather(name, a.Shape, Shape.Vector(n), [.. Enumerable.Range(0, n).Select(j => i + j * m)]), a);
    }
    /// <summary>Column <paramref name="j"/> of a matrix: with samples as rows, feature j of every sample.</summary>
    public static Node Column(this Node a, int j)
    {
        ArgumentNullException.ThrowIfNull(a);
        var name = $"Column({j})";
        RequireMatrix(name, a.Shape);
        Check(name, j, a.Shape[1], a.Shape);
        int m = a.Shape[0];
        return Node.Apply(new Gather(name, a.Shape, Shape.Vector(m), [.. Enumerable.Range(0, m).Select(i => i + j * m)]), a);
    }
    /// <summary>Entry (i, labels[i]) of each row i of an (N×C) matrix: the logit of each sample's true class.</summary>
    public static Node PickPerRow(this Node a, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(labels);
        RequireMatrix("PickPerRow", a.Shape);
        int n = a.Shape[0], c = a.Shape[1];
        if (labels.Count != n)
            throw new ShapeException($"PickPerRow: {labels.Count} labels for {a.Shape}, one per row is needed");
        if (c == 0 && n > 0) throw new ShapeException($"PickPerRow: {a.Shape} has no classes to pick from");
        var map = new int[n];
        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(labels), $"PickPerRow: label {labels[i]} of row {i} is outside the {c} classes 0..{c - 1} of {a.Shape}");
            map[i] = i + labels[i] * n;
        }
        return Node.Apply(new Gather("PickPerRow", a.Shape, Shape.Vector(n), map), a);
    }

    static void RequireMatrix(string op, Shape s)
    {
        if (s.Rank != 2) throw new ShapeException($"{op}: {s} is not a matrix");
    }

    static void Check(string op, int index, int length, Shape s)
    {
        if ((uint)index >= (uint)length)
            throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {index} is out of range for {s}");
    }
}

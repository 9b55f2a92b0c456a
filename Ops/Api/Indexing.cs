using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Indexing by integer arrays, slicing and joining: <c>E.GatherRows(ids)</c>, <c>x.SegmentSum(ids, k)</c>,
/// <c>X.Rows(1, 3)</c>, <c>Concat(0, a, b)</c>, <c>Stack(0, u, v)</c>, <c>A.Diag()</c>, <c>u.Outer(v)</c>,
/// <c>u.Dot(v)</c>. Index arrays are data fixed when the node is built: each call clones the caller's array once and
/// checks every index then, so an index out of range is a <see cref="ShapeException"/> naming the op, the position
/// in the array, the index and the bound. Derivatives are exact: gathering with repeated indices adds their
/// cotangents up.</summary>
public static class Indexing
{
    /// <summary>The rows <paramref name="rows"/>[0], [1], … of a matrix (k×n), or those elements of a vector (k):
    /// an embedding or ratings lookup. Rows may repeat.</summary>
    public static Node GatherRows(this Node x, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(rows);
        return Node.Apply(new Take(0), x, Fixed(x, rows, 0));
    }

    /// <summary>The columns <paramref name="columns"/>[0], [1], … of a matrix, (m×k). Columns may repeat.</summary>
    public static Node GatherColumns(this Node x, int[] columns)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(columns);
        return Node.Apply(new Take(1), x, Fixed(x, columns, 1));
    }

    /// <summary>The slices of <paramref name="x"/> along <paramref name="axis"/> picked by the int32 data
    /// <paramref name="indices"/>, bound per call (JAX's <c>take</c>): rows of a matrix for axis 0, columns for axis 1.
    /// The indices' shape takes the axis's place: an (n×d) embedding taken by a (b×t) index matrix is (b×t×d). Each
    /// index is checked when the graph runs; one outside the bound is an <see cref="IndexException"/> naming the op,
    /// the position, the index and the bound.</summary>
    public static Node Take(this Node x, Node indices, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        return Node.Apply(new Take(axis), x, indices);
    }

    /// <summary>The rows of <paramref name="x"/> picked by int32 data bound per call: <c>x.Take(rows, 0)</c>.</summary>
    public static Node GatherRows(this Node x, Node rows) => x.Take(rows ?? throw new ArgumentNullException(nameof(rows)), 0);

    /// <summary>The columns of <paramref name="x"/> picked by int32 data bound per call: <c>x.Take(columns, 1)</c>.</summary>
    public static Node GatherColumns(this Node x, Node columns) => x.Take(columns ?? throw new ArgumentNullException(nameof(columns)), 1);

    /// <summary>The elements at <paramref name="positions"/> of a tensor, as a vector (a matrix's positions are
    /// column-major: element (i, j) of an m-row matrix is at i + j·m). Positions may repeat.</summary>
    public static Node Gather(this Node x, int[] positions)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(positions);
        return (x.Shape.Rank == 1 ? x : x.Reshape(Shape.Vector(x.Shape.Size))).GatherRows(positions);
    }

    /// <summary>A tensor of <paramref name="shape"/>, zero except that slice p of <paramref name="updates"/> along
    /// <paramref name="axis"/> is added into slice <paramref name="indices"/>[p]; repeated indices add up. The
    /// adjoint of gathering: <c>u.ScatterAdd(rows, shape)</c> for <c>shape</c> (m×n) and u (k×n).</summary>
    public static Node ScatterAdd(this Node updates, int[] indices, Shape shape, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(shape);
        int count = (uint)axis < (uint)shape.Rank ? shape[axis] : 0;
        return updates.ScatterAdd(Fixed($"ScatterAdd(axis {axis}, {indices.Length} indices into {count})", indices, count), shape, axis);
    }

    /// <summary>As <see cref="ScatterAdd(Node, int[], Shape, int)"/> with int32 <paramref name="indices"/> bound per
    /// call, checked when the graph runs; the indices' axes sit at <paramref name="axis"/> of
    /// <paramref name="updates"/>.</summary>
    public static Node ScatterAdd(this Node updates, Node indices, Shape shape, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(shape);
        var op = new Ops.ScatterAdd(axis, (uint)axis < (uint)shape.Rank ? shape[axis] : 0);
        var y = Node.Apply(op, updates, indices);
        return y.Shape == shape ? y : throw new ShapeException($"{op}: {updates.Shape} scatters into {y.Shape}, not {shape}");
    }

    /// <summary>Sums the rows of a matrix (or elements of a vector) that share a segment id: row i of the result is
    /// Σ over p with <paramref name="segmentIds"/>[p] = i of row p, for i in 0 … <paramref name="segments"/> − 1
    /// (zero for an empty segment). The same op as <see cref="ScatterAdd(Node, int[], Shape, int)"/> along axis 0;
    /// its adjoint gathers the rows back by segment id.</summary>
    public static Node SegmentSum(this Node x, int[] segmentIds, int segments)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(segmentIds);
        return Node.Apply(new Ops.ScatterAdd(0, segments), x, Fixed($"ScatterAdd(axis 0, {segmentIds.Length} indices into {segments})", segmentIds, segments));
    }

    /// <summary>As <see cref="SegmentSum(Node, int[], int)"/> with int32 segment ids bound per call.</summary>
    public static Node SegmentSum(this Node x, Node segmentIds, int segments)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(segmentIds);
        return Node.Apply(new Ops.ScatterAdd(0, segments), x, segmentIds);
    }

    /// <summary>Entry (i, labels[i]) of each row i of an (N×C) matrix, for int32 labels bound per call: the logit of
    /// each sample's true class. A label outside 0 … C − 1 is an <see cref="IndexException"/> when the graph runs.</summary>
    public static Node PickPerRow(this Node a, Node labels)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(labels);
        return Node.Apply(new Ops.PickPerRow(), a, labels);
    }

    /// <summary>The rows <paramref name="start"/> … start + count − 1 of a matrix.</summary>
    public static Node Rows(this Node x, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Node.Apply(new Slice(0, start, count), Matrix("Rows", x));
    }

    /// <summary>The columns <paramref name="start"/> … start + count − 1 of a matrix.</summary>
    public static Node Columns(this Node x, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Node.Apply(new Slice(1, start, count), Matrix("Columns", x));
    }

    /// <summary>The elements <paramref name="start"/> … start + count − 1 of a vector: a parameter out of a packed
    /// vector.</summary>
    public static Node Slice(this Node v, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(v);
        return v.Shape.Rank == 1 ? Node.Apply(new Slice(0, start, count), v) : throw new ShapeException($"Slice({start}, {count}): {v.Shape} is not a vector (use Rows or Columns for a matrix)");
    }

    /// <summary>The <paramref name="parts"/> joined end to end along <paramref name="axis"/>: vectors into one vector
    /// (axis 0), matrices on top of one another (axis 0) or side by side (axis 1).</summary>
    public static Node Concat(int axis, params ReadOnlySpan<Node> parts) => Node.Apply(new Concat(axis), parts);

    /// <summary>Tensors of one shape side by side along a new axis at <paramref name="axis"/> (0 … their rank): scalars
    /// into a vector, vectors (n) as the rows (axis 0, a (k×n) matrix) or the columns (axis 1, (n×k)) of a matrix,
    /// matrices into a rank-3 tensor, and so on.</summary>
    public static Node Stack(int axis, params ReadOnlySpan<Node> parts)
    {
        if (parts.Length == 0) throw new ShapeException($"Stack({axis}): needs at least one input");
        var first = parts[0] ?? throw new ArgumentNullException(nameof(parts), "Stack: input 0 is null");
        if ((uint)axis > (uint)first.Shape.Rank)
            throw new ShapeException($"Stack({axis}): a new axis of {first.Shape} goes at 0 … {first.Shape.Rank}");
        var dims = first.Shape.Dimensions;
        var single = Shape.Of([.. dims[..axis], 1, .. dims[axis..]]);
        var columns = new Node[parts.Length];
        for (int q = 0; q < parts.Length; q++)
        {
            var part = parts[q] ?? throw new ArgumentNullException(nameof(parts), $"Stack: input {q} is null");
            if (part.Shape != first.Shape)
                throw new ShapeException($"Stack({axis}): input {q} {part.Shape} differs from input 0 {first.Shape}: stacked tensors have one shape");
            columns[q] = part.Reshape(single);
        }
        return Concat(axis, columns);
    }

    /// <summary>The diagonal (A₀₀, A₁₁, …) of an (m×n) matrix, a vector of min(m, n).</summary>
    public static Node Diag(this Node a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Matrix("Diag", a);
        return Node.Apply(DiagonalOf(a.Shape), a);
    }

    /// <summary>The (n×n) matrix with the vector <paramref name="v"/> on its diagonal and zeros elsewhere.</summary>
    public static Node DiagMatrix(this Node v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Shape.Rank != 1) throw new ShapeException($"DiagMatrix: {v.Shape} is not a vector");
        return Node.Apply(new Scatter(DiagonalOf(Shape.Matrix(v.Shape[0], v.Shape[0]))), v);
    }

    /// <summary>The (n×n) lower-triangular matrix filled from a packed vector, zeros above: column by column, top to
    /// bottom, L₀₀, L₁₀, …, L₍ₙ₋₁₎₀, L₁₁, L₂₁, … when <paramref name="includeDiagonal"/> (n(n+1)/2 values, LAPACK's
    /// packed lower storage); without the diagonal, the strictly lower entries L₁₀, L₂₀, …, L₍ₙ₋₁₎₀, L₂₁, … in the
    /// same order (n(n−1)/2 values, zeros on the diagonal: the order a Gaussian mixture stores the off-diagonal
    /// part of its precision factors in, the diagonal being added separately).</summary>
    public static Node LowerTriangular(this Node packed, int n, bool includeDiagonal)
    {
        ArgumentNullException.ThrowIfNull(packed);
        string name = $"LowerTriangular({n}, {(includeDiagonal ? "with" : "without")} diagonal)";
        if (n < 0) throw new ShapeException($"{name}: n is negative");
        long size = includeDiagonal ? (long)n * (n + 1) / 2 : (long)n * (n - 1) / 2;
        if (packed.Shape.Rank != 1 || packed.Shape[0] != size)
            throw new ShapeException($"{name}: {packed.Shape} is not a vector of the {size} packed entries");
        var map = new int[size];
        for (int j = 0, k = 0; j < n; j++)
            for (int i = includeDiagonal ? j : j + 1; i < n; i++) map[k++] = i + j * n;
        return Node.Apply(new Scatter(new Ops.Gather("LowerTriangle", Shape.Matrix(n, n), Shape.Vector(map.Length), map)), packed);
    }

    /// <summary>The outer product u·vᵀ of vectors (m) and (n), an (m×n) matrix.</summary>
    public static Node Outer(this Node u, Node v)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        if (u.Shape.Rank != 1 || v.Shape.Rank != 1) throw new ShapeException($"Outer: {u.Shape} and {v.Shape} are not both vectors");
        return u.Reshape(Shape.Matrix(u.Shape[0], 1)).MatMul(v.Reshape(Shape.Matrix(1, v.Shape[0])));
    }

    /// <summary>The inner product Σᵢ uᵢvᵢ of two vectors of one length, a scalar.</summary>
    public static Node Dot(this Node u, Node v)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        return u is { Shape.Rank: 1 } && v is not null && u.Shape == v.Shape ? (u * v).Sum() : throw new ShapeException($"Dot: {u?.Shape} and {v?.Shape} are not vectors of one length");
    }

    static Ops.Gather DiagonalOf(Shape matrix)
    {
        int m = matrix[0], k = Math.Min(m, matrix[1]);
        var map = new int[k];
        for (int i = 0; i < k; i++) map[i] = i + i * m;
        return new Ops.Gather("Diag", matrix, Shape.Vector(k), map);
    }

    static Node Matrix(string op, Node x) => x is { Shape.Rank: 2 } ? x : throw new ShapeException($"{op}: {x.Shape} is not a matrix");

    /// <summary>Fixed indices into the slices of <paramref name="x"/> along <paramref name="axis"/>, checked now, as a
    /// constant: an index out of range is an error when the node is built, naming the op, the position and the bound.</summary>
    static Node Fixed(Node x, int[] indices, int axis)
    {
        ArgumentNullException.ThrowIfNull(indices);
        string op = $"Take(axis {axis}, {indices.Length} indices)";
        if ((uint)axis >= (uint)x.Shape.Rank)
            throw new ShapeException($"{op}: {x.Shape} has no axis {axis} (a vector has axis 0, a matrix axes 0 and 1)");
        int bound = x.Shape[axis];
        if (Ops.Take.FirstOutside(indices, bound) is var p and >= 0)
            throw new ShapeException($"{op}: index {indices[p]} at position {p} is outside the {bound} {Along.Noun(x.Shape, axis)} of {x.Shape}");
        return Node.Constant(Tensor.Indices(indices));
    }

    /// <summary>Fixed indices into the <paramref name="count"/> slices a scatter writes, checked now.</summary>
    static Node Fixed(string op, int[] indices, int count)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (count < 0) throw new ShapeException($"{op}: count {count} is negative");
        if (Ops.Take.FirstOutside(indices, count) is var p and >= 0)
            throw new ShapeException($"{op}: index {indices[p]} at position {p} is outside 0..{count - 1}, the {count} slices of the result");
        return Node.Constant(Tensor.Indices(indices));
    }
}

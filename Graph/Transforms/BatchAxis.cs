namespace AutoDiff.Functional;

/// <summary>Where the members of a batch sit in a column-major tensor of any rank. With a batch axis of k members at
/// position a, the tensor is (P, k, Q) in column-major order, P the size of the axes before a and Q of those after:
/// member c's element p + P·q sits at p + P·c + P·k·q. The batching rules want the axis last, as a (P·Q × k) matrix
/// whose column c is member c (<see cref="Op.Batch"/>); these copy between the two layouts, and share the storage
/// when the axis is already last (Q = 1). Inputs may be float values or int32 data (indices, labels).</summary>
internal static class BatchAxis
{
    /// <summary><paramref name="axis"/> counted from the front (a negative axis counts from the end); -1 when it is not
    /// one of <paramref name="rank"/> axes.</summary>
    public static int Normalise(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        return (uint)a < (uint)rank ? a : -1;
    }

    /// <summary>The shape without <paramref name="axis"/>: one member's.</summary>
    public static Shape Remove(Shape shape, int axis) => Shape.Of([.. shape.Dimensions.Where((_, d) => d != axis)]);

    /// <summary>The shape of a batch of <paramref name="k"/> members of shape <paramref name="member"/> along <paramref name="axis"/>.</summary>
    public static Shape Insert(Shape member, int axis, int k)
    {
        var dims = member.Dimensions.ToList();
        dims.Insert(axis, k);
        return Shape.Of([.. dims]);
    }

    // P and Q of a member shape split at the batch axis.
    static (int P, int Q) Split(Shape member, int axis)
    {
        int p = 1, q = 1;
        for (int d = 0; d < member.Rank; d++)
            if (d < axis) p *= member[d];
            else q *= member[d];
        return (p, q);
    }

    /// <summary>The batch <paramref name="x"/> with its axis <paramref name="axis"/> moved last, as (P·Q × k).</summary>
    public static Tensor ToBack(Tensor x, int axis)
    {
        int k = x.Shape[axis];
        var (p, q) = Split(Remove(x.Shape, axis), axis);
        var shape = Shape.Matrix(p * q, k);
        if (q == 1) return Reshaped(x, shape);
        return Copied(x, shape, shape.Size, (from, to) =>
        {
            for (int j = 0; j < q; j++)
                for (int c = 0; c < k; c++)
                    Array.Copy(from, p * (c + k * j), to, p * (j + q * c), p);
        });
    }

    /// <summary>A (P·Q × k) batch of members of shape <paramref name="member"/> with its axis moved to <paramref name="axis"/>.</summary>
    public static Tensor FromBack(Tensor batch, Shape member, int axis, int k)
    {
        var shape = Insert(member, axis, k);
        var (p, q) = Split(member, axis);
        if (q == 1) return Reshaped(batch, shape);
        return Copied(batch, shape, shape.Size, (from, to) =>
        {
            for (int j = 0; j < q; j++)
                for (int c = 0; c < k; c++)
                    Array.Copy(from, p * (j + q * c), to, p * (c + k * j), p);
        });
    }

    // The moves above and Member work on float values and int32 data alike (Array.Copy takes either storage).
    static Tensor Reshaped(Tensor x, Shape shape) =>
        x.IntStorage is { } ints ? Tensor.OwnIndices(shape, ints) : new Tensor(shape, x.Storage, x.DType);

    static Tensor Copied(Tensor x, Shape shape, int size, Action<Array, Array> copy)
    {
        if (x.IntStorage is { } ints)
        {
            var y = new int[size];
            copy(ints, y);
            return Tensor.OwnIndices(shape, y);
        }
        var d = new double[size];
        copy(x.Storage, d);
        return new Tensor(shape, d, x.DType);
    }

    /// <summary>k copies of <paramref name="value"/> stacked along <paramref name="axis"/>: an output no member changes.</summary>
    public static Tensor Repeated(Tensor value, int axis, int k)
    {
        var y = new double[value.Shape.Size * k];
        for (int c = 0; c < k; c++) Place(value, axis, k, c, y);
        return new Tensor(Insert(value.Shape, axis, k), y, value.DType);
    }

    /// <summary>Member <paramref name="c"/> of the batch <paramref name="x"/> along <paramref name="axis"/>, copied.</summary>
    public static Tensor Member(Tensor x, int axis, int c)
    {
        int k = x.Shape[axis];
        var member = Remove(x.Shape, axis);
        var (p, q) = Split(member, axis);
        return Copied(x, member, member.Size, (from, to) =>
        {
            for (int j = 0; j < q; j++) Array.Copy(from, p * (c + k * j), to, p * j, p);
        });
    }

    /// <summary>Writes <paramref name="value"/> as member <paramref name="c"/> of <paramref name="k"/> along
    /// <paramref name="axis"/> into the batch's storage <paramref name="y"/>.</summary>
    public static void Place(Tensor value, int axis, int k, int c, double[] y)
    {
        var (p, q) = Split(value.Shape, axis);
        for (int j = 0; j < q; j++) Array.Copy(value.Storage, p * j, y, p * (c + k * j), p);
    }
}

using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Piecewise functions and masks: <c>a.Max(b)</c>, <c>x.Max(axis)</c>, <c>x.Abs()</c>, <c>x.Relu()</c>,
/// <c>x.Clamp(lo, hi)</c>, <c>x.GreaterThan(y)</c> and <c>Where(mask, a, b)</c>. Conventions at kinks: max and min
/// split the derivative evenly among tied arguments; |x|′ and relu′ are 0 at 0; clamp′ is 1 on the closed interval.</summary>
public static class PiecewiseMath
{
    /// <summary>max(a, b), element by element (same shapes, or one a scalar); at a tie each side gets ½ of the derivative.</summary>
    public static Node Max(this Node a, Node b) => Node.Apply(new Maximum(), a, b);
    /// <summary>max(a, c) for a constant c.</summary>
    public static Node Max(this Node a, double c) => a.Max(Node.Constant(c));
    /// <summary>min(a, b) = −max(−a, −b), element by element; at a tie each side gets ½ of the derivative.</summary>
    public static Node Min(this Node a, Node b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return -(-a).Max(-b);
    }
    /// <summary>min(a, c) for a constant c.</summary>
    public static Node Min(this Node a, double c) => a.Min(Node.Constant(c));

    /// <summary>The maximum along <paramref name="axis"/>: for a matrix, 0 gives each column's, 1 each row's. Tied
    /// maxima share the derivative evenly.</summary>
    public static Node Max(this Node x, int axis) => Node.Apply(new MaxAxis(axis), x);
    /// <summary>The minimum along <paramref name="axis"/>, −max(−x); tied minima share the derivative evenly.</summary>
    public static Node Min(this Node x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        return -(-x).Max(axis);
    }

    /// <summary>The position of the minimum along <paramref name="axis"/>, as int32 data (the first at a tie): for a
    /// matrix, 0 gives each column's row, 1 each row's column. It has no derivative; gathering by it
    /// (<c>c.Take(d.ArgMin(0))</c>) differentiates the gathered values only, which is the derivative of a minimum
    /// away from ties.</summary>
    public static Node ArgMin(this Node x, int axis) => Node.Apply(new Ops.ArgMin(axis), x);

    /// <summary>|x|; derivative sign x, 0 at 0.</summary>
    public static Node Abs(this Node x) => Node.Apply(new Ops.Abs(), x);
    /// <summary>max(x, 0); derivative 0 at 0.</summary>
    public static Node Relu(this Node x) => Node.Apply(new Ops.Relu(), x);
    /// <summary>x clamped to [<paramref name="low"/>, <paramref name="high"/>]; derivative 1 on the closed interval.</summary>
    public static Node Clamp(this Node x, double low, double high) => Node.Apply(new Ops.Clamp(low, high), x);

    /// <summary>The mask [a &gt; b] (1 or 0), element by element; no derivative.</summary>
    public static Node GreaterThan(this Node a, Node b) => Node.Apply(new Compare(Comparison.Greater), a, b);
    /// <summary>The mask [a &gt; c].</summary>
    public static Node GreaterThan(this Node a, double c) => a.GreaterThan(Node.Constant(c));
    /// <summary>The mask [a ≥ b].</summary>
    public static Node GreaterOrEqual(this Node a, Node b) => Node.Apply(new Compare(Comparison.GreaterOrEqual), a, b);
    /// <summary>The mask [a ≥ c].</summary>
    public static Node GreaterOrEqual(this Node a, double c) => a.GreaterOrEqual(Node.Constant(c));
    /// <summary>The mask [a &lt; b].</summary>
    public static Node LessThan(this Node a, Node b) => Node.Apply(new Compare(Comparison.Less), a, b);
    /// <summary>The mask [a &lt; c].</summary>
    public static Node LessThan(this Node a, double c) => a.LessThan(Node.Constant(c));
    /// <summary>The mask [a ≤ b].</summary>
    public static Node LessOrEqual(this Node a, Node b) => Node.Apply(new Compare(Comparison.LessOrEqual), a, b);
    /// <summary>The mask [a ≤ c].</summary>
    public static Node LessOrEqual(this Node a, double c) => a.LessOrEqual(Node.Constant(c));
    /// <summary>The mask [a = b].</summary>
    public static Node EqualTo(this Node a, Node b) => Node.Apply(new Compare(Comparison.Equal), a, b);

    /// <summary>a where <paramref name="mask"/> is nonzero, b elsewhere (a and b of the mask's shape, or scalars). The
    /// mask gets no derivative; the branch not taken gets an exact zero cotangent. If the untaken branch has an
    /// infinite derivative there (√x at 0), keep its input in its domain with a second Where:
    /// <c>Where(x.GreaterThan(0), Where(x.GreaterThan(0), x, 1).Sqrt(), 0)</c>.</summary>
    public static Node Where(Node mask, Node a, Node b)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Node.Apply(new Select(), mask, a, b);
    }
    /// <summary>Where with a constant in place of b.</summary>
    public static Node Where(Node mask, Node a, double b)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(a);
        return Where(mask, a, Node.Constant(b));
    }
    /// <summary>Where with a constant in place of a.</summary>
    public static Node Where(Node mask, double a, Node b)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(b);
        return Where(mask, Node.Constant(a), b);
    }

    /// <summary>Where with a mask fixed when the node is built, one flag per element of a and b (column-major).</summary>
    public static Node Where(IReadOnlyList<bool> mask, Node a, Node b)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = a.Shape.IsScalar ? b.Shape : a.Shape;
        if (mask.Count != shape.Size)
            throw new ShapeException($"Where: {mask.Count} mask flags for {shape}, one per element is needed");
        return Where(Node.WeakConstant(Tensor.FromColumnMajor(shape, [.. mask.Select(m => m ? 1.0 : 0.0)])), a, b);
    }
}

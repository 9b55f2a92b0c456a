using Xunit;

namespace AutoDiff.Functional.Properties.Reliability;

/// <summary>Shapes at their limits: derived shapes too large for an array are a <see cref="ShapeException"/> naming the
/// op and the shapes (element counts are computed in 64 bits, so nothing wraps); every index is checked on every
/// dimension; empty axes reduce to zeros in both modes and in plans.</summary>
public class ShapeLimitTests
{
    [Fact]
    public void A_product_too_large_for_an_array_names_the_op_and_the_shapes()
    {
        var u = Node.Variable("u", Shape.Matrix(100000, 1));
        var v = Node.Variable("v", Shape.Matrix(1, 100000));
        var e = Assert.Throws<ShapeException>(() => u.MatMul(v));
        Assert.Equal($"MatMul: (100000×1) and (1×100000): (100000×100000) has more than {Array.MaxLength} elements", e.Message);
    }

    [Fact]
    public void A_broadcast_too_large_for_an_array_names_the_op_and_the_shapes()
    {
        var v = Node.Variable("v", Shape.Vector(65536));
        var e = Assert.Throws<ShapeException>(() => v.BroadcastRows(65536));
        Assert.Equal($"Broadcast(axis 0, ×65536): (65536): (65536×65536) has more than {Array.MaxLength} elements", e.Message);
    }

    [Fact]
    public void A_shape_too_large_or_negative_is_a_shape_error()
    {
        Assert.Throws<ShapeException>(() => Shape.Of(65536, 65536));
        Assert.Throws<ShapeException>(() => Shape.Of(int.MaxValue, int.MaxValue, 2)); // 2^63: saturates, never wraps
        Assert.Equal("Shape: dimension -1 is negative in (2×-1)", Assert.Throws<ShapeException>(() => Shape.Matrix(2, -1)).Message);
    }

    [Theory]
    [InlineData(2, 0, "i", "Tensor: row 2 is outside (2×3)")]
    [InlineData(-1, 1, "i", "Tensor: row -1 is outside (2×3)")]
    [InlineData(0, 3, "j", "Tensor: column 3 is outside (2×3)")]
    [InlineData(1, -1, "j", "Tensor: column -1 is outside (2×3)")]
    public void The_matrix_indexer_checks_both_dimensions(int i, int j, string parameter, string message)
    {
        var t = Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t[i, j]);
        Assert.Equal(parameter, e.ParamName);
        Assert.StartsWith(message, e.Message);
        Assert.Equal(6.0, t[1, 2]); // row-major input, (i, j) as written
    }

    [Theory]
    [InlineData(6)]
    [InlineData(-1)]
    public void The_flat_indexer_checks_its_range(int i)
    {
        var t = Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t[i]);
        Assert.StartsWith($"Tensor: index {i} is outside the 6 elements of (2×3)", e.Message);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(3)]
    [InlineData(-1)]
    public void Basis_checks_its_position(int k)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => AD.Basis(Shape.Vector(3), k));
        Assert.Equal("k", e.ParamName);
        Assert.StartsWith($"Basis: position {k} is outside the 3 elements of (3)", e.Message);
    }

    [Fact]
    public void The_shape_indexer_checks_the_axis()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Shape.Matrix(2, 3)[2]);
        Assert.StartsWith("Shape: (2×3) has no axis 2", e.Message);
    }

    [Theory]
    [InlineData(3, 0, 1)]
    [InlineData(0, 3, 0)]
    public void Summing_an_empty_axis_gives_zeros_in_every_mode(int rows, int columns, int axis)
    {
        var a = Node.Variable("a", Shape.Matrix(rows, columns));
        var w = Node.Variable("w", Shape.Vector(3));
        var y = (a.Sum(axis) * w).Sum() + w.Sum();            // w keeps the output alive when a is empty
        var at = Bindings.Empty.Bind(a, Tensor.Zeros(a.Shape)).Bind(w, Tensor.Vector(1, 2, 3));

        Assert.Equal(new double[3], Evaluator.Evaluate(a.Sum(axis), at).Values.ToArray());
        Assert.Equal(new double[3], Plan.Compile(a.Sum(axis)).Run(at)[0].Values.ToArray());
        var (value, gradients) = AD.ValueAndGrad(y, at, a, w);
        Assert.Equal(6.0, value.ToScalar());
        Assert.Equal(a.Shape, gradients[0].Shape);
        Assert.Equal([1.0, 1, 1], gradients[1].Values.ToArray());
        var (_, tangents) = AD.Jvp([y], at, (a, Tensor.Zeros(a.Shape)), (w, Tensor.Vector(1, 1, 1)));
        Assert.Equal(3.0, tangents[0].ToScalar());
    }

    [Fact]
    public void A_broadcast_to_zero_columns_has_a_zero_gradient_in_both_modes()
    {
        var v = Node.Variable("v", Shape.Vector(3));
        var y = v.BroadcastColumns(0).Sum() + v.Sum();
        var at = Bindings.Empty.Bind(v, Tensor.Vector(1, 2, 3));
        Assert.Equal([1.0, 1, 1], AD.Grad(y, at, v)[0].Values.ToArray());
        Assert.Equal([0.0, 0, 0], AD.Grad(v.BroadcastColumns(0).Sum(), at, v)[0].Values.ToArray());
        Assert.Equal(0.0, AD.Jvp([v.BroadcastColumns(0).Sum()], at, (v, Tensor.Vector(1, 1, 1))).Tangents[0].ToScalar());
        Assert.Equal(new double[3], AD.JacFwd(v.BroadcastColumns(0).Sum(), at, v).Values);
        Assert.Equal(new double[3], AD.JacRev(v.BroadcastColumns(0).Sum(), at, v).Values);
    }
}

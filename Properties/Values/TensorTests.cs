using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Graph;

/// <summary>Values: column-major layout shared with MathNet, copies where documented, shapes that print and compare.</summary>
public class TensorTests
{
    [Fact]
    public void Matrix_is_stored_column_major_like_MathNet()
    {
        var t = Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(Shape.Matrix(2, 3), t.Shape);
        Assert.Equal([1.0, 4, 2, 5, 3, 6], t.Values.ToArray());
        Assert.Equal(6.0, t[1, 2]);
        var m = t.AsMatrix();
        Assert.Equal(2, m.RowCount);
        Assert.Equal(6.0, m[1, 2]);
        Assert.Equal(t.Values.ToArray(), Tensor.Wrap(DenseMatrix.OfArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } })).Values.ToArray());
    }

    [Fact]
    public void Vector_and_Copy_copy_while_Wrap_and_FromColumnMajor_share()
    {
        var source = new[] { 1.0, 2.0 };
        var copied = Tensor.Vector(source);
        var shared = Tensor.FromColumnMajor(Shape.Vector(2), source);
        var mathNet = DenseVector.OfArray([3.0, 4.0]);
        var copy = Tensor.Copy(mathNet);
        var wrapped = Tensor.Wrap(mathNet);
        source[0] = 9;
        mathNet[0] = 9;
        Assert.Equal(1.0, copied[0]);
        Assert.Equal(9.0, shared[0]);
        Assert.Equal(3.0, copy[0]);
        Assert.Equal(9.0, wrapped[0]);
    }

    [Fact]
    public void Shapes_print_compare_and_refuse_nonsense()
    {
        Assert.Equal("(3×4)", Shape.Matrix(3, 4).ToString());
        Assert.Equal("(5)", Shape.Vector(5).ToString());
        Assert.Equal("()", Shape.Scalar.ToString());
        Assert.Equal(Shape.Of(3, 4), Shape.Matrix(3, 4));
        Assert.NotEqual(Shape.Of(4, 3), Shape.Matrix(3, 4));
        Assert.NotEqual(Shape.Vector(1), Shape.Scalar);
        Assert.Equal(Shape.Of(2, 5).GetHashCode(), Shape.Matrix(2, 5).GetHashCode());
        Assert.Equal(12, Shape.Matrix(3, 4).Size);
        Assert.Equal(1, Shape.Scalar.Size);
        var e = Assert.Throws<ShapeException>(() => Shape.Matrix(2, -1)); // an ArgumentException too
        Assert.Contains("(2×-1)", e.Message);
        var f = Assert.Throws<ArgumentException>(() => Tensor.FromColumnMajor(Shape.Matrix(2, 2), [1, 2, 3]));
        Assert.Equal("Tensor: 3 values do not fill a tensor of shape (2×2)", f.Message);
    }

    [Fact]
    public void Scalar_access_and_matrix_views_name_the_shape_when_misused()
    {
        Assert.Equal(2.5, Tensor.Scalar(2.5).ToScalar());
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Vector(1, 2).ToScalar());
        Assert.Equal("ToScalar: tensor of shape (2) has 2 elements", e.Message);
        var f = Assert.Throws<InvalidOperationException>(() => Tensor.Vector(1, 2).AsMatrix());
        Assert.Equal("AsMatrix: tensor of shape (2) is not a matrix", f.Message);
    }
}

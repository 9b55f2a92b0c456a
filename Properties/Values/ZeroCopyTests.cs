using AutoDiff.Functional.Properties.Support;
using MathNet.Numerics.LinearAlgebra.Double;
using Xunit;

namespace AutoDiff.Functional.Properties.Values;

/// <summary>An 8000×8000 MathNet matrix (512 MB) goes into a graph and comes back out without being copied.</summary>
public class ZeroCopyTests
{
    [Fact]
    public void A_512_MB_matrix_is_wrapped_evaluated_and_read_back_without_a_copy()
    {
        var big = new DenseMatrix(8000, 8000);
        big[7999, 7999] = 42;

        DenseMatrix back = null!, backFromVariable = null!;
        DenseVector flat = null!;
        long allocated = Allocations.Least(() =>
        {
            var constant = Node.Constant(Tensor.Wrap(big));
            var viaVariable = Node.Variable("M", Shape.Matrix(8000, 8000));
            var results = Evaluator.Evaluate([constant, viaVariable, viaVariable.Reshape(Shape.Vector(64_000_000))],
                Bindings.Empty.Bind(viaVariable, big));
            back = results[0].AsMatrix();
            backFromVariable = results[1].AsMatrix();
            flat = results[2].AsVector();
        });

        Assert.True(allocated < 1_000_000, $"{allocated:N0} bytes allocated; a copy would be 512,000,000");
        Assert.Same(big.Values, back.Values);
        Assert.Same(big.Values, backFromVariable.Values);
        Assert.Same(big.Values, flat.Values);
        Assert.Equal(42, back[7999, 7999]);
    }

    [Fact]
    public void Column_major_storage_matches_MathNet_element_by_element()
    {
        var m = DenseMatrix.OfArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var t = Tensor.Wrap(m);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(m[i, j], t[i, j]);
        Assert.Equal(Tensor.Matrix(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }).Values.ToArray(), t.Values.ToArray());
    }
}

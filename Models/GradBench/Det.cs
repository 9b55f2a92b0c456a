using System.Numerics;

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's det: the determinant by expansion by minors along the first row, each minor in turn expanded
/// along its own first row. The minor with rows k … ℓ−1 and the column set S (|S| = ℓ − k, columns S₀ &lt; S₁ &lt; …) is
/// D(S) = Σₚ (−1)ᵖ A[k, Sₚ]·D(S \ Sₚ), D(∅) = 1, and det A = D({0 … ℓ−1}). The minors of one size form one vector, so
/// each level is a gather, a product and a segment sum: every minor is computed once (ℓ·2^(ℓ−1) products in all)
/// where the recursive algorithm recomputes them (about e·ℓ! products).</summary>
public static class Det
{
    /// <summary>det A for A (ℓ×ℓ) given as a vector of its ℓ² entries in row-major order, the eval's layout.</summary>
    public static Node Objective(Node rowMajor, int ell)
    {
        ArgumentNullException.ThrowIfNull(rowMajor);
        if (ell is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(ell), $"Det: ℓ = {ell}, expected 1 … 20");
        if (rowMajor.Shape.Rank != 1 || rowMajor.Shape[0] != ell * ell)
            throw new ShapeException($"Det: {rowMajor.Shape} is not a vector of the {ell * ell} entries of an {ell}×{ell} matrix");
        var rank = new int[1 << ell]; // a column set's position among the sets of its size, in increasing bit order
        var sets = new List<int>[ell + 1];
        for (int c = 0; c <= ell; c++) sets[c] = [];
        for (int mask = 0; mask < 1 << ell; mask++)
        {
            var level = sets[BitOperations.PopCount((uint)mask)];
            rank[mask] = level.Count;
            level.Add(mask);
        }
        var minors = rowMajor.Gather([.. Enumerable.Range(0, ell).Select(j => (ell - 1) * ell + j)]);
        for (int c = 2; c <= ell; c++)
        {
            int row = ell - c, terms = sets[c].Count * c;
            int[] entry = new int[terms], smaller = new int[terms], minor = new int[terms];
            var sign = new double[terms];
            int e = 0;
            foreach (var set in sets[c])
                for (int j = 0, p = 0; j < ell; j++)
                {
                    if ((set & 1 << j) == 0) continue;
                    entry[e] = row * ell + j;
                    smaller[e] = rank[set & ~(1 << j)];
                    minor[e] = rank[set];
                    sign[e++] = p++ % 2 == 0 ? 1 : -1;
                }
            var products = rowMajor.Gather(entry) * Node.Constant(Tensor.Vector(sign)) * minors.GatherRows(smaller);
            minors = products.SegmentSum(minor, sets[c].Count);
        }
        return minors.Sum();
    }
}

using AutoDiff.Functional.Ops;

namespace AutoDiff.Functional;

/// <summary>Contractions written as Einstein sums: <c>Contractions.Einsum("bij,bjk->bik", a, b)</c> is a batch of
/// matrix products, <c>"ij->ji"</c> a transpose, <c>"ij->i"</c> row sums, <c>"i,i->"</c> a dot product,
/// <c>"i,j->ij"</c> an outer product. A spec that is a matrix product (every index once per term) becomes (batched)
/// MatMul, Transpose, Reshape, sums and broadcasts, so BLAS does the work; one that reads or writes a diagonal
/// (an index twice in a term) is a direct loop, the <see cref="Ops.Einsum"/> op.</summary>
public static class Contractions
{
    /// <summary>The Einstein sum <paramref name="spec"/> of <paramref name="operands"/>: one term of index letters
    /// per operand, one letter per axis, then "->" and the output's letters (without "->", every letter that appears
    /// once, alphabetically). Indices left out of the output are summed over.</summary>
    public static Node Einsum(string spec, params Node[] operands) => Einsum(spec, null, operands);

    /// <summary>As <see cref="Einsum(string, Node[])"/>, with the output's shape given, for output indices that no
    /// operand has (a broadcast along them).</summary>
    internal static Node Einsum(string spec, Shape? output, Node[] operands)
    {
        ArgumentNullException.ThrowIfNull(operands);
        for (int i = 0; i < operands.Length; i++)
            if (operands[i] is null) throw new ArgumentNullException(nameof(operands), $"Einsum: operand {i} is null");
        if (operands.Length == 0) throw new ShapeException($"Einsum(\"{spec}\"): needs at least one operand");
        var (terms, result) = EinsumSpec.Parse(spec, operands.Length);
        var sizes = EinsumSpec.Sizes(spec, terms, [.. operands.Select(o => o.Shape)]);
        if (output is null)
        {
            foreach (var c in result)
                if (!sizes.ContainsKey(c)) throw new ShapeException($"Einsum(\"{spec}\"): output index '{c}' is in no operand");
            output = Shape.Of([.. result.Select(c => sizes[c])]);
        }
        bool repeats = terms.Append(result).Any(t => t.Distinct().Count() != t.Length);
        if (repeats) return Node.Apply(new Ops.Einsum(spec, output), operands);
        var x = operands[0];
        var labels = terms[0];
        for (int i = 1; i < operands.Length; i++)
        {
            // Keep the indices that a later term or the output still needs, in the order they first appear.
            var later = string.Concat(terms[(i + 1)..]) + result;
            var keep = new string([.. (labels + terms[i]).Distinct().Where(later.Contains)]);
            (x, labels) = (Pair(x, labels, operands[i], terms[i], keep), keep);
        }
        return Finish(Unused(x, labels, result), result, output);
    }

    // x with the indices that are not in `wanted` summed out; its labels are then `labels` without them.
    static (Node X, string Labels) Unused((Node X, string Labels) term, string wanted)
    {
        var gone = Enumerable.Range(0, term.Labels.Length).Where(d => !wanted.Contains(term.Labels[d])).ToArray();
        return gone.Length == 0 ? term : (term.X.Sum(gone), new string([.. term.Labels.Where(wanted.Contains)]));
    }

    static (Node, string) Unused(Node x, string labels, string wanted) => Unused((x, labels), wanted);

    // The labelled tensor in the output's order, broadcast along output indices it lacks.
    static Node Finish((Node X, string Labels) term, string result, Shape output)
    {
        var present = new string([.. result.Where(term.Labels.Contains)]);
        var x = Arrange(term.X, term.Labels, present);
        var missing = Enumerable.Range(0, result.Length).Where(d => !term.Labels.Contains(result[d])).ToArray();
        return missing.Length == 0 ? x : x.BroadcastTo(output, missing);
    }

    // x's axes, labelled `from`, permuted into the order `to` (the same letters).
    static Node Arrange(Node x, string from, string to) => from == to ? x : x.Transpose([.. to.Select(c => from.IndexOf(c))]);

    static Node Shaped(Node x, params int[] dims) => x.Shape == Shape.Of(dims) ? x : x.Reshape(Shape.Of(dims));

    static int Size(Node x, string labels, string which) => which.Aggregate(1, (n, c) => n * x.Shape[labels.IndexOf(c)]);

    // Two labelled tensors contracted into the labels `keep`: the indices both have and `keep` keeps are a batch, those
    // both have and `keep` drops are contracted, the others are free rows (a's) and columns (b's) of a matrix product.
    static Node Pair(Node a, string ta, Node b, string tb, string keep)
    {
        (a, ta) = Unused(a, ta, tb + keep);
        (b, tb) = Unused(b, tb, ta + keep);
        string batch = new([.. keep.Where(c => ta.Contains(c) && tb.Contains(c))]);
        string inner = new([.. ta.Where(c => tb.Contains(c) && !keep.Contains(c))]);
        string rows = new([.. keep.Where(c => ta.Contains(c) && !tb.Contains(c))]);
        string columns = new([.. keep.Where(c => tb.Contains(c) && !ta.Contains(c))]);
        Node product;
        if (rows.Length == 0 && columns.Length == 0)
        {
            // Nothing free on either side: an element-wise product summed over the contracted indices (a dot product,
            // a Hadamard product), no BLAS call per element.
            var both = Arrange(a, ta, batch + inner) * Arrange(b, tb, batch + inner);
            product = inner.Length == 0 ? both : both.Sum([.. Enumerable.Range(batch.Length, inner.Length)]);
        }
        else
        {
            int m = Size(a, ta, rows), k = Size(a, ta, inner), n = Size(b, tb, columns), members = Size(a, ta, batch);
            var left = Arrange(a, ta, batch + rows + inner);
            var right = Arrange(b, tb, batch + inner + columns);
            product = batch.Length == 0
                ? Shaped(left, m, k).MatMul(Shaped(right, k, n))
                : Shaped(left, members, m, k).MatMul(Shaped(right, members, k, n));
            var dims = (batch + rows).Select(c => a.Shape[ta.IndexOf(c)]).Concat(columns.Select(c => b.Shape[tb.IndexOf(c)]));
            product = Shaped(product, [.. dims]);
        }
        return Arrange(product, batch + rows + columns, keep);   // keep has exactly these letters: each is a's, b's or both
    }
}

using System.Collections.Immutable;

namespace AutoDiff.Functional.Ops;

/// <summary>A general contraction written as an Einstein sum, by a direct loop: y[out] = Σ Π xᵢ[termᵢ] over every
/// assignment of the indices, for specs that are not a matrix product (<see cref="Contractions.Einsum(string, Node[])"/> lowers those to
/// MatMul, Transpose, Reshape and sums): an index repeated in one term reads a diagonal ("ii->i"), one repeated in
/// the output writes one ("i->ii"), and an output index no operand has repeats along it ("i->ij", sized by
/// <see cref="Output"/>). Linear in each operand; its derivative rules are einsums themselves.</summary>
internal sealed record Einsum(string Spec, Shape Output) : Op
{
    /// <inheritdoc/>
    public override int Arity => -1;

    /// <inheritdoc/>
    public override Shape InferShape(ReadOnlySpan<Shape> x)
    {
        var (terms, output) = EinsumSpec.Parse(Spec, x.Length);
        var sizes = EinsumSpec.Sizes(Spec, terms, x);
        if (output.Length != Output.Rank) throw ShapeError($"the output '{output}' names {output.Length} axes, the output shape {Output} has {Output.Rank}");
        for (int d = 0; d < output.Length; d++)
            if (!sizes.TryAdd(output[d], Output[d]) && sizes[output[d]] != Output[d])
                throw ShapeError($"output index '{output[d]}' is {sizes[output[d]]}, but axis {d} of the output shape {Output} is {Output[d]}");
        return Output;
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> x, double[] y)
    {
        var (terms, output) = EinsumSpec.Parse(Spec, x.Length);
        var shapes = new Shape[x.Length];
        for (int i = 0; i < x.Length; i++) shapes[i] = x[i].Shape;
        var sizes = EinsumSpec.Sizes(Spec, terms, shapes);
        for (int d = 0; d < output.Length; d++) sizes.TryAdd(output[d], Output[d]);
        var labels = sizes.Keys.Order().ToArray();
        // Each index's step in each operand's storage and in the output's: a repeated index steps along all its axes.
        var step = new int[x.Length + 1, labels.Length];
        for (int i = 0; i <= x.Length; i++)
        {
            string term = i < x.Length ? terms[i] : output;
            for (int d = 0, stride = 1; d < term.Length; stride *= sizes[term[d]], d++) step[i, Array.IndexOf(labels, term[d])] += stride;
        }
        Array.Clear(y);
        long total = 1;
        foreach (var l in labels) total *= sizes[l];
        if (total == 0) return;
        var at = new int[labels.Length];
        var pos = new int[x.Length + 1];
        for (long q = 0; q < total; q++)
        {
            double product = 1;
            for (int i = 0; i < x.Length; i++) product *= x[i].Storage[pos[i]];
            y[pos[x.Length]] += product;
            for (int d = 0; d < labels.Length; d++)   // the odometer over every index
            {
                for (int i = 0; i <= x.Length; i++) pos[i] += step[i, d];
                if (++at[d] < sizes[labels[d]]) break;
                for (int i = 0; i <= x.Length; i++) pos[i] -= step[i, d] * at[d];
                at[d] = 0;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Linear in each operand: the tangent is the sum of the spec applied with one operand replaced by its tangent.</remarks>
    public override Node? Jvp(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> t)
    {
        var terms = new List<Node>();
        for (int i = 0; i < x.Length; i++)
            if (t[i] is { } ti) terms.Add(Node.Apply(this, [.. x[..i], ti, .. x[(i + 1)..]]));
        return AddN.Sum(terms);
    }

    /// <inheritdoc/>
    /// <remarks>The cotangent of operand i is the einsum of the output's cotangent with the other operands, into
    /// operand i's indices and shape: "ij,jk->ik" gives x̄₀ by "jk,ik->ij" and x̄₁ by "ij,ik->jk".</remarks>
    public override Node?[] Vjp(ImmutableArray<Node> x, Node y, Node ct, ReadOnlySpan<bool> needed)
    {
        var (terms, output) = EinsumSpec.Parse(Spec, x.Length);
        var cts = new Node?[x.Length];
        for (int i = 0; i < x.Length; i++)
            if (needed[i])
            {
                var others = Enumerable.Range(0, x.Length).Where(j => j != i).ToArray();
                var spec = $"{string.Join(",", others.Select(j => terms[j]).Append(output))}->{terms[i]}";
                cts[i] = Contractions.Einsum(spec, x[i].Shape, [.. others.Select(j => x[j]), ct]);
            }
        return cts;
    }

    /// <inheritdoc/>
    /// <remarks>The members along a last axis (<see cref="Batched.Trailing"/>) carry one more index, unused by the spec,
    /// in each batched term and in the output; a shared operand keeps its term.</remarks>
    public override Node? Batch(ImmutableArray<Node> x, Node y, ReadOnlySpan<Node?> xb, int k)
    {
        var (terms, output) = EinsumSpec.Parse(Spec, x.Length);
        if ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".FirstOrDefault(c => !Spec.Contains(c)) is not (> (char)0 and var member)) return null;   // every letter is taken
        var operands = new Node[x.Length];
        for (int i = 0; i < x.Length; i++)
            (terms[i], operands[i]) = xb[i] is { } b ? (terms[i] + member, Batched.Trailing(b, x[i].Shape)) : (terms[i], x[i]);
        var spec = $"{string.Join(",", terms)}->{output}{member}";
        return Batched.Flat(Node.Apply(new Einsum(spec, Shape.Of([.. Output.Dimensions, k])), operands), k);
    }

    /// <inheritdoc/>
    protected override string Parameters => $"\"{Spec}\"";
}

/// <summary>An einsum spec read: one term of index letters per operand and the output's ("ij,jk->ik"). Without
/// "->" the output is every letter that appears once, in alphabetical order (as NumPy).</summary>
internal static class EinsumSpec
{
    public static (string[] Terms, string Output) Parse(string spec, int operands)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Replace(" ", "");
        int arrow = text.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow >= 0 ? text[..arrow] : text).Split(',');
        string? output = arrow >= 0 ? text[(arrow + 2)..] : null;
        if (terms.Length != operands)
            throw new ShapeException($"Einsum(\"{spec}\"): {terms.Length} term(s) for {operands} operand(s)");
        foreach (var term in terms.Append(output ?? ""))
            if (!term.All(char.IsAsciiLetter))
                throw new ShapeException($"Einsum(\"{spec}\"): '{term}' is not a term: a term is letters, one per axis (\"ij,jk->ik\")");
        output ??= new string([.. terms.SelectMany(t => t).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order()]);
        return (terms, output);
    }

    /// <summary>The size of each index from the operands' shapes; the errors name the index, both sizes and operands.</summary>
    public static Dictionary<char, int> Sizes(string spec, string[] terms, ReadOnlySpan<Shape> shapes)
    {
        var sizes = new Dictionary<char, int>();
        var from = new Dictionary<char, int>();
        for (int i = 0; i < terms.Length; i++)
        {
            if (terms[i].Length != shapes[i].Rank)
                throw new ShapeException($"Einsum(\"{spec}\"): operand {i} {shapes[i]} has rank {shapes[i].Rank}, but its term '{terms[i]}' names {terms[i].Length} axes");
            for (int d = 0; d < terms[i].Length; d++)
            {
                char c = terms[i][d];
                if (sizes.TryGetValue(c, out var n) && n != shapes[i][d])
                    throw new ShapeException($"Einsum(\"{spec}\"): index '{c}' is {n} in operand {from[c]} {shapes[from[c]]} and {shapes[i][d]} in operand {i} {shapes[i]}");
                (sizes[c], from[c]) = (shapes[i][d], from.GetValueOrDefault(c, i));
            }
        }
        return sizes;
    }
}

using AutoDiff.Functional.Testing;
using P = AutoDiff.Functional.Ops;
using R = AutoDiff.Functional.Properties.Support.References;

namespace AutoDiff.Functional.Properties.Ops;

/// <summary>Rows of ops that read int32 data (labels, index matrices, casts). The data is a constant of the row, so
/// the laws vary the float64 inputs only: data has no derivatives.</summary>
public static partial class OpTable
{
    static Node Data(int[] values) => Node.Constant(Tensor.Indices(values));

    static IEnumerable<OpEntry> DataRows()
    {
        var any = Domain.Any;
        // dims [n, c]: an (n×c) matrix and n labels.
        yield return Matrix("PickPerRow (labels as data)", typeof(P.PickPerRow), any, (x, d, k) => x[0].PickPerRow(Data(Labels(d[0], d[1], k))),
            (x, d, k) => [.. Labels(d[0], d[1], k).Select((label, i) => R.Element(x[0], d[0], i, label))]);
        yield return Matrix("CrossEntropy (labels as data)", null, any, (x, d, k) => x[0].CrossEntropy(Data(Labels(d[0], d[1], k))),
            (x, d, k) => [-Labels(d[0], d[1], k).Select((label, i) => R.Element(x[0], d[0], i, label) - R.RowWise(x[0], d[0], d[1], R.LogSumExp)[i]).Average()]);
        // dims [n, c]: n values put at (i, label i) of an (n×c) matrix of zeros.
        yield return new("PutPerRow", typeof(P.PutPerRow), Fixed(2), false, d => [In(S(d[0]), any)],
            (x, d, k) => Node.Apply(new P.PutPerRow(d[1]), x[0], Data(Labels(d[0], d[1], k))))
        { Reference = (x, d, k) => R.Matrix(d[0], d[1], (i, j) => Labels(d[0], d[1], k)[i] == j ? x[0][i] : 0) };
        // dims [n, c, k]: the trailing forms the batching rules make, k slices each with its own column of labels (n×k),
        // y[i, s] = a[i, labels[i, s], s] and its adjoint.
        yield return new("PickPerRow over k slices (labels per slice)", typeof(P.PickPerRow), Fixed(3), false, d => [In(S(d[0], d[1], d[2]), any)],
            (x, d, k) => Node.Apply(new P.PickPerRow(), x[0], Node.Constant(Tensor.Indices(S(d[0], d[2]), Labels(d[0] * d[2], d[1], k)))))
        {
            Reference = (x, d, k) => [.. Enumerable.Range(0, d[0] * d[2]).Select(q => x[0][q % d[0] + Labels(d[0] * d[2], d[1], k)[q] * d[0] + q / d[0] * d[0] * d[1]])],
        };
        yield return new("PutPerRow over k slices (labels per slice)", typeof(P.PutPerRow), Fixed(3), false, d => [In(S(d[0], d[2]), any)],
            (x, d, k) => Node.Apply(new P.PutPerRow(d[1]), x[0], Node.Constant(Tensor.Indices(S(d[0], d[2]), Labels(d[0] * d[2], d[1], k)))))
        {
            Reference = (x, d, k) => [.. Enumerable.Range(0, d[0] * d[1] * d[2]).Select(e =>
            {
                int i = e % d[0], j = e / d[0] % d[1], s = e / (d[0] * d[1]);
                return Labels(d[0] * d[2], d[1], k)[i + s * d[0]] == j ? x[0][i + s * d[0]] : 0;
            })],
        };
        // dims [n, e, t, k]: the per-member forms Take's and ScatterAdd's batching rules make for indices that differ per
        // member: k members of an (n×e) table each taken by its own t indices (a (t×k) matrix), and the scatter back.
        yield return new("Take per member (indices per member)", typeof(P.Take), Fixed(4), false, d => [In(S(d[0], d[1], d[3]), any)],
            (x, d, k) => Node.Apply(new P.Take(0, PerMember: true), x[0], Node.Constant(Tensor.Indices(S(d[2], d[3]), Positions(d[2] * d[3], d[0], k)))))
        {
            Reference = (x, d, k) =>
            {
                var ids = Positions(d[2] * d[3], d[0], k);
                int t = d[2], e = d[1], n = d[0];
                return [.. Enumerable.Range(0, t * e * d[3]).Select(q => x[0][ids[q % t + q / (t * e) * t] + q / t % e * n + q / (t * e) * n * e])];
            },
        };
        yield return new("ScatterAdd per member (indices per member)", typeof(P.ScatterAdd), Fixed(4), false, d => [In(S(d[2], d[1], d[3]), any)],
            (x, d, k) => Node.Apply(new P.ScatterAdd(0, d[0], PerMember: true), x[0], Node.Constant(Tensor.Indices(S(d[2], d[3]), Positions(d[2] * d[3], d[0], k)))))
        {
            Reference = (x, d, k) =>
            {
                var ids = Positions(d[2] * d[3], d[0], k);
                int t = d[2], e = d[1], n = d[0];
                var y = new double[n * e * d[3]];
                for (int c = 0; c < d[3]; c++)
                    for (int j = 0; j < e; j++)
                        for (int p = 0; p < t; p++) y[ids[p + c * t] + j * n + c * n * e] += x[0][p + j * t + c * t * e];
                return y;
            },
        };
        // The cast alone: its value; its output depends on no float64 input, so every derivative law sees zeros.
        yield return new("ToFloat64", typeof(Cast), Fixed(1), false, d => [In(S(d[0]), any)],
            (x, d, k) => Data(Counts(d[0], k)).ToFloat64())
        { Reference = (x, d, k) => [.. Counts(d[0], k).Select(c => (double)c)] };
        // Counts as numbers inside a differentiable expression: x ⊙ float(data).
        yield return new("ToFloat64 (x ⊙ counts)", null, Fixed(1), false, d => [In(S(d[0]), any)],
            (x, d, k) => x[0] * Data(Counts(d[0], k)).To(x[0].DType))
        { Reference = (x, d, k) => [.. x[0].Select((v, i) => v * Counts(d[0], k)[i])] };
        // dims [n, e, b, t]: an (n×e) table taken by a (b×t) index matrix, (b×t×e): a batch of sequences of embeddings.
        yield return new("Take by an index matrix", typeof(P.Take), Fixed(4), false, d => [In(S(d[0], d[1]), any)],
            (x, d, k) => x[0].Take(Node.Constant(Tensor.Indices(S(d[2], d[3]), Positions(d[2] * d[3], d[0], k)))))
        {
            Reference = (x, d, k) =>
            {
                var ids = Positions(d[2] * d[3], d[0], k);
                return [.. Enumerable.Range(0, ids.Length * d[1]).Select(q => x[0][ids[q % ids.Length] + q / ids.Length * d[0]])];
            },
        };
    }

    static int[] Counts(int n, int pick) => [.. Enumerable.Range(0, n).Select(i => (pick + 3 * i) % 5 - 2)];
    static int[] Positions(int count, int bound, int pick) => [.. Enumerable.Range(0, count).Select(p => (pick + p * (pick / 7 + 1)) % bound)];
}

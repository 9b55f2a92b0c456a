namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's lstm: an l-layer LSTM whose weights are all diagonal, predicting each next character (b bits)
/// of a text. Layer k has a weight row wₖ and a bias row bₖ (4b each: forget, input, output, change gates); the
/// extra rows are the input weight, the output weight and the output bias (b each). One step from input x:
/// f = σ(x⊙w_f + b_f), i = σ(h⊙w_i + b_i), o = σ(x⊙w_o + b_o), g = tanh(h⊙w_g + b_g), c ← c⊙f + i⊙g, h ← o⊙tanh c,
/// the input of layer 0 being the character ⊙ the input weight and that of layer k + 1 the new h of layer k. The
/// prediction y = h_top⊙w_out + b_out; the loss is −(1/(T·b)) Σₜ Σⱼ s_{t+1,j}(y_{t,j} − log(Σᵢ exp y_{t,i} + 2)) over
/// the T = c − 1 steps (the "+ 2" is the benchmark's).</summary>
/// <remarks>The steps are one scan over the text (<see cref="Loop.Scan(Node[], Node[], Func{Node[], Node[], ValueTuple{Node[], Node[]}}, Checkpointing?, bool)"/>):
/// the carries are each layer's hidden and cell state, the sequence the text's characters as columns, and the scan
/// emits the top hidden state; the predictions and the loss are computed for all steps at once from those stacked
/// states. So the graph has one loop node whatever the text's length, traced and compiled once.</remarks>
public static class Lstm
{
    /// <summary>The loss for parameters <paramref name="main"/> (2l×4b: rows 2k and 2k + 1 are layer k's weights and
    /// biases), <paramref name="extra"/> (3×b), the initial <paramref name="state"/> (2l×b: rows 2k and 2k + 1 are
    /// layer k's hidden and cell state) and the text <paramref name="sequence"/> (c×b, one character per row, c ≥ 2).</summary>
    public static Node Loss(Node main, Node extra, Tensor state, Tensor sequence)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(sequence);
        if (extra.Shape.Rank != 2 || extra.Shape[0] != 3)
            throw new ShapeException($"Lstm: the extra parameters {extra.Shape} are not 3×b");
        int b = extra.Shape[1];
        if (main.Shape.Rank != 2 || main.Shape[0] % 2 != 0 || main.Shape[0] == 0 || main.Shape[1] != 4 * b)
            throw new ShapeException($"Lstm: the main parameters {main.Shape} are not 2l×{4 * b}");
        int layers = main.Shape[0] / 2;
        if (state.Shape != Shape.Matrix(2 * layers, b))
            throw new ShapeException($"Lstm: the state {state.Shape} is not {2 * layers}×{b}");
        if (sequence.Shape.Rank != 2 || sequence.Shape[1] != b || sequence.Shape[0] < 2)
            throw new ShapeException($"Lstm: the sequence {sequence.Shape} is not c×{b} with c ≥ 2");
        int steps = sequence.Shape[0] - 1;

        var weight = Gates(main, layers, b, 0);
        var bias = Gates(main, layers, b, 1);
        var inputWeight = extra.Row(0);
        var initial = new Node[2 * layers];
        for (int r = 0; r < 2 * layers; r++) initial[r] = Node.Constant(Row(state, r));
        var text = Node.Constant(sequence).T();                                                  // (b×c): a character per column
        var (_, emitted) = Loop.Scan([text.Columns(0, steps)], initial, (carries, character) =>
        {
            var after = new Node[2 * layers];
            var x = character[0] * inputWeight;
            for (int k = 0; k < layers; k++)
            {
                Node hidden = carries[2 * k], cell = carries[2 * k + 1];
                var f = (x * weight[k][Forget] + bias[k][Forget]).Sigmoid();
                var i = (hidden * weight[k][Input] + bias[k][Input]).Sigmoid();
                var o = (x * weight[k][Output] + bias[k][Output]).Sigmoid();
                var g = (hidden * weight[k][Change] + bias[k][Change]).Tanh();
                after[2 * k + 1] = cell * f + i * g;
                after[2 * k] = x = o * after[2 * k + 1].Tanh();
            }
            return (after, [x]);
        });

        // The predictions and the loss for all steps at once, time along columns (b×T).
        var next = text.Columns(1, steps);
        var predicted = emitted[0] * extra.Row(1).BroadcastColumns(steps) + extra.Row(2).BroadcastColumns(steps);
        var logNormaliser = (predicted.Exp().Sum(0) + 2).Log();                                    // (T)
        var total = (next * predicted).Sum() - (next.Sum(0) * logNormaliser).Sum();
        return -total / (steps * b);
    }

    const int Forget = 0, Input = 1, Output = 2, Change = 3;

    // The four gates' slices of row 2k + offset (weights 0, biases 1) for each layer k, built once for all steps.
    static Node[][] Gates(Node main, int layers, int b, int offset)
    {
        var gates = new Node[layers][];
        for (int k = 0; k < layers; k++)
        {
            var row = main.Row(2 * k + offset);
            gates[k] = [row.Slice(Forget * b, b), row.Slice(Input * b, b), row.Slice(Output * b, b), row.Slice(Change * b, b)];
        }
        return gates;
    }

    static Tensor Row(Tensor matrix, int i) =>
        Tensor.Vector([.. Enumerable.Range(0, matrix.Shape[1]).Select(j => matrix[i, j])]);
}

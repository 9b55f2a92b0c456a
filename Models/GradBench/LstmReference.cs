namespace AutoDiff.Functional.Models.GradBench;

/// <summary>lstm in plain loops, step by step and layer by layer, with the gradient by back-propagation through time
/// derived by hand. With ȳₜ = −(s₍ₜ₊₁₎ − Sₜ₊₁·exp yₜ/(Σ exp yₜ + 2))/(T·b), Sₜ₊₁ = Σⱼ s₍ₜ₊₁₎ⱼ, the top layer's h̄
/// gets ȳₜ⊙w_out; then in each layer, from the top down and from the last step back: ō = h̄⊙tanh c,
/// c̄ += h̄⊙o⊙(1 − tanh²c), f̄ = c̄⊙c_prev, ī = c̄⊙g, ḡ = c̄⊙i, the pre-activations' cotangents ā = σ′ or tanh′ of
/// these; w̄ += ā⊙(its input), b̄ += ā; the layer's input gets ā_f⊙w_f + ā_o⊙w_o, its previous h gets
/// ā_i⊙w_i + ā_g⊙w_g, its previous c gets c̄⊙f.</summary>
public static class LstmReference
{
    /// <summary>The loss and its gradient (main 2l×4b, extra 3×b, by rows) for arrays indexed [row][column].</summary>
    public static (double Value, double[][] Main, double[][] Extra) Evaluate(double[][] main, double[][] extra, double[][] state, double[][] sequence)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(sequence);
        int layers = main.Length / 2, b = extra[0].Length, steps = sequence.Length - 1;
        double[] inWeight = extra[0], outWeight = extra[1], outBias = extra[2];
        // hidden[t][k], cell[t][k]: layer k's state after t steps.
        var hidden = new double[steps + 1][][];
        var cell = new double[steps + 1][][];
        hidden[0] = [.. Enumerable.Range(0, layers).Select(k => (double[])state[2 * k].Clone())];
        cell[0] = [.. Enumerable.Range(0, layers).Select(k => (double[])state[2 * k + 1].Clone())];
        var gates = new (double[] F, double[] I, double[] O, double[] G)[steps, layers];
        var predicted = new double[steps][];
        double total = 0;
        for (int t = 0; t < steps; t++)
        {
            hidden[t + 1] = new double[layers][];
            cell[t + 1] = new double[layers][];
            for (int k = 0; k < layers; k++)
            {
                var x = Input(k, t);
                double[] h = hidden[t][k], c = cell[t][k], w = main[2 * k], u = main[2 * k + 1];
                var (f, i, o, g) = (new double[b], new double[b], new double[b], new double[b]);
                var (newH, newC) = (new double[b], new double[b]);
                for (int j = 0; j < b; j++)
                {
                    f[j] = Sigmoid(x[j] * w[j] + u[j]);
                    i[j] = Sigmoid(h[j] * w[b + j] + u[b + j]);
                    o[j] = Sigmoid(x[j] * w[2 * b + j] + u[2 * b + j]);
                    g[j] = Math.Tanh(h[j] * w[3 * b + j] + u[3 * b + j]);
                    newC[j] = c[j] * f[j] + i[j] * g[j];
                    newH[j] = o[j] * Math.Tanh(newC[j]);
                }
                gates[t, k] = (f, i, o, g);
                (hidden[t + 1][k], cell[t + 1][k]) = (newH, newC);
            }
            var y = predicted[t] = new double[b];
            double sumExp = 2;
            for (int j = 0; j < b; j++)
            {
                y[j] = hidden[t + 1][layers - 1][j] * outWeight[j] + outBias[j];
                sumExp += Math.Exp(y[j]);
            }
            for (int j = 0; j < b; j++) total += sequence[t + 1][j] * (y[j] - Math.Log(sumExp));
        }
        double scale = 1.0 / (steps * b);

        var gMain = new double[2 * layers][];
        for (int r = 0; r < 2 * layers; r++) gMain[r] = new double[4 * b];
        double[][] gExtra = [new double[b], new double[b], new double[b]];
        var gHidden = new double[layers][]; // from the step after
        var gCell = new double[layers][];
        for (int k = 0; k < layers; k++) (gHidden[k], gCell[k]) = (new double[b], new double[b]);
        for (int t = steps - 1; t >= 0; t--)
        {
            var y = predicted[t];
            double sumExp = 2 + y.Sum(Math.Exp), targets = sequence[t + 1].Sum();
            var fromAbove = new double[b];
            for (int j = 0; j < b; j++)
            {
                double gy = -scale * (sequence[t + 1][j] - targets * Math.Exp(y[j]) / sumExp);
                gExtra[1][j] += gy * hidden[t + 1][layers - 1][j];
                gExtra[2][j] += gy;
                fromAbove[j] = gy * outWeight[j];
            }
            for (int k = layers - 1; k >= 0; k--)
            {
                var x = Input(k, t);
                var (f, i, o, g) = gates[t, k];
                double[] h = hidden[t][k], c = cell[t][k], newC = cell[t + 1][k], w = main[2 * k];
                double[] gw = gMain[2 * k], gu = gMain[2 * k + 1];
                var toBelow = new double[b];
                for (int j = 0; j < b; j++)
                {
                    double gh = gHidden[k][j] + fromAbove[j], tanhC = Math.Tanh(newC[j]);
                    double gc = gCell[k][j] + gh * o[j] * (1 - tanhC * tanhC);
                    double aF = gc * c[j] * f[j] * (1 - f[j]), aI = gc * g[j] * i[j] * (1 - i[j]);
                    double aO = gh * tanhC * o[j] * (1 - o[j]), aG = gc * i[j] * (1 - g[j] * g[j]);
                    gw[j] += aF * x[j]; gu[j] += aF;
                    gw[b + j] += aI * h[j]; gu[b + j] += aI;
                    gw[2 * b + j] += aO * x[j]; gu[2 * b + j] += aO;
                    gw[3 * b + j] += aG * h[j]; gu[3 * b + j] += aG;
                    toBelow[j] = aF * w[j] + aO * w[2 * b + j];
                    gHidden[k][j] = aI * w[b + j] + aG * w[3 * b + j];
                    gCell[k][j] = gc * f[j];
                }
                fromAbove = toBelow;
            }
            for (int j = 0; j < b; j++) gExtra[0][j] += fromAbove[j] * sequence[t][j];
        }
        return (-total * scale, gMain, gExtra);

        double[] Input(int k, int t) => k > 0 ? hidden[t + 1][k - 1] : [.. sequence[t].Select((s, j) => s * inWeight[j])];
    }

    static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));
}

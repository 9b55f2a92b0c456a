namespace AutoDiff.Functional.Models.GradBench;

/// <summary>ht in plain loops, vertex by vertex, with its Jacobian carried along by dual numbers: every quantity holds
/// its value and its derivatives w.r.t. the Jacobian's columns ((u₀, u₁) of the point at hand, then θ). Written from
/// the eval's description, independently of <see cref="Ht"/>.</summary>
public static class HtReference
{
    /// <summary>The residuals (3N) and the Jacobian ([row][column]: 26 columns for the simple variant, when
    /// <paramref name="us"/> is null, and 28 for the complicated).</summary>
    public static (double[] Residuals, double[][] Jacobian) Evaluate(double[] theta, double[][]? us, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(data);
        var model = data.Model;
        int offset = us is null ? 0 : 2, width = offset + theta.Length, bones = model.Parents.Length;
        var th = new Dual[theta.Length];
        for (int p = 0; p < theta.Length; p++) th[p] = Dual.Variable(theta[p], offset + p, width);
        var zero = Dual.Constant(0, width);

        // Pose parameters: bone b's Euler angles (x, z, y); finger f drives bones 2 + 4f (x, z), 3 + 4f and 4 + 4f (x).
        var angles = new Dual[bones][];
        for (int b = 0; b < bones; b++) angles[b] = [zero, zero, zero];
        for (int f = 0, p = 6; f < 5; f++)
        {
            angles[2 + 4 * f][0] = th[p++];
            angles[2 + 4 * f][1] = th[p++];
            angles[3 + 4 * f][0] = th[p++];
            angles[4 + 4 * f][0] = th[p++];
        }

        var absolutes = new Dual[bones][,];
        var transforms = new Dual[bones][,];
        for (int b = 0; b < bones; b++)
        {
            var (x, z, y) = (angles[b][0], angles[b][1], angles[b][2]);
            var rotation = Multiply(Multiply(AboutZ(z, width), AboutY(y, width)), AboutX(x, width));
            var local = new Dual[4, 4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) local[i, j] = Dual.Constant(i == j ? 1 : 0, width);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) local[i, j] = rotation[i, j];
            var relative = Multiply(Constant(model.BaseRelatives[b], width), local);
            absolutes[b] = model.Parents[b] < 0 ? relative : Multiply(absolutes[model.Parents[b]], relative);
            transforms[b] = Multiply(absolutes[b], Constant(model.InverseBaseAbsolutes[b], width));
        }

        var global = GlobalRotation(th[0], th[1], th[2], width);
        int vertices = model.BasePositions.Length;
        var posed = new Dual[vertices][];
        for (int v = 0; v < vertices; v++)
        {
            var skinned = new[] { zero, zero, zero };
            for (int b = 0; b < bones; b++)
            {
                double w = model.Weights[v][b];
                if (w == 0) continue;
                for (int i = 0; i < 3; i++)
                    for (int k = 0; k < 4; k++) skinned[i] += transforms[b][i, k] * (w * model.BasePositions[v][k]);
            }
            if (model.IsMirrored) skinned[0] = -skinned[0];
            posed[v] = new Dual[3];
            for (int i = 0; i < 3; i++)
            {
                var sum = th[3 + i];
                for (int k = 0; k < 3; k++) sum += global[i, k] * skinned[k];
                posed[v][i] = sum;
            }
        }

        int n = data.Correspondences.Length;
        var residuals = new double[3 * n];
        var jacobian = new double[3 * n][];
        for (int i = 0; i < n; i++)
        {
            var hand = new Dual[3];
            if (us is null) hand = posed[data.Correspondences[i]];
            else
            {
                var corners = model.Triangles[data.Correspondences[i]];
                var (u0, u1) = (Dual.Variable(us[i][0], 0, width), Dual.Variable(us[i][1], 1, width));
                var u2 = 1 - u0 - u1;
                for (int j = 0; j < 3; j++)
                    hand[j] = u0 * posed[corners[0]][j] + u1 * posed[corners[1]][j] + u2 * posed[corners[2]][j];
            }
            for (int j = 0; j < 3; j++)
            {
                var e = data.Points[i][j] - hand[j];
                residuals[3 * i + j] = e.Value;
                jacobian[3 * i + j] = e.Derivatives;
            }
        }
        return (residuals, jacobian);
    }

    // The eval's angle-axis rotation: the identity below |a| = 1e-4.
    static Dual[,] GlobalRotation(Dual a0, Dual a1, Dual a2, int width)
    {
        var norm = Dual.Sqrt(a0 * a0 + a1 * a1 + a2 * a2);
        if (norm.Value < 1e-4) return Constant([[1, 0, 0], [0, 1, 0], [0, 0, 1]], width);
        var (x, y, z) = (a0 / norm, a1 / norm, a2 / norm);
        var (s, c) = (Dual.Sin(norm), Dual.Cos(norm));
        return new Dual[,]
        {
            { x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s },
            { x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s },
            { x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c },
        };
    }

    static Dual[,] AboutX(Dual t, int width)
    {
        var (c, s, o, l) = (Dual.Cos(t), Dual.Sin(t), Dual.Constant(0, width), Dual.Constant(1, width));
        return new Dual[,] { { l, o, o }, { o, c, -s }, { o, s, c } };
    }

    static Dual[,] AboutY(Dual t, int width)
    {
        var (c, s, o, l) = (Dual.Cos(t), Dual.Sin(t), Dual.Constant(0, width), Dual.Constant(1, width));
        return new Dual[,] { { c, o, s }, { o, l, o }, { -s, o, c } };
    }

    static Dual[,] AboutZ(Dual t, int width)
    {
        var (c, s, o, l) = (Dual.Cos(t), Dual.Sin(t), Dual.Constant(0, width), Dual.Constant(1, width));
        return new Dual[,] { { c, -s, o }, { s, c, o }, { o, o, l } };
    }

    static Dual[,] Constant(double[][] rows, int width)
    {
        var m = new Dual[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++) m[i, j] = Dual.Constant(rows[i][j], width);
        return m;
    }

    static Dual[,] Multiply(Dual[,] a, Dual[,] b)
    {
        int m = a.GetLength(0), inner = a.GetLength(1), n = b.GetLength(1);
        var c = new Dual[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                var sum = a[i, 0] * b[0, j];
                for (int k = 1; k < inner; k++) sum += a[i, k] * b[k, j];
                c[i, j] = sum;
            }
        return c;
    }

    /// <summary>A value and its derivatives w.r.t. every column at once (forward-mode dual numbers).</summary>
    readonly record struct Dual(double Value, double[] Derivatives)
    {
        public static Dual Constant(double value, int width) => new(value, new double[width]);

        public static Dual Variable(double value, int index, int width)
        {
            var d = new double[width];
            d[index] = 1;
            return new(value, d);
        }

        static Dual Chain(double value, Dual a, double da)
        {
            var d = new double[a.Derivatives.Length];
            for (int k = 0; k < d.Length; k++) d[k] = da * a.Derivatives[k];
            return new(value, d);
        }

        static Dual Combine(double value, Dual a, double da, Dual b, double db)
        {
            var d = new double[a.Derivatives.Length];
            for (int k = 0; k < d.Length; k++) d[k] = da * a.Derivatives[k] + db * b.Derivatives[k];
            return new(value, d);
        }

        public static Dual operator +(Dual a, Dual b) => Combine(a.Value + b.Value, a, 1, b, 1);
        public static Dual operator -(Dual a, Dual b) => Combine(a.Value - b.Value, a, 1, b, -1);
        public static Dual operator *(Dual a, Dual b) => Combine(a.Value * b.Value, a, b.Value, b, a.Value);
        public static Dual operator /(Dual a, Dual b) => Combine(a.Value / b.Value, a, 1 / b.Value, b, -a.Value / (b.Value * b.Value));
        public static Dual operator -(Dual a) => Chain(-a.Value, a, -1);
        public static Dual operator *(Dual a, double c) => Chain(a.Value * c, a, c);
        public static Dual operator -(double c, Dual a) => Chain(c - a.Value, a, -1);
        public static Dual Sin(Dual a) => Chain(Math.Sin(a.Value), a, Math.Cos(a.Value));
        public static Dual Cos(Dual a) => Chain(Math.Cos(a.Value), a, -Math.Sin(a.Value));
        public static Dual Sqrt(Dual a) => Chain(Math.Sqrt(a.Value), a, a.Value > 0 ? 0.5 / Math.Sqrt(a.Value) : 0);
    }
}

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>ba in plain loops, one observation at a time, with its derivatives by forward mode on dual numbers
/// written here (a + εb, ε² = 0), one pass per camera parameter, point coordinate and weight: independent of the
/// library's graphs and rules.</summary>
public static class BaReference
{
    /// <summary>The reprojection error (x, y) of one observation and its 2×15 Jacobian (columns: the 11 camera
    /// parameters, the 3 point coordinates, the weight), and the weight error 1 − w² with its derivative.</summary>
    public static (double[] Error, double[,] Jacobian, double WeightError, double WeightErrorDerivative) Evaluate(
        double[] camera, double[] point, double weight, double[] feature)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(feature);
        var jacobian = new double[2, 15];
        double[] error = [0, 0];
        for (int seed = 0; seed < 15; seed++)
        {
            var c = camera.Select((v, j) => new Dual(v, seed == j ? 1 : 0)).ToArray();
            var x = point.Select((v, j) => new Dual(v, seed == 11 + j ? 1 : 0)).ToArray();
            var w = new Dual(weight, seed == 14 ? 1 : 0);
            var e = Error(c, x, w, feature);
            for (int k = 0; k < 2; k++) (error[k], jacobian[k, seed]) = (e[k].Value, e[k].Tangent);
        }
        return (error, jacobian, 1 - weight * weight, -2 * weight);
    }

    static Dual[] Error(Dual[] cam, Dual[] point, Dual w, double[] feature)
    {
        Dual[] v = [point[0] - cam[3], point[1] - cam[4], point[2] - cam[5]];
        Dual[] r = [cam[0], cam[1], cam[2]];
        var thetaSquared = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        Dual[] y;
        if (thetaSquared.Value != 0)
        {
            var theta = Dual.Sqrt(thetaSquared);
            var (cos, sin) = (Dual.Cos(theta), Dual.Sin(theta));
            Dual[] axis = [r[0] / theta, r[1] / theta, r[2] / theta];
            var cross = Cross(axis, v);
            var along = (axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2]) * (1 - cos);
            y = [.. Enumerable.Range(0, 3).Select(i => v[i] * cos + cross[i] * sin + axis[i] * along)];
        }
        else
        {
            var cross = Cross(r, v);
            y = [v[0] + cross[0], v[1] + cross[1], v[2] + cross[2]];
        }
        var (px, py) = (y[0] / y[2], y[1] / y[2]);
        var rr = px * px + py * py;
        var distortion = 1 + cam[9] * rr + cam[10] * rr * rr;
        return [w * (px * distortion * cam[6] + cam[7] - feature[0]), w * (py * distortion * cam[6] + cam[8] - feature[1])];
    }

    static Dual[] Cross(Dual[] a, Dual[] b) =>
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

    readonly record struct Dual(double Value, double Tangent)
    {
        public static Dual operator +(Dual a, Dual b) => new(a.Value + b.Value, a.Tangent + b.Tangent);
        public static Dual operator -(Dual a, Dual b) => new(a.Value - b.Value, a.Tangent - b.Tangent);
        public static Dual operator *(Dual a, Dual b) => new(a.Value * b.Value, a.Tangent * b.Value + a.Value * b.Tangent);
        public static Dual operator /(Dual a, Dual b) => new(a.Value / b.Value, (a.Tangent * b.Value - a.Value * b.Tangent) / (b.Value * b.Value));
        public static implicit operator Dual(double c) => new(c, 0);
        public static Dual Sqrt(Dual a) => new(Math.Sqrt(a.Value), a.Tangent / (2 * Math.Sqrt(a.Value)));
        public static Dual Cos(Dual a) => new(Math.Cos(a.Value), -Math.Sin(a.Value) * a.Tangent);
        public static Dual Sin(Dual a) => new(Math.Sin(a.Value), Math.Cos(a.Value) * a.Tangent);
    }
}

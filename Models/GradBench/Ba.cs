namespace AutoDiff.Functional.Models.GradBench;

/// <summary>GradBench's ba (bundle adjustment): for each observation of a point X by a camera with parameters
/// (r, C, f, x₀, y₀, κ₁, κ₂) — a Rodrigues rotation vector r, a centre C, a focal length, a principal point and two
/// radial distortion coefficients, 11 in all — and a weight w, the weighted reprojection error w·(proj − feat) and
/// the weight error 1 − w². proj: the point in the camera frame Y = R(r)(X − C), the pinhole projection
/// p = (Y₀, Y₁)/Y₂, distorted by L = 1 + κ₁‖p‖² + κ₂‖p‖⁴, scaled and shifted: f·L·p + (x₀, y₀).
/// R(r)v = v cos θ + (ω × v) sin θ + ω(ω·v)(1 − cos θ), θ = ‖r‖, ω = r/θ; at θ = 0 it is v + r × v.</summary>
/// <remarks>All observations at once: each parameter is a vector over the observations (a column of the per-observation
/// parameter matrices, which are the cameras' and points' rows gathered by each observation's indices).</remarks>
public static class Ba
{
    /// <summary>Parameters per camera.</summary>
    public const int CameraParameters = 11;

    /// <summary>The reprojection errors (two vectors over the P observations: the x and y errors) for each
    /// observation's camera parameters <paramref name="camera"/> (11 vectors of P: parameter j of every observation's
    /// camera), point coordinates <paramref name="point"/> (3 vectors of P), weights <paramref name="weights"/> (P) and
    /// observed features <paramref name="features"/> (P×2).</summary>
    public static Node[] ReprojectionErrors(IReadOnlyList<Node> camera, IReadOnlyList<Node> point, Node weights, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(features);
        var observations = weights.Shape;
        if (observations.Rank != 1 || camera.Count != CameraParameters || point.Count != 3
            || camera.Concat(point).Any(v => v?.Shape != observations) || features.Shape != Shape.Matrix(observations[0], 2))
            throw new ShapeException($"Ba: {camera.Count} camera and {point.Count} point parameters, weights {weights.Shape} and features {features.Shape}; 11 and 3 vectors of the weights' length P and P×2 features are needed");
        Node[] rotation = [camera[0], camera[1], camera[2]];
        Node[] offset = [point[0] - camera[3], point[1] - camera[4], point[2] - camera[5]];
        var y = Rotate(rotation, offset);
        Node[] pinhole = [y[0] / y[2], y[1] / y[2]];
        var radiusSquared = pinhole[0].Square() + pinhole[1].Square();
        var scale = camera[6] * (1 + camera[9] * radiusSquared + camera[10] * radiusSquared.Square());
        var feature = Node.Constant(features);
        return [weights * (scale * pinhole[0] + camera[7] - feature.Column(0)), weights * (scale * pinhole[1] + camera[8] - feature.Column(1))];
    }

    /// <summary>The weight errors 1 − w², one per observation.</summary>
    public static Node WeightErrors(Node weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return 1 - weights.Square();
    }

    /// <summary>The nonzero entries of the Jacobian as 31 vectors over the observations, for variables as in
    /// <see cref="ReprojectionErrors"/>: for the x error then the y error, its derivatives with respect to the 11
    /// camera parameters, the 3 point coordinates and the weight of each observation; then the weight error's
    /// derivative. Each error depends only on its own observation's parameters, so one reverse pass seeded with ones
    /// gives every observation's row at once.</summary>
    public static Node[] JacobianEntries(IReadOnlyList<Node> camera, IReadOnlyList<Node> point, Node weights, Tensor features)
    {
        var errors = ReprojectionErrors(camera, point, weights, features);
        var ones = Node.Constant(Tensor.FromColumnMajor(weights.Shape, [.. Enumerable.Repeat(1.0, weights.Shape[0])]));
        Node[] wrt = [.. camera, .. point, weights];
        return [.. Reverse.Vjp([errors[0]], [ones], wrt), .. Reverse.Vjp([errors[1]], [ones], wrt),
            .. Reverse.Vjp([WeightErrors(weights)], [ones], [weights])];
    }

    /// <summary>The sparse Jacobian (3P × (11N + 3M + P)) in compressed rows, from the 31 <paramref name="entries"/>
    /// of <see cref="JacobianEntries"/> for observation i of camera <paramref name="cameraOf"/>[i] and point
    /// <paramref name="pointOf"/>[i]: rows 2i and 2i + 1 (reprojection) hold the 11 camera, 3 point and 1 weight
    /// derivatives in that order, row 2P + i (weight error) the weight's; the columns are the N cameras' parameters,
    /// the M points' coordinates, then the P weights.</summary>
    public static (int[] RowStarts, int[] Columns, double[] Values) SparseJacobian(int n, int m, int[] cameraOf, int[] pointOf, IReadOnlyList<Tensor> entries)
    {
        ArgumentNullException.ThrowIfNull(cameraOf);
        ArgumentNullException.ThrowIfNull(pointOf);
        ArgumentNullException.ThrowIfNull(entries);
        int p = cameraOf.Length;
        if (pointOf.Length != p || entries.Count != 2 * PerRow + 1 || entries.Any(e => e?.Shape != Shape.Vector(p)))
            throw new ArgumentException($"Ba: {p} camera and {pointOf.Length} point indices with {entries.Count} entry vectors; one index each per observation and the 31 vectors of JacobianEntries are needed");
        int pointStart = CameraParameters * n, weightStart = pointStart + 3 * m;
        var rowStarts = new int[3 * p + 1];
        var columns = new int[2 * PerRow * p + p];
        var values = new double[columns.Length];
        const int reprojection = 2 * PerRow;   // entries in the two rows of one observation
        for (int i = 0; i < p; i++)
        {
            int at = reprojection * i;
            for (int k = 0; k < 2; k++, at += PerRow)
            {
                for (int j = 0; j < CameraParameters; j++) columns[at + j] = CameraParameters * cameraOf[i] + j;
                for (int j = 0; j < 3; j++) columns[at + CameraParameters + j] = pointStart + 3 * pointOf[i] + j;
                columns[at + PerRow - 1] = weightStart + i;
                rowStarts[2 * i + k + 1] = at + PerRow;
            }
            columns[reprojection * p + i] = weightStart + i;
            rowStarts[2 * p + i + 1] = reprojection * p + i + 1;
        }
        // Entry vector e (row k = e / 15, position e % 15 in it) fills one slot of every observation's rows, a tile
        // of observations at a time so that the tile's rows stay in cache.
        const int tile = 256;
        for (int start = 0; start < p; start += tile)
            for (int e = 0; e < reprojection; e++)
            {
                var entry = entries[e].Values;
                for (int i = start, at = reprojection * start + e, end = Math.Min(p, start + tile); i < end; i++, at += reprojection) values[at] = entry[i];
            }
        entries[reprojection].Values.CopyTo(values.AsSpan(reprojection * p));
        return (rowStarts, columns, values);
    }

    const int PerRow = CameraParameters + 3 + 1;

    /// <summary>R(r)v for vectors r and v given by their components, each a vector over the observations.</summary>
    static Node[] Rotate(Node[] r, Node[] v)
    {
        var thetaSquared = r[0].Square() + r[1].Square() + r[2].Square();
        var rotating = thetaSquared.GreaterThan(0);
        // The rotating branch reads θ² = 1 where θ = 0, so neither branch's derivative meets 1/θ there.
        var theta = PiecewiseMath.Where(rotating, thetaSquared, 1).Sqrt();
        var (cos, sin) = (theta.Cos(), theta.Sin());
        Node[] w = [r[0] / theta, r[1] / theta, r[2] / theta];
        var wCrossV = Cross(w, v);
        var along = (w[0] * v[0] + w[1] * v[1] + w[2] * v[2]) * (1 - cos);
        var rCrossV = Cross(r, v);
        return [.. Enumerable.Range(0, 3).Select(i =>
            PiecewiseMath.Where(rotating, v[i] * cos + wCrossV[i] * sin + w[i] * along, v[i] + rCrossV[i]))];
    }

    static Node[] Cross(Node[] a, Node[] b) =>
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

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
    public static Node[] ReprojectionErrors(IReadOnlyList<Node> camera, IReadOnlyList<Node> point, Node weights, Node features)
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
        return [weights * (scale * pinhole[0] + camera[7] - features.Column(0)), weights * (scale * pinhole[1] + camera[8] - features.Column(1))];
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
    public static Node[] JacobianEntries(IReadOnlyList<Node> camera, IReadOnlyList<Node> point, Node weights, Node features)
    {
        var errors = ReprojectionErrors(camera, point, weights, features);
        var ones = Node.Constant(Tensor.FromColumnMajor(weights.Shape, [.. Enumerable.Repeat(1.0, weights.Shape[0])]));
        Node[] wrt = [.. camera, .. point, weights];
        return [.. Reverse.Vjp([errors[0]], [ones], wrt), .. Reverse.Vjp([errors[1]], [ones], wrt),
            .. Reverse.Vjp([WeightErrors(weights)], [ones], [weights])];
    }

    /// <summary>Entries in one reprojection row of the Jacobian: 11 camera parameters, 3 point coordinates, 1 weight.</summary>
    public const int PerRow = CameraParameters + 3 + 1;

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

/// <summary>The sparse Jacobian of ba (3P × (11N + 3M + P)) in compressed rows, for N cameras, M points and observation
/// i of camera <c>cameraOf[i]</c> and point <c>pointOf[i]</c>: rows 2i and 2i + 1 (reprojection) hold the 11 camera,
/// 3 point and 1 weight derivatives in that order, row 2P + i (weight error) the weight's; the columns are the N
/// cameras' parameters, the M points' coordinates, then the P weights.</summary>
/// <remarks><see cref="Ba.JacobianEntries"/> is compiled once for a block of observations (and once for the shorter
/// last block) and run block after block, so that a block's intermediate vectors stay in cache however many
/// observations there are. An instance keeps the plans' workspaces, the blocks' input buffers and the values it
/// returns: use one per thread, and read a result before the next call.</remarks>
public sealed class BaJacobian
{
    readonly int n, m, blockSize;
    readonly int[] cameraOf, pointOf;
    readonly Tensor features;
    readonly Block full, last;
    // The sparsity structure depends on the observations' indices alone: built once, shared by every evaluation.
    readonly int[] rowStarts, columns;
    // The entries, overwritten by each evaluation: a fresh array of 31 doubles per observation (megabytes) would cost
    // page faults and whole-heap collections at every call, more than the arithmetic at a few thousand observations.
    readonly double[] values;

    // The entries compiled for blocks of one length, with the plan's workspace. Inputs: the block's camera parameters
    // (11 vectors), point coordinates (3), weights and features (size×2), bound once as tensors over these buffers.
    // The buffers are private to this instance and refilled before each run of the plan, which reads them only during
    // that run: the bindings are built once instead of 16 arrays per block and call.
    sealed record Block(double[][] Inputs, Bindings At, Plan Plan, Workspace Space);

    /// <summary>Compiles the entries for blocks of <paramref name="blockSize"/> observations, the features
    /// <paramref name="features"/> (P×2) being observation i's in row i.</summary>
    public BaJacobian(int n, int m, int[] cameraOf, int[] pointOf, Tensor features, int blockSize = 2048)
    {
        ArgumentNullException.ThrowIfNull(cameraOf);
        ArgumentNullException.ThrowIfNull(pointOf);
        ArgumentNullException.ThrowIfNull(features);
        int p = cameraOf.Length;
        if (n < 1 || m < 1 || p < 1 || blockSize < 1 || pointOf.Length != p || features.Shape != Shape.Matrix(p, 2)
            || cameraOf.Any(c => (uint)c >= (uint)n) || pointOf.Any(x => (uint)x >= (uint)m))
            throw new ArgumentException($"BaJacobian: {n} cameras, {m} points, {p} camera and {pointOf.Length} point indices, features {features.Shape}, blocks of {blockSize}; at least one of each, indices in range and P×2 features are needed");
        (this.n, this.m, this.cameraOf, this.pointOf, this.features) = (n, m, cameraOf, pointOf, features);
        this.blockSize = Math.Min(p, blockSize);
        full = Compile(this.blockSize);
        last = p % this.blockSize == 0 ? full : Compile(p % this.blockSize);
        (rowStarts, columns) = Structure();
        values = new double[2 * Ba.PerRow * p + p];
    }

    /// <summary>The compressed rows' starts and column indices: each observation's two rows hold its camera's 11, its
    /// point's 3 and its weight's column; the weight rows one entry each.</summary>
    (int[] RowStarts, int[] Columns) Structure()
    {
        int p = cameraOf.Length;
        const int reprojection = 2 * Ba.PerRow;
        int pointStart = Ba.CameraParameters * n, weightStart = pointStart + 3 * m;
        var rowStarts = new int[3 * p + 1];
        var columns = new int[reprojection * p + p];
        for (int i = 0; i < p; i++)
        {
            int at = reprojection * i;
            for (int k = 0; k < 2; k++, at += Ba.PerRow)
            {
                for (int j = 0; j < Ba.CameraParameters; j++) columns[at + j] = Ba.CameraParameters * cameraOf[i] + j;
                for (int j = 0; j < 3; j++) columns[at + Ba.CameraParameters + j] = pointStart + 3 * pointOf[i] + j;
                columns[at + Ba.PerRow - 1] = weightStart + i;
                rowStarts[2 * i + k + 1] = at + Ba.PerRow;
            }
            columns[reprojection * p + i] = weightStart + i;
            rowStarts[2 * p + i + 1] = reprojection * p + i + 1;
        }
        return (rowStarts, columns);
    }

    static Block Compile(int size)
    {
        var inputs = new List<double[]>();
        var at = Bindings.Empty;
        // A variable bound to a buffer of its own: a vector, or (for the features) a matrix of `columns` columns.
        Node Bound(string name, int columns = 1)
        {
            var shape = columns == 1 ? Shape.Vector(size) : Shape.Matrix(size, columns);
            var variable = Node.Variable(name, shape);
            inputs.Add(new double[shape.Size]);
            at = at.Bind(variable, Tensor.FromColumnMajor(shape, inputs[^1]));
            return variable;
        }
        Node[] camera = [.. Enumerable.Range(0, Ba.CameraParameters).Select(j => Bound($"camera parameter {j}"))];
        Node[] point = [.. Enumerable.Range(0, 3).Select(j => Bound($"point coordinate {j}"))];
        var weights = Bound("weights");
        var features = Bound("features", 2);
        var plan = Plan.Compile(Ba.JacobianEntries(camera, point, weights, features));
        // Outputs kept in the workspace: each block's entries are copied out before the next block runs.
        return new([.. inputs], at, plan, plan.NewWorkspace(keepOutputs: true));
    }

    /// <summary>The Jacobian at cameras (N×11), points (M×3) and weights (P), in compressed rows. The row starts and
    /// column indices are the same arrays at every call (the structure does not change), and so is the values array,
    /// overwritten by the next call: read them, do not write.</summary>
    public (int[] RowStarts, int[] Columns, double[] Values) Evaluate(Tensor cameras, Tensor points, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(weights);
        int p = cameraOf.Length;
        if (cameras.Shape != Shape.Matrix(n, Ba.CameraParameters) || points.Shape != Shape.Matrix(m, 3) || weights.Shape != Shape.Vector(p))
            throw new ShapeException($"BaJacobian: cameras {cameras.Shape}, points {points.Shape} and weights {weights.Shape} are not {n}×11, {m}×3 and {p}");
        const int reprojection = 2 * Ba.PerRow;   // entries in the two rows of one observation
        ReadOnlySpan<double> c = cameras.Values, x = points.Values, w = weights.Values, f = features.Values;
        for (int start = 0; start < p; start += blockSize)
        {
            int size = Math.Min(blockSize, p - start);
            var block = size == blockSize ? full : last;
            // The block's own copy of each observation's camera and point (column-major, as the matrices): the entries
            // are derivatives with respect to it.
            var inputs = block.Inputs;
            ReadOnlySpan<int> cameraIndex = cameraOf.AsSpan(start, size), pointIndex = pointOf.AsSpan(start, size);
            for (int j = 0; j < Ba.CameraParameters; j++)
            {
                Span<double> to = inputs[j];
                var from = c.Slice(j * n, n);
                for (int i = 0; i < size; i++) to[i] = from[cameraIndex[i]];
            }
            for (int j = 0; j < 3; j++)
            {
                Span<double> to = inputs[Ba.CameraParameters + j];
                var from = x.Slice(j * m, m);
                for (int i = 0; i < size; i++) to[i] = from[pointIndex[i]];
            }
            w.Slice(start, size).CopyTo(inputs[Ba.CameraParameters + 3]);
            for (int j = 0; j < 2; j++) f.Slice(start + j * p, size).CopyTo(inputs[Ba.CameraParameters + 4].AsSpan(j * size));
            var entries = block.Plan.Run(block.At, block.Space);
            for (int e = 0; e < reprojection; e++)
            {
                var entry = entries[e].Values;
                for (int i = 0, to = reprojection * start + e; i < size; i++, to += reprojection) values[to] = entry[i];
            }
            entries[reprojection].Values.CopyTo(values.AsSpan(reprojection * p + start));
        }
        return (rowStarts, columns, values);
    }
}

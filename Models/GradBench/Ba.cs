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
/// observations there are. An instance keeps the plans' workspaces: use one per thread.</remarks>
public sealed class BaJacobian
{
    readonly int n, m, blockSize;
    readonly int[] cameraOf, pointOf;
    readonly Tensor features;
    readonly Block full, last;
    // The sparsity structure depends on the observations' indices alone: built once, shared by every evaluation.
    readonly int[] rowStarts, columns;

    // The entries compiled for blocks of one length, over variables of that length, with the plan's workspace.
    sealed record Block(Node[] Camera, Node[] Point, Node Weights, Node Features, Plan Plan, Workspace Space);

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
        Node Vector(string name) => Node.Variable(name, Shape.Vector(size));
        Node[] camera = [.. Enumerable.Range(0, Ba.CameraParameters).Select(j => Vector($"camera parameter {j}"))];
        Node[] point = [.. Enumerable.Range(0, 3).Select(j => Vector($"point coordinate {j}"))];
        var (weights, features) = (Vector("weights"), Node.Variable("features", Shape.Matrix(size, 2)));
        var plan = Plan.Compile(Ba.JacobianEntries(camera, point, weights, features));
        // Outputs kept in the workspace: each block's entries are copied out before the next block runs.
        return new(camera, point, weights, features, plan, plan.NewWorkspace(keepOutputs: true));
    }

    /// <summary>The Jacobian at cameras (N×11), points (M×3) and weights (P), in compressed rows. The row starts and
    /// column indices are the same arrays at every call (the structure does not change): read them, do not write.</summary>
    public (int[] RowStarts, int[] Columns, double[] Values) Evaluate(Tensor cameras, Tensor points, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(weights);
        int p = cameraOf.Length;
        if (cameras.Shape != Shape.Matrix(n, Ba.CameraParameters) || points.Shape != Shape.Matrix(m, 3) || weights.Shape != Shape.Vector(p))
            throw new ShapeException($"BaJacobian: cameras {cameras.Shape}, points {points.Shape} and weights {weights.Shape} are not {n}×11, {m}×3 and {p}");
        const int reprojection = 2 * Ba.PerRow;   // entries in the two rows of one observation
        var values = new double[reprojection * p + p];
        for (int start = 0; start < p; start += blockSize)
        {
            int size = Math.Min(blockSize, p - start);
            var block = size == blockSize ? full : last;
            // The block's own copy of each observation's camera and point: the entries are derivatives with respect to it.
            var at = Bindings.Empty.Bind(block.Weights, Tensor.FromColumnMajor(Shape.Vector(size), weights.Values.Slice(start, size).ToArray()))
                .Bind(block.Features, Rows(features, null, 2));
            for (int j = 0; j < Ba.CameraParameters; j++) at = at.Bind(block.Camera[j], Rows(cameras, cameraOf, 1, j));
            for (int j = 0; j < 3; j++) at = at.Bind(block.Point[j], Rows(points, pointOf, 1, j));
            var entries = block.Plan.Run(at, block.Space);
            for (int e = 0; e < reprojection; e++)
            {
                var entry = entries[e].Values;
                for (int i = 0, to = reprojection * start + e; i < size; i++, to += reprojection) values[to] = entry[i];
            }
            entries[reprojection].Values.CopyTo(values.AsSpan(reprojection * p + start));

            // The block's rows (those the observations index, or its own) of the columns first … first + count − 1 of
            // a matrix (a vector when count is 1).
            Tensor Rows(Tensor matrix, int[]? indexOf, int count, int first = 0)
            {
                var copy = new double[size * count];
                for (int j = 0; j < count; j++)
                    for (int i = 0; i < size; i++) copy[i + j * size] = matrix[indexOf is null ? start + i : indexOf[start + i], first + j];
                return Tensor.FromColumnMajor(count == 1 ? Shape.Vector(size) : Shape.Matrix(size, count), copy);
            }
        }
        return (rowStarts, columns, values);
    }
}

namespace AutoDiff.Functional.Models.GradBench;

/// <summary>A hand model: B bones with parents listed before children (−1 for the root), the base relative transforms
/// and inverse base absolute transforms (4×4, [bone][row][column]), V vertices in homogeneous coordinates
/// ([vertex][4]) with their skinning weights ([vertex][bone]), the mesh triangles ([triangle][3]) and whether the
/// hand is mirrored in x.</summary>
public sealed record HtModel(int[] Parents, double[][][] BaseRelatives, double[][][] InverseBaseAbsolutes,
    double[][] BasePositions, double[][] Weights, int[][] Triangles, bool IsMirrored);

/// <summary>Observed points ([point][3]) and the vertex (simple variant) or triangle (complicated variant) each
/// corresponds to.</summary>
public sealed record HtData(HtModel Model, int[] Correspondences, double[][] Points);

/// <summary>GradBench's ht (hand tracking): the residuals eᵢ = pᵢ − hᵢ between observed points and the posed hand.
/// θ (26) holds the global angle-axis rotation, the global translation t and 20 finger angles. Each bone's relative
/// transform is its base transform times the Euler rotation Rz·Ry·Rx of its pose angles; absolutes follow the bone
/// chain; vertex v goes to Σ_b w_bv·(Abs_b·InvBase_b)·x_v, optionally mirrored in x, then to R(θ₀..₂)·(·) + t.
/// The simple variant takes hᵢ at vertex cᵢ; the complicated one at uᵢ₀·v₀ + uᵢ₁·v₁ + (1 − uᵢ₀ − uᵢ₁)·v₂ on triangle
/// cᵢ, with the barycentric u (N×2) differentiated too.
/// Skinning is linear in the bones' transforms, so it is one matrix product for every vertex at once: with K = R·[T₀
/// … T_{B−1}] (3×4B, T_b the top rows of Abs_b·InvBase_b) and the constant M (4B×V), M₍₄b₊ₖ₎ᵥ = w_bv·x_vk, the posed
/// vertices are K·M + t. The Jacobian pushes the 26 tangents of (K, t), stacked into one (78×4B) matrix, through
/// that product together.</summary>
public static class Ht
{
    /// <summary>The number of pose parameters θ: 3 rotation, 3 translation, 4 for each of 5 fingers.</summary>
    public const int Parameters = 26;

    const int Fingers = 5, MinBones = 2 + 4 * Fingers, SmallAngle = 1;
    const double SmallAngleBound = 1e-4; // below it the eval takes the global rotation to be the identity

    /// <summary>The simple variant's residuals (3N): e at 3i + j is coordinate j of point i.</summary>
    public static Node Residuals(Node theta, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(data);
        var (k, t) = Pose(theta, data.Model);
        return Flat(Observed(data) - Posed(k, t, null, data));
    }

    /// <summary>The complicated variant's residuals (3N), with the barycentric coordinates u (N×2).</summary>
    public static Node Residuals(Node theta, Node us, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(data);
        var (k, t) = Pose(theta, data.Model);
        return Flat(Observed(data) - Posed(k, t, us, data));
    }

    /// <summary>The simple variant's Jacobian ∂e/∂θ (3N×26).</summary>
    public static Node Jacobian(Node theta, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(data);
        return PoseJacobian(theta, null, data);
    }

    /// <summary>The complicated variant's Jacobian (3N×28), as the eval lays it out: ∂eᵢ/∂uᵢ₀ and ∂eᵢ/∂uᵢ₁ (each
    /// residual depends on its own point's u alone, so one column each holds them all), then ∂e/∂θ.</summary>
    public static Node Jacobian(Node theta, Node us, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(data);
        var residuals = Residuals(theta, us, data);
        // Seeding every u₀ (then every u₁) at once gives the compressed column: the points do not share a u.
        var byU = Enumerable.Range(0, 2).Select(c =>
        {
            var seed = Tensor.FromColumnMajor(us.Shape, [.. Enumerable.Range(0, us.Shape.Size).Select(p => p / us.Shape[0] == c ? 1.0 : 0)]);
            return ForwardMode.Jvp([residuals], [(us, Node.Constant(seed))])[0].Reshape(Shape.Matrix(residuals.Shape[0], 1));
        });
        return Indexing.Concat(1, [.. byU, PoseJacobian(theta, us, data)]);
    }

    /// <summary>K = R·[T₀ … T_{B−1}] (3×4B) and t (3) from θ: the nonlinear part of the hand, independent of the
    /// vertices.</summary>
    public static (Node Transforms, Node Translation) Pose(Node theta, HtModel model)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(model);
        int bones = model.Parents.Length;
        if (theta.Shape != Shape.Vector(Parameters))
            throw new ShapeException($"Ht: θ is {theta.Shape}, not ({Parameters})");
        if (bones < MinBones)
            throw new ArgumentException($"Ht: the model has {bones} bones; the pose needs at least {MinBones}", nameof(model));
        var pose = PoseParameters(theta, bones); // (3 × B+3): column b + 3 holds bone b's Euler angles
        var (cos, sin) = (pose.Cos(), pose.Sin());
        var absolutes = new Node[bones];
        var transforms = new Node[bones];
        for (int b = 0; b < bones; b++)
        {
            var relative = Relative(model.BaseRelatives[b], EulerRotation(cos, sin, b + 3));
            int parent = model.Parents[b];
            if (parent >= b) throw new ArgumentException($"Ht: bone {b} has parent {parent}, not an earlier bone", nameof(model));
            absolutes[b] = parent < 0 ? relative : absolutes[parent].MatMul(relative);
            transforms[b] = absolutes[b].Rows(0, 3).MatMul(Constant(model.InverseBaseAbsolutes[b]));
        }
        var skinning = Indexing.Concat(1, transforms); // (3 × 4B)
        if (model.IsMirrored) skinning = Node.Constant(Tensor.Matrix(new double[,] { { -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } })).MatMul(skinning);
        return (AngleAxisRotation(theta.Slice(0, 3)).MatMul(skinning), theta.Slice(3, 3));
    }

    /// <summary>The hand points h (3m×N) for m stacked pairs (K, t): K (3m×4B), t (3m). Linear in (K, t), so a stack
    /// of their tangents gives the tangents of h.</summary>
    static Node Posed(Node transforms, Node translation, Node? us, HtData data)
    {
        var model = data.Model;
        var vertices = transforms.MatMul(Node.Constant(Skinning(model))); // (3m × V)
        int n = data.Correspondences.Length, rows = transforms.Shape[0];
        if (data.Points.Length != n)
            throw new ArgumentException($"Ht: {data.Points.Length} points but {n} correspondences", nameof(data));
        var shift = translation.BroadcastColumns(n);
        if (us is null) return vertices.GatherColumns(Checked(data.Correspondences, model.BasePositions.Length, "vertex")) + shift;
        if (us.Shape != Shape.Matrix(n, 2))
            throw new ShapeException($"Ht: u is {us.Shape}, not ({n}×2) for {n} points");
        var triangles = Checked(data.Correspondences, model.Triangles.Length, "triangle");
        var corner = new Node[3];
        for (int a = 0; a < 3; a++)
            corner[a] = vertices.GatherColumns(Checked([.. triangles.Select(c => model.Triangles[c][a])], model.BasePositions.Length, "vertex"));
        Node U(int c) => us.Column(c).BroadcastRows(rows);
        return corner[2] + U(0) * (corner[0] - corner[2]) + U(1) * (corner[1] - corner[2]) + shift;
    }

    // ∂e/∂θ (3N×26): the 26 basis tangents pushed through the pose, stacked, then through the linear skinning at once.
    static Node PoseJacobian(Node theta, Node? us, HtData data)
    {
        var (k, t) = Pose(theta, data.Model);
        var kTangents = new Node[Parameters];
        var tTangents = new Node[Parameters];
        for (int p = 0; p < Parameters; p++)
        {
            var tangent = ForwardMode.Jvp([k, t], [(theta, Node.Constant(AD.Basis(theta.Shape, p)))]);
            (kTangents[p], tTangents[p]) = (tangent[0], tangent[1]);
        }
        // The points are constant and (K, t) ↦ h linear: the tangent of e is −h(K̇, ṫ), row 3p + j for parameter p.
        var stacked = -Posed(Indexing.Concat(0, kTangents), Indexing.Concat(0, tTangents), us, data); // (78 × N)
        int n = data.Correspondences.Length, rows = 3 * n;
        var layout = new int[rows * Parameters]; // entry (3i + j, p) of the Jacobian is entry (3p + j, i) of the stack
        for (int p = 0; p < Parameters; p++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < 3; j++) layout[3 * i + j + rows * p] = 3 * p + j + 3 * Parameters * i;
        return stacked.Gather(layout).Reshape(Shape.Matrix(rows, Parameters));
    }

    // The eval's pose layout: columns 0 (global rotation), 1 (scale, ones), 2 (translation), then bone b at b + 3;
    // finger f's four parameters go to its first bone (x and z angles), and its next two (x angle each).
    static Node PoseParameters(Node theta, int bones)
    {
        int columns = bones + 3, zero = Parameters, one = Parameters + 1;
        var map = Enumerable.Repeat(zero, 3 * columns).ToArray();
        for (int j = 0; j < 3; j++) (map[j], map[3 + j], map[6 + j]) = (j, one, 3 + j);
        for (int f = 0, p = 6; f < Fingers; f++)
        {
            int first = 5 + 4 * f;
            map[3 * first] = p++;
            map[3 * first + 1] = p++;
            map[3 * (first + 1)] = p++;
            map[3 * (first + 2)] = p++;
        }
        return Indexing.Concat(0, theta, Node.Constant(Tensor.Vector(0, 1))).Gather(map).Reshape(Shape.Matrix(3, columns));
    }

    // Rz(ψ)·Ry(φ)·Rx(χ) for the angles (χ, ψ, φ) in rows 0, 1, 2 of pose column c.
    static Node EulerRotation(Node cos, Node sin, int c)
    {
        var table = Indexing.Concat(0, cos.Column(c), sin.Column(c), -sin.Column(c), Node.Constant(Tensor.Vector(0, 1)));
        const int Cos = 0, Sin = 3, MinusSin = 6, Zero = 9, One = 10;
        Node Rotation(int axis, int[] columnMajor) => table.Gather([.. columnMajor.Select(e => e >= Zero ? e : e + axis)]).Reshape(Shape.Matrix(3, 3));
        var rx = Rotation(0, [One, Zero, Zero, Zero, Cos, Sin, Zero, MinusSin, Cos]);
        var ry = Rotation(2, [Cos, Zero, MinusSin, Zero, One, Zero, Sin, Zero, Cos]);
        var rz = Rotation(1, [Cos, Sin, Zero, MinusSin, Cos, Zero, Zero, Zero, One]);
        return rz.MatMul(ry).MatMul(rx);
    }

    // Base·[[R, 0], [0, 1]]: the base's first three columns times R, its last column unchanged.
    static Node Relative(double[][] baseRelative, Node rotation)
    {
        var b = Constant(baseRelative);
        return Indexing.Concat(1, b.Columns(0, 3).MatMul(rotation), b.Columns(3, 1));
    }

    // Rodrigues: cos θ·I + (1 − cos θ)·n nᵀ + sin θ·[n]×, n = a/θ; the identity when θ is below the bound.
    static Node AngleAxisRotation(Node a)
    {
        var squared = a.SquaredNorm();
        var small = squared.Sqrt().LessThan(SmallAngleBound); // a mask: no derivative flows through it
        // √ and 1/θ stay finite on the branch not taken (an infinite derivative there would turn its zero into NaN).
        var safeAngle = PiecewiseMath.Where(small, SmallAngle, squared).Sqrt();
        var n = a / safeAngle;
        var cross = Indexing.Concat(0, n, -n, Node.Constant(Tensor.Vector(0.0))).Gather([6, 2, 4, 5, 6, 0, 1, 3, 6]).Reshape(Shape.Matrix(3, 3));
        var (cos, sin) = (safeAngle.Cos(), safeAngle.Sin());
        var identity = Tensor.Matrix(new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
        var rotation = cos * Node.Constant(identity) + (1 - cos) * n.Outer(n) + sin * cross;
        return PiecewiseMath.Where(small.Fill(Shape.Matrix(3, 3)), Node.Constant(identity), rotation);
    }

    // M (4B×V): row 4b + k, column v is w_bv·x_vk.
    static Tensor Skinning(HtModel model)
    {
        int bones = model.Parents.Length, vertices = model.BasePositions.Length;
        if (model.Weights.Length != vertices)
            throw new ArgumentException($"Ht: {vertices} vertices but {model.Weights.Length} rows of weights", nameof(model));
        var m = new double[4 * bones * vertices];
        for (int v = 0; v < vertices; v++)
        {
            var (x, w) = (model.BasePositions[v], model.Weights[v]);
            if (x.Length != 4 || w.Length != bones)
                throw new ArgumentException($"Ht: vertex {v} has {x.Length} coordinates and {w.Length} weights, not 4 and {bones}", nameof(model));
            for (int b = 0; b < bones; b++)
                for (int k = 0; k < 4; k++) m[4 * b + k + 4 * bones * v] = w[b] * x[k];
        }
        return Tensor.FromColumnMajor(Shape.Matrix(4 * bones, vertices), m);
    }

    static int[] Checked(int[] indices, int count, string what)
    {
        foreach (var i in indices)
            if (i < 0 || i >= count) throw new ArgumentException($"Ht: {what} {i} is out of range (the model has {count})");
        return indices;
    }

    static Node Constant(double[][] rows)
    {
        int m = rows.Length, n = m == 0 ? 0 : rows[0].Length;
        var values = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            if (rows[i].Length != n) throw new ArgumentException($"Ht: row {i} has {rows[i].Length} entries, not {n}");
            for (int j = 0; j < n; j++) values[i + j * m] = rows[i][j];
        }
        return Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(m, n), values));
    }

    // The points as the columns of a (3×N) matrix, like the hand points.
    static Node Observed(HtData data)
    {
        var values = new double[3 * data.Points.Length];
        for (int i = 0; i < data.Points.Length; i++)
        {
            if (data.Points[i].Length != 3) throw new ArgumentException($"Ht: point {i} has {data.Points[i].Length} coordinates, not 3", nameof(data));
            for (int j = 0; j < 3; j++) values[j + 3 * i] = data.Points[i][j];
        }
        return Node.Constant(Tensor.FromColumnMajor(Shape.Matrix(3, data.Points.Length), values));
    }

    static Node Flat(Node matrix) => matrix.Reshape(Shape.Vector(matrix.Shape.Size));
}

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
        return Derivatives(theta, null, data);
    }

    /// <summary>The complicated variant's Jacobian (3N×28), as the eval lays it out: ∂eᵢ/∂uᵢ₀ and ∂eᵢ/∂uᵢ₁ (each
    /// residual depends on its own point's u alone, so one column each holds them all), then ∂e/∂θ.</summary>
    public static Node Jacobian(Node theta, Node us, HtData data)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(data);
        return Derivatives(theta, us, data);
    }

    /// <summary>K = R·[T₀ … T_{B−1}] (3×4B) and t (3) from θ: the nonlinear part of the hand, independent of the
    /// vertices.</summary>
    public static (Node Transforms, Node Translation) Pose(Node theta, HtModel model)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(model);
        if (theta.Shape != Shape.Vector(Parameters))
            throw new ShapeException($"Ht: θ is {theta.Shape}, not ({Parameters})");
        return Pose([.. Enumerable.Range(0, Parameters).Select(p => theta.At(p))], model);
    }

    // The pose from θ's entries one by one, so a parameter's tangent reaches only the bones it moves.
    static (Node Transforms, Node Translation) Pose(Node[] theta, HtModel model)
    {
        int bones = model.Parents.Length;
        if (bones < MinBones)
            throw new ArgumentException($"Ht: the model has {bones} bones; the pose needs at least {MinBones}", nameof(model));
        // Bone b's Euler angles (x, z, y), null for zero: finger f drives bones 2 + 4f (x and z), 3 + 4f and 4 + 4f (x).
        var angles = new Node?[bones, 3];
        for (int f = 0, p = 6; f < Fingers; f++)
        {
            int first = 2 + 4 * f;
            (angles[first, 0], angles[first, 1], angles[first + 1, 0], angles[first + 2, 0]) = (theta[p], theta[p + 1], theta[p + 2], theta[p + 3]);
            p += 4;
        }
        var absolutes = new Node[bones];
        var transforms = new Node[bones];
        for (int b = 0; b < bones; b++)
        {
            var relative = Relative(model.BaseRelatives[b], EulerRotation(angles[b, 0], angles[b, 1], angles[b, 2]));
            int parent = model.Parents[b];
            if (parent >= b) throw new ArgumentException($"Ht: bone {b} has parent {parent}, not an earlier bone", nameof(model));
            absolutes[b] = parent < 0 ? relative : absolutes[parent].MatMul(relative);
            transforms[b] = absolutes[b].Rows(0, 3).MatMul(Constant(model.InverseBaseAbsolutes[b]));
        }
        var skinning = Indexing.Concat(1, transforms); // (3 × 4B)
        if (model.IsMirrored) skinning = Node.Constant(Tensor.Matrix(new double[,] { { -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } })).MatMul(skinning);
        return (AngleAxisRotation(Vector(theta[0..3])).MatMul(skinning), Vector(theta[3..6]));
    }

    // The residuals' Jacobian, columns (u₀, u₁) when there are u, then θ. The pose is built on scalar stand-ins for
    // θ's entries, so the tangent of entry p is one forward sweep over the bones p moves (the rest are symbolic
    // zeros); the 26 tangents of (K, t), stacked (78×4B), go through the linear skinning together. θ's entries then
    // replace the stand-ins.
    static Node Derivatives(Node theta, Node? us, HtData data)
    {
        if (theta.Shape != Shape.Vector(Parameters))
            throw new ShapeException($"Ht: θ is {theta.Shape}, not ({Parameters})");
        var entries = Enumerable.Range(0, Parameters).Select(p => Node.Variable($"θ{p}", Shape.Scalar)).ToArray();
        var (k, t) = Pose(entries, data.Model);
        var kTangents = new Node[Parameters];
        var tTangents = new Node[Parameters];
        for (int p = 0; p < Parameters; p++)
            (kTangents[p], tTangents[p]) = ForwardMode.Jvp([k, t], [(entries[p], Node.Constant(1.0))]) switch { var d => (d[0], d[1]) };
        int rows = 3 * data.Correspondences.Length;
        var jacobian = PoseColumns(Indexing.Concat(0, kTangents), Indexing.Concat(0, tTangents), us, data);
        if (us is not null)
        {
            var residuals = Flat(Observed(data) - Posed(k, t, us, data));
            // Seeding every u₀ (then every u₁) at once gives the compressed column: the points do not share a u.
            var byU = Enumerable.Range(0, 2).Select(c =>
            {
                var seed = Tensor.FromColumnMajor(us.Shape, [.. Enumerable.Range(0, us.Shape.Size).Select(e => e / us.Shape[0] == c ? 1.0 : 0)]);
                return ForwardMode.Jvp([residuals], [(us, Node.Constant(seed))])[0].Reshape(Shape.Matrix(rows, 1));
            });
            jacobian = Indexing.Concat(1, [.. byU, jacobian]);
        }
        return Graph.Substitute(jacobian, [.. entries.Select((e, p) => (e, theta.At(p)))]);
    }

    /// <summary>The hand points h (3m×N) for m stacked pairs (K, t): K (3m×4B), t (3m). Linear in (K, t), so a stack
    /// of their tangents gives the tangents of h.</summary>
    static Node Posed(Node transforms, Node translation, Node? us, HtData data)
    {
        var (corners, used) = Corners(us, data);
        var vertices = transforms.MatMul(Node.Constant(Skinning(data.Model, used))); // (3m × used)
        var at = corners.Select(c => vertices.GatherColumns(c)).ToArray();
        var shift = translation.BroadcastColumns(data.Correspondences.Length);
        if (us is null) return at[0] + shift;
        Node U(int c) => us.Column(c).BroadcastRows(transforms.Shape[0]);
        return at[2] + U(0) * (at[0] - at[2]) + U(1) * (at[1] - at[2]) + shift;
    }

    // ∂e/∂θ (3N×26) from the 26 tangents of (K, t), stacked (78×4B and 78): e is −h(K̇, ṫ) for the constant points
    // and h linear in (K, t). Row 3p + j, column v of K̇·M is entry (jV + v, p) of its transpose read as (3V×26), so
    // the rows each point needs are gathered straight into the Jacobian's layout.
    static Node PoseColumns(Node transforms, Node translations, Node? us, HtData data)
    {
        var (corners, used) = Corners(us, data);
        int n = data.Correspondences.Length, v = used.Length;
        var byVertex = transforms.MatMul(Node.Constant(Skinning(data.Model, used))).T().Reshape(Shape.Matrix(3 * v, Parameters));
        Node Rows(Func<int, int, int> row) => byVertex.GatherRows([.. Enumerable.Range(0, 3 * n).Select(r => row(r / 3, r % 3))]);
        var shift = translations.Reshape(Shape.Matrix(3, Parameters)).GatherRows([.. Enumerable.Range(0, 3 * n).Select(r => r % 3)]);
        if (us is null) return -(Rows((i, j) => j * v + corners[0][i]) + shift);
        var at = corners.Select(c => Rows((i, j) => j * v + c[i])).ToArray();
        Node U(int c) => us.Column(c).Gather([.. Enumerable.Range(0, 3 * n).Select(r => r / 3)]).BroadcastColumns(Parameters);
        return -(at[2] + U(0) * (at[0] - at[2]) + U(1) * (at[1] - at[2]) + shift);
    }

    // The columns of the posed vertices each point reads (its own vertex, or its triangle's three corners), and the
    // vertices read: only those are posed, fewer than the mesh when the points are few.
    static (int[][] Corners, int[] Used) Corners(Node? us, HtData data)
    {
        var model = data.Model;
        int n = data.Correspondences.Length, vertexCount = model.BasePositions.Length;
        if (data.Points.Length != n)
            throw new ArgumentException($"Ht: {data.Points.Length} points but {n} correspondences", nameof(data));
        if (us is not null && us.Shape != Shape.Matrix(n, 2))
            throw new ShapeException($"Ht: u is {us.Shape}, not ({n}×2) for {n} points");
        var corners = us is null
            ? [Checked(data.Correspondences, vertexCount, "vertex")]
            : Enumerable.Range(0, 3).Select(a => Checked(
                [.. Checked(data.Correspondences, model.Triangles.Length, "triangle").Select(c => model.Triangles[c].Length == 3
                    ? model.Triangles[c][a] : throw new ArgumentException($"Ht: triangle {c} has {model.Triangles[c].Length} corners, not 3", nameof(data)))],
                vertexCount, "vertex")).ToArray();
        var used = corners.SelectMany(c => c).Distinct().Order().ToArray();
        var column = new Dictionary<int, int>(used.Select((v, i) => KeyValuePair.Create(v, i)));
        return ([.. corners.Select(c => c.Select(v => column[v]).ToArray())], used);
    }

    // Rz(z)·Ry(y)·Rx(x); a null angle is zero, its factor the identity (null when all are).
    static Node? EulerRotation(Node? x, Node? z, Node? y)
    {
        Node? rotation = null;
        foreach (var (angle, axis) in new[] { (z, 2), (y, 1), (x, 0) })
        {
            if (angle is null) continue;
            var about = AxisRotation(angle, axis);
            rotation = rotation is null ? about : rotation.MatMul(about);
        }
        return rotation;
    }

    // The rotation by an angle about axis 0 (x), 1 (y) or 2 (z), from the table (cos, sin, −sin, 0, 1).
    static Node AxisRotation(Node angle, int axis)
    {
        var (cos, sin) = (angle.Cos(), angle.Sin());
        var table = Vector([cos, sin, -sin, Node.Constant(0.0), Node.Constant(1.0)]);
        const int C = 0, S = 1, MinusS = 2, O = 3, I = 4;
        int[] columnMajor = axis switch
        {
            0 => [I, O, O, O, C, S, O, MinusS, C],
            1 => [C, O, MinusS, O, I, O, S, O, C],
            _ => [C, S, O, MinusS, C, O, O, O, I],
        };
        return table.Gather(columnMajor).Reshape(Shape.Matrix(3, 3));
    }

    // Base·[[R, 0], [0, 1]]: the base's first three columns times R, its last column unchanged.
    static Node Relative(double[][] baseRelative, Node? rotation)
    {
        if (rotation is null) return Constant(baseRelative);
        if (baseRelative.Length != 4 || baseRelative.Any(row => row.Length != 4))
            throw new ArgumentException("Ht: a base relative transform is not 4×4", nameof(baseRelative));
        var columns = baseRelative.Select(row => row[..3]).ToArray();
        return Indexing.Concat(1, Constant(columns).MatMul(rotation), Constant([.. baseRelative.Select(row => row[3..])]));
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

    // The columns of M (4B×V) for the vertices listed: row 4b + k, column v is w_bv·x_vk.
    static Tensor Skinning(HtModel model, int[] vertices)
    {
        int bones = model.Parents.Length;
        if (model.Weights.Length != model.BasePositions.Length)
            throw new ArgumentException($"Ht: {model.BasePositions.Length} vertices but {model.Weights.Length} rows of weights", nameof(model));
        var m = new double[4 * bones * vertices.Length];
        for (int c = 0; c < vertices.Length; c++)
        {
            int v = vertices[c];
            var (x, w) = (model.BasePositions[v], model.Weights[v]);
            if (x.Length != 4 || w.Length != bones)
                throw new ArgumentException($"Ht: vertex {v} has {x.Length} coordinates and {w.Length} weights, not 4 and {bones}", nameof(model));
            for (int b = 0; b < bones; b++)
                for (int k = 0; k < 4; k++) m[4 * b + k + 4 * bones * c] = w[b] * x[k];
        }
        return Tensor.FromColumnMajor(Shape.Matrix(4 * bones, vertices.Length), m);
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

    static Node Vector(Node[] scalars) => Indexing.Concat(0, [.. scalars.Select(x => x.Reshape(Shape.Vector(1)))]);

    static Node Flat(Node matrix) => matrix.Reshape(Shape.Vector(matrix.Shape.Size));
}

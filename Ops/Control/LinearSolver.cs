using MathNet.Numerics.LinearAlgebra.Double;

namespace AutoDiff.Functional
{
    /// <summary>How implicit differentiation solves its linear systems M·z = r, M = ∂F/∂y (or Mᵀ): densely, from the
    /// n products M·eⱼ (exact, n = size of y products, for small systems), or without forming M, by Krylov iterations
    /// over the products M·v that the residual's compiled JVP/VJP gives.</summary>
    public abstract record LinearSolver
    {
        private protected LinearSolver() { }

        /// <summary>M formed column by column (n products), then LU: for small systems.</summary>
        public static LinearSolver Dense { get; } = new Ops.DenseSolve();
        /// <summary>Conjugate gradients: for symmetric positive definite M (F the gradient of a convex objective).</summary>
        public static LinearSolver ConjugateGradient { get; } = new Ops.CgSolve();
        /// <summary>GMRES without restarts (at most n iterations): for any non-singular M.</summary>
        public static LinearSolver Gmres { get; } = new Ops.GmresSolve();

        /// <summary>z with M·z = r to about 1e-14 relative, given v ↦ M·v.</summary>
        internal abstract double[] Solve(Func<double[], double[]> times, double[] r, Op who);
    }
}

namespace AutoDiff.Functional.Ops
{
    internal sealed record DenseSolve : LinearSolver
    {
        public override string ToString() => "dense";

        internal override double[] Solve(Func<double[], double[]> times, double[] r, Op who)
        {
            int n = r.Length;
            var m = new DenseMatrix(n, n);
            for (int j = 0; j < n; j++)
            {
                var e = new double[n];
                e[j] = 1;
                m.SetColumn(j, times(e));
            }
            var z = m.LU().Solve(new DenseVector(r));
            return z.All(double.IsFinite) ? z.AsArray() ?? z.ToArray()
                : throw new InvalidOperationException($"{who}: ∂F/∂y is singular at this point; the implicit derivative does not exist");
        }
    }

    internal sealed record CgSolve : LinearSolver
    {
        public override string ToString() => "conjugate gradients";

        internal override double[] Solve(Func<double[], double[]> times, double[] r, Op who)
        {
            int n = r.Length;
            var z = new double[n];
            var res = (double[])r.Clone();
            var p = (double[])r.Clone();
            // A residual of 1e-16·|r|, not 1e-14: where the iteration count changes with the inputs, the solution jumps
            // by what the stopping rule leaves, and the second-order law saw a 1e-14 stop as a 1e-7 error of H·w.
            double rr = Dot(res, res), target = 1e-32 * Math.Max(rr, double.Epsilon);
            for (int k = 0; k < 10 * n + 10 && rr > target; k++)
            {
                var mp = times(p);
                double alpha = rr / Dot(p, mp);
                for (int i = 0; i < n; i++) { z[i] += alpha * p[i]; res[i] -= alpha * mp[i]; }
                double next = Dot(res, res);
                for (int i = 0; i < n; i++) p[i] = res[i] + next / rr * p[i];
                rr = next;
            }
            return z.All(double.IsFinite) ? z
                : throw new InvalidOperationException($"{who}: conjugate gradients broke down (is ∂F/∂y symmetric positive definite?)");
        }

        internal static double Dot(double[] a, double[] b)
        {
            double s = 0;
            for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
            return s;
        }
    }

    internal sealed record GmresSolve : LinearSolver
    {
        public override string ToString() => "GMRES";

        /// <summary>GMRES, then once more on the residual it left (iterative refinement). Stopping at 1e-15·|r| leaves an
        /// error whose size jumps where the iteration count changes with the inputs (one more distinct eigenvalue, one
        /// more step): differences of the gradient divide that jump by their step, and the second-order law saw it as
        /// a 3e-9 error of H·w. The second solve takes the error down to the residual's own rounding.</summary>
        internal override double[] Solve(Func<double[], double[]> times, double[] r, Op who)
        {
            var z = Krylov(times, r, who);
            var mz = times(z);
            var residual = new double[r.Length];
            for (int i = 0; i < r.Length; i++) residual[i] = r[i] - mz[i];
            var correction = Krylov(times, residual, who);
            for (int i = 0; i < r.Length; i++) z[i] += correction[i];
            return z;
        }

        // Arnoldi with modified Gram–Schmidt and Givens rotations; the least-squares solution in the Krylov space.
        static double[] Krylov(Func<double[], double[]> times, double[] r, Op who)
        {
            int n = r.Length;
            double beta = Math.Sqrt(CgSolve.Dot(r, r));
            var z = new double[n];
            if (beta == 0) return z;
            var v = new List<double[]> { r.Select(e => e / beta).ToArray() };
            var h = new double[n + 1, n];
            var (cs, sn, g) = (new double[n], new double[n], new double[n + 1]);
            g[0] = beta;
            int k = 0;
            for (; k < n; k++)
            {
                var w = times(v[k]);
                for (int i = 0; i <= k; i++)
                {
                    h[i, k] = CgSolve.Dot(w, v[i]);
                    for (int j = 0; j < n; j++) w[j] -= h[i, k] * v[i][j];
                }
                h[k + 1, k] = Math.Sqrt(CgSolve.Dot(w, w));
                for (int i = 0; i < k; i++)
                {
                    double t = cs[i] * h[i, k] + sn[i] * h[i + 1, k];
                    h[i + 1, k] = -sn[i] * h[i, k] + cs[i] * h[i + 1, k];
                    h[i, k] = t;
                }
                double d = Math.Sqrt(h[k, k] * h[k, k] + h[k + 1, k] * h[k + 1, k]);
                if (d == 0) throw new InvalidOperationException($"{who}: ∂F/∂y is singular at this point; the implicit derivative does not exist");
                (cs[k], sn[k]) = (h[k, k] / d, h[k + 1, k] / d);
                double hk1 = h[k + 1, k];
                h[k, k] = d;
                h[k + 1, k] = 0;
                (g[k], g[k + 1]) = (cs[k] * g[k], -sn[k] * g[k]);
                if (Math.Abs(g[k + 1]) <= 1e-15 * beta || hk1 == 0) { k++; break; }
                v.Add(w.Select(e => e / hk1).ToArray());
            }
            var y = new double[k];
            for (int i = k - 1; i >= 0; i--)
            {
                double s = g[i];
                for (int j = i + 1; j < k; j++) s -= h[i, j] * y[j];
                y[i] = s / h[i, i];
            }
            for (int i = 0; i < k; i++)
                for (int j = 0; j < n; j++) z[j] += y[i] * v[i][j];
            return z;
        }
    }
}

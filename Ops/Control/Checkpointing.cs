namespace AutoDiff.Functional
{
    /// <summary>How the reverse pass of a loop gets back the carries c₀ … c_{N−1} it needs, in reverse order: the
    /// trade between memory (carries stored at once) and time (body evaluations). Over a counted loop of N steps,
    /// besides the N evaluations of the body's reverse rule that every policy makes:
    /// <list type="table">
    /// <item><term><see cref="StoreAll"/></term><description>N stored carries, N − 1 body evaluations; a counted
    /// loop records them as its forward pass runs (N evaluations that also give its value: a compiled plan of the value
    /// and the gradient evaluates the body N times in all).</description></item>
    /// <item><term><see cref="Sqrt"/></term><description>segments of s = ⌈√N⌉ steps: at most ⌈N/s⌉ + s − 1 ≈ 2√N
    /// stored carries, 2N − ⌈N/s⌉ body evaluations, of which the loop's forward pass makes N as it records the
    /// checkpoints (a plan of the value and the gradient runs that pass once for both).</description></item>
    /// <item><term><see cref="Binomial"/></term><description>within S stored carries (c₀ included): as
    /// <see cref="Sqrt"/> when its ⌈N/s⌉ − 1 checkpoints and a segment fit (N = 10⁶ within 2,000 carries); otherwise
    /// Griewank's binomial checkpointing (Revolve), at most t·N body evaluations, t the least repetition number with
    /// C(S − 1 + t, t) ≥ N.</description></item>
    /// </list>
    /// A while loop first runs forward to find its trip count N, storing nothing: N more evaluations, except under
    /// <see cref="StoreAll"/>, which stores while it counts (N evaluations in all). A body on single numbers built of
    /// element-wise ops reverses stored carries 64 steps at a time: their residuals computed at once on vectors (the
    /// same bits as step by step), then only the cotangents' arithmetic per step (docs/loops.md).</summary>
    public abstract record Checkpointing
    {
        private protected Checkpointing() { }

        /// <summary>Store every carry: the fewest evaluations, memory linear in N.</summary>
        public static Checkpointing StoreAll { get; } = new Ops.StoreAllCarries();
        /// <summary>About √N checkpoints, and one segment of √N carries at a time: memory ~2√N, at most 2N evaluations.</summary>
        public static Checkpointing Sqrt { get; } = new Ops.SqrtCheckpoints();

        /// <summary>Binomial checkpointing (Revolve) within <paramref name="storedCarries"/> carries held at once (at
        /// least 1: with 1, each carry is recomputed from c₀, N²/2 evaluations).</summary>
        public static Checkpointing Binomial(int storedCarries)
        {
            if (storedCarries < 1) throw new ArgumentOutOfRangeException(nameof(storedCarries), $"Checkpointing.Binomial: {storedCarries} stored carries; at least 1 (c₀) is needed");
            return new Ops.BinomialCheckpoints(storedCarries);
        }

        /// <summary>The least t with C(s + t, t) ≥ n: how many times binomial checkpointing with s free snapshots
        /// evaluates each step at most.</summary>
        public static int Repetitions(int freeSnapshots, int n)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(freeSnapshots);
            if (n <= 1) return n <= 0 ? 0 : 1;
            if (freeSnapshots == 0) return n - 1;
            int t = 1;
            while (Ops.Checkpoints.Beta(freeSnapshots, t) < n) t++;
            return t;
        }
    }
}

namespace AutoDiff.Functional.Ops
{
    internal sealed record StoreAllCarries : Checkpointing
    {
        public override string ToString() => "store all";
    }

    internal sealed record SqrtCheckpoints : Checkpointing
    {
        public override string ToString() => "√N checkpoints";
    }

    internal sealed record BinomialCheckpoints(int StoredCarries) : Checkpointing
    {
        public override string ToString() => $"binomial within {StoredCarries} carries";
    }

    /// <summary>What loops did, for tests: body evaluations forward and reversed, stopping-rule evaluations, and the
    /// most carries stored at once by a reverse pass. Counted only while a test has called <see cref="Start"/> on its
    /// own flow (an <see cref="AsyncLocal{T}"/>), so it is no state of the library.</summary>
    internal sealed class LoopCounter
    {
        static readonly AsyncLocal<LoopCounter?> current = new();
        public int BodyRuns, ReverseRuns, ConditionRuns, Stored, PeakStored;
        /// <summary>Steps whose residuals a reverse pass computed a chunk at a time (Split.Chunked).</summary>
        public int ChunkedSteps;

        /// <summary>A fresh counter for the calling flow.</summary>
        public static LoopCounter Start() => current.Value = new LoopCounter();
        /// <summary>Stops counting on the calling flow.</summary>
        public static void Stop() => current.Value = null;

        internal static LoopCounter? Current => current.Value;
        internal void Hold(int carries)
        {
            Stored += carries;
            PeakStored = Math.Max(PeakStored, Stored);
        }
    }

    /// <summary>The reverse sweeps of <see cref="Checkpointing"/>: each calls <c>back(k, c_k)</c> for k = N − 1 down to 0.</summary>
    internal static class Checkpoints
    {
        /// <summary>β(s, t) = C(s + t, t): the steps binomial checkpointing reverses with s snapshots and t repetitions.</summary>
        public static double Beta(int s, int t)
        {
            double b = 1;
            for (int i = 1; i <= t; i++) b = b * (s + i) / i;
            return Math.Round(b);
        }

        public static void Reverse(Checkpointing policy, double[] c0, int n, Step step, Back back, BackSegment? backSegment = null)
        {
            if (n == 0) return;
            var counter = LoopCounter.Current;
            int size = c0.Length;
            switch (policy)
            {
                case StoreAllCarries:
                    {
                        var stored = new Tape(size, n);
                        c0.CopyTo(stored[0]);
                        for (int k = 1; k < n; k++) step(k - 1, stored[k - 1], stored[k]);
                        counter?.Hold(n);
                        (backSegment ?? StepByStep(back))(0, n, stored, 0);
                        counter?.Hold(-n);
                        break;
                    }
                case SqrtCheckpoints:
                    {
                        // The checkpoints a recording forward pass keeps (Every), then the same reverse sweep.
                        int every = SegmentLength(n), recorded = Recorded(n, every);
                        var checkpoints = new double[recorded * size];
                        var c = (double[])c0.Clone();
                        for (int k = 1; k <= recorded * every; k++)
                        {
                            step(k - 1, c, c);
                            if (k % every == 0) c.CopyTo(checkpoints, (k / every - 1) * size);
                        }
                        counter?.Hold(recorded);
                        FromCheckpoints(c0, checkpoints, n, every, step, back, backSegment);
                        break;
                    }
                case BinomialCheckpoints(var storedCarries):
                    Binomial(c0, n, storedCarries - 1, step, back, counter);
                    break;
                default:
                    throw new ArgumentException($"Loop: unknown checkpointing policy {policy}");
            }
        }

        /// <summary>Steps [a, b) reversed from c_a, each of their carries stored in <paramref name="segment"/>.</summary>
        static void Segment(ReadOnlySpan<double> ca, int a, int b, Tape segment, Step step, Back back, BackSegment? backSegment, LoopCounter? counter)
        {
            ca.CopyTo(segment[0]);
            for (int i = 1; i < b - a; i++) step(a + i - 1, segment[i - 1], segment[i]);
            counter?.Hold(b - a - 1);
            (backSegment ?? StepByStep(back))(a, b, segment, 0);
            counter?.Hold(-(b - a - 1));
        }

        /// <summary>A segment reversed a step at a time by <paramref name="back"/>: what a caller without a faster way does.</summary>
        static BackSegment StepByStep(Back back) => (a, b, carries, at) =>
        {
            for (int k = b - 1; k >= a; k--) back(k, carries[at + k - a]);
        };

        /// <summary>The segment length L at which the forward pass of a counted loop of <paramref name="n"/> steps
        /// records checkpoints c_L, c_2L, … for <paramref name="policy"/>'s reverse pass (<see cref="FromCheckpoints"/>),
        /// or 0 when it records none. √N checkpoints always do (L = ⌈√N⌉, the segments they reverse); a binomial policy
        /// does when those checkpoints and one segment fit in its carries, as 2,000 do for 10⁶ steps. Recording them
        /// makes the value's sweep the reverse pass's first: 2N − ⌈N/L⌉ body evaluations for the value and gradient
        /// together, where Revolve with repetition number 2 takes about 3N.</summary>
        public static int Every(Checkpointing policy, int n)
        {
            int every = SegmentLength(n);
            if (n < 2 || Recorded(n, every) < 1) return 0;
            return policy switch
            {
                SqrtCheckpoints => every,
                BinomialCheckpoints(var carries) when Recorded(n, every) + every <= carries => every,
                _ => 0,
            };
        }

        /// <summary>The √N checkpoints' segment length, ⌈√N⌉.</summary>
        static int SegmentLength(int n) => (int)Math.Ceiling(Math.Sqrt(n));

        /// <summary>The checkpoints a forward pass of <paramref name="n"/> steps records every <paramref name="every"/>:
        /// c_L, c_2L, …, short of the last segment's end.</summary>
        public static int Recorded(int n, int every) => (n + every - 1) / every - 1;

        /// <summary>The reverse sweep from recorded checkpoints: segment j, steps [jL, (j + 1)L), from c_jL (c₀, then
        /// column j − 1 of <paramref name="checkpoints"/>), last segment first, each segment's carries stored as it
        /// is reversed. At most ⌈N/L⌉ − 1 + L carries at once (the recorded ones were held by the forward pass).</summary>
        public static void FromCheckpoints(double[] c0, ReadOnlySpan<double> checkpoints, int n, int every, Step step, Back back, BackSegment? backSegment = null)
        {
            var counter = LoopCounter.Current;
            int size = c0.Length, recorded = Recorded(n, every);
            var segment = new Tape(size, every);
            counter?.Hold(1);   // c₀, the first segment's start, as the other policies count it
            for (int j = recorded; j >= 0; j--)
                Segment(j == 0 ? c0 : checkpoints.Slice((j - 1) * size, size), j * every, Math.Min(j * every + every, n), segment, step, back, backSegment, counter);
            counter?.Hold(-recorded - 1);
        }

        // Revolve with an explicit stack (no recursion): a task reverses steps [A, B) from the carry c_A it holds in
        // snapshot Base, with Free snapshots more. It advances to a split point m, stores c_m, reverses [m, B) with one
        // snapshot fewer, frees c_m, then reverses [A, m). The split leaves [m, B) at most β(s − 1, t) steps and [A, m)
        // at most β(s, t − 1), so no step is evaluated more than t times (Griewank and Walther, 2000). Snapshots are
        // taken and freed last in, first out: snapshot d is the d-th held at once.
        static void Binomial(double[] c0, int n, int free, Step step, Back back, LoopCounter? counter)
        {
            int size = c0.Length;
            var snapshots = new Tape(size, Math.Min(free, n) + 1);
            var scratch = new double[size];
            int held = 1;
            c0.CopyTo(snapshots[0]);
            var tasks = new Stack<(int A, int B, int Free, int Base)>();
            tasks.Push((0, n, free, 0));
            counter?.Hold(1);
            while (tasks.TryPop(out var task))
            {
                var (a, b, s, c) = task;
                if (c < 0) { held--; counter?.Hold(-1); continue; } // a snapshot's release
                int length = b - a;
                if (length == 1) { back(a, snapshots[c]); continue; }
                if (s == 0)
                {
                    for (int j = b - 1; j >= a; j--)
                    {
                        snapshots[c].CopyTo(scratch);
                        for (int i = a; i < j; i++) step(i, scratch, scratch);
                        back(j, scratch);
                    }
                    continue;
                }
                int t = Checkpointing.Repetitions(s, length);
                int k = (int)Math.Clamp(length - Beta(s - 1, t), 1, length - 1);
                var cm = snapshots[held];
                snapshots[c].CopyTo(cm);
                for (int i = 0; i < k; i++) step(a + i, cm, cm);
                counter?.Hold(1);
                tasks.Push((a, a + k, s, c));
                tasks.Push((0, 0, 0, -1));
                tasks.Push((a + k, b, s - 1, held++));
            }
            counter?.Hold(-1);
        }
    }

    /// <summary>Step <c>k</c> of a loop from the flat state <c>c</c> into <c>next</c> (which may be <c>c</c>).</summary>
    internal delegate void Step(int k, ReadOnlySpan<double> c, Span<double> next);
    /// <summary>The reverse rule of step <c>k</c> at the flat state <c>c</c> it started from.</summary>
    internal delegate void Back(int k, ReadOnlySpan<double> c);
    /// <summary>The reverse rules of steps <c>b</c> − 1 down to <c>a</c>, step k's starting state in <c>carries[at + k − a]</c>:
    /// what <see cref="Back"/> does step by step, where a caller can do it a chunk of steps at a time.</summary>
    internal delegate void BackSegment(int a, int b, Tape carries, int at);

    /// <summary>Loop states of <c>size</c> elements each, indexed 0 … <c>capacity</c> − 1, in chunks of about a
    /// megabyte allocated when first reached: storing N states costs a few allocations, not N.</summary>
    internal sealed class Tape
    {
        readonly int size, capacity, perChunk;
        readonly double[]?[] chunks;

        public Tape(int size, int capacity)
        {
            (this.size, this.capacity) = (size, capacity);
            perChunk = Math.Max(1, (1 << 17) / Math.Max(1, size));
            chunks = new double[]?[(capacity + perChunk - 1) / perChunk];
        }

        /// <summary>States <paramref name="k"/> … <paramref name="k"/> + <paramref name="count"/> − 1 as one span when one
        /// chunk of storage holds them all, else empty.</summary>
        public Span<double> Run(int k, int count)
        {
            int chunk = k / perChunk;
            if ((k + count - 1) / perChunk != chunk) return default;
            _ = this[k];   // the chunk allocated if not reached before
            return chunks[chunk]!.AsSpan((k - chunk * perChunk) * size, count * size);
        }

        public Span<double> this[int k]
        {
            get
            {
                int chunk = k / perChunk;
                var storage = chunks[chunk] ??= new double[Math.Min(perChunk, capacity - chunk * perChunk) * size];
                return storage.AsSpan((k - chunk * perChunk) * size, size);
            }
        }
    }
}

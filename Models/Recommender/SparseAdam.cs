namespace AutoDiff.Functional.Models;

/// <summary>Minibatch training of the recommender with Adam on the rows a batch touches only ("lazy" Adam, as
/// TensorFlow Addons' LazyAdam and PyTorch's SparseAdam do it): a batch of B ratings gathers at most 2B factor
/// columns, the <see cref="BlockKernel"/> graph gives their gradients, and the moments and factors of those rows are
/// updated with Adam's rule (Kingma &amp; Ba 2015) at the global step t. Nothing of size m or n is allocated, zeroed or
/// swept per step: the row → slot maps are allocated once, and only their touched entries are reset.</summary>
/// <remarks>The batch loss is Σ_batch (r − r̂)² + λ/2 Σ over the batch's rows of (c/n)‖row‖², c the row's ratings in
/// the batch and n its ratings in all: each row gets its share of L's regulariser, so the batch gradients of an epoch
/// add up to ∇L exactly. The common per-rating form (λ/2‖row‖² for every rating, or every batch, that touches a row)
/// regularises a row rated 1,000 times 1,000 times harder than one rated once: at m = 10⁴, n = 10⁵, k = 32 and 10⁷
/// ratings no λ of that form got the held-out RMSE below 0.68, overfitting the rarely rated rows. Counting the ratings
/// of each row is one pass over the ratings, done when a step first sees a set of ratings. The factors and moments are
/// updated in place: the caller owns them, and the same data, seeds and order give the same bits.</remarks>
public sealed class SparseAdam
{
    readonly BlockKernel kernel;
    readonly List<Lane> lanes = [];
    readonly int[] userRatings, itemRatings;
    Ratings? counted;
    readonly RecommenderFactors firstMoment, secondMoment;
    double muFirst, muSecond;

    /// <summary>The learning rate η; a schedule may change it between steps.</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "SparseAdam: the learning rate must be positive and finite");
    }
    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>Steps taken.</summary>
    public long Step { get; private set; }
    /// <summary>Ratings per batch.</summary>
    public int BatchSize { get; }
    /// <summary>β₁, β₂, ε.</summary>
    public (double Beta1, double Beta2, double Epsilon) Betas { get; } = (0.9, 0.999, 1e-8);

    /// <summary>The optimiser for factors shaped like <paramref name="like"/>, and its zero moments (the optimiser
    /// state: two more sets of the factors' size, allocated once here).</summary>
    public SparseAdam(RecommenderFactors like, int batchSize, double learningRate, double lambda)
    {
        ArgumentNullException.ThrowIfNull(like);
        // Checked here, once: the inner loop then trusts η and λ (a NaN would spread through every row it touched).
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "SparseAdam: the batch size must be positive");
        if (!(learningRate > 0 && double.IsFinite(learningRate))) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "SparseAdam: the learning rate must be positive and finite");
        Lambda = RecommenderChecks.Lambda("SparseAdam", lambda);
        (BatchSize, LearningRate) = (batchSize, learningRate);
        kernel = new BlockKernel(like.Rank, batchSize, like.Biased);
        lanes.Add(new Lane(kernel, like));
        (userRatings, itemRatings) = (new int[like.Users], new int[like.Items]);
        (firstMoment, secondMoment) = (like.ZerosLike(), like.ZerosLike());
    }

    /// <summary>The bytes of the optimiser state (the two moment sets).</summary>
    public long StateBytes => firstMoment.Bytes + secondMoment.Bytes;

    /// <summary>One step on the ratings at <paramref name="positions"/> (exactly <see cref="BatchSize"/> of them),
    /// updating <paramref name="theta"/> in place. Returns the batch's squared error before the step.</summary>
    public double Take(RecommenderFactors theta, Ratings ratings, ReadOnlySpan<int> positions)
    {
        if (positions.Length != BatchSize) throw new ArgumentException($"SparseAdam: a batch of {positions.Length} ratings, the kernel takes {BatchSize}");
        if (!ReferenceEquals(ratings, counted)) CountRatings(ratings);
        var (loss, muGradient) = lanes[0].Take(this, theta, ratings, positions, ++Step);
        if (theta.Biased) UpdateMu(theta, muGradient);
        return loss;
    }

    /// <summary>One epoch over <paramref name="grid"/>'s blocks in its current order (shuffle it between epochs), on up
    /// to <paramref name="threads"/> threads, FPSG's way (Zhuang et al. 2013; LIBMF): in round r the grid's G threads'
    /// lanes take blocks (t, (t + r) mod G), which share no user and no item, so each row is updated by one thread only
    /// and nothing is locked. Each block runs its ⌊size/B⌋ batches in order (the few ratings past the last whole batch
    /// wait for another epoch's order); batch b of block t in a round has the step number the sequential order would
    /// give it, the round's blocks taken t = 0, 1, … in turn. So without biases the epoch equals those
    /// <see cref="Take"/> calls in that order bit for bit, whatever the threads and their timing. μ, which every batch
    /// touches, is held during a round and takes one Adam step on the round's summed gradient at its end (added in
    /// block order): with biases the result is the same bits on any number of threads, but not Take's.
    /// Returns the epoch's summed squared error, each batch's before its step.</summary>
    public double Epoch(RecommenderFactors theta, Ratings ratings, BlockGrid grid, int threads)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentNullException.ThrowIfNull(grid);
        if (!ReferenceEquals(grid.Ratings, ratings)) throw new ArgumentException("SparseAdam.Epoch: the grid was built for other ratings");
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "SparseAdam.Epoch: the thread count must be positive");
        if (!ReferenceEquals(ratings, counted)) CountRatings(ratings);
        int groups = grid.Groups;
        while (lanes.Count < groups) lanes.Add(new Lane(kernel, theta));
        var (losses, muGradients, first) = (new double[groups], new double[groups], new long[groups + 1]);
        double total = 0;
        for (int round = 0; round < groups; round++)
        {
            for (int t = 0; t < groups; t++) first[t + 1] = first[t] + grid.Block(t, (t + round) % groups).Length / BatchSize;
            long step = Step;
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
            Parallel.For(0, groups, options, t =>
            {
                var block = grid.Block(t, (t + round) % groups);
                var (loss, mu) = (0.0, 0.0);
                for (long b = 0; b < first[t + 1] - first[t]; b++)
                {
                    var (l, g) = lanes[t].Take(this, theta, ratings, block.Slice((int)b * BatchSize, BatchSize), step + first[t] + b + 1);
                    (loss, mu) = (loss + l, mu + g);
                }
                (losses[t], muGradients[t]) = (loss, mu);
            });
            Step += first[groups];
            for (int t = 0; t < groups; t++) total += losses[t];
            if (theta.Biased && first[groups] > 0) UpdateMu(theta, muGradients.Sum());
        }
        return total;
    }

    /// <summary>μ is dense and unregularised: a plain Adam step on its own moments at the current step.</summary>
    void UpdateMu(RecommenderFactors theta, double g)
    {
        double c1 = 1 - Math.Pow(Betas.Beta1, Step), c2 = 1 - Math.Pow(Betas.Beta2, Step);
        muFirst = Betas.Beta1 * muFirst + (1 - Betas.Beta1) * g;
        muSecond = Betas.Beta2 * muSecond + (1 - Betas.Beta2) * g * g;
        theta.Mu -= LearningRate * (muFirst / c1) / (Math.Sqrt(muSecond / c2) + Betas.Epsilon);
    }

    /// <summary>The ratings of every user and item in <paramref name="ratings"/>: the denominators of the rows' shares.</summary>
    void CountRatings(Ratings ratings)
    {
        if (ratings.Users != userRatings.Length || ratings.Items != itemRatings.Length)
            throw new ArgumentException($"SparseAdam: ratings of {ratings.Users} users and {ratings.Items} items for factors of {userRatings.Length} and {itemRatings.Length}");
        Array.Clear(userRatings);
        Array.Clear(itemRatings);
        for (int p = 0; p < ratings.Count; p++) (userRatings[ratings.User[p]], itemRatings[ratings.Item[p]]) = (userRatings[ratings.User[p]] + 1, itemRatings[ratings.Item[p]] + 1);
        counted = ratings;
    }

    /// <summary>What one thread's steps need of their own: the kernel's workspace, the gather buffers, the row → slot
    /// maps and the summed gradients of the batch's distinct rows. The moments and the factors are shared: a lane
    /// writes only the rows its batch touches.</summary>
    sealed class Lane
    {
        readonly BlockKernel kernel;
        readonly Workspace workspace;
        readonly Block block;
        readonly int[] userSlot, itemSlot, touchedUsers, touchedItems, userHits, itemHits;
        readonly double[] gp, gq, gb, gc;

        public Lane(BlockKernel kernel, RecommenderFactors like)
        {
            int batchSize = kernel.Size;
            this.kernel = kernel;
            // A step reads its outputs before the next step runs: kept here, not 136 kB of fresh arrays a batch of 256 at k = 32.
            workspace = kernel.Plan.NewWorkspace(keepOutputs: true);
            block = new Block(like.Rank, batchSize);
            (userSlot, itemSlot) = (new int[like.Users], new int[like.Items]);
            Array.Fill(userSlot, -1);
            Array.Fill(itemSlot, -1);
            (touchedUsers, touchedItems, userHits, itemHits) = (new int[batchSize], new int[batchSize], new int[batchSize], new int[batchSize]);
            (gp, gq, gb, gc) = (new double[like.Rank * batchSize], new double[like.Rank * batchSize], new double[batchSize], new double[batchSize]);
        }

        /// <summary>Step <paramref name="step"/> on the ratings at <paramref name="positions"/>: every touched row's Adam
        /// update; returns the batch's squared error and ∂/∂μ (μ is left to the caller).</summary>
        public (double Loss, double MuGradient) Take(SparseAdam o, RecommenderFactors theta, Ratings ratings, ReadOnlySpan<int> positions, long step)
        {
            int k = theta.Rank;
            block.Gather(ratings, theta, positions);
            var y = kernel.Run(block, theta.Mu, workspace);
            ReadOnlySpan<double> yp = y[1].Values, yq = y[2].Values;

            // Sum the gradient of each distinct row into its slot (repeated rows add up), then regularise each row once.
            int users = 0, items = 0;
            for (int s = 0; s < positions.Length; s++)
            {
                int i = ratings.User[positions[s]], j = ratings.Item[positions[s]];
                int a = Slot(userSlot, touchedUsers, userHits, gp, gb, i, k, ref users), c = Slot(itemSlot, touchedItems, itemHits, gq, gc, j, k, ref items);
                (userHits[a], itemHits[c]) = (userHits[a] + 1, itemHits[c] + 1);
                for (int l = 0; l < k; l++) (gp[a * k + l], gq[c * k + l]) = (gp[a * k + l] + yp[s * k + l], gq[c * k + l] + yq[s * k + l]);
                if (theta.Biased) (gb[a], gc[c]) = (gb[a] + y[3].Values[s], gc[c] + y[4].Values[s]);
            }

            double c1 = 1 - Math.Pow(o.Betas.Beta1, step), c2 = 1 - Math.Pow(o.Betas.Beta2, step);
            // One thread a batch: splitting a step's ≤ 2B rows between the cores was measured slower (0.57 against
            // 0.72 M ratings/s at k = 32, B = 256): the hand-off costs more than the rows' updates. Both cores work on
            // conflict-free blocks instead (Epoch).
            UpdateRows(o, theta, users + items, users, c1, c2);
            return (y[0].ToScalar(), theta.Biased ? y[5].ToScalar() : 0);
        }

        /// <summary>The slot of <paramref name="row"/>, opening one (zeroing its k-vector of gradient) on first sight.</summary>
        static int Slot(int[] slotOf, int[] touched, int[] hits, double[] g, double[] gBias, int row, int k, ref int count)
        {
            if (slotOf[row] >= 0) return slotOf[row];
            int a = slotOf[row] = count++;
            touched[a] = row;
            hits[a] = 0;
            g.AsSpan(a * k, k).Clear();
            gBias[a] = 0;
            return a;
        }

        /// <summary>Adam on the step's <paramref name="touched"/> rows, the first <paramref name="users"/> of them users,
        /// the rest items; each row's slot is released for the next step.</summary>
        void UpdateRows(SparseAdam o, RecommenderFactors theta, int touched, int users, double c1, double c2)
        {
            int k = theta.Rank;
            for (int a = 0; a < touched; a++)
                if (a < users)
                {
                    int i = touchedUsers[a];
                    double weight = o.Lambda * userHits[a] / o.userRatings[i];
                    o.Update(theta.P.AsSpan(i * k, k), o.firstMoment.P.AsSpan(i * k, k), o.secondMoment.P.AsSpan(i * k, k), gp.AsSpan(a * k, k), weight, c1, c2);
                    if (theta.Biased) o.Update(theta.B.AsSpan(i, 1), o.firstMoment.B.AsSpan(i, 1), o.secondMoment.B.AsSpan(i, 1), gb.AsSpan(a, 1), weight, c1, c2);
                    userSlot[i] = -1;
                }
                else
                {
                    int c = a - users, j = touchedItems[c];
                    double weight = o.Lambda * itemHits[c] / o.itemRatings[j];
                    o.Update(theta.Q.AsSpan(j * k, k), o.firstMoment.Q.AsSpan(j * k, k), o.secondMoment.Q.AsSpan(j * k, k), gq.AsSpan(c * k, k), weight, c1, c2);
                    if (theta.Biased) o.Update(theta.C.AsSpan(j, 1), o.firstMoment.C.AsSpan(j, 1), o.secondMoment.C.AsSpan(j, 1), gc.AsSpan(c, 1), weight, c1, c2);
                    itemSlot[j] = -1;
                }
        }
    }

    /// <summary>Adam on one row: the row's share of the regulariser, <paramref name="weight"/>·θ, is added to its summed
    /// gradient here.</summary>
    void Update(Span<double> theta, Span<double> m, Span<double> v, ReadOnlySpan<double> g, double weight, double c1, double c2)
    {
        var (b1, b2, eps) = Betas;
        for (int l = 0; l < theta.Length; l++)
        {
            double gl = g[l] + weight * theta[l];
            m[l] = b1 * m[l] + (1 - b1) * gl;
            v[l] = b2 * v[l] + (1 - b2) * gl * gl;
            theta[l] -= LearningRate * (m[l] / c1) / (Math.Sqrt(v[l] / c2) + eps);
        }
    }
}

/// <summary>FPSG's grid (Zhuang et al. 2013, as LIBMF schedules it): the users in G groups and the items in G groups,
/// and the ratings sorted into the G×G blocks (user group, item group), each block's in their original order until
/// <see cref="Shuffle"/>. Blocks in different rows and columns of the grid share no user and no item, so threads may
/// update their rows without locks. Rows are dealt to groups largest first, each to the group with the fewest ratings
/// so far, so the blocks hold about equal numbers under Zipf popularity too. 4 bytes a rating, plus one int a row.</summary>
public sealed class BlockGrid
{
    readonly int[] start, position;

    /// <summary>The ratings the grid indexes.</summary>
    public Ratings Ratings { get; }
    /// <summary>G.</summary>
    public int Groups { get; }
    /// <summary>The bytes the grid holds.</summary>
    public long Bytes => 4L * (start.Length + position.Length);

    /// <summary>The grid of <paramref name="groups"/>² blocks over <paramref name="ratings"/>.</summary>
    public BlockGrid(Ratings ratings, int groups)
    {
        Ratings = (ratings ?? throw new ArgumentNullException(nameof(ratings))).Checked();
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "BlockGrid: the number of groups must be positive");
        Groups = groups;
        int[] userGroup = Deal(ratings.User, ratings.Users, groups), itemGroup = Deal(ratings.Item, ratings.Items, groups);
        start = new int[groups * groups + 1];
        foreach (var (u, i) in ratings.User.Zip(ratings.Item)) start[userGroup[u] * groups + itemGroup[i] + 1]++;
        for (int b = 0; b < groups * groups; b++) start[b + 1] += start[b];
        position = new int[ratings.Count];
        var next = start[..^1];
        for (int p = 0; p < ratings.Count; p++) position[next[userGroup[ratings.User[p]] * groups + itemGroup[ratings.Item[p]]]++] = p;
    }

    /// <summary>The positions of block (user group <paramref name="users"/>, item group <paramref name="items"/>)'s
    /// ratings, in the current order.</summary>
    public ReadOnlySpan<int> Block(int users, int items) => position.AsSpan(start[users * Groups + items], start[users * Groups + items + 1] - start[users * Groups + items]);

    /// <summary>Shuffles each block's ratings in place (Fisher–Yates, block b from <c>new Random(seed·G² + b)</c>), an
    /// epoch's order; the blocks on both cores.</summary>
    public void Shuffle(int seed) => Parallel.For(0, Groups * Groups, b =>
    {
        var random = new Random(unchecked(seed * Groups * Groups + b));
        var block = position.AsSpan(start[b], start[b + 1] - start[b]);
        for (int i = block.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (block[i], block[j]) = (block[j], block[i]);
        }
    });

    /// <summary>Each row's group: rows by falling count (ties by index), each to the group with the fewest ratings so
    /// far (ties to the lowest group).</summary>
    static int[] Deal(int[] rowOf, int rows, int groups)
    {
        var count = new int[rows];
        foreach (var r in rowOf) count[r]++;
        var order = Enumerable.Range(0, rows).OrderByDescending(r => count[r]).ThenBy(r => r).ToArray();
        var (group, load) = (new int[rows], new long[groups]);
        foreach (var r in order)
        {
            int g = 0;
            for (int h = 1; h < groups; h++)
                if (load[h] < load[g]) g = h;
            (group[r], load[g]) = (g, load[g] + count[r]);
        }
        return group;
    }
}

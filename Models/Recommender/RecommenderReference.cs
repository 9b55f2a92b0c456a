namespace AutoDiff.Functional.Models;

/// <summary>The recommender's loss and gradient by hand, one plain loop over the ratings, independently of the graph
/// library: with eₚ = rₚ − r̂ₚ for rating p = (i, j),
/// ∂L/∂pᵢ = −2 Σ_{p∋i} eₚ qⱼ + λpᵢ, ∂L/∂qⱼ = −2 Σ_{p∋j} eₚ pᵢ + λqⱼ, ∂L/∂bᵢ = −2 Σ_{p∋i} eₚ + λbᵢ,
/// ∂L/∂cⱼ = −2 Σ_{p∋j} eₚ + λcⱼ, ∂L/∂μ = −2 Σ_p eₚ. Also the speed floor the report measures against.</summary>
public static class RecommenderReference
{
    /// <summary>L and its gradient at <paramref name="at"/>.</summary>
    public static (double Loss, RecommenderFactors Gradient) Gradient(Ratings ratings, RecommenderFactors at, double lambda)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentNullException.ThrowIfNull(at);
        int k = at.Rank;
        var g = at.ZerosLike();
        double loss = 0;
        for (int p = 0; p < ratings.Count; p++)
        {
            int i = ratings.User[p], j = ratings.Item[p];
            double prediction = at.Biased ? at.Mu + at.B[i] + at.C[j] : 0;
            for (int l = 0; l < k; l++) prediction += at.P[i * k + l] * at.Q[j * k + l];
            double e = ratings.Value[p] - prediction;
            loss += e * e;
            for (int l = 0; l < k; l++)
            {
                g.P[i * k + l] -= 2 * e * at.Q[j * k + l];
                g.Q[j * k + l] -= 2 * e * at.P[i * k + l];
            }
            if (!at.Biased) continue;
            g.B[i] -= 2 * e;
            g.C[j] -= 2 * e;
            g.Mu -= 2 * e;
        }
        double squares = 0;
        Regularise(at.P, g.P, lambda, ref squares);
        Regularise(at.Q, g.Q, lambda, ref squares);
        Regularise(at.B, g.B, lambda, ref squares);
        Regularise(at.C, g.C, lambda, ref squares);
        return (loss + lambda / 2 * squares, g);
    }

    static void Regularise(double[] theta, double[] g, double lambda, ref double squares)
    {
        for (int x = 0; x < theta.Length; x++)
        {
            squares += theta[x] * theta[x];
            g[x] += lambda * theta[x];
        }
    }
}

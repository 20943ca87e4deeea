using System;
using System.Buffers;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The gradient of <see cref="Gmm.Objective"/> by hand (reverse mode worked out on paper), the
    /// baseline for the generated <c>Gmm.ObjectiveGradient</c>. With zᵢₖ = xᵢ − μₖ, yᵢₖ = Qₖzᵢₖ,
    /// tᵢₖ = αₖ + Σ qₖ − ½‖yᵢₖ‖² and the softmax weights wᵢₖ = exp(tᵢₖ − logsumexpₖ tᵢₖ):
    /// <code>
    /// ∂E/∂αₖ     = Σᵢ wᵢₖ − n·softmax(α)ₖ
    /// ∂E/∂μₖ     = Σᵢ wᵢₖ·Qₖᵀyᵢₖ
    /// ∂E/∂qₖᵣ    = Σᵢ wᵢₖ·(1 − yᵢₖᵣ·exp(qₖᵣ)·zᵢₖᵣ) + γ²·exp(2qₖᵣ) − m
    /// ∂E/∂Lₖ(r,j) = −Σᵢ wᵢₖ·yᵢₖᵣ·zᵢₖⱼ + γ²·Lₖ(r,j)          (r &gt; j)
    /// </code>
    /// One pass over the points: for each point, z and y of every component go into scratch memory
    /// (forward), then the weights follow from the log-sum-exp and the contributions are added
    /// (reverse). Q is applied column by column, so the strictly-lower entries, stored column by
    /// column, are read and their adjoints written contiguously. Nothing is allocated in steady state:
    /// the scratch memory is the caller's or comes from <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    public static class GmmHandWritten
    {
        /// <summary>Doubles of scratch memory <see cref="Gradient(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, double, int, int, int, int, Span{double}, Span{double}, Span{double}, Span{double})"/> needs: 3·k·d + 2·k.</summary>
        public static int ScratchLength(int d, int k) => 3 * k * d + 2 * k;

        /// <summary>
        /// Returns the objective and overwrites <paramref name="dAlphas"/>, <paramref name="dMeans"/> and
        /// <paramref name="dIcf"/> with its gradient; scratch memory from the shared array pool.
        /// </summary>
        public static double Gradient(ReadOnlySpan<double> alphas, ReadOnlySpan<double> means, ReadOnlySpan<double> icf,
            ReadOnlySpan<double> x, double gamma, double constant, int m, int d, int k, int n,
            Span<double> dAlphas, Span<double> dMeans, Span<double> dIcf)
        {
            double[] scratch = ArrayPool<double>.Shared.Rent(ScratchLength(d, k));
            try
            {
                return Gradient(alphas, means, icf, x, gamma, constant, m, d, k, n, dAlphas, dMeans, dIcf, scratch);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scratch);
            }
        }

        /// <summary>The same, with caller-provided scratch of at least <see cref="ScratchLength"/>(d, k) doubles.</summary>
        public static double Gradient(ReadOnlySpan<double> alphas, ReadOnlySpan<double> means, ReadOnlySpan<double> icf,
            ReadOnlySpan<double> x, double gamma, double constant, int m, int d, int k, int n,
            Span<double> dAlphas, Span<double> dMeans, Span<double> dIcf, Span<double> scratch)
        {
            int icfSize = Gmm.IcfSize(d);
            if (alphas.Length != k || means.Length != k * d || icf.Length != k * icfSize || x.Length != n * d)
                throw new ArgumentException("GMM array lengths do not match d, k, n");
            if (dAlphas.Length != k || dMeans.Length != k * d || dIcf.Length != k * icfSize)
                throw new ArgumentException("gradient spans must have the lengths of alphas, means and icf");
            if (scratch.Length < ScratchLength(d, k)) throw new ArgumentException("scratch is too short", nameof(scratch));

            Span<double> diagonal = scratch.Slice(0, k * d);           // exp(qₖᵣ)
            Span<double> centered = scratch.Slice(k * d, k * d);       // zᵢₖ for the current point
            Span<double> transformed = scratch.Slice(2 * k * d, k * d); // yᵢₖ = Qₖzᵢₖ
            Span<double> sumLog = scratch.Slice(3 * k * d, k);          // Σ qₖ
            Span<double> mainTerm = scratch.Slice(3 * k * d + k, k);    // tᵢₖ
            dAlphas.Clear();
            dMeans.Clear();

            // The prior and its gradient, and the per-component values every point uses.
            double prior = 0, gammaSquared = gamma * gamma;
            for (int c = 0; c < k; c++)
            {
                ReadOnlySpan<double> factor = icf.Slice(c * icfSize, icfSize);
                Span<double> dFactor = dIcf.Slice(c * icfSize, icfSize);
                double s = 0, frobenius = 0;
                for (int r = 0; r < d; r++)
                {
                    double e = Math.Exp(factor[r]);
                    diagonal[c * d + r] = e;
                    s += factor[r];
                    frobenius += e * e;
                    dFactor[r] = gammaSquared * e * e - m;
                }
                for (int r = d; r < icfSize; r++)
                {
                    frobenius += factor[r] * factor[r];
                    dFactor[r] = gammaSquared * factor[r];
                }
                sumLog[c] = s;
                prior += 0.5 * gammaSquared * frobenius - m * s;
            }

            double sumOverPoints = 0;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> point = x.Slice(i * d, d);
                // Forward: z, y = Qz (column by column) and t for every component.
                for (int c = 0; c < k; c++)
                {
                    ReadOnlySpan<double> mean = means.Slice(c * d, d);
                    ReadOnlySpan<double> factor = icf.Slice(c * icfSize, icfSize);
                    Span<double> z = centered.Slice(c * d, d);
                    Span<double> y = transformed.Slice(c * d, d);
                    for (int r = 0; r < d; r++)
                    {
                        z[r] = point[r] - mean[r];
                        y[r] = diagonal[c * d + r] * z[r];
                    }
                    int l = d;
                    for (int j = 0; j < d; j++)
                    {
                        double zj = z[j];
                        for (int r = j + 1; r < d; r++) y[r] += factor[l++] * zj;
                    }
                    double norm = 0;
                    for (int r = 0; r < d; r++) norm += y[r] * y[r];
                    mainTerm[c] = alphas[c] + sumLog[c] - 0.5 * norm;
                }
                double lse = AdMath.LogSumExp(mainTerm);
                sumOverPoints += lse;

                // Reverse: ∂E/∂tₖ = wₖ, then through −½‖y‖², y = Qz and z = x − μ.
                for (int c = 0; c < k; c++)
                {
                    double w = Math.Exp(mainTerm[c] - lse);
                    dAlphas[c] += w;
                    ReadOnlySpan<double> factor = icf.Slice(c * icfSize, icfSize);
                    Span<double> dFactor = dIcf.Slice(c * icfSize, icfSize);
                    Span<double> dMean = dMeans.Slice(c * d, d);
                    ReadOnlySpan<double> z = centered.Slice(c * d, d);
                    ReadOnlySpan<double> y = transformed.Slice(c * d, d);
                    int l = d;
                    for (int j = 0; j < d; j++)
                    {
                        double yj = y[j], zj = z[j], e = diagonal[c * d + j];
                        double qty = e * yj;                 // (Qᵀy)ⱼ
                        double wz = w * zj;
                        for (int r = j + 1; r < d; r++)
                        {
                            qty += factor[l] * y[r];
                            dFactor[l] -= wz * y[r];
                            l++;
                        }
                        dMean[j] += w * qty;
                        dFactor[j] += w * (1 - yj * e * zj);
                    }
                }
            }

            // −n·logsumexp(α): its gradient is −n·softmax(α).
            double lseAlphas = AdMath.LogSumExp(alphas);
            for (int c = 0; c < k; c++) dAlphas[c] -= n * Math.Exp(alphas[c] - lseAlphas);
            return constant + sumOverPoints - n * lseAlphas + prior;
        }

        /// <summary><see cref="Gradient(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, double, int, int, int, int, Span{double}, Span{double}, Span{double})"/> on a loaded or generated problem.</summary>
        public static double Gradient(GmmData data, Span<double> dAlphas, Span<double> dMeans, Span<double> dIcf) =>
            Gradient(data.Alphas, data.Means, data.Icf, data.X, data.Gamma, data.Constant, data.M, data.D, data.K, data.N, dAlphas, dMeans, dIcf);
    }
}

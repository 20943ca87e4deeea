using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The Gaussian mixture model objective of ADBench (Srajer, Kukelova and Fitzgibbon, 2018):
    /// the log-likelihood of n points xᵢ ∈ ℝᵈ under a mixture of k Gaussians, plus a Wishart prior
    /// on the inverse covariances, written here from the mathematics:
    /// <code>
    /// E = −n·d/2·log 2π + Σᵢ logsumexpₖ(αₖ + Σ qₖ − ½‖Qₖ(xᵢ − μₖ)‖²) − n·logsumexp(α)
    ///     + Σₖ (½γ²(‖exp qₖ‖² + ‖lₖ‖²) − m·Σ qₖ) − k·C
    /// C = N·d·(log γ − ½ log 2) − log Γ_d(N/2),  N = d + m + 1,
    /// log Γ_d(a) = d(d−1)/4·log π + Σⱼ₌₁..d lgamma(a + (1 − j)/2)
    /// </code>
    /// Qₖ is lower triangular: diagonal exp(qₖ), strictly-lower part lₖ. Parameters, all flat and
    /// row-major: <c>alphas</c> (k), <c>means</c> (k × d, one row per component), <c>icf</c>
    /// (k × (d + d(d−1)/2): per component the d log-diagonal entries qₖ, then the strictly-lower
    /// entries lₖ column by column), <c>x</c> (n × d). The terms that do not depend on the parameters
    /// (−n·d/2·log 2π − k·C) are <see cref="Constant"/>, computed once and passed in.
    /// <para>
    /// <see cref="Objective"/> is the differentiable form: it calls the differentiable helpers
    /// <see cref="SumLogDiagonal"/>, <see cref="QxSquaredNorm"/> and <see cref="LogWishartPrior"/>
    /// and takes <see cref="AdMath.LogSumExp(ReadOnlySpan{double})"/> of a local buffer per point.
    /// <see cref="ObjectivePlain"/> is the same mathematics written as one would without a
    /// generator (exp(qₖ) and xᵢ − μₖ computed once into scratch memory).
    /// </para>
    /// </summary>
    public static partial class Gmm
    {
        /// <summary>Number of inverse-covariance factor entries per component: d + d(d−1)/2.</summary>
        public static int IcfSize(int d) => d + d * (d - 1) / 2;

        /// <summary>
        /// The GMM objective. <paramref name="constant"/> must be <see cref="Constant"/>(d, k, n, γ, m);
        /// <paramref name="gamma"/> and <paramref name="m"/> are the Wishart prior's parameters.
        /// </summary>
        [Differentiable]
        public static double Objective(ReadOnlySpan<double> alphas, ReadOnlySpan<double> means, ReadOnlySpan<double> icf,
            [NoDerivative] ReadOnlySpan<double> x, [NoDerivative] double gamma, [NoDerivative] double constant, int m, int d, int k, int n)
        {
            int icfSize = d + d * (d - 1) / 2;
            Span<double> sumLogDiagonal = stackalloc double[k];
            Span<double> mainTerm = stackalloc double[k];
            for (int c = 0; c < k; c++) sumLogDiagonal[c] = SumLogDiagonal(icf, c * icfSize, d);

            double sumOverPoints = 0;
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < k; c++)
                {
                    mainTerm[c] = alphas[c] + sumLogDiagonal[c] - 0.5 * QxSquaredNorm(icf, c * icfSize, means, c * d, x, i * d, d);
                }
                sumOverPoints += AdMath.LogSumExp(mainTerm);
            }
            return constant + sumOverPoints - n * AdMath.LogSumExp(alphas) + LogWishartPrior(icf, gamma, m, d, k);
        }

        /// <summary>
        /// The objective written as ADBench's reference C++ writes it (<c>gmm_objective</c> with <c>Qtimesx</c>,
        /// <c>subtract</c>, <c>sqnorm</c> and <c>log_wishart_prior</c> inlined by hand): plain loops, exp(qₖ) and Σ qₖ
        /// once per component into scratch buffers, xᵢ − μₖ and Qₖ(xᵢ − μₖ) per point and component into two
        /// buffers overwritten each time, the strictly-lower entries walked by a running index. No helper calls and no
        /// <c>Inline</c> options: what the generator's reverse mode records for it is the subject of the GMM benchmark.
        /// </summary>
        [Differentiable]
        public static double ObjectiveLoops(ReadOnlySpan<double> alphas, ReadOnlySpan<double> means, ReadOnlySpan<double> icf,
            [NoDerivative] ReadOnlySpan<double> x, [NoDerivative] double gamma, [NoDerivative] double constant, int m, int d, int k, int n)
        {
            int icfSize = d + d * (d - 1) / 2;
            Span<double> qdiags = stackalloc double[k * d];
            Span<double> sumQs = stackalloc double[k];
            Span<double> xcentered = stackalloc double[d];
            Span<double> qxcentered = stackalloc double[d];
            Span<double> mainTerm = stackalloc double[k];
            for (int ik = 0; ik < k; ik++)
            {
                double s = 0;
                for (int id = 0; id < d; id++)
                {
                    double q = icf[ik * icfSize + id];
                    s += q;
                    qdiags[ik * d + id] = Math.Exp(q);
                }
                sumQs[ik] = s;
            }

            double slse = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++) xcentered[id] = x[ix * d + id] - means[ik * d + id];
                    for (int id = 0; id < d; id++) qxcentered[id] = qdiags[ik * d + id] * xcentered[id];
                    int lparams = ik * icfSize + d;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = i + 1; j < d; j++)
                        {
                            qxcentered[j] += icf[lparams] * xcentered[i];
                            lparams++;
                        }
                    }
                    double sqnorm = 0;
                    for (int id = 0; id < d; id++) sqnorm += qxcentered[id] * qxcentered[id];
                    mainTerm[ik] = alphas[ik] + sumQs[ik] - 0.5 * sqnorm;
                }
                slse += AdMath.LogSumExp(mainTerm);
            }

            double prior = 0;
            for (int ik = 0; ik < k; ik++)
            {
                double frobenius = 0;
                for (int id = 0; id < d; id++) frobenius += qdiags[ik * d + id] * qdiags[ik * d + id];
                for (int id = d; id < icfSize; id++) frobenius += icf[ik * icfSize + id] * icf[ik * icfSize + id];
                prior += 0.5 * gamma * gamma * frobenius - m * sumQs[ik];
            }
            return constant + slse - n * AdMath.LogSumExp(alphas) + prior;
        }

        /// <summary>Σ qₖ: the sum of the log-diagonal of the component's factor starting at <paramref name="icfOffset"/>.</summary>
        [Differentiable(Inline = true)]
        public static double SumLogDiagonal(ReadOnlySpan<double> icf, int icfOffset, int d)
        {
            double sum = 0;
            for (int r = 0; r < d; r++) sum += icf[icfOffset + r];
            return sum;
        }

        /// <summary>
        /// ‖Qₖ(xᵢ − μₖ)‖², row by row: (Qz)ᵣ = exp(qᵣ)·zᵣ + Σ_{j &lt; r} L(r, j)·zⱼ, z = xᵢ − μₖ, with
        /// the entries of z recomputed where they are needed (no buffer). L(r, j), r &gt; j, is entry
        /// d + j·d − j(j+1)/2 + (r − j − 1) of the component's factor (strictly-lower part, column by column).
        /// </summary>
        [Differentiable(Inline = true)]
        public static double QxSquaredNorm(ReadOnlySpan<double> icf, int icfOffset, ReadOnlySpan<double> means, int meanOffset,
            [NoDerivative] ReadOnlySpan<double> x, int xOffset, int d)
        {
            double sum = 0;
            for (int r = 0; r < d; r++)
            {
                double row = Math.Exp(icf[icfOffset + r]) * (x[xOffset + r] - means[meanOffset + r]);
                for (int j = 0; j < r; j++)
                {
                    int l = icfOffset + d + j * d - j * (j + 1) / 2 + (r - j - 1);
                    row += icf[l] * (x[xOffset + j] - means[meanOffset + j]);
                }
                sum += row * row;
            }
            return sum;
        }

        /// <summary>
        /// The parameter-dependent part of the log Wishart prior: Σₖ (½γ²(‖exp qₖ‖² + ‖lₖ‖²) − m·Σ qₖ).
        /// </summary>
        [Differentiable(Inline = true)]
        public static double LogWishartPrior(ReadOnlySpan<double> icf, [NoDerivative] double gamma, int m, int d, int k)
        {
            int icfSize = d + d * (d - 1) / 2;
            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                double frobenius = 0;
                double sumLog = 0;
                for (int r = 0; r < d; r++)
                {
                    double q = icf[c * icfSize + r];
                    double e = Math.Exp(q);
                    frobenius += e * e;
                    sumLog += q;
                }
                for (int r = d; r < icfSize; r++)
                {
                    double l = icf[c * icfSize + r];
                    frobenius += l * l;
                }
                sum += 0.5 * gamma * gamma * frobenius - m * sumLog;
            }
            return sum;
        }

        /// <summary>
        /// The terms of the objective that do not depend on the parameters: −n·d/2·log 2π − k·C, with
        /// C = N·d·(log γ − ½ log 2) − log Γ_d(N/2) and N = d + m + 1.
        /// </summary>
        public static double Constant(int d, int k, int n, double gamma, int m)
        {
            int bigN = d + m + 1;
            double c = bigN * d * (Math.Log(gamma) - 0.5 * Math.Log(2)) - LogMultivariateGamma(0.5 * bigN, d);
            return -0.5 * n * d * Math.Log(2 * Math.PI) - k * c;
        }

        /// <summary>log Γ_d(a) = d(d−1)/4·log π + Σⱼ₌₁..d log Γ(a + (1 − j)/2).</summary>
        public static double LogMultivariateGamma(double a, int d)
        {
            double sum = 0.25 * d * (d - 1) * Math.Log(Math.PI);
            for (int j = 1; j <= d; j++) sum += LogGamma(a + 0.5 * (1 - j));
            return sum;
        }

        // Lanczos approximation with g = 7 and 9 coefficients (the widely published set; relative
        // error about 1e-15 for real arguments).
        static readonly double[] LanczosCoefficients =
        {
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7,
        };

        /// <summary>
        /// log |Γ(x)| by the Lanczos approximation, for x &gt; 0 directly and for x &lt; 0.5 through the
        /// reflection formula Γ(x)Γ(1 − x) = π / sin(πx). +∞ at the poles (0, −1, −2, …).
        /// </summary>
        public static double LogGamma(double x)
        {
            if (x < 0.5)
            {
                double s = Math.Sin(Math.PI * x);
                if (s == 0) return double.PositiveInfinity;
                return Math.Log(Math.PI / Math.Abs(s)) - LogGamma(1 - x);
            }
            x -= 1;
            double sum = LanczosCoefficients[0];
            for (int i = 1; i < LanczosCoefficients.Length; i++) sum += LanczosCoefficients[i] / (x + i);
            double t = x + 7.5;
            return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
        }

        /// <summary>
        /// The same objective without the generator's constraints: exp(qₖ) and Σ qₖ once per component,
        /// xᵢ − μₖ once per point and component, in stack scratch (heap scratch above 16 KB). Agrees
        /// with <see cref="Objective"/> to rounding.
        /// </summary>
        public static double ObjectivePlain(ReadOnlySpan<double> alphas, ReadOnlySpan<double> means, ReadOnlySpan<double> icf,
            ReadOnlySpan<double> x, double gamma, double constant, int m, int d, int k, int n)
        {
            int icfSize = IcfSize(d);
            int scratchLength = k * d + 2 * k + d;
            Span<double> scratch = scratchLength <= 2048 ? stackalloc double[scratchLength] : new double[scratchLength];
            Span<double> diagonal = scratch.Slice(0, k * d);
            Span<double> sumLog = scratch.Slice(k * d, k);
            Span<double> mainTerm = scratch.Slice(k * d + k, k);
            Span<double> centered = scratch.Slice(k * d + 2 * k, d);

            double prior = 0;
            for (int c = 0; c < k; c++)
            {
                ReadOnlySpan<double> factor = icf.Slice(c * icfSize, icfSize);
                double s = 0, frobenius = 0;
                for (int r = 0; r < d; r++)
                {
                    double e = Math.Exp(factor[r]);
                    diagonal[c * d + r] = e;
                    s += factor[r];
                    frobenius += e * e;
                }
                for (int r = d; r < icfSize; r++) frobenius += factor[r] * factor[r];
                sumLog[c] = s;
                prior += 0.5 * gamma * gamma * frobenius - m * s;
            }

            double sumOverPoints = 0;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> point = x.Slice(i * d, d);
                for (int c = 0; c < k; c++)
                {
                    ReadOnlySpan<double> mean = means.Slice(c * d, d);
                    ReadOnlySpan<double> factor = icf.Slice(c * icfSize, icfSize);
                    for (int r = 0; r < d; r++) centered[r] = point[r] - mean[r];
                    double norm = 0;
                    for (int r = 0; r < d; r++)
                    {
                        double row = diagonal[c * d + r] * centered[r];
                        // L(r, j) for j < r: column j starts at d + j·d − j(j+1)/2.
                        int l = d + r - 1;
                        for (int j = 0; j < r; j++)
                        {
                            row += factor[l] * centered[j];
                            l += d - j - 2;
                        }
                        norm += row * row;
                    }
                    mainTerm[c] = alphas[c] + sumLog[c] - 0.5 * norm;
                }
                sumOverPoints += AdMath.LogSumExp(mainTerm);
            }
            return constant + sumOverPoints - n * AdMath.LogSumExp(alphas) + prior;
        }
    }
}

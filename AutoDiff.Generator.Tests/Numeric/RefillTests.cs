using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="RefillTests"/>: local buffers that one statement fills in a loop body from inputs, which the
    /// reverse sweep fills again instead of restoring them (<c>RefillPlan</c>), and near misses that must still restore or record.
    /// </summary>
    public static partial class Refills
    {
        /// <summary>
        /// The GMM benchmark's shape: per point and component xc = x − μ (refilled), q = exp(qd)·xc plus a triangular part
        /// reading xc, −½‖q‖² per component, log-sum-exp over components. p holds k·d means, k·d log-diagonals, k·d² lower entries.
        /// </summary>
        [Differentiable]
        public static double Gmm(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> xc = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            Span<double> terms = stackalloc double[k];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[ik * d + id];
                    for (int id = 0; id < d; id++) q[id] = Math.Exp(p[k * d + ik * d + id]) * xc[id];
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = i + 1; j < d; j++) q[j] += p[2 * k * d + ik * d * d + i * d + j] * xc[i];
                    }
                    double s = 0;
                    for (int id = 0; id < d; id++) s += q[id] * q[id];
                    terms[ik] = -0.5 * s;
                }
                total += AdMath.LogSumExp(terms);
            }
            return total;
        }

        /// <summary>As <see cref="Gmm"/>, but xc[0] of the previous component is read before xc is filled: xc is restored, not refilled.</summary>
        [Differentiable]
        public static double ReadBefore(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> xc = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            Span<double> terms = stackalloc double[k];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    double previous = xc[0];
                    for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[ik * d + id];
                    for (int id = 0; id < d; id++) q[id] = Math.Exp(p[k * d + ik * d + id]) * xc[id];
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = i + 1; j < d; j++) q[j] += p[2 * k * d + ik * d * d + i * d + j] * xc[i];
                    }
                    double s = 0;
                    for (int id = 0; id < d; id++) s += q[id] * q[id];
                    terms[ik] = -0.5 * s + 0.25 * previous * previous;
                }
                total += AdMath.LogSumExp(terms);
            }
            return total;
        }

        /// <summary>One loop fills xc and q (q from xc, as a fused loop does): xc is refilled, q's reads are recorded as before.</summary>
        [Differentiable]
        public static double Fused(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> xc = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++)
                    {
                        xc[id] = x[ix * d + id] - p[ik * d + id];
                        q[id] = p[k * d + id] * xc[id];
                    }
                    double s = 0;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = 0; j <= i; j++) s += q[i] * xc[j] * p[j];
                    }
                    total += Math.Sin(s);
                }
            }
            return total;
        }

        /// <summary>
        /// Three loops deep: c[1] written once per innermost iteration (the write itself is the refilled statement), b filled by a
        /// counted loop in the middle loop's body from p and the counters, and a buffer e filled from data only (its filling loop
        /// has no reverse) and read by the adjoint.
        /// </summary>
        [Differentiable]
        public static double Nested(double[] p, [NoDerivative] double[] data, int n, int m)
        {
            int d = p.Length / 2;
            Span<double> b = stackalloc double[d];
            Span<double> c = stackalloc double[2];
            Span<double> e = stackalloc double[d];
            double total = 0;
            for (int t = 0; t < n; t++)
            {
                for (int r = 0; r < m; r++)
                {
                    for (int id = 0; id < d; id++) b[id] = p[id] * (t + 1) - p[d + id];
                    for (int id = 0; id < d; id++) e[id] = data[(r + id) % data.Length] * 0.5;
                    for (int s = 0; s < 2; s++)
                    {
                        c[1] = p[s] * (r + 1) - p[d + s];
                        for (int id = 0; id < d; id++) total += Math.Sin(b[id] * c[1]) * e[id] * p[id];
                        total += c[1] * c[1];
                    }
                }
            }
            return total;
        }

        /// <summary>b's index depends on the component (b[ik·d + id]): every component writes other elements, so b is not refilled.</summary>
        [Differentiable]
        public static double IndexOnCounter(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> b = stackalloc double[k * d];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++) b[ik * d + id] = x[ix * d + id] - p[ik * d + id];
                    double s = 0;
                    for (int id = 0; id < d; id++) s += b[ik * d + id] * b[ik * d + id] * p[k * d + id];
                    total += Math.Exp(-s) + b[ik * d] * b[0];
                }
            }
            return total;
        }

        /// <summary>b is filled from c, which the same body writes after: b is not refilled (c changes under it).</summary>
        [Differentiable]
        public static double ReadsWrittenBuffer(double[] p, int n)
        {
            int d = p.Length;
            Span<double> b = stackalloc double[d];
            Span<double> c = stackalloc double[d];
            double total = 0;
            for (int t = 0; t < n; t++)
            {
                for (int id = 0; id < d; id++) b[id] = c[id] + p[id];
                double s = 0;
                for (int id = 0; id < d; id++) s += b[id] * b[(id + 1) % d];
                for (int id = 0; id < d; id++) c[id] = Math.Sin(b[id] * 0.5);
                total += s;
            }
            return total;
        }

        /// <summary>As <see cref="Gmm"/>, checkpointed: the point loop strip-mined into segments run again from their snapshots.</summary>
        [Differentiable(Checkpoints = 3)]
        public static double GmmCheckpointed(double[] p, [NoDerivative] double[] x, int d, int k)
        {
            int n = x.Length / d;
            Span<double> xc = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            double total = 0;
            for (int ix = 0; ix < n; ix++)
            {
                for (int ik = 0; ik < k; ik++)
                {
                    for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[ik * d + id];
                    for (int id = 0; id < d; id++) q[id] = Math.Exp(p[k * d + id]) * xc[id];
                    double s = 0;
                    for (int id = 0; id < d; id++) s += q[id] * q[id] + xc[id] * xc[(id + 1) % d];
                    total += Math.Exp(-0.5 * s);
                }
            }
            return total;
        }
    }

    /// <summary>
    /// A buffer one statement fills in a loop body from values the reverse sweep has is filled again where the reverse of that
    /// body starts, rather than restored element by element (issue 17: GMM's xc = x − μ). Each fixture's Gradient is checked
    /// against central differences and its Jvp, its value bit for bit, its Hvp against differences of the gradient; the tapes
    /// against the same function with a read that forces the restore, which records each overwritten element.
    /// </summary>
    public sealed class RefillTests
    {
        private static double[] Data(int length, int seed) => Point(length, seed).Select(v => 2 * v).ToArray();

        private static int GmmSize(int d, int k) => 2 * k * d + k * d * d;

        [TestCase(3, 2, 4)]
        [TestCase(1, 3, 2)]
        [TestCase(4, 1, 3)]
        [TestCase(2, 3, 0)]
        [TestCase(2, 0, 3)]
        public void Gmm_matches_differences_and_forward_mode(int d, int k, int n)
        {
            var x = Data(n * d, 7 + d);
            Check(p => Refills.Gmm(p, x, d, k), (p, g) => Refills.GmmGradient(p, x, d, k, g),
                (double[] p, double[] dp, out double t) => Refills.GmmJvp(p, x, d, k, dp, out t), Point(GmmSize(d, k), 3 * d + k + n));
        }

        [Test]
        public void Gmm_matches_a_hand_formula_at_one_point_and_component()
        {
            // n = 1, k = 1, d = 1: xc = x − μ, q = e^w·xc, f = log e^(−½q²) = −½ e^(2w) (x − μ)².
            var x = new[] { 0.8 };
            var p = new[] { 0.3, -0.2, 0.5 };
            var g = new double[3];
            double f = Refills.GmmGradient(p, x, 1, 1, g);
            double e2w = Math.Exp(2 * p[1]), r = x[0] - p[0];
            Assert.That(f, Is.EqualTo(-0.5 * e2w * r * r).Within(1e-15));
            Assert.That(g[0], Is.EqualTo(e2w * r).Within(1e-14));
            Assert.That(g[1], Is.EqualTo(-e2w * r * r).Within(1e-14));
            Assert.That(g[2], Is.EqualTo(0.0));
        }

        [Test]
        public void Gmm_Hvp_matches_differences_of_the_gradient()
        {
            var x = Data(3 * 3, 5);
            CheckHvp(p => Refills.Gmm(p, x, 3, 2), (p, g) => Refills.GmmGradient(p, x, 3, 2, g),
                (p, v, hv) => Refills.GmmHvp(p, x, 3, 2, v, hv), Point(GmmSize(3, 2), 8), Point(GmmSize(3, 2), 9));
        }

        [TestCase(3, 2, 4)]
        [TestCase(2, 2, 0)]
        public void ReadBefore_matches_differences_and_forward_mode(int d, int k, int n)
        {
            var x = Data(n * d, 11 + d);
            Check(p => Refills.ReadBefore(p, x, d, k), (p, g) => Refills.ReadBeforeGradient(p, x, d, k, g),
                (double[] p, double[] dp, out double t) => Refills.ReadBeforeJvp(p, x, d, k, dp, out t), Point(GmmSize(d, k), 4 * d + k + n));
        }

        [TestCase(3, 2, 3)]
        [TestCase(1, 1, 2)]
        [TestCase(2, 2, 0)]
        public void Fused_matches_differences_and_forward_mode(int d, int k, int n)
        {
            var x = Data(n * d, 13 + d);
            Check(p => Refills.Fused(p, x, d, k), (p, g) => Refills.FusedGradient(p, x, d, k, g),
                (double[] p, double[] dp, out double t) => Refills.FusedJvp(p, x, d, k, dp, out t), Point(k * d + d, 5 * d + k + n));
        }

        [Test]
        public void Fused_Hvp_matches_differences_of_the_gradient()
        {
            var x = Data(2 * 3, 6);
            CheckHvp(p => Refills.Fused(p, x, 3, 2), (p, g) => Refills.FusedGradient(p, x, 3, 2, g),
                (p, v, hv) => Refills.FusedHvp(p, x, 3, 2, v, hv), Point(9, 10), Point(9, 11));
        }

        [TestCase(3, 2, 2)]
        [TestCase(2, 3, 1)]
        [TestCase(2, 0, 2)]
        [TestCase(2, 2, 0)]
        public void Nested_matches_differences_and_forward_mode(int d, int n, int m)
        {
            var data = Data(5, 17);
            Check(p => Refills.Nested(p, data, n, m), (p, g) => Refills.NestedGradient(p, data, n, m, g),
                (double[] p, double[] dp, out double t) => Refills.NestedJvp(p, data, n, m, dp, out t), Point(2 * d, 6 * d + n + m));
        }

        [Test]
        public void Nested_Hvp_matches_differences_of_the_gradient()
        {
            var data = Data(5, 18);
            CheckHvp(p => Refills.Nested(p, data, 2, 2), (p, g) => Refills.NestedGradient(p, data, 2, 2, g),
                (p, v, hv) => Refills.NestedHvp(p, data, 2, 2, v, hv), Point(6, 12), Point(6, 13));
        }

        [TestCase(3, 2, 3)]
        [TestCase(2, 1, 0)]
        public void IndexOnCounter_matches_differences_and_forward_mode(int d, int k, int n)
        {
            var x = Data(n * d, 19 + d);
            Check(p => Refills.IndexOnCounter(p, x, d, k), (p, g) => Refills.IndexOnCounterGradient(p, x, d, k, g),
                (double[] p, double[] dp, out double t) => Refills.IndexOnCounterJvp(p, x, d, k, dp, out t), Point(k * d + d, 7 * d + k + n));
        }

        [TestCase(3, 3)]
        [TestCase(1, 2)]
        [TestCase(2, 0)]
        public void ReadsWrittenBuffer_matches_differences_and_forward_mode(int d, int n)
        {
            Check(p => Refills.ReadsWrittenBuffer(p, n), (p, g) => Refills.ReadsWrittenBufferGradient(p, n, g),
                (double[] p, double[] dp, out double t) => Refills.ReadsWrittenBufferJvp(p, n, dp, out t), Point(d, 8 * d + n));
        }

        [TestCase(3, 2, 7)]
        [TestCase(2, 1, 2)]
        [TestCase(2, 2, 0)]
        public void GmmCheckpointed_matches_differences_and_forward_mode(int d, int k, int n)
        {
            var x = Data(n * d, 23 + d);
            Check(p => Refills.GmmCheckpointed(p, x, d, k), (p, g) => Refills.GmmCheckpointedGradient(p, x, d, k, g),
                (double[] p, double[] dp, out double t) => Refills.GmmCheckpointedJvp(p, x, d, k, dp, out t), Point(k * d + d, 9 * d + k + n));
        }

        /// <summary>
        /// Gmm at d = 16, k = 8, n = 230: refilled, per component it records d exps and q's d elements (the partial of ·²) as doubles
        /// and d running indices as ints, and nothing for xc: 230·8·16·16 = 471,040 bytes of doubles with the log-sum-exp's, within
        /// the pool's 512 KiB, and 117,760 of ints (128 KiB): 640 KiB. ReadBefore, the same with xc restored, records d doubles more per
        /// component (706,560 bytes: 1 MiB pooled); so did Gmm before xc was refilled.
        /// </summary>
        [Test]
        public void Gmm_records_nothing_for_the_refilled_buffer()
        {
            int d = 16, k = 8, n = 230;
            var x = Data(n * d, 3);
            var p = Point(GmmSize(d, k), 4);
            var g = new double[p.Length];
            long refilled = TapeBytes(() => Refills.GmmGradient(p, x, d, k, g));
            long restored = TapeBytes(() => Refills.ReadBeforeGradient(p, x, d, k, g));
            Assert.That(refilled, Is.LessThanOrEqualTo(640 << 10), "tape bytes per call, refilled");
            Assert.That(restored, Is.GreaterThan(640 << 10), "tape bytes per call, restored");
        }
    }
}

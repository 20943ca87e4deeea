using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="RecordOnceTests"/>: local buffers overwritten in loops and read many times per write
    /// (restored write by write), filled once and then read (read again, never recorded), read twice per element in a
    /// block (recorded once), read before they are written in the same block (recorded), and written in branches.
    /// </summary>
    public static partial class RecordOnce
    {
        /// <summary>z = sin(a·(i+1)) − b, overwritten for every i, then read d(d+1) times: Σᵢ Σᵣ (Σⱼ≤ᵣ aⱼ zⱼ zᵣ)².</summary>
        [Differentiable]
        public static double Triangular(double[] x, int n)
        {
            int d = x.Length / 2;
            Span<double> z = stackalloc double[d];
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++) z[r] = Math.Sin(x[r] * (i + 1)) - x[d + r];
                for (int r = 0; r < d; r++)
                {
                    double row = 0;
                    for (int j = 0; j <= r; j++) row += x[j] * z[j] * z[r];
                    sum += row * row;
                }
            }
            return sum;
        }

        /// <summary>e = exp(x) filled once, then read 2·n·d times at indices affine in the counters.</summary>
        [Differentiable]
        public static double FillOnce(double[] x, int n)
        {
            int d = x.Length;
            Span<double> e = stackalloc double[d];
            for (int r = 0; r < d; r++) e[r] = Math.Exp(x[r]);
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++) s += e[r] * e[d - 1 - r] * x[r] * (i + 1);
            }
            return s;
        }

        /// <summary>
        /// Qz accumulated in place as ADBench writes it (q[j] = q[j] + L·z[i], a read before the write in its block), then
        /// ‖q‖² with each element read twice; z overwritten for every point; a running index into the lower part.
        /// </summary>
        [Differentiable]
        public static double QxNorm(double[] x, [NoDerivative] double[] points, int n)
        {
            int d = (int)Math.Round((Math.Sqrt(8.0 * x.Length + 1) - 1) / 2) - 1;
            // x holds d diagonal entries, d(d−1)/2 lower entries, then d means: d + d(d−1)/2 + d = x.Length.
            Span<double> z = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            double total = 0;
            for (int p = 0; p < n; p++)
            {
                for (int r = 0; r < d; r++) z[r] = points[p * d + r] - x[d + d * (d - 1) / 2 + r];
                for (int r = 0; r < d; r++) q[r] = Math.Exp(x[r]) * z[r];
                int l = d;
                for (int i = 0; i < d; i++)
                {
                    for (int j = i + 1; j < d; j++)
                    {
                        q[j] = q[j] + x[l] * z[i];
                        l++;
                    }
                }
                double norm = 0;
                for (int r = 0; r < d; r++) norm += q[r] * q[r];
                total += Math.Log(1 + norm);
            }
            return total;
        }

        /// <summary>A buffer written in both branches of an if inside a loop, one branch reading its old value, then read d² times.</summary>
        [Differentiable]
        public static double Branches(double[] x, int n)
        {
            int d = x.Length;
            Span<double> z = stackalloc double[d];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    if ((i + r) % 2 == 0) z[r] = x[r] * (i + 1);
                    else z[r] = Math.Cos(x[r] + z[r]);
                }
                for (int r = 0; r < d; r++)
                {
                    for (int j = 0; j < d; j++) s += z[r] * z[j] * x[j];
                }
            }
            return s;
        }
    }

    /// <summary>
    /// Reverse mode records what its sweep needs once (issue 17, item 1): a buffer overwritten in a loop is recorded per
    /// overwrite, not per read; a buffer filled once is read again rather than recorded; two reads of one element are
    /// recorded once. Each fixture's Gradient is checked against central differences and against its Jvp (forward
    /// mode), its value bit for bit against the method's, and its pooled tape memory against a bound the old planning
    /// (every read recorded) exceeds.
    /// </summary>
    public sealed class RecordOnceTests
    {

        [TestCase(3, 1)]
        [TestCase(3, 4)]
        [TestCase(5, 6)]
        [TestCase(1, 3)]
        [TestCase(4, 0)]
        public void Triangular_matches_differences_and_forward_mode(int d, int n)
        {
            Check(x => RecordOnce.Triangular(x, n), (x, g) => RecordOnce.TriangularGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RecordOnce.TriangularJvp(x, n, dx, out t), Point(2 * d, d + n));
        }

        [TestCase(4, 5)]
        [TestCase(1, 2)]
        [TestCase(6, 0)]
        public void FillOnce_matches_differences_and_forward_mode(int d, int n)
        {
            Check(x => RecordOnce.FillOnce(x, n), (x, g) => RecordOnce.FillOnceGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RecordOnce.FillOnceJvp(x, n, dx, out t), Point(d, 7 * d + n));
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(5, 2)]
        public void QxNorm_matches_differences_and_forward_mode(int d, int n)
        {
            var points = Point(n * d, 11 * d + n);
            Check(x => RecordOnce.QxNorm(x, points, n), (x, g) => RecordOnce.QxNormGradient(x, points, n, g),
                (double[] x, double[] dx, out double t) => RecordOnce.QxNormJvp(x, points, n, dx, out t), Point(2 * d + d * (d - 1) / 2, d + n));
        }

        [TestCase(4, 3)]
        [TestCase(3, 5)]
        [TestCase(1, 2)]
        public void Branches_match_differences_and_forward_mode(int d, int n)
        {
            Check(x => RecordOnce.Branches(x, n), (x, g) => RecordOnce.BranchesGradient(x, n, g),
                (double[] x, double[] dx, out double t) => RecordOnce.BranchesJvp(x, n, dx, out t), Point(d, 3 * d + n));
        }

        /// <summary>
        /// Tape per gradient call at d = 20, n = 2,000. Now: the d overwritten elements of z per i (one double each) and a
        /// few values per row: about 8·2000·(20 + 2·20) bytes, under 2 MB with the tape's doubling. Recording every read
        /// of z, as before, took d(d+1) = 420 doubles per i: 6.7 MB.
        /// </summary>
        [Test]
        public void Triangular_records_per_overwrite_not_per_read()
        {
            var x = Point(40, 1);
            var g = new double[40];
            long bytes = TapeBytes(() => RecordOnce.TriangularGradient(x, 2000, g));
            Assert.That(bytes, Is.LessThanOrEqualTo(2 << 20), "tape bytes per call");
        }

        /// <summary>A buffer filled once is read again in the reverse sweep: the loop that reads it 200,000 times records nothing.</summary>
        [Test]
        public void FillOnce_records_nothing_in_the_reading_loop()
        {
            var x = Point(20, 2);
            var g = new double[20];
            Assert.That(TapeBytes(() => RecordOnce.FillOnceGradient(x, 10000, g)), Is.EqualTo(0), "tape bytes per call beyond the stack start");
        }

        /// <summary>QxNorm at d = 20 and 1,000 points: z restored (20 doubles per point), ‖q‖² recording each q[r] once (20), the running index per row (20 ints).</summary>
        [Test]
        public void QxNorm_records_each_element_once()
        {
            int d = 20, n = 1000;
            var x = Point(2 * d + d * (d - 1) / 2, 3);
            var points = Point(n * d, 4);
            var g = new double[x.Length];
            long bytes = TapeBytes(() => RecordOnce.QxNormGradient(x, points, n, g));
            // 1000 · (20·8 + 20·8 + 20·4) = 400 KB recorded; with doubling, at most 1 MB. Every read recorded: 3.4 MB.
            Assert.That(bytes, Is.LessThanOrEqualTo(1 << 20), "tape bytes per call");
        }

        /// <summary>The generated code of a buffer restored write by write: the overwritten element pushed before the write, written back after its adjoint.</summary>
        [Test]
        public void Restored_buffer_snapshot() => GeneratedCode.VerifyInFns("""
            [Differentiable]
            public static double Triangular(double[] x, int n)
            {
                int d = x.Length / 2;
                Span<double> z = stackalloc double[d];
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    for (int r = 0; r < d; r++) z[r] = Math.Sin(x[r] * (i + 1)) - x[d + r];
                    for (int r = 0; r < d; r++)
                    {
                        double row = 0;
                        for (int j = 0; j <= r; j++) row += x[j] * z[j] * z[r];
                        sum += row * row;
                    }
                }
                return sum;
            }
            """, nameof(Restored_buffer_snapshot));
    }
}

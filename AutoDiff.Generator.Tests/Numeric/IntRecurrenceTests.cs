using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="IntRecurrenceTests"/>: carried integers moved by what the reverse sweep computes anyway (GMM's
    /// packed triangle index, an offset advanced by a computed stride, one walked down, one carried through two loops), and
    /// two that must stay recorded (moved under a data-dependent branch; doubled).
    /// </summary>
    public static partial class IntRecurrence
    {
        /// <summary>
        /// GMM's triangular loop n times: q = v·(t + 1), then q[j] += L[l]·v[i] over the packed strict lower triangle L (l
        /// advanced once per (i, j)), then Σ q². x holds v (d values), then L (d(d − 1)/2).
        /// </summary>
        [Differentiable]
        public static double Triangle(double[] x, int d, int n)
        {
            Span<double> q = stackalloc double[d];
            double total = 0;
            for (int t = 0; t < n; t++)
            {
                for (int i = 0; i < d; i++) q[i] = x[i] * (t + 1);
                int l = d;
                for (int i = 0; i < d; i++)
                {
                    for (int j = i + 1; j < d; j++)
                    {
                        q[j] += x[l] * x[i];
                        l++;
                    }
                }
                for (int i = 0; i < d; i++) total += q[i] * q[i];
            }
            return total;
        }

        /// <summary>
        /// s ← s/2 + (i + 1)·x[oᵢ]², o₀ = first, oᵢ₊₁ = oᵢ + (2·stride − 1): an offset advanced by a computed stride (s halved,
        /// so the loop's adjoint is not known before it and it is reversed, not fused).
        /// </summary>
        [Differentiable]
        public static double Strided(double[] x, int first, int stride, int m)
        {
            int step = 2 * stride - 1;
            int off = first;
            double s = 0;
            for (int i = 0; i < m; i++)
            {
                s = s * 0.5 + x[off] * x[off] * (i + 1);
                off += step;
            }
            return s;
        }

        /// <summary><see cref="Strided"/> with the offset advanced only in the first half: an if on the counter, which the sweep has.</summary>
        [Differentiable]
        public static double Guarded(double[] x, int stride, int m)
        {
            int half = m / 2;
            int off = 0;
            double s = 0;
            for (int i = 0; i < m; i++)
            {
                s = s * 0.5 + x[off] * x[off] * (i + 1);
                if (i < half) off += stride;
            }
            return s;
        }

        /// <summary>Σᵢ sin(x[oᵢ])·x[oᵢ − 1], o₀ = x.Length − 1, oᵢ₊₁ = oᵢ − down: an offset walked down by a value from before the loop.</summary>
        [Differentiable]
        public static double Decreasing(double[] x, int down, int m)
        {
            int off = x.Length - 1;
            double s = 0;
            for (int i = 0; i < m; i++)
            {
                s += Math.Sin(x[off]) * x[off - 1];
                off -= down;
            }
            return s;
        }

        /// <summary>
        /// An offset carried through two loops: row a reads a + 1 elements stride apart, then skips one; Σ x[o]²·(b + 1)·(a + 1).
        /// The inner loop moves it by a stride (not a constant), the outer by (a + 1)·stride + 1.
        /// </summary>
        [Differentiable]
        public static double Nested(double[] x, int rows, int stride)
        {
            int off = 0;
            double s = 0;
            for (int a = 0; a < rows; a++)
            {
                int width = a + 1;
                for (int b = 0; b < width; b++)
                {
                    s += x[off] * x[off] * (b + 1) * (a + 1);
                    off += stride;
                }
                off += 1;
            }
            return s;
        }

        /// <summary>
        /// <see cref="Nested"/> with the row's bound computed in the inner loop's condition (its count then follows from its
        /// counter's final value, which the sweep does not have: the outer loop records the offset once per row).
        /// </summary>
        [Differentiable]
        public static double NestedBoundInCondition(double[] x, int rows, int stride)
        {
            int off = 0;
            double s = 0;
            for (int a = 0; a < rows; a++)
            {
                for (int b = 0; b < a + 1; b++)
                {
                    s += x[off] * x[off] * (b + 1) * (a + 1);
                    off += stride;
                }
                off += 1;
            }
            return s;
        }

        /// <summary>s ← sin(s + x[o]·(i + 1)), o advanced by a computed stride: the loop checkpointed every-k.</summary>
        [Differentiable(Checkpoints = 3)]
        public static double Checkpointed(double[] x, int first, int stride, int m)
        {
            int step = stride + 1;
            int off = first;
            double s = 0.5;
            for (int i = 0; i < m; i++)
            {
                s = Math.Sin(s + x[off] * (i + 1));
                off += step;
            }
            return s;
        }

        /// <summary><see cref="Checkpointed"/> under the binomial schedule.</summary>
        [Differentiable(Checkpoints = 3, CheckpointPolicy = CheckpointPolicy.Binomial)]
        public static double Binomial(double[] x, int first, int stride, int m)
        {
            int step = stride + 1;
            int off = first;
            double s = 0.5;
            for (int i = 0; i < m; i++)
            {
                s = Math.Sin(s + x[off] * (i + 1));
                off += step;
            }
            return s;
        }

        /// <summary>An offset moved only when the data says so (recorded: the branch is not known in the reverse sweep), and one doubled (recorded).</summary>
        [Differentiable]
        public static double Recorded(double[] x, int m)
        {
            int n = x.Length;
            int off = 0;
            int hop = 1;
            double s = 0;
            for (int i = 0; i < m; i++)
            {
                s += x[off] * x[hop % n] * Math.Cos(x[off]);
                if (x[off] > 0) off = (off + 3) % n;
                hop = hop * 2 % (4 * n + 1);
            }
            return s;
        }
    }

    /// <summary>
    /// The reverse sweep rebuilds a carried integer whose iteration adds what the sweep computes anyway (a term known before
    /// the loop, a counter, a nested loop's trip count times its step) from the loop's result backwards, rather than recording
    /// it per iteration (issue 17, GMM's packed index). Each fixture's Gradient is checked against central differences and its
    /// Jvp, the value bit for bit, its Hvp against differences of the gradient, a hand formula where short, and the tapes
    /// against bounds that recording the integer per iteration exceeds.
    /// </summary>
    public sealed class IntRecurrenceTests
    {
        [TestCase(1, 3)]
        [TestCase(2, 2)]
        [TestCase(4, 3)]
        [TestCase(5, 1)]
        [TestCase(3, 0)]
        [TestCase(0, 2)]
        public void Triangle_matches_differences_and_forward_mode(int d, int n)
        {
            Check(x => IntRecurrence.Triangle(x, d, n), (x, g) => IntRecurrence.TriangleGradient(x, d, n, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.TriangleJvp(x, d, n, dx, out t), Point(d + d * (d - 1) / 2, 3 * d + n));
        }

        [Test]
        public void Triangle_Hvp_matches_differences_of_the_gradient()
        {
            CheckHvp(x => IntRecurrence.Triangle(x, 4, 2), (x, g) => IntRecurrence.TriangleGradient(x, 4, 2, g),
                (x, v, hv) => IntRecurrence.TriangleHvp(x, 4, 2, v, hv), Point(10, 1), Point(10, 2));
        }

        /// <summary>
        /// d = 40, n = 300: the packed index recorded at each row of each triangle took n·d = 12000 ints (48 KB, 64 KB pooled),
        /// beside 128 KB of doubles (q's elements): 192 KB. Rebuilt, it is recorded once per triangle (n ints, 2 KB pooled): 130 KB.
        /// </summary>
        [Test]
        public void Triangle_records_its_packed_index_once_per_triangle()
        {
            int d = 40, n = 300;
            var x = Point(d + d * (d - 1) / 2, 5);
            var g = new double[x.Length];
            long with = TapeBytes(() => IntRecurrence.TriangleGradient(x, d, n, g));
            Assert.That(with, Is.LessThanOrEqualTo(160 << 10), "tape bytes per call");
        }

        [TestCase(0, 1, 5)]
        [TestCase(2, 2, 4)]
        [TestCase(9, -1, 4)]
        [TestCase(3, 1, 0)]
        public void Strided_matches_differences_forward_mode_and_the_hand_formula(int first, int stride, int m)
        {
            var x = Point(12, first + m);
            var g = Check(x => IntRecurrence.Strided(x, first, stride, m), (x, dx) => IntRecurrence.StridedGradient(x, first, stride, m, dx),
                (double[] x, double[] dx, out double t) => IntRecurrence.StridedJvp(x, first, stride, m, dx, out t), x);
            var hand = new double[x.Length];
            for (int i = 0, o = first; i < m; i++, o += 2 * stride - 1) hand[o] += Math.Pow(0.5, m - 1 - i) * 2 * x[o] * (i + 1);
            Assert.That(g, Is.EqualTo(hand).Within(1e-15), "2^(i + 1 − m)·2·(i + 1)·x[oᵢ] summed per element");
        }

        /// <summary>m = 20000 iterations: recorded per iteration, the offset took 20000 ints (80 KB, 128 KB pooled); rebuilt, the loop records nothing.</summary>
        [Test]
        public void Strided_records_no_offset()
        {
            var x = Point(20001, 1);
            var g = new double[x.Length];
            long bytes = TapeBytes(() => IntRecurrence.StridedGradient(x, 0, 1, 20000, g));
            Assert.That(bytes, Is.LessThan(4096), "tape bytes per call");
        }

        [TestCase(1, 5)]
        [TestCase(2, 6)]
        [TestCase(3, 1)]
        [TestCase(2, 0)]
        public void Guarded_matches_differences_forward_mode_and_the_hand_formula(int stride, int m)
        {
            var x = Point(m * stride + 1, m + stride);
            var g = Check(x => IntRecurrence.Guarded(x, stride, m), (x, dx) => IntRecurrence.GuardedGradient(x, stride, m, dx),
                (double[] x, double[] dx, out double t) => IntRecurrence.GuardedJvp(x, stride, m, dx, out t), x);
            var hand = new double[x.Length];
            for (int i = 0, o = 0; i < m; i++)
            {
                hand[o] += Math.Pow(0.5, m - 1 - i) * 2 * x[o] * (i + 1);
                if (i < m / 2) o += stride;
            }
            Assert.That(g, Is.EqualTo(hand).Within(1e-15), "the visits of the first half, then the last offset's");
        }

        /// <summary>m = 20000: recorded per iteration, the offset took 20000 ints (128 KB pooled); rebuilt, nothing.</summary>
        [Test]
        public void Guarded_records_no_offset()
        {
            var x = Point(10001, 1);
            var g = new double[x.Length];
            Assert.That(TapeBytes(() => IntRecurrence.GuardedGradient(x, 1, 20000, g)), Is.LessThan(4096), "tape bytes per call");
        }

        [TestCase(6, 1, 5)]
        [TestCase(9, 2, 4)]
        [TestCase(4, 3, 0)]
        public void Decreasing_matches_differences_and_forward_mode(int length, int down, int m)
        {
            var x = Point(length, length + down);
            var g = Check(x => IntRecurrence.Decreasing(x, down, m), (x, dx) => IntRecurrence.DecreasingGradient(x, down, m, dx),
                (double[] x, double[] dx, out double t) => IntRecurrence.DecreasingJvp(x, down, m, dx, out t), x);
            var hand = new double[x.Length];
            for (int i = 0, o = length - 1; i < m; i++, o -= down)
            {
                hand[o] += Math.Cos(x[o]) * x[o - 1];
                hand[o - 1] += Math.Sin(x[o]);
            }
            Assert.That(g, Is.EqualTo(hand).Within(1e-15), "cos(x[o])·x[o − 1] and sin(x[o]) per visit");
            if (m > 0)
            {
                CheckHvp(x => IntRecurrence.Decreasing(x, down, m), (x, dx) => IntRecurrence.DecreasingGradient(x, down, m, dx),
                    (x, v, hv) => IntRecurrence.DecreasingHvp(x, down, m, v, hv), x, Point(length, 7));
            }
        }

        [TestCase(0, 1)]
        [TestCase(1, 2)]
        [TestCase(3, 1)]
        [TestCase(4, 2)]
        public void Nested_matches_differences_and_forward_mode(int rows, int stride)
        {
            int length = rows * (rows + 1) / 2 * stride + rows + 1;
            Check(x => IntRecurrence.Nested(x, rows, stride), (x, g) => IntRecurrence.NestedGradient(x, rows, stride, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.NestedJvp(x, rows, stride, dx, out t), Point(length, rows + stride));
        }

        [TestCase(0, 1)]
        [TestCase(3, 1)]
        [TestCase(4, 2)]
        public void NestedBoundInCondition_matches_differences_and_forward_mode(int rows, int stride)
        {
            int length = rows * (rows + 1) / 2 * stride + rows + 1;
            Check(x => IntRecurrence.NestedBoundInCondition(x, rows, stride), (x, g) => IntRecurrence.NestedBoundInConditionGradient(x, rows, stride, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.NestedBoundInConditionJvp(x, rows, stride, dx, out t), Point(length, rows + stride));
        }

        [Test]
        public void Nested_Hvp_matches_differences_of_the_gradient()
        {
            CheckHvp(x => IntRecurrence.Nested(x, 3, 2), (x, g) => IntRecurrence.NestedGradient(x, 3, 2, g),
                (x, v, hv) => IntRecurrence.NestedHvp(x, 3, 2, v, hv), Point(16, 1), Point(16, 2));
        }

        /// <summary>rows = 150 (11325 visits): recorded per visit and per row, the offset took 11475 ints (45 KB); rebuilt, nothing.</summary>
        [Test]
        public void Nested_records_no_offset()
        {
            int rows = 150;
            var x = Point(rows * (rows + 1) / 2 + rows + 1, 1);
            var g = new double[x.Length];
            long bytes = TapeBytes(() => IntRecurrence.NestedGradient(x, rows, 1, g));
            Assert.That(bytes, Is.LessThan(4096), "tape bytes per call");
        }

        [TestCase(0, 0, 7)]
        [TestCase(1, 1, 5)]
        [TestCase(2, 0, 1)]
        [TestCase(0, 1, 0)]
        public void Checkpointed_match_differences_and_forward_mode(int first, int stride, int m)
        {
            var x = Point(first + m * (stride + 1) + 1, m + 2);
            Check(x => IntRecurrence.Checkpointed(x, first, stride, m), (x, g) => IntRecurrence.CheckpointedGradient(x, first, stride, m, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.CheckpointedJvp(x, first, stride, m, dx, out t), x);
            Check(x => IntRecurrence.Binomial(x, first, stride, m), (x, g) => IntRecurrence.BinomialGradient(x, first, stride, m, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.BinomialJvp(x, first, stride, m, dx, out t), x);
        }

        [TestCase(3, 5)]
        [TestCase(5, 9)]
        [TestCase(2, 0)]
        public void Recorded_matches_differences_and_forward_mode(int length, int m)
        {
            Check(x => IntRecurrence.Recorded(x, m), (x, g) => IntRecurrence.RecordedGradient(x, m, g),
                (double[] x, double[] dx, out double t) => IntRecurrence.RecordedJvp(x, m, dx, out t), Point(length, length + m));
        }
    }
}

using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="AccumulateInPlaceTests"/>: buffers accumulated in place (<c>b[i] += e</c>, <c>b[i] -= e</c>,
    /// <c>b[i] = e + b[i]</c>, chains), whose adjoint passes through the write (<c>ReversePlan.AccumulatingWrites</c>), and
    /// look-alikes where it must not (the old value read twice, another element, a write between).
    /// </summary>
    public static partial class AccumulateInPlace
    {
        /// <summary>b = x, then b[r] += x[r]·x[r+1 mod d]·(i+1) and b[r] += i/4 (a term that does not vary) for i &lt; n; Σ b[r]²·x[r].</summary>
        [Differentiable]
        public static double PlusEquals(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    b[r] += x[r] * x[(r + 1) % d] * (i + 1);
                    b[r] += 0.25 * i;
                }
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += b[r] * b[r] * x[r];
            return s;
        }

        /// <summary>b[r] −= sin(x[r]·(i+1)), then b[r] = exp(x[r]/10) + b[r] (the element on the right), then a chain b[r] = b[r] + x[r]² − cos(x[r+i mod d]).</summary>
        [Differentiable]
        public static double Forms(double[] x, int n)
        {
            int d = x.Length;
            var b = new double[d];
            for (int r = 0; r < d; r++) b[r] = x[r] * x[r];
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++) b[r] -= Math.Sin(x[r] * (i + 1));
                for (int r = 0; r < d; r++) b[r] = Math.Exp(x[r] / 10) + b[r];
                for (int r = 0; r < d; r++) b[r] = b[r] + x[r] * x[r] - Math.Cos(x[(r + i) % d]);
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += Math.Sin(b[r]) * (r + 1);
            return s;
        }

        /// <summary>
        /// The GMM shape: q = exp(x[..d])·z, then q[j] += L[l]·z[i] over the strict lower triangle (nested loops, q overwritten
        /// for every point and restored write by write), ‖q‖² read per point, and the log-sum-exp of a buffer accumulated in place.
        /// </summary>
        [Differentiable]
        public static double Triangle(double[] x, [NoDerivative] double[] points, int n)
        {
            int d = (int)Math.Round((Math.Sqrt(8.0 * x.Length + 1) - 1) / 2) - 1;
            Span<double> z = stackalloc double[d];
            Span<double> q = stackalloc double[d];
            Span<double> terms = stackalloc double[d];
            for (int r = 0; r < d; r++) terms[r] = 0;
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
                        q[j] += x[l] * z[i];
                        l++;
                    }
                }
                double norm = 0;
                for (int r = 0; r < d; r++) norm += q[r] * q[r];
                for (int r = 0; r < d; r++) terms[r] -= q[r] * 0.1;
                total += Math.Log(1 + norm) + AdMath.LogSumExp(terms);
            }
            return total;
        }

        /// <summary>The same element accumulated twice in one iteration, and two elements that are one when 2r ≡ r (mod d).</summary>
        [Differentiable]
        public static double Twice(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = 1;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    b[r] += x[r];
                    b[r] = b[r] + x[r] * b[r];
                    b[(2 * r) % d] += x[r] * x[(r + i) % d];
                }
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += b[r] * x[r];
            return s;
        }

        /// <summary>
        /// The element read again between the read and the write (its adjoint added to the element's in the reverse sweep
        /// before the term's own partial reads the element's adjoint, which must be the one read at the write).
        /// </summary>
        [Differentiable]
        public static double ReadBetween(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double e = Math.Sin(x[r] * (i + 1));
                    double t = b[r];
                    double z = b[r] * x[(r + 1) % d];
                    b[r] = t + e;
                    s += z * z;
                }
            }
            for (int r = 0; r < d; r++) s += b[r] * b[r];
            return s;
        }

        /// <summary>Accumulation into the elements of a two-dimensional array (two index operands).</summary>
        [Differentiable]
        public static double Grid(double[] x, int n)
        {
            int d = x.Length;
            var g = new double[2, d];
            for (int r = 0; r < d; r++)
            {
                g[0, r] = x[r];
                g[1, r] = 1;
            }
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    g[1, r] += g[0, r] * x[(r + i) % d];
                    g[0, r] -= 0.1 * x[r];
                }
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += g[0, r] * g[1, r];
            return s;
        }

        /// <summary>The old value read twice (t + t·x): no pass-through.</summary>
        [Differentiable]
        public static double ReadTwice(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double t = b[r];
                    b[r] = t + t * x[r] * 0.3;
                }
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += b[r] * b[r];
            return s;
        }

        /// <summary>Another element (b[r] = b[r+1 mod d] + x[r]): no pass-through.</summary>
        [Differentiable]
        public static double OtherIndex(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++) b[r] = b[(r + 1) % d] + x[r] * x[r];
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += b[r] * b[r] * (r + 1);
            return s;
        }

        /// <summary>A write between the read and the write (to the same element when d = 1): no pass-through.</summary>
        [Differentiable]
        public static double WriteBetween(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++)
                {
                    double t = b[r];
                    b[(r + 1) % d] = x[r] * 0.5;
                    b[r] = t + x[r] * x[r];
                }
            }
            double s = 0;
            for (int r = 0; r < d; r++) s += b[r] * b[r] * (r + 1);
            return s;
        }

        /// <summary>Accumulated into the output span of a vector-valued method: y[k] = Σᵢ xᵢ^(k+1)/(k+1), so ∂y[k]/∂x[i] = xᵢ^k.</summary>
        [Differentiable]
        public static void Moments(ReadOnlySpan<double> x, Span<double> y)
        {
            for (int k = 0; k < y.Length; k++) y[k] = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double p = 1;
                for (int k = 0; k < y.Length; k++)
                {
                    p *= x[i];
                    y[k] += p / (k + 1);
                }
            }
        }

        /// <summary><see cref="PlusEquals"/>'s accumulation in a checkpointed loop.</summary>
        [Differentiable(Checkpoints = 3)]
        public static double Checkpointed(double[] x, int n)
        {
            int d = x.Length;
            Span<double> b = stackalloc double[d];
            for (int r = 0; r < d; r++) b[r] = x[r];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int r = 0; r < d; r++) b[r] += x[r] * x[(r + 1) % d] * (i + 1);
                s += Math.Sin(b[i % d]);
            }
            for (int r = 0; r < d; r++) s += b[r] * b[r] * x[r];
            return s;
        }
    }

    /// <summary>
    /// The adjoint of in-place accumulation passes through the write (issue 17): each fixture's Gradient against central
    /// differences and its Jvp (forward mode), the value bit for bit, a hand formula where short, the Hvp against differences
    /// of the Gradient, and the look-alikes where the rule must not apply, checked the same way.
    /// </summary>
    public sealed class AccumulateInPlaceTests
    {

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(5, 2)]
        [TestCase(4, 0)]
        public void PlusEquals_matches_differences_forward_mode_and_hand_formula(int d, int n)
        {
            var x = Point(d, d + 10 * n);
            var g = Check(p => AccumulateInPlace.PlusEquals(p, n), (p, dp) => AccumulateInPlace.PlusEqualsGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.PlusEqualsJvp(p, n, dp, out t), x);
            // b[r] = x[r] + x[r]·x[r+1]·T + n(n−1)/8, T = n(n+1)/2; f = Σ b[r]²·x[r].
            double triangle = n * (n + 1) / 2.0, shift = n * (n - 1) / 8.0;
            var b = Enumerable.Range(0, d).Select(r => x[r] + x[r] * x[(r + 1) % d] * triangle + shift).ToArray();
            var hand = new double[d];
            for (int r = 0; r < d; r++)
            {
                hand[r] += b[r] * b[r];
                double outer = 2 * b[r] * x[r];
                hand[r] += outer * (1 + x[(r + 1) % d] * triangle);
                hand[(r + 1) % d] += outer * x[r] * triangle;
            }
            Assert.That(g, Is.EqualTo(hand).Within(1e-10));
        }

        [TestCase(3, 4)]
        [TestCase(1, 2)]
        public void PlusEquals_Hvp_matches_differences_of_the_gradient(int d, int n)
        {
            CheckHvp(p => AccumulateInPlace.PlusEquals(p, n), (p, dp) => AccumulateInPlace.PlusEqualsGradient(p, n, dp),
                (p, v, hv) => AccumulateInPlace.PlusEqualsHvp(p, n, v, hv), Point(d, 5 * d + n), Point(d, 7 * d + n));
        }

        [TestCase(1, 3)]
        [TestCase(4, 3)]
        [TestCase(3, 0)]
        public void Minus_front_and_chain_forms_match_differences_and_forward_mode(int d, int n)
        {
            Check(p => AccumulateInPlace.Forms(p, n), (p, dp) => AccumulateInPlace.FormsGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.FormsJvp(p, n, dp, out t), Point(d, 3 * d + n));
            CheckHvp(p => AccumulateInPlace.Forms(p, n), (p, dp) => AccumulateInPlace.FormsGradient(p, n, dp),
                (p, v, hv) => AccumulateInPlace.FormsHvp(p, n, v, hv), Point(d, 3 * d + n), Point(d, 9 * d + n));
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        [TestCase(5, 2)]
        public void Nested_loops_with_a_restored_buffer_match_differences_and_forward_mode(int d, int n)
        {
            var points = Point(n * d, 11 * d + n);
            Check(p => AccumulateInPlace.Triangle(p, points, n), (p, dp) => AccumulateInPlace.TriangleGradient(p, points, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.TriangleJvp(p, points, n, dp, out t), Point(2 * d + d * (d - 1) / 2, d + n));
        }

        [TestCase(1, 2)]
        [TestCase(3, 3)]
        [TestCase(4, 2)]
        public void The_same_element_accumulated_twice_matches_differences_and_forward_mode(int d, int n)
        {
            Check(p => AccumulateInPlace.Twice(p, n), (p, dp) => AccumulateInPlace.TwiceGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.TwiceJvp(p, n, dp, out t), Point(d, 13 * d + n));
        }

        [TestCase(1, 3)]
        [TestCase(3, 4)]
        public void A_read_between_the_read_and_the_write_matches_differences_and_forward_mode(int d, int n)
        {
            Check(p => AccumulateInPlace.ReadBetween(p, n), (p, dp) => AccumulateInPlace.ReadBetweenGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.ReadBetweenJvp(p, n, dp, out t), Point(d, 23 * d + n));
        }

        [TestCase(1, 2)]
        [TestCase(3, 4)]
        public void Two_dimensional_accumulation_matches_differences_and_forward_mode(int d, int n)
        {
            Check(p => AccumulateInPlace.Grid(p, n), (p, dp) => AccumulateInPlace.GridGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.GridJvp(p, n, dp, out t), Point(d, 29 * d + n));
        }

        [TestCase(1, 3)]
        [TestCase(3, 3)]
        public void Look_alikes_without_pass_through_match_differences_and_forward_mode(int d, int n)
        {
            var x = Point(d, 17 * d + n);
            Check(p => AccumulateInPlace.ReadTwice(p, n), (p, dp) => AccumulateInPlace.ReadTwiceGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.ReadTwiceJvp(p, n, dp, out t), x);
            Check(p => AccumulateInPlace.OtherIndex(p, n), (p, dp) => AccumulateInPlace.OtherIndexGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.OtherIndexJvp(p, n, dp, out t), x);
            Check(p => AccumulateInPlace.WriteBetween(p, n), (p, dp) => AccumulateInPlace.WriteBetweenGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.WriteBetweenJvp(p, n, dp, out t), x);
        }

        [Test]
        public void Write_between_on_one_element_has_the_hand_gradient()
        {
            // d = 1: each round writes x/2 into b, then b = t + x² with t the b from before that write, so after n rounds
            // b = x + n·x² and f = b²: the write between must not take the old b's adjoint away.
            var x = new[] { 0.7 };
            var g = new double[1];
            AccumulateInPlace.WriteBetweenGradient(x, 3, g);
            double b = 0.7 + 3 * 0.49;
            Assert.That(g[0], Is.EqualTo(2 * b * (1 + 6 * 0.7)).Within(1e-12));
        }

        [Test]
        public void Output_span_accumulation_has_the_hand_Jacobian_and_adjoint_Vjp()
        {
            var x = new[] { 0.3, -0.8, 1.2, 0.5, -0.1 };
            var y = new double[3];
            var j = new double[3 * 5];
            AccumulateInPlace.MomentsJacobian(x, y, j);
            var direct = new double[3];
            AccumulateInPlace.Moments(x, direct);
            Assert.That(y, Is.EqualTo(direct), "the Jacobian writes the method's outputs bit for bit");
            for (int k = 0; k < 3; k++)
            {
                for (int i = 0; i < 5; i++) Assert.That(j[k * 5 + i], Is.EqualTo(Math.Pow(x[i], k)).Within(1e-14), $"∂y[{k}]/∂x[{i}]");
            }
            var yBar = new[] { 1.1, -0.3, 0.5 };
            var xAdj = new double[5];
            var yVjp = new double[3];
            AccumulateInPlace.MomentsVjp(x, yVjp, yBar, xAdj);
            Assert.That(yVjp, Is.EqualTo(direct), "the Vjp writes the method's outputs bit for bit");
            Assert.That(yBar, Is.EqualTo(new[] { 1.1, -0.3, 0.5 }), "the cotangents are left as they were");
            for (int i = 0; i < 5; i++)
            {
                double hand = Enumerable.Range(0, 3).Sum(k => yBar[k] * Math.Pow(x[i], k));
                Assert.That(xAdj[i], Is.EqualTo(hand).Within(1e-14), $"(yBar·J)[{i}]");
            }
        }

        [TestCase(3, 7)]
        [TestCase(2, 1)]
        [TestCase(4, 0)]
        public void A_checkpointed_accumulation_matches_differences_and_forward_mode(int d, int n)
        {
            Check(p => AccumulateInPlace.Checkpointed(p, n), (p, dp) => AccumulateInPlace.CheckpointedGradient(p, n, dp),
                (double[] p, double[] dp, out double t) => AccumulateInPlace.CheckpointedJvp(p, n, dp, out t), Point(d, 19 * d + n));
        }
    }
}

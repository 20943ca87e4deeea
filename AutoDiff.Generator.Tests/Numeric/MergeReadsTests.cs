using System;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="MergeReadsTests"/>: an element of a local buffer read twice in a product, with nothing
    /// between (one value), across a write of it (two), and reads of output spans across a write to another output span
    /// the caller may have made the same memory.
    /// </summary>
    public static partial class RepeatedReads
    {
        /// <summary>b[i] = sin xᵢ · xᵢ₊₁ (cyclic), then Σ b[i]·b[i] + xᵢ·xᵢ.</summary>
        [Differentiable]
        public static double SquareSum(double[] x)
        {
            int n = x.Length;
            Span<double> b = stackalloc double[n];
            for (int i = 0; i < n; i++) b[i] = Math.Sin(x[i]) * x[(i + 1) % n];
            double s = 0;
            for (int i = 0; i < n; i++) s += b[i] * b[i] + x[i] * x[i];
            return s;
        }

        /// <summary>GMM's Frobenius term: q[k·d + i] = exp xₖ·d+ᵢ, then Σ q[k·d + i]·q[k·d + i] (the index computed twice).</summary>
        [Differentiable]
        public static double Frobenius(double[] x, int d)
        {
            int k = x.Length / d;
            Span<double> q = stackalloc double[k * d];
            for (int c = 0; c < k; c++)
            {
                for (int i = 0; i < d; i++) q[c * d + i] = Math.Exp(x[c * d + i]);
            }
            double f = 0;
            for (int c = 0; c < k; c++)
            {
                for (int i = 0; i < d; i++) f += q[c * d + i] * q[c * d + i];
            }
            return f;
        }

        /// <summary>a = b[i]; b[i] = 3a; c = b[i]; Σ a·c = Σ 3xᵢ²: the second read is after the write, another value.</summary>
        [Differentiable]
        public static double AroundWrite(double[] x)
        {
            int n = x.Length;
            Span<double> b = stackalloc double[n];
            for (int i = 0; i < n; i++) b[i] = x[i];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                double a = b[i];
                b[i] = 3 * a;
                double c = b[i];
                s += a * c;
            }
            return s;
        }

        /// <summary>
        /// y[i] = xᵢ, a = y[i], z[i] = a + 1, then y[i] = a · y[i]: apart, y = x², z = x + 1; when the caller passes one span
        /// as both, the second read of y[i] sees the write to z: y = x(x + 1).
        /// </summary>
        [Differentiable]
        public static void Aliased(ReadOnlySpan<double> x, Span<double> y, Span<double> z)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i];
                double a = y[i];
                z[i] = a + 1;
                y[i] = a * y[i];
            }
        }
    }

    /// <summary>
    /// <c>merge-reads</c> (Transforms/MergeReads.cs): a repeated read of one element is one value before differentiation,
    /// so x·x has one adjoint term (2·x·ā) and one tangent product. Each fixture against central differences, its Jvp
    /// (reverse against forward), a hand formula, its value bit for bit, H·v against differences of the gradient; reads
    /// across a write (aliasing included) follow the original reads.
    /// </summary>
    public sealed class MergeReadsTests
    {
        [TestCase(1, 1)]
        [TestCase(2, 2)]
        [TestCase(5, 3)]
        public void SquareSum_matches_differences_forward_mode_and_the_formula(int n, int seed)
        {
            var x = Point(n, seed);
            var g = Check(RepeatedReads.SquareSum, (p, dp) => RepeatedReads.SquareSumGradient(p, dp),
                (double[] p, double[] dp, out double t) => RepeatedReads.SquareSumJvp(p, dp, out t), x);
            for (int j = 0; j < n; j++)
            {
                int next = (j + 1) % n, previous = (j + n - 1) % n;
                double bj = Math.Sin(x[j]) * x[next], bp = Math.Sin(x[previous]) * x[j];
                double expected = 2 * bj * Math.Cos(x[j]) * x[next] + 2 * bp * Math.Sin(x[previous]) + 2 * x[j];
                Assert.That(g[j], Is.EqualTo(expected).Within(1e-12), $"∂f/∂x[{j}] by hand");
            }
            CheckHvp(RepeatedReads.SquareSum, (p, dp) => RepeatedReads.SquareSumGradient(p, dp), (p, v, hv) => RepeatedReads.SquareSumHvp(p, v, hv), x, Point(n, seed + 10));
        }

        [TestCase(3, 2)]
        [TestCase(1, 1)]
        [TestCase(4, 3)]
        public void Frobenius_matches_differences_forward_mode_and_the_formula(int d, int k)
        {
            var x = Point(d * k, d + k);
            var g = Check(p => RepeatedReads.Frobenius(p, d), (p, dp) => RepeatedReads.FrobeniusGradient(p, d, dp),
                (double[] p, double[] dp, out double t) => RepeatedReads.FrobeniusJvp(p, d, dp, out t), x);
            for (int i = 0; i < x.Length; i++) Assert.That(g[i], Is.EqualTo(2 * Math.Exp(2 * x[i])).Within(1e-12), $"∂f/∂x[{i}] = 2e^(2x)");
            CheckHvp(p => RepeatedReads.Frobenius(p, d), (p, dp) => RepeatedReads.FrobeniusGradient(p, d, dp),
                (p, v, hv) => RepeatedReads.FrobeniusHvp(p, d, v, hv), x, Point(d * k, 7));
        }

        [TestCase(1)]
        [TestCase(4)]
        public void A_read_after_a_write_is_another_value(int n)
        {
            var x = Point(n, 20 + n);
            Assert.That(RepeatedReads.AroundWrite(x), Is.EqualTo(x.Sum(v => 3 * v * v)).Within(1e-14), "Σ 3x²: the second read sees the write");
            var g = Check(RepeatedReads.AroundWrite, (p, dp) => RepeatedReads.AroundWriteGradient(p, dp),
                (double[] p, double[] dp, out double t) => RepeatedReads.AroundWriteJvp(p, dp, out t), x);
            for (int i = 0; i < n; i++) Assert.That(g[i], Is.EqualTo(6 * x[i]).Within(1e-14), $"∂f/∂x[{i}] = 6x");
        }

        [Test]
        public void Separate_outputs_match_the_formula_in_both_modes()
        {
            var x = new[] { 0.3, -0.8, 1.2 };
            var v = new[] { 0.7, 0.1, -0.4 };
            double[] y = new double[3], z = new double[3], yDot = new double[3], zDot = new double[3];
            RepeatedReads.AliasedJvp(x, y, z, v, yDot, zDot);
            var y0 = new double[3];
            var z0 = new double[3];
            RepeatedReads.Aliased(x, y0, z0);
            Assert.That(y, Is.EqualTo(y0), "values bit for bit");
            Assert.That(z, Is.EqualTo(z0));
            Assert.That(y, Is.EqualTo(x.Select(a => a * a)).Within(1e-15));
            Assert.That(yDot, Is.EqualTo(x.Zip(v, (a, w) => 2 * a * w)).Within(1e-14), "ẏ = 2x·v");
            Assert.That(zDot, Is.EqualTo(v).Within(1e-15), "ż = v");
            var yBar = new[] { 1.1, -0.3, 0.5 };
            var zBar = new[] { 0.2, 0.9, -1.4 };
            var xAdj = new double[3];
            RepeatedReads.AliasedVjp(x, y, z, yBar, zBar, xAdj);
            Assert.That(xAdj, Is.EqualTo(Enumerable.Range(0, 3).Select(i => 2 * x[i] * yBar[i] + zBar[i])).Within(1e-14));
            double left = yBar.Zip(yDot, (a, b) => a * b).Sum() + zBar.Zip(zDot, (a, b) => a * b).Sum();
            Assert.That(left, Is.EqualTo(xAdj.Zip(v, (a, b) => a * b).Sum()).Within(1e-12), "⟨ȳ, J·v⟩ = ⟨Jᵀ·ȳ, v⟩");
        }

        [Test]
        public void One_span_passed_as_two_outputs_reads_what_the_method_reads()
        {
            // y and z the same memory: the second read of y[i] sees z[i] = a + 1, in the method and in its companions.
            var x = new[] { 0.3, -0.8, 1.2 };
            var primal = new double[3];
            RepeatedReads.Aliased(x, primal, primal);
            Assert.That(primal, Is.EqualTo(x.Select(a => a * (a + 1))).Within(1e-15));
            var jvp = new double[3];
            var dot = new double[3];
            RepeatedReads.AliasedJvp(x, jvp, jvp, new[] { 1.0, 1.0, 1.0 }, dot, dot);
            Assert.That(jvp, Is.EqualTo(primal), "the Jvp's values bit for bit");
            Assert.That(dot, Is.EqualTo(x.Select(a => 2 * a + 1)).Within(1e-14), "its tangent is the aliased method's: 2x + 1");
            var vjp = new double[3];
            var bar = new double[3];
            RepeatedReads.AliasedVjp(x, vjp, vjp, bar, bar, new double[3]);
            Assert.That(vjp, Is.EqualTo(primal), "the Vjp's values bit for bit");
        }

        /// <summary>The generated Vjp of Frobenius: in the reduction's reverse loop, one read of q and one addition into qAdj per element.</summary>
        [Test]
        public void The_square_of_an_element_is_one_load_and_one_accumulation()
        {
            var run = GeneratorHarness.Run(Stages.StageIr.Wrap("""
                [Differentiable]
                public static double Frobenius(double[] x, int d)
                {
                    int k = x.Length / d;
                    Span<double> q = stackalloc double[k * d];
                    for (int c = 0; c < k; c++)
                    {
                        for (int i = 0; i < d; i++) q[c * d + i] = Math.Exp(x[c * d + i]);
                    }
                    double f = 0;
                    for (int c = 0; c < k; c++)
                    {
                        for (int i = 0; i < d; i++) f += q[c * d + i] * q[c * d + i];
                    }
                    return f;
                }
                """));
            run.AssertNoErrors();
            string vjp = GeneratedCode.Indexed(GeneratedCode.Method(run, "Frobenius.g.cs", "FrobeniusVjp"));
            Assert.That(Regex.Matches(vjp, @"qAdj\[[^\]]+\] \+=").Count, Is.EqualTo(1), vjp);
            Assert.That(Regex.Matches(vjp, @"= q\[").Count, Is.EqualTo(2), "one load in the forward loop, one in its reverse: " + vjp);
            string jvp = GeneratedCode.Method(run, "Frobenius.g.cs", "FrobeniusJvp");
            Assert.That(Regex.Matches(jvp, @"= q\[").Count, Is.EqualTo(1), jvp);
        }
    }
}

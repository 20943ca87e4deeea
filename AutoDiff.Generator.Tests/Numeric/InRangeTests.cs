using System;
using System.Linq;
using System.Text.RegularExpressions;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Infrastructure.ArrayDerivativeAssert;

namespace AutoDiff.Generator.Tests.Numeric
{
    /// <summary>
    /// Fixtures for <see cref="InRangeTests"/>: reverse sweeps that read and write elements at indices the forward sweep
    /// checked: an indirect gather, a triangular loop over an own buffer (GMM's shape), a read-only span and an output
    /// span.
    /// </summary>
    public static partial class InRangeFixtures
    {
        /// <summary>Σᵢ 1.3·x[idx[i]]² with an index array: the reverse sweep adds into x's adjoint at idx[i].</summary>
        [Differentiable]
        public static double Gather(double[] x, int[] idx)
        {
            double s = 0;
            for (int i = 0; i < idx.Length; i++)
            {
                double v = x[idx[i]];
                s += 1.3 * v * v;
            }
            return s;
        }

        /// <summary>y = L·(x − μ) with L unit lower triangular (its strict part packed by rows in l), then ½‖y‖².</summary>
        [Differentiable]
        public static double Triangular(ReadOnlySpan<double> x, ReadOnlySpan<double> l, int d)
        {
            Span<double> c = stackalloc double[d];
            Span<double> y = stackalloc double[d];
            for (int i = 0; i < d; i++) c[i] = x[i] - x[d + i];
            for (int i = 0; i < d; i++) y[i] = c[i];
            int k = 0;
            for (int i = 0; i < d; i++)
            {
                for (int j = i + 1; j < d; j++)
                {
                    y[j] += l[k] * c[i];
                    k++;
                }
            }
            double s = 0;
            for (int i = 0; i < d; i++) s += y[i] * y[i];
            return 0.5 * s;
        }

        /// <summary>An array the method makes, written by a loop (bᵢ = sin xᵢ·xᵢ₊₁), whose values it then sums, squared.</summary>
        [Differentiable]
        public static double Written(double[] x)
        {
            var work = new double[x.Length];
            for (int i = 0; i + 1 < x.Length; i++) work[i] = Math.Sin(x[i]) * x[i + 1];
            double s = 0;
            for (int i = 0; i + 1 < x.Length; i++) s += work[i] * work[i];
            return s;
        }
    }

    /// <summary>
    /// The reverse sweep writes its element accesses without bounds checks (<c>AutoDiff.Unchecked.At</c>, IR payload
    /// <c>InRange</c>, switch <c>in-range</c>): every such access repeats, at the same index, one the forward sweep made with
    /// its check, on a sequence of the same length. Each fixture's derivatives against central differences, forward mode
    /// and a hand formula; the forward sweep keeps its checks (a bad index still throws before anything is written); the
    /// switch off gives back checked code and the same numbers bit for bit; a checkpointed loop keeps its checks.
    /// </summary>
    public sealed class InRangeTests
    {
        private delegate double GatherGradientOf(double[] x, int[] idx, Span<double> dx);

        [TestCase(1, 1)]
        [TestCase(5, 8)]
        public void A_gather_matches_differences_forward_mode_and_the_formula(int n, int m)
        {
            var x = Point(n, n + m);
            var idx = Enumerable.Range(0, m).Select(i => (i * 7 + 3) % n).ToArray();
            const double w = 1.3;
            var g = Check(p => InRangeFixtures.Gather(p, idx), (p, dp) => InRangeFixtures.GatherGradient(p, idx, dp),
                (double[] p, double[] dp, out double t) => InRangeFixtures.GatherJvp(p, idx, dp, out t), x);
            for (int j = 0; j < n; j++)
            {
                double expected = idx.Count(i => i == j) * 2 * w * x[j];
                Assert.That(g[j], Is.EqualTo(expected).Within(1e-13), $"∂f/∂x[{j}] = 2·1.3·x·(times {j} is gathered)");
            }
        }

        [TestCase(1)]
        [TestCase(2)]
        [TestCase(6)]
        public void A_triangular_loop_over_own_buffers_matches_differences_forward_mode_and_the_formula(int d)
        {
            var p = Point(2 * d + d * (d - 1) / 2, d);
            double F(double[] q) => InRangeFixtures.Triangular(q.AsSpan(0, 2 * d), q.AsSpan(2 * d), d);
            double Gradient(double[] q, double[] dq) =>
                InRangeFixtures.TriangularGradient(q.AsSpan(0, 2 * d), q.AsSpan(2 * d), d, dq.AsSpan(0, 2 * d), dq.AsSpan(2 * d));
            double Directional(double[] q, double[] v, out double t) =>
                InRangeFixtures.TriangularJvp(q.AsSpan(0, 2 * d), q.AsSpan(2 * d), d, v.AsSpan(0, 2 * d), v.AsSpan(2 * d), out t);
            var g = Check(F, Gradient, Directional, p);
            // By hand: y = L·c, ∂f/∂c = Lᵀy, ∂f/∂x = Lᵀy, ∂f/∂μ = −Lᵀy, ∂f/∂l(i, j) = y[j]·c[i].
            var c = Enumerable.Range(0, d).Select(i => p[i] - p[d + i]).ToArray();
            var y = (double[])c.Clone();
            int k = 2 * d;
            for (int i = 0; i < d; i++) for (int j = i + 1; j < d; j++) y[j] += p[k++] * c[i];
            var lty = (double[])y.Clone();
            k = 2 * d;
            for (int i = 0; i < d; i++) for (int j = i + 1; j < d; j++) lty[i] += p[k++] * y[j];
            for (int i = 0; i < d; i++)
            {
                Assert.That(g[i], Is.EqualTo(lty[i]).Within(1e-12), $"∂f/∂x[{i}] = (Lᵀy)ᵢ");
                Assert.That(g[d + i], Is.EqualTo(-lty[i]).Within(1e-12), $"∂f/∂μ[{i}] = −(Lᵀy)ᵢ");
            }
            k = 2 * d;
            for (int i = 0; i < d; i++) for (int j = i + 1; j < d; j++, k++) Assert.That(g[k], Is.EqualTo(y[j] * c[i]).Within(1e-12), $"∂f/∂l({i}, {j})");
        }

        [Test]
        public void A_written_array_of_its_own_matches_differences_forward_mode_and_the_formula()
        {
            var x = Point(5, 3);
            var g = Check(InRangeFixtures.Written, (p, dp) => InRangeFixtures.WrittenGradient(p, dp),
                (double[] p, double[] dp, out double t) => InRangeFixtures.WrittenJvp(p, dp, out t), x);
            var expected = new double[5];
            for (int i = 0; i < 4; i++)
            {
                double b = Math.Sin(x[i]) * x[i + 1];
                expected[i] += 2 * b * Math.Cos(x[i]) * x[i + 1];
                expected[i + 1] += 2 * b * Math.Sin(x[i]);
            }
            Assert.That(g, Is.EqualTo(expected).Within(1e-12));
        }

        [Test]
        public void A_bad_index_still_throws_from_the_forward_sweep()
        {
            var x = new[] { 0.5, -1.0, 2.0 };
            var bad = new[] { 0, 2, 3 };
            Assert.Throws<IndexOutOfRangeException>(() => InRangeFixtures.Gather(x, bad));
            var dx = new double[3];
            Assert.Throws<IndexOutOfRangeException>(() => InRangeFixtures.GatherGradient(x, bad, dx), "the Gradient's forward sweep checks idx[i]");
            // The loop runs each iteration's adjoint right after it (fuse-loops): the iterations before the bad index added
            // theirs; the bad one throws at its checked read, before its adjoint touches xAdj.
            var xAdj = new double[] { 7, 7, 7 };
            Assert.Throws<IndexOutOfRangeException>(() => InRangeFixtures.GatherVjp(x, bad, 1.0, xAdj));
            Assert.That(xAdj, Is.EqualTo(new[] { 7 + 2.6 * x[0], 7.0, 7 + 2.6 * x[2] }).Within(1e-15), "only the valid iterations added");
            Assert.Throws<ArgumentException>(() => InRangeFixtures.GatherVjp(x, new[] { 0 }, 1.0, new double[2]), "an adjoint of another length is refused on entry");
        }

        private const string Source = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable]
                    public static double Gather(double[] x, int[] idx)
                    {
                        double s = 0;
                        for (int i = 0; i < idx.Length; i++)
                        {
                            double v = x[idx[i]];
                            s += 1.3 * v * v;
                        }
                        return s;
                    }

                    [Differentiable]
                    public static double Triangular(ReadOnlySpan<double> x, ReadOnlySpan<double> l, int d)
                    {
                        Span<double> c = stackalloc double[d];
                        Span<double> y = stackalloc double[d];
                        for (int i = 0; i < d; i++) c[i] = x[i] - x[d + i];
                        for (int i = 0; i < d; i++) y[i] = c[i];
                        int k = 0;
                        for (int i = 0; i < d; i++)
                        {
                            for (int j = i + 1; j < d; j++)
                            {
                                y[j] += l[k] * c[i];
                                k++;
                            }
                        }
                        double s = 0;
                        for (int i = 0; i < d; i++) s += y[i] * y[i];
                        return 0.5 * s;
                    }
                }
            }
            """;

        [Test]
        public void The_forward_sweep_keeps_its_checks_and_the_reverse_sweep_has_none()
        {
            var run = GeneratorHarness.Run(Source);
            run.AssertNoErrors();
            string vjp = GeneratedCode.Method(run, "Triangular.g.cs", "TriangularVjp");
            int reverse = vjp.IndexOf("while (iteration", StringComparison.Ordinal);
            Assert.That(reverse, Is.GreaterThan(0), vjp);
            string forward = vjp.Substring(0, reverse), back = vjp.Substring(reverse);
            // The forward sweep is the method's own code, checks included; the sum loop adds its adjoint into yAdj in the same
            // iteration, after its checked read of y at that index.
            // (fuse-adjoint-loops may run the forward loops together: names read as patterns.)
            Assert.That(forward, Does.Match(@"= x\[(i\d*)\] - x\[d \+ \1\];").And.Match(@"double tmp\d+ = y\[i\d*\];"), forward);
            Assert.That(Regex.Matches(forward, @"Unchecked\.At\((\w+),").Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "yAdj" }), forward);
            Assert.That(Regex.Matches(back, @"global::AutoDiff\.Unchecked\.At\(").Count, Is.GreaterThanOrEqualTo(4), back);
            Assert.That(Regex.Matches(back, @"\b(c|cAdj|y|yAdj|lAdj|xAdj|l|x)\[").Count, Is.Zero, "no element of the reverse sweep is checked again: " + back);
            string gather = GeneratedCode.Method(run, "Gather.g.cs", "GatherGradient");
            Assert.That(gather, Does.Match(@"= idx\[i\];").And.Match(@"= x\[tmp\];"), "the forward reads check both indices");
            Assert.That(gather, Does.Match(@"global::AutoDiff\.Unchecked\.At\(dx, "), gather);
        }

        [Test]
        public void Switched_off_every_access_is_checked_and_the_numbers_are_the_same_bit_for_bit()
        {
            // (vector-sums only runs lanes over accesses known in range: off in both, so that only the checks differ.)
            var on = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-sums"), Source);
            var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "in-range;vector-sums"), Source);
            on.AssertNoErrors();
            off.AssertNoErrors();
            Assert.That(on.Generated("Demo.Fns.Triangular.g.cs"), Does.Contain("Unchecked.At"));
            Assert.That(off.Generated("Demo.Fns.Triangular.g.cs"), Does.Not.Contain("Unchecked.At"));
            Assert.That(GeneratedCode.Indexed(on.Generated("Demo.Fns.Triangular.g.cs")), Is.EqualTo(off.Generated("Demo.Fns.Triangular.g.cs")),
                "the same code but for the checks");
            using var a = on.Load();
            using var b = off.Load();
            var x = Point(10, 4);
            var idx = new[] { 3, 1, 4, 1, 5, 9, 2, 6 };
            var ga = new double[10];
            var gb = new double[10];
            var fa = a.Delegate<GatherGradientOf>("Demo.Fns", "GatherGradient");
            var fb = b.Delegate<GatherGradientOf>("Demo.Fns", "GatherGradient");
            Assert.That(fa(x, idx, ga), Is.EqualTo(fb(x, idx, gb)));
            Assert.That(ga, Is.EqualTo(gb), "bit for bit");
            Assert.That(ga.Sum(), Is.Not.Zero);
        }

        [Test]
        public void A_checkpointed_loop_keeps_the_checks_on_its_snapshots()
        {
            var run = GeneratorHarness.Run("""
                using System;
                using AutoDiff;
                namespace Demo
                {
                    public static partial class Fns
                    {
                        [Differentiable(Checkpoints = 3, CheckpointPolicy = CheckpointPolicy.Binomial)]
                        public static double B(double[] p, int n)
                        {
                            var u = new double[2];
                            u[0] = p[0];
                            u[1] = p[1];
                            for (int i = 0; i < n; i++)
                            {
                                double a = u[0];
                                u[0] = u[0] + 0.1 * u[1];
                                u[1] = u[1] - 0.1 * Math.Sin(a);
                            }
                            return u[0] * u[1];
                        }
                    }
                }
                """);
            run.AssertNoErrors();
            string vjp = GeneratedCode.Method(run, "B.g.cs", "BVjp");
            Assert.That(vjp, Does.Match(@"\bsnapshots\w*\["), "the snapshots are read and written with checks: " + vjp);
            Assert.That(vjp, Does.Not.Contain("Unchecked.At(snapshots"), vjp);
            Assert.That(vjp, Does.Contain("Unchecked.At(pAdj"), "the reverse sweep after the loop is still unchecked: " + vjp);
        }
    }
}

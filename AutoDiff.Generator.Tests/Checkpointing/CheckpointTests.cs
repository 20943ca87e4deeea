using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Checkpointing;

/// <summary>
/// <c>[Differentiable(Checkpoints = s)]</c> (README, "Checkpointing"; <c>Transforms/Checkpoint.cs</c>): each program is
/// compiled twice, as <c>F</c> and as <c>C</c> with checkpointing, and the checkpointed companions must give the
/// unchecked ones' numbers (to rounding: the same operations in the same order), the primal bit for bit, and agree with
/// central differences, for trip counts around the number of snapshots.
/// </summary>
public sealed class CheckpointTests
{
    private delegate double Gradient(double[] p, int n, Span<double> dp);

    private delegate double Vjp(double[] p, int n, double seed, Span<double> pAdj);

    private delegate double Hvp(double[] p, int n, ReadOnlySpan<double> v, Span<double> hv);

    /// <summary>Scalar state: a damped nonlinear oscillator, explicit Euler; the bound is computed in the condition (with three parameters, n steps).</summary>
    private const string Oscillator = """
        double y = p[0], v = p[1];
        for (int i = 0; i < n * (p.Length - 2); i++)
        {
            double dv = -p[2] * y - 0.1 * v * v * v + Math.Sin(y);
            y = y + 0.05 * v;
            v = v + 0.05 * dv;
        }
        return y * y + v;
        """;

    /// <summary>Buffer state with a nested loop in the body: a buffer updated in place every step.</summary>
    private const string Buffer = """
        var u = new double[3];
        for (int j = 0; j < 3; j++) u[j] = p[j];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                u[j] = u[j] + 0.05 * Math.Sin(u[(j + 1) % 3]) * p[2 - j];
            }
        }
        return u[0] * u[1] + u[2];
        """;

    /// <summary>A branch in the body, a counter starting at one and an inclusive bound.</summary>
    private const string Branches = """
        double y = p[0], s = 0;
        for (int i = 1; i <= n; i++)
        {
            if (y > 0.5) y = y - 0.1 * y * y * p[1];
            else y = y + 0.1 * p[2] * Math.Cos(y * i);
            s += y * p[1];
        }
        return s + y;
        """;

    /// <summary>A long counter counting down, reading a constant table.</summary>
    private const string Countdown = """
        double y = p[0];
        double[] w = { 0.5, -0.25, 1.0 };
        for (long i = n; i > 0; i--)
        {
            y = y * p[1] + Math.Tanh(y) * w[i % 3];
        }
        return y;
        """;

    private static string Program(string body, int snapshots) => DiagnosticCase.Source($$"""
        public static partial class Fns
        {
            [Differentiable]
            public static double F(double[] p, int n)
            {
        {{body}}
            }

            [Differentiable(Checkpoints = {{snapshots}})]
            public static double C(double[] p, int n)
            {
        {{body}}
            }

            [Differentiable(Checkpoints = {{snapshots}}, CheckpointPolicy = CheckpointPolicy.Binomial)]
            public static double B(double[] p, int n)
            {
        {{body}}
            }
        }
        """);

    private static readonly double[] Point = { 0.7, 0.9, 0.6 };

    [TestCase(nameof(Oscillator))]
    [TestCase(nameof(Buffer))]
    [TestCase(nameof(Branches))]
    [TestCase(nameof(Countdown))]
    public void Checkpointed_companions_equal_the_unchecked_ones(string shape)
    {
        string body = (string)typeof(CheckpointTests).GetField(shape, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
        var run = GeneratorHarness.Run(Program(body, 3));
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning), Is.Empty);
        using var loaded = run.Load();
        var f = loaded.Delegate<Func<double[], int, double>>("Demo.Fns", "F");
        var fGradient = loaded.Delegate<Gradient>("Demo.Fns", "FGradient");
        var fVjp = loaded.Delegate<Vjp>("Demo.Fns", "FVjp");
        var fHvp = loaded.Delegate<Hvp>("Demo.Fns", "FHvp");
        // Every-k (C) and binomial (B; for the buffer shape, its snapshots keep the buffer).
        foreach (string variant in new[] { "C", "B" })
        {
            var cGradient = loaded.Delegate<Gradient>("Demo.Fns", variant + "Gradient");
            var cVjp = loaded.Delegate<Vjp>("Demo.Fns", variant + "Vjp");
            var cHvp = loaded.Delegate<Hvp>("Demo.Fns", variant + "Hvp");
            // Around s = 3 snapshots: none, one, fewer than s, multiples of k and not, many.
            foreach (int n in new[] { 0, 1, 2, 3, 4, 5, 7, 9, 10, 31 })
            {
                string at = $"{variant}, n = {n}";
                var expected = new double[3];
                var actual = new double[3];
                double value = f(Point, n);
                Assert.That(fGradient(Point, n, expected), Is.EqualTo(value));
                Assert.That(cGradient(Point, n, actual), Is.EqualTo(value), $"{at}: the primal value, bit for bit");
                for (int i = 0; i < 3; i++) Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-13 * Math.Max(1, Math.Abs(expected[i]))), $"{at}: ∂/∂p[{i}]");
                var numeric = GradientCheck.FiniteDifferenceGradient(q => f(q, n), Point);
                for (int i = 0; i < 3; i++) Assert.That(actual[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"{at}: ∂/∂p[{i}] against central differences");

                var fAdj = new[] { 1.0, 2.0, 3.0 };
                var cAdj = new[] { 1.0, 2.0, 3.0 };
                Assert.That(cVjp(Point, n, -0.5, cAdj), Is.EqualTo(fVjp(Point, n, -0.5, fAdj)));
                for (int i = 0; i < 3; i++) Assert.That(cAdj[i], Is.EqualTo(fAdj[i]).Within(1e-13 * Math.Max(1, Math.Abs(fAdj[i]))), $"{at}: Vjp adds");

                var v = new[] { 0.3, -0.2, 0.5 };
                var fHv = new double[3];
                var cHv = new double[3];
                Assert.That(cHvp(Point, n, v, cHv), Is.EqualTo(fHvp(Point, n, v, fHv)));
                for (int i = 0; i < 3; i++) Assert.That(cHv[i], Is.EqualTo(fHv[i]).Within(1e-12 * Math.Max(1, Math.Abs(fHv[i]))), $"{at}: (H·v)[{i}]");
            }
        }
    }

    [Test]
    public void A_checkpointed_gradient_allocates_nothing_after_warm_up_and_keeps_a_small_tape()
    {
        var run = GeneratorHarness.Run(Program(Oscillator, 100));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var fGradient = loaded.Delegate<Gradient>("Demo.Fns", "FGradient");
        const int n = 1_000_000;
        var results = new System.Collections.Generic.Dictionary<string, double[]>();
        foreach (string variant in new[] { "C", "B" })
        {
            var cGradient = loaded.Delegate<Gradient>("Demo.Fns", variant + "Gradient");
            var dp = new double[3];
            // The first call grows its tapes from the pool: one segment (10,000 steps) and 100 snapshots, not 1,000,000 steps.
            long before = GC.GetAllocatedBytesForCurrentThread();
            cGradient(Point, n, dp);
            long first = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(first, Is.LessThan(2_000_000), variant + ": bytes allocated by the first call (tape growth)");
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 3; k++) cGradient(Point, n, dp);
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), variant + ": bytes allocated per call after warm-up");
            results[variant] = dp.ToArray();
        }
        // The unchecked gradient last: its first call rents tens of MB, which the pool would then lend the others.
        var expected = new double[3];
        fGradient(Point, n, expected);
        foreach (var (variant, dp) in results)
        {
            for (int i = 0; i < 3; i++) Assert.That(dp[i], Is.EqualTo(expected[i]).Within(1e-12 * Math.Max(1, Math.Abs(expected[i]))), variant);
        }
    }
}

using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Checkpointing;

/// <summary>
/// Binomial checkpointing (<c>CheckpointPolicy.Binomial</c>, README "Checkpointing") of loops that write arrays: each
/// snapshot slot keeps the loop's carried numbers and a copy of every array or span the loop writes, so the loop is
/// driven by the Revolve schedule (no ADIFF023). Each program is compiled as <c>F</c> (unchecked), <c>C</c> (every-k) and <c>B</c> (binomial,
/// 3 snapshots); B's gradient must equal F's (the same operations in the same order: bit for bit), its value F's bit for bit,
/// and both agree with central differences and with the forward mode, at trip counts around the snapshots.
/// </summary>
public sealed class BinomialArrayTests
{
    private delegate double Gradient(double[] p, int n, Span<double> dp);

    private delegate double Jvp(double[] p, int n, ReadOnlySpan<double> pDot, out double tangent);

    private delegate double Hvp(double[] p, int n, ReadOnlySpan<double> v, Span<double> hv);

    private const int Snapshots = 3;

    /// <summary>A 1-D array written element by element in a nested loop, with a write and a nonlinear read of it before the loop (their reverse reads it as it was then).</summary>
    private const string Array1D = """
        var u = new double[3];
        for (int j = 0; j < 3; j++) u[j] = p[j];
        u[2] = Math.Sin(u[2]) + u[0] * u[1];
        double q = u[0] * u[2];
        double y = p[1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 3; j++) u[j] = u[j] + 0.05 * Math.Sin(u[(j + 1) % 3]) * p[2 - j] * y;
            y = y * 0.9 + 0.1 * u[i % 3] * u[0];
        }
        return u[0] * u[1] + u[2] * q + y;
        """;

    /// <summary>A span of a stackalloc, a scalar carried beside it, and an int array the loop writes too.</summary>
    private const string StackSpan = """
        Span<double> s = stackalloc double[2];
        s[0] = p[0];
        s[1] = p[1];
        var seen = new int[2];
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            double a = p[2] * (1 - s[0] * s[0]) * s[1] - s[0];
            s[0] = s[0] + 0.05 * s[1];
            s[1] = s[1] + 0.05 * a;
            seen[i % 2] += 1;
            if (seen[0] > seen[1]) acc += s[0] * s[0];
            else acc -= 0.5 * s[1];
        }
        return acc + s[0] * s[1];
        """;

    /// <summary>A 2-D array updated in place, read across rows.</summary>
    private const string Array2D = """
        var m = new double[2, 2];
        m[0, 0] = p[0]; m[0, 1] = p[1]; m[1, 0] = p[2]; m[1, 1] = p[0] * p[1];
        for (int i = 0; i < n; i++)
        {
            double t = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0];
            m[0, 0] = m[0, 0] + 0.05 * Math.Tanh(t);
            m[1, 1] = m[1, 1] - 0.05 * m[0, 1] * Math.Cos(m[1, 0]);
            m[0, 1] = 0.9 * m[0, 1] + 0.1 * m[1, 1];
        }
        return m[0, 0] + m[0, 1] * m[1, 1] + m[1, 0];
        """;

    private static readonly double[] Point = { 0.7, 0.9, 0.6 };

    private static string Program(string body) => DiagnosticCase.Source($$"""
        public static partial class Fns
        {
            [Differentiable]
            public static double F(double[] p, int n)
            {
        {{body}}
            }

            [Differentiable(Checkpoints = {{Snapshots}})]
            public static double C(double[] p, int n)
            {
        {{body}}
            }

            [Differentiable(Checkpoints = {{Snapshots}}, CheckpointPolicy = CheckpointPolicy.Binomial)]
            public static double B(double[] p, int n)
            {
        {{body}}
            }
        }
        """);

    private static string Body(string shape) =>
        (string)typeof(BinomialArrayTests).GetField(shape, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

    [TestCase(nameof(Array1D))]
    [TestCase(nameof(StackSpan))]
    [TestCase(nameof(Array2D))]
    public void Binomial_gradients_of_loops_writing_arrays_equal_the_unchecked_ones(string shape)
    {
        var run = GeneratorHarness.Run(Program(Body(shape)));
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF023" || d.Severity >= DiagnosticSeverity.Warning), Is.Empty, "no ADIFF023: the schedule keeps the arrays");
        Assert.That(run.GeneratedSources.Values.Single(s => s.Contains("BGradient")), Does.Contain("Revolve.Move(").And.Contain(".PopAll(").And.Not.Contain("segmentSteps"));
        using var loaded = run.Load();
        var f = loaded.Delegate<Func<double[], int, double>>("Demo.Fns", "F");
        var fGradient = loaded.Delegate<Gradient>("Demo.Fns", "FGradient");
        var bGradient = loaded.Delegate<Gradient>("Demo.Fns", "BGradient");
        var bJvp = loaded.Delegate<Jvp>("Demo.Fns", "BJvp");
        var cGradient = loaded.Delegate<Gradient>("Demo.Fns", "CGradient");
        var fHvp = loaded.Delegate<Hvp>("Demo.Fns", "FHvp");
        var bHvp = loaded.Delegate<Hvp>("Demo.Fns", "BHvp");
        // None, one, s − 1, s, s + 1, and many steps (where the schedule recomputes several levels deep).
        foreach (int n in new[] { 0, 1, Snapshots - 1, Snapshots, Snapshots + 1, 7, 31, 200 })
        {
            var expected = new double[3];
            var actual = new double[3];
            double value = f(Point, n);
            Assert.That(fGradient(Point, n, expected), Is.EqualTo(value));
            Assert.That(BitConverter.DoubleToInt64Bits(bGradient(Point, n, actual)), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), $"n = {n}: the primal value, bit for bit");
            Assert.That(actual, Is.EqualTo(expected), $"n = {n}: the same operations in the same order, so the same bits");
            // Every-k keeps the arrays too (a 2-D array's rows on the tape).
            var everyK = new double[3];
            Assert.That(cGradient(Point, n, everyK), Is.EqualTo(value));
            Assert.That(everyK, Is.EqualTo(expected), $"n = {n}: every-k");
            if (n <= 31)
            {
                var numeric = GradientCheck.FiniteDifferenceGradient(q => f(q, n), Point);
                for (int i = 0; i < 3; i++) Assert.That(actual[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"n = {n}: ∂/∂p[{i}] against central differences");
            }
            var direction = new[] { 0.3, -0.2, 0.5 };
            Assert.That(bJvp(Point, n, direction, out double tangent), Is.EqualTo(value));
            double dot = actual[0] * direction[0] + actual[1] * direction[1] + actual[2] * direction[2];
            Assert.That(tangent, Is.EqualTo(dot).Within(1e-12 * Math.Max(1, Math.Abs(dot))), $"n = {n}: the gradient against the forward mode");
            // The Hvp follows the Gradient (forward over the binomial reverse: the snapshots keep the arrays' tangents too).
            var fHv = new double[3];
            var bHv = new double[3];
            Assert.That(bHvp(Point, n, direction, bHv), Is.EqualTo(fHvp(Point, n, direction, fHv)));
            for (int i = 0; i < 3; i++) Assert.That(bHv[i], Is.EqualTo(fHv[i]).Within(1e-12 * Math.Max(1, Math.Abs(fHv[i]))), $"n = {n}: (H·v)[{i}]");
        }
    }

    [TestCase(nameof(Array1D))]
    [TestCase(nameof(StackSpan))]
    [TestCase(nameof(Array2D))]
    public void A_binomial_gradient_keeping_arrays_allocates_nothing_more_than_the_unchecked_one_after_warm_up(string shape)
    {
        var run = GeneratorHarness.Run(Program(Body(shape)));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var fGradient = loaded.Delegate<Gradient>("Demo.Fns", "FGradient");
        var bGradient = loaded.Delegate<Gradient>("Demo.Fns", "BGradient");
        var dp = new double[3];
        fGradient(Point, 500, dp);
        bGradient(Point, 500, dp);
        // The method's own arrays (new double[3]) and a 2-D array's adjoint are the unchecked gradient's too; checkpointing
        // adds nothing to them (the snapshots, the schedule and the tape are pooled).
        long before = GC.GetAllocatedBytesForCurrentThread();
        fGradient(Point, 500, dp);
        long plain = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(plain, Is.LessThanOrEqualTo(shape == nameof(Array2D) ? 256 : 128), "the unchecked gradient: the method's own small arrays only");
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 3; k++) bGradient(Point, 500, dp);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(3 * plain), "bytes allocated per call after warm-up: what the unchecked gradient allocates, nothing more");
    }
}

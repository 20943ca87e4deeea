using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Gradient spans written once rather than cleared and added into (<see cref="Overwrites"/>), and reverse loops replayed
/// forwards. The span handed in is filled with NaN first: an element the generated code neither writes nor zeroes shows.
/// </summary>
public sealed class OverwriteTests
{
    private static double[] Point(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1.6 - 0.8).ToArray();
    }

    private static void Check(Func<double[], double> f, Func<double[], double[], double> gradient, Func<double[], double, double[], double> vjp, int n)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var x = Point(n, seed);
            var g = Enumerable.Repeat(double.NaN, n).ToArray();
            Assert.That(gradient(x, g), Is.EqualTo(f(x)), "Gradient returns the value");
            var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
            for (int i = 0; i < n; i++) Assert.That(g[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"∂f/∂x[{i}]");
            var adjoint = Enumerable.Range(0, n).Select(i => 1.0 + i).ToArray();
            vjp(x, -0.5, adjoint);
            for (int i = 0; i < n; i++) Assert.That(adjoint[i], Is.EqualTo(1.0 + i - 0.5 * g[i]).Within(1e-12 * Math.Max(1, Math.Abs(g[i]))), $"Vjp adds, [{i}]");
        }
    }

    [TestCase(6)]
    [TestCase(7)]
    [TestCase(1)]
    [TestCase(0)]
    public void Pairs_even_and_odd_lengths(int n)
    {
        Check(Overwrites.Pairs, (x, g) => Overwrites.PairsGradient(x, g), (x, s, a) => Overwrites.PairsVjp(x, s, a), n);
        var point = Point(n, 4);
        var d = Enumerable.Repeat(double.NaN, n).ToArray();
        Overwrites.PairsGradient(point, d);
        for (int i = 0; i + 1 < n; i += 2)
        {
            Assert.That(d[i], Is.EqualTo(Math.Exp(point[i + 1])).Within(1e-15));
            Assert.That(d[i + 1], Is.EqualTo(point[i] * Math.Exp(point[i + 1])).Within(1e-15));
        }
        if (n % 2 == 1) Assert.That(d[n - 1], Is.EqualTo(0.0), "the unread last element is zeroed");
    }

    /// <summary>The Hvp's H·v span is written the same way: every element, NaN before the call, must be set.</summary>
    [TestCase(7)]
    [TestCase(6)]
    [TestCase(1)]
    public void Hvp_span_is_written_in_full(int n)
    {
        var x = Point(n, 3);
        var v = Point(n, 4);
        var hv = Enumerable.Repeat(double.NaN, n).ToArray();
        Assert.That(Overwrites.PairsHvp(x, v, hv), Is.EqualTo(Overwrites.Pairs(x)));
        // Central differences of the gradient along v.
        double h = 1e-5;
        var plus = new double[n];
        var minus = new double[n];
        Overwrites.PairsGradient(x.Zip(v, (a, b) => a + h * b).ToArray(), plus);
        Overwrites.PairsGradient(x.Zip(v, (a, b) => a - h * b).ToArray(), minus);
        for (int i = 0; i < n; i++)
        {
            double numeric = (plus[i] - minus[i]) / (2 * h);
            Assert.That(hv[i], Is.EqualTo(numeric).Within(1e-6 * Math.Max(1, Math.Abs(numeric))), $"(H·v)[{i}]");
        }
        if (n % 2 == 1) Assert.That(hv[n - 1], Is.EqualTo(0.0));
    }

    [TestCase(8)]
    [TestCase(7)]
    public void Extended_rosenbrock_against_its_formula(int n)
    {
        Check(Overwrites.ExtendedRosenbrock, (x, g) => Overwrites.ExtendedRosenbrockGradient(x, g),
            (x, s, a) => Overwrites.ExtendedRosenbrockVjp(x, s, a), n);
        var point = Point(n, 9);
        var d = Enumerable.Repeat(double.NaN, n).ToArray();
        Overwrites.ExtendedRosenbrockGradient(point, d);
        for (int i = 0; i + 1 < n; i += 2)
        {
            double a = 1 - point[i], b = point[i + 1] - point[i] * point[i];
            Assert.That(d[i], Is.EqualTo(-2 * a - 400 * b * point[i]).Within(1e-12), $"∂f/∂x[{i}]");
            Assert.That(d[i + 1], Is.EqualTo(200 * b).Within(1e-12), $"∂f/∂x[{i + 1}]");
        }
        if (n % 2 == 1) Assert.That(d[n - 1], Is.EqualTo(0.0));
        Overwrites.ExtendedRosenbrockJvp(point, d, out double tangent);
        Assert.That(tangent, Is.EqualTo(d.Sum(v => v * v)).Within(1e-9), "forward mode along the gradient gives |∇f|²");
    }

    /// <summary>
    /// The shape that lets the JIT compile the gradient's loop to the hand-written one's instructions: the adjoint of
    /// x₂ₖ is −2a − b̄·2x₂ₖ (the constant takes the sign, no negation), and the loop zeroing the tail counts with its
    /// own local (a counter shared by two loops is not widened to 64 bits, and is zero-extended at every index).
    /// </summary>
    [Test]
    public void Extended_rosenbrock_gradient_shape()
    {
        var run = GeneratorHarness.Run(File.ReadAllText(FixturePath()));
        string gradient = GeneratedCode.Indexed(GeneratedCode.Method(run, ".Overwrites.ExtendedRosenbrock.g.cs", "ExtendedRosenbrockGradient"));
        Assert.That(gradient, Does.Contain("dx[i] = -2.0 * a - "), gradient);
        Assert.That(gradient, Does.Not.Contain("-("), gradient);
        Assert.That(System.Text.RegularExpressions.Regex.IsMatch(gradient, @"int rest\d* = i;\s+while \(rest\d* < "), gradient);
    }

    [TestCase(5)]
    [TestCase(2)]
    [TestCase(1)]
    public void Loop_from_two_zeroes_the_head(int n) =>
        Check(Overwrites.FromTwo, (x, g) => Overwrites.FromTwoGradient(x, g), (x, s, a) => Overwrites.FromTwoVjp(x, s, a), n);

    [Test]
    public void Two_contributions_per_element() =>
        Check(Overwrites.Differences, (x, g) => Overwrites.DifferencesGradient(x, g), (x, s, a) => Overwrites.DifferencesVjp(x, s, a), 6);

    [Test]
    public void Strided_loop_with_gaps() =>
        Check(Overwrites.Strided, (x, g) => Overwrites.StridedGradient(x, g), (x, s, a) => Overwrites.StridedVjp(x, s, a), 8);

    [Test]
    public void Two_loops_into_one_span() =>
        Check(Overwrites.TwoLoops, (x, g) => Overwrites.TwoLoopsGradient(x, g), (x, s, a) => Overwrites.TwoLoopsVjp(x, s, a), 5);

    [Test]
    public void Inner_dot_product_replayed_in_a_reverse_loop()
    {
        var data = Point(12, 8);
        Check(w => Overwrites.ProductOfRows(w, data), (w, g) => Overwrites.ProductOfRowsGradient(w, data, g),
            (w, s, a) => Overwrites.ProductOfRowsVjp(w, data, s, a), 3);
        var point = Point(3, 2);
        var direction = Point(3, 3);
        var g = new double[3];
        Overwrites.ProductOfRowsGradient(point, data, g);
        Overwrites.ProductOfRowsJvp(point, data, direction, out double tangent);
        Assert.That(tangent, Is.EqualTo(g.Zip(direction, (a, b) => a * b).Sum()).Within(1e-12), "forward mode agrees");
    }

    [Test]
    public void Ragged_inner_loop_replayed_in_a_reverse_loop()
    {
        var lengths = new[] { 2.0, 0.0, 4.0, 1.0 };
        Check(w => Overwrites.RaggedRows(w, lengths), (w, g) => Overwrites.RaggedRowsGradient(w, lengths, g),
            (w, s, a) => Overwrites.RaggedRowsVjp(w, lengths, s, a), 4);
        // p = Π_r √z_r, z_r = 0.5 + Σ_{j<len_r} ((r+1)·w_j² − w_j/4): ∂ log p/∂w_j = Σ_r [j < len_r]·(2(r+1)·w_j − 1/4) / (2 z_r).
        var w0 = new[] { 0.3, -0.6, 0.2, 0.9 };
        var zs = lengths.Select((len, r) => 0.5 + w0.Take((int)len).Sum(v => (r + 1) * v * v - 0.25 * v)).ToArray();
        double p = zs.Aggregate(1.0, (acc, z) => acc * Math.Sqrt(z));
        var d = new double[4];
        Overwrites.RaggedRowsGradient(w0, lengths, d);
        for (int j = 0; j < 4; j++)
        {
            double expected = p * lengths.Select((len, r) => j < len ? (2 * (r + 1) * w0[j] - 0.25) / (2 * zs[r]) : 0).Sum();
            Assert.That(d[j], Is.EqualTo(expected).Within(1e-13));
        }
    }

    [Test]
    public void Replayed_and_written_gradients_allocate_nothing()
    {
        var x = Point(41, 5);
        var data = Point(41 * 3, 6);
        var g = new double[41];
        Overwrites.PairsGradient(x, g);
        Overwrites.ProductOfRowsGradient(x, data, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            Overwrites.PairsGradient(x, g);
            Overwrites.ProductOfRowsGradient(x, data, g);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    /// <summary>Which Gradients clear their span: those whose span is not filled by one tiling loop.</summary>
    [TestCase("Pairs", false)]
    [TestCase("FromTwo", false)]
    [TestCase("Differences", true)]
    [TestCase("Strided", true)]
    [TestCase("TwoLoops", true)]
    public void Which_gradients_clear(string method, bool clears)
    {
        var run = GeneratorHarness.Run(File.ReadAllText(FixturePath()));
        run.AssertNoErrors();
        string gradient = GeneratedCode.Indexed(GeneratedCode.Method(run, ".Overwrites." + method + ".g.cs", method + "Gradient"));
        Assert.That(gradient.Contains(".Clear();"), Is.EqualTo(clears), gradient);
        Assert.That(gradient.Contains("] += "), Is.EqualTo(clears), gradient);
    }

    /// <summary>The inner loop's reverse runs forwards, from the counter's start: no count-down loop in the Vjp.</summary>
    [Test]
    public void Inner_reverse_loop_runs_forwards()
    {
        var run = GeneratorHarness.Run(File.ReadAllText(FixturePath()));
        string vjp = GeneratedCode.Method(run, ".Overwrites.ProductOfRows.g.cs", "ProductOfRowsVjp");
        // The outer loop's reverse counts down; the inner one's replays `j < n`.
        Assert.That(System.Text.RegularExpressions.Regex.Matches(vjp, @"while \(\w+ > 0\)").Count, Is.EqualTo(1), vjp);
        Assert.That(System.Text.RegularExpressions.Regex.Matches(vjp, @"while \(j\d* < n\)").Count, Is.EqualTo(2), vjp);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "FusedLoops.cs");
}

using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Reductions whose reverse sweep runs inside the primal loop (<see cref="FusedLoops"/>), and the ones that must not:
/// each is checked against central finite differences, Vjp accumulation and forward mode, at points away from kinks;
/// and the generated Gradient is checked for which loops were fused.
/// </summary>
public sealed class FusedLoopTests
{
    /// <summary>Everything in one packed vector: array elements first, then scalars, as the companions order them.</summary>
    private delegate double PackedGradient(double[] point, double[] gradient);
    private delegate double PackedVjp(double[] point, double seed, double[] adjoint);
    private delegate double PackedJvp(double[] point, double[] direction, out double tangent);

    private static double[] Point(int n, int seed, double low = -0.8, double high = 0.8)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => low + (high - low) * random.NextDouble()).ToArray();
    }

    private static void Check(int n, Func<double[], double> f, PackedGradient gradient, PackedVjp vjp, PackedJvp jvp,
        double low = -0.8, double high = 0.8, double tolerance = 1e-6)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var x = Point(n, seed, low, high);
            var g = new double[n];
            double value = gradient(x, g);
            Assert.That(value, Is.EqualTo(f(x)), "Gradient returns the value");
            var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
            for (int i = 0; i < n; i++) Assert.That(g[i], Is.EqualTo(numeric[i]).Within(tolerance * Math.Max(1, Math.Abs(numeric[i]))), $"∂f/∂p[{i}]");

            var adjoint = Enumerable.Range(0, n).Select(i => 0.25 * i - 0.5).ToArray();
            Assert.That(vjp(x, 0.75, adjoint), Is.EqualTo(value), "Vjp returns the value");
            for (int i = 0; i < n; i++) Assert.That(adjoint[i], Is.EqualTo(0.25 * i - 0.5 + 0.75 * g[i]).Within(1e-12 * Math.Max(1, Math.Abs(g[i]))), $"adjoint[{i}]");

            var direction = Point(n, seed + 100);
            Assert.That(jvp(x, direction, out double tangent), Is.EqualTo(value), "Jvp returns the value");
            Assert.That(tangent, Is.EqualTo(g.Zip(direction, (a, b) => a * b).Sum()).Within(1e-10 * Math.Max(1, g.Sum(Math.Abs))), "Jvp = gradient · direction");
        }
    }

    /// <summary>Adapters for a function of one array.</summary>
    private static void CheckArray(int n, Func<double[], double> f, Func<double[], double[], double> gradient,
        Func<double[], double, double[], double> vjp, Func<double[], double[], (double, double)> jvp, double low = -0.8, double high = 0.8) =>
        Check(n, f, (p, g) => gradient(p, g), (p, s, a) => vjp(p, s, a),
            (double[] p, double[] d, out double t) => { var (v, tangent) = jvp(p, d); t = tangent; return v; }, low, high);

    [Test]
    public void Two_accumulators_an_outer_scalar_and_a_linear_tail()
    {
        const double lambda = 0.3;
        Check(6, p => FusedLoops.MeanAndPenalty(p[..^1], p[^1], lambda),
            (p, g) =>
            {
                var dw = new double[p.Length - 1];
                double v = FusedLoops.MeanAndPenaltyGradient(p[..^1], p[^1], lambda, dw, out double dBias);
                dw.CopyTo(g, 0);
                g[^1] = dBias;
                return v;
            },
            (p, seed, a) =>
            {
                var wAdj = a[..^1];
                double biasAdj = a[^1];
                double v = FusedLoops.MeanAndPenaltyVjp(p[..^1], p[^1], lambda, seed, wAdj, ref biasAdj);
                wAdj.CopyTo(a, 0);
                a[^1] = biasAdj;
                return v;
            },
            (double[] p, double[] d, out double t) => FusedLoops.MeanAndPenaltyJvp(p[..^1], p[^1], lambda, d[..^1], d[^1], out t));
    }

    [Test]
    public void Hand_derived_gradient_of_the_mean_and_penalty()
    {
        // f = (Σ sin²(wᵢ + b) + 3b·Σwᵢ)/n + (λ/2 + 1)·Σwᵢ², so
        // ∂f/∂wᵢ = (sin 2(wᵢ + b) + 3b)/n + (λ + 2)·wᵢ and ∂f/∂b = Σ (sin 2(wᵢ + b) + 3wᵢ)/n.
        var w = new[] { 0.4, -1.1, 0.7, 2.0 };
        double b = -0.35, lambda = 0.3;
        var dw = new double[4];
        FusedLoops.MeanAndPenaltyGradient(w, b, lambda, dw, out double db);
        for (int i = 0; i < 4; i++) Assert.That(dw[i], Is.EqualTo((Math.Sin(2 * (w[i] + b)) + 3 * b) / 4 + (lambda + 2) * w[i]).Within(1e-13));
        Assert.That(db, Is.EqualTo(w.Sum(wi => Math.Sin(2 * (wi + b)) + 3 * wi) / 4).Within(1e-13));
    }

    [Test]
    public void Squared_sum_is_not_fused_and_is_right() =>
        CheckArray(5, FusedLoops.SquaredSum, (x, g) => FusedLoops.SquaredSumGradient(x, g),
            (x, s, a) => FusedLoops.SquaredSumVjp(x, s, a), (x, d) => (FusedLoops.SquaredSumJvp(x, d, out double t), t));

    [Test]
    public void Accumulator_starting_from_a_parameter()
    {
        Check(5, p => FusedLoops.StartsFromParameter(p[..^1], p[^1]),
            (p, g) =>
            {
                var dx = new double[p.Length - 1];
                double v = FusedLoops.StartsFromParameterGradient(p[..^1], p[^1], dx, out double ds0);
                dx.CopyTo(g, 0);
                g[^1] = ds0;
                return v;
            },
            (p, seed, a) =>
            {
                var xAdj = a[..^1];
                double s0Adj = a[^1];
                double v = FusedLoops.StartsFromParameterVjp(p[..^1], p[^1], seed, xAdj, ref s0Adj);
                xAdj.CopyTo(a, 0);
                a[^1] = s0Adj;
                return v;
            },
            (double[] p, double[] d, out double t) => FusedLoops.StartsFromParameterJvp(p[..^1], p[^1], d[..^1], d[^1], out t));
        // f = 2s₀² + 2s₀·Σ e^xᵢ: ∂f/∂s₀ = 4s₀ + 2Σ e^xᵢ.
        var x = new[] { 0.1, -0.4, 0.9 };
        FusedLoops.StartsFromParameterGradient(x, 0.6, new double[3], out double ds);
        Assert.That(ds, Is.EqualTo(4 * 0.6 + 2 * x.Sum(Math.Exp)).Within(1e-13));
    }

    [Test]
    public void Branch_and_inner_loop_in_the_fused_body() =>
        CheckArray(7, FusedLoops.BranchAndInnerLoop, (x, g) => FusedLoops.BranchAndInnerLoopGradient(x, g),
            (x, s, a) => FusedLoops.BranchAndInnerLoopVjp(x, s, a), (x, d) => (FusedLoops.BranchAndInnerLoopJvp(x, d, out double t), t));

    [Test]
    public void Buffer_overwritten_after_a_reduction() =>
        CheckArray(6, FusedLoops.ReadsBufferWrittenLater, (x, g) => FusedLoops.ReadsBufferWrittenLaterGradient(x, g),
            (x, s, a) => FusedLoops.ReadsBufferWrittenLaterVjp(x, s, a), (x, d) => (FusedLoops.ReadsBufferWrittenLaterJvp(x, d, out double t), t));

    [Test]
    public void Call_inside_the_fused_loop() =>
        CheckArray(8, FusedLoops.CallsHelper, (x, g) => FusedLoops.CallsHelperGradient(x, g),
            (x, s, a) => FusedLoops.CallsHelperVjp(x, s, a), (x, d) => (FusedLoops.CallsHelperJvp(x, d, out double t), t));

    [Test]
    public void Branch_after_the_loop_on_both_sides()
    {
        // Σ cos xᵢ near 0 for x around ±1.5 (the else side) and near 6 for x near 0 (the · 0.5 side).
        CheckArray(6, FusedLoops.BranchAfter, (x, g) => FusedLoops.BranchAfterGradient(x, g),
            (x, s, a) => FusedLoops.BranchAfterVjp(x, s, a), (x, d) => (FusedLoops.BranchAfterJvp(x, d, out double t), t), -0.3, 0.3);
        CheckArray(6, FusedLoops.BranchAfter, (x, g) => FusedLoops.BranchAfterGradient(x, g),
            (x, s, a) => FusedLoops.BranchAfterVjp(x, s, a), (x, d) => (FusedLoops.BranchAfterJvp(x, d, out double t), t), 1.45, 1.6);
    }

    [Test]
    public void Loop_stopped_by_the_data()
    {
        var keep = new[] { 1.0, 1.0, 1.0, -1.0, 1.0, 1.0 };
        CheckArray(6, x => FusedLoops.StopsEarly(x, keep), (x, g) => FusedLoops.StopsEarlyGradient(x, keep, g),
            (x, s, a) => FusedLoops.StopsEarlyVjp(x, keep, s, a), (x, d) => (FusedLoops.StopsEarlyJvp(x, keep, d, out double t), t));
        var point = new[] { 0.5, -0.2, 0.3, 0.9, 0.4, 0.1 };
        var g = new double[6];
        FusedLoops.StopsEarlyGradient(point, keep, g);
        Assert.That(g, Is.EqualTo(new[] { 3 * 0.25, 3 * 0.04, 3 * 0.09, 0, 0, 0 }).Within(1e-15));
    }

    [Test]
    public void Running_sum_is_not_fused_and_is_right() =>
        CheckArray(5, FusedLoops.RunningSum, (x, g) => FusedLoops.RunningSumGradient(x, g),
            (x, s, a) => FusedLoops.RunningSumVjp(x, s, a), (x, d) => (FusedLoops.RunningSumJvp(x, d, out double t), t));

    [Test]
    public void Single_precision_mean_square()
    {
        var x = new[] { 0.5f, -1.25f, 2f, 0.75f };
        var g = new float[4];
        float value = FusedLoops.MeanSquareFGradient(x, g);
        Assert.That(value, Is.EqualTo(FusedLoops.MeanSquareF(x)));
        for (int i = 0; i < 4; i++) Assert.That(g[i], Is.EqualTo(2 * x[i] / 4).Within(1e-6f));
        var adjoint = new float[] { 1, 1, 1, 1 };
        FusedLoops.MeanSquareFVjp(x, 2f, adjoint);
        for (int i = 0; i < 4; i++) Assert.That(adjoint[i], Is.EqualTo(1 + 2 * g[i]).Within(1e-6f));
    }

    [Test]
    public void Fused_gradients_allocate_nothing()
    {
        var x = Point(64, 5);
        var g = new double[64];
        FusedLoops.BranchAndInnerLoopGradient(x, g);
        FusedLoops.CallsHelperGradient(x, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            FusedLoops.BranchAndInnerLoopGradient(x, g);
            FusedLoops.CallsHelperGradient(x, g);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void A_helper_summed_in_a_fused_loop_runs_once_per_iteration_through_its_Vjp()
    {
        // s += Pair(x[i], x[i + 1]) with the iteration's adjoint right after it: PairVjp returns Pair's value bit for bit,
        // so the iteration calls it alone (merge-pullbacks), not Pair and then PairVjp, which runs Pair's body again.
        var run = GeneratorHarness.RunWith(new HarnessOptions(), File.ReadAllText(FixturePath()));
        run.AssertNoErrors();
        foreach (var companion in new[] { "CallsHelperGradient", "CallsHelperVjp" })
        {
            string code = GeneratedCode.Method(run, ".FusedLoops.CallsHelper.g.cs", companion);
            Assert.That(Regex.Matches(code, @"double \w+ = global::AutoDiff\.Generator\.Tests\.Numeric\.FusedLoops\.PairVjp\(").Count, Is.EqualTo(1), code);
            Assert.That(code, Does.Not.Contain("FusedLoops.Pair("), code);
        }
        // The numbers: the gradient's value is the method's bit for bit (CheckArray above checks the derivatives three ways).
        var x = Point(9, 31);
        Assert.That(FusedLoops.CallsHelperGradient(x, new double[9]), Is.EqualTo(FusedLoops.CallsHelper(x)));
    }

    /// <summary>A fixed data set of <paramref name="n"/> points of <paramref name="d"/> coordinates.</summary>
    private static double[] Data(int n, int d, int seed) => Point(n * d, seed, -1.5, 1.5);

    [Test]
    public void Scratch_row_per_point_fuses_and_is_right()
    {
        var data = Data(7, 4, 11);
        CheckArray(4, w => FusedLoops.CenteredSquares(w, data), (w, g) => FusedLoops.CenteredSquaresGradient(w, data, g),
            (w, s, a) => FusedLoops.CenteredSquaresVjp(w, data, s, a), (w, d) => (FusedLoops.CenteredSquaresJvp(w, data, d, out double t), t));
        // f = Σᵢ Σⱼ (xᵢⱼ − wⱼ)²: ∂f/∂wⱼ = −2 Σᵢ (xᵢⱼ − wⱼ).
        var point = new[] { 0.3, -0.7, 1.1, 0.05 };
        var gradient = new double[4];
        FusedLoops.CenteredSquaresGradient(point, data, gradient);
        for (int j = 0; j < 4; j++)
        {
            double expected = -2 * Enumerable.Range(0, 7).Sum(i => data[i * 4 + j] - point[j]);
            Assert.That(gradient[j], Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), $"∂f/∂w[{j}]");
        }
    }

    [Test]
    public void Gmm_shaped_point_loop_with_two_scratch_buffers_fuses_and_is_right()
    {
        const int d = 3, k = 4;
        var data = Data(9, d, 12);
        int size = k * d + d + k;
        CheckArray(size, w => FusedLoops.PointMixture(w, data, d, k), (w, g) => FusedLoops.PointMixtureGradient(w, data, d, k, g),
            (w, s, a) => FusedLoops.PointMixtureVjp(w, data, d, k, s, a), (w, v) => (FusedLoops.PointMixtureJvp(w, data, d, k, v, out double t), t), -0.6, 0.6);
    }

    [Test]
    public void Hessian_vector_products_through_a_fused_loop_with_scratch_buffers()
    {
        // H·v against central differences of the gradient along v, and the Hessian symmetric and equal to H·e_j.
        const int d = 3, k = 4;
        var data = Data(9, d, 16);
        int size = k * d + d + k;
        var w = Point(size, 17, -0.6, 0.6);
        var v = Point(size, 18);
        var hv = new double[size];
        Assert.That(FusedLoops.PointMixtureHvp(w, data, d, k, v, hv), Is.EqualTo(FusedLoops.PointMixture(w, data, d, k)), "Hvp returns the value");
        const double h = 1e-5;
        var plus = new double[size];
        var minus = new double[size];
        FusedLoops.PointMixtureGradient(w.Select((x, i) => x + h * v[i]).ToArray(), data, d, k, plus);
        FusedLoops.PointMixtureGradient(w.Select((x, i) => x - h * v[i]).ToArray(), data, d, k, minus);
        for (int i = 0; i < size; i++)
        {
            double expected = (plus[i] - minus[i]) / (2 * h);
            Assert.That(hv[i], Is.EqualTo(expected).Within(1e-6 * Math.Max(1, Math.Abs(expected))), $"(H·v)[{i}]");
        }
        var hessian = new double[size * size];
        FusedLoops.PointMixtureHessian(w, data, d, k, hessian);
        var column = new double[size];
        for (int j = 0; j < size; j++)
        {
            var unit = new double[size];
            unit[j] = 1;
            FusedLoops.PointMixtureHvp(w, data, d, k, unit, column);
            for (int i = 0; i < size; i++)
            {
                Assert.That(hessian[i * size + j], Is.EqualTo(column[i]).Within(1e-12 * Math.Max(1, Math.Abs(column[i]))), $"H[{i},{j}]");
                Assert.That(hessian[i * size + j], Is.EqualTo(hessian[j * size + i]).Within(1e-10 * Math.Max(1, Math.Abs(column[i]))), $"H symmetric at {i},{j}");
            }
        }
    }

    [Test]
    public void Scratch_rows_that_carry_a_value_are_not_fused_and_are_right()
    {
        var data = Data(6, 3, 13);
        CheckArray(3, w => FusedLoops.CarriedRow(w, data), (w, g) => FusedLoops.CarriedRowGradient(w, data, g),
            (w, s, a) => FusedLoops.CarriedRowVjp(w, data, s, a), (w, d) => (FusedLoops.CarriedRowJvp(w, data, d, out double t), t));
        CheckArray(3, w => FusedLoops.RowReadAfter(w, data), (w, g) => FusedLoops.RowReadAfterGradient(w, data, g),
            (w, s, a) => FusedLoops.RowReadAfterVjp(w, data, s, a), (w, d) => (FusedLoops.RowReadAfterJvp(w, data, d, out double t), t));
        CheckArray(3, w => FusedLoops.PartlyFilledRow(w, data), (w, g) => FusedLoops.PartlyFilledRowGradient(w, data, g),
            (w, s, a) => FusedLoops.PartlyFilledRowVjp(w, data, s, a), (w, d) => (FusedLoops.PartlyFilledRowJvp(w, data, d, out double t), t));
    }

    [Test]
    public void A_fused_loop_reserves_tape_room_for_one_iteration_and_allocates_nothing()
    {
        // PointMixture pushes each point's k·d squared-norm terms (and more) and pops them in the same iteration: the room
        // reserved before the loop is one iteration's, not the point count's times that, so the tape stays small for any n.
        var run = GeneratorHarness.RunWith(new HarnessOptions(), File.ReadAllText(FixturePath()));
        run.AssertNoErrors();
        string vjp = GeneratedCode.Method(run, ".FusedLoops.PointMixture.g.cs", "PointMixtureVjp");
        var reserves = Regex.Matches(vjp, @"Tape\.Reserve\((.*)\);").Select(m => m.Groups[1].Value).ToList();
        Assert.That(reserves, Is.Not.Empty, vjp);
        Assert.That(reserves, Has.None.Contains("(long)n"), vjp);
        Assert.That(vjp, Does.Not.Contain("PushAll"), "the terms' log-sum-exp is undone in the same iteration: no snapshot");
        // Its pullback follows its value in the iteration, with the loop's seed: one call computes both (merge-pullbacks).
        Assert.That(Regex.Matches(vjp, @"LogSumExpWithAdjoint\(terms, seed, termsAdj\)").Count, Is.EqualTo(1), vjp);
        Assert.That(vjp, Does.Not.Contain("LogSumExpAdjoint("), vjp);

        const int d = 3, k = 4;
        var data = Data(4000, d, 14);
        var w = Point(k * d + d + k, 15, -0.6, 0.6);
        var g = new double[w.Length];
        FusedLoops.PointMixtureGradient(w, data, d, k, g);
        long fewest = long.MaxValue;
        for (int call = 0; call < 3; call++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            FusedLoops.PointMixtureGradient(w, data, d, k, g);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.That(fewest, Is.Zero);
    }

    /// <summary>
    /// Which loops fused, read off the generated Vjp: its number of <c>while</c> loops is the primal's plus one
    /// reverse loop per loop that was not fused. (The Gradient may add a loop that zeroes the elements its loop did not write.)
    /// </summary>
    [TestCase("MeanAndPenalty", 2)]            // both reductions fused
    [TestCase("SquaredSum", 2)]                // not fused: sum · sum needs the sum
    [TestCase("StartsFromParameter", 1)]
    [TestCase("BranchAndInnerLoop", 3)]        // outer fused; the inner loop and its reverse run in each iteration
    [TestCase("ReadsBufferWrittenLater", 7)]   // four loops; the last alone fused
    [TestCase("CallsHelper", 1)]
    [TestCase("BranchAfter", 2)]               // not fused: the sum decides a branch
    [TestCase("StopsEarly", 1)]
    [TestCase("MeanSquareF", 1)]
    [TestCase("RunningSum", 2)]                // not fused: s feeds total
    [TestCase("CenteredSquares", 5)]           // fused: the row's two loops and their reverses run in each iteration
    [TestCase("CarriedRow", 4)]                // not fused: the row carries the previous point's value
    [TestCase("RowReadAfter", 5)]              // not fused: the row is read after the loop (its reverse refills the row)
    [TestCase("PartlyFilledRow", 6)]           // not fused: part of the row is filled
    public void Which_loops_fuse(string method, int loops)
    {
        // (fuse-adjoint-loops, which would run some of the loops as one, is off: the count reads fuse-loops' decisions.)
        var run = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "fuse-adjoint-loops"), File.ReadAllText(FixturePath()));
        run.AssertNoErrors();
        string vjp = GeneratedCode.Method(run, ".FusedLoops." + method + ".g.cs", method + "Vjp");
        Assert.That(Regex.Matches(vjp, @"\bwhile \(").Count, Is.EqualTo(loops), vjp);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "FusedLoops.cs");
}

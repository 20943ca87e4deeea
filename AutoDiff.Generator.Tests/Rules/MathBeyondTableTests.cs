using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// Issue 15 item 7: Math functions beyond the first table, one row each in Derivatives/RuleTable.cs (Clamp, ScaleB,
/// CopySign, BitIncrement/BitDecrement, ReciprocalEstimate/ReciprocalSqrtEstimate; Log(x, b) with an active base and
/// FusedMultiplyAdd were rows already), double and float; and predicates and integer results of active values
/// (double.IsNaN, double.IsFinite, Math.Sign, (int)Math.Floor(x), Array.BinarySearch(grid, x)) that only select a branch
/// or an element: no error, no warning.
/// </summary>
public class MathBeyondTableTests
{
    private static readonly string Source = DiagnosticCase.Source("""
        public static partial class Fns
        {
            [Differentiable] public static double Clamp(double x, double lo, double hi) => Math.Clamp(x * x, lo, hi) * x;
            [Differentiable] public static double ScaleB(double x) => Math.ScaleB(x * x, 3) + Math.ScaleB(x, -2);
            [Differentiable] public static double LogBase(double x, double b) => Math.Log(x * x + 1, b);
            [Differentiable] public static double CopySign(double x, double y) => Math.CopySign(x * x - 1, y) * x;
            [Differentiable] public static double Bits(double x) => Math.BitIncrement(x * x) * Math.BitDecrement(Math.Sin(x));
            [Differentiable] public static double Recip(double x) => Math.ReciprocalEstimate(x * x) + Math.ReciprocalSqrtEstimate(x);
            [Differentiable] public static double Fma(double x, double y) => Math.FusedMultiplyAdd(x, y * y, x * y);
            [Differentiable] public static float Single(float x, float y) =>
                Math.Clamp(x, -1f, y) * MathF.ScaleB(x, 2) + MathF.CopySign(x * y, -1f) + MathF.BitIncrement(x) * MathF.BitDecrement(y) + MathF.Log(x, y);
            [Differentiable] public static float RecipF(float x) => MathF.ReciprocalEstimate(x) + MathF.ReciprocalSqrtEstimate(x);
        }
        """);

    private static GeneratorRun? _run;

    private static GeneratorRun Run()
    {
        if (_run != null) return _run;
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics(), Is.Empty);
        return _run = run;
    }

    private static double[] Gradient(LoadedAssembly loaded, string name, double[] x, out double value)
    {
        var args = x.Cast<object?>().Concat(x.Select(_ => (object?)null)).ToArray();
        value = (double)loaded.Invoke("Demo.Fns", name + "Gradient", args)!;
        return args.Skip(x.Length).Select(a => (double)a!).ToArray();
    }

    /// <summary>The gradient against central differences (and <paramref name="hand"/>), forward mode against it, H·v against differences of it, primals bit for bit.</summary>
    private static void Check(string name, double[] x, double[]? hand = null, bool differences = true)
    {
        using var loaded = Run().Load();
        double f(double[] p) => (double)loaded.Invoke("Demo.Fns", name, p.Cast<object?>().ToArray())!;
        double[] g = Gradient(loaded, name, x, out double value);
        Assert.That(value, Is.EqualTo(f(x)), "Gradient's primal, bit for bit");
        if (hand != null) Assert.That(g, Is.EqualTo(hand).Within(1e-12), "the hand formula");
        if (differences)
        {
            var check = GradientCheck.Check(f, x, g);
            Assert.That(check.Passed, check.ToString());
        }

        var v = x.Select((_, i) => 0.5 - 0.3 * i).ToArray();
        var jvp = x.Cast<object?>().Concat(v.Cast<object?>()).Append(null).ToArray();
        Assert.That((double)loaded.Invoke("Demo.Fns", name + "Jvp", jvp)!, Is.EqualTo(value), "Jvp's primal");
        Assert.That((double)jvp[^1]!, Is.EqualTo(g.Zip(v, (a, b) => a * b).Sum()).Within(1e-12), "forward mode against reverse mode");

        var hvp = x.Cast<object?>().Concat(v.Cast<object?>()).Concat(x.Select(_ => (object?)null)).ToArray();
        Assert.That((double)loaded.Invoke("Demo.Fns", name + "Hvp", hvp)!, Is.EqualTo(value), "Hvp's primal");
        if (!differences) return;
        const double h = 1e-5;
        var plus = Gradient(loaded, name, x.Zip(v, (a, b) => a + h * b).ToArray(), out _);
        var minus = Gradient(loaded, name, x.Zip(v, (a, b) => a - h * b).ToArray(), out _);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That((double)hvp[2 * x.Length + i]!, Is.EqualTo((plus[i] - minus[i]) / (2 * h)).Within(1e-5), "H·v against differences of the gradient, " + i);
        }
    }

    [TestCase(0.5, TestName = "Clamp inside its bounds")]
    [TestCase(1.3, TestName = "Clamp above its upper bound")]
    [TestCase(-0.2, TestName = "Clamp below its lower bound")]
    public void Clamp(double x)
    {
        const double lo = 0.1, hi = 1.2;
        double u = x * x;
        double[] hand = u < lo ? new[] { lo, x, 0 } : u > hi ? new[] { hi, 0, x } : new[] { 3 * u, 0, 0 };
        Check("Clamp", new[] { x, lo, hi }, hand);
    }

    /// <summary>At a bound Clamp is Min(Max(x, lo), hi), and its derivative that composition's: the tie splits it equally.</summary>
    [Test]
    public void Clamp_at_a_bound_splits_the_derivative_equally()
    {
        using var loaded = Run().Load();
        // x² = lo = 0.25 < hi: ∂(x²) = ½, ∂lo = ½; at x² = hi = 0.25: ∂(x²) = ½, ∂hi = ½.
        var atLow = Gradient(loaded, "Clamp", new[] { 0.5, 0.25, 1.0 }, out double low);
        Assert.That(low, Is.EqualTo(0.125));
        Assert.That(atLow, Is.EqualTo(new[] { 0.25 + 0.5 * 2 * 0.5 * 0.5, 0.5 * 0.5, 0.0 }));
        var atHigh = Gradient(loaded, "Clamp", new[] { 0.5, -1.0, 0.25 }, out _);
        Assert.That(atHigh, Is.EqualTo(new[] { 0.25 + 0.5 * 2 * 0.5 * 0.5, 0.0, 0.5 * 0.5 }));
        // lo = hi = x²: Max's tie gives ½ to x² and ½ to lo, Min's tie halves what reaches it and gives hi ½.
        var pinned = Gradient(loaded, "Clamp", new[] { 0.5, 0.25, 0.25 }, out _);
        Assert.That(pinned, Is.EqualTo(new[] { 0.25 + 0.25 * 2 * 0.5 * 0.5, 0.25 * 0.5, 0.5 * 0.5 }));
    }

    [Test]
    public void Snapshot_of_Clamp_and_CopySign()
    {
        Snapshot.VerifyCompanion(Run(), "Clamp", "Gradient");
        Snapshot.VerifyCompanion(Run(), "CopySign", "Jvp");
    }

    [TestCase(0.7)]
    [TestCase(-1.6)]
    public void ScaleB(double x) => Check("ScaleB", new[] { x }, new[] { 16 * x + 0.25 });

    [Test]
    public void Log_with_an_active_base() =>
        Check("LogBase", new[] { 0.8, 2.5 }, new[] { 2 * 0.8 / (1.64 * Math.Log(2.5)), -Math.Log(1.64) / (Math.Log(2.5) * Math.Log(2.5) * 2.5) });

    [TestCase(0.4, 2.0)]
    [TestCase(1.7, -0.5)]
    [TestCase(-1.3, -3.0)]
    public void CopySign(double x, double y)
    {
        // CopySign(u, y)·x = s·|u|·x with s the sign of y: ∂x = s·(sign(u)·2x·x + |u|); flat in y.
        double u = x * x - 1, s = Math.Sign(y);
        Check("CopySign", new[] { x, y }, new[] { s * (Math.Sign(u) * 2 * x * x + Math.Abs(u)), 0 });
    }

    [Test]
    public void CopySign_takes_the_sign_bit_of_negative_zero()
    {
        using var loaded = Run().Load();
        var g = Gradient(loaded, "CopySign", new[] { 1.5, -0.0 }, out double value);
        Assert.That(value, Is.EqualTo(-(1.5 * 1.5 - 1) * 1.5));
        Assert.That(g[0], Is.EqualTo(-(2 * 1.5 * 1.5 + 1.25)).Within(1e-12));
    }

    [TestCase(0.9)]
    [TestCase(-2.1)]
    public void BitIncrement_and_BitDecrement_have_derivative_one(double x) =>
        Check("Bits", new[] { x }, new[] { 2 * x * Math.BitDecrement(Math.Sin(x)) + Math.BitIncrement(x * x) * Math.Cos(x) });

    /// <summary>
    /// The derivatives of 1/x and 1/√x, from the estimates as computed; an estimate may be a hardware approximation with
    /// steps far larger than a finite difference's, so differences are not compared.
    /// </summary>
    [Test]
    public void ReciprocalEstimate_and_ReciprocalSqrtEstimate()
    {
        const double x = 1.7;
        double r = Math.ReciprocalEstimate(x * x), q = Math.ReciprocalSqrtEstimate(x);
        Check("Recip", new[] { x }, new[] { -r * r * 2 * x - 0.5 * q * q * q }, differences: false);
        Assert.That(-r * r * 2 * x - 0.5 * q * q * q, Is.EqualTo(-2 / (x * x * x) - 0.5 / Math.Pow(x, 1.5)).Within(1e-2), "close to the exact derivative");
    }

    [Test]
    public void FusedMultiplyAdd() => Check("Fma", new[] { 0.6, -1.4 }, new[] { 1.96 - 1.4, 2 * 0.6 * -1.4 + 0.6 });

    [Test]
    public void Float_overloads()
    {
        string generated = Run().Generated("Demo.Fns.Single.g.cs");
        // Math.Clamp(float…) has no MathF twin; the others do.
        Assert.That(generated, Does.Contain("global::System.Math.Clamp(").And.Contain("global::System.MathF.ScaleB(").And.Contain("global::System.MathF.CopySign(")
            .And.Not.Contain("MathF.Clamp("));
        using var loaded = Run().Load();
        const float x = 0.6f, y = 1.9f;
        var args = new object?[] { x, y, null, null };
        float value = (float)loaded.Invoke("Demo.Fns", "SingleGradient", args)!;
        Assert.That(value, Is.EqualTo((float)loaded.Invoke("Demo.Fns", "Single", new object?[] { x, y })!), "the primal, bit for bit");
        double X = x, Y = y;
        // Clamp(x, −1, y) = x here; ScaleB(x, 2) = 4x; CopySign(xy, −1) = −xy; BitIncrement(x)·BitDecrement(y) ≈ xy; log_y x.
        double dx = 8 * X - Y + Y + 1 / (X * Math.Log(Y));
        double dy = -X + X - Math.Log(X) / (Math.Log(Y) * Math.Log(Y) * Y);
        Assert.That((double)(float)args[2]!, Is.EqualTo(dx).Within(1e-4));
        Assert.That((double)(float)args[3]!, Is.EqualTo(dy).Within(1e-4));

        var recip = new object?[] { 1.3f, null };
        float rv = (float)loaded.Invoke("Demo.Fns", "RecipFGradient", recip)!;
        Assert.That(rv, Is.EqualTo((float)loaded.Invoke("Demo.Fns", "RecipF", new object?[] { 1.3f })!));
        float r = MathF.ReciprocalEstimate(1.3f), q = MathF.ReciprocalSqrtEstimate(1.3f);
        Assert.That((float)recip[1]!, Is.EqualTo(-r * r - 0.5f * q * q * q).Within(1e-6f), "from the estimates, as computed");
    }

    // ---- predicates and integer results that only select a branch or an element ------------------------------

    private static readonly string Selecting = DiagnosticCase.Source("""
        public static partial class Fns
        {
            static readonly double[] Grid = { 0, 1, 2, 3 };
            [Differentiable] public static double Tests(double x) { if (double.IsNaN(x) || !double.IsFinite(x)) return 0; int s = Math.Sign(x); return s > 0 ? x * x : -x; }
            [Differentiable] public static double Floor(double x, double[] w) { int i = (int)Math.Floor(x); return w[i] * x; }
            [Differentiable] public static double Cast(double x, double[] w) { int i = (int)x; if (i > 1) return w[i] * x * x; return w[0] * x; }
            [Differentiable] public static double Search(double x, double[] w) { int i = Array.BinarySearch(Grid, x); if (i < 0) i = -i - 1; return w[i] * x; }
            [Differentiable] public static double SearchBranch(double x, [NoDerivative] double[] grid) { if (Array.BinarySearch(grid, x) < 0) return x; return x * x; }
        }
        """);

    [Test]
    public void Predicates_and_integer_results_that_only_select_give_no_diagnostic()
    {
        var run = GeneratorHarness.Run(Selecting);
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Select(d => d.ToString()), Is.Empty);
        using var loaded = run.Load();
        var w = new[] { 0.5, 1.5, -2.0, 3.0, 4.0 };

        foreach (var (name, x, withW, expected) in new[]
        {
            ("Tests", 1.3, false, 2 * 1.3), ("Tests", -0.4, false, -1.0),
            ("Floor", 2.4, true, -2.0), ("Cast", 2.6, true, 2 * -2.0 * 2.6), ("Cast", 0.7, true, 0.5),
            ("Search", 1.5, true, -2.0), ("Search", 2.0, true, -2.0),
        })
        {
            var args = withW ? new object?[] { x, w, null, new double[w.Length] } : new object?[] { x, null };
            if (withW)
            {
                var gradient = loaded.Delegate<ArrayGradient>("Demo.Fns", name + "Gradient");
                var dw = new double[w.Length];
                double value = gradient(x, w, out double dx, dw);
                Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", name, new object?[] { x, w })!), name + ": the primal, bit for bit");
                Assert.That(dx, Is.EqualTo(expected).Within(1e-12), name + " at " + x);
            }
            else
            {
                double value = (double)loaded.Invoke("Demo.Fns", name + "Gradient", args)!;
                Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", name, new object?[] { x })!));
                Assert.That((double)args[1]!, Is.EqualTo(expected).Within(1e-12), name + " at " + x);
            }
        }
        var branch = new object?[] { 1.7, new[] { 0.0, 1.0, 2.0 }, null };
        loaded.Invoke("Demo.Fns", "SearchBranchGradient", branch);
        Assert.That((double)branch[2]!, Is.EqualTo(1.0), "not found: x");
        branch = new object?[] { 2.0, new[] { 0.0, 1.0, 2.0 }, null };
        loaded.Invoke("Demo.Fns", "SearchBranchGradient", branch);
        Assert.That((double)branch[2]!, Is.EqualTo(4.0), "found: x²");
    }

    public delegate double ArrayGradient(double x, double[] w, out double dx, Span<double> dw);

    [Test]
    public void An_integer_result_that_reaches_a_number_still_warns()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
            public static partial class Fns
            {
                static readonly double[] Grid = { 0, 1, 2, 3 };
                [Differentiable] public static double F(double x) { int i = [|Array.BinarySearch(Grid, x)|]; return (i + 1) * x; }
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", DiagnosticSeverity.Warning, "'Array.BinarySearch(Grid, x)'", "'int'"));
        c.AssertGeneratorClean();
    }
}

using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// [DerivativeOf] rules for functions of arrays and spans: a rule shaped like the target's Vjp (adding into span adjoints)
/// and one shaped like its Jvp, used wherever the target is called, in both modes; ADIFF013 for each way such a pair can be
/// wrong. Numbers are checked against central finite differences and reverse against forward mode.
/// </summary>
public class ArrayRuleTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;

    /// <summary>The target: k·Σ(x[i] − x[i−1])², opaque to the generator (not [Differentiable]), with its Vjp and Jvp rules.</summary>
    private const string Library = """
        public static class Lib
        {
            public static double Energy(ReadOnlySpan<double> x, double k)
            {
                double s = 0;
                for (int i = 1; i < x.Length; i++) { double d = x[i] - x[i - 1]; s += d * d; }
                return k * s;
            }
        }

        public static class LibRules
        {
            public static int VjpCalls, JvpCalls;

            [DerivativeOf(typeof(Lib), nameof(Lib.Energy))]
            public static double EnergyVjp(ReadOnlySpan<double> x, double k, double seed, Span<double> xAdj, ref double kAdj)
            {
                VjpCalls++;
                double s = 0;
                for (int i = 1; i < x.Length; i++)
                {
                    double d = x[i] - x[i - 1];
                    s += d * d;
                    xAdj[i] += seed * k * 2 * d;
                    xAdj[i - 1] -= seed * k * 2 * d;
                }
                kAdj += seed * s;
                return k * s;
            }

            [DerivativeOf(typeof(Lib), nameof(Lib.Energy))]
            public static double EnergyJvp(ReadOnlySpan<double> x, double k, ReadOnlySpan<double> xDot, double kDot, out double tangent)
            {
                JvpCalls++;
                double s = 0, t = 0;
                for (int i = 1; i < x.Length; i++) { double d = x[i] - x[i - 1]; s += d * d; t += 2 * d * (xDot[i] - xDot[i - 1]); }
                tangent = kDot * s + k * t;
                return k * s;
            }
        }
        """;

    private const string Callers = """
        public static partial class Fns
        {
            [Differentiable]
            public static double Direct(double[] x, double k) => Math.Sin(Lib.Energy(x, k)) + k * Lib.Energy(x, 2 * k);

            [Differentiable]
            public static double Buffered(double[] x, double k)
            {
                var b = new double[x.Length];
                for (int i = 0; i < x.Length; i++) b[i] = x[i] * x[i];
                double e = Lib.Energy(b, k);
                b[0] = 7 * k; // written after the call: the reverse sweep puts the contents back before the call's adjoint
                return e * Lib.Energy(b, 1.5);
            }

            [Differentiable]
            public static double InLoop(double[] x, double k, int n)
            {
                double s = 0;
                for (int j = 1; j <= n; j++) s += Math.Exp(-Lib.Energy(x, k * j));
                return s;
            }
        }
        """;

    public delegate double Fn(double[] x, double k);

    public delegate double Gradient(double[] x, double k, Span<double> dx, out double dk);

    public delegate double Jvp(double[] x, double k, ReadOnlySpan<double> xDot, double kDot, out double tangent);

    public delegate double Vjp(double[] x, double k, double seed, Span<double> xAdj, ref double kAdj);

    private static GeneratorRun Run(string callers) => GeneratorHarness.Run(DiagnosticCase.Source(Library + callers));

    [TestCase("Direct")]
    [TestCase("Buffered")]
    public void Both_modes_go_through_the_rules_and_agree_with_finite_differences(string method)
    {
        var run = Run(Callers);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var f = loaded.Delegate<Fn>("Demo.Fns", method);
        var gradient = loaded.Delegate<Gradient>("Demo.Fns", method + "Gradient");
        var jvp = loaded.Delegate<Jvp>("Demo.Fns", method + "Jvp");
        var vjp = loaded.Delegate<Vjp>("Demo.Fns", method + "Vjp");
        Check(loaded, f, gradient, jvp, vjp, new[] { 0.3, -0.2, 0.5, 0.1 }, 0.7);
    }

    [Test]
    public void A_rule_call_in_a_loop_agrees_with_finite_differences()
    {
        var run = Run(Callers);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var gradient = loaded.Method("Demo.Fns", "InLoopGradient");
        var x = new[] { 0.3, -0.2, 0.5 };
        double F(double[] xs, double k) => (double)loaded.Invoke("Demo.Fns", "InLoop", new object?[] { xs, k, 3 })!;
        // Reflection cannot pass spans: finite differences of the Jvp's tangent against the gradient come from a delegate.
        var g = loaded.Delegate<LoopGradient>("Demo.Fns", "InLoopGradient");
        var dx = new double[x.Length];
        double value = g(x, 0.4, 3, dx, out double dk);
        Assert.That(value, Is.EqualTo(F(x, 0.4)), "the primal, bit for bit");
        Assert.That(dk, Is.EqualTo(Central(k => F(x, k), 0.4)).Within(1e-6));
        for (int i = 0; i < x.Length; i++)
        {
            int at = i;
            Assert.That(dx[i], Is.EqualTo(Central(v => F(With(x, at, v), 0.4), x[i])).Within(1e-6), "∂/∂x[" + i + "]");
        }
        Assert.That(gradient, Is.Not.Null);
    }

    public delegate double MixedGradient(double[] x, double[] data, float k, Span<double> dx, out float dk);

    [Test]
    public void Data_passed_for_an_active_parameter_and_a_float_target_through_rules_agree_with_finite_differences()
    {
        const string Source = """
            public static class FLib
            {
                public static float Scale(ReadOnlySpan<double> v, float k) { double s = 0; foreach (double e in v) s += e * e; return k * (float)s; }
            }

            public static class FLibRules
            {
                [DerivativeOf(typeof(FLib), nameof(FLib.Scale))]
                public static float ScaleVjp(ReadOnlySpan<double> v, float k, float seed, Span<double> vAdj, ref float kAdj)
                {
                    double s = 0;
                    for (int i = 0; i < v.Length; i++) { s += v[i] * v[i]; vAdj[i] += seed * k * 2 * v[i]; }
                    kAdj += seed * (float)s;
                    return k * (float)s;
                }

                [DerivativeOf(typeof(FLib), nameof(FLib.Scale))]
                public static float ScaleJvp(ReadOnlySpan<double> v, float k, ReadOnlySpan<double> vDot, float kDot, out float tangent)
                {
                    double s = 0, t = 0;
                    for (int i = 0; i < v.Length; i++) { s += v[i] * v[i]; t += 2 * v[i] * vDot[i]; }
                    tangent = kDot * (float)s + k * (float)t;
                    return k * (float)s;
                }
            }

            public static partial class Fns
            {
                // data goes where the rule takes an active span: its tangent is a zeroed scratch span, its adjoint one nothing reads.
                [Differentiable]
                public static double Mixed(double[] x, [NoDerivative] double[] data, float k) => Lib.Energy(data, k) * FLib.Scale(x, k) + Math.Cos(FLib.Scale(data, 2 * k));
            }
            """;
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Library + Source));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var gradient = loaded.Delegate<MixedGradient>("Demo.Fns", "MixedGradient");
        var x = new[] { 0.4, -0.3 };
        var data = new[] { 0.2, 0.9, -0.5 };
        double F(double[] xs, float k) => (double)loaded.Invoke("Demo.Fns", "Mixed", new object?[] { xs, data, k })!;
        var dx = new double[2];
        double value = gradient(x, data, 0.6f, dx, out float dk);
        Assert.That(value, Is.EqualTo(F(x, 0.6f)), "the primal, bit for bit");
        Assert.That(dk, Is.EqualTo((F(x, 0.6f + 1e-3f) - F(x, 0.6f - 1e-3f)) / (double)((0.6f + 1e-3f) - (0.6f - 1e-3f))).Within(1e-3));
        for (int i = 0; i < x.Length; i++)
        {
            int at = i;
            Assert.That(dx[i], Is.EqualTo(Central(v => F(With(x, at, v), 0.6f), x[i], 1e-3)).Within(1e-4), "∂/∂x[" + i + "] (float: a wide step)");
        }
        // By hand: Energy(data, k)·∂Scale(x, k)/∂x₀ = 0.6·(0.7² + 1.4²) · 0.6·2·0.4.
        Assert.That(dx[0], Is.EqualTo(0.6 * 2.45 * 0.48).Within(1e-6), "the hand formula");
    }

    public delegate double LoopGradient(double[] x, double k, int n, Span<double> dx, out double dk);

    private static void Check(LoadedAssembly loaded, Fn f, Gradient gradient, Jvp jvp, Vjp vjp, double[] x, double k)
    {
        var type = loaded.Type("Demo.LibRules");
        int vjpCalls = (int)type.GetField("VjpCalls")!.GetValue(null)!;
        int jvpCalls = (int)type.GetField("JvpCalls")!.GetValue(null)!;

        var dx = new double[x.Length];
        double value = gradient(x, k, dx, out double dk);
        Assert.That(value, Is.EqualTo(f(x, k)), "the gradient's primal, bit for bit");
        Assert.That(dk, Is.EqualTo(Central(v => f(x, v), k)).Within(1e-6), "∂/∂k against finite differences");
        for (int i = 0; i < x.Length; i++)
        {
            int at = i;
            Assert.That(dx[i], Is.EqualTo(Central(v => f(With(x, at, v), k), x[i])).Within(1e-6), "∂/∂x[" + i + "] against finite differences");
        }
        Assert.That((int)type.GetField("VjpCalls")!.GetValue(null)!, Is.GreaterThan(vjpCalls), "reverse mode called the Vjp rule");

        // Forward mode along a direction against the gradient.
        var xDot = new[] { 0.5, -1.0, 0.25, 2.0 }.Take(x.Length).ToArray();
        const double kDot = -0.3;
        double jvpValue = jvp(x, k, xDot, kDot, out double tangent);
        Assert.That(jvpValue, Is.EqualTo(value), "the Jvp's primal, bit for bit");
        Assert.That(tangent, Is.EqualTo(dk * kDot + dx.Zip(xDot, (a, b) => a * b).Sum()).Within(1e-9), "forward against reverse mode");
        Assert.That((int)type.GetField("JvpCalls")!.GetValue(null)!, Is.GreaterThan(jvpCalls), "forward mode called the Jvp rule");

        // The Vjp adds seed·gradient into the adjoints it is given.
        var xAdj = Enumerable.Repeat(1.0, x.Length).ToArray();
        double kAdj = -2;
        Assert.That(vjp(x, k, 0.5, xAdj, ref kAdj), Is.EqualTo(value));
        Assert.That(kAdj, Is.EqualTo(-2 + 0.5 * dk).Within(1e-12));
        for (int i = 0; i < x.Length; i++) Assert.That(xAdj[i], Is.EqualTo(1 + 0.5 * dx[i]).Within(1e-12));
    }

    private static double[] With(double[] x, int i, double v)
    {
        var copy = (double[])x.Clone();
        copy[i] = v;
        return copy;
    }

    private static double Central(Func<double, double> f, double at, double h = 1e-6) => (f(at + h) - f(at - h)) / (2 * h);

    [Test]
    public void A_caller_through_array_rules_gets_first_order_companions_and_ADIFF014()
    {
        var run = Run(Callers);
        run.AssertNoErrors();
        var ad0014 = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(ad0014, Has.Count.EqualTo(3), string.Join("\n", ad0014));
        Assert.That(ad0014[0].GetMessage(), Does.Contain("EnergyVjp").And.Contain("is not [Differentiable]"));
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("DirectHvp")), Is.False);
        Assert.That(run.GeneratedSources.Values.Any(s => s.Contains("DirectGradient")), Is.True);
    }

    // ---- ADIFF013 for rules of functions of arrays and spans ---------------------------------------------------

    private const string Target = """
        public static class Lib
        {
            public static double Energy(ReadOnlySpan<double> x, double k) => k * x.Length;
        }
        """;

    private static DiagnosticCase Rules(string rules) => DiagnosticCase.For(DiagnosticCase.Source(Target + "public static class LibRules\n{\n" + rules + "\n}\n"));

    private const string GoodVjp = "[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double EnergyVjp(ReadOnlySpan<double> x, double k, double seed, Span<double> xAdj, ref double kAdj) => k;\n";

    private const string GoodJvp = "[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double EnergyJvp(ReadOnlySpan<double> x, double k, ReadOnlySpan<double> xDot, double kDot, out double tangent) { tangent = 0; return k; }\n";

    [Test]
    public void ADIFF013_not_reported_for_a_Vjp_and_a_Jvp_rule()
    {
        var c = Rules(GoodVjp + GoodJvp);
        c.AssertAnalyzer();
    }

    [Test]
    public void ADIFF013_for_a_partials_rule_of_a_function_of_a_span()
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double [|EnergyDerivative|](ReadOnlySpan<double> x, double k) => 1;");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'EnergyDerivative'", "takes an array or span", "Span<double> xAdj", "ref double kAdj", "ReadOnlySpan<double> xDot", "out double tangent"));
    }

    [Test]
    public void ADIFF013_for_a_Vjp_rule_whose_adjoint_is_read_only()
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double [|EnergyVjp|](ReadOnlySpan<double> x, double k, double seed, ReadOnlySpan<double> xAdj, ref double kAdj) => k;\n" + GoodJvp);
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'EnergyVjp'", "neither the Vjp's", "System.Span<double> xAdj"));
    }

    [Test]
    public void ADIFF013_for_a_Jvp_rule_without_its_out_tangent()
    {
        var c = Rules(GoodVjp + "[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double [|EnergyJvp|](ReadOnlySpan<double> x, double k, ReadOnlySpan<double> xDot, double kDot) => k;");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'EnergyJvp'", "nor the Jvp's", "out double tangent"));
    }

    [Test]
    public void ADIFF013_for_a_Vjp_rule_without_a_Jvp_rule()
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double [|EnergyVjp|](ReadOnlySpan<double> x, double k, double seed, Span<double> xAdj, ref double kAdj) => k;");
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'EnergyVjp'", "has no Jvp-shaped rule"));
    }

    [Test]
    public void ADIFF013_for_a_Vjp_rule_that_does_not_return_the_value()
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static void [|EnergyVjp|](ReadOnlySpan<double> x, double k, double seed, Span<double> xAdj, ref double kAdj) { }\n" + GoodJvp);
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF013", Error, "'EnergyVjp'", "returns the target's value", "must return double"));
    }

    [Test]
    public void ADIFF013_for_two_Vjp_rules_of_one_target()
    {
        var c = Rules(GoodVjp.Replace("EnergyVjp", "[|EnergyVjp|]") + GoodVjp.Replace("EnergyVjp", "[|EnergyVjp2|]") + GoodJvp);
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF013", Error, "'EnergyVjp'", "already the Vjp-shaped rule"),
            new ExpectedDiagnostic("ADIFF013", Error, "'EnergyVjp2'", "already the Vjp-shaped rule"));
    }

    [Test]
    public void ADIFF013_for_Vjp_and_Jvp_rules_beside_a_partials_rule()
    {
        const string Scalar = """
            public static class Lib
            {
                public static double Square(double x) => x * x;
            }

            public static class LibRules
            {
                [DerivativeOf(typeof(Lib), nameof(Lib.Square))] public static double SquareDerivative(double x) => 2 * x;
                [DerivativeOf(typeof(Lib), nameof(Lib.Square))] public static double [|SquareVjp|](double x, double seed, ref double xAdj) => x * x;
                [DerivativeOf(typeof(Lib), nameof(Lib.Square))] public static double [|SquareJvp|](double x, double xDot, out double tangent) { tangent = 2 * x * xDot; return x * x; }
            }
            """;
        var c = DiagnosticCase.For(DiagnosticCase.Source(Scalar));
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF013", Error, "'SquareVjp'", "already has a rule returning its partials"),
            new ExpectedDiagnostic("ADIFF013", Error, "'SquareJvp'", "already has a rule returning its partials"));
    }

    [Test]
    public void A_call_to_a_target_whose_rules_are_invalid_is_ADIFF005()
    {
        var c = Rules("[DerivativeOf(typeof(Lib), nameof(Lib.Energy))] public static double [|EnergyVjp|](ReadOnlySpan<double> x, double k, double seed, Span<double> xAdj, ref double kAdj) => k;\n" +
            "}\npublic static partial class Fns\n{\n[Differentiable] public static double F(double[] x) => [|Lib.Energy(x, 2.0)|];");
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF013", Error, "has no Jvp-shaped rule"),
            new ExpectedDiagnostic("ADIFF005", Error, "Lib.Energy' is called"));
    }
}

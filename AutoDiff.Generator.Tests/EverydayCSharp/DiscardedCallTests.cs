using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// Issue 15, item 2: a call whose result is discarded (a void helper that validates, logs or fills a [NoDerivative]
/// buffer) runs in every companion exactly as often and in the same order as in the method, when no active value flows
/// into it. An active value passed to such a call is ADIFF005 at the call; one passed by 'ref' is ADIFF021.
/// </summary>
public sealed class DiscardedCallTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                public static readonly List<string> Log = new List<string>();
                static int s_calls;

                public static void Reset() { Log.Clear(); s_calls = 0; }

                static void Note(string what, int i) { s_calls++; Log.Add(what + i + ":" + s_calls); }

                static void Validate(int n) { s_calls++; Log.Add("validate" + n); if (n > 100) throw new ArgumentOutOfRangeException(nameof(n)); }

                static void Fill(double[] buffer, int k) { s_calls++; Log.Add("fill" + k); for (int i = 0; i < buffer.Length; i++) buffer[i] = k + i; }

                static int Tick() { s_calls++; Log.Add("tick"); return s_calls; }

                [Differentiable]
                public static double Weighted(double x, double y, int n, [NoDerivative] double[] weights)
                {
                    Validate(n);
                    Fill(weights, n);
                    double s = 0;
                    for (int i = 0; i < n; i++)
                    {
                        Note("step", i);
                        if (i % 2 == 0) Note("even", i);
                        Tick();
                        s += weights[i % weights.Length] * x * Math.Sin(y * i);
                    }
                    Note("done", n);
                    return s * x;
                }
            }
        }
        """;

    private static GeneratorRun? s_run;
    private static LoadedAssembly? s_loaded;

    private static LoadedAssembly Loaded
    {
        get
        {
            if (s_loaded != null) return s_loaded;
            s_run = GeneratorHarness.Run(Source);
            s_run.AssertNoErrors();
            Assert.That(s_run.AnalyzerDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning), Is.Empty);
            return s_loaded = s_run.Load();
        }
    }

    [OneTimeTearDown]
    public void Unload() => s_loaded?.Dispose();

    private static string[] Logged(LoadedAssembly g)
    {
        var log = (System.Collections.Generic.List<string>)g.Assembly.GetType("Demo.Fns")!.GetField("Log")!.GetValue(null)!;
        return log.ToArray();
    }

    private static string[] Run(LoadedAssembly g, string method, object?[] args)
    {
        g.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
        g.Invoke("Demo.Fns", method, args);
        return Logged(g);
    }

    [Test]
    public void Every_companion_makes_the_methods_calls_in_the_same_order_and_returns_its_value()
    {
        var g = Loaded;
        const double x = 0.8, y = 1.3;
        const int n = 5;
        var expected = Run(g, "Weighted", new object?[] { x, y, n, new double[3] });
        Assert.That(expected, Has.Length.EqualTo(1 + 1 + n + 3 + n + 1), "validate, fill, a step, an even and a tick per iteration, done");
        g.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
        double value = (double)g.Invoke("Demo.Fns", "Weighted", new object?[] { x, y, n, new double[3] })!;

        var gradient = new object?[] { x, y, n, new double[3], null, null };
        Assert.That(Run(g, "WeightedGradient", gradient), Is.EqualTo(expected), "Gradient");
        var vjp = new object?[] { x, y, n, new double[3], 1.0, 0.0, 0.0 };
        Assert.That(Run(g, "WeightedVjp", vjp), Is.EqualTo(expected), "Vjp");
        var jvp = new object?[] { x, y, n, new double[3], 0.4, -0.7, null };
        Assert.That(Run(g, "WeightedJvp", jvp), Is.EqualTo(expected), "Jvp");

        g.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
        Assert.That((double)g.Invoke("Demo.Fns", "WeightedGradient", gradient)!, Is.EqualTo(value), "primal bit for bit");
        double dx = (double)gradient[4]!, dy = (double)gradient[5]!;
        // The buffer Fill writes is data: with weights w_i = n + i, f = x²·Σ w_(i mod 3)·sin(y·i).
        double[] w = { n, n + 1, n + 2 };
        double sum = 0, dsum = 0;
        for (int i = 0; i < n; i++) { sum += w[i % 3] * Math.Sin(y * i); dsum += w[i % 3] * i * Math.Cos(y * i); }
        Assert.That(dx, Is.EqualTo(2 * x * sum).Within(1e-12), "hand formula");
        Assert.That(dy, Is.EqualTo(x * x * dsum).Within(1e-12), "hand formula");
        var check = GradientCheck.Check(p =>
        {
            g.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
            return (double)g.Invoke("Demo.Fns", "Weighted", new object?[] { p[0], p[1], n, new double[3] })!;
        }, new[] { x, y }, new[] { dx, dy });
        Assert.That(check.Passed, check.ToString());
        Assert.That((double)jvp[6]!, Is.EqualTo(0.4 * dx - 0.7 * dy).Within(1e-12), "forward mode against reverse mode");
    }

    [Test]
    public void A_helper_that_throws_throws_in_every_companion()
    {
        var g = Loaded;
        foreach (var method in new[] { "Weighted", "WeightedGradient", "WeightedVjp", "WeightedJvp" })
        {
            object?[] args = method switch
            {
                "Weighted" => new object?[] { 1.0, 1.0, 101, new double[2] },
                "WeightedGradient" => new object?[] { 1.0, 1.0, 101, new double[2], null, null },
                "WeightedVjp" => new object?[] { 1.0, 1.0, 101, new double[2], 1.0, 0.0, 0.0 },
                _ => new object?[] { 1.0, 1.0, 101, new double[2], 1.0, 0.0, null },
            };
            g.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
            Assert.Throws<ArgumentOutOfRangeException>(() => g.Invoke("Demo.Fns", method, args), method);
            Assert.That(Logged(g), Is.EqualTo(new[] { "validate101" }), method + ": nothing ran after the helper threw");
        }
    }

    private static string InFns(string members) => DiagnosticCase.Source(
        "    public static partial class Fns\n    {\n        static void Log(double v) { }\n        static void Log(double[] v) { }\n        static void Twice(ref double v) { v *= 2; }\n        static void Count(ref int k) { k++; }\n        " + members + "\n    }");

    [Test]
    public void An_active_value_passed_to_a_discarded_call_is_ADIFF005_at_the_call()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, double y)
            {
                [|Log(x * y)|];
                return x * y;
            }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", DiagnosticSeverity.Error, "'Demo.Fns.Log'", "result is discarded", "Ad.StopGradient"));
    }

    [Test]
    public void An_active_array_passed_to_a_discarded_call_is_ADIFF005_naming_the_array_case()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double[] x)
            {
                [|Log(x)|];
                return x[0];
            }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", DiagnosticSeverity.Error, "'Demo.Fns.Log'", "writes into the array"));
    }

    [Test]
    public void A_discarded_call_with_the_value_stopped_is_fine_first_order()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, double y)
            {
                [|Log(Ad.StopGradient(x * y))|];
                return x * y;
            }
            """));
        // A call that may have effects: no Hessian, which would make it once per coordinate (README, "Calls and side effects").
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", DiagnosticSeverity.Info, "'Demo.Fns.Log'"));
        c.Run.AssertNoErrors();
    }

    [Test]
    public void An_active_value_passed_by_ref_is_ADIFF021_at_the_argument()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x)
            {
                double t = x * x;
                Twice([|ref t|]);
                return t;
            }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF021", DiagnosticSeverity.Error, "'Twice'", "ref t", "return the new value"));
        Assert.That(c.Run.GeneratedSources.Keys, Has.None.Contains("Demo.Fns.F"));
    }

    [Test]
    public void An_inactive_value_passed_by_ref_is_still_ADIFF004()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x)
            {
                int k = 0;
                Count([|ref k|]);
                return x * k;
            }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "'ref' or 'out' argument"));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Issue 13, item 5: a call the generator does not know to be pure (a counter, a random draw, a property getter) runs in
/// every companion exactly as often and in the same order as in the method, is never merged with another call, dropped,
/// moved or recomputed, and every companion returns the method's value bit for bit. Each method logs its calls; each
/// companion is run from the same state as the method and must log the same sequence.
/// </summary>
public sealed class CallPurityTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Diagnostics.Contracts;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                public static readonly List<string> Log = new List<string>();
                static int s_count;
                static double s_state;
                public static Random Rng = new Random(7);

                public static void Reset() { Log.Clear(); s_count = 0; s_state = 0; Rng = new Random(7); }

                /// <summary>A counter: its value changes with every call.</summary>
                static double Count(int tag) { s_count++; Log.Add(tag + ":" + s_count); return 0.25 * s_count + tag; }

                static bool Flag(int tag) { s_count++; Log.Add("flag" + tag); return s_count % 2 == 1; }

                static double Bump() { s_state += 1.5; Log.Add("bump"); return 0.5; }

                static double Tick { get { s_count++; Log.Add("tick"); return s_count; } }

                public static double Gain { get; set; } = 1.25;

                /// <summary>Box–Muller: a standard normal from two draws.</summary>
                static double Normal()
                {
                    double u1 = 1 - Rng.NextDouble();
                    double u2 = Rng.NextDouble();
                    return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                }

                [Pure] static double Scale(int k) => 1.5 * k;

                [Differentiable] public static double Straight(double x, double y) => x * Count(1) + y * Count(2) * x;

                [Differentiable] public static double SameArguments(double x, double y) => x * Count(1) + y * Count(1);

                [Differentiable] public static double SameArgumentsNamed(double x, double y) { double a = Count(3); double b = Count(3); return x * a + y * b * b; }

                [Differentiable] public static double InLoop(double x, double y)
                {
                    double s = 0;
                    for (int i = 0; i < 4; i++) s += x * Count(i) + Math.Sin(y * i);
                    return s * y;
                }

                [Differentiable] public static double InBranch(double x, double y)
                {
                    double r = x * y;
                    if (x > y) r += Count(1) * x;
                    else r -= Count(2) * Math.Exp(y);
                    if (x > 10 || Flag(3)) r *= x;
                    return r;
                }

                /// <summary>A loop condition that calls: it runs once per test, and a reverse sweep must not run it again.</summary>
                [Differentiable] public static double InCondition(double x, double y)
                {
                    double s = 0;
                    int k = 0;
                    while (k < 3 && Count(k) < 100) { s += x * y * k; k++; }
                    return s;
                }

                [Differentiable] public static double Unused(double x, double y) { double u = Count(7); return x * y + x; }

                [Differentiable] public static double Draws(double x, double y) { double a = Rng.NextDouble(); double b = Rng.NextDouble(); return x * a + y * b * x; }

                [Differentiable] public static double Pricer(double s, double sigma)
                {
                    double z1 = Normal();
                    double z2 = Normal();
                    double drift = -0.5 * sigma * sigma;
                    return 0.5 * (s * Math.Exp(drift + sigma * z1) + s * Math.Exp(drift + sigma * z2));
                }

                [Differentiable] public static double Getter(double x, double y) => x * Tick + y * Tick + Gain * x * y;

                [Differentiable] public static double FieldAroundCall(double x, double y) { double a = s_state; double t = Bump(); double b = s_state; return x * a + y * b + t * x; }

                [Differentiable] static double Inner(double x) => x * Count(5);

                [Differentiable] public static double Outer(double x, double y) => Inner(x) * y + Inner(y);

                [Differentiable] public static double WithPure(double x, double y) => x * Scale(2) * x + y * Scale(2) * x;
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
            return s_loaded = s_run.Load();
        }
    }

    [OneTimeTearDown]
    public void Unload() => s_loaded?.Dispose();

    private static (double Value, string[] Log) Run(Func<object?> call)
    {
        Loaded.Invoke("Demo.Fns", "Reset", Array.Empty<object?>());
        double value = (double)call()!;
        var log = ((List<string>)Loaded.Type("Demo.Fns").GetField("Log")!.GetValue(null)!).ToArray();
        return (value, log);
    }

    private static void AssertSameBits(double actual, double expected, string what) =>
        Assert.That(BitConverter.DoubleToInt64Bits(actual), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)), what + ": " + actual.ToString("R") + " vs the method's " + expected.ToString("R"));

    public static readonly string[] Effectful =
    {
        "Straight", "SameArguments", "SameArgumentsNamed", "InLoop", "InBranch", "InCondition", "Unused", "Draws", "Pricer", "Getter", "FieldAroundCall", "Outer",
    };

    [TestCaseSource(nameof(Effectful))]
    public void Every_companion_makes_the_methods_calls_in_order_and_returns_its_value(string method)
    {
        foreach (var (x, y) in new[] { (0.7, -0.4), (1.3, 0.6) })
        {
            var (value, log) = Run(() => Loaded.Invoke("Demo.Fns", method, new object?[] { x, y }));
            if (method != "Draws" && method != "Pricer") Assert.That(log, Is.Not.Empty, "the method logs its calls");

            var gradientArgs = new object?[] { x, y, null, null };
            var gradient = Run(() => Loaded.Invoke("Demo.Fns", method + "Gradient", gradientArgs));
            Assert.That(gradient.Log, Is.EqualTo(log), "Gradient's calls");
            AssertSameBits(gradient.Value, value, "Gradient's value");
            double gx = (double)gradientArgs[2]!, gy = (double)gradientArgs[3]!;

            var vjpArgs = new object?[] { x, y, 0.75, 0.5, -1.0 };
            var vjp = Run(() => Loaded.Invoke("Demo.Fns", method + "Vjp", vjpArgs));
            Assert.That(vjp.Log, Is.EqualTo(log), "Vjp's calls");
            AssertSameBits(vjp.Value, value, "Vjp's value");
            Assert.That((double)vjpArgs[3]!, Is.EqualTo(0.5 + 0.75 * gx).Within(1e-12 * (1 + Math.Abs(gx))), "Vjp's x adjoint");
            Assert.That((double)vjpArgs[4]!, Is.EqualTo(-1.0 + 0.75 * gy).Within(1e-12 * (1 + Math.Abs(gy))), "Vjp's y adjoint");

            var jvpArgs = new object?[] { x, y, 0.3, -0.9, null };
            var jvp = Run(() => Loaded.Invoke("Demo.Fns", method + "Jvp", jvpArgs));
            Assert.That(jvp.Log, Is.EqualTo(log), "Jvp's calls");
            AssertSameBits(jvp.Value, value, "Jvp's value");
            double directional = 0.3 * gx - 0.9 * gy;
            Assert.That((double)jvpArgs[4]!, Is.EqualTo(directional).Within(1e-10 * (1 + Math.Abs(directional))), "forward mode against reverse mode");

            // Finite differences of the method, each evaluation from the same state (the same draws, the same counts).
            var check = AutoDiff.GradientCheck.Check(p => Run(() => Loaded.Invoke("Demo.Fns", method, new object?[] { p[0], p[1] })).Value, new[] { x, y }, new[] { gx, gy });
            Assert.That(check.Passed, check.ToString());

            // No Hessian: it would run the calls once per coordinate.
            Assert.That(Loaded.Type("Demo.Fns").GetMethod(method + "Hessian"), Is.Null);
        }
    }

    [Test]
    public void Two_draws_stay_two_draws_and_each_derivative_belongs_to_its_own_draw()
    {
        var rng = new Random(7);
        double a = rng.NextDouble(), b = rng.NextDouble();
        Assert.That(a, Is.Not.EqualTo(b));
        double x = 0.7, y = -0.4;
        var args = new object?[] { x, y, null, null };
        var gradient = Run(() => Loaded.Invoke("Demo.Fns", "DrawsGradient", args));
        AssertSameBits(gradient.Value, x * a + y * b * x, "value");
        Assert.That((double)args[2]!, Is.EqualTo(a + y * b).Within(1e-15), "∂/∂x = a + y·b");
        Assert.That((double)args[3]!, Is.EqualTo(b * x).Within(1e-15), "∂/∂y = b·x");
    }

    [Test]
    public void Reparameterised_pricer_differentiates_each_path()
    {
        // d/dσ of s·exp(−σ²/2 + σz) is s·exp(…)·(z − σ), path by path.
        var rng = new Random(7);
        double Normal() { double u1 = 1 - rng.NextDouble(); double u2 = rng.NextDouble(); return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2); }
        double z1 = Normal(), z2 = Normal();
        double s = 1.3, sigma = 0.6, drift = -0.5 * sigma * sigma;
        double e1 = Math.Exp(drift + sigma * z1), e2 = Math.Exp(drift + sigma * z2);
        var args = new object?[] { s, sigma, null, null };
        Run(() => Loaded.Invoke("Demo.Fns", "PricerGradient", args));
        Assert.That((double)args[2]!, Is.EqualTo(0.5 * (e1 + e2)).Within(1e-14));
        Assert.That((double)args[3]!, Is.EqualTo(0.5 * s * (e1 * (z1 - sigma) + e2 * (z2 - sigma))).Within(1e-14));
    }

    [Test]
    public void A_call_with_its_value_unused_still_runs()
    {
        var args = new object?[] { 0.7, -0.4, null, null };
        Assert.That(Run(() => Loaded.Invoke("Demo.Fns", "UnusedGradient", args)).Log, Is.EqualTo(new[] { "7:1" }));
    }

    [Test]
    public void Calls_in_a_loop_run_once_per_iteration_in_every_companion()
    {
        var args = new object?[] { 0.7, -0.4, null, null };
        Assert.That(Run(() => Loaded.Invoke("Demo.Fns", "InLoopGradient", args)).Log, Is.EqualTo(new[] { "0:1", "1:2", "2:3", "3:4" }));
    }

    [Test]
    public void A_pure_helper_may_be_merged_and_the_values_stay_right()
    {
        double x = 0.7, y = -0.4;
        double value = (double)Loaded.Invoke("Demo.Fns", "WithPure", new object?[] { x, y })!;
        Assert.That(value, Is.EqualTo(3 * x * x + 3 * y * x).Within(1e-15));
        var args = new object?[] { x, y, null, null };
        AssertSameBits((double)Loaded.Invoke("Demo.Fns", "WithPureGradient", args)!, value, "Gradient's value");
        Assert.That((double)args[2]!, Is.EqualTo(6 * x + 3 * y).Within(1e-14));
        Assert.That((double)args[3]!, Is.EqualTo(3 * x).Within(1e-14));
        // Known pure, so it keeps its second-order companions.
        var hvp = new object?[] { x, y, 1.0, 0.0, null, null };
        AssertSameBits((double)Loaded.Invoke("Demo.Fns", "WithPureHvp", hvp)!, value, "Hvp's value");
        Assert.That((double)hvp[4]!, Is.EqualTo(6).Within(1e-14));
        Assert.That((double)hvp[5]!, Is.EqualTo(3).Within(1e-14));
    }

    [Test]
    public void Generated_code_calls_each_effectful_call_where_the_method_does()
    {
        _ = Loaded;
        // Two calls with the same argument are two calls in every companion, never one shared value.
        foreach (var companion in new[] { "SameArgumentsGradient", "SameArgumentsVjp", "SameArgumentsJvp" })
        {
            string code = GeneratedCode.Method(s_run!, ".SameArguments.g.cs", companion);
            Assert.That(code.Split("Count(1)").Length - 1, Is.EqualTo(2), companion + ":\n" + code);
        }
    }

    [Test]
    public void A_recursive_Differentiable_method_with_effects_is_an_ordinary_call_and_is_reported_when_differentiated()
    {
        var run = GeneratorHarness.Run("""
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    public static int Calls;
                    static double Count() { Calls++; return Calls; }
                    [Differentiable] public static double R(double a, int m) => m <= 0 ? a * Count() : 0.5 * R(a, m - 1) + a;
                    [Differentiable] public static double G(double x) => x * R(1.5, 2) + x * R(1.5, 2);
                }
            }
            """);
        // R's own recursive call cannot go through R's companions (they would count again): reported, not generated.
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.Id), Is.EqualTo(new[] { "ADIFF005" }));
        Assert.That(run.GeneratedSources.Keys.Any(k => k.EndsWith(".R.g.cs")), Is.False);
        using var loaded = run.Load();
        var calls = loaded.Type("Demo.Fns").GetField("Calls")!;
        calls.SetValue(null, 0);
        double value = (double)loaded.Invoke("Demo.Fns", "G", new object?[] { 0.7 })!;
        int made = (int)calls.GetValue(null)!;
        Assert.That(made, Is.EqualTo(2));
        foreach (var (companion, args) in new[] { ("GGradient", new object?[] { 0.7, null }), ("GVjp", new object?[] { 0.7, 1.0, 0.0 }), ("GJvp", new object?[] { 0.7, 1.0, null }) })
        {
            calls.SetValue(null, 0);
            AssertSameBits((double)loaded.Invoke("Demo.Fns", companion, args)!, value, companion);
            Assert.That((int)calls.GetValue(null)!, Is.EqualTo(made), companion + "'s calls");
        }
    }

    private delegate void Vector(double[] x, Span<double> y);

    private delegate void VectorJvp(double[] x, Span<double> y, ReadOnlySpan<double> xDot, Span<double> yDot);

    private delegate void VectorVjp(double[] x, Span<double> y, ReadOnlySpan<double> yAdj, Span<double> xAdj);

    [Test]
    public void A_vector_valued_method_calling_a_Pure_helper_gets_its_Jacobian_and_no_ADIFF017()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    [System.Diagnostics.Contracts.Pure] static double Weight(int i) => 1.0 / (1 + i);
                    [Differentiable] public static void V(double[] x, Span<double> y)
                    {
                        for (int i = 0; i < y.Length; i++) y[i] = x[i] * Weight(i);
                    }
                }
            }
            """);
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources.Single(s => s.Key.EndsWith(".V.g.cs")).Value, Does.Contain("VJacobian("));
        Assert.That(run.AnalyzerDiagnostics().Select(d => d.Id), Has.No.Member("ADIFF017"));
    }

    [Test]
    public void A_vector_valued_method_makes_its_calls_once_in_Jvp_and_Vjp_and_gets_no_Jacobian()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    public static int Calls;
                    static double Count() { Calls++; return Calls; }
                    [Differentiable] public static void V(double[] x, Span<double> y)
                    {
                        for (int i = 0; i < y.Length; i++) y[i] = x[i] * Count() + x[0] * x[i];
                    }
                }
            }
            """);
        run.AssertNoErrors();
        string generated = run.GeneratedSources.Single(s => s.Key.EndsWith(".V.g.cs")).Value;
        Assert.That(generated, Does.Contain("VJvp(").And.Contain("VVjp(").And.Not.Contain("VJacobian("));
        // The missing Jacobian is said at the method (ADIFF017), not found by the user's call failing to compile.
        var noJacobian = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF017").ToList();
        Assert.That(noJacobian, Has.Count.EqualTo(1));
        Assert.That(noJacobian[0].Severity, Is.EqualTo(Microsoft.CodeAnalysis.DiagnosticSeverity.Info));
        Assert.That(noJacobian[0].GetMessage(), Does.Contain("'V'").And.Contain("no Jacobian"));
        Assert.That(noJacobian[0].Location.SourceTree!.ToString().Substring(noJacobian[0].Location.SourceSpan.Start, 1), Is.EqualTo("V"));
        using var loaded = run.Load();
        var calls = loaded.Type("Demo.Fns").GetField("Calls")!;
        var x = new[] { 0.7, -0.4, 1.1 };
        var y = new double[3];
        calls.SetValue(null, 0);
        loaded.Delegate<Vector>("Demo.Fns", "V")(x, y);
        Assert.That((int)calls.GetValue(null)!, Is.EqualTo(3));
        // ∂y[i]/∂x[j] = c_i δij + x[i] δ0j + x[0] δij, with c_i = i + 1.
        var yJvp = new double[3];
        var yDot = new double[3];
        calls.SetValue(null, 0);
        loaded.Delegate<VectorJvp>("Demo.Fns", "VJvp")(x, yJvp, new[] { 0.0, 1.0, 0.0 }, yDot);
        Assert.That((int)calls.GetValue(null)!, Is.EqualTo(3), "Jvp's calls");
        Assert.That(yJvp, Is.EqualTo(y), "Jvp's outputs, bit for bit");
        Assert.That(yDot, Is.EqualTo(new[] { 0.0, 2 + x[0], 0.0 }).Within(1e-15));
        var yVjp = new double[3];
        var xAdj = new double[3];
        calls.SetValue(null, 0);
        loaded.Delegate<VectorVjp>("Demo.Fns", "VVjp")(x, yVjp, new[] { 0.0, 0.0, 1.0 }, xAdj);
        Assert.That((int)calls.GetValue(null)!, Is.EqualTo(3), "Vjp's calls");
        Assert.That(yVjp, Is.EqualTo(y), "Vjp's outputs, bit for bit");
        Assert.That(xAdj, Is.EqualTo(new[] { x[2], 0.0, 3 + x[0] }).Within(1e-15));
    }

    [Test]
    public void A_callee_that_writes_a_buffer_of_its_own_has_no_effect_and_is_called_through_its_companions()
    {
        var run = GeneratorHarness.Run("""
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable] public static double Smooth(double[] x)
                    {
                        var h = new double[x.Length];
                        for (int i = 0; i < x.Length; i++) h[i] = x[i] * x[i];
                        return h[0] + h[x.Length - 1];
                    }
                    [Differentiable] public static double F(double[] x, double y) => y * Smooth(x);
                }
            }
            """);
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources.Single(s => s.Key.EndsWith(".F.g.cs")).Value, Does.Contain("SmoothVjp(").And.Contain("FHessian("));
    }

    [Test]
    public void ADIFF014_at_the_first_call_with_effects_and_none_for_a_pure_helper()
    {
        var run = GeneratorHarness.Run("""
            using System.Diagnostics.Contracts;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    static double Weight(int i) => 1.0 / (1 + i);
                    [Pure] static double PureWeight(int i) => 1.0 / (1 + i);
                    [Differentiable] public static double F(double x) => x * x * Weight(2);
                    [Differentiable] public static double G(double x) => x * x * PureWeight(2);
                }
            }
            """);
        run.AssertNoErrors();
        var info = run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF014").ToList();
        Assert.That(info, Has.Count.EqualTo(1), string.Join("\n", info));
        Assert.That(info[0].GetMessage(), Does.Contain("'F'").And.Contain("'Demo.Fns.Weight'").And.Contain("side effects").And.Contain("[System.Diagnostics.Contracts.Pure]"));
        var span = info[0].Location.GetLineSpan();
        Assert.That((span.StartLinePosition.Line, span.StartLinePosition.Character), Is.EqualTo((8, 69)));
        Assert.That(run.GeneratedSources.Single(s => s.Key.EndsWith(".F.g.cs")).Value, Does.Not.Contain("FHessian("));
        Assert.That(run.GeneratedSources.Single(s => s.Key.EndsWith(".G.g.cs")).Value, Does.Contain("GHessian("));
    }
}

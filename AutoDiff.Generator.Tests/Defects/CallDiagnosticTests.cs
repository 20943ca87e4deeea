using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Issue 13: what a caller is told about the methods it calls. A first-order-only callee reached through a buffer
/// written in a loop (ADIFF014, no call to a missing VjpTangent); an active value leaving through a call to a type without
/// derivatives (ADIFF008 at the call); ADIFF005's advice fitting the callee (a library method, another object, a method
/// in source).
/// </summary>
public class CallDiagnosticTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;
    private const DiagnosticSeverity Info = DiagnosticSeverity.Info;

    private static string InFns(string members, string types = "") => DiagnosticCase.Source(
        types + "\n    public static partial class Fns\n    {\n        " + members + "\n    }");

    // ---- a first-order-only callee whose result is written into a buffer in a loop (ADIFF014) ----------------------

    private const string Cube = "public static partial class Ext { [Differentiable(SecondOrder = false)] public static double Cube(double x) => x * x * x; }";

    /// <summary>
    /// The repro: the loop's only result is its counter, so the call written into the buffer counted as unused, no ADIFF014
    /// was reported, and F's Hvp called Ext.CubeVjpTangent, which is not generated (CS0117).
    /// </summary>
    [Test]
    public void First_order_only_callee_written_into_a_buffer_in_a_loop_is_ADIFF014_and_first_order_is_right()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, int steps)
            {
                Span<double> u = stackalloc double[1];
                u[0] = x;
                for (int s = 0; s < steps; s++) u[0] = [|Ext.Cube(u[0])|];
                return u[0];
            }
            """, Cube));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Cube'", "SecondOrder = false"));
        c.AssertGeneratorClean();
        c.Run.AssertNoErrors();
        string generated = c.Run.Generated("Demo.Fns.F.g.cs");
        Assert.That(generated, Does.Not.Contain("VjpTangent").And.Not.Contain("FHvp("));

        using var loaded = c.Run.Load();
        foreach (double x in new[] { 0.9, -1.1 })
        {
            var args = new object?[] { x, 2, null };
            double value = (double)loaded.Invoke("Demo.Fns", "FGradient", args)!;
            double gradient = (double)args[2]!;
            Assert.That(value, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "F", new object?[] { x, 2 })!));
            Assert.That(gradient, Is.EqualTo(9 * Math.Pow(x, 8)).Within(1e-12), "d(x^9)/dx");
            var check = GradientCheck.Check(p => (double)loaded.Invoke("Demo.Fns", "F", new object?[] { p[0], 2 })!, new[] { x }, new[] { gradient });
            Assert.That(check.Passed, check.ToString());
            var jvp = new object?[] { x, 2, 1.0, null };
            loaded.Invoke("Demo.Fns", "FJvp", jvp);
            Assert.That((double)jvp[3]!, Is.EqualTo(gradient).Within(1e-12), "forward mode");
        }
    }

    /// <summary>The same, with the buffer written in a branch and the call nested in the loop twice over.</summary>
    [Test]
    public void First_order_only_callee_written_into_a_buffer_in_a_branch_or_nested_loop_is_ADIFF014()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, int steps)
            {
                Span<double> u = stackalloc double[1];
                u[0] = x;
                for (int s = 0; s < steps; s++)
                    for (int t = 0; t < 2; t++)
                        if (t == 1) u[0] = [|Ext.Cube(u[0])|];
                return u[0];
            }
            """, Cube));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Cube'"));
        c.Run.AssertNoErrors();
    }

    /// <summary>A call whose result is written into a buffer in a loop and read back is used: ADIFF005 when it has no derivative.</summary>
    [Test]
    public void Plain_call_written_into_a_buffer_in_a_loop_is_ADIFF005()
    {
        var c = DiagnosticCase.For(InFns("""
            static double Plain(double v) => 2 * v;
            [Differentiable]
            public static double F(double x, int steps)
            {
                Span<double> u = stackalloc double[1];
                u[0] = x;
                for (int s = 0; s < steps; s++) u[0] = [|Plain(u[0])|];
                return u[0];
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Plain'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    /// <summary>A vector-valued method's outputs are what it computes: a call written into one is used.</summary>
    [Test]
    public void Plain_call_written_into_an_output_of_a_vector_valued_method_is_ADIFF005()
    {
        var c = DiagnosticCase.For(InFns("""
            static double Plain(double v) => 2 * v;
            [Differentiable]
            public static void V(ReadOnlySpan<double> x, Span<double> y)
            {
                y[0] = [|Plain(x[0])|];
                for (int i = 1; i < y.Length; i++) y[i] = [|Plain(x[i])|];
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Plain'"), new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Plain'"));
        c.AssertNothingGenerated();
    }

    /// <summary>
    /// A buffer written in a loop and never read: the plain call (pure, so it does not itself stop H·v) needs no derivative (no ADIFF005), but the transforms still
    /// differentiate the first-order-only call there, so it is ADIFF014 (the Hvp would call a missing CubeVjpTangent).
    /// </summary>
    [Test]
    public void A_buffer_written_in_a_loop_but_never_read()
    {
        var c = DiagnosticCase.For(InFns("""
            [System.Diagnostics.Contracts.Pure] static double Plain(double v) => 2 * v;
            [Differentiable]
            public static double F(double x, int steps)
            {
                Span<double> u = stackalloc double[1];
                for (int s = 0; s < steps; s++) u[0] = Plain(x) + [|Ext.Cube(x)|];
                return x * x;
            }
            """, Cube));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF014", Info, "'F'", "'Cube'"));
        c.Run.AssertNoErrors();
    }

    // ---- ADIFF008 at a call that returns a type without derivatives ---------------------------------------------

    [Test]
    public void ADIFF008_active_value_through_ToString_and_Parse()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double F(double x) => double.Parse([|x.ToString()|]) * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", Warning, "'x.ToString()'", "'string'", "constant"));
        c.AssertGeneratorClean();
        using var loaded = c.Run.Load();
        var args = new object?[] { 1.5, null };
        loaded.Invoke("Demo.Fns", "FGradient", args);
        Assert.That((double)args[1]!, Is.EqualTo(1.5), "the parsed value is a constant: d(c·x)/dx = c");
    }

    [Test]
    public void ADIFF008_active_value_through_an_int_returning_helper()
    {
        var c = DiagnosticCase.For(InFns("""
            [System.Diagnostics.Contracts.Pure] static int Bucket(double v) => (int)(v * 4);
            [Differentiable] public static double F(double x) => [|Bucket(x)|] * x;
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", Warning, "'Bucket(x)'", "'int'", "constant"));
        c.AssertGeneratorClean();
        using var loaded = c.Run.Load();
        var args = new object?[] { 1.3, null };
        loaded.Invoke("Demo.Fns", "FGradient", args);
        Assert.That((double)args[1]!, Is.EqualTo(5.0));
    }

    [Test]
    public void ADIFF008_active_value_through_a_helper_used_as_a_loop_bound_inside_a_loop()
    {
        var c = DiagnosticCase.For(InFns("""
            [System.Diagnostics.Contracts.Pure] static int Steps(double v) => (int)v;
            [Differentiable]
            public static double F(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++)
                {
                    int m = [|Steps(x * i)|];
                    for (int j = 0; j < m; j++) s += x;
                }
                return s;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF008", Warning, "'Steps(x * i)'", "'int'"));
        c.Run.AssertNoErrors();
    }

    [TestCase("Math.Sign(x) * x", TestName = "ADIFF008 not reported for Math.Sign (its derivative, zero, is built in)")]
    [TestCase("(double.IsNaN(x) ? 0 : x)", TestName = "ADIFF008 not reported for a test such as double.IsNaN")]
    [TestCase("Bucket(2.0) * x", TestName = "ADIFF008 not reported for a helper given a constant")]
    [TestCase("Bucket(Ad.StopGradient(x)) * x", TestName = "ADIFF008 not reported for a helper given a stopped value")]
    public void ADIFF008_not_reported_where_no_derivative_is_lost(string body)
    {
        var run = GeneratorHarness.Run(InFns("[System.Diagnostics.Contracts.Pure] static int Bucket(double v) => (int)v;\n        [Differentiable] public static double F(double x) => " + body + ";"));
        var diagnostics = run.AnalyzerDiagnostics();
        Assert.That(diagnostics, Is.Empty);
        run.AssertNoErrors();
    }

    // ---- ADIFF005 advice that fits the callee ---------------------------------------------------------------

    [Test]
    public void ADIFF005_for_a_library_method_says_it_needs_a_rule_and_double_Log_is_built_in()
    {
        // double.Log and float.Sqrt are Math.Log and MathF.Sqrt under another name (issue 16): built in, no diagnostic.
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x, float y) => double.Log(x) + float.Sqrt(y) + [|double.Exp2(x)|];"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'double.Exp2'", "referenced assembly", "[DerivativeOf]"));
        Assert.That(c.Run.AnalyzerDiagnostics().Select(d => d.GetMessage()), Has.None.Contains("mark it [Differentiable]"));
    }

    [Test]
    public void ADIFF005_for_Math_Clamp_says_it_is_not_differentiable_at_the_bounds()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x) => [|Math.Clamp(x, 0.0, 1.0)|] * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'System.Math.Clamp'", "not differentiable at its bounds", "Math.Min(Math.Max(", "[DerivativeOf]"));
        Assert.That(c.Run.AnalyzerDiagnostics().Single().GetMessage(), Does.Not.Contain("mark it [Differentiable]"));
    }

    [Test]
    public void ADIFF005_for_a_library_method_without_an_equivalent_suggests_a_rule()
    {
        var c = DiagnosticCase.For(InFns("[Differentiable] public static double F(double x) => [|Math.CopySign(x, -1.0)|];"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'System.Math.CopySign'", "referenced assembly", "cannot be marked [Differentiable]", "[DerivativeOf]", "Ad.StopGradient"));
    }

    [Test]
    public void ADIFF005_for_a_Differentiable_method_on_another_object_says_what_is_differentiated()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double F(double x, Model m) => x * [|m.Scale(x)|];",
            "public partial class Model { [Differentiable] public double Scale(double v) => v * 2; }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Model.Scale'", "it is [Differentiable], but", "another object ('m')",
            "only calls to static methods and to methods of this instance", "make it a static [Differentiable] method"));
    }

    [Test]
    public void ADIFF005_for_a_plain_method_on_another_object()
    {
        var c = DiagnosticCase.For(InFns(
            "[Differentiable] public static double F(double x, Model m) => x * [|m.Scale(x)|];",
            "public partial class Model { public double Scale(double v) => v * 2; }"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Model.Scale'", "another object ('m')", "[DerivativeOf]"));
        Assert.That(c.Run.AnalyzerDiagnostics().Single().GetMessage(), Does.Not.Contain("it is [Differentiable]"));
    }

    [Test]
    public void ADIFF005_for_a_Differentiable_method_with_errors_says_so()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static double Bad(double v) { try { return v; } finally { } }
            [Differentiable] public static double F(double x) => x * [|Bad(x)|];
            """));

        var messages = c.Run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF005").Select(d => d.GetMessage()).ToList();
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.Contain("'Demo.Fns.Bad'").And.Contain("is [Differentiable] but gets no companions because of its own errors"));
    }

    [Test]
    public void ADIFF005_for_a_generic_Differentiable_method_says_generic_methods_get_no_companions()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable] public static double G<T>(double v) => v * v;
            [Differentiable] public static double F(double x) => x * [|G<int>(x)|];
            """));

        var messages = c.Run.AnalyzerDiagnostics().Where(d => d.Id == "ADIFF005").Select(d => d.GetMessage()).ToList();
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.Contain("'Demo.Fns.G'").And.Contain("is [Differentiable] but generic").And.Contain("ADIFF010"));
    }

    [Test]
    public void ADIFF005_for_a_plain_method_in_source_suggests_Differentiable_or_a_rule()
    {
        var c = DiagnosticCase.For(InFns("""
            static double Helper(double v) => v * 2;
            [Differentiable] public static double F(double x) => [|Helper(x)|] + 1;
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Fns.Helper'", "mark it [Differentiable]", "custom derivative", "Ad.StopGradient"));
    }
}

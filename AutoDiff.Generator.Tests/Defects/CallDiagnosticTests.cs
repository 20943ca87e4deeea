using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Issue 13: what a caller is told about the methods it calls. A first-order-only callee reached through a buffer
/// written in a loop (AD0014, no call to a missing VjpTangent).
/// </summary>
public class CallDiagnosticTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Info = DiagnosticSeverity.Info;

    private static string InFns(string members, string types = "") => DiagnosticCase.Source(
        types + "\n    public static partial class Fns\n    {\n        " + members + "\n    }");

    // ---- a first-order-only callee whose result is written into a buffer in a loop (AD0014) ----------------------

    private const string Cube = "public static partial class Ext { [Differentiable(SecondOrder = false)] public static double Cube(double x) => x * x * x; }";

    /// <summary>
    /// The repro: the loop's only result is its counter, so the call written into the buffer counted as unused, no AD0014
    /// was reported, and F's Hvp called Ext.CubeVjpTangent, which is not generated (CS0117).
    /// </summary>
    [Test]
    public void First_order_only_callee_written_into_a_buffer_in_a_loop_is_AD0014_and_first_order_is_right()
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

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0014", Info, "'F'", "'Cube'", "SecondOrder = false"));
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
    public void First_order_only_callee_written_into_a_buffer_in_a_branch_or_nested_loop_is_AD0014()
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

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0014", Info, "'F'", "'Cube'"));
        c.Run.AssertNoErrors();
    }

    /// <summary>A call whose result is written into a buffer in a loop and read back is used: AD0005 when it has no derivative.</summary>
    [Test]
    public void Plain_call_written_into_a_buffer_in_a_loop_is_AD0005()
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

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0005", Error, "'Demo.Fns.Plain'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    /// <summary>A vector-valued method's outputs are what it computes: a call written into one is used.</summary>
    [Test]
    public void Plain_call_written_into_an_output_of_a_vector_valued_method_is_AD0005()
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

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0005", Error, "'Demo.Fns.Plain'"), new ExpectedDiagnostic("AD0005", Error, "'Demo.Fns.Plain'"));
        c.AssertNothingGenerated();
    }

    /// <summary>
    /// A buffer written in a loop and never read: the plain call needs no derivative (no AD0005), but the transforms still
    /// differentiate the first-order-only call there, so it is AD0014 (the Hvp would call a missing CubeVjpTangent).
    /// </summary>
    [Test]
    public void A_buffer_written_in_a_loop_but_never_read()
    {
        var c = DiagnosticCase.For(InFns("""
            static double Plain(double v) => 2 * v;
            [Differentiable]
            public static double F(double x, int steps)
            {
                Span<double> u = stackalloc double[1];
                for (int s = 0; s < steps; s++) u[0] = Plain(x) + [|Ext.Cube(x)|];
                return x * x;
            }
            """, Cube));

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0014", Info, "'F'", "'Cube'"));
        c.Run.AssertNoErrors();
    }
}

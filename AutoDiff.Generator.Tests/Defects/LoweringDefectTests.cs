using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Tests.Numeric;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Defects of the frontend's lowering found by outside testing (issue 13): crashes on valid input, integer constants
/// that lost their exact value, loop counters of other integer types, and inputs whose size made lowering overflow the
/// stack or generation take quadratic time. Each test holds the smallest input that failed, and checks the numbers the
/// generated companions give: the primal value bit for bit, the gradient against central finite differences, reverse mode
/// against the gradient with a seed and preloaded adjoints, and forward mode against reverse mode.
/// </summary>
public class LoweringDefectTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;

    /// <summary><paramref name="members"/> inside <c>public static partial class Fns</c> in namespace Demo, after <paramref name="types"/>.</summary>
    private static string InFns(string members, string types = "") => DiagnosticCase.Source(
        types + "\n    public static partial class Fns\n    {\n        " + members + "\n    }");

    /// <summary>Helpers that are neither [Differentiable] nor built in.</summary>
    private const string Plain = """
            public static class Plain
            {
                public static double Twice(double x) => 2 * x;
                public static double Weight(int i) => 1.0 / (1 + i);
                public static bool IsSpecial(int k) => k == 3;
            }
        """;

    /// <summary>
    /// Generates for <paramref name="source"/> with no error anywhere, then checks every companion of
    /// <c>Demo.Fns.<paramref name="method"/></c> at <paramref name="at"/> (one value per parameter); returns the gradient.
    /// </summary>
    private static double[] AssertCompanions(string source, string method, params double[] at)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        using var loaded = run.Load();
        return AssertCompanions(new Companion(loaded.Method("Demo.Fns", method)), at);
    }

    private static double[] AssertCompanions(Companion f, double[] at)
    {
        double value = f.Value(at);
        var (gradientValue, gradient) = f.Gradient(at);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(BitConverter.DoubleToInt64Bits(gradientValue), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), "Gradient returns the method's value");
            for (int k = 0; k < f.Active.Length; k++)
            {
                int i = f.Active[k];
                double h = 1e-6 * Math.Max(1, Math.Abs(at[i]));
                var plus = (double[])at.Clone();
                var minus = (double[])at.Clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (f.Value(plus) - f.Value(minus)) / (2 * h);
                Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-6 * Math.Max(1, Math.Abs(numeric))), $"∂{f.Name}/∂(parameter {i}) against central differences");
            }

            const double seed = 0.75;
            var initial = f.Active.Select((_, k) => 0.25 * (k + 1)).ToArray();
            var (vjpValue, adjoints) = f.Vjp(at, seed, initial);
            Assert.That(BitConverter.DoubleToInt64Bits(vjpValue), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), "Vjp returns the method's value");
            for (int k = 0; k < gradient.Length; k++)
            {
                double expected = initial[k] + seed * gradient[k];
                Assert.That(adjoints[k], Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), $"Vjp adjoint {k}");
            }

            var tangents = f.Active.Select((_, k) => 0.3 + 0.5 * k * (k % 2 == 0 ? 1 : -1)).ToArray();
            var (jvpValue, tangent) = f.Jvp(at, tangents);
            double directional = gradient.Select((g, k) => g * tangents[k]).Sum();
            Assert.That(BitConverter.DoubleToInt64Bits(jvpValue), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), "Jvp returns the method's value");
            Assert.That(tangent, Is.EqualTo(directional).Within(1e-12 * Math.Max(1, gradient.Select(Math.Abs).Sum())), "Jvp against the gradient");
        }
        return gradient;
    }

    // ---- item 1: a call to an ordinary method inside a loop or a branch -------------------------------

    [Test]
    public void Plain_call_with_an_integer_argument_inside_a_loop()
    {
        var gradient = AssertCompanions(InFns("""
            [Differentiable]
            public static double F(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += Plain.Weight(i) * x * x;
                return s;
            }
            """, Plain), "F", 1.3, 4);
        Assert.That(gradient[0], Is.EqualTo(2 * 1.3 * (1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0)).Within(1e-12));
    }

    [Test]
    public void Library_call_with_integer_arguments_inside_a_loop()
    {
        var gradient = AssertCompanions(InFns("""
            [Differentiable]
            public static double F(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += Math.Clamp(i, 0, 3) * x;
                return s;
            }
            """), "F", 1.3, 6);
        Assert.That(gradient[0], Is.EqualTo(0 + 1 + 2 + 3 + 3 + 3));
    }

    [TestCase(1.5, 4.0)]
    [TestCase(-1.5, 1.0)]
    public void Plain_call_with_a_constant_argument_inside_a_branch(double x, double expected)
    {
        var gradient = AssertCompanions(InFns("""
            [Differentiable]
            public static double F(double x)
            {
                if (x > 0) return x * Plain.Twice(2.0);
                return x;
            }
            """, Plain), "F", x);
        Assert.That(gradient[0], Is.EqualTo(expected));
    }

    [TestCase(1.5, 3, 3.0)]
    [TestCase(-1.5, 3, -3.0)]
    [TestCase(-1.5, 2, -1.0)]
    public void Plain_call_in_the_right_operand_of_a_short_circuit_condition(double x, int k, double expected)
    {
        var gradient = AssertCompanions(InFns("""
            [Differentiable]
            public static double F(double x, int k)
            {
                if (x > 0 || Plain.IsSpecial(k)) return x * x;
                return -x;
            }
            """, Plain), "F", x, k);
        Assert.That(gradient[0], Is.EqualTo(expected));
    }

    [Test]
    public void Plain_call_with_an_active_argument_inside_a_loop_is_AD0005_at_the_call()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += [|Plain.Twice(x)|];
                return s;
            }
            """, Plain));

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0005", Error));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void AD0008_for_a_cast_of_an_active_value_to_int_inside_a_loop()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += [|(int)x|] * x;
                return s;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0008", Warning, "'x'", "'int'"));
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }

    [Test]
    public void AD0008_for_a_cast_of_an_active_value_to_int_inside_a_branch()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable]
            public static double F(double x)
            {
                if (x > 1) return [|(int)(x * 2)|] * x;
                return x;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("AD0008", Warning, "'(x * 2)'", "'int'"));
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.Run.AssertNoErrors();
    }
}

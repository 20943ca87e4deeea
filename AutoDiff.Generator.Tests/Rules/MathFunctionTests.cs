using System;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// Math functions added as one row each in Derivatives/RuleTable.cs and nowhere else (Asinh, Acosh, Atanh): both
/// modes, double and float, against the hand formula and central finite differences.
/// </summary>
public class MathFunctionTests
{
    private const string Source = """
        public static partial class Fns
        {
            [Differentiable] public static double Asinh(double x) => Math.Asinh(x * x + x);
            [Differentiable] public static double Acosh(double x) => Math.Acosh(x + 2);
            [Differentiable] public static double Atanh(double x) => Math.Atanh(x / 3);
            [Differentiable] public static float AsinhF(float x) => MathF.Asinh(x) * MathF.Acosh(x + 2) + MathF.Atanh(x / 3);
        }
        """;

    [TestCase("Asinh", 0.7)]
    [TestCase("Asinh", -1.3)]
    [TestCase("Acosh", 0.4)]
    [TestCase("Atanh", -1.1)]
    public void Derivative_matches_the_formula_and_finite_differences(string name, double x)
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Source));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var gradientArgs = new object?[] { x, null };
        double value = (double)loaded.Invoke("Demo.Fns", name + "Gradient", gradientArgs)!;
        double dx = (double)gradientArgs[1]!;
        double f(double v) => (double)loaded.Invoke("Demo.Fns", name, new object?[] { v })!;
        double formula = name switch
        {
            "Asinh" => (2 * x + 1) / Math.Sqrt((x * x + x) * (x * x + x) + 1),
            "Acosh" => 1 / Math.Sqrt((x + 2) * (x + 2) - 1),
            _ => 1 / 3.0 / (1 - x * x / 9),
        };
        Assert.That(value, Is.EqualTo(f(x)), "the primal, bit for bit");
        Assert.That(dx, Is.EqualTo(formula).Within(1e-12), "the hand formula");
        Assert.That(dx, Is.EqualTo((f(x + 1e-6) - f(x - 1e-6)) / 2e-6).Within(1e-6), "finite differences");

        var jvpArgs = new object?[] { x, 0.5, null };
        loaded.Invoke("Demo.Fns", name + "Jvp", jvpArgs);
        Assert.That((double)jvpArgs[2]!, Is.EqualTo(0.5 * dx).Within(1e-12), "forward mode");
    }

    [Test]
    public void Float_overloads_call_MathF()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source(Source));
        run.AssertNoErrors();
        Assert.That(run.Generated("Demo.Fns.AsinhF.g.cs"), Does.Contain("global::System.MathF.Asinh(").And.Not.Contain("global::System.Math.Asinh("));
        using var loaded = run.Load();
        const float x = 0.3f;
        var args = new object?[] { x, null };
        loaded.Invoke("Demo.Fns", "AsinhFGradient", args);
        double X = x;
        double formula = 1 / Math.Sqrt(X * X + 1) * Math.Acosh(X + 2) + Math.Asinh(X) / Math.Sqrt((X + 2) * (X + 2) - 1) + 1 / 3.0 / (1 - X * X / 9);
        Assert.That((double)(float)args[1]!, Is.EqualTo(formula).Within(1e-5));
    }
}

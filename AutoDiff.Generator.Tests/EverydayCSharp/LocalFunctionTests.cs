using System;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Local functions (issue 15, item 10), differentiated as part of the method: the fixtures.</summary>
public static partial class LocalFunctionFixtures
{
    /// <summary>A static local function called twice, declared after the return.</summary>
    [Differentiable]
    public static double StaticHelper(double x, double y)
    {
        return Square(x) + Square(x * y) * 0.5;

        static double Square(double t) => t * t;
    }

    /// <summary>A local function reading a captured local and parameter; the captured local changes between the calls.</summary>
    [Differentiable]
    public static double Capturing(double a, double x)
    {
        double k = a * 2;
        double F(double t) => k * Math.Sin(t) + a;
        double r = F(x);
        k = a * a;
        return r + F(x * a);
    }

    /// <summary>A void local function writing a captured sum, called in a loop.</summary>
    [Differentiable]
    public static double AccumulatesInALoop(double[] x, double a)
    {
        double acc = 0;
        void Add(double v) { acc += v * v * a; }
        for (int i = 0; i < x.Length; i++) Add(x[i] + a);
        return acc;
    }

    /// <summary>A block-bodied local function with a loop and a return inside a branch, called from a loop.</summary>
    [Differentiable]
    public static double EarlyReturn(double[] x, double a)
    {
        double Soft(double t)
        {
            if (t > 1) return 1 + Math.Log(t);
            double s = 0;
            for (int j = 1; j <= 3; j++) s += t * a / j;
            return s;
        }
        double sum = 0;
        foreach (var v in x) sum += Soft(v * a);
        return sum;
    }

    /// <summary>Local functions calling each other, one taking the array.</summary>
    [Differentiable]
    public static double Nested(double[] x, double a)
    {
        double Dot(double[] u, double w)
        {
            double s = 0;
            for (int i = 0; i < u.Length; i++) s += Scale(u[i], w) * u[i];
            return s;
        }
        double Scale(double t, double w) => Math.Exp(-w * t);
        return Dot(x, a) + Scale(a, 1.5);
    }
}

/// <summary>Local functions: each call lowered in place, so both modes and H·v go through their bodies.</summary>
public class LocalFunctionTests
{
    [TestCase(nameof(LocalFunctionFixtures.StaticHelper), new[] { 0.7, -1.3 })]
    [TestCase(nameof(LocalFunctionFixtures.Capturing), new[] { 0.6, 1.1 })]
    public void Scalar_companions_agree_with_differences_and_each_other(string name, double[] at) =>
        CompanionSet.Scalars(typeof(LocalFunctionFixtures), name).Check(at);

    [Test]
    public void Accumulates_in_a_loop() =>
        CompanionSet.ArrayAndScalar(3, LocalFunctionFixtures.AccumulatesInALoop, LocalFunctionFixtures.AccumulatesInALoopGradient,
            LocalFunctionFixtures.AccumulatesInALoopVjp, LocalFunctionFixtures.AccumulatesInALoopJvp, LocalFunctionFixtures.AccumulatesInALoopHvp)
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });

    [Test]
    public void Early_return_both_branches()
    {
        var set = CompanionSet.ArrayAndScalar(4, LocalFunctionFixtures.EarlyReturn, LocalFunctionFixtures.EarlyReturnGradient,
            LocalFunctionFixtures.EarlyReturnVjp, LocalFunctionFixtures.EarlyReturnJvp, LocalFunctionFixtures.EarlyReturnHvp);
        // 0.9·2.5 and 3·2.5 are above 1, the others below.
        set.Check(new[] { 0.2, 0.9, -0.5, 3.0, 2.5 });
    }

    [Test]
    public void Nested_calls() =>
        CompanionSet.ArrayAndScalar(3, LocalFunctionFixtures.Nested, LocalFunctionFixtures.NestedGradient,
            LocalFunctionFixtures.NestedVjp, LocalFunctionFixtures.NestedJvp, LocalFunctionFixtures.NestedHvp)
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });

    [Test]
    public void Hand_formulas()
    {
        // x² + (xy)²/2.
        double f = LocalFunctionFixtures.StaticHelperGradient(0.7, -1.3, out double dx, out double dy);
        Assert.That(CompanionSet.Bits(f), Is.EqualTo(CompanionSet.Bits(LocalFunctionFixtures.StaticHelper(0.7, -1.3))));
        Assert.That(dx, Is.EqualTo(2 * 0.7 + 0.7 * 1.3 * 1.3).Within(1e-15));
        Assert.That(dy, Is.EqualTo(0.7 * 0.7 * -1.3).Within(1e-15));

        // 2a·sin(x) + a + a²·sin(ax) + a: the second call sees k = a², as C# captures the variable.
        double a = 0.6, x = 1.1;
        LocalFunctionFixtures.CapturingGradient(a, x, out double da, out double dxx);
        Assert.That(da, Is.EqualTo(2 * Math.Sin(x) + 1 + 2 * a * Math.Sin(a * x) + a * a * x * Math.Cos(a * x) + 1).Within(1e-14));
        Assert.That(dxx, Is.EqualTo(2 * a * Math.Cos(x) + a * a * a * Math.Cos(a * x)).Within(1e-14));
    }

    [Test]
    public void Companions_allocate_nothing()
    {
        double[] x = { 0.4, -0.8, 1.1 };
        var g = new double[3];
        double sink = 0;
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            for (int k = 0; k < 50; k++)
            {
                double aAdj = 0;
                sink += LocalFunctionFixtures.AccumulatesInALoopGradient(x, 0.6, g, out double da) + da;
                sink += LocalFunctionFixtures.EarlyReturnVjp(x, 0.6, 1.0, g, ref aAdj) + aAdj;
                sink += LocalFunctionFixtures.NestedHvp(x, 0.6, x, 0.5, g, out double h) + h;
                sink += LocalFunctionFixtures.CapturingJvp(0.6, 1.1, 1.0, 0.0, out double t) + t;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    private static string InFns(string members) => DiagnosticCase.Source("    public static partial class Fns\n    {\n" + members + "\n    }");

    [Test]
    public void Recursion_is_reported_at_the_recursive_call()
    {
        var c = DiagnosticCase.For(InFns("""
                [Differentiable]
                public static double F(double x)
                {
                    double P(double t, int n) => n == 0 ? 1 : t * [|P(t, n - 1)|];
                    return P(x, 3);
                }

                [Differentiable]
                public static double Fine(double x) => x * x;
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "recursive call to the local function 'P'", "write it as a loop"));
        c.AssertGeneratorClean();
        c.AssertGenerated("Demo.Fns.Fine.g.cs");
    }

    [Test]
    public void An_unsupported_construct_inside_a_local_function_is_reported_there()
    {
        var c = DiagnosticCase.For(InFns("""
                [Differentiable]
                public static double F(double x)
                {
                    double G(double t) { [|lock|] (typeof(Fns)) { return t * 2; } }
                    return G(x);
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "'lock'"));
        c.AssertGeneratorClean();
    }

    [Test]
    public void A_local_function_that_is_never_called_is_ignored_and_one_with_a_ref_parameter_is_reported()
    {
        var c = DiagnosticCase.For(InFns("""
                [Differentiable]
                public static double F(double x)
                {
                    static double Unused(double t) { lock (typeof(Fns)) { return t; } }
                    return x * x;
                }

                [Differentiable]
                public static double G(double x)
                {
                    void Twice(ref double t) { t *= 2; }
                    double y = x;
                    Twice([|ref y|]);
                    return y;
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "'ref' or 'out' argument of the local function 'Twice'"));
        c.AssertGeneratorClean();
        c.AssertGenerated("Demo.Fns.F.g.cs");
    }
}

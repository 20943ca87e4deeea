using System;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Lambdas stored in a local and called in the method (issue 15, item 10): the fixtures.</summary>
public static partial class LambdaFixtures
{
    /// <summary>An expression lambda called twice.</summary>
    [Differentiable]
    public static double Square(double x, double a)
    {
        Func<double, double> f = t => t * t;
        return f(x) + f(a * x) * 0.25;
    }

    /// <summary>A capturing lambda: it sees the captured variable's value at each call.</summary>
    [Differentiable]
    public static double Capturing(double a, double x)
    {
        double k = a;
        var g = (double t) => k * Math.Exp(-t);
        double r = g(x);
        k = 2 * a * a;
        return r + g(x * 0.5);
    }

    /// <summary>A block lambda with a branch that returns early, called in a loop with two arguments.</summary>
    [Differentiable]
    public static double BlockLambdaInALoop(double[] x, double a)
    {
        Func<double, double, double> h = (u, v) =>
        {
            if (u < 0) return -u * v;
            double w = u * v;
            return w * w + Math.Sin(w);
        };
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += h(x[i], a);
        return s;
    }

    /// <summary>An Action lambda writing a captured sum, called in a loop.</summary>
    [Differentiable]
    public static double ActionAccumulates(double[] x, double a)
    {
        double sum = 0;
        Action<double> add = v => sum += Math.Cosh(v * a);
        foreach (var v in x) add(v);
        return sum;
    }
}

/// <summary>Lambdas stored in locals: each call lowered in place, so both modes and H·v go through their bodies.</summary>
public class LambdaTests
{
    [TestCase(nameof(LambdaFixtures.Square), new[] { 0.7, -1.3 })]
    [TestCase(nameof(LambdaFixtures.Capturing), new[] { 0.6, 1.1 })]
    public void Scalar_companions_agree_with_differences_and_each_other(string name, double[] at) =>
        CompanionSet.Scalars(typeof(LambdaFixtures), name).Check(at);

    [Test]
    public void Block_lambda_in_a_loop() =>
        CompanionSet.ArrayAndScalar(3, LambdaFixtures.BlockLambdaInALoop, LambdaFixtures.BlockLambdaInALoopGradient,
            LambdaFixtures.BlockLambdaInALoopVjp, LambdaFixtures.BlockLambdaInALoopJvp, LambdaFixtures.BlockLambdaInALoopHvp)
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });

    [Test]
    public void Action_accumulates() =>
        CompanionSet.ArrayAndScalar(3, LambdaFixtures.ActionAccumulates, LambdaFixtures.ActionAccumulatesGradient,
            LambdaFixtures.ActionAccumulatesVjp, LambdaFixtures.ActionAccumulatesJvp, LambdaFixtures.ActionAccumulatesHvp)
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });

    [Test]
    public void Hand_formulas()
    {
        // x² + (ax)²/4.
        double f = LambdaFixtures.SquareGradient(0.7, -1.3, out double dx, out double da);
        Assert.That(CompanionSet.Bits(f), Is.EqualTo(CompanionSet.Bits(LambdaFixtures.Square(0.7, -1.3))));
        Assert.That(dx, Is.EqualTo(2 * 0.7 + 0.5 * 1.3 * 1.3 * 0.7).Within(1e-15));
        Assert.That(da, Is.EqualTo(0.5 * -1.3 * 0.7 * 0.7).Within(1e-15));

        // a·e^(−x) + 2a²·e^(−x/2).
        double a = 0.6, x = 1.1;
        LambdaFixtures.CapturingGradient(a, x, out double ga, out double gx);
        Assert.That(ga, Is.EqualTo(Math.Exp(-x) + 4 * a * Math.Exp(-x / 2)).Within(1e-15));
        Assert.That(gx, Is.EqualTo(-a * Math.Exp(-x) - a * a * Math.Exp(-x / 2)).Within(1e-15));
    }

    [Test]
    public void Companions_allocate_nothing_where_the_method_allocates_a_closure()
    {
        double[] x = { 0.4, -0.8, 1.1 };
        var g = new double[3];
        double sink = 0;
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            for (int k = 0; k < 50; k++)
            {
                double aAdj = 0;
                sink += LambdaFixtures.ActionAccumulatesGradient(x, 0.6, g, out double da) + da;
                sink += LambdaFixtures.BlockLambdaInALoopVjp(x, 0.6, 1.0, g, ref aAdj) + aAdj;
                sink += LambdaFixtures.BlockLambdaInALoopHvp(x, 0.6, x, 0.5, g, out double h) + h;
                sink += LambdaFixtures.CapturingJvp(0.6, 1.1, 1.0, 0.0, out double t) + t;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    private static string InFns(string members) => DiagnosticCase.Source("    public static partial class Fns\n    {\n" + members + "\n    }");

    [Test]
    public void A_lambda_that_escapes_or_is_assigned_again_is_reported_at_that_use()
    {
        var c = DiagnosticCase.For(InFns("""
                static double Apply(Func<double, double> f, double x) => f(x);

                [Differentiable]
                public static double Passed(double x)
                {
                    Func<double, double> f = t => t * t;
                    return Apply([|f|], x) + f(x);
                }

                [Differentiable]
                public static double Reassigned(double x)
                {
                    Func<double, double> f = t => t * t;
                    double y = f(x);
                    [|f|] = t => t;
                    return y + f(x);
                }

                [Differentiable]
                public static double NoLambda(double x, Func<double, double> g)
                {
                    Func<double, double> f = [|g|];
                    return f(x);
                }

                [Differentiable]
                public static double Fine(double x) { Func<double, double> f = Math.Sin; return f(x); }
            """));
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "the lambda 'f' used other than by calling it", "write a local function"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "the lambda 'f' used other than by calling it"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "the delegate 'f', which does not hold a lambda or a local function"));
        c.AssertGeneratorClean();
        c.AssertGenerated("Demo.Fns.Fine.g.cs");
    }

    [Test]
    public void Mutual_recursion_through_a_lambda_is_reported()
    {
        var c = DiagnosticCase.For(InFns("""
                [Differentiable]
                public static double F(double x)
                {
                    double A(double t) => t < 1 ? t : B(t / 2);
                    double B(double t) => [|A(t)|] * 2;
                    Func<double, double> f = t => A(t);
                    return f(x);
                }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "recursive call to the local function 'A'"));
        c.AssertGeneratorClean();
    }
}

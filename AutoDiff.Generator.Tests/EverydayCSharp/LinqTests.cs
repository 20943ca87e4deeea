using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>LINQ over arrays of doubles (issue 15, item 10), lowered to loops: the fixtures.</summary>
public static partial class LinqFixtures
{
    [Differentiable]
    public static double Sum(double[] x, double a) => x.Sum() * a + x.Sum(v => v * v * a);

    [Differentiable]
    public static double SelectSum(double[] x, double a) => x.Select(v => Math.Sin(a * v)).Sum() + x.Select(Math.Exp).Sum();

    /// <summary>Zip with a local buffer, Where with a captured threshold, a lambda local as the selector.</summary>
    [Differentiable]
    public static double ZipWhere(double[] x, double a)
    {
        double[] w = { a, 2 * a, a * a };
        double threshold = -0.5;
        Func<double, double> cube = t => t * t * t;
        return x.Zip(w, (p, q) => p * q).Sum() + x.Where(v => v > threshold).Sum(cube);
    }

    [Differentiable]
    public static double MaxMin(double[] x, double a) => x.Max() * a + x.Select(v => v * a).Min() + x.Max(v => Math.Cos(v + a));

    [Differentiable]
    public static double Average(double[] x, double a) => x.Average() * a + x.Average(v => v * v) + x.Where(v => v < a).Select(v => v * a).Average();

    /// <summary>Query syntax is the same calls.</summary>
    [Differentiable]
    public static double Query(double[] x, double a) => (from v in x where v > 0 select v * a).Sum();
}

/// <summary>LINQ over arrays: loops in the frontend, so both modes and H·v come from the loop; the primal is LINQ's, bit for bit.</summary>
public class LinqTests
{
    private static CompanionSet Set(int n, Func<double[], double, double> f, CompanionSet.GradientOf g, CompanionSet.VjpOf v, CompanionSet.JvpOf j, CompanionSet.HvpOf h) =>
        CompanionSet.ArrayAndScalar(n, f, g, v, j, h);

    private static readonly double[] At = { 0.4, -0.8, 1.1, 0.6 };

    [Test]
    public void Sum() => Set(3, LinqFixtures.Sum, LinqFixtures.SumGradient, LinqFixtures.SumVjp, LinqFixtures.SumJvp, LinqFixtures.SumHvp).Check(At);

    [Test]
    public void Select_sum() => Set(3, LinqFixtures.SelectSum, LinqFixtures.SelectSumGradient, LinqFixtures.SelectSumVjp, LinqFixtures.SelectSumJvp, LinqFixtures.SelectSumHvp).Check(At);

    [Test]
    public void Zip_and_where() => Set(3, LinqFixtures.ZipWhere, LinqFixtures.ZipWhereGradient, LinqFixtures.ZipWhereVjp, LinqFixtures.ZipWhereJvp, LinqFixtures.ZipWhereHvp).Check(At);

    [Test]
    public void Max_and_min() => Set(3, LinqFixtures.MaxMin, LinqFixtures.MaxMinGradient, LinqFixtures.MaxMinVjp, LinqFixtures.MaxMinJvp, LinqFixtures.MaxMinHvp).Check(At);

    [Test]
    public void Average() => Set(3, LinqFixtures.Average, LinqFixtures.AverageGradient, LinqFixtures.AverageVjp, LinqFixtures.AverageJvp, LinqFixtures.AverageHvp).Check(At);

    [Test]
    public void Query() => Set(3, LinqFixtures.Query, LinqFixtures.QueryGradient, LinqFixtures.QueryVjp, LinqFixtures.QueryJvp, LinqFixtures.QueryHvp).Check(At);

    [Test]
    public void Hand_formulas()
    {
        double[] x = { 0.4, -0.8, 1.1 };
        var g = new double[3];
        // Σx·a + a·Σx²: ∂/∂xᵢ = a + 2a·xᵢ, ∂/∂a = Σx + Σx².
        LinqFixtures.SumGradient(x, 0.6, g, out double da);
        Assert.That(g, Is.EqualTo(x.Select(v => 0.6 + 1.2 * v).ToArray()).Within(1e-15));
        Assert.That(da, Is.EqualTo(x.Sum() + x.Sum(v => v * v)).Within(1e-15));
        // max(x)·a + min(a·x) + max cos(x + a): x = {0.4, −0.8, 1.1}, a = 0.6; the max is x₂, the min a·x₁, the max cos at x₁.
        LinqFixtures.MaxMinGradient(x, 0.6, g, out da);
        Assert.That(g[0], Is.EqualTo(0).Within(1e-15));
        Assert.That(g[1], Is.EqualTo(0.6 + Math.Sin(0.2)).Within(1e-15));
        Assert.That(g[2], Is.EqualTo(0.6).Within(1e-15));
        Assert.That(da, Is.EqualTo(1.1 - 0.8 + Math.Sin(0.2)).Within(1e-15));
    }

    [Test]
    public void Ties_split_the_derivative_as_Math_Max_does()
    {
        // Max of {1, 1, 0}·a: each of the tied elements gets half.
        var g = new double[3];
        LinqFixtures.MaxMinGradient(new[] { 1.0, 1.0, 0.0 }, 0.6, g, out _);
        // ∂/∂x of x.Max()·a is a/2 on each tied element (the other terms: min a·x at x₂, max cos(x + a) at x₂).
        Assert.That(g[0], Is.EqualTo(0.3).Within(1e-15));
        Assert.That(g[1], Is.EqualTo(0.3).Within(1e-15));
    }

    [TestCase(new[] { -0.0, 0.0, 0.0 })]
    [TestCase(new[] { 0.0, -0.0, -0.0 })]
    [TestCase(new[] { double.NaN, 1.0, 2.0 })]
    [TestCase(new[] { 1.0, double.NaN, -2.0 })]
    [TestCase(new[] { double.NaN, double.NaN, double.NaN })]
    [TestCase(new[] { double.PositiveInfinity, 1.0, double.NegativeInfinity })]
    public void Primal_is_LINQ_bit_for_bit_at_zeros_NaN_and_infinities(double[] x)
    {
        var g = new double[3];
        foreach (double a in new[] { 1.0, -0.0 })
        {
            Assert.That(Outcome(() => LinqFixtures.MaxMinGradient(x, a, g, out _)), Is.EqualTo(Outcome(() => LinqFixtures.MaxMin(x, a))));
            Assert.That(Outcome(() => LinqFixtures.AverageGradient(x, a, g, out _)), Is.EqualTo(Outcome(() => LinqFixtures.Average(x, a))));
            Assert.That(Outcome(() => LinqFixtures.SumJvp(x, a, x, 1, out _)), Is.EqualTo(Outcome(() => LinqFixtures.Sum(x, a))));
            Assert.That(Outcome(() => LinqFixtures.ZipWhereHvp(x, a, x, 1, g, out _)), Is.EqualTo(Outcome(() => LinqFixtures.ZipWhere(x, a))));
        }
        // The extremes alone, as LINQ gives them.
        Assert.That(Outcome(() => LinqFixtures.MaxMinJvp(x, 0, x, 0, out _)), Is.EqualTo(Outcome(() => LinqFixtures.MaxMin(x, 0))));
    }

    /// <summary>The bits of the value, or the exception thrown (an Average over a Where nothing passes).</summary>
    private static string Outcome(Func<double> f)
    {
        try { return CompanionSet.Bits(f()).ToString("X"); }
        catch (InvalidOperationException e) { return e.Message; }
    }

    [Test]
    public void An_empty_sequence_throws_as_LINQ_does()
    {
        var empty = Array.Empty<double>();
        Assert.Throws<InvalidOperationException>(() => LinqFixtures.MaxMin(empty, 1));
        Assert.Throws<InvalidOperationException>(() => LinqFixtures.MaxMinGradient(empty, 1, Span<double>.Empty, out _));
        Assert.Throws<InvalidOperationException>(() => LinqFixtures.AverageHvp(empty, 1, empty, 1, Span<double>.Empty, out _));
        double adj = 0;
        Assert.Throws<InvalidOperationException>(() => LinqFixtures.AverageVjp(new[] { 5.0 }, 1, 1, new double[1], ref adj), "nothing passes the Where");
        Assert.That(LinqFixtures.SumGradient(empty, 2, Span<double>.Empty, out double da), Is.EqualTo(0));
        Assert.That(da, Is.EqualTo(0));
    }

    [Test]
    public void A_null_array_throws_as_LINQ_does()
    {
        double[] none = null!;
        var x = new[] { 0.3, -1.2, 2.0 };
        string Thrown(TestDelegate call) => Assert.Throws<ArgumentNullException>(call)!.ParamName!;
        Assert.That(Thrown(() => LinqFixtures.Sum(none, 1)), Is.EqualTo("source"));
        Assert.That(Thrown(() => LinqFixtures.SumGradient(none, 1, Span<double>.Empty, out _)), Is.EqualTo("source"));
        Assert.That(Thrown(() => LinqFixtures.MaxMinJvp(none, 1, x, 1, out _)), Is.EqualTo("source"));
        Assert.That(Thrown(() => LinqFixtures.ZipWhere(none, 1)), Is.EqualTo("first"));
        Assert.That(Thrown(() => LinqFixtures.ZipWhereGradient(none, 1, Span<double>.Empty, out _)), Is.EqualTo("first"));
        Assert.That(Thrown(() => LinqFixtures.AverageHvp(none, 1, x, 1, new double[3], out _)), Is.EqualTo("source"));
    }

    [Test]
    public void Companions_allocate_nothing_where_LINQ_allocates()
    {
        double[] x = { 0.4, -0.8, 1.1 };
        var g = new double[3];
        double sink = 0;
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            for (int k = 0; k < 50; k++)
            {
                double aAdj = 0;
                sink += LinqFixtures.SelectSumGradient(x, 0.6, g, out double da) + da;
                sink += LinqFixtures.MaxMinVjp(x, 0.6, 1.0, g, ref aAdj) + aAdj;
                sink += LinqFixtures.AverageHvp(x, 0.6, x, 0.5, g, out double h) + h;
                sink += LinqFixtures.QueryJvp(x, 0.6, x, 0.5, out double t) + t;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    private static string InFns(string members) => DiagnosticCase.Source("    public static partial class Fns\n    {\n" + members + "\n    }");

    [Test]
    public void Other_LINQ_is_reported_at_the_call_naming_LINQ_and_the_loop_to_write()
    {
        var c = DiagnosticCase.For(InFns("""
                [Differentiable]
                public static double Ordered(double[] x) => [|x.OrderBy(v => v)|].Sum();

                [Differentiable]
                public static double First(double[] x) => [|x.Select(v => v * v).First()|];

                [Differentiable]
                public static double OverAList(double[] x, [NoDerivative] List<double> l) => [|l.Sum()|] + x[0];

                [Differentiable]
                public static double Indexed(double[] x) => x.Select([|(v, i) => v * i|]).Sum();

                [Differentiable]
                public static double Counting(double[] x)
                {
                    int n = 0;
                    return x.Sum(v => { [|n++|]; return v; }) / n;
                }

                [Differentiable]
                public static double Fine(double[] x) => x.Sum(v => v * v);
            """));
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "the LINQ call 'OrderBy'", "for (int i = 0; i < x.Length; i++) { var v = x[i];"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "the LINQ call 'First'", "x.Length"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "LINQ over 'System.Collections.Generic.List<double>'"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "passed to LINQ, which takes 2 parameters"),
            new ExpectedDiagnostic("ADIFF004", DiagnosticSeverity.Error, "a lambda passed to LINQ that assigns 'n'"));
        c.AssertGeneratorClean();
        c.AssertGenerated("Demo.Fns.Fine.g.cs");
    }
}

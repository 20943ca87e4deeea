using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// <c>in</c>, <c>ref readonly</c> and <c>params</c> parameters, default values and named arguments (issue 15, item 9): the
/// fixtures.
/// </summary>
public static partial class ParameterFixtures
{
    [Differentiable]
    public static double InParameters(in double x, ref readonly double y) => x * Math.Sin(y) + y * y;

    [Differentiable]
    public static double ParamsArray(double a, params double[] xs)
    {
        double s = 0;
        for (int i = 0; i < xs.Length; i++) s += Math.Exp(a * xs[i]);
        return s;
    }

    [Differentiable]
    public static double ParamsSpan(double a, params ReadOnlySpan<double> xs)
    {
        double s = 0;
        for (int i = 0; i < xs.Length; i++) s += a * xs[i] * xs[i];
        return s;
    }

    /// <summary>Expanded calls: the arguments become a buffer, as C# makes them an array (or a span).</summary>
    [Differentiable]
    public static double CallsWithParams(double a, double b) => ParamsArray(a, b, a * b) + ParamsSpan(b, a, 2.0, b) + ParamsArray(a) + ParamsArray(b, new[] { a, 1.0 }) + ParamsSpan(a, 1.0, 2.0);

    [Differentiable]
    public static double WithDefaults(double x, double scale = 2.0, double shift = 0.5) => scale * x * x + shift * x;

    /// <summary>Omitted and named arguments, out of order, to a [Differentiable] method, Math and a custom rule.</summary>
    [Differentiable]
    public static double NamedAndOmitted(double x, double y) =>
        WithDefaults(x) + WithDefaults(shift: y, x: y * x) + Math.Pow(y: 2.0, x: x) + Rules.Softplus(t: y) + Rules.Softplus(k: 3, t: x * y);

    [Differentiable]
    public static double InOnly(in double x, in double y) => x * Math.Sin(y);

    /// <summary>Calls passing 'in' arguments, with and without the modifier.</summary>
    [Differentiable]
    public static double CallsInParameters(double x, double y) => InOnly(x * y, in y) + InOnly(in x, y);
}

/// <summary>Softplus, a method with a [DerivativeOf] rule, its steepness defaulted.</summary>
public static partial class Rules
{
    public static double Softplus(double t, int k = 1) => Math.Log(1 + Math.Exp(k * t)) / k;

    [DerivativeOf(typeof(Rules), nameof(Softplus))]
    [Differentiable]
    public static double SoftplusDerivative(double t, int k) => 1 / (1 + Math.Exp(-k * t));
}

/// <summary>
/// <c>in</c> and <c>ref readonly</c> parameters are inputs like ones passed by value (the companions take them as <c>in</c>);
/// a <c>params</c> array or span is an ordinary array or span parameter of the companions, its adjoint a
/// <c>Span&lt;double&gt;</c> like any array's; calls pass default values and named arguments in parameter order, evaluated
/// in the order written.
/// </summary>
public class ParameterKindTests
{
    [TestCase(nameof(ParameterFixtures.InParameters), new[] { 0.7, -1.3 })]
    [TestCase(nameof(ParameterFixtures.CallsWithParams), new[] { 0.7, -1.3 })]
    [TestCase(nameof(ParameterFixtures.WithDefaults), new[] { 0.7, -1.3, 0.4 })]
    [TestCase(nameof(ParameterFixtures.NamedAndOmitted), new[] { 0.7, 1.3 })]
    [TestCase(nameof(ParameterFixtures.CallsInParameters), new[] { 0.7, -1.3 })]
    public void Companions_agree_with_differences_and_each_other(string name, double[] at) =>
        CompanionSet.Scalars(typeof(ParameterFixtures), name).Check(at);

    [Test]
    public void Params_array_companions_take_an_array_and_a_span_adjoint()
    {
        CompanionSet.ArrayAndScalar(3, (x, a) => ParameterFixtures.ParamsArray(a, x),
            (double[] x, double a, Span<double> dx, out double da) => ParameterFixtures.ParamsArrayGradient(a, x, out da, dx),
            (double[] x, double a, double seed, Span<double> xAdj, ref double aAdj) => ParameterFixtures.ParamsArrayVjp(a, x, seed, ref aAdj, xAdj),
            (double[] x, double a, ReadOnlySpan<double> xDot, double aDot, out double t) => ParameterFixtures.ParamsArrayJvp(a, x, aDot, xDot, out t),
            (double[] x, double a, ReadOnlySpan<double> vX, double vA, Span<double> hvX, out double hvA) => ParameterFixtures.ParamsArrayHvp(a, x, vA, vX, out hvA, hvX))
            .Check(new[] { 0.4, -0.8, 1.1, 0.6 });
        // Called naturally: the array (or a collection expression) where the method took the elements.
        Assert.That(ParameterFixtures.ParamsArrayGradient(0.5, [1.0, 2.0], out double d, new double[2]), Is.EqualTo(ParameterFixtures.ParamsArray(0.5, 1.0, 2.0)));
        Assert.That(d, Is.EqualTo(Math.Exp(0.5) + 2 * Math.Exp(1.0)).Within(1e-14));
    }

    [Test]
    public void Params_span_companions()
    {
        double[] xs = { 0.4, -0.8, 1.1 };
        var dx = new double[3];
        double value = ParameterFixtures.ParamsSpanGradient(0.6, xs, out double da, dx);
        Assert.That(CompanionSet.Bits(value), Is.EqualTo(CompanionSet.Bits(ParameterFixtures.ParamsSpan(0.6, xs))));
        Assert.That(da, Is.EqualTo(xs.Sum(v => v * v)).Within(1e-14));
        for (int i = 0; i < 3; i++) Assert.That(dx[i], Is.EqualTo(2 * 0.6 * xs[i]).Within(1e-14));
    }

    [Test]
    public void In_companions_are_called_like_the_method()
    {
        double x = 0.7, y = -1.3;
        double value = ParameterFixtures.InParametersGradient(in x, in y, out double dx, out double dy);
        Assert.That(CompanionSet.Bits(value), Is.EqualTo(CompanionSet.Bits(ParameterFixtures.InParameters(x, in y))));
        Assert.That(dx, Is.EqualTo(Math.Sin(y)).Within(1e-15));
        Assert.That(dy, Is.EqualTo(x * Math.Cos(y) + 2 * y).Within(1e-15));
        Assert.That(ParameterFixtures.InParametersGradient(x, y, out _, out _), Is.EqualTo(value));
    }

    [Test]
    public void Named_arguments_are_evaluated_in_the_order_written()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source("""
            public static partial class Fns
            {
                [Differentiable] public static double G(double u, double v) => u - 2 * v;
                [Differentiable]
                public static double F(double x)
                {
                    double t = x;
                    return G(v: t = t * 3, u: t + 1);
                }
            }
            """));
        run.AssertNoErrors();
        using var loaded = run.Load();
        // v = 3x first, then u = 3x + 1: G = 3x + 1 − 6x = 1 − 3x.
        var f = loaded.Delegate<Func<double, double>>("Demo.Fns", "F");
        Assert.That(f(0.5), Is.EqualTo(-0.5));
        var gradient = loaded.Method("Demo.Fns", "FGradient");
        var args = new object?[] { 0.5, null };
        Assert.That((double)gradient.Invoke(null, args)!, Is.EqualTo(-0.5));
        Assert.That((double)args[1]!, Is.EqualTo(-3.0));
    }

    [Test]
    public void Snapshot_parameter_kinds() => GeneratedCode.VerifyInFns("""
                [Differentiable]
                public static double In(in double x, ref readonly double y) => x * y;

                [Differentiable]
                public static double Sum(double a, params double[] xs)
                {
                    double s = 0;
                    for (int i = 0; i < xs.Length; i++) s += a * xs[i];
                    return s;
                }

                [Differentiable]
                public static double Caller(double a, double b) => Sum(a, b, a * b);
        """, "ParameterKinds");
}

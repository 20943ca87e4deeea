using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// <c>reserve-tapes</c> before a loop whose bound is computed (in its condition, or before the loop from values the
/// reserve's position precedes): the reserve must compute again what it reads that is not yet defined where it goes. The
/// reported shape, a bound <c>n * (p.Length - 2)</c> whose constant 2 the Hvp defines after the reserve's position,
/// failed IR verification in the Hvp ("%182 uses %12, which is not defined before it", ADIFF099). Each shape: no
/// diagnostic, the loop's tapes reserved, the primal bit for bit, the gradient against central differences and the Hvp
/// against central differences of the gradient.
/// </summary>
public class ReserveTapesScopeTests
{
    private delegate double Gradient(double[] p, int n, Span<double> dp);

    private delegate double Hvp(double[] p, int n, ReadOnlySpan<double> v, Span<double> hv);

    private const string Source = """
        using System;
        using AutoDiff;

        namespace Demo
        {
            public static partial class Fns
            {
                /// <summary>The reported shape: the bound computed in the condition from n, a length and a constant.</summary>
                [Differentiable]
                public static double Computed(double[] p, int n)
                {
                    double y = p[0], v = p[1];
                    for (int i = 0; i < n * (p.Length - 2); i++)
                    {
                        double dv = -p[2] * y - 0.1 * v * v * v + Math.Sin(y);
                        y = y + 0.05 * v;
                        v = v + 0.05 * dv;
                    }
                    return y * y + v;
                }

                /// <summary>As reported to the lead: a loop that only accumulates (nothing taped).</summary>
                [Differentiable]
                public static double Accumulated(double[] p, int n)
                {
                    double s = 0;
                    for (int i = 0; i < n * (p.Length - 2); i++) s += p[i % p.Length] * p[(i + 1) % p.Length];
                    return s;
                }

                /// <summary>A bound that is a quotient of a length.</summary>
                [Differentiable]
                public static double Half(double[] p, int n)
                {
                    double s = p[0];
                    for (int i = 0; i < p.Length / 2; i++) s = Math.Sin(s * p[2 * i]) + p[2 * i + 1] * s * s;
                    return s * n;
                }

                /// <summary>A bound read from values computed before the loop, one of them <c>n - 1</c> (read through as n and −1 at the top, here under a product).</summary>
                [Differentiable]
                public static double Before(double[] p, int n)
                {
                    double y = p[0];
                    int m = n - 1;
                    int k = p.Length - 1;
                    for (int i = 0; i < m * k; i++) y = y * p[i % p.Length] + 0.1 * Math.Sin(y);
                    return y;
                }

                /// <summary>As <c>Before</c> with <c>n - 1</c> computed last, after where the reserve goes: computed again there.</summary>
                [Differentiable]
                public static double BeforeLate(double[] p, int n)
                {
                    double y = p[0];
                    int k = p.Length - 1;
                    int m = n - 1;
                    for (int i = 0; i < m * k; i++) y = y * p[i % p.Length] + 0.1 * Math.Sin(y);
                    return y;
                }

                /// <summary>A value recorded before a loop whose start and bound are computed before it from n and constants.</summary>
                [Differentiable]
                public static double BeforeAfterPush(double[] p, int n)
                {
                    double y = Math.Sin(p[0]) * p[1];
                    int m = 2 * n + 1;
                    int start = n - 2;
                    for (int i = start; i < m; i++) y = y * Math.Cos(y * p[(i + 4) % p.Length]) + p[2];
                    return y * y;
                }

                /// <summary>Nested loops, the inner bound from the outer counter.</summary>
                [Differentiable]
                public static double Nested(double[] p, int n)
                {
                    double y = p[0];
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = 0; j < i + 1; j++) y = y * p[(i + j) % p.Length] + 0.1 * Math.Sin(y);
                    }
                    return y * p[1];
                }

                /// <summary>Nested loops, the inner bound a product of the outer counter and a length.</summary>
                [Differentiable]
                public static double NestedComputed(double[] p, int n)
                {
                    double y = p[0];
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = i; j < (i + 1) * (p.Length - 3); j++) y = y * p[j % p.Length] + 0.1 * Math.Cos(y * p[2]);
                    }
                    return y * p[1];
                }
            }
        }
        """;

    private static readonly string[] Shapes = { "Computed", "Accumulated", "Half", "Before", "BeforeLate", "BeforeAfterPush", "Nested", "NestedComputed" };

    /// <summary>
    /// The shapes whose loop records values with a trip count known on entry, so that their Hvp reserves room (not Half:
    /// <c>LoopTrips</c> does not take a quotient as a bound, so its loop's pushes check and grow the tape).
    /// </summary>
    private static readonly string[] Taped = { "Computed", "Before", "BeforeLate", "BeforeAfterPush", "Nested", "NestedComputed" };

    private static readonly double[] Point = { 0.7, 0.9, 0.6, 0.8, 0.55 };

    private static GeneratorRun? s_run;
    private static LoadedAssembly? s_loaded;

    private static GeneratorRun Run => s_run ??= GeneratorHarness.Run(Source);

    private static LoadedAssembly Loaded
    {
        get
        {
            if (s_loaded != null) return s_loaded;
            Run.AssertNoErrors();
            return s_loaded = Run.Load();
        }
    }

    [OneTimeTearDown]
    public void Unload() => s_loaded?.Dispose();

    [Test]
    public void No_shape_gets_a_diagnostic()
    {
        Assert.That(Run.GeneratorExceptions, Is.Empty);
        Assert.That(Run.GeneratorDiagnostics.Select(GeneratorHarness.Format), Is.Empty);
        Run.AssertNoErrors();
        foreach (string shape in Shapes)
        {
            string text = Run.Generated("Demo.Fns." + shape + ".g.cs");
            foreach (string companion in new[] { "Gradient", "Vjp", "Jvp", "Hvp", "Hessian" })
                Assert.That(text, Does.Contain(" " + shape + companion + "("), shape + ": its " + companion);
        }
    }

    [TestCaseSource(nameof(Taped))]
    public void The_loops_tapes_are_reserved_in_the_Hvp(string shape)
    {
        string text = Run.Generated("Demo.Fns." + shape + ".g.cs");
        int hvp = text.IndexOf(" " + shape + "Hvp(", StringComparison.Ordinal);
        int next = text.IndexOf("[global::System.CodeDom.Compiler.GeneratedCode", hvp, StringComparison.Ordinal);
        string body = next < 0 ? text.Substring(hvp) : text.Substring(hvp, next - hvp);
        Assert.That(body, Does.Contain(".Reserve("), shape + "Hvp reserves room");
        Assert.That(body, Does.Match(GeneratedCode.ReservedPush), shape + "Hvp pushes into reserved room");
    }

    [Test]
    public void Gradient_and_Hvp_agree_with_central_differences([ValueSource(nameof(Shapes))] string shape, [Values(0, 1, 2, 4)] int n)
    {
        var f = Loaded.Delegate<Func<double[], int, double>>("Demo.Fns", shape);
        var gradient = Loaded.Delegate<Gradient>("Demo.Fns", shape + "Gradient");
        var hvp = Loaded.Delegate<Hvp>("Demo.Fns", shape + "Hvp");
        int count = Point.Length;
        string at = $"{shape}(n = {n})";

        double value = f(Point, n);
        var dp = new double[count];
        Assert.That(BitConverter.DoubleToInt64Bits(gradient(Point, n, dp)), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), at + ": the Gradient's primal, bit for bit");
        var numeric = GradientCheck.FiniteDifferenceGradient(q => f(q, n), Point);
        for (int i = 0; i < count; i++)
            Assert.That(dp[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"{at}: ∂/∂p[{i}] against central differences");

        var v = new[] { 0.3, -0.2, 0.5, 0.1, -0.4 };
        var hv = new double[count];
        Assert.That(BitConverter.DoubleToInt64Bits(hvp(Point, n, v, hv)), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)), at + ": the Hvp's primal, bit for bit");
        const double h = 1e-5;
        var plus = new double[count];
        var minus = new double[count];
        gradient(Point.Select((x, i) => x + h * v[i]).ToArray(), n, plus);
        gradient(Point.Select((x, i) => x - h * v[i]).ToArray(), n, minus);
        for (int i = 0; i < count; i++)
        {
            double expected = (plus[i] - minus[i]) / (2 * h);
            Assert.That(hv[i], Is.EqualTo(expected).Within(1e-6 * Math.Max(1, Math.Abs(expected))), $"{at}: (H·v)[{i}] against central differences of the gradient");
        }
    }
}

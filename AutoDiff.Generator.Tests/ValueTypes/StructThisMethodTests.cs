using System;
using System.Linq;
using AutoDiff;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>A struct whose [Differentiable] instance methods read <c>this</c>: a parameterless one (<c>Length()</c>) too.</summary>
public partial struct Arrow
{
    public double X;
    public double Y;
    public double Z;

    public Arrow(double x, double y, double z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    [Differentiable]
    public static Arrow operator -(Arrow a, Arrow b) => new Arrow(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    /// <summary>No parameter: differentiated in place of each call (no companions of its own, no ADIFF009).</summary>
    [Differentiable]
    public double Length() => Math.Sqrt(X * X + Y * Y + Z * Z);

    [Differentiable]
    public double Dot(Arrow other) => X * other.X + Y * other.Y + Z * other.Z;
}

public static partial class ThisMethods
{
    [Differentiable]
    public static double Norm(Arrow v) => v.Length();

    [Differentiable]
    public static double Distance(Arrow a, Arrow b) => (a - b).Length();

    [Differentiable]
    public static double Cosine(Arrow a, Arrow b) => a.Dot(b) / (a.Length() * b.Length());

    /// <summary>Calls in a loop, on a local built from the inputs each iteration.</summary>
    [Differentiable]
    public static double Path(Arrow a, double s, int n)
    {
        double sum = 0;
        var p = a;
        for (int i = 0; i < n; i++)
        {
            var q = new Arrow(p.X * s, p.Y + s, p.Z - 0.5 * s);
            sum += (q - p).Length();
            p = q;
        }
        return sum;
    }
}

/// <summary>
/// Calls to a struct's [Differentiable] instance methods that read <c>this</c> (issue 16): <c>v.Length()</c>,
/// <c>a.Dot(b)</c>, <c>(a - b).Length()</c>, in loops; against central differences, a hand formula, reverse against
/// forward mode, the Hessian against differences of the gradient, the primal bit for bit, and 0 B per call.
/// </summary>
public sealed class StructThisMethodTests
{
    private static void Near(double actual, double expected, string what, double tolerance = 1e-6) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    private static double[] Of(Arrow v) => new[] { v.X, v.Y, v.Z };

    private static Arrow Moved(Arrow v, int i, double h) =>
        new Arrow(v.X + (i == 0 ? h : 0), v.Y + (i == 1 ? h : 0), v.Z + (i == 2 ? h : 0));

    /// <summary>Central difference of <paramref name="f"/> along leaf <paramref name="i"/> of <paramref name="v"/>.</summary>
    private static double Difference(Func<Arrow, double> f, Arrow v, int i, double h = 1e-6) => (f(Moved(v, i, h)) - f(Moved(v, i, -h))) / (2 * h);

    [TestCase(0.6, -1.7, 2.2)]
    [TestCase(-2.5, 0.3, 0.9)]
    public void Length_of_a_parameter_is_the_hand_formula(double x, double y, double z)
    {
        var v = new Arrow(x, y, z);
        double value = ThisMethods.NormGradient(v, out Arrow dv);
        Assert.That(value, Is.EqualTo(ThisMethods.Norm(v)), "primal bit for bit");
        Assert.That(value, Is.EqualTo(v.Length()), "the method's own value bit for bit");
        double r = Math.Sqrt(x * x + y * y + z * z);
        Near(dv.X, x / r, "d/dX by hand");
        Near(dv.Y, y / r, "d/dY by hand");
        Near(dv.Z, z / r, "d/dZ by hand");
        for (int i = 0; i < 3; i++) Near(Of(dv)[i], Difference(ThisMethods.Norm, v, i), $"leaf {i} by differences");

        var dot = new Arrow(0.3, -1.1, 0.4);
        Assert.That(ThisMethods.NormJvp(v, dot, out double tangent), Is.EqualTo(value));
        Near(tangent, dot.X * dv.X + dot.Y * dv.Y + dot.Z * dv.Z, "Jvp = gradient · tangent");
    }

    [TestCase(0.6, -1.7, 2.2)]
    [TestCase(-2.5, 0.3, 0.9)]
    public void Hessian_of_a_Length_call_matches_differences_of_the_gradient(double x, double y, double z)
    {
        var v = new Arrow(x, y, z);
        var h = new double[9];
        Assert.That(ThisMethods.NormHessian(v, h), Is.EqualTo(ThisMethods.Norm(v)), "primal bit for bit");
        const double e = 1e-5;
        for (int j = 0; j < 3; j++)
        {
            ThisMethods.NormGradient(Moved(v, j, e), out Arrow gp);
            ThisMethods.NormGradient(Moved(v, j, -e), out Arrow gm);
            for (int i = 0; i < 3; i++) Near(h[i * 3 + j], (Of(gp)[i] - Of(gm)[i]) / (2 * e), $"H[{i},{j}]", 1e-5);
        }
        // ∇²|v| = (I − u uᵀ) / r.
        double r = v.Length();
        Near(h[0], (1 - x * x / (r * r)) / r, "XX by hand");
        Near(h[1], -x * y / (r * r * r), "XY by hand");
    }

    [Test]
    public void Length_of_a_difference_and_reverse_against_forward()
    {
        var a = new Arrow(1.2, -0.4, 0.7);
        var b = new Arrow(-0.3, 0.9, 2.1);
        double value = ThisMethods.DistanceGradient(a, b, out Arrow da, out Arrow db);
        Assert.That(value, Is.EqualTo(ThisMethods.Distance(a, b)), "primal bit for bit");
        var d = a - b;
        double r = d.Length();
        Near(da.X, d.X / r, "∂/∂a.X by hand");
        Near(db.Z, -d.Z / r, "∂/∂b.Z by hand");
        for (int i = 0; i < 3; i++)
        {
            Near(Of(da)[i], Difference(p => ThisMethods.Distance(p, b), a, i), $"a leaf {i} by differences");
            Near(Of(db)[i], Difference(p => ThisMethods.Distance(a, p), b, i), $"b leaf {i} by differences");
        }
        var aDot = new Arrow(0.2, 0.5, -0.7);
        var bDot = new Arrow(-1.0, 0.1, 0.3);
        Assert.That(ThisMethods.DistanceJvp(a, b, aDot, bDot, out double tangent), Is.EqualTo(value));
        Near(tangent, aDot.Dot(da) + bDot.Dot(db), "Jvp against the gradient");
    }

    [Test]
    public void Dot_with_this_active_and_Length_on_both()
    {
        var a = new Arrow(1.2, -0.4, 0.7);
        var b = new Arrow(-0.3, 0.9, 2.1);
        double value = ThisMethods.CosineGradient(a, b, out Arrow da, out Arrow db);
        Assert.That(value, Is.EqualTo(ThisMethods.Cosine(a, b)), "primal bit for bit");
        for (int i = 0; i < 3; i++)
        {
            Near(Of(da)[i], Difference(p => ThisMethods.Cosine(p, b), a, i), $"a leaf {i} by differences");
            Near(Of(db)[i], Difference(p => ThisMethods.Cosine(a, p), b, i), $"b leaf {i} by differences");
        }
        // ∂cos/∂a = b / (|a||b|) − cos · a / |a|².
        double la = a.Length(), lb = b.Length();
        Near(da.Y, b.Y / (la * lb) - value * a.Y / (la * la), "∂/∂a.Y by hand");
        var aAdj = new Arrow(0.5, 0, 0);
        var bAdj = default(Arrow);
        Assert.That(ThisMethods.CosineVjp(a, b, 2.0, ref aAdj, ref bAdj), Is.EqualTo(value));
        Near(aAdj.X, 0.5 + 2.0 * da.X, "Vjp adds seed × gradient");
        Near(bAdj.Z, 2.0 * db.Z, "Vjp adds seed × gradient");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4)]
    public void Calls_in_a_loop(int n)
    {
        var a = new Arrow(0.8, -0.3, 1.1);
        const double s = 0.9;
        double value = ThisMethods.PathGradient(a, s, n, out Arrow da, out double ds);
        Assert.That(value, Is.EqualTo(ThisMethods.Path(a, s, n)), "primal bit for bit");
        for (int i = 0; i < 3; i++) Near(Of(da)[i], Difference(p => ThisMethods.Path(p, s, n), a, i), $"a leaf {i} by differences");
        Near(ds, (ThisMethods.Path(a, s + 1e-6, n) - ThisMethods.Path(a, s - 1e-6, n)) / 2e-6, "∂/∂s by differences");
        var aDot = new Arrow(0.2, 0.5, -0.7);
        Assert.That(ThisMethods.PathJvp(a, s, n, aDot, 0.3, out double tangent), Is.EqualTo(value));
        Near(tangent, aDot.Dot(da) + 0.3 * ds, "Jvp against the gradient");
    }

    [Test]
    public void A_parameterless_instance_method_gets_no_diagnostic_and_no_companions_of_its_own()
    {
        var r = GeneratorHarness.Run("""
            using System;
            using AutoDiff;

            namespace Demo;

            public partial struct V
            {
                public double X, Y;

                [Differentiable]
                public double Length() => Math.Sqrt(X * X + Y * Y);
            }

            public static partial class Fns
            {
                [Differentiable]
                public static double Norm(V v) => 2 * v.Length();
            }
            """);
        r.AssertNoErrors();
        Assert.That(r.AnalyzerDiagnostics().Select(GeneratorHarness.Format), Is.Empty, "no ADIFF009 at Length, no ADIFF004 at the call");
        Assert.That(r.GeneratorDiagnostics.Select(GeneratorHarness.Format), Is.Empty);
        Assert.That(r.GeneratedSources.Keys.Where(k => k.Contains("Length")), Is.Empty, "Length is only differentiated in place");
        Assert.That(r.Generated("Demo.Fns.Norm.g.cs"), Does.Contain("NormGradient"));
    }

    [Test]
    public void No_allocation()
    {
        var a = new Arrow(1.2, -0.4, 0.7);
        var b = new Arrow(-0.3, 0.9, 2.1);
        double sink = 0;
        for (int i = 0; i < 10; i++) sink += ThisMethods.CosineGradient(a, b, out _, out _) + ThisMethods.PathGradient(a, 0.9, 3, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) sink += ThisMethods.CosineGradient(a, b, out _, out _) + ThisMethods.PathGradient(a, 0.9, 3, out _, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}

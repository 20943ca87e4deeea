using System;
using System.Numerics;
using AutoDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.ValueTypes;

public static partial class ComplexSpans
{
    /// <summary>A real function of a span of complex numbers (viewed in place as its real, imaginary pairs).</summary>
    [Differentiable]
    public static double Energy(ReadOnlySpan<Complex> zs, double x)
    {
        double e = 0;
        for (int i = 0; i < zs.Length; i++)
        {
            var z = zs[i];
            e += (z * z * x).Real + Complex.Abs(z) + (Complex.Exp(z) * zs[0]).Imaginary;
        }
        return e;
    }
}

/// <summary>
/// <c>ReadOnlySpan&lt;Complex&gt;</c> as an active input (issue 16): Complex's row states its layout (real, imaginary), so a
/// span of them is differentiated in place; against central differences, reverse against forward mode, the primal bit for bit, 0 B.
/// </summary>
public sealed class ComplexSpanTests
{
    private static void Near(double actual, double expected, string what, double tolerance = 1e-6) =>
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance * (1 + Math.Abs(expected))), what);

    private static readonly Complex[] Zs = { new(0.7, 0.2), new(-0.4, 1.1), new(1.3, -0.6) };

    private static Complex[] Moved(Complex[] zs, int i, int part, double h)
    {
        var m = (Complex[])zs.Clone();
        m[i] += part == 0 ? new Complex(h, 0) : new Complex(0, h);
        return m;
    }

    [Test]
    public void Gradient_matches_differences_and_forward_mode()
    {
        const double x = 0.8;
        var dzs = new Complex[Zs.Length];
        double value = ComplexSpans.EnergyGradient(Zs, x, dzs, out double dx);
        Assert.That(value, Is.EqualTo(ComplexSpans.Energy(Zs, x)), "primal bit for bit");
        const double h = 1e-6;
        for (int i = 0; i < Zs.Length; i++)
        {
            double fr = (ComplexSpans.Energy(Moved(Zs, i, 0, h), x) - ComplexSpans.Energy(Moved(Zs, i, 0, -h), x)) / (2 * h);
            double fi = (ComplexSpans.Energy(Moved(Zs, i, 1, h), x) - ComplexSpans.Energy(Moved(Zs, i, 1, -h), x)) / (2 * h);
            Near(dzs[i].Real, fr, $"d/d Re zs[{i}] by differences");
            Near(dzs[i].Imaginary, fi, $"d/d Im zs[{i}] by differences");
        }
        Near(dx, (ComplexSpans.Energy(Zs, x + h) - ComplexSpans.Energy(Zs, x - h)) / (2 * h), "d/dx by differences");

        var dot = new[] { new Complex(0.2, -0.1), new Complex(-0.5, 0.4), new Complex(0.7, 0.3) };
        Assert.That(ComplexSpans.EnergyJvp(Zs, x, dot, 0.25, out double tangent), Is.EqualTo(value), "primal bit for bit");
        double expected = 0.25 * dx;
        for (int i = 0; i < Zs.Length; i++) expected += dot[i].Real * dzs[i].Real + dot[i].Imaginary * dzs[i].Imaginary;
        Near(tangent, expected, "Jvp = gradient · tangent");

        var adj = new Complex[Zs.Length];
        adj[1] = new Complex(1, 2);
        double xAdj = 0.5;
        Assert.That(ComplexSpans.EnergyVjp(Zs, x, 2.0, adj, ref xAdj), Is.EqualTo(value));
        Near(adj[1].Imaginary, 2 + 2 * dzs[1].Imaginary, "Vjp accumulates");
        Near(adj[0].Real, 2 * dzs[0].Real, "Vjp");
        Near(xAdj, 0.5 + 2 * dx, "Vjp x");
    }

    [Test]
    public void No_allocation()
    {
        var dzs = new Complex[Zs.Length];
        double sink = 0;
        for (int i = 0; i < 10; i++) sink += ComplexSpans.EnergyGradient(Zs, 0.8, dzs, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) sink += ComplexSpans.EnergyGradient(Zs, 0.8, dzs, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }
}

using System;
using System.Linq;
using AutoDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>
/// The three-way check of a generated gradient of a function of one <c>double[]</c> (central differences, forward mode,
/// the value bit for bit), H·v against differences of the gradient, and the pooled tape bytes of one call. Shared by the
/// numeric tests of the reverse sweep's planning (<c>RecordOnceTests</c>, <c>AccumulateInPlaceTests</c>,
/// <c>RestoredReadTests</c>); import with <c>using static</c>.
/// </summary>
public static class ArrayDerivativeAssert
{
    public delegate double Gradient(double[] x, double[] dx);

    public delegate double Jvp(double[] x, double[] dx, out double tangent);

    public delegate double Hvp(double[] x, double[] v, double[] hv);

    /// <summary>A reproducible point with coordinates in [−0.6, 0.6).</summary>
    public static double[] Point(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1.2 - 0.6).ToArray();
    }

    /// <summary>Value bit for bit, gradient against central differences and against the Jvp along each unit direction; returns the gradient.</summary>
    public static double[] Check(Func<double[], double> f, Gradient gradient, Jvp jvp, double[] x)
    {
        var g = Enumerable.Repeat(double.NaN, x.Length).ToArray();
        Assert.That(gradient(x, g), Is.EqualTo(f(x)), "Gradient returns the value bit for bit");
        var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(g[i], Is.EqualTo(numeric[i]).Within(1e-6 * Math.Max(1, Math.Abs(numeric[i]))), $"∂f/∂x[{i}] against central differences");
            var direction = new double[x.Length];
            direction[i] = 1;
            Assert.That(jvp(x, direction, out double tangent), Is.EqualTo(f(x)), "Jvp returns the value bit for bit");
            Assert.That(g[i], Is.EqualTo(tangent).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), $"∂f/∂x[{i}]: reverse against forward");
        }
        return g;
    }

    /// <summary>H·v against central differences of the Gradient along v, and the value bit for bit.</summary>
    public static void CheckHvp(Func<double[], double> f, Gradient gradient, Hvp hvp, double[] x, double[] v)
    {
        var hv = Enumerable.Repeat(double.NaN, x.Length).ToArray();
        Assert.That(hvp(x, v, hv), Is.EqualTo(f(x)), "Hvp returns the value bit for bit");
        const double h = 1e-5;
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        gradient(x.Zip(v, (a, b) => a + h * b).ToArray(), plus);
        gradient(x.Zip(v, (a, b) => a - h * b).ToArray(), minus);
        for (int i = 0; i < x.Length; i++)
        {
            double numeric = (plus[i] - minus[i]) / (2 * h);
            Assert.That(hv[i], Is.EqualTo(numeric).Within(1e-5 * Math.Max(1, Math.Abs(numeric))), $"(H·v)[{i}] against differences of the gradient");
        }
    }

    /// <summary>The pooled tape memory of one call (after a first call, so the pool has the arrays).</summary>
    public static long TapeBytes(Action call)
    {
        call();
        Tape.ResetRentedBytes();
        call();
        return Tape.RentedBytes;
    }
}

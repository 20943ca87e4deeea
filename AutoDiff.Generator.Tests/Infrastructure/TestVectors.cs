using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>
/// Points and comparisons of the numeric tests of the passes over loops (<c>PromoteElementsTests</c>,
/// <c>PromoteIterationTests</c>, <c>FuseAdjointLoopsTests</c>, <c>VectorSumsTests</c>); import with <c>using static</c>.
/// </summary>
public static class TestVectors
{
    /// <summary>A reproducible point with coordinates in [−0.8, 0.8).</summary>
    public static double[] Point(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1.6 - 0.8).ToArray();
    }

    /// <summary>Each element within <paramref name="tolerance"/>, relative to the expected element's size (absolute below 1).</summary>
    public static void AssertClose(double[] actual, double[] expected, double tolerance, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tolerance * Math.Max(1, Math.Abs(expected[i]))), $"{what}[{i}]");
    }

    public static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();
}

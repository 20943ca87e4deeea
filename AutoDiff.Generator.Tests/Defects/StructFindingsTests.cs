using System;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>A readonly struct (rebuilt through its constructor) nested in a struct without a constructor (rebuilt with an initializer).</summary>
public readonly struct FrozenPoint
{
    public readonly double X;
    public readonly double Y;

    public FrozenPoint(double x, double y)
    {
        X = x;
        Y = y;
    }
}

public struct Holder
{
    public FrozenPoint A;
    public double S;
    public int Count;
}

public static partial class StructFindings
{
    [Differentiable]
    public static double Spread(Holder h) => h.A.X * h.S + Math.Sin(h.A.Y) + 0.5 * h.Count;
}

/// <summary>Findings of the struct fuzzer (<c>Fuzzing/StructProgramGenerator.cs</c>).</summary>
public sealed class StructFindingsTests
{
    /// <summary>
    /// A struct whose adjoint is rebuilt with <c>default(Holder) with { A = new FrozenPoint({0}, {1}), … }</c>: the
    /// initializer's braces went unescaped into <c>string.Format</c> (ADIFF099, FormatException, for every such method).
    /// </summary>
    [Test]
    public void Struct_rebuilt_with_an_initializer_around_a_readonly_struct()
    {
        var h = new Holder { A = new FrozenPoint(0.7, -0.4), S = 1.3, Count = 3 };
        double value = StructFindings.SpreadGradient(h, out Holder d);
        Assert.That(value, Is.EqualTo(StructFindings.Spread(h)));
        Assert.That(d.A.X, Is.EqualTo(1.3).Within(1e-15));
        Assert.That(d.A.Y, Is.EqualTo(Math.Cos(-0.4)).Within(1e-15));
        Assert.That(d.S, Is.EqualTo(0.7).Within(1e-15));

        var adj = new Holder { A = new FrozenPoint(0.25, 0.25), S = 0.25 };
        Assert.That(StructFindings.SpreadVjp(h, 2.0, ref adj), Is.EqualTo(value));
        Assert.That(adj.A.X, Is.EqualTo(0.25 + 2 * 1.3).Within(1e-14));
        Assert.That(adj.A.Y, Is.EqualTo(0.25 + 2 * Math.Cos(-0.4)).Within(1e-14));
        Assert.That(adj.S, Is.EqualTo(0.25 + 2 * 0.7).Within(1e-14));
    }
}

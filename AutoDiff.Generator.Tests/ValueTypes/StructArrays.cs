using System;
using AutoDiff;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>A particle: a struct of doubles only, so an array of them is differentiated in place as its numbers.</summary>
public record struct Particle(double X, double Y, double Mass);

/// <summary>A nested struct of floats (float leaves, depth first).</summary>
public struct Stick
{
    public Vec2f A;
    public Vec2f B;
}

public struct Vec2f
{
    public float X;
    public float Y;
}

/// <summary>Arrays and spans of structs (issue 16) as active inputs and as outputs of vector-valued methods.</summary>
public static partial class StructArrays
{
    /// <summary>Potential energy of pairwise springs plus gravity: element field reads in nested loops.</summary>
    [Differentiable]
    public static double Energy(Particle[] ps, double k)
    {
        double e = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            e += 9.81 * ps[i].Mass * ps[i].Y;
            for (int j = i + 1; j < ps.Length; j++)
            {
                double dx = ps[i].X - ps[j].X, dy = ps[i].Y - ps[j].Y;
                e += 0.5 * k * (dx * dx + dy * dy) * ps[i].Mass * ps[j].Mass;
            }
        }
        return e;
    }

    /// <summary>A span of structs, a whole element read into a local and a foreach-free loop.</summary>
    [Differentiable]
    public static double CenterOfMassX(ReadOnlySpan<Particle> ps)
    {
        double m = 0, mx = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            var p = ps[i];
            m += p.Mass;
            mx += p.Mass * p.X;
        }
        return mx / m;
    }

    /// <summary>Floats, nested structs.</summary>
    [Differentiable]
    public static float TotalLength(Stick[] sticks)
    {
        float total = 0;
        for (int i = 0; i < sticks.Length; i++)
        {
            float dx = sticks[i].B.X - sticks[i].A.X, dy = sticks[i].B.Y - sticks[i].A.Y;
            total += MathF.Sqrt(dx * dx + dy * dy);
        }
        return total;
    }

    /// <summary>A vector-valued method writing whole elements and single fields of a span of structs.</summary>
    [Differentiable]
    public static void Step(ReadOnlySpan<Particle> ps, double dt, Span<Particle> next)
    {
        for (int i = 0; i < ps.Length; i++)
        {
            next[i] = new Particle(ps[i].X + dt * ps[i].Y, ps[i].Y, ps[i].Mass);
            next[i].Y = ps[i].Y - dt * Math.Sin(ps[i].X);
        }
    }

    /// <summary>An ordinary method (not [Differentiable]) taking a struct: data to the methods below.</summary>
    public static double Weight(Particle p) => 2 * p.Mass + p.X;

    /// <summary>A struct parameter that is data, passed to an ordinary method: it runs as written.</summary>
    [Differentiable]
    public static double Scaled(double x, [NoDerivative] Particle p) => x * x * Weight(p);

    /// <summary>A local struct made of constants, passed to an ordinary method.</summary>
    [Differentiable]
    public static double WithLocal(double x, int n)
    {
        var q = new Particle(n, 0.5, 3);
        return x * Weight(q);
    }
}

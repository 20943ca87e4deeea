using System;
using AutoDiff;

namespace AutoDiff.Generator.Tests.ValueTypes;

/// <summary>A mutable struct of doubles: its derivative is written leaf by leaf (<c>pAdj.X += …</c>).</summary>
public partial struct Point
{
    public double X;
    public double Y;

    public Point(double x, double y)
    {
        X = x;
        Y = y;
    }

    [Differentiable]
    public static Point operator +(Point a, Point b) => new Point(a.X + b.X, a.Y + b.Y);

    [Differentiable]
    public static Point operator *(double k, Point a) => new Point(k * a.X, k * a.Y);

    [Differentiable]
    public double Dot(Point other) => X * other.X + Y * other.Y;

    /// <summary>A computed property: its getter is differentiated in place where it is read.</summary>
    public double Length => Math.Sqrt(X * X + Y * Y);

    public static Point Origin() => new Point(0.25, -0.5);
}

/// <summary>A class holding a struct: its field is data to a [Differentiable] method of the class.</summary>
public sealed partial class Scene
{
    public Point Light = new Point(1.0, 2.0);

    [Differentiable]
    public double Brightness(Point p)
    {
        var d = new Point(p.X - Light.X, p.Y - Light.Y);
        var o = Point.Origin();
        return 1.0 / (1.0 + d.Length * d.Length) + o.X * p.Y;
    }
}

/// <summary>A readonly struct: its derivative is rebuilt through the constructor.</summary>
public readonly struct Polar
{
    public readonly double R;
    public readonly double Theta;

    public Polar(double r, double theta)
    {
        R = r;
        Theta = theta;
    }
}

/// <summary>A record struct with a pass-through field (copied, never differentiated).</summary>
public record struct Sample(double Value, double Weight, int Id);

/// <summary>Nested structs.</summary>
public struct Segment
{
    public Point A;
    public Point B;
}

public static partial class Structs
{
    [Differentiable]
    public static double Norm(Point p) => Math.Sqrt(p.X * p.X + p.Y * p.Y);

    [Differentiable]
    public static double Area(Polar q, double scale) => scale * q.R * q.R * Math.Sin(q.Theta);

    [Differentiable]
    public static double Weighted(Sample s) => s.Value * s.Weight + s.Id;

    [Differentiable]
    public static double Length(Segment s)
    {
        double dx = s.B.X - s.A.X;
        double dy = s.B.Y - s.A.Y;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    [Differentiable]
    public static double Locals(double x, double y)
    {
        var p = new Point(x, y);
        var q = new Point { X = y, Y = x * 2 };
        Point r = default;
        r.X = p.X * q.Y;
        r.Y += p.Y;
        var s = new Sample(r.X, r.Y, 3) with { Weight = x };
        return r.X + r.Y * s.Weight + s.Value;
    }

    [Differentiable]
    public static Point Rotate(Point p, double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new Point(c * p.X - s * p.Y, s * p.X + c * p.Y);
    }

    [Differentiable]
    public static (double, double) SinCos(double x)
    {
        var (s, c) = (Math.Sin(x), Math.Cos(x));
        return (s * c, c - s);
    }

    [Differentiable]
    public static double Operators(Point p, Point q, double k)
    {
        var r = p + k * q;
        return r.Dot(p) + ((p.X, p.Y) == (q.X, q.Y) ? 1.0 : 0.0);
    }

    [Differentiable]
    public static double Swap(double a, double b, int n)
    {
        for (int i = 0; i < n; i++)
        {
            (a, b) = (b, a * b + 0.5);
        }
        return a - b;
    }
}

public static partial class RecordStructs
{
    [Differentiable]
    public static double Same(Sample a, Sample b) => a == b ? a.Value * b.Weight : a.Value - b.Value;
}

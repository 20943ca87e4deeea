using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Calls between [Differentiable] methods: chains, nesting, calls in loops and branches, recursion.</summary>
public static partial class Calls
{
    [Differentiable, At(0.7), At(-1.3)]
    public static double Square(double x) => x * x;

    [Differentiable, At(1.1, 4), At(0.6, 0)]
    public static double Power(double x, int n) => n == 0 ? 1 : x * Power(x, n - 1);

    [Differentiable, At(0.4, 1.3), At(-0.9, 0.2)]
    public static double Nested(double x, double y) => Square(Math.Sin(Square(x) + y)) * Power(y, 3);

    [Differentiable, At(0.4, 1.3)]
    public static double CallInLoop(double x, double y)
    {
        double s = 0;
        for (int i = 0; i < 4; i++)
        {
            if (i % 2 == 0) s += Square(x * i + y);
            else s -= Power(Math.Cos(s), i) * x;
        }
        return s;
    }

    [Differentiable, At(0.3, 0.8)]
    public static double PassThroughAndConstants(double x, double y) => Helper(x, 2.5, 3) + Helper(y, x, 1);

    [Differentiable, At(0.3, 1.1, 2)]
    public static double Helper(double x, double scale, int repeat)
    {
        double r = x;
        for (int i = 0; i < repeat; i++) r = Math.Tanh(r * scale);
        return r;
    }

    [Differentiable, At(0.9, 5), At(-0.4, 3)]
    public static double MutualEven(double x, int n) => n <= 0 ? x : x * MutualOdd(x, n - 1) + 1;

    [Differentiable, At(0.9, 4)]
    public static double MutualOdd(double x, int n) => n <= 0 ? 1 - x : Math.Sin(MutualEven(x, n - 1));
}

/// <summary>Instance methods calling each other on <c>this</c>.</summary>
public sealed partial class Pendulum
{
    private readonly double _length;

    public Pendulum(double length) => _length = length;

    [Differentiable]
    public double Height(double angle) => _length * (1 - Math.Cos(angle));

    [Differentiable]
    public double Energy(double angle, double speed) => 9.81 * Height(angle) + 0.5 * speed * speed * this.Height(angle + 0.1) / _length;
}

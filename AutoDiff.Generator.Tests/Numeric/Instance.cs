using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Instance methods read fields and properties of their object as constants.</summary>
public sealed partial class Spring
{
    private readonly double _stiffness;

    public Spring(double stiffness, double restLength)
    {
        _stiffness = stiffness;
        RestLength = restLength;
    }

    public double RestLength { get; }

    /// <summary>Elastic energy of a spring between two points on a line.</summary>
    [Differentiable]
    public double Energy(double a, double b)
    {
        double stretch = Math.Abs(b - a) - RestLength;
        return 0.5 * _stiffness * stretch * stretch;
    }

    [Differentiable]
    internal double Scaled(double x) => this._stiffness * x * x;
}

public static partial class Outer
{
    public partial struct Nested
    {
        [Differentiable]
        public static double Inner(double x) => Math.Sin(x) * x;
    }
}

using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// A "library" type the generator does not look into: a cubic-plus-sine curve whose methods have no
/// [Differentiable] body, and whose derivatives come from rules taking the receiver first.
/// </summary>
public sealed class Curve
{
    private readonly double _cubic, _wave;

    public Curve(double cubic, double wave)
    {
        _cubic = cubic;
        _wave = wave;
    }

    public double Evaluate(double t) => _cubic * t * t * t + _wave * Math.Sin(t);

    public double Slope(double t) => 3 * _cubic * t * t + _wave * Math.Cos(t);

    public double Curvature(double t) => 6 * _cubic * t - _wave * Math.Sin(t);

    /// <summary>Two differentiated parameters: the curve at t, scaled by s².</summary>
    public double Scaled(double t, double s) => s * s * Evaluate(t);
}

public static partial class CurveRules
{
    /// <summary>A rule for an instance method: the receiver, then the method's parameters. It is itself [Differentiable], so H·v can use it.</summary>
    [DerivativeOf(typeof(Curve), nameof(Curve.Evaluate))]
    [Differentiable]
    public static double EvaluateDerivative([NoDerivative] Curve curve, double t) => curve.SlopeForRule(t);

    [DerivativeOf(typeof(Curve), nameof(Curve.Scaled))]
    public static (double, double) ScaledDerivative(Curve curve, double t, double s) => (s * s * curve.Slope(t), 2 * s * curve.Evaluate(t));

    /// <summary>The slope through a rule of its own, so the rule above is differentiable (its body calls Slope, whose derivative is Curvature).</summary>
    public static double SlopeForRule(this Curve curve, double t) => curve.Slope(t);

    [DerivativeOf(typeof(CurveRules), nameof(SlopeForRule))]
    public static double SlopeForRuleDerivative(Curve curve, double t) => curve.Curvature(t);
}

/// <summary>[Differentiable] methods calling the instance methods that have rules: on a field, on a parameter.</summary>
public sealed partial class CurveFit
{
    private readonly Curve _curve;

    public CurveFit(Curve curve) => _curve = curve;

    [Differentiable]
    public double Loss(double t, double w) => _curve.Evaluate(t * w) * w + 0.5 * t * t;

    [Differentiable]
    public static double Through([NoDerivative] Curve curve, double t, double s) => curve.Scaled(t, s) + curve.Evaluate(s * t);
}

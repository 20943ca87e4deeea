using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Fixtures for second derivatives through calls and custom rules: a caller's Hvp calls each callee's
/// VjpTangent (the tangent of its Vjp) and a [Differentiable] rule's Jvp.
/// </summary>
public static partial class SecondOrderCalls
{
    [Differentiable]
    public static double Square(double x) => x * x;

    /// <summary>(sin(x²) + y)², through two calls to Square.</summary>
    [Differentiable]
    public static double Chain(double x, double y) => Square(Math.Sin(Square(x)) + y);

    /// <summary>A call to a method that itself calls: Chain's VjpTangent calls Square's.</summary>
    [Differentiable]
    public static double Outer(double x, double y) => Chain(x * y, y) * x + Math.Exp(Chain(y, 0.5 * x) * 0.1);

    [Differentiable]
    public static double Step(double s, double rate, [NoDerivative] double dt) => s + dt * Math.Sin(rate * s);

    /// <summary>A call inside a loop whose carried value goes through the call.</summary>
    [Differentiable]
    public static double Integrate(double s0, double rate, int steps)
    {
        double s = s0;
        for (int i = 0; i < steps; i++) s = Step(s, rate, 0.1);
        return s * s + rate * s;
    }

    /// <summary>xⁿ by recursion: ∂²/∂x² = n(n−1)xⁿ⁻².</summary>
    [Differentiable]
    public static double Power(double x, int n) => n == 0 ? 1 : x * Power(x, n - 1);

    [Differentiable]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Span arguments: a local buffer and an input, the same array twice, and a scalar.</summary>
    [Differentiable]
    public static double Spans(double[] w, double scale)
    {
        Span<double> buffer = stackalloc double[w.Length];
        for (int i = 0; i < w.Length; i++) buffer[i] = Math.Sin(w[i] * scale);
        double d = Dot(buffer, w);
        double e = Dot(w, w);
        return d * scale + Math.Log(1 + e);
    }

    /// <summary>
    /// The error function by its Maclaurin series (to rounding for |x| ≤ 2). Any body would do, since the derivative
    /// comes from the rule, which is itself [Differentiable]; this one matches the rule, so finite differences agree.
    /// </summary>
    public static double Erf(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 60; n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    [DerivativeOf(typeof(SecondOrderCalls), nameof(Erf))]
    [Differentiable]
    public static double ErfDerivative(double x) => 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x);

    /// <summary>Erf(x·y)·y + x with Erf′ from the rule: the second derivatives need the rule's own derivative.</summary>
    [Differentiable]
    public static double WithRule(double x, double y) => Erf(x * y) * y + x;
}

/// <summary>Calls on this: a caller's Hvp calls the callee's VjpTangent on the same instance.</summary>
public sealed partial class Oscillator
{
    private readonly double _stiffness;

    public Oscillator(double stiffness) => _stiffness = stiffness;

    [Differentiable]
    public double Potential(double x) => 0.5 * _stiffness * x * x + 0.1 * x * x * x * x;

    [Differentiable]
    public double Energy(double x, double v) => Potential(x - 0.3 * v) + 0.5 * v * v * Potential(v);
}

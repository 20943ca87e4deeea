using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>A special function the generator does not look into, with a hand-written rule.</summary>
public static class Special
{
    /// <summary>erf(x) by the Abramowitz–Stegun 7.1.26 approximation (|error| &lt; 1.5e-7).</summary>
    public static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }

    /// <summary>A function of two variables with a closed-form gradient; its body is opaque to the generator.</summary>
    public static double Hypot(double x, double y) => Math.Sqrt(x * x + y * y);
}

public static partial class CustomDerivatives
{
    [DerivativeOf(typeof(Special), nameof(Special.Erf))]
    public static double ErfDerivative(double x) => 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x);

    [DerivativeOf(typeof(Special), nameof(Special.Hypot))]
    public static (double, double) HypotDerivative(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        return (x / r, y / r);
    }

    /// <summary>A System.Math member outside the built-in table, given a rule the same way.</summary>
    [DerivativeOf(typeof(Math), nameof(Math.IEEERemainder))]
    public static (double, double) IEEERemainderDerivative(double x, double y) => (1.0, -Math.Round(x / y));

    [Differentiable, At(0.4, 1.3), At(-0.8, 0.5)]
    public static double UsesRules(double x, double y)
    {
        double s = 0;
        for (int i = 1; i <= 3; i++) s += Special.Erf(x * i) * Special.Hypot(x, y * i);
        return s + Math.IEEERemainder(y, 0.7);
    }
}

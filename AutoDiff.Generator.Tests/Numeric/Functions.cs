using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Double-precision fixtures: one per operator and Math function, plus combinations. The generator
/// runs over this file at build time, as in a user's project; <see cref="DerivativeTests"/> checks
/// every companion of every method here against finite differences and against the other mode.
/// </summary>
public static partial class Functions
{
    private const double Scale = 2.5;

    [Differentiable, At(1.3, -0.7), At(-2.1, 0.4)]
    public static double Add(double x, double y) => x + y;

    [Differentiable, At(1.3, -0.7)]
    public static double Subtract(double x, double y) => x - y;

    [Differentiable, At(1.3, -0.7), At(0.2, 3.1)]
    public static double Multiply(double x, double y) => x * y;

    [Differentiable, At(1.3, -0.7), At(-0.4, 2.2)]
    public static double Divide(double x, double y) => x / y;

    [Differentiable, At(1.3)]
    public static double Negate(double x) => -x + +x * 3;

    [Differentiable, At(0.9), At(-2.3)]
    public static double Square(double x) => x * x;

    [Differentiable, At(0.7), At(-1.9)]
    public static double Sin(double x) => Math.Sin(x);

    [Differentiable, At(0.7), At(-1.9)]
    public static double Cos(double x) => Math.Cos(x);

    [Differentiable, At(0.7), At(-1.2)]
    public static double Tan(double x) => Math.Tan(x);

    [Differentiable, At(0.3), At(-0.8)]
    public static double Asin(double x) => Math.Asin(x);

    [Differentiable, At(0.3), At(-0.8)]
    public static double Acos(double x) => Math.Acos(x);

    [Differentiable, At(0.3), At(-4.0)]
    public static double Atan(double x) => Math.Atan(x);

    [Differentiable, At(0.3, 1.7), At(-1.1, -0.4)]
    public static double Atan2(double y, double x) => Math.Atan2(y, x);

    [Differentiable, At(0.6), At(-1.4)]
    public static double Sinh(double x) => Math.Sinh(x);

    [Differentiable, At(0.6), At(-1.4)]
    public static double Cosh(double x) => Math.Cosh(x);

    [Differentiable, At(0.6), At(-1.4)]
    public static double Tanh(double x) => Math.Tanh(x);

    [Differentiable, At(0.6), At(-1.4)]
    public static double Exp(double x) => Math.Exp(x);

    [Differentiable, At(0.6), At(4.2)]
    public static double Log(double x) => Math.Log(x);

    [Differentiable, At(5.5, 3.0), At(0.4, 10.0)]
    public static double LogBase(double x, double b) => Math.Log(x, b);

    [Differentiable, At(0.6), At(42.0)]
    public static double Log10(double x) => Math.Log10(x);

    [Differentiable, At(0.6), At(42.0)]
    public static double Log2(double x) => Math.Log2(x);

    [Differentiable, At(0.6), At(42.0)]
    public static double Sqrt(double x) => Math.Sqrt(x);

    [Differentiable, At(0.6), At(-27.5)]
    public static double Cbrt(double x) => Math.Cbrt(x);

    [Differentiable, At(1.7, 2.3), At(0.4, -1.5)]
    public static double Pow(double x, double y) => Math.Pow(x, y);

    [Differentiable, At(1.7), At(0.4)]
    public static double PowConstantExponent(double x) => Math.Pow(x, 3) + Math.Pow(x, 2) + Math.Pow(x, 0.5 * 3);

    [Differentiable, At(1.7), At(-0.4)]
    public static double Abs(double x) => Math.Abs(x);

    [Differentiable, At(1.7, 0.2), At(-0.4, 0.9)]
    public static double Max(double x, double y) => Math.Max(x, y);

    [Differentiable, At(1.7, 0.2), At(-0.4, 0.9)]
    public static double Min(double x, double y) => Math.Min(x, y);

    [Differentiable, At(1.7, 0.2, -3.3)]
    public static double FusedMultiplyAdd(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);

    [Differentiable, At(1.7, 0.2)]
    public static double Remainder(double x, double y) => x % y;

    [Differentiable, At(1.3, 0.43)]
    public static double Flat(double x, double y) =>
        Math.Floor(x) * y + Math.Ceiling(x) + Math.Round(x) + Math.Truncate(x) * y + Math.Sign(x) + Math.Round(y, 1) * x;

    [Differentiable, At(1.3, -0.7), At(0.2, 0.5)]
    public static double Reassigned(double x, double y)
    {
        double t = x * y;
        t = t * t + x;
        t += Math.Sin(y);
        t -= y / 3;
        t *= x;
        t /= 1 + y * y;
        var u = t;
        u++;
        return u - t * 0.5;
    }

    [Differentiable, At(1.3, -0.7)]
    public static double ParameterReassigned(double x, double y)
    {
        x = x * 2;
        y += x;
        return x * y;
    }

    [Differentiable, At(0.8, 3)]
    public static double WithIntParameter(double x, int n) => Math.Pow(x, n) / n + x * (n % 2) + Scale;

    [Differentiable, At(0.8, 1.9)]
    public static double WithNoDerivative(double x, [NoDerivative] double c) => Math.Exp(c * x) + c;

    [Differentiable, At(1.1, 0.3)]
    public static double Rosenbrock(double x, double y) => (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);

    [Differentiable, At(0.9, -1.3, 2.1)]
    public static double Composite(double a, double b, double c)
    {
        var r = Math.Sqrt(a * a + b * b + c * c);
        var s = Math.Exp(-r) * Math.Cos(a * b) + Math.Log(1 + c * c);
        return s / (1 + Math.Tanh(b)) + Math.Atan2(a, c) * Math.Cbrt(r);
    }

    [Differentiable, At(0.9)]
    public static double ConstantResult(double x) => Scale * 2;

    [Differentiable, At(1.5, 2.5)]
    public static double SharedSubexpression(double x, double y)
    {
        var e = Math.Exp(x * y);
        return e * e + e / y;
    }

    [Differentiable, At(0.2, 0.7), At(-1.3, 0.1)]
    public static double UnusedParameter(double x, double y) => x * 3;

    [Differentiable, At(1.2)]
    public static double ChainedAssignment(double x)
    {
        double a, b;
        a = b = x * x;
        return a * b + a;
    }

    [Differentiable, At(0.7), At(-3.0), At(12.0)]
    public static double StablePrimitives(double x) => AdMath.Softplus(x) * AdMath.Sigmoid(x * 0.5) + AdMath.LogSigmoid(x - 1);
}

using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Single-precision fixtures: MathF and float arithmetic keep float all the way through.</summary>
public static partial class SinglePrecision
{
    [Differentiable, At(0.7, 1.4)]
    public static float Product(float x, float y) => x * y + x / y - y;

    [Differentiable, At(0.7)]
    public static float Trigonometric(float x) => MathF.Sin(x) * MathF.Cos(2 * x) + MathF.Tan(x / 2);

    [Differentiable, At(0.7, 1.4)]
    public static float Transcendental(float x, float y) =>
        MathF.Exp(x) * MathF.Log(y) + MathF.Sqrt(x * y) + MathF.Pow(y, x) + MathF.Atan2(x, y) + MathF.Tanh(x);

    [Differentiable, At(0.7, -1.4)]
    public static float Kinks(float x, float y) => MathF.Abs(y) * MathF.Max(x, y) + MathF.Min(x, y) + MathF.Cbrt(x);

    [Differentiable, At(0.5)]
    public static double MixedPrecision(double x)
    {
        float f = (float)x;
        f *= 3;
        return f * x;
    }

    [Differentiable, At(0.7)]
    public static float ViaDouble(float x) => (float)Math.Sin(x) * x;
}

using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Fixtures for Hessian-vector products and Hessians (forward mode over the reverse sweep).</summary>
public static partial class SecondOrder
{
    [Differentiable]
    public static double Rosenbrock(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            s += a * a + 100 * b * b;
        }
        return s;
    }

    [Differentiable]
    public static double Quartic(double x, double y) => x * x * x * x + 3 * x * x * y * y - 2 * x * y + y * y * y * y;

    [Differentiable]
    public static double Trigonometric(double x, double y) => Math.Sin(x * y) + Math.Cos(x) * y * y;

    /// <summary>Loop-carried values, a branch inside the loop, and a transcendental recorded on the tape.</summary>
    [Differentiable]
    public static double Iterated(double x, double y, int steps)
    {
        double s = x;
        double t = y;
        for (int i = 0; i < steps; i++)
        {
            double next = s * Math.Sin(t + 0.3 * i) + 0.5 * x;
            if (next > 0) t = t + 0.1 * Math.Exp(-next * next);
            else t = t - 0.2 * next * y;
            s = next;
        }
        return s * t + Math.Log(1 + s * s);
    }

    /// <summary>Arrays with a local buffer overwritten in place, log-sum-exp over it, and stop-gradient.</summary>
    [Differentiable]
    public static double Smoothed(double[] x, double temperature)
    {
        double[] buffer = new double[x.Length];
        for (int i = 0; i < x.Length; i++) buffer[i] = x[i] * temperature;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 1; i < x.Length; i++) buffer[i] = 0.5 * (buffer[i] + Math.Tanh(buffer[i - 1]));
        }
        double scale = Ad.StopGradient(temperature * temperature);
        return AdMath.LogSumExp(buffer) + scale * x[0] * x[0] + AdMath.Softplus(x[1] - temperature);
    }

    [Differentiable]
    public static float QuarticF(float x, float y) => x * x * x * x + 3 * x * x * y * y - 2 * x * y + y * y * y * y;
}

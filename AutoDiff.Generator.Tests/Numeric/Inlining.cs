using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// [Differentiable(Inline = true)] callees next to identical ones called through their companions: the
/// derivatives must agree to rounding, whichever way the callee is differentiated.
/// </summary>
public static partial class Inlining
{
    [Differentiable(Inline = true)]
    public static double QuadraticFormInline(ReadOnlySpan<double> a, int offset, ReadOnlySpan<double> z, [NoDerivative] ReadOnlySpan<double> data, int d)
    {
        double sum = 0;
        for (int r = 0; r < d; r++)
        {
            double row = Math.Exp(a[offset + r]) * (data[r] - z[r]);
            for (int j = 0; j < r; j++) row += a[offset + d + j * d - j * (j + 1) / 2 + (r - j - 1)] * (data[j] - z[j]);
            sum += row * row;
        }
        return sum;
    }

    [Differentiable]
    public static double QuadraticFormCall(ReadOnlySpan<double> a, int offset, ReadOnlySpan<double> z, [NoDerivative] ReadOnlySpan<double> data, int d)
    {
        double sum = 0;
        for (int r = 0; r < d; r++)
        {
            double row = Math.Exp(a[offset + r]) * (data[r] - z[r]);
            for (int j = 0; j < r; j++) row += a[offset + d + j * d - j * (j + 1) / 2 + (r - j - 1)] * (data[j] - z[j]);
            sum += row * row;
        }
        return sum;
    }

    [Differentiable(Inline = true)]
    public static double DampedInline(double v, [NoDerivative] double k) => k * v * v + Math.Sin(v);

    [Differentiable]
    public static double DampedCall(double v, [NoDerivative] double k) => k * v * v + Math.Sin(v);

    /// <summary>Two components, a call per component in a loop, a scalar passed to a [NoDerivative] parameter, a loop-carried value.</summary>
    [Differentiable]
    public static double WithInline(double[] a, double[] z, [NoDerivative] double[] data, double k)
    {
        double total = 0;
        for (int c = 0; c < 2; c++) total += Math.Log(1 + QuadraticFormInline(a, c * 6, z, data, 3)) * (c + k);
        return total + DampedInline(total * 0.1, k) + DampedInline(k, 2.0);
    }

    [Differentiable]
    public static double WithCall(double[] a, double[] z, [NoDerivative] double[] data, double k)
    {
        double total = 0;
        for (int c = 0; c < 2; c++) total += Math.Log(1 + QuadraticFormCall(a, c * 6, z, data, 3)) * (c + k);
        return total + DampedCall(total * 0.1, k) + DampedCall(k, 2.0);
    }

    /// <summary>A local buffer passed to an inline callee: a call is emitted instead, and must still be right.</summary>
    [Differentiable]
    public static double BufferFallsBackToACall(double[] a, double[] z, [NoDerivative] double[] data)
    {
        double[] shifted = new double[z.Length];
        for (int i = 0; i < z.Length; i++) shifted[i] = z[i] * 0.5;
        return QuadraticFormInline(a, 0, shifted, data, 3);
    }

    [Differentiable]
    public static double BufferCall(double[] a, double[] z, [NoDerivative] double[] data)
    {
        double[] shifted = new double[z.Length];
        for (int i = 0; i < z.Length; i++) shifted[i] = z[i] * 0.5;
        return QuadraticFormCall(a, 0, shifted, data, 3);
    }
}

/// <summary>An inline callee on this.</summary>
public sealed partial class InlineModel
{
    private readonly double _scale;

    public InlineModel(double scale) => _scale = scale;

    [Differentiable(Inline = true)]
    public double Term(double x) => _scale * Math.Tanh(x) * x;

    [Differentiable]
    public double Energy(double x, double y)
    {
        double e = 0;
        for (int i = 0; i < 3; i++) e += Term(x * i + y);
        return e;
    }
}

using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Loops that map elements counting up, which the <c>vector-maps</c> pass runs in vector lanes aligned to their end
/// (<see cref="VectorMapsTests"/>); a checked access that can go out of range; a loop writing a parameter, left alone.
/// </summary>
public static partial class VectorMapped
{
    /// <summary>y₀ = 2x₀, yⱼ = 2xⱼ + a[offset + j]·xⱼ₋₁ (j ≥ 1), s = Σ y². a[offset + j] throws past a's end, as in the method.</summary>
    [Differentiable]
    public static double Shifted(ReadOnlySpan<double> a, ReadOnlySpan<double> x, int offset)
    {
        int n = x.Length;
        Span<double> y = stackalloc double[n];
        for (int j = 0; j < n; j++) y[j] = 2.0 * x[j];
        for (int j = 1; j < n; j++) y[j] = y[j] + a[offset + j] * x[j - 1];
        double s = 0;
        for (int j = 0; j < n; j++) s += y[j] * y[j];
        return s;
    }

    /// <summary><see cref="Shifted"/> in single precision (8 lanes on AVX2).</summary>
    [Differentiable]
    public static float ShiftedSingle(ReadOnlySpan<float> a, ReadOnlySpan<float> x, int offset)
    {
        int n = x.Length;
        Span<float> y = stackalloc float[n];
        for (int j = 0; j < n; j++) y[j] = 2.0f * x[j];
        for (int j = 1; j < n; j++) y[j] = y[j] + a[offset + j] * x[j - 1];
        float s = 0;
        for (int j = 0; j < n; j++) s += y[j] * y[j];
        return s;
    }

    /// <summary>
    /// A map into the caller's output span: if an access threw part way, the caller would see which elements were
    /// written, so the loop stays scalar.
    /// </summary>
    [Differentiable]
    public static void IntoOutput(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < x.Length; j++) y[j] = 2.0 * x[j] * x[j];
    }
}

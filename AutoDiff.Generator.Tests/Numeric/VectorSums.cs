using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Column-by-column triangular products, whose reverse sums each row into a local adjoint: the <c>vector-sums</c> pass
/// runs those rows in vector lanes (<see cref="VectorSumsTests"/>). In double (4 lanes on AVX2) and float (8).
/// </summary>
public static partial class VectorSummed
{
    /// <summary>
    /// z = x − μ, y = 1.5·z + L·z with L strictly lower triangular, packed row of column i after row of column i
    /// (a[l] = L[j, i], j &gt; i, l counting up), built column by column; s = Σ y².
    /// </summary>
    [Differentiable]
    public static double Columns(ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> mu)
    {
        int n = x.Length;
        Span<double> z = stackalloc double[n];
        Span<double> y = stackalloc double[n];
        for (int j = 0; j < n; j++)
        {
            z[j] = x[j] - mu[j];
            y[j] = 1.5 * z[j];
        }
        int l = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                y[j] += a[l] * z[i];
                l++;
            }
        }
        double s = 0;
        for (int j = 0; j < n; j++) s += y[j] * y[j];
        return s;
    }

    /// <summary><see cref="Columns"/> in single precision.</summary>
    [Differentiable]
    public static float ColumnsSingle(ReadOnlySpan<float> a, ReadOnlySpan<float> x, ReadOnlySpan<float> mu)
    {
        int n = x.Length;
        Span<float> z = stackalloc float[n];
        Span<float> y = stackalloc float[n];
        for (int j = 0; j < n; j++)
        {
            z[j] = x[j] - mu[j];
            y[j] = 1.5f * z[j];
        }
        int l = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                y[j] += a[l] * z[i];
                l++;
            }
        }
        float s = 0;
        for (int j = 0; j < n; j++) s += y[j] * y[j];
        return s;
    }
}

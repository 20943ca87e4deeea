using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// GMM's shape with span inputs: a buffer filled per point and component from the inputs, which the reverse sweep fills
/// again (<c>RefillPlan</c>) and the <c>fill-at-use</c> pass computes where the reverse row reads it
/// (<see cref="FillAtUseTests"/>); and a near miss that keeps its loop.
/// </summary>
public static partial class FilledAtUse
{
    /// <summary>
    /// Per point i and component c: z = xᵢ − μ_c, y = 1.5·z + L_c·z (L_c strictly lower triangular, packed column after
    /// column, built column by column), s += exp(−½‖y‖²).
    /// </summary>
    [Differentiable]
    public static double Mixture(ReadOnlySpan<double> mu, ReadOnlySpan<double> l, [NoDerivative] ReadOnlySpan<double> x, int d)
    {
        int k = mu.Length / d, n = x.Length / d, packed = d * (d - 1) / 2;
        Span<double> z = stackalloc double[d];
        Span<double> y = stackalloc double[d];
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                for (int j = 0; j < d; j++) z[j] = x[i * d + j] - mu[c * d + j];
                for (int j = 0; j < d; j++) y[j] = 1.5 * z[j];
                int p = c * packed;
                for (int a = 0; a < d; a++)
                {
                    for (int b = a + 1; b < d; b++)
                    {
                        y[b] += l[p] * z[a];
                        p++;
                    }
                }
                double q = 0;
                for (int j = 0; j < d; j++) q += y[j] * y[j];
                s += Math.Exp(-0.5 * q);
            }
        }
        return s;
    }

    /// <summary>
    /// As <see cref="Mixture"/> without the triangle, plus z[0]·z[j] in each term: the reverse reads z at two indices per
    /// row, so computing it at each read would cost more than filling it; the refill loop stays.
    /// </summary>
    [Differentiable]
    public static double TwoReads(ReadOnlySpan<double> mu, [NoDerivative] ReadOnlySpan<double> x, int d)
    {
        int k = mu.Length / d, n = x.Length / d;
        Span<double> z = stackalloc double[d];
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                for (int j = 0; j < d; j++) z[j] = x[i * d + j] - mu[c * d + j];
                double q = 0;
                for (int j = 0; j < d; j++) q += z[j] * z[j] + z[0] * z[j];
                s += Math.Exp(-0.5 * q);
            }
        }
        return s;
    }
}

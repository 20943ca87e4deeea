using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Methods whose loops touch an element of a buffer they allocate several times in one iteration, at the iteration's own
/// index: the per-iteration mode of the <c>promote-elements</c> pass keeps it in a local for the iteration, in the
/// companions' forward and reverse loops (<see cref="PromoteIterationTests"/>).
/// </summary>
public static partial class PromotedIteration
{
    /// <summary>
    /// a[t] = sin x[t]; then per t: a[t] += x[t]², a[t] *= y[t], s += a[t]²: s = Σ ((sin x + x²)·y)².
    /// </summary>
    [Differentiable]
    public static double Update(double[] x, double[] y)
    {
        int n = x.Length;
        var a = new double[n];
        for (int t = 0; t < n; t++) a[t] = Math.Sin(x[t]);
        double s = 0;
        for (int t = 0; t < n; t++)
        {
            a[t] += x[t] * x[t];
            a[t] *= y[t];
            s += a[t] * a[t];
        }
        return s;
    }

    /// <summary>
    /// The shape of a fused reverse loop, counting down: b[t] read at the row's start, accumulated over an inner loop,
    /// scaled in a branch, read again and zeroed at the end.
    /// </summary>
    [Differentiable]
    public static double Rows(double[] x, double c)
    {
        int n = x.Length;
        var b = new double[n];
        for (int t = 0; t < n; t++) b[t] = Math.Cos(x[t]) * c;
        double s = 0;
        for (int t = n - 1; t >= 0; t--)
        {
            double v = b[t];
            b[t] += v * x[t];
            for (int j = 0; j < t; j++) b[t] += x[j] * c;
            if (x[t] > 0) b[t] *= 1.5;
            double w = b[t];
            b[t] = 0;
            s += w * w + Math.Sin(w);
        }
        return s;
    }
    /// <summary>
    /// GMM's shape: per component c, z = x − μ_c (a scratch buffer every component overwrites), y = A_c z column by column
    /// (y[j] += L_c[i, j]·z[i] for j &gt; i, z[i] read once per column; A_c's diagonal 1.5), s += exp(−½‖y‖²). The reverse
    /// sweep reads z̄[t], adds into it and zeroes it within one iteration, and nothing else touches z̄: the element starts
    /// every iteration at 0 and the adjoint buffer goes.
    /// </summary>
    [Differentiable]
    public static double Centered(double[] x, double[] mu, double[] l, int k)
    {
        int d = x.Length;
        var z = new double[d];
        var y = new double[d];
        double s = 0;
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < d; i++)
            {
                double t = x[i] - mu[c * d + i];
                z[i] = t;
                y[i] = 1.5 * t;
            }
            for (int i = 0; i < d; i++)
            {
                for (int j = i + 1; j < d; j++) y[j] += l[(c * d + i) * d + j] * z[i];
            }
            double q = 0;
            for (int i = 0; i < d; i++) q += y[i] * y[i];
            s += Math.Exp(-0.5 * q);
        }
        return s;
    }
}

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
}

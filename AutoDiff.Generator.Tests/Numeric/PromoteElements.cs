using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Methods whose loops read, write or add into one element of a buffer they allocate, at an index the loop does not
/// change: the <c>promote-elements</c> pass keeps that element in a local through the loop (<see cref="PromoteElementsTests"/>).
/// </summary>
public static partial class Promoted
{
    /// <summary>
    /// GMM's shape: q = diag(exp l₀..d₋₁)·c + strictly lower triangular L·c, c = sin x, Σ q². The inner loop reads c[i]
    /// (forward) and adds into cAdj[i] (reverse) at the outer loop's index; its last trip has no iteration.
    /// </summary>
    [Differentiable]
    public static double Triangular(ReadOnlySpan<double> x, ReadOnlySpan<double> l)
    {
        int d = x.Length;
        Span<double> c = stackalloc double[d];
        Span<double> q = stackalloc double[d];
        for (int i = 0; i < d; i++) c[i] = Math.Sin(x[i]);
        for (int i = 0; i < d; i++) q[i] = Math.Exp(l[i]) * c[i];
        int p = d;
        for (int i = 0; i < d; i++)
        {
            for (int j = i + 1; j < d; j++)
            {
                q[j] += l[p] * c[i];
                p++;
            }
        }
        double s = 0;
        for (int i = 0; i < d; i++) s += q[i] * q[i];
        return s;
    }

    /// <summary>
    /// acc[r] accumulates over an inner loop, with a branch that scales it and a nested loop that adds to it: the element
    /// is carried through the if and the inner loop.
    /// </summary>
    [Differentiable]
    public static double Rows(double[] x, int m)
    {
        var acc = new double[m];
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                acc[r] += Math.Cos(x[j] * (r + 1));
                if (x[j] > 0) acc[r] = acc[r] * 1.25;
                for (int k = 0; k < j; k++) acc[r] += x[k] * x[j];
            }
        }
        double s = 0;
        for (int r = 0; r < m; r++) s += acc[r] * acc[r] + acc[r];
        return s;
    }

    /// <summary>
    /// The element at x.Length − 1: for an empty x the index is −1 and the loop runs no iteration, so nothing reads or
    /// writes it (the promoted load and store must not either).
    /// </summary>
    [Differentiable]
    public static double Last(double[] x)
    {
        int n = x.Length;
        var buf = new double[n];
        int k = n - 1;
        for (int i = 0; i < n; i++) buf[k] += x[i] * x[i];
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.Sin(buf[i]) * x[i];
        return s;
    }
}

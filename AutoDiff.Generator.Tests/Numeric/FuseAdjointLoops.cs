using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Methods whose reverse sweep is several loops over the same iterations, one after the other: the
/// <c>fuse-adjoint-loops</c> pass runs them as one (<see cref="FuseAdjointLoopsTests"/>).
/// </summary>
public static partial class FusedAdjoints
{
    /// <summary>
    /// GMM's shape for n points: c = x_k − μ, q = diag(exp l₀..d₋₁)·c + strictly lower triangular L·c, Σ_k Σ q². The
    /// reverse of one point is four loops over d counting down; the buffers are reused by every point, so their
    /// adjoints must be zero again (the moved stores) before the next.
    /// </summary>
    [Differentiable]
    public static double Triangle(ReadOnlySpan<double> x, ReadOnlySpan<double> l, ReadOnlySpan<double> mu, int n)
    {
        int d = mu.Length;
        Span<double> c = stackalloc double[d];
        Span<double> q = stackalloc double[d];
        Span<double> e = stackalloc double[d];
        for (int i = 0; i < d; i++) e[i] = Math.Exp(l[i]);
        double total = 0;
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < d; i++) c[i] = x[k * d + i] - mu[i];
            for (int i = 0; i < d; i++) q[i] = e[i] * c[i];
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
            total += Math.Sin(s);
        }
        return total;
    }

    /// <summary>
    /// b[i] = a[i]·x[i] + a[i − 1]: in reverse, the second loop adds into ā[t − 1], which the first loop's reverse reads
    /// in the iteration after (fusion keeps that order).
    /// </summary>
    [Differentiable]
    public static double Chain(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        Span<double> a = stackalloc double[n];
        Span<double> b = stackalloc double[n];
        for (int i = 0; i < n; i++) a[i] = Math.Sin(x[i]);
        for (int i = 0; i < n; i++)
        {
            double previous = i > 0 ? a[i - 1] : 0.0;
            b[i] = a[i] * x[i] + previous;
        }
        double s = 0;
        for (int i = 0; i < n; i++) s += b[i] * b[i];
        return s;
    }

    /// <summary>b[i] = a[i]·a[i + 1 mod n]: an index not of the form counter + constant; the loops stay apart.</summary>
    [Differentiable]
    public static double Wrap(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        Span<double> a = stackalloc double[n];
        for (int i = 0; i < n; i++) a[i] = Math.Cos(x[i]);
        double s = 0;
        for (int i = 0; i < n; i++) s += a[i] * a[(i + 1) % n] * x[i];
        return s;
    }

    /// <summary>Every output of the three Vjps at one point (for comparing generated code with the pass on and off).</summary>
    public static double[] Probe(double[] x, double[] l, double[] mu, int n)
    {
        var ax = new double[x.Length];
        var al = new double[l.Length];
        var amu = new double[mu.Length];
        double v1 = TriangleVjp(x, l, mu, n, 1.25, ax, al, amu);
        var cx = new double[x.Length];
        double v2 = ChainVjp(x, -0.5, cx);
        var wx = new double[x.Length];
        double v3 = WrapVjp(x, 0.75, wx);
        return new[] { v1, v2, v3 }.Concat(ax).Concat(al).Concat(amu).Concat(cx).Concat(wx);
    }

    private static double[] Concat(this double[] a, double[] b)
    {
        var result = new double[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}

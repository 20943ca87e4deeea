using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Fixtures over arrays and spans: parameter vectors, data, and local buffers written in place.</summary>
public static partial class Arrays
{
    /// <summary>The extended Rosenbrock function, Σ (1 − xᵢ)² + 100 (xᵢ₊₁ − xᵢ²)².</summary>
    [Differentiable]
    public static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            sum += a * a + 100 * b * b;
        }
        return sum;
    }

    [Differentiable]
    public static double SpanNorm(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x) s += v * v;
        return Math.Sqrt(s);
    }

    /// <summary>Mean logistic loss of a linear model; the data matrix is row-major.</summary>
    [Differentiable]
    public static double LogisticLoss(double[] w, double bias, [NoDerivative] double[] data, [NoDerivative] double[] labels)
    {
        int features = w.Length;
        double loss = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            double z = bias;
            for (int j = 0; j < features; j++) z += w[j] * data[r * features + j];
            // log(1 + e^z) − y·z, written to stay finite for large |z|.
            double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
            loss += softplus - labels[r] * z;
        }
        return loss / labels.Length;
    }

    /// <summary>A local buffer filled, then smoothed in place several times, then reduced.</summary>
    [Differentiable]
    public static double SmoothedEnergy(double[] x, int passes)
    {
        var h = new double[x.Length];
        for (int i = 0; i < x.Length; i++) h[i] = Math.Sin(x[i]);
        for (int k = 0; k < passes; k++)
        {
            for (int i = 1; i < h.Length; i++) h[i] = h[i] + 0.5 * h[i - 1];
        }
        double s = 0;
        for (int i = 0; i < h.Length; i++) s += h[i] * h[i];
        return s;
    }

    /// <summary>A stack buffer overwritten every step: explicit time stepping of a chain of masses.</summary>
    [Differentiable]
    public static double ChainStep(ReadOnlySpan<double> x, double stiffness, int steps)
    {
        Span<double> u = stackalloc double[x.Length];
        for (int i = 0; i < x.Length; i++) u[i] = x[i];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 1; i + 1 < u.Length; i++)
            {
                u[i] = u[i] + 0.1 * stiffness * (u[i - 1] - 2 * u[i] + u[i + 1]);
            }
        }
        double e = 0;
        for (int i = 0; i < u.Length; i++) e += u[i] * u[i] * (i + 1);
        return e;
    }

    [Differentiable]
    public static float FloatDot(float[] a, ReadOnlySpan<float> b)
    {
        float s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i] + MathF.Sin(a[i]);
        return s;
    }

    /// <summary>A branch on each element (Huber loss) with a scalar threshold as a second active input.</summary>
    [Differentiable]
    public static double Huber(double[] residuals, double delta)
    {
        double total = 0;
        foreach (var r in residuals)
        {
            double a = Math.Abs(r);
            total += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
        }
        return total;
    }
}

/// <summary>Vector-valued fixtures: a method writing an output span.</summary>
public static partial class VectorFunctions
{
    [Differentiable]
    public static void Polar(double r, double theta, Span<double> xy)
    {
        xy[0] = r * Math.Cos(theta);
        xy[1] = r * Math.Sin(theta);
    }

    /// <summary>More inputs than outputs: the Jacobian uses reverse sweeps.</summary>
    [Differentiable]
    public static void PairwiseProducts(ReadOnlySpan<double> x, double scale, Span<double> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = scale * x[i] * x[i + 1] + Math.Sin(x[i]);
    }

    /// <summary>More outputs than inputs: the Jacobian uses forward sweeps; an output written twice.</summary>
    [Differentiable]
    public static void Trajectory(double velocity, double drag, Span<double> positions)
    {
        double p = 0, v = velocity;
        positions[0] = 0;
        for (int t = 0; t < positions.Length; t++)
        {
            v = v - drag * v * v * 0.1;
            p += v * 0.1;
            positions[t] = p;
        }
    }
}

/// <summary>Sparse Jacobians, for the colored <c>MJacobian(…, coloring)</c>.</summary>
public static partial class SparseVectorFunctions
{
    /// <summary>Two outputs: yᵢ = xᵢ·xᵢ₊₁ + a (cyclic) and zᵢ = a·sin xᵢ. Row yᵢ reads columns i, i+1 and a; row zᵢ reads i and a.</summary>
    [Differentiable]
    public static void Banded(ReadOnlySpan<double> x, double a, Span<double> y, Span<double> z)
    {
        int n = x.Length;
        for (int i = 0; i < n; i++)
        {
            int next = i + 1 < n ? i + 1 : 0;
            y[i] = x[i] * x[next] + a;
            z[i] = a * Math.Sin(x[i]);
        }
    }

    /// <summary>Single precision: yᵢ = xᵢ² − xᵢ₋₁ (yᵢ = x₀² for i = 0).</summary>
    [Differentiable]
    public static void Lower(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = i == 0 ? x[i] * x[i] : x[i] * x[i] - x[i - 1];
    }
}

/// <summary>Compound assignment and ++ on elements of a stack buffer (found by fuzzing).</summary>
public static partial class SpanCompound
{
    [Differentiable]
    public static double Product(double[] x)
    {
        Span<double> h = stackalloc double[x.Length];
        h[0] = x[0];
        h[0] *= x[1];
        h[1] = x[2];
        h[1] += h[0];
        h[1]++;
        return h[0] + h[1] * h[1];
    }
}

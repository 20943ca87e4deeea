using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Calls between [Differentiable] methods with array and span arguments: parameters passed on,
/// data passed to a parameter the callee differentiates, local buffers overwritten between calls
/// (the reverse sweep must see each call's contents), calls in loops and branches, recursion.
/// </summary>
public static partial class ArrayCalls
{
    [Differentiable]
    public static double SumOfSquares(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x) s += v * v;
        return s;
    }

    [Differentiable]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>A helper with scalar and span parameters mixed, and data it does not differentiate.</summary>
    [Differentiable]
    public static double Weighted(double scale, ReadOnlySpan<double> x, [NoDerivative] ReadOnlySpan<double> w, int offset)
    {
        double s = 0;
        for (int i = offset; i < x.Length; i++) s += w[i] * Math.Sin(scale * x[i]);
        return s;
    }

    [Differentiable]
    public static double PassParameter(double[] x) => SumOfSquares(x) * Math.Sin(x[0]) + Math.Sqrt(1 + SumOfSquares(x));

    /// <summary>The same array passed to both active parameters, and data passed to an active one.</summary>
    [Differentiable]
    public static double SameArrayTwiceAndData(double[] x, [NoDerivative] double[] w) => Dot(x, x) + Dot(w, x) * Dot(x, w) + Weighted(1.5, x, w, 1);

    /// <summary>A buffer overwritten on every iteration and passed to calls and to log-sum-exp each time.</summary>
    [Differentiable]
    public static double BufferInLoop(double[] x, double t)
    {
        double[] buffer = new double[x.Length];
        double total = 0;
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < x.Length; i++) buffer[i] = x[i] * (round + t);
            total += Dot(buffer, x) + AdMath.LogSumExp(buffer);
            buffer[0] = Math.Cos(total);
            total += 0.5 * SumOfSquares(buffer);
        }
        return total;
    }

    /// <summary>A stack buffer written after the call that read it, and a call in a branch.</summary>
    [Differentiable]
    public static double StackBufferAndBranch(double[] x)
    {
        Span<double> work = stackalloc double[x.Length];
        for (int i = 0; i < x.Length; i++) work[i] = Math.Exp(x[i]);
        double first = SumOfSquares(work);
        for (int i = 0; i < x.Length; i++) work[i] = work[i] * first;
        double second = first > 1 ? Dot(work, x) : -Dot(x, x);
        return first + 0.01 * second;
    }

    /// <summary>Nested calls: a scalar callee of a span callee's result.</summary>
    [Differentiable]
    public static double Nested(double[] x) => Calls.Square(Math.Log(1 + SumOfSquares(x))) + Dot(x, x) * x[1];

    /// <summary>Recursion over a prefix of a span.</summary>
    [Differentiable]
    public static double PrefixEnergy(ReadOnlySpan<double> x, int n) => n == 0 ? 0 : x[n - 1] * x[n - 1] * Math.Cos(x[0]) + PrefixEnergy(x, n - 1);

    [Differentiable]
    public static double Recursive(double[] x) => PrefixEnergy(x, x.Length);
}

public sealed partial class SpanModel
{
    private readonly double _scale;

    public SpanModel(double scale) => _scale = scale;

    [Differentiable]
    public double Penalty(ReadOnlySpan<double> x) => _scale * ArrayCalls.SumOfSquares(x);

    /// <summary>An instance call on this with a span argument.</summary>
    [Differentiable]
    public double Loss(double[] x, double bias) => Penalty(x) + bias * bias * x[2];
}

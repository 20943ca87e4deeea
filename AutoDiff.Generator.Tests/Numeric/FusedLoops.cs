using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Reductions at the top level of a function. Reverse mode fuses such a loop with its adjoint when
/// the accumulators' adjoints are known before it; these fixtures cover both sides of every
/// condition (FusedLoopTests checks each against finite differences and forward mode, and which
/// ones fuse).
/// </summary>
public static partial class FusedLoops
{
    /// <summary>Two accumulators in one loop (one subtracted), an outer scalar read in the body, and a tail of −, ·, / and negation.</summary>
    [Differentiable]
    public static double MeanAndPenalty(double[] w, double bias, [NoDerivative] double lambda)
    {
        double s = 0, t = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double v = Math.Sin(w[i] + bias);
            s += v * v;
            t -= w[i] * bias;
        }
        double penalty = 0;
        for (int i = 0; i < w.Length; i++) penalty += w[i] * w[i];
        double scale = 0.5 * lambda;
        return (s - 3 * t) / w.Length + scale * penalty - (-penalty);
    }

    /// <summary>The sum is squared after the loop: its adjoint needs the loop's result, so the loop is not fused.</summary>
    [Differentiable]
    public static double SquaredSum(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * x[i];
        return sum * sum;
    }

    /// <summary>The accumulator starts from a value of the parameters, which the loop body also reads.</summary>
    [Differentiable]
    public static double StartsFromParameter(double[] x, double s0)
    {
        double s = s0 * s0;
        for (int i = 0; i < x.Length; i++) s += Math.Exp(x[i]) * s0;
        return 2 * s;
    }

    /// <summary>A branch and an inner loop in the fused body: both record, and their adjoints pop within the same iteration.</summary>
    [Differentiable]
    public static double BranchAndInnerLoop(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double v;
            if (x[i] > 0) v = Math.Log(1 + x[i]);
            else v = x[i] * x[i];
            double p = 1;
            for (int k = 0; k < 3; k++) p = p * x[i] + 1;
            sum += v * p;
        }
        return sum;
    }

    /// <summary>
    /// The first reduction reads a buffer that is overwritten after it (not fused: the reverse of the overwrite would
    /// take its adjoint); the second reads the final buffer (fused).
    /// </summary>
    [Differentiable]
    public static double ReadsBufferWrittenLater(double[] x)
    {
        var buffer = new double[x.Length];
        for (int i = 0; i < x.Length; i++) buffer[i] = x[i] * x[i];
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += buffer[i] * x[i];
        for (int i = 0; i < x.Length; i++) buffer[i] = Math.Sin(buffer[i]);
        double t = 0;
        for (int i = 0; i < x.Length; i++) t += buffer[i];
        return s + t;
    }

    [Differentiable]
    public static double Pair(double a, double b) => a * Math.Exp(b) - b;

    /// <summary>A call to a [Differentiable] helper per pair: its Vjp runs inside the fused loop.</summary>
    [Differentiable]
    public static double CallsHelper(double[] x)
    {
        double s = 0;
        for (int i = 0; i + 1 < x.Length; i += 2) s += Pair(x[i], x[i + 1]);
        return s / 2;
    }

    /// <summary>The sum is used in a branch after the loop: not fused.</summary>
    [Differentiable]
    public static double BranchAfter(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Cos(x[i]);
        if (sum > 1) return sum * 0.5;
        return sum;
    }

    /// <summary>The loop stops at the first element the data rejects; the trip count is not known in advance.</summary>
    [Differentiable]
    public static double StopsEarly(double[] x, [NoDerivative] double[] keep)
    {
        double s = 0;
        int i = 0;
        while (i < x.Length && keep[i] > 0)
        {
            s += x[i] * x[i] * x[i];
            i++;
        }
        return s;
    }

    /// <summary>Single precision, with the mean's division by the length.</summary>
    [Differentiable]
    public static float MeanSquareF(float[] x)
    {
        float sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * x[i];
        return sum / x.Length;
    }

    /// <summary>
    /// Σᵢ Σⱼ (xᵢⱼ − wⱼ)², each point's centered row in a scratch buffer made before the loop and filled whole before it is
    /// read in every iteration: it carries nothing from one point to the next, so the loop fuses and records one point at a time.
    /// </summary>
    [Differentiable]
    public static double CenteredSquares(double[] w, [NoDerivative] double[] data)
    {
        int d = w.Length, n = data.Length / d;
        Span<double> row = stackalloc double[d];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = data[i * d + j] - w[j];
            double s = 0;
            for (int j = 0; j < d; j++) s += row[j] * row[j];
            total += s;
        }
        return total;
    }

    /// <summary>
    /// GMM's shape: per point, a centered row changed in place by a lower-triangular update, k terms in a second buffer
    /// (filled by the component loop), their log-sum-exp summed. Both buffers are filled before they are read in each
    /// iteration, so the point loop fuses.
    /// </summary>
    [Differentiable]
    public static double PointMixture(double[] w, [NoDerivative] double[] data, int d, int k)
    {
        int n = data.Length / d;
        Span<double> z = stackalloc double[d];
        Span<double> terms = stackalloc double[k];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                for (int j = 0; j < d; j++) z[j] = data[i * d + j] - w[c * d + j];
                for (int j = 1; j < d; j++) z[j] += w[k * d + j] * z[j - 1];
                double s = 0;
                for (int j = 0; j < d; j++) s += z[j] * z[j];
                terms[c] = w[k * d + d + c] - 0.5 * s;
            }
            total += AdMath.LogSumExp(terms);
        }
        return total;
    }

    /// <summary>The row is read before this point fills it (the previous point's value): it carries a value, so no fusion.</summary>
    [Differentiable]
    public static double CarriedRow(double[] w, [NoDerivative] double[] data)
    {
        int d = w.Length, n = data.Length / d;
        Span<double> row = stackalloc double[d];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double previous = row[0];
            for (int j = 0; j < d; j++) row[j] = data[i * d + j] * w[j];
            total += previous * row[0] + row[d - 1];
        }
        return total;
    }

    /// <summary>The row is read after the loop (the last point's): no fusion.</summary>
    [Differentiable]
    public static double RowReadAfter(double[] w, [NoDerivative] double[] data)
    {
        int d = w.Length, n = data.Length / d;
        Span<double> row = stackalloc double[d];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = data[i * d + j] * w[j];
            total += row[0] * row[d - 1];
        }
        return total + row[1];
    }

    /// <summary>Only part of the row is filled per point; the rest keeps what it had: no fusion.</summary>
    [Differentiable]
    public static double PartlyFilledRow(double[] w, [NoDerivative] double[] data)
    {
        int d = w.Length, n = data.Length / d;
        Span<double> row = stackalloc double[d];
        row[d - 1] = w[0];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d - 1; j++) row[j] = data[i * d + j] * w[j];
            double s = 0;
            for (int j = 0; j < d; j++) s += row[j] * row[j];
            total += s;
        }
        return total;
    }

    /// <summary>One accumulator feeds another inside the loop: its adjoint is not constant, so the loop is not fused.</summary>
    [Differentiable]
    public static double RunningSum(double[] x)
    {
        double s = 0, total = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
            total += s * s;
        }
        return total;
    }
}

/// <summary>
/// Gradients whose span a single loop fills: written once per element instead of cleared and added into, with the
/// elements the loop does not reach zeroed (OverwriteTests); and ones that must keep clearing.
/// </summary>
public static partial class Overwrites
{
    /// <summary>Pairs (x₂ₖ, x₂ₖ₊₁): step 2, offsets 0 and 1 tile the span; an odd length leaves the last element to zero.</summary>
    [Differentiable]
    public static double Pairs(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i += 2) sum += x[i] * Math.Exp(x[i + 1]);
        return sum;
    }

    /// <summary>Starts at 2: the first two elements get no contribution and are zeroed before the loop.</summary>
    [Differentiable]
    public static double FromTwo(double[] x)
    {
        double sum = 0;
        for (int i = 2; i < x.Length; i++) sum += Math.Sin(x[i]) * x[i];
        return sum;
    }

    /// <summary>Offsets −1 and 0 with step 1: two contributions per element, so the span is cleared and added into.</summary>
    [Differentiable]
    public static double Differences(double[] x)
    {
        double sum = 0;
        for (int i = 1; i < x.Length; i++)
        {
            double d = x[i] - x[i - 1];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>
    /// The extended Rosenbrock function: the benchmark whose generated gradient must match hand-written code, so its
    /// shape is pinned (no negation on the adjoint of x₂ₖ; the zeroing loop has a counter of its own).
    /// </summary>
    [Differentiable]
    public static double ExtendedRosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 1 < x.Length; i += 2)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            sum += a * a + 100 * b * b;
        }
        return sum;
    }

    /// <summary>Offsets 0 and 1 with step 3: every third element is skipped, so the span is cleared.</summary>
    [Differentiable]
    public static double Strided(double[] x)
    {
        double sum = 0;
        for (int i = 0; i + 2 < x.Length; i += 3) sum += x[i] * x[i + 1];
        return sum;
    }

    /// <summary>Two loops add into the span: it is cleared.</summary>
    [Differentiable]
    public static double TwoLoops(double[] x)
    {
        double s = 0, t = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * x[i];
        for (int i = 0; i < x.Length; i++) t += Math.Cos(x[i]);
        return s + t;
    }

    /// <summary>
    /// An inner dot product in an outer loop that is not a reduction (a running product): the outer loop's reverse
    /// restores the row index, and the inner loop's reverse replays it forwards.
    /// </summary>
    [Differentiable]
    public static double ProductOfRows(double[] w, [NoDerivative] double[] data)
    {
        int n = w.Length;
        double p = 1;
        for (int r = 0; r < data.Length / n; r++)
        {
            double z = 0;
            for (int j = 0; j < n; j++) z += w[j] * data[r * n + j];
            p *= Math.Tanh(z) + 2;
        }
        return p;
    }

    /// <summary>An inner loop whose length depends on the data, replayed forwards in the outer loop's reverse; its sum is a chain (+=, then −=).</summary>
    [Differentiable]
    public static double RaggedRows(double[] w, [NoDerivative] double[] lengths)
    {
        double p = 1;
        for (int r = 0; r < lengths.Length; r++)
        {
            double z = 0.5;
            int j = 0;
            while (j < lengths[r]) // lengths[r] ≤ w.Length
            {
                z += w[j] * w[j] * (r + 1);
                z -= 0.25 * w[j];
                j++;
            }
            p *= Math.Sqrt(z);
        }
        return p;
    }
}

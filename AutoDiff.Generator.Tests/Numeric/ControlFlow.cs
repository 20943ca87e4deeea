using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Fixtures with branches and loops. Checked like <see cref="Functions"/>: finite differences,
/// reverse against forward mode, Vjp accumulation, the primal value. Points sit away from the
/// places where a branch flips.
/// </summary>
public static partial class ControlFlow
{
    [Differentiable, At(1.3), At(-0.7)]
    public static double IfElse(double x)
    {
        double y;
        if (x > 0) y = x * x;
        else y = -x;
        return y * 3;
    }

    [Differentiable, At(1.3, 0.4), At(-0.7, 2.0)]
    public static double IfWithoutElse(double x, double y)
    {
        double t = x * y;
        if (t < 1) t = Math.Sin(t) + y;
        return t * x;
    }

    [Differentiable, At(2.5), At(0.5), At(-0.5), At(-3.0)]
    public static double ElseIfChain(double x)
    {
        if (x > 2) return Math.Log(x);
        else if (x > 0) return x * x;
        else if (x > -1) return Math.Exp(x);
        return -x * 0.5;
    }

    [Differentiable, At(1.3, 0.4), At(0.2, 0.9)]
    public static double ConditionalOperator(double x, double y) => x > y ? x * y : Math.Sin(x) / y;

    [Differentiable, At(0.3, 0.4), At(1.5, 0.2), At(-0.5, 0.1)]
    public static double LogicalOperators(double x, double y)
    {
        bool inside = x > 0 && x < 1;
        bool small = !(y > 0.5) || x < -1;
        double r = x * y;
        if (inside && small) r = r * r;
        if (!inside) r += x;
        return r;
    }

    [Differentiable, At(0.7, 5), At(-1.2, 8)]
    public static double SeriesFor(double x, int n)
    {
        double sum = 0;
        double term = 1;
        for (int i = 1; i <= n; i++)
        {
            term = term * x / i;
            sum += term;
        }
        return sum;
    }

    [Differentiable, At(2.0), At(9.5)]
    public static double NewtonSqrt(double a)
    {
        double y = a;
        while (Math.Abs(y * y - a) > 1e-13 * a)
        {
            y = 0.5 * (y + a / y);
        }
        return y;
    }

    [Differentiable, At(0.9), At(3.7)]
    public static double DoWhileHalving(double x)
    {
        double y = x;
        int steps = 0;
        do
        {
            y = y * 0.5 + Math.Sin(y) * 0.1;
            steps++;
        } while (steps < 4);
        return y;
    }

    [Differentiable, At(0.6, 3), At(1.1, 4)]
    public static double NestedLoops(double x, int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            double row = x;
            for (int j = 0; j <= i; j++)
            {
                row = row * x + j;
            }
            acc += row / (i + 1);
        }
        return acc;
    }

    [Differentiable, At(1.1, 10), At(0.4, 10)]
    public static double BreakOut(double x, int n)
    {
        double y = x;
        for (int i = 0; i < n; i++)
        {
            y = y * 1.5 + 0.1;
            if (y > 4) break;
        }
        return y;
    }

    [Differentiable, At(1.1, 6)]
    public static double ContinueSkips(double x, int n)
    {
        double y = 0;
        for (int i = 0; i < n; i++)
        {
            if (i % 2 == 1) continue;
            y += Math.Sin(x * i);
        }
        return y;
    }

    [Differentiable, At(1.7, 10), At(0.3, 10)]
    public static double EarlyReturnInLoop(double x, int n)
    {
        double y = x;
        for (int i = 0; i < n; i++)
        {
            y = y * y * 0.9;
            if (y > 3) return y + i;
        }
        return -y;
    }

    [Differentiable, At(0.8, 0), At(0.8, 1), At(0.8, 2), At(0.8, 7)]
    public static double SwitchStatement(double x, int mode)
    {
        double r = x;
        switch (mode)
        {
            case 0:
                r = x * x;
                break;
            case 1:
            case 2:
                r = Math.Exp(x) * mode;
                break;
            default:
                r = -x;
                break;
        }
        return r + 1;
    }

    [Differentiable, At(0.8, 0), At(0.8, 1), At(0.8, 5)]
    public static double SwitchExpression(double x, int mode) => mode switch
    {
        0 => x * x,
        1 or 2 => Math.Cos(x),
        > 4 => x / mode,
        _ => 1 - x,
    };

    [Differentiable, At(0.7, 1.3, 6)]
    public static double SwapThroughTemporary(double x, double y, int n)
    {
        double a = x, b = y;
        for (int k = 0; k < n; k++)
        {
            double t = a;
            a = b;
            b = t + 0.5 * b;
        }
        return a * b;
    }

    [Differentiable, At(1.05, 12)]
    public static double IntegerArithmetic(double x, int n)
    {
        double y = 1;
        int half = n / 2;
        int k = 0;
        while (k < n)
        {
            if (k % 3 == 0) y *= x;
            else y += x / (k + half);
            k += 2;
            k--;
        }
        return y;
    }

    [Differentiable, At(0.4), At(-0.9)]
    public static float SinglePrecisionLoop(float x)
    {
        float y = x;
        for (int i = 0; i < 3; i++) y = MathF.Sin(y) + x * 0.5f;
        return y;
    }

    /// <summary>
    /// One value recorded per iteration of a loop whose count is known on entry, so the tape is reserved
    /// before it: 0 and 1 iterations, 63, 64 and 65 around the tape's 64-value stack part, 100,000 far
    /// beyond it.
    /// </summary>
    [Differentiable, At(0.7, 0), At(0.7, 1), At(0.7, 63), At(0.7, 64), At(0.7, 65), At(0.6, 100000)]
    public static double CountedRelaxation(double x, int n)
    {
        double y = x;
        for (int i = 0; i < n; i++) y = 0.5 * Math.Sin(y) + 0.25 * x;
        return y;
    }

    /// <summary>A count-down loop, <c>j = n − 1 … 0</c> (Horner's rule for Σ xʲ/(j + s)²), reserved for n iterations.</summary>
    [Differentiable, At(0.6, 1.5, 0), At(0.6, 1.5, 1), At(0.6, 1.5, 32), At(0.6, 1.5, 33), At(-0.4, 2.5, 100)]
    public static double CountdownHorner(double x, double s, int n)
    {
        double sum = 0;
        for (int j = n - 1; j >= 0; j--) sum = sum * x + 1 / ((j + s) * (j + s));
        return sum;
    }

    /// <summary>A count-down with an exclusive bound (<c>k &gt; 0</c>) and the bound on the left of the comparison.</summary>
    [Differentiable, At(0.8, 0), At(0.8, 1), At(0.8, 64), At(0.8, 65)]
    public static double CountdownExclusive(double x, int n)
    {
        double y = x;
        int k = n;
        while (0 < k)
        {
            y = Math.Cos(y) * x;
            k--;
        }
        return y;
    }

    /// <summary>
    /// Newton for √a, at most 20 steps (a constant cap, so the tape is reserved for 20): it stops early when
    /// the step is small, and runs all 20 when <paramref name="exhaust"/> makes the tolerance negative.
    /// </summary>
    [Differentiable, At(2.0, 0), At(2.0, 1), At(30.0, 1)]
    public static double CappedNewton(double a, int exhaust)
    {
        double y = a;
        double step = 1;
        double tolerance = exhaust == 0 ? 1e-12 : -1;
        int k = 0;
        while (Math.Abs(step) > tolerance && k < 20)
        {
            double next = 0.5 * (y + a / y);
            step = next - y;
            y = next;
            k++;
        }
        return y;
    }

    /// <summary>
    /// A for loop with a constant cap and a break, which skips the increment on its last iteration: the
    /// tape is reserved for 30 iterations; it breaks after about 5, or runs all 30 when <paramref name="exhaust"/> is set.
    /// </summary>
    [Differentiable, At(1.3, 0), At(1.3, 1), At(0.9, 1)]
    public static double CappedBreak(double x, int exhaust)
    {
        double y = x;
        for (int k = 0; k < 30; k++)
        {
            y = y * 0.7 + Math.Sin(y) * 0.1;
            if (exhaust == 0 && y < 0.45) break;
        }
        return y;
    }

    /// <summary>
    /// Nested counted loops: the inner one (a count-down) reserves its tape of doubles in each outer
    /// iteration; the outer one reserves the tape of the inner trip counts it records.
    /// </summary>
    [Differentiable, At(0.6, 3, 4), At(0.9, 70, 2), At(0.5, 2, 70), At(0.7, 0, 5), At(0.7, 4, 0)]
    public static double NestedCounted(double x, int n, int m)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            double row = acc * 0.5 + x;
            for (int j = m - 1; j >= 0; j--) row = Math.Sin(row) * x + j * 0.01;
            acc += row * row * 0.1;
        }
        return acc;
    }

    /// <summary>
    /// Carried values of five types (double, float, int, long, bool), each overwritten and read by the
    /// derivative (the float and the integers only as factors, so no derivative goes through float
    /// rounding), so the reverse sweep records them on five tapes: more than one <c>Tape.Release</c> call takes.
    /// </summary>
    [Differentiable, At(0.7, 5), At(0.4, 70)]
    public static double FiveTapes(double x, int n)
    {
        double y = x;
        float f = 0.5f;
        int k = 1;
        long l = 2;
        short s = 3;
        bool flip = false;
        for (int i = 0; i < n; i++)
        {
            flip = (y > 0.5) != flip;
            if (flip) y += x * 0.01;
            if (y > 0.3) y = Math.Sin(y) * x * f;
            else y = y * y + k * 0.01 + l * 0.001 + s * 0.0001;
            f = f * 0.75f + 0.125f;
            k = k * 3 % 7;
            l = l * 5 % 11;
            s = (short)(s * 7 % 13);
            y = y * (1 + k * 0.001 + l * 0.0001 + s * 0.00001);
        }
        return y;
    }

    /// <summary>A relaxation towards the fixed point of y = sin(x·y) + x: 100,000 iterations in reverse mode.</summary>
    [Differentiable, At(0.8, 100000)]
    public static double LongLoop(double x, int n)
    {
        double y = 0;
        for (int i = 0; i < n; i++) y += (Math.Sin(x * y) + x - y) * 1e-4;
        return y;
    }
}

/// <summary>A value that is NaN on the path not taken: its zero adjoint must not become 0·NaN.</summary>
public static partial class SingularOnUntakenPath
{
    [Differentiable]
    public static double GuardedSqrt(double x)
    {
        double r = Math.Sqrt(x);
        if (x <= 0) return 0.5 * x;
        return r;
    }
}

public enum Activation
{
    Identity,
    Tanh,
    Softplus,
}

/// <summary>A switch over an enum parameter, called through its typed companions.</summary>
public static partial class EnumSwitch
{
    [Differentiable]
    public static double Activate(double x, Activation activation)
    {
        switch (activation)
        {
            case Activation.Tanh: return Math.Tanh(x);
            case Activation.Softplus: return Math.Log(1 + Math.Exp(x));
            default: return x;
        }
    }
}

using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>Generated code for branches and loops.</summary>
public class ControlFlowSnapshotTests
{
    private static void Verify(string members, string test) => GeneratedCode.VerifyInFns(members, test);

    [Test]
    public void IfElse() => Verify("""
        [Differentiable]
        public static double Piecewise(double x)
        {
            double y;
            if (x > 0) y = x * x;
            else y = -x;
            return 3 * y;
        }
        """, nameof(IfElse));

    [Test]
    public void LoopCarriedValue() => Verify("""
        [Differentiable]
        public static double Series(double x, int n)
        {
            double sum = 0, term = 1;
            for (int i = 1; i <= n; i++)
            {
                term = term * x / i;
                sum += term;
            }
            return sum;
        }
        """, nameof(LoopCarriedValue));

    [Test]
    public void NestedLoop() => Verify("""
        [Differentiable]
        public static double Nested(double x, int n)
        {
            double acc = 0;
            for (int i = 0; i < n; i++)
            {
                double row = x;
                for (int j = 0; j < i; j++) row = row * x + j;
                acc += row;
            }
            return acc;
        }
        """, nameof(NestedLoop));

    [Test]
    public void BreakAndContinue() => Verify("""
        [Differentiable]
        public static double Skip(double x, int n)
        {
            double y = x;
            for (int i = 0; i < n; i++)
            {
                if (i % 2 == 1) continue;
                y = y * 1.5 + Math.Sin(y);
                if (y > 10) break;
            }
            return y;
        }
        """, nameof(BreakAndContinue));

    [Test]
    public void EarlyReturn() => Verify("""
        [Differentiable]
        public static double Clamp(double x, double limit)
        {
            if (x > limit) return limit;
            double y = x * x;
            if (y > limit) return Math.Sqrt(limit * y);
            return y;
        }
        """, nameof(EarlyReturn));

    [Test]
    public void Switch() => Verify("""
        [Differentiable]
        public static double Mode(double x, int mode)
        {
            switch (mode)
            {
                case 0: return x;
                case 1: return x * x;
                default: return Math.Exp(x);
            }
        }

        [Differentiable]
        public static double Choose(double x, int mode) => mode switch { 0 => x, 1 => Math.Sin(x), _ => x * x };
        """, nameof(Switch));

    /// <summary>
    /// Loops that may stop early but run at most a constant number of times reserve tape room for that
    /// many iterations when it fits in the tape's 64-value stack part: a condition with <c>&amp;&amp;</c>
    /// (12 × 4 values), and a for loop with a break, which skips the increment on the path where it also
    /// ends the loop (30 × 2 values). With a cap of 50 the first would not reserve (200 values).
    /// </summary>
    [Test]
    public void BoundedLoops() => Verify("""
        [Differentiable]
        public static double Kepler(double m, double e)
        {
            double x = m, step = 1;
            int iterations = 0;
            while (Math.Abs(step) > 1e-12 && iterations < 12)
            {
                step = (x - e * Math.Sin(x) - m) / (1 - e * Math.Cos(x));
                x -= step;
                iterations++;
            }
            return x;
        }

        [Differentiable]
        public static double Root(double a)
        {
            double y = a;
            for (int k = 0; k < 30; k++)
            {
                y = 0.5 * (y + a / y);
                if (Math.Abs(y * y - a) < 1e-12 * a) break;
            }
            return y;
        }
        """, nameof(BoundedLoops));

    [Test]
    public void FixedPointIteration() => Verify("""
        [Differentiable]
        public static double Newton(double a)
        {
            double y = a;
            while (Math.Abs(y * y - a) > 1e-12 * a) y = 0.5 * (y + a / y);
            return y;
        }
        """, nameof(FixedPointIteration));
}

using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.EverydayCSharp.ConditionAndSwitchChecks;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// Loop conditions with side effects (issue 15, item 3): <c>while (n-- &gt; 0)</c>, <c>while ((k = next[i++]) != 0)</c>,
/// <c>for (…; (s += i) &lt; limit; …)</c>, assignments inside <c>&amp;&amp;</c>/<c>||</c> operands (the right operand
/// assigns only when it is evaluated), and an active value assigned in the condition. Each is checked in every companion
/// (<see cref="ConditionAndSwitchChecks.Check(System.Reflection.MethodInfo, object[])"/>) and against a hand formula where
/// one is short; the snapshots show the loop the condition becomes.
/// </summary>
public class LoopConditionTests
{
    [TestCase(1.3, 5)]
    [TestCase(-0.7, 0)]
    public void Post_decrement_counter_in_the_condition(double x, int n)
    {
        var gradient = Check("""
            [Differentiable]
            public static double CountDown(double x, int n)
            {
                double s = 0;
                while (n-- > 0) s += x * x * n;
                return s;
            }
            """, "CountDown", new object[] { x, n })[0];
        // The body sees n − 1, n − 2, …, 0: s = x²·n(n − 1)/2.
        Assert.That(gradient[0], Is.EqualTo(2 * x * n * (n - 1) / 2.0).Within(1e-12));
    }

    [Test]
    public void Assignment_from_an_array_in_the_condition()
    {
        const double x = 1.2;
        var gradient = Check("""
            [Differentiable]
            public static double Powers(double x, int[] next)
            {
                double s = 0;
                int k, i = 0;
                while ((k = next[i++]) != 0) s += Math.Pow(x, k);
                return s + i;
            }
            """, "Powers", new object[] { x, new[] { 2, 3, 1, 0, 5 } })[0];
        Assert.That(gradient[0], Is.EqualTo(2 * x + 3 * x * x + 1).Within(1e-12));
    }

    [Test]
    public void Compound_assignment_in_a_for_condition()
    {
        const double x = 0.9;
        var gradient = Check("""
            [Differentiable]
            public static double Triangular(double x, int limit)
            {
                double y = 1;
                int s = 0;
                for (int i = 0; (s += i) < limit; i++) y = y * x + 1;
                return y;
            }
            """, "Triangular", new object[] { x, 8 })[0];
        // s after the test: 0, 1, 3, 6 go round, 10 stops: four iterations, y = x⁴ + x³ + x² + x + 1.
        Assert.That(gradient[0], Is.EqualTo(4 * x * x * x + 3 * x * x + 2 * x + 1).Within(1e-12));
    }

    [TestCase(3.0, 0.1)]
    [TestCase(0.05, 0.1)]
    public void Active_value_assigned_in_the_condition(double x, double eps)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Halve(double x, double eps)
            {
                int k = 0;
                while ((x = x * 0.5) > eps) k++;
                return x * x * k + x;
            }
            """, "Halve", new object[] { x, eps })[0];
        // From 3 with eps 0.1: x is halved five times and k counts four; from 0.05 once, k = 0.
        double expected = x > 1 ? 2 * x / 1024 * 4 + 1 / 32.0 : 0.5;
        Assert.That(gradient[0], Is.EqualTo(expected).Within(1e-12));
        Assert.That(gradient[1], Is.EqualTo(0));
    }

    [Test]
    public void Active_recurrence_in_the_condition_with_a_body_that_uses_it()
    {
        Check("""
            [Differentiable]
            public static double Orbit(double x, double a)
            {
                double s = 0;
                int guard = 0;
                while ((x = a * Math.Sin(x) + 0.3 * x) > 0.2 && ++guard < 50) s += x * x * a;
                return s + x;
            }
            """, "Orbit", new object[] { 1.1, 0.9 }, new object[] { 0.7, 0.5 });
    }

    [TestCase(1.1, 2, 100.0)]  // stops because i < n fails: y is not multiplied again (y = x²)
    [TestCase(3.0, 10, 20.0)]  // stops because y reached the limit (y = x³)
    public void Assignment_in_the_right_operand_of_and_runs_only_when_evaluated(double x, int n, double limit)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Grow(double x, int n, double limit)
            {
                int i = 0;
                double y = 1;
                while (i < n && (y = y * x) < limit) i++;
                return y;
            }
            """, "Grow", new object[] { x, n, limit })[0];
        Assert.That(gradient[0], Is.EqualTo(n == 2 ? 2 * x : 3 * x * x).Within(1e-12));
    }

    [Test]
    public void Assignment_in_the_right_operand_of_or()
    {
        const double x = 1.5;
        var gradient = Check("""
            [Differentiable]
            public static double Skip(double x, double limit)
            {
                int i = 0;
                double y = x;
                while (i++ < 2 || (y = y * x) < limit) y = y + 1;
                return y;
            }
            """, "Skip", new object[] { x, 9.0 })[0];
        // Two rounds without the multiplication (y = x + 2), then y·x = 5.25 < 9 goes round (6.25), y·x = 9.375 stops:
        // y = ((x + 2)·x + 1)·x = x³ + 2x² + x.
        Assert.That(gradient[0], Is.EqualTo(3 * x * x + 4 * x + 1).Within(1e-12));
    }

    [TestCase(5, 8.0)]   // k = 4, 3, (2 skipped), 1, 0
    [TestCase(10, 17.0)] // k = 9, 8, then 7 breaks
    public void Continue_and_break_with_a_condition_that_assigns(int start, double expected)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Steps(double x, int k)
            {
                double s = 0;
                while ((k = k - 1) >= 0)
                {
                    if (k == 2) continue;
                    if (k == 7) break;
                    s += x * k;
                }
                return s * x;
            }
            """, "Steps", new object[] { 1.7, start })[0];
        Assert.That(gradient[0], Is.EqualTo(2 * expected * 1.7).Within(1e-12));
    }

    [Test]
    public void Continue_in_a_for_loop_runs_the_increment_and_then_the_condition()
    {
        const double x = 1.1;
        var gradient = Check("""
            [Differentiable]
            public static double Odd(double x)
            {
                double y = 1;
                int s = 0;
                for (int i = 0; (s += i) < 20; i++)
                {
                    if (i % 2 == 0) continue;
                    y *= x;
                }
                return y;
            }
            """, "Odd", new object[] { x })[0];
        // s = 0, 1, 3, 6, 10, 15 go round (i = 0…5), 21 stops: i = 1, 3, 5 multiply, y = x³.
        Assert.That(gradient[0], Is.EqualTo(3 * x * x).Within(1e-12));
    }

    [TestCase(4)]
    [TestCase(1)]
    public void Do_while_with_a_pre_decrement_in_the_condition(int n)
    {
        var gradient = Check("""
            [Differentiable]
            public static double Repeat(double x, int n)
            {
                double s = 0;
                do { s += x * x; } while (--n > 0);
                return s;
            }
            """, "Repeat", new object[] { 0.8, n })[0];
        Assert.That(gradient[0], Is.EqualTo(2 * 0.8 * n).Within(1e-12));
    }

    [Test]
    public void Condition_with_effects_in_a_nested_loop()
    {
        Check("""
            [Differentiable]
            public static double Nested(double x, int n)
            {
                double s = 0;
                int i = n;
                while (i-- > 0)
                {
                    int j = i;
                    double row = x;
                    while ((j -= 2) >= 0) row = row * x + j;
                    s += row;
                }
                return s;
            }
            """, "Nested", new object[] { 0.9, 6 });
    }

    // ---- the generated code ----

    [Test]
    public void Snapshot_post_decrement_condition() => GeneratedCode.VerifyInFns("""
        [Differentiable]
        public static double CountDown(double x, int n)
        {
            double s = 0;
            while (n-- > 0) s += x * x * n;
            return s;
        }
        """, nameof(Snapshot_post_decrement_condition));

    [Test]
    public void Snapshot_active_value_assigned_in_the_condition() => GeneratedCode.VerifyInFns("""
        [Differentiable]
        public static double Halve(double x, double eps)
        {
            int k = 0;
            while ((x = x * 0.5) > eps) k++;
            return x * x * k + x;
        }
        """, nameof(Snapshot_active_value_assigned_in_the_condition));
}

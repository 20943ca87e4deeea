using System;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>Buffers created inside loops and branches (issue 15, item 4): the fixtures, generated at build time.</summary>
// The methods stackalloc in loops, as users write them (CA2014); the generated companions make each buffer once.
#pragma warning disable CA2014
public static partial class BufferFixtures
{
    /// <summary>A stackalloc'd scratch pair in a loop body, written then read at constant indices.</summary>
    [Differentiable]
    public static double StackallocPair(double[] x, double a)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Span<double> t = stackalloc double[2];
            t[0] = x[i] * a;
            t[1] = Math.Sin(t[0]);
            s += t[0] * t[1];
        }
        return s;
    }

    /// <summary>
    /// A buffer one branch writes: the element the branch skips must read zero in every iteration, whatever an earlier
    /// iteration left there, and the reverse sweep must see each iteration's values.
    /// </summary>
    [Differentiable]
    public static double StackallocWrittenInABranch(double[] x, double a)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Span<double> t = stackalloc double[3];
            t[0] = x[i] * a;
            if (x[i] > 0) t[2] = t[0] * t[0];
            s += t[0] * Math.Sin(t[1] + t[0]) + t[2];
        }
        return s;
    }

    /// <summary><c>new double[3]</c> in a loop, written and read by an inner loop (indices not constant).</summary>
    [Differentiable]
    public static double HeapArrayFilledByALoop(double[] x, double a)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            var h = new double[3];
            for (int k = 0; k < 2; k++) h[k] = x[i] * (k + 1) * a;
            for (int k = 0; k < 3; k++) s += h[k] * h[k] + Math.Cos(h[k]);
        }
        return s;
    }

    /// <summary>
    /// A buffer whose length is a parameter: cleared by a loop where it is created. Each iteration writes fewer elements than
    /// the one before, so the others must be zero again.
    /// </summary>
    [Differentiable]
    public static double ShrinkingWrites(double[] x, double a)
    {
        double s = 0;
        int n = x.Length;
        for (int i = 0; i < n; i++)
        {
            Span<double> w = stackalloc double[n];
            for (int k = i; k < n; k++) w[k] = x[k] * a + i;
            for (int k = 0; k < n; k++) s += w[k] * w[k] * x[k];
        }
        return s;
    }

    /// <summary>A buffer in an inner loop whose length is the array's (<c>x.Length</c>, computed again before the outer loop).</summary>
    [Differentiable]
    public static double NestedLoops(double[] x, double a)
    {
        double s = 0;
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                var c = new double[x.Length];
                c[j] = x[j] * a + i;
                for (int k = 0; k < c.Length; k++) s += Math.Exp(0.1 * c[k]) * (k + 1);
            }
        }
        return s;
    }

    /// <summary>A buffer in an if arm, outside any loop.</summary>
    [Differentiable]
    public static double BufferInAnIfArm(double[] x, double a)
    {
        double s = x[0] * a;
        if (a > 0)
        {
            Span<double> t = stackalloc double[2];
            t[0] = a * a;
            t[1] = Math.Exp(x[1] * a);
            s += t[0] * t[1];
        }
        return s;
    }
}

#pragma warning restore CA2014

/// <summary>
/// Buffers created inside loops and branches (issue 15, item 4): each is made once, before the outermost loop or branch,
/// and made to read zero where the method creates it again; companions are correct in every mode, return the primal bit for
/// bit, and a stackalloc'd loop buffer costs no heap allocation.
/// </summary>
public class BufferInLoopTests
{
    private static readonly double[][] Points =
    {
        new[] { 0.7, -1.2, 0.4, 1.5, 0.9 },
        new[] { -0.3, 0.8, -1.1, 0.6, 2.0 },
    };

    private static CompanionSet Set(string name) => name switch
    {
        nameof(BufferFixtures.StackallocPair) => CompanionSet.ArrayAndScalar(4, BufferFixtures.StackallocPair,
            BufferFixtures.StackallocPairGradient, BufferFixtures.StackallocPairVjp, BufferFixtures.StackallocPairJvp, BufferFixtures.StackallocPairHvp),
        nameof(BufferFixtures.StackallocWrittenInABranch) => CompanionSet.ArrayAndScalar(4, BufferFixtures.StackallocWrittenInABranch,
            BufferFixtures.StackallocWrittenInABranchGradient, BufferFixtures.StackallocWrittenInABranchVjp, BufferFixtures.StackallocWrittenInABranchJvp, BufferFixtures.StackallocWrittenInABranchHvp),
        nameof(BufferFixtures.HeapArrayFilledByALoop) => CompanionSet.ArrayAndScalar(4, BufferFixtures.HeapArrayFilledByALoop,
            BufferFixtures.HeapArrayFilledByALoopGradient, BufferFixtures.HeapArrayFilledByALoopVjp, BufferFixtures.HeapArrayFilledByALoopJvp, BufferFixtures.HeapArrayFilledByALoopHvp),
        nameof(BufferFixtures.ShrinkingWrites) => CompanionSet.ArrayAndScalar(4, BufferFixtures.ShrinkingWrites,
            BufferFixtures.ShrinkingWritesGradient, BufferFixtures.ShrinkingWritesVjp, BufferFixtures.ShrinkingWritesJvp, BufferFixtures.ShrinkingWritesHvp),
        nameof(BufferFixtures.NestedLoops) => CompanionSet.ArrayAndScalar(4, BufferFixtures.NestedLoops,
            BufferFixtures.NestedLoopsGradient, BufferFixtures.NestedLoopsVjp, BufferFixtures.NestedLoopsJvp, BufferFixtures.NestedLoopsHvp),
        nameof(BufferFixtures.BufferInAnIfArm) => CompanionSet.ArrayAndScalar(4, BufferFixtures.BufferInAnIfArm,
            BufferFixtures.BufferInAnIfArmGradient, BufferFixtures.BufferInAnIfArmVjp, BufferFixtures.BufferInAnIfArmJvp, BufferFixtures.BufferInAnIfArmHvp),
        _ => throw new ArgumentException(name),
    };

    [Test]
    public void Companions_agree_with_differences_and_each_other(
        [Values(nameof(BufferFixtures.StackallocPair), nameof(BufferFixtures.StackallocWrittenInABranch), nameof(BufferFixtures.HeapArrayFilledByALoop),
            nameof(BufferFixtures.ShrinkingWrites), nameof(BufferFixtures.NestedLoops), nameof(BufferFixtures.BufferInAnIfArm))] string name,
        [Values(0, 1)] int point)
    {
        Set(name).Check(Points[point]);
    }

    [Test]
    public void Stackalloc_pair_gradient_matches_the_hand_formula()
    {
        // s = Σ (a·xᵢ)·sin(a·xᵢ): ∂s/∂xᵢ = a·(sin uᵢ + uᵢ cos uᵢ), ∂s/∂a = Σ xᵢ·(sin uᵢ + uᵢ cos uᵢ), uᵢ = a·xᵢ.
        double[] x = { 0.7, -1.2, 0.4 };
        const double a = 1.3;
        var dx = new double[3];
        BufferFixtures.StackallocPairGradient(x, a, dx, out double da);
        double expectedA = 0;
        for (int i = 0; i < 3; i++)
        {
            double u = a * x[i], d = Math.Sin(u) + u * Math.Cos(u);
            Assert.That(dx[i], Is.EqualTo(a * d).Within(1e-14));
            expectedA += x[i] * d;
        }
        Assert.That(da, Is.EqualTo(expectedA).Within(1e-13));
    }

    [Test]
    public void A_skipped_element_reads_zero_in_every_iteration()
    {
        // With x = [1, −1] the second iteration skips t[2]; had the first iteration's t[2] survived, the value would differ.
        double[] x = { 1.0, -1.0 };
        const double a = 0.5;
        double expected = 0.5 * Math.Sin(0.5) + 0.25 + (-0.5) * Math.Sin(-0.5);
        Assert.That(BufferFixtures.StackallocWrittenInABranch(x, a), Is.EqualTo(expected).Within(1e-15));
        Assert.That(BufferFixtures.StackallocWrittenInABranchGradient(x, a, new double[2], out _), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void Companions_of_a_method_with_a_stackallocd_loop_buffer_allocate_nothing()
    {
        var x = new double[200];
        for (int i = 0; i < x.Length; i++) x[i] = Math.Sin(i);
        var dx = new double[200];
        var v = new double[200];
        var hv = new double[200];
        double sink = 0;
        long bytes = CompanionSet.AllocatedBy(() =>
        {
            for (int k = 0; k < 20; k++)
            {
                double a = 0.5 + k * 1e-3, aAdj = 0;
                sink += BufferFixtures.StackallocPairGradient(x, a, dx, out double da) + da;
                sink += BufferFixtures.StackallocPairVjp(x, a, 1.0, dx, ref aAdj) + aAdj;
                sink += BufferFixtures.StackallocPairJvp(x, a, v, 1.0, out double t) + t;
                sink += BufferFixtures.StackallocPairHvp(x, a, v, 1.0, hv, out double ha) + ha;
                sink += BufferFixtures.StackallocWrittenInABranchGradient(x, a, dx, out double db) + db;
                sink += BufferFixtures.StackallocWrittenInABranchVjp(x, a, 1.0, dx, ref aAdj) + aAdj;
                sink += BufferFixtures.StackallocWrittenInABranchJvp(x, a, v, 1.0, out double tb) + tb;
                sink += BufferFixtures.StackallocWrittenInABranchHvp(x, a, v, 1.0, hv, out double hb) + hb;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated (sink {sink})");
    }

    /// <summary>Loop buffers and initializers, generated in memory with and without optimisations.</summary>
    private const string InMemory = """
        public static partial class Fns
        {
            [Differentiable]
            public static double Branch(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    Span<double> t = stackalloc double[3];
                    t[0] = x[i] * a;
                    if (x[i] > 0) t[2] = t[0] * Math.Sin(t[0]);
                    s += t[0] * t[1] + Math.Exp(t[2]);
                }
                return s;
            }

            [Differentiable]
            public static double Cleared(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    var w = new double[x.Length];
                    for (int k = i; k < w.Length; k++) w[k] = x[k] * a + i;
                    for (int k = 0; k < w.Length; k++) s += Math.Sin(w[k]) * x[k];
                }
                return s;
            }

            [Differentiable]
            public static double Initialized(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    double[] p = { x[i], x[i] * a, 1.0 };
                    for (int k = 0; k < p.Length; k++) s += p[k] * Math.Cos(p[(k + 1) % 3]);
                }
                return s;
            }

            [Differentiable]
            public static double EarlyReturn(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    Span<double> t = stackalloc double[2];
                    t[0] = x[i] * a;
                    if (t[0] > 1.2) return s;
                    t[1] = t[0] * t[0];
                    s += t[1];
                }
                return s;
            }

            [Differentiable]
            public static double PassedToARule(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    Span<double> t = stackalloc double[2];
                    t[0] = x[i] * a;
                    t[1] = a;
                    s += AdMath.LogSumExp(t) * x[i];
                }
                return s;
            }

            [Differentiable]
            public static double BranchesAndInnerLoops(double[] x, double a)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    double[] p = { x[i], a };
                    if (p[0] > 0) s += p[0] * p[1]; else s -= p[1] * p[1];
                    for (int j = 0; j < 2; j++)
                    {
                        var q = new double[2];
                        q[j] = p[j] * 2;
                        s += q[0] + Math.Sin(q[1]) * a;
                    }
                }
                return s;
            }
        }
        """;

    [Test]
    public void Companions_agree_with_optimisations_on_and_off(
        [Values("Branch", "Cleared", "Initialized", "EarlyReturn", "PassedToARule", "BranchesAndInnerLoops")] string name, [Values] bool optimize)
    {
        var run = GeneratorHarness.RunWith(optimize ? HarnessOptions.Default : HarnessOptions.Unoptimized, DiagnosticCase.Source(InMemory));
        run.AssertNoErrors();
        using var loaded = run.Load();
        CompanionSet.ArrayAndScalar(4, loaded.Delegate<Func<double[], double, double>>("Demo.Fns", name),
            loaded.Delegate<CompanionSet.GradientOf>("Demo.Fns", name + "Gradient"), loaded.Delegate<CompanionSet.VjpOf>("Demo.Fns", name + "Vjp"),
            loaded.Delegate<CompanionSet.JvpOf>("Demo.Fns", name + "Jvp"), loaded.Delegate<CompanionSet.HvpOf>("Demo.Fns", name + "Hvp"))
            .Check(Points[0]);
    }

    [Test]
    public void Snapshot_loop_buffers() => GeneratedCode.VerifyInFns("""
                [Differentiable]
                public static double Pair(double[] x, double a)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        Span<double> t = stackalloc double[2];
                        t[0] = x[i] * a;
                        t[1] = Math.Sin(t[0]);
                        s += t[0] * t[1];
                    }
                    return s;
                }

                [Differentiable]
                public static double Branch(double[] x, double a)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        Span<double> t = stackalloc double[3];
                        t[0] = x[i] * a;
                        if (x[i] > 0) t[2] = t[0] * t[0];
                        s += t[0] + t[2];
                    }
                    return s;
                }

                [Differentiable]
                public static double Cleared(double[] x, double a)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        var w = new double[x.Length];
                        w[i] = x[i] * a;
                        for (int k = 0; k < w.Length; k++) s += w[k] * w[k];
                    }
                    return s;
                }
        """, "LoopBuffers");
}

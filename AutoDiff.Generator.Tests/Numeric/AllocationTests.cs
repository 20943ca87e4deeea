using System;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Companions keep adjoints and tangents in locals: a call allocates nothing on the GC heap.
/// Measured per thread, after a warm-up call so JIT work is not counted.
/// </summary>
public sealed class AllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void Gradient_Vjp_and_Jvp_allocate_nothing()
    {
        double sink = 0;
        long bytes = AllocatedBy(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                double x = 0.9 + i * 1e-6;
                sink += Functions.CompositeGradient(x, -1.3, 2.1, out double da, out double db, out double dc) + da + db + dc;
                double xAdj = 0, yAdj = 0;
                sink += Functions.RosenbrockVjp(x, 0.3, 1.0, ref xAdj, ref yAdj) + xAdj + yAdj;
                sink += Functions.PowJvp(x, 2.3, 1.0, 0.5, out double tangent) + tangent;
                sink += SinglePrecision.TranscendentalGradient((float)x, 1.4f, out float fx, out float fy) + fx + fy;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"bytes allocated over 10,000 calls of each (sink {sink})");
    }

    [Test]
    public void Instance_companions_allocate_nothing()
    {
        var spring = new Spring(3, 1);
        double sink = 0;
        long bytes = AllocatedBy(() =>
        {
            for (int i = 0; i < 10_000; i++) sink += spring.EnergyGradient(0.2, 1.7 + i * 1e-6, out double da, out double db) + da + db;
        });
        Assert.That(bytes, Is.EqualTo(0), $"sink {sink}");
    }

    [TestCase(10)]
    [TestCase(100_000)]
    public void Reverse_mode_through_a_loop_allocates_nothing_in_steady_state(int iterations)
    {
        // The first call may rent tape arrays from the pool; after that the pool hands them back.
        double sink = 0;
        long bytes = AllocatedBy(() =>
        {
            for (int k = 0; k < 5; k++)
            {
                sink += ControlFlow.LongLoopGradient(0.8, iterations, out double dx) + dx;
                double xAdj = 0;
                sink += ControlFlow.NestedLoopsVjp(0.6, 3, 1.0, ref xAdj) + xAdj;
                sink += ControlFlow.BreakOutGradient(1.1, 10, out double db) + db;
                sink += ControlFlow.SeriesForJvp(0.7, iterations % 50, 1.0, out double t) + t;
            }
        });
        Assert.That(bytes, Is.EqualTo(0), $"sink {sink}");
    }
}

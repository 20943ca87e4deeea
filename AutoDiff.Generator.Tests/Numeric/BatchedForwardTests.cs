using System;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Fixtures for vector forward mode (<c>MJvpBatch</c>).</summary>
public static partial class BatchedFunctions
{
    /// <summary>A loop carrying a value through a branch, an output written in the loop and one after it: n = |x| + 1 ≤ m = |x| + 2, so the dense Jacobian is forward (batched).</summary>
    [Differentiable]
    public static void Mixed(ReadOnlySpan<double> x, double a, Span<double> y, Span<double> z)
    {
        double carry = a;
        for (int i = 0; i < x.Length; i++)
        {
            double t = x[i] * carry;
            if (t > 0) carry = Math.Sin(t) + a * x[i];
            else carry = t * t - a;
            y[i] = carry * Math.Exp(-x[i] * x[i]);
        }
        z[0] = carry * a;
        z[1] = Math.Sqrt(1 + x[0] * x[0]) / (2 + a * a);
    }

    /// <summary>Single precision, one output, forward Jacobian.</summary>
    [Differentiable]
    public static void Cubes(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * x[i] * x[i] + (i > 0 ? x[i - 1] : 0);
    }
}

/// <summary>
/// Vector forward mode: <c>MJvpBatch</c> carries <see cref="Lanes"/> tangents in one sweep. Each lane equals a single
/// <c>MJvp</c> along that direction bit for bit, and the outputs equal the method's; the dense Jacobian built from batches
/// matches central differences and the rows of reverse mode; the colored Jacobian (one lane per color) matches the dense one;
/// wrong lengths throw; nothing is allocated.
/// </summary>
public sealed class BatchedForwardTests
{
    private const int Lanes = 4;

    private static double[] Point(int n, int seed) => Enumerable.Range(0, n).Select(i => Math.Sin(seed * 3.7 + i * 1.9) * 1.3).ToArray();

    private static void Mixed(double[] x, double a, out double[] y, out double[] z)
    {
        y = new double[x.Length];
        z = new double[2];
        BatchedFunctions.Mixed(x, a, y, z);
    }

    [TestCase(1, 0)]
    [TestCase(3, 1)]
    [TestCase(6, 2)]
    public void Each_lane_is_a_single_Jvp_bit_for_bit(int n, int seed)
    {
        var x = Point(n, seed);
        double a = 0.6 + seed * 0.3;
        Mixed(x, a, out var y, out var z);
        var xDot = Point(Lanes * n, seed + 10);
        var aDot = Point(Lanes, seed + 20);
        double[] yb = new double[n], zb = new double[2], yDot = Enumerable.Repeat(double.NaN, Lanes * n).ToArray(), zDot = Enumerable.Repeat(double.NaN, Lanes * 2).ToArray();
        BatchedFunctions.MixedJvpBatch(x, a, yb, zb, xDot, aDot, yDot, zDot);
        Assert.That(yb, Is.EqualTo(y), "the outputs, bit for bit");
        Assert.That(zb, Is.EqualTo(z));
        for (int lane = 0; lane < Lanes; lane++)
        {
            double[] ys = new double[n], zs = new double[2], ysDot = new double[n], zsDot = new double[2];
            BatchedFunctions.MixedJvp(x, a, ys, zs, xDot.AsSpan(lane * n, n), aDot[lane], ysDot, zsDot);
            Assert.That(yDot.AsSpan(lane * n, n).ToArray(), Is.EqualTo(ysDot), $"lane {lane}");
            Assert.That(zDot.AsSpan(lane * 2, 2).ToArray(), Is.EqualTo(zsDot), $"lane {lane}");
        }
    }

    [Test]
    public void Single_precision_lanes_are_single_Jvps()
    {
        var x = Point(5, 4).Select(v => (float)v).ToArray();
        var xDot = Point(Lanes * 5, 5).Select(v => (float)v).ToArray();
        float[] y = new float[5], yDot = new float[Lanes * 5];
        BatchedFunctions.CubesJvpBatch(x, y, xDot, yDot);
        for (int lane = 0; lane < Lanes; lane++)
        {
            float[] ys = new float[5], ysDot = new float[5];
            BatchedFunctions.CubesJvp(x, ys, xDot.AsSpan(lane * 5, 5), ysDot);
            Assert.That(ys, Is.EqualTo(y));
            Assert.That(yDot.AsSpan(lane * 5, 5).ToArray(), Is.EqualTo(ysDot), $"lane {lane}");
        }
        var jacobian = new float[25];
        BatchedFunctions.CubesJacobian(x, y, jacobian);
        for (int i = 0; i < 5; i++)
        {
            Assert.That(jacobian[i * 5 + i], Is.EqualTo(3 * x[i] * x[i]).Within(1e-5f));
            if (i > 0) Assert.That(jacobian[i * 5 + i - 1], Is.EqualTo(1f));
        }
    }

    /// <summary>n = |x| + 1 columns in ⌈n/4⌉ batches: 1, 2 (exactly full), 3 (partly full) and more batches.</summary>
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(10)]
    public void Batched_Jacobian_matches_central_differences_and_reverse_mode(int n)
    {
        var x = Point(n, n);
        double a = 0.8;
        int m = n + 2, columns = n + 1;
        double[] y = new double[n], z = new double[2], jacobian = Enumerable.Repeat(double.NaN, m * columns).ToArray();
        BatchedFunctions.MixedJacobian(x, a, y, z, jacobian);
        Mixed(x, a, out var y0, out var z0);
        Assert.That(y, Is.EqualTo(y0));
        Assert.That(z, Is.EqualTo(z0));

        // Central differences.
        var point = x.Append(a).ToArray();
        for (int c = 0; c < columns; c++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(point[c]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[c] += h;
            minus[c] -= h;
            Mixed(plus.Take(n).ToArray(), plus[n], out var yp, out var zp);
            Mixed(minus.Take(n).ToArray(), minus[n], out var ym, out var zm);
            var fp = yp.Concat(zp).ToArray();
            var fm = ym.Concat(zm).ToArray();
            for (int r = 0; r < m; r++) Assert.That(jacobian[r * columns + c], Is.EqualTo((fp[r] - fm[r]) / (2 * h)).Within(1e-6 * Math.Max(1, Math.Abs(fp[r]))), $"({r}, {c})");
        }

        // Rows from reverse mode.
        for (int r = 0; r < m; r++)
        {
            double[] yAdj = new double[n], zAdj = new double[2], xAdj = new double[n];
            if (r < n) yAdj[r] = 1; else zAdj[r - n] = 1;
            double aAdj = 0;
            BatchedFunctions.MixedVjp(x, a, new double[n], new double[2], yAdj, zAdj, xAdj, ref aAdj);
            var row = xAdj.Append(aAdj).ToArray();
            for (int c = 0; c < columns; c++) Assert.That(jacobian[r * columns + c], Is.EqualTo(row[c]).Within(1e-13 * Math.Max(1, Math.Abs(row[c]))), $"({r}, {c})");
        }
    }

    /// <summary>Every entry may be nonzero (a dense pattern): n + 1 colors, one lane each, the last batch partly empty.</summary>
    [TestCase(2)]
    [TestCase(4)]
    [TestCase(6)]
    public void Colored_Jacobian_through_batches_matches_the_dense_one(int n)
    {
        var x = Point(n, n + 3);
        double a = -0.4;
        int m = n + 2, columns = n + 1;
        double[] dense = new double[m * columns];
        BatchedFunctions.MixedJacobian(x, a, new double[n], new double[2], dense);
        var coloring = JacobianColoring.FromPattern(m, columns, Enumerable.Range(0, m).SelectMany(r => Enumerable.Range(0, columns).Select(c => (r, c))));
        Assert.That(coloring.ColorCount, Is.EqualTo(columns));
        double[] y = new double[n], z = new double[2], colored = Enumerable.Repeat(double.NaN, dense.Length).ToArray();
        BatchedFunctions.MixedJacobian(x, a, y, z, colored, coloring);
        Assert.That(colored, Is.EqualTo(dense), "one lane per color: the same sweeps as the dense Jacobian's");
        Mixed(x, a, out var y0, out var z0);
        Assert.That(y, Is.EqualTo(y0));
        Assert.That(z, Is.EqualTo(z0));

        // A banded pattern: fewer colors than lanes, several in one batch.
        var banded = SparseVectorFunctionsPattern(5);
        var bandedColoring = JacobianColoring.FromPattern(10, 6, banded);
        var xs = Point(5, 9);
        double[] bandedDense = new double[60], bandedColored = new double[60];
        SparseVectorFunctions.BandedJacobian(xs, 0.3, new double[5], new double[5], bandedDense);
        SparseVectorFunctions.BandedJacobian(xs, 0.3, new double[5], new double[5], bandedColored, bandedColoring);
        Assert.That(bandedColored, Is.EqualTo(bandedDense));
    }

    private static System.Collections.Generic.List<(int, int)> SparseVectorFunctionsPattern(int n) =>
        Enumerable.Range(0, n).SelectMany(i => new[] { (i, i), (i, (i + 1) % n), (i, n), (n + i, i), (n + i, n) }).ToList();

    [Test]
    public void Tangents_of_the_wrong_length_throw()
    {
        var x = Point(3, 1);
        double[] y = new double[3], z = new double[2];
        Assert.Throws<ArgumentException>(() => BatchedFunctions.MixedJvpBatch(x, 1, y, z, new double[3], new double[Lanes], new double[Lanes * 3], new double[Lanes * 2]));
        Assert.Throws<ArgumentException>(() => BatchedFunctions.MixedJvpBatch(x, 1, y, z, new double[Lanes * 3], new double[1], new double[Lanes * 3], new double[Lanes * 2]));
        Assert.Throws<ArgumentException>(() => BatchedFunctions.MixedJvpBatch(x, 1, y, z, new double[Lanes * 3], new double[Lanes], new double[Lanes * 3], new double[2]));
    }

    [Test]
    public void Small_Jacobians_and_batches_allocate_nothing()
    {
        var x = Point(6, 2);
        double[] y = new double[6], z = new double[2], jacobian = new double[8 * 7], xDot = Point(Lanes * 6, 3), aDot = Point(Lanes, 4), yDot = new double[Lanes * 6], zDot = new double[Lanes * 2];
        var coloring = JacobianColoring.FromPattern(8, 7, Enumerable.Range(0, 8).SelectMany(r => Enumerable.Range(0, 7).Select(c => (r, c))));
        double[] px = Point(5, 1), py = new double[4], pj = new double[4 * 6], xy = new double[2], polar = new double[4];
        double sink = 0;
        void Calls()
        {
            for (int i = 0; i < 1000; i++)
            {
                BatchedFunctions.MixedJvpBatch(x, 0.7, y, z, xDot, aDot, yDot, zDot);
                BatchedFunctions.MixedJacobian(x, 0.7, y, z, jacobian);
                BatchedFunctions.MixedJacobian(x, 0.7, y, z, jacobian, coloring);
                VectorFunctions.PairwiseProductsJacobian(px, 1.1, py, pj); // reverse: Vjps, seeds on the stack
                VectorFunctions.PolarJacobian(1.2, 0.3, xy, polar);
                sink += jacobian[3] + pj[2] + polar[1] + yDot[5];
            }
        }
        Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Calls();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"sink {sink}");
    }

    [Test]
    public void Snapshot_of_a_batched_companion() => GeneratedCode.VerifyInFns("""
        [Differentiable]
        public static void Step(ReadOnlySpan<double> u, double dt, Span<double> next)
        {
            double energy = 0;
            for (int i = 0; i < u.Length; i++) energy += u[i] * u[i];
            for (int i = 0; i < u.Length; i++) next[i] = u[i] + dt * Math.Sin(u[i]) / (1 + energy);
        }
        """, nameof(Snapshot_of_a_batched_companion));
}

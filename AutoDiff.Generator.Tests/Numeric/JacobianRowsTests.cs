using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>Fixtures for Jacobians built from reverse sweeps that add straight into the Jacobian's rows.</summary>
public static partial class JacobianRowFunctions
{
    /// <summary>A pinhole projection: 2 outputs, 4 + 1 + 3 = 8 inputs (spans and a scalar), so the Jacobian is built by rows.</summary>
    [Differentiable]
    public static void Project(ReadOnlySpan<double> cam, double w, ReadOnlySpan<double> p, Span<double> e)
    {
        double x = cam[0] * p[0] - cam[1] * p[1] + cam[3];
        double y = cam[1] * p[0] + cam[0] * p[1] + w;
        double z = 2 + p[2] * p[2];
        e[0] = cam[2] * x / z - 0.5;
        e[1] = cam[2] * y / z + Math.Sin(w * p[0]);
    }

    /// <summary>An array parameter (not a span) and single precision: 1 output, 5 inputs.</summary>
    [Differentiable]
    public static void Norms(float[] v, Span<float> y)
    {
        float sum = 0;
        for (int i = 0; i < v.Length; i++) sum += v[i] * v[i] * (i + 1);
        y[0] = MathF.Sqrt(sum);
    }
}

/// <summary>An instance method: its Jacobian keeps the column sweeps inline (a local function could not use <c>this</c> in a struct).</summary>
public partial class ScaledProjection
{
    public double Scale { get; set; } = 1.5;

    [Differentiable]
    public void Apply(ReadOnlySpan<double> q, Span<double> r)
    {
        r[0] = Scale * q[0] * q[1] + q[2];
    }
}

/// <summary>
/// The reverse-mode Jacobian (more inputs than outputs) lets each Vjp add into a cleared slice of its row: the rows equal
/// single Vjp calls bit for bit, match central differences and forward-mode columns, overwrite whatever the span held,
/// and allocate nothing.
/// </summary>
public sealed class JacobianRowsTests
{
    private static readonly double[] Cam = { 0.9, -0.3, 1.7, 0.25 };
    private static readonly double[] P = { 0.4, -1.1, 0.8 };
    private const double W = 0.35;

    private static double[] ProjectAt(double[] cam, double w, double[] p)
    {
        var e = new double[2];
        JacobianRowFunctions.Project(cam, w, p, e);
        return e;
    }

    private static double[] Jacobian()
    {
        var e = new double[2];
        var jacobian = Enumerable.Repeat(double.NaN, 2 * 8).ToArray();
        JacobianRowFunctions.ProjectJacobian(Cam, W, P, e, jacobian);
        Assert.That(e, Is.EqualTo(ProjectAt(Cam, W, P)), "the outputs, bit for bit");
        return jacobian;
    }

    [Test]
    public void Rows_are_single_Vjps_bit_for_bit()
    {
        var jacobian = Jacobian();
        for (int row = 0; row < 2; row++)
        {
            double[] seed = new double[2], camAdj = new double[4], pAdj = new double[3], e = new double[2];
            seed[row] = 1;
            double wAdj = 0;
            JacobianRowFunctions.ProjectVjp(Cam, W, P, e, seed, camAdj, ref wAdj, pAdj);
            var expected = camAdj.Append(wAdj).Concat(pAdj).ToArray();
            Assert.That(jacobian.AsSpan(row * 8, 8).ToArray(), Is.EqualTo(expected), $"row {row}");
        }
    }

    [Test]
    public void Columns_match_central_differences_and_forward_mode()
    {
        var jacobian = Jacobian();
        const double h = 1e-6;
        for (int column = 0; column < 8; column++)
        {
            double[] Shifted(double by)
            {
                var cam = (double[])Cam.Clone();
                var p = (double[])P.Clone();
                double w = W;
                if (column < 4) cam[column] += by;
                else if (column == 4) w += by;
                else p[column - 5] += by;
                return ProjectAt(cam, w, p);
            }
            double[] plus = Shifted(h), minus = Shifted(-h);
            double[] camDot = new double[4], pDot = new double[3], eDot = new double[2], e = new double[2];
            double wDot = 0;
            if (column < 4) camDot[column] = 1;
            else if (column == 4) wDot = 1;
            else pDot[column - 5] = 1;
            JacobianRowFunctions.ProjectJvp(Cam, W, P, e, camDot, wDot, pDot, eDot);
            for (int row = 0; row < 2; row++)
            {
                double entry = jacobian[row * 8 + column];
                Assert.That(entry, Is.EqualTo((plus[row] - minus[row]) / (2 * h)).Within(1e-7), $"({row}, {column}) vs differences");
                Assert.That(entry, Is.EqualTo(eDot[row]).Within(1e-13 * (1 + Math.Abs(entry))), $"({row}, {column}) vs forward mode");
            }
        }
    }

    [Test]
    public void Hand_derived_entries()
    {
        // ∂e0/∂cam2 = x / z, ∂e1/∂w = cam2 / z + p0 cos(w p0), ∂e0/∂p2 = −cam2 x · 2 p2 / z².
        var jacobian = Jacobian();
        double x = Cam[0] * P[0] - Cam[1] * P[1] + Cam[3];
        double z = 2 + P[2] * P[2];
        Assert.That(jacobian[0 * 8 + 2], Is.EqualTo(x / z).Within(1e-15));
        Assert.That(jacobian[1 * 8 + 4], Is.EqualTo(Cam[2] / z + P[0] * Math.Cos(W * P[0])).Within(1e-15));
        Assert.That(jacobian[0 * 8 + 7], Is.EqualTo(-Cam[2] * x * 2 * P[2] / (z * z)).Within(1e-15));
    }

    [Test]
    public void Single_precision_array_rows()
    {
        float[] v = { 0.5f, -1.25f, 2f, 0.75f, -0.1f };
        float[] y = new float[1], jacobian = Enumerable.Repeat(float.NaN, 5).ToArray();
        JacobianRowFunctions.NormsJacobian(v, y, jacobian);
        float[] seed = { 1 }, vAdj = new float[5], y2 = new float[1];
        JacobianRowFunctions.NormsVjp(v, y2, seed, vAdj);
        Assert.That(jacobian, Is.EqualTo(vAdj), "the row is the Vjp, bit for bit");
        double norm = Math.Sqrt(v.Select((t, i) => (double)t * t * (i + 1)).Sum());
        for (int i = 0; i < 5; i++) Assert.That(jacobian[i], Is.EqualTo(v[i] * (i + 1) / norm).Within(1e-6), $"∂y/∂v{i}");
    }

    [Test]
    public void Instance_method_Jacobian()
    {
        var f = new ScaledProjection();
        double[] q = { 0.7, -0.4, 2.0 }, r = new double[1], jacobian = Enumerable.Repeat(double.NaN, 3).ToArray();
        f.ApplyJacobian(q, r, jacobian);
        Assert.That(jacobian, Is.EqualTo(new[] { 1.5 * q[1], 1.5 * q[0], 1.0 }).Within(1e-15));
        Assert.That(r[0], Is.EqualTo(1.5 * q[0] * q[1] + q[2]));
    }

    [Test]
    public void Allocates_nothing()
    {
        var e = new double[2];
        var jacobian = new double[16];
        for (int i = 0; i < 3; i++) JacobianRowFunctions.ProjectJacobian(Cam, W, P, e, jacobian);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) JacobianRowFunctions.ProjectJacobian(Cam, W, P, e, jacobian);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}

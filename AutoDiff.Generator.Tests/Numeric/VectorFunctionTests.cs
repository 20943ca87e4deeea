using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Vector-valued methods: Jacobians against closed forms and finite differences, Jvp against Vjp
/// (⟨ȳ, J·v⟩ = ⟨Jᵀ·ȳ, v⟩), both Jacobian strategies, and the aliasing check.
/// </summary>
public sealed class VectorFunctionTests
{
    [TestCase(1.7, 0.4)]
    [TestCase(0.3, -2.0)]
    public void Polar_Jacobian_is_the_closed_form(double r, double theta)
    {
        var xy = new double[2];
        var j = new double[4];
        VectorFunctions.PolarJacobian(r, theta, xy, j);
        Assert.That(xy, Is.EqualTo(new[] { r * Math.Cos(theta), r * Math.Sin(theta) }).Within(1e-15));
        var expected = new[] { Math.Cos(theta), -r * Math.Sin(theta), Math.Sin(theta), r * Math.Cos(theta) };
        Assert.That(j, Is.EqualTo(expected).Within(1e-14));
    }

    private static double[] FiniteDifferenceJacobian(Func<double[], double[]> f, double[] point, int outputs)
    {
        int n = point.Length;
        var j = new double[outputs * n];
        for (int c = 0; c < n; c++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(point[c]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[c] += h;
            minus[c] -= h;
            var fp = f(plus);
            var fm = f(minus);
            for (int r = 0; r < outputs; r++) j[r * n + c] = (fp[r] - fm[r]) / (2 * h);
        }
        return j;
    }

    [Test]
    public void Reverse_sweep_Jacobian_matches_finite_differences()
    {
        var x = new[] { 0.3, -0.8, 1.2, 0.5, -0.1 };
        const double scale = 1.7;
        var y = new double[4];
        var j = new double[4 * 6];
        VectorFunctions.PairwiseProductsJacobian(x, scale, y, j);
        var numeric = FiniteDifferenceJacobian(p =>
        {
            var o = new double[4];
            VectorFunctions.PairwiseProducts(p.Take(5).ToArray(), p[5], o);
            return o;
        }, x.Append(scale).ToArray(), 4);
        Assert.That(j, Is.EqualTo(numeric).Within(1e-6));
    }

    [Test]
    public void Forward_sweep_Jacobian_matches_finite_differences()
    {
        var positions = new double[8];
        var j = new double[8 * 2];
        VectorFunctions.TrajectoryJacobian(3.0, 0.2, positions, j);
        var numeric = FiniteDifferenceJacobian(p =>
        {
            var o = new double[8];
            VectorFunctions.Trajectory(p[0], p[1], o);
            return o;
        }, new[] { 3.0, 0.2 }, 8);
        Assert.That(j, Is.EqualTo(numeric).Within(1e-6));
        var direct = new double[8];
        VectorFunctions.Trajectory(3.0, 0.2, direct);
        Assert.That(positions, Is.EqualTo(direct));
    }

    [Test]
    public void Jvp_and_Vjp_are_adjoint()
    {
        var x = new[] { 0.3, -0.8, 1.2, 0.5, -0.1 };
        var v = new[] { 0.7, 0.1, -0.4, 0.9, 0.2 };
        const double scaleDot = -0.6;
        var yBar = new[] { 1.1, -0.3, 0.5, 2.0 };
        var y = new double[4];
        var yDot = new double[4];
        VectorFunctions.PairwiseProductsJvp(x, 1.7, y, v, scaleDot, yDot);
        var xAdj = new double[5];
        double scaleAdj = 0;
        VectorFunctions.PairwiseProductsVjp(x, 1.7, y, yBar, xAdj, ref scaleAdj);
        double left = yBar.Zip(yDot, (a, b) => a * b).Sum();
        double right = xAdj.Zip(v, (a, b) => a * b).Sum() + scaleAdj * scaleDot;
        Assert.That(left, Is.EqualTo(right).Within(1e-12));
    }

    [Test]
    public void An_output_overlapping_an_input_is_an_argument_exception()
    {
        var buffer = new double[6];
        Assert.Throws<ArgumentException>(() => VectorFunctions.PairwiseProductsJvp(buffer.AsSpan(0, 5), 1, buffer.AsSpan(2, 4), new double[5], 0, new double[4]));
    }

    [Test]
    public void Jacobian_of_the_wrong_size_is_an_argument_exception()
    {
        Assert.Throws<ArgumentException>(() => VectorFunctions.PolarJacobian(1, 1, new double[2], new double[3]));
    }

    [Test]
    public void Vector_companions_allocate_nothing_in_steady_state()
    {
        var x = new[] { 0.3, -0.8, 1.2, 0.5, -0.1 };
        var y = new double[4];
        var j = new double[24];
        var positions = new double[8];
        var jt = new double[16];
        VectorFunctions.PairwiseProductsJacobian(x, 1.7, y, j);
        VectorFunctions.TrajectoryJacobian(3.0, 0.2, positions, jt);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            VectorFunctions.PairwiseProductsJacobian(x, 1.7, y, j);
            VectorFunctions.TrajectoryJacobian(3.0, 0.2, positions, jt);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}

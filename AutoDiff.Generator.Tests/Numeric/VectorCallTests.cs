using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Calls to vector-valued methods (<see cref="VectorCalls"/>, <see cref="Springs"/>): every gradient against central
/// differences, reverse against forward mode, a hand-derived formula where one is short, H·v against differences of
/// the gradient, the Jacobian of a vector-valued caller, and no allocation.
/// </summary>
public sealed class VectorCallTests
{
    private static void AssertClose(double actual, double expected, double relative, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(relative * Math.Max(1, Math.Abs(expected))), what);

    /// <summary>Gradient against differences; Vjp adds seed·gradient; Jvp along a direction is gradient·direction.</summary>
    private static double[] CheckGradient(Func<double[], double> f, Func<double[], double[], double> gradient,
        Func<double[], double, double[], double> vjp, Func<double[], double[], (double Value, double Tangent)> jvp, double[] x, double tolerance = 1e-6)
    {
        var g = Enumerable.Repeat(double.NaN, x.Length).ToArray();
        Assert.That(gradient(x, g), Is.EqualTo(f(x)), "Gradient returns the value");
        var numeric = GradientCheck.FiniteDifferenceGradient(f, x);
        for (int i = 0; i < x.Length; i++) AssertClose(g[i], numeric[i], tolerance, $"∂f/∂x[{i}] against central differences");
        var adjoint = Enumerable.Range(0, x.Length).Select(i => 0.25 * i).ToArray();
        vjp(x, 1.5, adjoint);
        for (int i = 0; i < x.Length; i++) AssertClose(adjoint[i], 0.25 * i + 1.5 * g[i], 1e-12, $"Vjp adds seed·∂f/∂x[{i}]");
        var direction = Enumerable.Range(0, x.Length).Select(i => Math.Cos(1 + i)).ToArray();
        var (value, tangent) = jvp(x, direction);
        Assert.That(value, Is.EqualTo(f(x)));
        AssertClose(tangent, g.Zip(direction, (a, b) => a * b).Sum(), 1e-12, "forward mode agrees with reverse");
        return g;
    }

    [TestCase(1)]
    [TestCase(6)]
    public void Rk4_trajectory_of_the_Lorenz_field(int steps)
    {
        // [u0₀, u0₁, u0₂, dt]
        Func<double[], double> f = p => VectorCalls.Trajectory(p.Take(3).ToArray(), p[3], steps);
        var point = new[] { 1.2, -0.7, 20.5, 0.01 };
        CheckGradient(f,
            (p, g) => { var du = new double[3]; double v = VectorCalls.TrajectoryGradient(p.Take(3).ToArray(), p[3], steps, du, out double ddt); du.CopyTo(g, 0); g[3] = ddt; return v; },
            (p, s, a) => { var du = a.Take(3).ToArray(); double ddt = a[3]; double v = VectorCalls.TrajectoryVjp(p.Take(3).ToArray(), p[3], steps, s, du, ref ddt); du.CopyTo(a, 0); a[3] = ddt; return v; },
            (p, d) => { double v = VectorCalls.TrajectoryJvp(p.Take(3).ToArray(), p[3], steps, d.Take(3).ToArray(), d[3], out double t); return (v, t); },
            point, 1e-5);
    }

    [Test]
    public void Rk4_trajectory_Hvp_matches_differences_of_the_gradient()
    {
        var u0 = new[] { 1.2, -0.7, 20.5 };
        var v = new[] { 0.3, -0.4, 0.5 };
        const double dt = 0.01;
        var hv = new double[3];
        VectorCalls.TrajectoryHvp(u0, dt, 4, v, 0.0, hv, out double hvDt);
        double h = 1e-5;
        var plus = new double[3];
        var minus = new double[3];
        VectorCalls.TrajectoryGradient(u0.Zip(v, (a, b) => a + h * b).ToArray(), dt, 4, plus, out _);
        VectorCalls.TrajectoryGradient(u0.Zip(v, (a, b) => a - h * b).ToArray(), dt, 4, minus, out _);
        for (int i = 0; i < 3; i++) AssertClose(hv[i], (plus[i] - minus[i]) / (2 * h), 1e-5, $"(H·v)[{i}]");
        Assert.That(double.IsFinite(hvDt), Is.True);
    }

    [Test]
    public void Rk4_step_Jacobian_matches_differences()
    {
        var u = new[] { 1.2, -0.7, 20.5 };
        const double dt = 0.02;
        var next = new double[3];
        Span<double> scratch = new double[15];
        // Inputs u (3) and dt (1); outputs next and the five scratch spans (3 each): 18 × 4.
        var jacobian = new double[18 * 4];
        VectorCalls.Rk4StepJacobian(u, dt, next, scratch.Slice(0, 3), scratch.Slice(3, 3), scratch.Slice(6, 3), scratch.Slice(9, 3), scratch.Slice(12, 3), jacobian);
        for (int c = 0; c < 4; c++)
        {
            var plus = Step(u, dt, c, 1e-6);
            var minus = Step(u, dt, c, -1e-6);
            for (int r = 0; r < 3; r++) AssertClose(jacobian[r * 4 + c], (plus[r] - minus[r]) / 2e-6, 1e-6, $"∂next[{r}]/∂input[{c}]");
        }

        static double[] Step(double[] u, double dt, int column, double h)
        {
            var shifted = (double[])u.Clone();
            if (column < 3) shifted[column] += h; else dt += h;
            var next = new double[3];
            var s = new double[15];
            VectorCalls.Rk4Step(shifted, dt, next, s.AsSpan(0, 3), s.AsSpan(3, 3), s.AsSpan(6, 3), s.AsSpan(9, 3), s.AsSpan(12, 3));
            return next;
        }
    }

    [Test]
    public void In_place_call_that_reads_its_output_against_its_formula()
    {
        var x = new[] { 0.4, -1.1, 0.9, 1.3 };
        var g = CheckGradient(VectorCalls.SquaresTwice, (p, d) => VectorCalls.SquaresTwiceGradient(p, d),
            (p, s, a) => VectorCalls.SquaresTwiceVjp(p, s, a), (p, d) => (VectorCalls.SquaresTwiceJvp(p, d, out double t), t), x);
        Assert.That(VectorCalls.SquaresTwice(x), Is.EqualTo(x.Sum(v => v * v + v * v * v * v)).Within(1e-14));
        for (int i = 0; i < x.Length; i++) AssertClose(g[i], 2 * x[i] + 4 * Math.Pow(x[i], 3), 1e-14, $"2x + 4x³ at {i}");
    }

    [Test]
    public void Vector_caller_passing_its_output_on_has_the_diagonal_Jacobian()
    {
        var x = new[] { 0.4, -1.1, 0.9 };
        var y = new double[3];
        var jacobian = new double[9];
        VectorCalls.SquaresTwiceIntoJacobian(x, y, jacobian);
        for (int r = 0; r < 3; r++)
        {
            Assert.That(y[r], Is.EqualTo(x[r] * x[r] + Math.Pow(x[r], 4)).Within(1e-14));
            for (int c = 0; c < 3; c++) Assert.That(jacobian[r * 3 + c], Is.EqualTo(r == c ? 2 * x[r] + 4 * Math.Pow(x[r], 3) : 0).Within(1e-14), $"J[{r},{c}]");
        }
        // Reverse sweep by hand: ȳ = (1, 2, 3) gives x̄ = ȳ ⊙ diag.
        var yAdj = new[] { 1.0, 2.0, 3.0 };
        var xAdj = new double[3];
        Array.Clear(y);
        VectorCalls.SquaresTwiceIntoVjp(x, y, yAdj, xAdj);
        for (int i = 0; i < 3; i++) AssertClose(xAdj[i], yAdj[i] * jacobian[i * 4], 1e-14, $"Vjp[{i}]");
    }

    [TestCase(5)]
    [TestCase(4)]
    public void Elements_the_callee_does_not_write_keep_their_derivatives(int n)
    {
        var x = Enumerable.Range(0, n).Select(i => 0.3 + 0.4 * i).ToArray();
        var g = CheckGradient(VectorCalls.PartlyOverwritten, (p, d) => VectorCalls.PartlyOverwrittenGradient(p, d),
            (p, s, a) => VectorCalls.PartlyOverwrittenVjp(p, s, a), (p, d) => (VectorCalls.PartlyOverwrittenJvp(p, d, out double t), t), x);
        for (int i = 0; i < n; i++)
        {
            double expected = i % 2 == 0 ? 2 * Math.Sin(x[i]) * Math.Cos(x[i]) : 18 * x[i];
            AssertClose(g[i], expected, 1e-14, $"∂f/∂x[{i}]");
        }
    }

    [Test]
    public void A_NoDerivative_scalar_of_the_callee_passes_no_derivative()
    {
        var x = new[] { 0.5, -1.5, 2.0 };
        var dx = new double[3];
        double value = VectorCalls.ScaledSumGradient(x, 0.7, dx, out double da);
        Assert.That(value, Is.EqualTo(VectorCalls.ScaledSum(x, 0.7)));
        Assert.That(dx, Is.EqualTo(new[] { 0.7, 0.7, 0.7 }).Within(1e-15));
        // Only a·a contributes: the callee's c is data, as its own Vjp would treat it.
        Assert.That(da, Is.EqualTo(1.4).Within(1e-15));
    }

    [Test]
    public void Instance_vector_method_called_on_this()
    {
        var springs = new Springs(2.5);
        var q = new[] { 0.2, -0.5, 0.8, 0.1, -0.3 };
        var g = CheckGradient(springs.Residual, (p, d) => springs.ResidualGradient(p, d), (p, s, a) => springs.ResidualVjp(p, s, a),
            (p, d) => (springs.ResidualJvp(p, d, out double t), t), q);
        // ∇(½|f|²) = Jᵀf with J = ∂f/∂q from the callee's own Jacobian.
        var f = new double[5];
        var jacobian = new double[25];
        springs.ForcesJacobian(q, f, jacobian);
        for (int c = 0; c < 5; c++) AssertClose(g[c], Enumerable.Range(0, 5).Sum(r => jacobian[r * 5 + c] * f[r]), 1e-13, $"Jᵀf at {c}");
    }

    [Test]
    public void Inlined_vector_calls_allocate_nothing()
    {
        var u0 = new[] { 1.2, -0.7, 20.5 };
        var du = new double[3];
        var x = new[] { 0.4, -1.1, 0.9, 1.3 };
        var dx = new double[4];
        VectorCalls.TrajectoryGradient(u0, 0.01, 3, du, out _);
        VectorCalls.SquaresTwiceGradient(x, dx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            VectorCalls.TrajectoryGradient(u0, 0.01, 3, du, out _);
            VectorCalls.SquaresTwiceGradient(x, dx);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}

using System;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Hessian-vector products and Hessians: against central finite differences of the generated
/// gradient, against closed forms, Hvp against Hessian·v, symmetry, and allocation.
/// </summary>
public sealed class SecondOrderTests
{
    /// <summary>Column j of the Hessian ≈ (g(x + h·eⱼ) − g(x − h·eⱼ)) / 2h, from the generated gradient.</summary>
    internal static double[,] FiniteDifferenceHessian(Func<double[], double[]> gradient, double[] x, double h = 1e-5)
    {
        int n = x.Length;
        var hessian = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[j] += h;
            minus[j] -= h;
            var gp = gradient(plus);
            var gm = gradient(minus);
            for (int i = 0; i < n; i++) hessian[i, j] = (gp[i] - gm[i]) / (2 * h);
        }
        return hessian;
    }

    internal static void AssertHessian(double[] actual, double[,] expected, double tolerance, string what)
    {
        int n = expected.GetLength(0);
        Assert.That(actual, Has.Length.EqualTo(n * n));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double e = expected[i, j];
                Assert.That(actual[i * n + j], Is.EqualTo(e).Within(tolerance * Math.Max(1, Math.Abs(e))), $"{what} H[{i},{j}]");
            }
        }
    }

    internal static void AssertSymmetric(double[] hessian, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
                Assert.That(hessian[i * n + j], Is.EqualTo(hessian[j * n + i]), $"H[{i},{j}] = H[{j},{i}]");
    }

    internal static double[] Times(double[] hessian, double[] v)
    {
        int n = v.Length;
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => hessian[i * n + j] * v[j])).ToArray();
    }

    [Test]
    public void Rosenbrock_Hessian_matches_its_closed_form_and_finite_differences()
    {
        var x = new[] { -1.2, 1.0, 0.4, -0.3, 0.8, 1.1 };
        int n = x.Length;
        var hessian = new double[n * n];
        double value = SecondOrder.RosenbrockHessian(x, hessian);
        Assert.That(value, Is.EqualTo(SecondOrder.Rosenbrock(x)));

        // Tridiagonal: ∂²/∂xᵢ² = 2 + 1200xᵢ² − 400xᵢ₊₁ (i < n−1) + 200 (i > 0); ∂²/∂xᵢ∂xᵢ₊₁ = −400xᵢ.
        var closed = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            if (i + 1 < n)
            {
                closed[i, i] += 2 + 1200 * x[i] * x[i] - 400 * x[i + 1];
                closed[i, i + 1] = closed[i + 1, i] = -400 * x[i];
            }
            if (i > 0) closed[i, i] += 200;
        }
        AssertHessian(hessian, closed, 1e-12, "closed form");
        AssertHessian(hessian, FiniteDifferenceHessian(p => { var g = new double[n]; SecondOrder.RosenbrockGradient(p, g); return g; }, x), 1e-6, "finite differences");
        AssertSymmetric(hessian, n);

        var v = new[] { 0.3, -0.7, 1.1, 0.2, -0.5, 0.9 };
        var hv = new double[n];
        Assert.That(SecondOrder.RosenbrockHvp(x, v, hv), Is.EqualTo(value));
        var expected = Times(hessian, v);
        for (int i = 0; i < n; i++) Assert.That(hv[i], Is.EqualTo(expected[i]).Within(1e-10 * Math.Max(1, Math.Abs(expected[i]))), $"(H·v)[{i}]");
    }

    [Test]
    public void Quartic_Hessian_matches_its_closed_form()
    {
        foreach (var (x, y) in new[] { (0.7, -1.3), (1.5, 0.4), (-0.2, 0.9) })
        {
            var hessian = new double[4];
            SecondOrder.QuarticHessian(x, y, hessian);
            var closed = new[,] { { 12 * x * x + 6 * y * y, 12 * x * y - 2 }, { 12 * x * y - 2, 6 * x * x + 12 * y * y } };
            AssertHessian(hessian, closed, 1e-12, "quartic");

            SecondOrder.QuarticHvp(x, y, 0.6, -0.8, out double hx, out double hy);
            Assert.That(hx, Is.EqualTo(closed[0, 0] * 0.6 - closed[0, 1] * 0.8).Within(1e-12 * Math.Max(1, Math.Abs(hx))));
            Assert.That(hy, Is.EqualTo(closed[1, 0] * 0.6 - closed[1, 1] * 0.8).Within(1e-12 * Math.Max(1, Math.Abs(hy))));
        }
    }

    [Test]
    public void Single_precision_Hessian_matches_the_closed_form()
    {
        var hessian = new float[4];
        float value = SecondOrder.QuarticFHessian(0.7f, -1.3f, hessian);
        Assert.That(value, Is.EqualTo(SecondOrder.QuarticF(0.7f, -1.3f)));
        double x = 0.7, y = -1.3;
        var closed = new[] { 12 * x * x + 6 * y * y, 12 * x * y - 2, 12 * x * y - 2, 6 * x * x + 12 * y * y };
        for (int i = 0; i < 4; i++) Assert.That(hessian[i], Is.EqualTo(closed[i]).Within(1e-5 * Math.Max(1, Math.Abs(closed[i]))));
    }

    [Test]
    public void Trigonometric_Hessian_matches_its_closed_form_and_finite_differences()
    {
        foreach (var (x, y) in new[] { (0.4, 1.3), (-1.1, 0.6) })
        {
            var hessian = new double[4];
            SecondOrder.TrigonometricHessian(x, y, hessian);
            double s = Math.Sin(x * y), c = Math.Cos(x * y);
            var closed = new[,]
            {
                { -y * y * s - Math.Cos(x) * y * y, c - x * y * s - 2 * y * Math.Sin(x) },
                { c - x * y * s - 2 * y * Math.Sin(x), -x * x * s + 2 * Math.Cos(x) },
            };
            AssertHessian(hessian, closed, 1e-12, "closed form");
            AssertHessian(hessian, FiniteDifferenceHessian(p => { SecondOrder.TrigonometricGradient(p[0], p[1], out double gx, out double gy); return new[] { gx, gy }; }, new[] { x, y }), 1e-6, "finite differences");
            AssertSymmetric(hessian, 2);
        }
    }

    [Test]
    public void Loops_with_loop_carried_values_and_branches()
    {
        foreach (var point in new[] { new[] { 0.7, 0.4 }, new[] { -0.5, 1.2 } })
        {
            var hessian = new double[4];
            double value = SecondOrder.IteratedHessian(point[0], point[1], 12, hessian);
            Assert.That(value, Is.EqualTo(SecondOrder.Iterated(point[0], point[1], 12)));
            var fd = FiniteDifferenceHessian(p => { SecondOrder.IteratedGradient(p[0], p[1], 12, out double gx, out double gy); return new[] { gx, gy }; }, point);
            AssertHessian(hessian, fd, 1e-5, "finite differences");
            AssertSymmetric(hessian, 2);

            SecondOrder.IteratedHvp(point[0], point[1], 12, -0.3, 0.8, out double hx, out double hy);
            var expected = Times(hessian, new[] { -0.3, 0.8 });
            Assert.That(hx, Is.EqualTo(expected[0]).Within(1e-9 * Math.Max(1, Math.Abs(hx))));
            Assert.That(hy, Is.EqualTo(expected[1]).Within(1e-9 * Math.Max(1, Math.Abs(hy))));
        }
    }

    [Test]
    public void Arrays_buffers_log_sum_exp_and_stop_gradient_mixed_with_a_scalar()
    {
        var x = new[] { 0.3, -0.8, 1.1, 0.5 };
        double temperature = 0.9;
        int n = x.Length + 1;
        var hessian = new double[n * n];
        SecondOrder.SmoothedHessian(x, temperature, hessian);
        double[] Gradient(double[] p)
        {
            var g = new double[n - 1];
            SecondOrder.SmoothedGradient(p.Take(n - 1).ToArray(), p[n - 1], g, out double gt);
            return g.Append(gt).ToArray();
        }
        var fd = FiniteDifferenceHessian(Gradient, x.Append(temperature).ToArray());
        // The gradient's x₀ entry holds 2·T²·x₀ with T² stopped: its finite difference in T sees the value T² move
        // (4·T·x₀), the derivative does not — as with JAX's stop_gradient under jax.hessian.
        fd[0, n - 1] -= 4 * temperature * x[0];
        AssertHessian(hessian, fd, 1e-6, "finite differences");
        AssertSymmetric(hessian, n);

        var v = new[] { 0.2, 0.1, -0.4, 0.7 };
        var hv = new double[4];
        SecondOrder.SmoothedHvp(x, temperature, v, -0.6, hv, out double hvT);
        var expected = Times(hessian, v.Append(-0.6).ToArray());
        for (int i = 0; i < 4; i++) Assert.That(hv[i], Is.EqualTo(expected[i]).Within(1e-9 * Math.Max(1, Math.Abs(expected[i]))), $"(H·v)[{i}]");
        Assert.That(hvT, Is.EqualTo(expected[4]).Within(1e-9 * Math.Max(1, Math.Abs(expected[4]))));
    }

    [Test]
    public void Stop_gradient_blocks_second_derivatives_through_the_stopped_value()
    {
        // f = … + StopGradient(T²)·x₀² + …: ∂f/∂x₀ = 2·T²·x₀ as a value, but ∂²f/∂x₀∂T gets nothing from T².
        var hessian = new double[9];
        SecondOrder.SmoothedHessian(new[] { 0.3, -0.8 }, 0.9, hessian);
        double[] G(double[] p) { var g = new double[2]; SecondOrder.SmoothedGradient(new[] { p[0], p[1] }, p[2], g, out double gt); return new[] { g[0], g[1], gt }; }
        var fd = FiniteDifferenceHessian(G, new[] { 0.3, -0.8, 0.9 });
        double throughScale = 4 * 0.9 * 0.3;
        Assert.That(hessian[0 * 3 + 2], Is.EqualTo(fd[0, 2] - throughScale).Within(1e-6));
        Assert.That(hessian[2 * 3 + 0], Is.EqualTo(fd[2, 0]).Within(1e-6), "∂g_T/∂x₀ never involved the stopped value");
    }

    [Test]
    public void Hvp_of_a_2000_element_Rosenbrock_allocates_nothing()
    {
        var x = Enumerable.Range(0, 2000).Select(i => Math.Cos(i)).ToArray();
        var v = Enumerable.Range(0, 2000).Select(i => Math.Sin(i)).ToArray();
        var hv = new double[2000];
        SecondOrder.RosenbrockHvp(x, v, hv);
        var big = Enumerable.Range(0, 2000).Select(i => 0.001 * i).ToArray();
        var hvBig = new double[2000];
        SecondOrder.SmoothedHvp(big, 0.5, v, 0.2, hvBig, out _);
        SecondOrder.IteratedHvp(0.7, 0.4, 2000, 1, 0, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        SecondOrder.RosenbrockHvp(x, v, hv);
        SecondOrder.IteratedHvp(0.7, 0.4, 2000, 1, 0, out _, out _);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(after - before, Is.Zero);
        // Each entry of H·v for Rosenbrock from its tridiagonal form.
        for (int i = 0; i < 2000; i++)
        {
            double expected = (i + 1 < 2000 ? (2 + 1200 * x[i] * x[i] - 400 * x[i + 1]) * v[i] - 400 * x[i] * v[i + 1] : 0)
                + (i > 0 ? 200 * v[i] - 400 * x[i - 1] * v[i - 1] : 0);
            Assert.That(hv[i], Is.EqualTo(expected).Within(1e-9 * Math.Max(1, Math.Abs(expected))));
        }
    }

    [Test]
    public void Hessian_checks_its_span_length()
    {
        Assert.Throws<ArgumentException>(() => SecondOrder.RosenbrockHessian(new double[3], new double[8]));
        Assert.Throws<ArgumentException>(() => SecondOrder.RosenbrockHvp(new double[3], new double[2], new double[3]));
    }
}

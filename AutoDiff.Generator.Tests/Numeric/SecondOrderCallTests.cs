using System;
using System.Linq;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Numeric.SecondOrderTests;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Second derivatives through calls (scalar and span arguments, nesting, loops, recursion, calls on this) and
/// through a [Differentiable] custom rule: Hessians against finite differences of the generated gradient and
/// against closed forms, Hvp against Hessian·v, symmetry, and no allocation.
/// </summary>
public sealed class SecondOrderCallTests
{
    /// <summary>The three checks every second-order fixture gets.</summary>
    private static double[] Check(double[] x, double[] v, Func<double[], double[]> gradient, Func<double[], double[]> hessian, Func<double[], double[], double[]> hvp, double tolerance = 1e-6)
    {
        int n = x.Length;
        var h = hessian(x);
        AssertHessian(h, FiniteDifferenceHessian(gradient, x), tolerance, "finite differences of the gradient");
        AssertSymmetric(h, n);
        var expected = Times(h, v);
        var actual = hvp(x, v);
        for (int i = 0; i < n; i++) Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-9 * Math.Max(1, Math.Abs(expected[i]))), $"(H·v)[{i}]");
        return h;
    }

    [Test]
    public void Call_chain_matches_its_closed_form()
    {
        foreach (var point in new[] { new[] { 0.7, -0.4 }, new[] { -1.3, 0.9 } })
        {
            var h = Check(point, new[] { 0.6, -1.1 },
                p => { SecondOrderCalls.ChainGradient(p[0], p[1], out double gx, out double gy); return new[] { gx, gy }; },
                p => { var hh = new double[4]; Assert.That(SecondOrderCalls.ChainHessian(p[0], p[1], hh), Is.EqualTo(SecondOrderCalls.Chain(p[0], p[1]))); return hh; },
                (p, d) => { SecondOrderCalls.ChainHvp(p[0], p[1], d[0], d[1], out double hx, out double hy); return new[] { hx, hy }; });

            // u = sin(x²) + y: f = u², f_xx = 2(u_x² + u·u_xx), f_xy = 2u_x, f_yy = 2.
            double x = point[0], y = point[1];
            double u = Math.Sin(x * x) + y, ux = 2 * x * Math.Cos(x * x), uxx = 2 * Math.Cos(x * x) - 4 * x * x * Math.Sin(x * x);
            AssertHessian(h, new[,] { { 2 * (ux * ux + u * uxx), 2 * ux }, { 2 * ux, 2 } }, 1e-12, "closed form");
        }
    }

    [Test]
    public void Nested_calls_differentiate_through_each_callees_VjpTangent()
    {
        Check(new[] { 0.8, -0.6 }, new[] { -0.4, 0.9 },
            p => { SecondOrderCalls.OuterGradient(p[0], p[1], out double gx, out double gy); return new[] { gx, gy }; },
            p => { var hh = new double[4]; SecondOrderCalls.OuterHessian(p[0], p[1], hh); return hh; },
            (p, d) => { SecondOrderCalls.OuterHvp(p[0], p[1], d[0], d[1], out double hx, out double hy); return new[] { hx, hy }; });
    }

    [Test]
    public void Call_in_a_loop_with_a_carried_value()
    {
        foreach (int steps in new[] { 0, 1, 25 })
        {
            Check(new[] { 0.9, 1.7 }, new[] { 0.3, -0.8 },
                p => { SecondOrderCalls.IntegrateGradient(p[0], p[1], steps, out double gs, out double gr); return new[] { gs, gr }; },
                p => { var hh = new double[4]; SecondOrderCalls.IntegrateHessian(p[0], p[1], steps, hh); return hh; },
                (p, d) => { SecondOrderCalls.IntegrateHvp(p[0], p[1], steps, d[0], d[1], out double hs, out double hr); return new[] { hs, hr }; },
                1e-5);
        }
    }

    [Test]
    public void Recursion_matches_n_times_n_minus_1_x_to_the_n_minus_2()
    {
        foreach (int n in new[] { 0, 1, 2, 5 })
        {
            double x = 1.3;
            var hessian = new double[1];
            SecondOrderCalls.PowerHessian(x, n, hessian);
            Assert.That(hessian[0], Is.EqualTo(n * (n - 1) * Math.Pow(x, Math.Max(0, n - 2))).Within(1e-12), $"n = {n}");
            SecondOrderCalls.PowerHvp(x, n, 2.0, out double hv);
            Assert.That(hv, Is.EqualTo(2 * hessian[0]).Within(1e-12));
        }
    }

    [Test]
    public void Span_arguments_local_buffer_input_and_the_same_array_twice()
    {
        var w = new[] { 0.4, -0.9, 1.3 };
        double scale = 0.7;
        int n = w.Length + 1;
        var x = w.Append(scale).ToArray();
        Check(x, new[] { 0.5, 0.2, -0.7, 0.4 },
            p => { var g = new double[n - 1]; SecondOrderCalls.SpansGradient(p.Take(n - 1).ToArray(), p[n - 1], g, out double gs); return g.Append(gs).ToArray(); },
            p => { var hh = new double[n * n]; SecondOrderCalls.SpansHessian(p.Take(n - 1).ToArray(), p[n - 1], hh); return hh; },
            (p, d) =>
            {
                var hv = new double[n - 1];
                SecondOrderCalls.SpansHvp(p.Take(n - 1).ToArray(), p[n - 1], d.Take(n - 1).ToArray(), d[n - 1], hv, out double hs);
                return hv.Append(hs).ToArray();
            });
    }

    [Test]
    public void Calls_on_this()
    {
        var spring = new Oscillator(2.5);
        Check(new[] { 0.6, -0.8 }, new[] { 1.0, 0.5 },
            p => { spring.EnergyGradient(p[0], p[1], out double gx, out double gv); return new[] { gx, gv }; },
            p => { var hh = new double[4]; spring.EnergyHessian(p[0], p[1], hh); return hh; },
            (p, d) => { spring.EnergyHvp(p[0], p[1], d[0], d[1], out double hx, out double hv); return new[] { hx, hv }; });
    }

    [Test]
    public void Differentiable_custom_rule_gives_second_derivatives_from_its_own_derivative()
    {
        foreach (var (x, y) in new[] { (0.4, 1.1), (-0.9, 0.3) })
        {
            var h = Check(new[] { x, y }, new[] { 0.7, -0.2 },
                p => { SecondOrderCalls.WithRuleGradient(p[0], p[1], out double gx, out double gy); return new[] { gx, gy }; },
                p => { var hh = new double[4]; SecondOrderCalls.WithRuleHessian(p[0], p[1], hh); return hh; },
                (p, d) => { SecondOrderCalls.WithRuleHvp(p[0], p[1], d[0], d[1], out double hx, out double hy); return new[] { hx, hy }; });

            // With E′ = r (the rule) and E″ = −2t·r(t), at t = xy: f_xx = E″y³, f_xy = E″xy² + 2yE′, f_yy = E″x²y + 2xE′.
            double t = x * y, r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-t * t), r1 = -2 * t * r;
            AssertHessian(h, new[,] { { r1 * y * y * y, r1 * x * y * y + 2 * y * r }, { r1 * x * y * y + 2 * y * r, r1 * x * x * y + 2 * x * r } }, 1e-12, "closed form");
        }
    }

    public delegate double ArrayGradient(double[] x, Span<double> dx);
    public delegate double ArrayHessian(double[] x, Span<double> hessian);
    public delegate double ArrayHvp(double[] x, ReadOnlySpan<double> v, Span<double> hv);

    private static readonly (string Name, ArrayGradient Gradient, ArrayHessian Hessian, ArrayHvp Hvp)[] ArrayCallers =
    {
        ("PassParameter", ArrayCalls.PassParameterGradient, ArrayCalls.PassParameterHessian, ArrayCalls.PassParameterHvp),
        ("StackBufferAndBranch", ArrayCalls.StackBufferAndBranchGradient, ArrayCalls.StackBufferAndBranchHessian, ArrayCalls.StackBufferAndBranchHvp),
        ("Nested", ArrayCalls.NestedGradient, ArrayCalls.NestedHessian, ArrayCalls.NestedHvp),
        ("Recursive", ArrayCalls.RecursiveGradient, ArrayCalls.RecursiveHessian, ArrayCalls.RecursiveHvp),
    };

    /// <summary>The first-order call fixtures (ArrayCalls.cs) get Hvp and Hessian too: spans passed on, stack buffers overwritten after a call, a call in a branch, nesting, recursion over a span.</summary>
    [TestCaseSource(nameof(ArrayCallerNames))]
    public void Array_call_fixtures(string name)
    {
        var f = ArrayCallers.Single(c => c.Name == name);
        var x = new[] { 0.3, -0.5, 0.8, 0.1 };
        Check(x, new[] { 0.4, 1.0, -0.3, 0.6 },
            p => { var g = new double[p.Length]; f.Gradient(p, g); return g; },
            p => { var h = new double[p.Length * p.Length]; f.Hessian(p, h); return h; },
            (p, d) => { var hv = new double[p.Length]; f.Hvp(p, d, hv); return hv; });
    }

    private static string[] ArrayCallerNames() => ArrayCallers.Select(c => c.Name).ToArray();

    /// <summary>A buffer overwritten every iteration and passed to calls and to log-sum-exp: snapshots and their tangents.</summary>
    [Test]
    public void Buffer_in_a_loop_passed_to_calls_and_log_sum_exp()
    {
        int n = 4;
        Check(new[] { 0.3, -0.5, 0.8, 0.1, 0.7 }, new[] { 0.4, 1.0, -0.3, 0.6, -0.9 },
            p => { var g = new double[n]; ArrayCalls.BufferInLoopGradient(p.Take(n).ToArray(), p[n], g, out double gt); return g.Append(gt).ToArray(); },
            p => { var h = new double[(n + 1) * (n + 1)]; ArrayCalls.BufferInLoopHessian(p.Take(n).ToArray(), p[n], h); return h; },
            (p, d) => { var hv = new double[n]; ArrayCalls.BufferInLoopHvp(p.Take(n).ToArray(), p[n], d.Take(n).ToArray(), d[n], hv, out double ht); return hv.Append(ht).ToArray(); });
    }

    /// <summary>Scalar call fixtures (Calls.cs): nesting, calls in a loop and a branch, constants passed through, mutual recursion.</summary>
    [Test]
    public void Scalar_call_fixtures()
    {
        Check(new[] { 0.4, 1.3 }, new[] { 0.5, -0.2 },
            p => { Calls.NestedGradient(p[0], p[1], out double a, out double b); return new[] { a, b }; },
            p => { var h = new double[4]; Calls.NestedHessian(p[0], p[1], h); return h; },
            (p, d) => { Calls.NestedHvp(p[0], p[1], d[0], d[1], out double a, out double b); return new[] { a, b }; });
        Check(new[] { 0.4, 1.3 }, new[] { 0.5, -0.2 },
            p => { Calls.CallInLoopGradient(p[0], p[1], out double a, out double b); return new[] { a, b }; },
            p => { var h = new double[4]; Calls.CallInLoopHessian(p[0], p[1], h); return h; },
            (p, d) => { Calls.CallInLoopHvp(p[0], p[1], d[0], d[1], out double a, out double b); return new[] { a, b }; });
        Check(new[] { 0.3, 0.8 }, new[] { 0.5, -0.2 },
            p => { Calls.PassThroughAndConstantsGradient(p[0], p[1], out double a, out double b); return new[] { a, b }; },
            p => { var h = new double[4]; Calls.PassThroughAndConstantsHessian(p[0], p[1], h); return h; },
            (p, d) => { Calls.PassThroughAndConstantsHvp(p[0], p[1], d[0], d[1], out double a, out double b); return new[] { a, b }; });
        foreach (int n in new[] { 0, 3, 5 })
        {
            Check(new[] { 0.9 }, new[] { 1.0 },
                p => { Calls.MutualEvenGradient(p[0], n, out double a); return new[] { a }; },
                p => { var h = new double[1]; Calls.MutualEvenHessian(p[0], n, h); return h; },
                (p, d) => { Calls.MutualEvenHvp(p[0], n, d[0], out double a); return new[] { a }; });
        }
    }

    [Test]
    public void Hvp_through_calls_allocates_nothing()
    {
        var w = Enumerable.Range(0, 500).Select(i => Math.Cos(i)).ToArray();
        var v = Enumerable.Range(0, 500).Select(i => Math.Sin(i)).ToArray();
        var hv = new double[500];
        void Run()
        {
            SecondOrderCalls.SpansHvp(w, 0.3, v, 0.1, hv, out _);
            SecondOrderCalls.IntegrateHvp(0.9, 1.7, 200, 1, 0, out _, out _);
            SecondOrderCalls.OuterHvp(0.8, -0.6, 1, 0, out _, out _);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}

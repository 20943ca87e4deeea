using System;
using System.Linq;
using NUnit.Framework;
using static AutoDiff.Generator.Tests.Numeric.SecondOrderTests;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Inline = true changes how a callee is differentiated, not what: the inlined and the called versions agree
/// (value, Gradient, Jvp, Vjp, Hessian), and both agree with finite differences.
/// </summary>
public sealed class InliningTests
{
    private static readonly double[] A = { 0.1, -0.3, 0.2, 0.4, -0.5, 0.3, -0.2, 0.15, 0.05, 0.3, 0.2, -0.1 };
    private static readonly double[] Z = { 0.3, -0.2, 0.5 };
    private static readonly double[] Data = { 1.1, 0.4, -0.7 };

    private static double[] Flatten(double[] a, double[] z, double k) => a.Concat(z).Append(k).ToArray();

    private static (double[] A, double[] Z, double K) Split(double[] p) => (p.Take(12).ToArray(), p.Skip(12).Take(3).ToArray(), p[15]);

    private static double[] InlineGradient(double[] p)
    {
        var (a, z, k) = Split(p);
        var da = new double[12];
        var dz = new double[3];
        Inlining.WithInlineGradient(a, z, Data, k, da, dz, out double dk);
        return da.Concat(dz).Append(dk).ToArray();
    }

    private static double[] CallGradient(double[] p)
    {
        var (a, z, k) = Split(p);
        var da = new double[12];
        var dz = new double[3];
        Inlining.WithCallGradient(a, z, Data, k, da, dz, out double dk);
        return da.Concat(dz).Append(dk).ToArray();
    }

    [Test]
    public void Inlined_and_called_callees_give_the_same_derivatives()
    {
        var p = Flatten(A, Z, 0.7);
        Assert.That(Inlining.WithInline(A, Z, Data, 0.7), Is.EqualTo(Inlining.WithCall(A, Z, Data, 0.7)).Within(1e-14));
        var inline = InlineGradient(p);
        var call = CallGradient(p);
        for (int i = 0; i < p.Length; i++) Assert.That(inline[i], Is.EqualTo(call[i]).Within(1e-12 * Math.Max(1, Math.Abs(call[i]))), $"∂[{i}]");

        // Against central differences of the function itself, except along k: part of k's influence goes through a
        // [NoDerivative] parameter, which both versions treat as data (as a call would).
        for (int i = 0; i < p.Length - 1; i++)
        {
            double h = 1e-6;
            var plus = (double[])p.Clone();
            var minus = (double[])p.Clone();
            plus[i] += h;
            minus[i] -= h;
            var (ap, zp, kp) = Split(plus);
            var (am, zm, km) = Split(minus);
            double fd = (Inlining.WithInline(ap, zp, Data, kp) - Inlining.WithInline(am, zm, Data, km)) / (2 * h);
            Assert.That(inline[i], Is.EqualTo(fd).Within(1e-6 * Math.Max(1, Math.Abs(fd))), $"finite difference ∂[{i}]");
        }

        // Forward mode against reverse mode, along one direction.
        var direction = Enumerable.Range(0, p.Length).Select(i => Math.Cos(3 * i)).ToArray();
        var (da, dz, dk) = Split(direction);
        Inlining.WithInlineJvp(A, Z, Data, 0.7, da, dz, dk, out double tangent);
        Assert.That(tangent, Is.EqualTo(inline.Zip(direction, (g, v) => g * v).Sum()).Within(1e-12));
    }

    [Test]
    public void Inlined_callees_have_the_same_Hessian()
    {
        var p = Flatten(A, Z, 0.7);
        int n = p.Length;
        var inline = new double[n * n];
        var call = new double[n * n];
        Inlining.WithInlineHessian(A, Z, Data, 0.7, inline);
        Inlining.WithCallHessian(A, Z, Data, 0.7, call);
        for (int i = 0; i < n * n; i++) Assert.That(inline[i], Is.EqualTo(call[i]).Within(1e-10 * Math.Max(1, Math.Abs(call[i]))), $"H[{i / n},{i % n}]");
        // The block without k (see above) against finite differences of the gradient.
        var fd = FiniteDifferenceHessian(InlineGradient, p);
        for (int i = 0; i < n - 1; i++)
            for (int j = 0; j < n - 1; j++)
                Assert.That(inline[i * n + j], Is.EqualTo(fd[i, j]).Within(1e-5 * Math.Max(1, Math.Abs(fd[i, j]))), $"finite differences H[{i},{j}]");
    }

    [Test]
    public void A_buffer_argument_falls_back_to_a_call()
    {
        var da = new double[12];
        var dz = new double[3];
        var db = new double[12];
        var dy = new double[3];
        Inlining.BufferFallsBackToACallGradient(A, Z, Data, da, dz);
        Inlining.BufferCallGradient(A, Z, Data, db, dy);
        Assert.That(da, Is.EqualTo(db).Within(1e-14));
        Assert.That(dz, Is.EqualTo(dy).Within(1e-14));
    }

    [Test]
    public void Inline_callee_on_this()
    {
        var model = new InlineModel(1.7);
        double x = 0.4, y = -0.3, h = 1e-6;
        model.EnergyGradient(x, y, out double dx, out double dy);
        Assert.That(dx, Is.EqualTo((model.Energy(x + h, y) - model.Energy(x - h, y)) / (2 * h)).Within(1e-7));
        Assert.That(dy, Is.EqualTo((model.Energy(x, y + h) - model.Energy(x, y - h)) / (2 * h)).Within(1e-7));
    }

    [Test]
    public void Inline_gradient_allocates_nothing()
    {
        var da = new double[12];
        var dz = new double[3];
        Inlining.WithInlineGradient(A, Z, Data, 0.7, da, dz, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Inlining.WithInlineGradient(A, Z, Data, 0.7, da, dz, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}

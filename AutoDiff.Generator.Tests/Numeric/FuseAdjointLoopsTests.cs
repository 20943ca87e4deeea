using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AutoDiff.Generator.Tests.Infrastructure;
using static AutoDiff.Generator.Tests.Infrastructure.TestVectors;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The <c>fuse-adjoint-loops</c> pass (Transforms/FuseAdjointLoops.cs) on the <see cref="FusedAdjoints"/> methods: the
/// numbers against central differences, a hand formula and forward mode, the primal value bit for bit, the generated
/// code with the pass on and off bit for bit (the pass only reorders whole iterations of loops that touch different
/// elements), and the shape of the generated reverse sweep.
/// </summary>
public sealed class FuseAdjointLoopsTests
{
    /// <summary>The gradient of <see cref="FusedAdjoints.Triangle"/> by hand: q = Q·c, ∂/∂q = 2q·cos(Σq²), ∂/∂c = Qᵀ·∂/∂q.</summary>
    private static (double[] X, double[] L, double[] Mu) TriangleByHand(double[] x, double[] l, double[] mu, int n)
    {
        int d = mu.Length;
        var gx = new double[x.Length];
        var gl = new double[l.Length];
        var gmu = new double[d];
        for (int k = 0; k < n; k++)
        {
            var c = Enumerable.Range(0, d).Select(i => x[k * d + i] - mu[i]).ToArray();
            var q = Enumerable.Range(0, d).Select(i => Math.Exp(l[i]) * c[i]).ToArray();
            int p = d;
            for (int i = 0; i < d; i++) for (int j = i + 1; j < d; j++) q[j] += l[p++] * c[i];
            double factor = Math.Cos(q.Sum(v => v * v));
            var qAdj = q.Select(v => 2 * v * factor).ToArray();
            var cAdj = new double[d];
            for (int i = 0; i < d; i++)
            {
                cAdj[i] += Math.Exp(l[i]) * qAdj[i];
                gl[i] += Math.Exp(l[i]) * c[i] * qAdj[i];
            }
            p = d;
            for (int i = 0; i < d; i++)
            {
                for (int j = i + 1; j < d; j++)
                {
                    cAdj[i] += l[p] * qAdj[j];
                    gl[p] += c[i] * qAdj[j];
                    p++;
                }
            }
            for (int i = 0; i < d; i++)
            {
                gx[k * d + i] += cAdj[i];
                gmu[i] -= cAdj[i];
            }
        }
        return (gx, gl, gmu);
    }

    [TestCase(4, 3)]
    [TestCase(3, 1)]
    [TestCase(1, 2)]
    [TestCase(2, 0)]
    [TestCase(0, 2)]
    public void Triangle_against_differences_a_hand_formula_and_forward_mode(int d, int n)
    {
        var x = Point(d * n, 1);
        var l = Point(d + d * (d - 1) / 2, 2);
        var mu = Point(d, 3);
        double value = FusedAdjoints.Triangle(x, l, mu, n);
        var gx = Enumerable.Repeat(double.NaN, x.Length).ToArray();
        var gl = Enumerable.Repeat(double.NaN, l.Length).ToArray();
        var gmu = Enumerable.Repeat(double.NaN, d).ToArray();
        Assert.That(FusedAdjoints.TriangleGradient(x, l, mu, n, gx, gl, gmu), Is.EqualTo(value), "Gradient returns the value bit for bit");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => FusedAdjoints.Triangle(v, l, mu, n), x), 1e-6, "∂/∂x");
        AssertClose(gl, GradientCheck.FiniteDifferenceGradient(v => FusedAdjoints.Triangle(x, v, mu, n), l), 1e-6, "∂/∂l");
        AssertClose(gmu, GradientCheck.FiniteDifferenceGradient(v => FusedAdjoints.Triangle(x, l, v, n), mu), 1e-6, "∂/∂μ");
        var (hx, hl, hmu) = TriangleByHand(x, l, mu, n);
        AssertClose(gx, hx, 1e-12, "∂/∂x by hand");
        AssertClose(gl, hl, 1e-12, "∂/∂l by hand");
        AssertClose(gmu, hmu, 1e-12, "∂/∂μ by hand");

        var ax = Enumerable.Range(0, x.Length).Select(i => 1.0 + i).ToArray();
        var al = new double[l.Length];
        var amu = new double[d];
        Assert.That(FusedAdjoints.TriangleVjp(x, l, mu, n, 2.0, ax, al, amu), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(ax, Enumerable.Range(0, x.Length).Select(i => 1.0 + i + 2 * gx[i]).ToArray(), 1e-12, "Vjp adds into x's adjoint");
        AssertClose(al, gl.Select(g => 2 * g).ToArray(), 1e-12, "Vjp into l's adjoint");
        AssertClose(amu, gmu.Select(g => 2 * g).ToArray(), 1e-12, "Vjp into μ's adjoint");

        var dx = Point(x.Length, 4);
        var dl = Point(l.Length, 5);
        var dmu = Point(d, 6);
        Assert.That(FusedAdjoints.TriangleJvp(x, l, mu, n, dx, dl, dmu, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        Assert.That(tangent, Is.EqualTo(Dot(gx, dx) + Dot(gl, dl) + Dot(gmu, dmu)).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), "forward mode agrees with reverse");
    }

    [TestCase(5)]
    [TestCase(2)]
    [TestCase(1)]
    [TestCase(0)]
    public void Chain_and_Wrap_against_differences_and_forward_mode(int n)
    {
        var x = Point(n, 7);
        foreach (var (name, f, gradient, jvp) in new (string, Func<double[], double>, Func<double[], double[], double>, Func<double[], double[], (double, double)>)[]
        {
            ("Chain", v => FusedAdjoints.Chain(v), (v, g) => FusedAdjoints.ChainGradient(v, g), (v, t) => (FusedAdjoints.ChainJvp(v, t, out double dt), dt)),
            ("Wrap", v => FusedAdjoints.Wrap(v), (v, g) => FusedAdjoints.WrapGradient(v, g), (v, t) => (FusedAdjoints.WrapJvp(v, t, out double dt), dt)),
        })
        {
            double value = f(x);
            var g = Enumerable.Repeat(double.NaN, n).ToArray();
            Assert.That(gradient(x, g), Is.EqualTo(value), name + ": Gradient returns the value bit for bit");
            AssertClose(g, GradientCheck.FiniteDifferenceGradient(f, x), 1e-6, name + " ∂/∂x");
            var dx = Point(n, 8);
            var (primal, tangent) = jvp(x, dx);
            Assert.That(primal, Is.EqualTo(value), name + ": Jvp returns the value bit for bit");
            Assert.That(tangent, Is.EqualTo(Dot(g, dx)).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), name + ": forward mode agrees with reverse");
        }
    }

    [Test]
    public void Chain_by_hand()
    {
        var x = Point(4, 9);
        var a = x.Select(Math.Sin).ToArray();
        var b = Enumerable.Range(0, 4).Select(i => a[i] * x[i] + (i > 0 ? a[i - 1] : 0)).ToArray();
        var aAdj = new double[4];
        var expected = new double[4];
        for (int i = 0; i < 4; i++)
        {
            aAdj[i] += 2 * b[i] * x[i];
            expected[i] += 2 * b[i] * a[i];
            if (i > 0) aAdj[i - 1] += 2 * b[i];
        }
        for (int i = 0; i < 4; i++) expected[i] += aAdj[i] * Math.Cos(x[i]);
        var g = new double[4];
        FusedAdjoints.ChainGradient(x, g);
        AssertClose(g, expected, 1e-13, "∂/∂x");
    }

    /// <summary>
    /// The generated Vjps with the pass on and off, compiled and run: the same numbers bit for bit. On, Triangle's reverse
    /// sweep of one point is one loop over d (q̄ written first by its rows, so not cleared), Chain's loops are one each way, Wrap's stay apart.
    /// </summary>
    [Test]
    public void Pass_on_and_off_give_the_same_numbers_bit_for_bit()
    {
        string source = File.ReadAllText(FixturePath());
        // fill-at-use off in both: it takes Triangle's refill loop once the fusion has left one read of c (FillAtUseTests);
        // vector-maps too, whose lanes loops would count.
        var on = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "fill-at-use;vector-maps"), source);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "fuse-adjoint-loops;fill-at-use;vector-maps"), source);
        off.AssertNoErrors();

        int Loops(GeneratorRun run, string name) =>
            Regex.Matches(GeneratedCode.Method(run, ".FusedAdjoints." + name + ".g.cs", name + "Vjp"), @"\bwhile \(").Count;
        Assert.That(Loops(on, "Triangle"), Is.EqualTo(Loops(off, "Triangle") - 5),
            "forward: c then q, the triangle then Σq²; reverse: R4 + R5 + R7 + R8 as one, and no loop clearing q̄ (its rows write it first)");
        Assert.That(Loops(on, "Chain"), Is.EqualTo(Loops(off, "Chain") - 3), "forward: a, b and Σb² as one; reverse: the two loops as one");
        Assert.That(Loops(on, "Wrap"), Is.EqualTo(Loops(off, "Wrap")), "a[(i + 1) % n]: left alone");

        using var withPass = on.Load();
        using var without = off.Load();
        foreach (var (d, n) in new[] { (4, 3), (3, 1), (1, 2), (0, 2), (5, 0) })
        {
            var args = new object?[] { Point(d * n, 11), Point(d + d * (d - 1) / 2, 12), Point(d, 13), n };
            var a = (double[])withPass.Invoke("AutoDiff.Generator.Tests.Numeric.FusedAdjoints", "Probe", args)!;
            var b = (double[])without.Invoke("AutoDiff.Generator.Tests.Numeric.FusedAdjoints", "Probe", args)!;
            Assert.That(a.Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(b.Select(BitConverter.DoubleToInt64Bits)), $"d = {d}, n = {n}");
        }
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "FuseAdjointLoops.cs");
}

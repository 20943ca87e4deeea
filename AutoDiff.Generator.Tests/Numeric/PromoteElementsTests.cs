using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Infrastructure;
using static AutoDiff.Generator.Tests.Infrastructure.TestVectors;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The <c>promote-elements</c> pass (Transforms/PromoteElements.cs) on the <see cref="Promoted"/> methods: the numbers
/// against central differences and forward mode, the primal value bit for bit, loops of no iteration at an index out of
/// range, and the shape of the generated loops (the element in a local, no indexed read-modify-write left).
/// </summary>
public sealed class PromoteElementsTests
{
    [TestCase(5)]
    [TestCase(2)]
    [TestCase(1)]
    [TestCase(0)]
    public void Triangular_against_differences_and_forward_mode(int d)
    {
        var x = Point(d, 1);
        var l = Point(d + d * (d - 1) / 2, 2);
        double value = Promoted.Triangular(x, l);
        var gx = Enumerable.Repeat(double.NaN, d).ToArray();
        var gl = Enumerable.Repeat(double.NaN, l.Length).ToArray();
        Assert.That(Promoted.TriangularGradient(x, l, gx, gl), Is.EqualTo(value), "Gradient returns the value bit for bit");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => Promoted.Triangular(v, l), x), 1e-6, "∂/∂x");
        AssertClose(gl, GradientCheck.FiniteDifferenceGradient(v => Promoted.Triangular(x, v), l), 1e-6, "∂/∂l");

        var ax = Enumerable.Range(0, d).Select(i => 1.0 + i).ToArray();
        var al = new double[l.Length];
        Assert.That(Promoted.TriangularVjp(x, l, 2.0, ax, al), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(ax, Enumerable.Range(0, d).Select(i => 1.0 + i + 2 * gx[i]).ToArray(), 1e-12, "Vjp adds into x's adjoint");
        AssertClose(al, gl.Select(g => 2 * g).ToArray(), 1e-12, "Vjp into l's adjoint");

        var dx = Point(d, 3);
        var dl = Point(l.Length, 4);
        Assert.That(Promoted.TriangularJvp(x, l, dx, dl, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        Assert.That(tangent, Is.EqualTo(Dot(gx, dx) + Dot(gl, dl)).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), "forward mode agrees with reverse");
    }

    [TestCase(4, 3)]
    [TestCase(1, 2)]
    [TestCase(3, 0)]
    [TestCase(0, 2)]
    public void Rows_with_a_branch_and_a_nested_loop(int n, int m)
    {
        var x = Point(n, 5);
        double value = Promoted.Rows(x, m);
        var g = Enumerable.Repeat(double.NaN, n).ToArray();
        Assert.That(Promoted.RowsGradient(x, m, g), Is.EqualTo(value), "Gradient returns the value bit for bit");
        AssertClose(g, GradientCheck.FiniteDifferenceGradient(v => Promoted.Rows(v, m), x), 1e-6, "∂/∂x");
        var a = new double[n];
        Assert.That(Promoted.RowsVjp(x, m, -1.5, a), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(a, g.Select(v => -1.5 * v).ToArray(), 1e-12, "Vjp");
        var dx = Point(n, 6);
        Assert.That(Promoted.RowsJvp(x, m, dx, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        Assert.That(tangent, Is.EqualTo(Dot(g, dx)).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), "forward mode agrees with reverse");
    }

    [TestCase(3)]
    [TestCase(1)]
    [TestCase(0)]
    public void Loop_of_no_iteration_at_an_index_out_of_range(int n)
    {
        // n = 0: buf[−1] is never touched by the method, nor may any companion touch it.
        var x = Point(n, 7);
        double value = Promoted.Last(x);
        var g = Enumerable.Repeat(double.NaN, n).ToArray();
        Assert.That(Promoted.LastGradient(x, g), Is.EqualTo(value));
        AssertClose(g, GradientCheck.FiniteDifferenceGradient(Promoted.Last, x), 1e-6, "∂/∂x");
        var a = new double[n];
        Assert.That(Promoted.LastVjp(x, 1.0, a), Is.EqualTo(value));
        AssertClose(a, g, 1e-12, "Vjp");
        Assert.That(Promoted.LastJvp(x, x, out double tangent), Is.EqualTo(value));
        Assert.That(tangent, Is.EqualTo(Dot(g, x)).Within(1e-12), "forward mode agrees with reverse");
    }

    /// <summary>The second-order companions are built from the Gradient before the pass runs; the Hvp against differences of the Gradient.</summary>
    [Test]
    public void Hvp_of_the_triangular_form()
    {
        const int d = 4;
        var x = Point(d, 8);
        var l = Point(d + d * (d - 1) / 2, 9);
        var vx = Point(d, 10);
        var vl = Point(l.Length, 11);
        var hx = new double[d];
        var hl = new double[l.Length];
        Assert.That(Promoted.TriangularHvp(x, l, vx, vl, hx, hl), Is.EqualTo(Promoted.Triangular(x, l)));
        const double h = 1e-5;
        double[] Shift(double[] p, double[] v, double s) => p.Zip(v, (a, b) => a + s * b).ToArray();
        var (px, pl, mx, ml) = (new double[d], new double[l.Length], new double[d], new double[l.Length]);
        Promoted.TriangularGradient(Shift(x, vx, h), Shift(l, vl, h), px, pl);
        Promoted.TriangularGradient(Shift(x, vx, -h), Shift(l, vl, -h), mx, ml);
        AssertClose(hx, px.Zip(mx, (p, m) => (p - m) / (2 * h)).ToArray(), 1e-6, "(H·v)x");
        AssertClose(hl, pl.Zip(ml, (p, m) => (p - m) / (2 * h)).ToArray(), 1e-6, "(H·v)l");
    }

    /// <summary>
    /// The triangular loops keep c[i]'s adjoint in a local: the inner reverse loop adds into the local and stores it once
    /// after; with the pass off it adds into cAdj[…] by index.
    /// </summary>
    [Test]
    public void Triangular_inner_loops_use_locals()
    {
        string source = File.ReadAllText(FixturePath());
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        string gradient = GeneratedCode.Indexed(GeneratedCode.Method(run, ".Promoted.Triangular.g.cs", "TriangularGradient"));
        Assert.That(gradient, Does.Match(@"cAdj\d+ \+= \w+ \* l\["), gradient);
        Assert.That(gradient, Does.Match(@"cAdj\[\w+\] = cAdj\d+;"), gradient);

        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "promote-elements"), source);
        off.AssertNoErrors();
        string plain = GeneratedCode.Indexed(GeneratedCode.Method(off, ".Promoted.Triangular.g.cs", "TriangularGradient"));
        Assert.That(plain, Does.Match(@"cAdj\[\w+\] \+= \w+ \* l\["), plain);
        // The inner loop's cAdj[i] += … becomes the local's; fuse-adjoint-loops runs the diagonal loop's reverse in the rows'
        // loop, so the per-iteration mode takes its cAdj[i] += … as well.
        int Indexed(string code) => System.Text.RegularExpressions.Regex.Matches(code, @"cAdj\[\w+\] \+= ").Count;
        Assert.That(Indexed(gradient), Is.LessThan(Indexed(plain)));
        Assert.That(Indexed(gradient), Is.Zero, gradient);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "PromoteElements.cs");
}

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
/// The per-iteration mode of the <c>promote-elements</c> pass (Transforms/PromoteElements.cs) on the
/// <see cref="PromotedIteration"/> methods: the numbers against a hand formula, central differences and forward mode, the
/// primal value bit for bit, every companion bit for bit the same with the pass off, and the shape of the generated loops.
/// </summary>
public sealed class PromoteIterationTests
{
    [TestCase(6)]
    [TestCase(1)]
    [TestCase(0)]
    public void Update_against_the_hand_formula_differences_and_forward_mode(int n)
    {
        var x = Point(n, 1);
        var y = Point(n, 2);
        double value = PromotedIteration.Update(x, y);
        var gx = Enumerable.Repeat(double.NaN, n).ToArray();
        var gy = Enumerable.Repeat(double.NaN, n).ToArray();
        Assert.That(PromotedIteration.UpdateGradient(x, y, gx, gy), Is.EqualTo(value), "Gradient returns the value bit for bit");
        // s = Σ a², a = (sin x + x²)·y.
        var a = x.Zip(y, (u, v) => (Math.Sin(u) + u * u) * v).ToArray();
        AssertClose(gx, Enumerable.Range(0, n).Select(t => 2 * a[t] * y[t] * (Math.Cos(x[t]) + 2 * x[t])).ToArray(), 1e-12, "hand ∂/∂x");
        AssertClose(gy, Enumerable.Range(0, n).Select(t => 2 * a[t] * (Math.Sin(x[t]) + x[t] * x[t])).ToArray(), 1e-12, "hand ∂/∂y");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Update(v, y), x), 1e-6, "∂/∂x");
        AssertClose(gy, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Update(x, v), y), 1e-6, "∂/∂y");

        var dx = Point(n, 3);
        var dy = Point(n, 4);
        Assert.That(PromotedIteration.UpdateJvp(x, y, dx, dy, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        Assert.That(tangent, Is.EqualTo(Dot(gx, dx) + Dot(gy, dy)).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), "forward mode agrees with reverse");
    }

    [TestCase(7)]
    [TestCase(2)]
    [TestCase(1)]
    [TestCase(0)]
    public void Rows_against_differences_and_forward_mode(int n)
    {
        var x = Point(n, 5);
        const double c = 0.7;
        double value = PromotedIteration.Rows(x, c);
        var gx = Enumerable.Repeat(double.NaN, n).ToArray();
        Assert.That(PromotedIteration.RowsGradient(x, c, gx, out double gc), Is.EqualTo(value), "Gradient returns the value bit for bit");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Rows(v, c), x), 1e-6, "∂/∂x");
        Assert.That(gc, Is.EqualTo((PromotedIteration.Rows(x, c + 1e-6) - PromotedIteration.Rows(x, c - 1e-6)) / 2e-6).Within(1e-6 * Math.Max(1, Math.Abs(gc))), "∂/∂c");

        var ax = Enumerable.Range(0, n).Select(i => 0.5 * i).ToArray();
        double ac = 0.25;
        Assert.That(PromotedIteration.RowsVjp(x, c, -2.0, ax, ref ac), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(ax, Enumerable.Range(0, n).Select(i => 0.5 * i - 2 * gx[i]).ToArray(), 1e-12, "Vjp adds into x's adjoint");
        Assert.That(ac, Is.EqualTo(0.25 - 2 * gc).Within(1e-12 * Math.Max(1, Math.Abs(ac))), "Vjp: c's adjoint");

        var dx = Point(n, 6);
        Assert.That(PromotedIteration.RowsJvp(x, c, dx, 0.3, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        Assert.That(tangent, Is.EqualTo(Dot(gx, dx) + 0.3 * gc).Within(1e-12 * Math.Max(1, Math.Abs(tangent))), "forward mode agrees with reverse");
    }

    /// <summary>z = x − μ_c and y = A_c z per component (see <see cref="PromotedIteration.Centered"/>).</summary>
    private static (double[] Z, double[] Y, double E)[] Components(double[] x, double[] mu, double[] l, int k)
    {
        int d = x.Length;
        var result = new (double[] Z, double[] Y, double E)[k];
        for (int c = 0; c < k; c++)
        {
            var z = Enumerable.Range(0, d).Select(i => x[i] - mu[c * d + i]).ToArray();
            var y = Enumerable.Range(0, d).Select(j => 1.5 * z[j] + Enumerable.Range(0, j).Sum(i => l[(c * d + i) * d + j] * z[i])).ToArray();
            result[c] = (z, y, Math.Exp(-0.5 * y.Sum(v => v * v)));
        }
        return result;
    }

    [TestCase(4, 3)]
    [TestCase(1, 2)]
    [TestCase(3, 0)]
    [TestCase(0, 2)]
    public void Centered_against_the_hand_formula_differences_and_forward_mode(int d, int k)
    {
        var x = Point(d, 11);
        var mu = Point(k * d, 12);
        var l = Point(k * d * d, 13);
        double value = PromotedIteration.Centered(x, mu, l, k);
        var (gx, gmu, gl) = (new double[d], new double[k * d], new double[k * d * d]);
        Assert.That(PromotedIteration.CenteredGradient(x, mu, l, k, gx, gmu, gl), Is.EqualTo(value), "Gradient returns the value bit for bit");

        // ∂s/∂z_c = −e_c·A_cᵀy_c; ∂s/∂x = Σ_c ∂s/∂z_c, ∂s/∂μ_c = −∂s/∂z_c, ∂s/∂L_c[i, j] = −e_c·y_j·z_i (j > i).
        var (hx, hmu, hl) = (new double[d], new double[k * d], new double[k * d * d]);
        var components = Components(x, mu, l, k);
        for (int c = 0; c < k; c++)
        {
            var (z, y, e) = components[c];
            for (int i = 0; i < d; i++)
            {
                double dz = -e * (1.5 * y[i] + Enumerable.Range(i + 1, d - i - 1).Sum(j => l[(c * d + i) * d + j] * y[j]));
                hx[i] += dz;
                hmu[c * d + i] = -dz;
                for (int j = i + 1; j < d; j++) hl[(c * d + i) * d + j] = -e * y[j] * z[i];
            }
        }
        AssertClose(gx, hx, 1e-12, "hand ∂/∂x");
        AssertClose(gmu, hmu, 1e-12, "hand ∂/∂μ");
        AssertClose(gl, hl, 1e-12, "hand ∂/∂L");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Centered(v, mu, l, k), x), 1e-6, "∂/∂x");
        AssertClose(gmu, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Centered(x, v, l, k), mu), 1e-6, "∂/∂μ");
        AssertClose(gl, GradientCheck.FiniteDifferenceGradient(v => PromotedIteration.Centered(x, mu, v, k), l), 1e-6, "∂/∂L");

        var (dx, dmu, dl) = (Point(d, 14), Point(k * d, 15), Point(k * d * d, 16));
        Assert.That(PromotedIteration.CenteredJvp(x, mu, l, k, dx, dmu, dl, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        double expected = Dot(gx, dx) + Dot(gmu, dmu) + Dot(gl, dl);
        Assert.That(tangent, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), "forward mode agrees with reverse");
    }

    /// <summary>
    /// The reverse sweep's z̄[t], read, added into and zeroed in one iteration of its fused loop and nowhere else, is a
    /// local starting at 0: the generated gradient has no z̄ buffer with the pass on, and has one with it off.
    /// </summary>
    [Test]
    public void Centered_keeps_the_adjoint_of_the_scratch_buffer_in_a_local()
    {
        string text = File.ReadAllText(FixturePath());
        var on = GeneratorHarness.Run(text);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "promote-elements"), text);
        off.AssertNoErrors();
        string Gradient(GeneratorRun run) => GeneratedCode.Method(run, ".PromotedIteration.Centered.g.cs", "CenteredGradient");
        Assert.That(Gradient(off), Does.Contain("zAdj = new double["), "off: z̄ is a buffer");
        Assert.That(Gradient(on), Does.Not.Contain("zAdj = new double["), "on: no buffer for z̄");
        Assert.That(Gradient(on), Does.Contain("double zAdj = 0.0;"), "on: a local starting at 0");
        Assert.That(Gradient(on), Does.Contain("yAdj = new double["), "ȳ, touched at several indices in an iteration, stays a buffer");
    }

    private delegate double CenteredGradientFn(double[] x, double[] mu, double[] l, int k, Span<double> dx, Span<double> dmu, Span<double> dl);

    private delegate double UpdateGradientFn(double[] x, double[] y, Span<double> dx, Span<double> dy);

    private delegate double UpdateJvpFn(double[] x, double[] y, ReadOnlySpan<double> xDot, ReadOnlySpan<double> yDot, out double tangent);

    private delegate double RowsGradientFn(double[] x, double c, Span<double> dx, out double dc);

    private delegate double RowsVjpFn(double[] x, double c, double seed, Span<double> xAdj, ref double cAdj);

    private delegate double RowsJvpFn(double[] x, double c, ReadOnlySpan<double> xDot, double cDot, out double tangent);

    /// <summary>
    /// The same source generated with the pass off, compiled and loaded: every companion's results equal, bit for bit,
    /// those of this project's (pass on); the pass only keeps in a local what the loop read and wrote by index.
    /// </summary>
    [Test]
    public void Bit_for_bit_the_same_with_the_pass_off()
    {
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "promote-elements"), File.ReadAllText(FixturePath()));
        off.AssertNoErrors();
        using var loaded = off.Load();
        const string type = "AutoDiff.Generator.Tests.Numeric.PromotedIteration";
        var updateGradient = loaded.Delegate<UpdateGradientFn>(type, "UpdateGradient");
        var updateJvp = loaded.Delegate<UpdateJvpFn>(type, "UpdateJvp");
        var rowsGradient = loaded.Delegate<RowsGradientFn>(type, "RowsGradient");
        var rowsVjp = loaded.Delegate<RowsVjpFn>(type, "RowsVjp");
        var rowsJvp = loaded.Delegate<RowsJvpFn>(type, "RowsJvp");
        var centeredGradient = loaded.Delegate<CenteredGradientFn>(type, "CenteredGradient");
        foreach (int n in new[] { 0, 1, 5 })
        {
            var x = Point(n, 7);
            var y = Point(n, 8);
            var dx = Point(n, 9);

            var (gx, gy, hx, hy) = (new double[n], new double[n], new double[n], new double[n]);
            Assert.That(updateGradient(x, y, hx, hy), Is.EqualTo(PromotedIteration.UpdateGradient(x, y, gx, gy)));
            Assert.That(hx, Is.EqualTo(gx), "UpdateGradient ∂/∂x");
            Assert.That(hy, Is.EqualTo(gy), "UpdateGradient ∂/∂y");
            Assert.That(updateJvp(x, y, dx, y, out double t1), Is.EqualTo(PromotedIteration.UpdateJvp(x, y, dx, y, out double t2)));
            Assert.That(t1, Is.EqualTo(t2), "UpdateJvp");

            var (rx, sx) = (new double[n], new double[n]);
            Assert.That(rowsGradient(x, 0.7, sx, out double sc), Is.EqualTo(PromotedIteration.RowsGradient(x, 0.7, rx, out double rc)));
            Assert.That(sx, Is.EqualTo(rx), "RowsGradient ∂/∂x");
            Assert.That(sc, Is.EqualTo(rc), "RowsGradient ∂/∂c");
            var (ax, bx) = (Enumerable.Repeat(1.0, n).ToArray(), Enumerable.Repeat(1.0, n).ToArray());
            double ac = 0.25, bc = 0.25;
            Assert.That(rowsVjp(x, 0.7, 1.5, bx, ref bc), Is.EqualTo(PromotedIteration.RowsVjp(x, 0.7, 1.5, ax, ref ac)));
            Assert.That(bx, Is.EqualTo(ax), "RowsVjp x");
            Assert.That(bc, Is.EqualTo(ac), "RowsVjp c");
            Assert.That(rowsJvp(x, 0.7, dx, -0.4, out t1), Is.EqualTo(PromotedIteration.RowsJvp(x, 0.7, dx, -0.4, out t2)));
            Assert.That(t1, Is.EqualTo(t2), "RowsJvp");

            var (mu, l) = (Point(2 * n, 17), Point(2 * n * n, 18));
            var (cx, cmu, cl, ex, emu, el) = (new double[n], new double[2 * n], new double[2 * n * n], new double[n], new double[2 * n], new double[2 * n * n]);
            Assert.That(centeredGradient(x, mu, l, 2, ex, emu, el), Is.EqualTo(PromotedIteration.CenteredGradient(x, mu, l, 2, cx, cmu, cl)));
            Assert.That(ex, Is.EqualTo(cx), "CenteredGradient ∂/∂x");
            Assert.That(emu, Is.EqualTo(cmu), "CenteredGradient ∂/∂μ");
            Assert.That(el, Is.EqualTo(cl), "CenteredGradient ∂/∂L");
        }
    }

    /// <summary>
    /// With the pass on, the generated loops touch b[t] (and its adjoint) by index fewer times than with it off: the
    /// element lives in a local through the iteration.
    /// </summary>
    [TestCase("Update", "UpdateGradient", "a")]
    [TestCase("Rows", "RowsGradient", "b")]
    [TestCase("Rows", "RowsJvp", "b")]
    public void Fewer_indexed_accesses_with_the_pass_on(string source, string method, string buffer)
    {
        string text = File.ReadAllText(FixturePath());
        var on = GeneratorHarness.Run(text);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "promote-elements"), text);
        off.AssertNoErrors();
        int Accesses(GeneratorRun run)
        {
            string code = GeneratedCode.Indexed(GeneratedCode.Method(run, ".PromotedIteration." + source + ".g.cs", method));
            return Regex.Matches(code, @"\b" + buffer + @"(Adj|Dot)?\d*\[").Count;
        }
        Assert.That(Accesses(on), Is.LessThan(Accesses(off)));
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "PromoteIteration.cs");
}

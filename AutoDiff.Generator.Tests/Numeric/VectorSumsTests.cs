using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Infrastructure;
using static AutoDiff.Generator.Tests.Infrastructure.TestVectors;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The <c>vector-sums</c> pass (Transforms/VectorSums.cs) on the <see cref="VectorSummed"/> methods: derivatives against a
/// hand formula, central differences and forward mode at sizes below, at and above the lane count (the lanes loop, the
/// scalar rest, both); the value bit for bit; with the pass off the same value bit for bit and the gradient to rounding
/// (a sum is associated otherwise); the generated code's lanes; no allocation.
/// </summary>
public sealed class VectorSumsTests
{
    private static int Packed(int n) => n * (n - 1) / 2;

    /// <summary>∂s/∂a, ∂s/∂x by hand: y = 1.5z + Lz, ∂s/∂z_i = 2(1.5·y_i + Σ_{j&gt;i} L[j, i]·y_j), ∂s/∂L[j, i] = 2·y_j·z_i.</summary>
    private static (double[] A, double[] X) Hand(double[] a, double[] x, double[] mu)
    {
        int n = x.Length;
        var z = x.Zip(mu, (u, m) => u - m).ToArray();
        var y = z.Select(v => 1.5 * v).ToArray();
        int l = 0;
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) y[j] += a[l++] * z[i];
        var (ga, gx) = (new double[a.Length], new double[n]);
        l = 0;
        for (int i = 0; i < n; i++)
        {
            gx[i] = 2 * 1.5 * y[i];
            for (int j = i + 1; j < n; j++)
            {
                gx[i] += 2 * a[l] * y[j];
                ga[l++] = 2 * y[j] * z[i];
            }
        }
        return (ga, gx);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(11)]
    [TestCase(20)]
    public void Columns_against_the_hand_formula_differences_and_forward_mode(int n)
    {
        var (a, x, mu) = (Point(Packed(n), 1), Point(n, 2), Point(n, 3));
        double value = VectorSummed.Columns(a, x, mu);
        var (ga, gx, gmu) = (new double[a.Length], new double[n], new double[n]);
        Assert.That(VectorSummed.ColumnsGradient(a, x, mu, ga, gx, gmu), Is.EqualTo(value), "Gradient returns the value bit for bit");
        var (ha, hx) = Hand(a, x, mu);
        AssertClose(ga, ha, 1e-12, "hand ∂/∂a");
        AssertClose(gx, hx, 1e-12, "hand ∂/∂x");
        AssertClose(gmu, hx.Select(v => -v).ToArray(), 1e-12, "hand ∂/∂μ");
        AssertClose(ga, GradientCheck.FiniteDifferenceGradient(v => VectorSummed.Columns(v, x, mu), a), 1e-6, "∂/∂a");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => VectorSummed.Columns(a, v, mu), x), 1e-6, "∂/∂x");

        var (da, dx, dmu) = (Point(a.Length, 4), Point(n, 5), Point(n, 6));
        Assert.That(VectorSummed.ColumnsJvp(a, x, mu, da, dx, dmu, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        double expected = Dot(ga, da) + Dot(gx, dx) + Dot(gmu, dmu);
        Assert.That(tangent, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), "forward mode agrees with reverse");

        // The Vjp adds seed × gradient into what its adjoints held.
        var (aa, ax, amu) = (Point(a.Length, 7), Point(n, 8), Point(n, 9));
        var (sa, sx, smu) = (aa.ToArray(), ax.ToArray(), amu.ToArray());
        Assert.That(VectorSummed.ColumnsVjp(a, x, mu, -0.5, sa, sx, smu), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(sa, aa.Zip(ga, (s, g) => s - 0.5 * g).ToArray(), 1e-12, "Vjp ā");
        AssertClose(sx, ax.Zip(gx, (s, g) => s - 0.5 * g).ToArray(), 1e-12, "Vjp x̄");
        AssertClose(smu, amu.Zip(gmu, (s, g) => s - 0.5 * g).ToArray(), 1e-12, "Vjp μ̄");
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(9)]
    [TestCase(19)]
    public void ColumnsSingle_against_the_double_formula_and_differences(int n)
    {
        var (a, x, mu) = (Point(Packed(n), 11), Point(n, 12), Point(n, 13));
        float[] F(double[] v) => v.Select(e => (float)e).ToArray();
        var (fa, fx, fmu) = (F(a), F(x), F(mu));
        float value = VectorSummed.ColumnsSingle(fa, fx, fmu);
        var (ga, gx, gmu) = (new float[a.Length], new float[n], new float[n]);
        Assert.That(VectorSummed.ColumnsSingleGradient(fa, fx, fmu, ga, gx, gmu), Is.EqualTo(value), "Gradient returns the value bit for bit");
        double[] D(float[] v) => v.Select(e => (double)e).ToArray();
        var (ha, hx) = Hand(D(fa), D(fx), D(fmu));
        AssertClose(D(ga), ha, 2e-5, "hand ∂/∂a");
        AssertClose(D(gx), hx, 2e-5, "hand ∂/∂x");
        AssertClose(D(gmu), hx.Select(v => -v).ToArray(), 2e-5, "hand ∂/∂μ");
        AssertClose(D(gx), GradientCheck.FiniteDifferenceGradient(v => VectorSummed.Columns(a, v, mu), D(fx)), 1e-4, "∂/∂x (double differences)");
        var (dx, dmu) = (F(Point(n, 14)), F(Point(n, 15)));
        var da = F(Point(a.Length, 16));
        VectorSummed.ColumnsSingleJvp(fa, fx, fmu, da, dx, dmu, out float tangent);
        double expected = Dot(D(ga), D(da)) + Dot(D(gx), D(dx)) + Dot(D(gmu), D(dmu));
        Assert.That(tangent, Is.EqualTo(expected).Within(1e-4 * Math.Max(1, Math.Abs(expected))), "forward mode agrees with reverse");
    }

    /// <summary>The gradient's reverse rows run in lanes with the pass on, and not with it off.</summary>
    [Test]
    public void The_reverse_rows_run_in_lanes()
    {
        string text = File.ReadAllText(FixturePath());
        var on = GeneratorHarness.Run(text);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-sums"), text);
        off.AssertNoErrors();
        string Gradient(GeneratorRun run, string method) => GeneratedCode.Method(run, ".VectorSummed." + method + ".g.cs", method + "Gradient");
        foreach (var (method, lanes) in new[] { ("Columns", "double"), ("ColumnsSingle", "float") })
        {
            string code = Gradient(on, method);
            Assert.That(code, Does.Contain("global::System.Numerics.Vector.IsHardwareAccelerated"), method);
            Assert.That(code, Does.Contain("global::System.Numerics.Vector<" + lanes + "> "), method);
            Assert.That(code, Does.Contain("global::AutoDiff.Simd.Load("), method);
            Assert.That(code, Does.Contain("global::AutoDiff.Simd.AddTo("), method);
            Assert.That(code, Does.Contain("global::AutoDiff.Simd.Sum("), method);
            Assert.That(Gradient(off, method), Does.Not.Contain("Simd.Sum").And.Not.Contain("Simd.AddTo"), method + " off (the forward's map loops run in vector-maps' lanes)");
        }
        // The forward sweep's loops (stores, no sum) are not this pass's: one sum in lanes, the reverse row's.
        Assert.That(System.Text.RegularExpressions.Regex.Matches(Gradient(on, "Columns"), "Simd.Sum").Count, Is.EqualTo(1));
    }

    private delegate double ColumnsGradientFn(ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> mu, Span<double> da, Span<double> dx, Span<double> dmu);

    private delegate double ColumnsVjpFn(ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> mu, double seed, Span<double> da, Span<double> dx, Span<double> dmu);

    /// <summary>
    /// The same source generated with the pass off: the value bit for bit; the gradient the same to rounding (the lanes
    /// associate each row's sum otherwise), and ā, whose elements are only added into, bit for bit.
    /// </summary>
    [Test]
    public void With_the_pass_off_the_value_is_bit_for_bit_and_the_gradient_the_same_to_rounding()
    {
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-sums"), File.ReadAllText(FixturePath()));
        off.AssertNoErrors();
        using var loaded = off.Load();
        const string type = "AutoDiff.Generator.Tests.Numeric.VectorSummed";
        var gradient = loaded.Delegate<ColumnsGradientFn>(type, "ColumnsGradient");
        var vjp = loaded.Delegate<ColumnsVjpFn>(type, "ColumnsVjp");
        foreach (int n in new[] { 0, 1, 4, 5, 13 })
        {
            var (a, x, mu) = (Point(Packed(n), 21), Point(n, 22), Point(n, 23));
            var (ga, gx, gmu) = (new double[a.Length], new double[n], new double[n]);
            var (ha, hx, hmu) = (new double[a.Length], new double[n], new double[n]);
            Assert.That(gradient(a, x, mu, ha, hx, hmu), Is.EqualTo(VectorSummed.ColumnsGradient(a, x, mu, ga, gx, gmu)), "value");
            Assert.That(ga, Is.EqualTo(ha), "ā: the same additions");
            AssertClose(gx, hx, 1e-14, "x̄");
            AssertClose(gmu, hmu, 1e-14, "μ̄");
            Assert.That(vjp(a, x, mu, 2.0, ha, hx, hmu), Is.EqualTo(VectorSummed.ColumnsVjp(a, x, mu, 2.0, ga, gx, gmu)), "Vjp value");
        }
    }

    [Test]
    public void The_gradient_allocates_nothing()
    {
        int n = 24;
        var (a, x, mu) = (Point(Packed(n), 31), Point(n, 32), Point(n, 33));
        var (ga, gx, gmu) = (new double[a.Length], new double[n], new double[n]);
        double sink = 0;
        for (int warm = 0; warm < 3; warm++) sink += VectorSummed.ColumnsGradient(a, x, mu, ga, gx, gmu);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 10; r++) sink += VectorSummed.ColumnsGradient(a, x, mu, ga, gx, gmu);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(sink, Is.Not.NaN);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "VectorSums.cs");
}

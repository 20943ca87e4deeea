using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Infrastructure;
using static AutoDiff.Generator.Tests.Infrastructure.TestVectors;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The <c>vector-maps</c> pass (Transforms/VectorMaps.cs) on the <see cref="VectorMapped"/> methods: derivatives against a
/// hand formula, central differences and forward mode at sizes below, at and above the lane count; the numbers bit for
/// bit with the pass off; an index past the span's end throws <see cref="IndexOutOfRangeException"/> from every companion
/// as from the method; the generated lanes (checked, aligned to the end); a loop writing an output span left alone; no
/// allocation.
/// </summary>
public sealed class VectorMapsTests
{
    /// <summary>∂s/∂xᵢ = 4yᵢ + 2yᵢ₊₁·a[offset + i + 1] (i + 1 &lt; n), ∂s/∂a[offset + j] = 2yⱼ·xⱼ₋₁ (j ≥ 1).</summary>
    private static (double[] A, double[] X) Hand(double[] a, double[] x, int offset)
    {
        int n = x.Length;
        var y = Enumerable.Range(0, n).Select(j => 2 * x[j] + (j > 0 ? a[offset + j] * x[j - 1] : 0)).ToArray();
        var (ga, gx) = (new double[a.Length], new double[n]);
        for (int i = 0; i < n; i++) gx[i] = 4 * y[i] + (i + 1 < n ? 2 * y[i + 1] * a[offset + i + 1] : 0);
        for (int j = 1; j < n; j++) ga[offset + j] = 2 * y[j] * x[j - 1];
        return (ga, gx);
    }

    [TestCase(0, 0)]
    [TestCase(1, 2)]
    [TestCase(4, 0)]
    [TestCase(5, 1)]
    [TestCase(6, 3)]
    [TestCase(9, 0)]
    [TestCase(17, 2)]
    public void Shifted_against_the_hand_formula_differences_and_forward_mode(int n, int offset)
    {
        var (a, x) = (Point(n + offset, 1), Point(n, 2));
        double value = VectorMapped.Shifted(a, x, offset);
        var (ga, gx) = (new double[a.Length], new double[n]);
        Assert.That(VectorMapped.ShiftedGradient(a, x, offset, ga, gx), Is.EqualTo(value), "Gradient returns the value bit for bit");
        var (ha, hx) = Hand(a, x, offset);
        AssertClose(ga, ha, 1e-12, "hand ∂/∂a");
        AssertClose(gx, hx, 1e-12, "hand ∂/∂x");
        AssertClose(gx, GradientCheck.FiniteDifferenceGradient(v => VectorMapped.Shifted(a, v, offset), x), 1e-6, "∂/∂x");
        AssertClose(ga, GradientCheck.FiniteDifferenceGradient(v => VectorMapped.Shifted(v, x, offset), a), 1e-6, "∂/∂a");

        var (da, dx) = (Point(a.Length, 3), Point(n, 4));
        Assert.That(VectorMapped.ShiftedJvp(a, x, offset, da, dx, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        double expected = Dot(ga, da) + Dot(gx, dx);
        Assert.That(tangent, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), "forward mode agrees with reverse");
    }

    [TestCase(3, 1)]
    [TestCase(8, 0)]
    [TestCase(19, 4)]
    public void ShiftedSingle_against_the_double_formula(int n, int offset)
    {
        var (a, x) = (Point(n + offset, 5), Point(n, 6));
        float[] F(double[] v) => v.Select(e => (float)e).ToArray();
        double[] D(float[] v) => v.Select(e => (double)e).ToArray();
        var (fa, fx) = (F(a), F(x));
        var (ga, gx) = (new float[a.Length], new float[n]);
        Assert.That(VectorMapped.ShiftedSingleGradient(fa, fx, offset, ga, gx), Is.EqualTo(VectorMapped.ShiftedSingle(fa, fx, offset)), "value bit for bit");
        var (ha, hx) = Hand(D(fa), D(fx), offset);
        AssertClose(D(ga), ha, 2e-5, "hand ∂/∂a");
        AssertClose(D(gx), hx, 2e-5, "hand ∂/∂x");
    }

    /// <summary>a[offset + j] past a's end, or before its start: the method throws, and so does every companion, the same exception.</summary>
    [TestCase(9, 3, 11)]
    [TestCase(9, -2, 9)]
    [TestCase(16, 0, 15)]
    public void An_index_out_of_range_throws_as_in_the_method(int n, int offset, int length)
    {
        var (a, x) = (Point(length, 7), Point(n, 8));
        Assert.Throws<IndexOutOfRangeException>(() => VectorMapped.Shifted(a, x, offset));
        Assert.Throws<IndexOutOfRangeException>(() => VectorMapped.ShiftedGradient(a, x, offset, new double[length], new double[n]));
        Assert.Throws<IndexOutOfRangeException>(() => VectorMapped.ShiftedVjp(a, x, offset, 1.0, new double[length], new double[n]));
        Assert.Throws<IndexOutOfRangeException>(() => VectorMapped.ShiftedJvp(a, x, offset, new double[length], new double[n], out _));
    }

    private delegate double ShiftedGradientFn(ReadOnlySpan<double> a, ReadOnlySpan<double> x, int offset, Span<double> da, Span<double> dx);

    private delegate double ShiftedJvpFn(ReadOnlySpan<double> a, ReadOnlySpan<double> x, int offset, ReadOnlySpan<double> da, ReadOnlySpan<double> dx, out double tangent);

    /// <summary>The same source generated with the pass off: every element gets the same operations, so the same numbers bit for bit.</summary>
    [Test]
    public void With_the_pass_off_the_numbers_are_the_same_bit_for_bit()
    {
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-maps"), File.ReadAllText(FixturePath()));
        off.AssertNoErrors();
        using var loaded = off.Load();
        const string type = "AutoDiff.Generator.Tests.Numeric.VectorMapped";
        var gradient = loaded.Delegate<ShiftedGradientFn>(type, "ShiftedGradient");
        var jvp = loaded.Delegate<ShiftedJvpFn>(type, "ShiftedJvp");
        long[] Bits(double[] v) => v.Select(BitConverter.DoubleToInt64Bits).ToArray();
        foreach (var (n, offset) in new[] { (0, 0), (3, 1), (4, 0), (13, 2) })
        {
            var (a, x) = (Point(n + offset, 11), Point(n, 12));
            var (ga, gx, ha, hx) = (new double[a.Length], new double[n], new double[a.Length], new double[n]);
            Assert.That(gradient(a, x, offset, ha, hx), Is.EqualTo(VectorMapped.ShiftedGradient(a, x, offset, ga, gx)), "value");
            Assert.That(Bits(ga), Is.EqualTo(Bits(ha)), "ā");
            Assert.That(Bits(gx), Is.EqualTo(Bits(hx)), "x̄");
            var (da, dx) = (Point(a.Length, 13), Point(n, 14));
            jvp(a, x, offset, da, dx, out double off1);
            VectorMapped.ShiftedJvp(a, x, offset, da, dx, out double on1);
            Assert.That(BitConverter.DoubleToInt64Bits(on1), Is.EqualTo(BitConverter.DoubleToInt64Bits(off1)), "tangent");
        }
    }

    /// <summary>The forward loops run in checked lanes aligned to their end; the loop writing the caller's span does not.</summary>
    [Test]
    public void The_forward_maps_run_in_checked_lanes_and_an_output_span_is_left_alone()
    {
        string text = File.ReadAllText(FixturePath());
        var on = GeneratorHarness.Run(text);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-maps"), text);
        off.AssertNoErrors();
        string Method(GeneratorRun run, string method, string companion) => GeneratedCode.Method(run, ".VectorMapped." + method + ".g.cs", method + companion);
        string gradient = Method(on, "Shifted", "Gradient");
        Assert.That(gradient, Does.Contain("global::AutoDiff.Simd.LoadChecked(a, "), "a[offset + j] checked a vector at a time");
        Assert.That(gradient, Does.Contain("global::AutoDiff.Simd.StoreChecked(y, "));
        Assert.That(gradient, Does.Contain("-= lanes;"), "the lanes count down from the loop's end");
        Assert.That(Method(on, "Shifted", "Jvp"), Does.Contain("global::AutoDiff.Simd.LoadChecked("), "the Jvp's forward loops too");
        Assert.That(Method(off, "Shifted", "Gradient"), Does.Not.Contain("Simd."), "off");
        foreach (var companion in new[] { "Vjp", "Jvp" })
            Assert.That(Method(on, "IntoOutput", companion), Is.EqualTo(Method(off, "IntoOutput", companion)), "IntoOutput " + companion + ": the caller's span stays scalar");
    }

    [Test]
    public void The_gradient_allocates_nothing()
    {
        int n = 24;
        var (a, x) = (Point(n + 2, 21), Point(n, 22));
        var (ga, gx) = (new double[a.Length], new double[n]);
        double sink = 0;
        for (int warm = 0; warm < 3; warm++) sink += VectorMapped.ShiftedGradient(a, x, 2, ga, gx);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 10; r++) sink += VectorMapped.ShiftedGradient(a, x, 2, ga, gx);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(sink, Is.Not.NaN);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "VectorMaps.cs");
}

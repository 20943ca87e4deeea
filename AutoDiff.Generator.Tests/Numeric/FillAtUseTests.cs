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
/// The <c>fill-at-use</c> pass (Transforms/FillAtUse.cs) on the <see cref="FilledAtUse"/> methods: derivatives against a
/// hand formula, central differences and forward mode; with the pass off the same numbers bit for bit; the generated
/// reverse sweep computes z where its row reads it and has no loop filling it; the near miss keeps its loop; no allocation.
/// </summary>
public sealed class FillAtUseTests
{
    private static int Packed(int d) => d * (d - 1) / 2;

    /// <summary>
    /// By hand: with y = A_c·z, A_c = 1.5·I + L_c and e = exp(−½‖y‖²), ∂s/∂μ_c = Σᵢ e·A_cᵀy and ∂s/∂L_c[b, a] = −Σᵢ e·y_b·z_a
    /// (b &gt; a, packed column after column).
    /// </summary>
    private static (double[] Mu, double[] L) Hand(double[] mu, double[] l, double[] x, int d)
    {
        int k = mu.Length / d, n = x.Length / d;
        var (gmu, gl) = (new double[mu.Length], new double[l.Length]);
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                var z = Enumerable.Range(0, d).Select(j => x[i * d + j] - mu[c * d + j]).ToArray();
                var y = z.Select(v => 1.5 * v).ToArray();
                int p = c * Packed(d);
                for (int a = 0; a < d; a++) for (int b = a + 1; b < d; b++) y[b] += l[p++] * z[a];
                double e = Math.Exp(-0.5 * y.Sum(v => v * v));
                p = c * Packed(d);
                for (int a = 0; a < d; a++)
                {
                    double aty = 1.5 * y[a];
                    for (int b = a + 1; b < d; b++)
                    {
                        aty += l[p] * y[b];
                        gl[p++] -= e * y[b] * z[a];
                    }
                    gmu[c * d + a] += e * aty;
                }
            }
        }
        return (gmu, gl);
    }

    [TestCase(4, 3, 2)]
    [TestCase(1, 2, 3)]
    [TestCase(2, 1, 1)]
    [TestCase(6, 2, 2)]
    [TestCase(3, 2, 0)]
    public void Mixture_against_the_hand_formula_differences_and_forward_mode(int d, int k, int n)
    {
        var (mu, l, x) = (Point(k * d, 1), Point(k * Packed(d), 2), Point(n * d, 3));
        double value = FilledAtUse.Mixture(mu, l, x, d);
        var (gmu, gl) = (new double[mu.Length], new double[l.Length]);
        Assert.That(FilledAtUse.MixtureGradient(mu, l, x, d, gmu, gl), Is.EqualTo(value), "Gradient returns the value bit for bit");
        var (hmu, hl) = Hand(mu, l, x, d);
        AssertClose(gmu, hmu, 1e-12, "hand ∂/∂μ");
        AssertClose(gl, hl, 1e-12, "hand ∂/∂L");
        AssertClose(gmu, GradientCheck.FiniteDifferenceGradient(v => FilledAtUse.Mixture(v, l, x, d), mu), 1e-6, "∂/∂μ");
        AssertClose(gl, GradientCheck.FiniteDifferenceGradient(v => FilledAtUse.Mixture(mu, v, x, d), l), 1e-6, "∂/∂L");

        var (dmu, dl) = (Point(mu.Length, 4), Point(l.Length, 5));
        Assert.That(FilledAtUse.MixtureJvp(mu, l, x, d, dmu, dl, out double tangent), Is.EqualTo(value), "Jvp returns the value bit for bit");
        double expected = Dot(gmu, dmu) + Dot(gl, dl);
        Assert.That(tangent, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), "forward mode agrees with reverse");

        // The Vjp adds seed × gradient into what its adjoints held.
        var (amu, al) = (Point(mu.Length, 6), Point(l.Length, 7));
        var (smu, sl) = (amu.ToArray(), al.ToArray());
        Assert.That(FilledAtUse.MixtureVjp(mu, l, x, d, -0.5, smu, sl), Is.EqualTo(value), "Vjp returns the value bit for bit");
        AssertClose(smu, amu.Zip(gmu, (s, g) => s - 0.5 * g).ToArray(), 1e-12, "Vjp μ̄");
        AssertClose(sl, al.Zip(gl, (s, g) => s - 0.5 * g).ToArray(), 1e-12, "Vjp L̄");
    }

    [TestCase(3, 2, 2)]
    [TestCase(1, 1, 1)]
    public void TwoReads_against_the_hand_formula_and_differences(int d, int k, int n)
    {
        var (mu, x) = (Point(k * d, 11), Point(n * d, 12));
        var gmu = new double[mu.Length];
        Assert.That(FilledAtUse.TwoReadsGradient(mu, x, d, gmu), Is.EqualTo(FilledAtUse.TwoReads(mu, x, d)), "value bit for bit");
        // q = Σⱼ (zⱼ² + z₀zⱼ): ∂q/∂zⱼ = 2zⱼ + z₀ (+ Σⱼ zⱼ for j = 0); ∂s/∂μ_c = Σᵢ ½e·∂q/∂z.
        var hand = new double[mu.Length];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                var z = Enumerable.Range(0, d).Select(j => x[i * d + j] - mu[c * d + j]).ToArray();
                double e = Math.Exp(-0.5 * z.Sum(v => v * v + z[0] * v));
                for (int j = 0; j < d; j++) hand[c * d + j] += 0.5 * e * (2 * z[j] + z[0] + (j == 0 ? z.Sum() : 0));
            }
        }
        AssertClose(gmu, hand, 1e-12, "hand ∂/∂μ");
        AssertClose(gmu, GradientCheck.FiniteDifferenceGradient(v => FilledAtUse.TwoReads(v, x, d), mu), 1e-6, "∂/∂μ");
    }

    /// <summary>
    /// Mixture's reverse computes z where its row reads it: one loop fewer than with the pass off and no store into z in the
    /// reverse sweep; TwoReads, whose reverse reads z at two indices, is generated as with the pass off.
    /// </summary>
    [Test]
    public void The_reverse_row_computes_the_element_and_the_filling_loop_goes()
    {
        string text = File.ReadAllText(FixturePath());
        // (vector-maps off in both: its lanes loops would count.)
        var on = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "vector-maps"), text);
        on.AssertNoErrors();
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "fill-at-use;vector-maps"), text);
        off.AssertNoErrors();
        string Gradient(GeneratorRun run, string method) => GeneratedCode.Method(run, ".FilledAtUse." + method + ".g.cs", method + "Gradient");
        int Loops(string code) => Regex.Matches(code, @"\bwhile \(").Count;

        string mixture = Gradient(on, "Mixture"), mixtureOff = Gradient(off, "Mixture");
        Assert.That(Loops(mixture), Is.EqualTo(Loops(mixtureOff) - 1), "the refill loop goes");
        // Off, the reverse fills z with unchecked stores; on, z is only written by the forward sweep (checked stores).
        Assert.That(mixtureOff, Does.Contain("global::AutoDiff.Unchecked.At(z, "));
        Assert.That(Regex.IsMatch(mixture, @"global::AutoDiff\.Unchecked\.At\(z, [^)]*\) ="), Is.False, "no store into z in the reverse sweep");
        Assert.That(Regex.IsMatch(mixture, @"double z\d* = global::AutoDiff\.Unchecked\.At\(x, [^;]*\) - global::AutoDiff\.Unchecked\.At\(mu, [^;]*\);"), Is.True,
            "z computed where it is read, named after it");
        Assert.That(Gradient(on, "TwoReads"), Is.EqualTo(Gradient(off, "TwoReads")), "two reads per row: the loop stays");
    }

    private delegate double MixtureGradientFn(ReadOnlySpan<double> mu, ReadOnlySpan<double> l, ReadOnlySpan<double> x, int d, Span<double> dmu, Span<double> dl);

    private delegate double MixtureVjpFn(ReadOnlySpan<double> mu, ReadOnlySpan<double> l, ReadOnlySpan<double> x, int d, double seed, Span<double> dmu, Span<double> dl);

    /// <summary>The same source generated with the pass off: the same operations on the same operands, so the same numbers bit for bit.</summary>
    [Test]
    public void With_the_pass_off_the_numbers_are_the_same_bit_for_bit()
    {
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: "fill-at-use"), File.ReadAllText(FixturePath()));
        off.AssertNoErrors();
        using var loaded = off.Load();
        const string type = "AutoDiff.Generator.Tests.Numeric.FilledAtUse";
        var gradient = loaded.Delegate<MixtureGradientFn>(type, "MixtureGradient");
        var vjp = loaded.Delegate<MixtureVjpFn>(type, "MixtureVjp");
        long[] Bits(double[] v) => v.Select(BitConverter.DoubleToInt64Bits).ToArray();
        foreach (var (d, k, n) in new[] { (4, 3, 2), (1, 1, 1), (7, 2, 3), (3, 2, 0) })
        {
            var (mu, l, x) = (Point(k * d, 21), Point(k * Packed(d), 22), Point(n * d, 23));
            var (gmu, gl) = (new double[mu.Length], new double[l.Length]);
            var (hmu, hl) = (new double[mu.Length], new double[l.Length]);
            Assert.That(gradient(mu, l, x, d, hmu, hl), Is.EqualTo(FilledAtUse.MixtureGradient(mu, l, x, d, gmu, gl)), "value");
            Assert.That(Bits(gmu), Is.EqualTo(Bits(hmu)), "μ̄");
            Assert.That(Bits(gl), Is.EqualTo(Bits(hl)), "L̄");
            Assert.That(vjp(mu, l, x, d, 2.0, hmu, hl), Is.EqualTo(FilledAtUse.MixtureVjp(mu, l, x, d, 2.0, gmu, gl)), "Vjp value");
            Assert.That(Bits(gmu), Is.EqualTo(Bits(hmu)), "Vjp μ̄");
        }
    }

    [Test]
    public void The_gradient_allocates_nothing()
    {
        int d = 6, k = 3, n = 4;
        var (mu, l, x) = (Point(k * d, 31), Point(k * Packed(d), 32), Point(n * d, 33));
        var (gmu, gl) = (new double[mu.Length], new double[l.Length]);
        double sink = 0;
        for (int warm = 0; warm < 3; warm++) sink += FilledAtUse.MixtureGradient(mu, l, x, d, gmu, gl);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 10; r++) sink += FilledAtUse.MixtureGradient(mu, l, x, d, gmu, gl);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(sink, Is.Not.NaN);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "FillAtUse.cs");
}

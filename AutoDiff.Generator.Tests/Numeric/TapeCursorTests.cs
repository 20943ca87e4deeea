using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The tape cursors of generated code: a loop whose every use of a tape is a push into reserved room or a pop of one
/// value pushes and pops through two locals (<c>Tape.Open</c> before it, <c>Close</c> after it), the count in a register;
/// a loop that may grow the tape keeps <c>Push</c>. The derivatives through both, three ways.
/// </summary>
public class TapeCursorTests
{
    private static readonly double[] W = { 0.3, -1.1, 0.7, 2.0, -0.4 };

    [Test]
    public void A_product_over_a_known_count_records_and_takes_back_through_the_cursor()
    {
        const double x = 0.6;
        var g = new double[W.Length];
        double value = TapeCursors.ProductGradient(W, x, g, out double gx);
        Assert.That(value, Is.EqualTo(TapeCursors.Product(W, x)), "the primal bit for bit");

        // Hand formula: ∂p/∂wᵢ = p · cos(wᵢ)·x / (1 + sin(wᵢ)·x), ∂p/∂x = p · Σ sin(wᵢ) / (1 + sin(wᵢ)·x).
        double p = W.Aggregate(1.0, (acc, w) => acc * (1 + Math.Sin(w) * x));
        for (int i = 0; i < W.Length; i++)
        {
            Assert.That(g[i], Is.EqualTo(p * Math.Cos(W[i]) * x / (1 + Math.Sin(W[i]) * x)).Within(1e-13), $"w[{i}]");
            var plus = (double[])W.Clone(); plus[i] += 1e-6;
            var minus = (double[])W.Clone(); minus[i] -= 1e-6;
            Assert.That(g[i], Is.EqualTo((TapeCursors.Product(plus, x) - TapeCursors.Product(minus, x)) / 2e-6).Within(1e-7), $"w[{i}] differences");
        }
        Assert.That(gx, Is.EqualTo(W.Sum(w => p * Math.Sin(w) / (1 + Math.Sin(w) * x))).Within(1e-13));

        var direction = W.Select((_, i) => 0.1 * (i + 1)).ToArray();
        TapeCursors.ProductJvp(W, x, direction, 0.5, out double tangent);
        Assert.That(tangent, Is.EqualTo(g.Zip(direction, (a, b) => a * b).Sum() + gx * 0.5).Within(1e-13), "forward against reverse");
    }

    [Test]
    public void A_loop_of_unknown_count_checks_for_room_and_its_derivative_is_right()
    {
        const double y = 3.5;
        var g = new double[W.Length];
        double value = TapeCursors.HalveUntilSmallGradient(y, W, out double gy, g);
        Assert.That(value, Is.EqualTo(TapeCursors.HalveUntilSmall(y, W)));
        const double h = 1e-6;
        Assert.That(gy, Is.EqualTo((TapeCursors.HalveUntilSmall(y + h, W) - TapeCursors.HalveUntilSmall(y - h, W)) / (2 * h)).Within(1e-7));
        Assert.That(g[0], Is.EqualTo(value / W[0]).Within(1e-15), "∂/∂w₀ = s");
        TapeCursors.HalveUntilSmallJvp(y, W, 1.0, new double[W.Length], out double tangent);
        Assert.That(tangent, Is.EqualTo(gy).Within(1e-13), "forward against reverse");
    }

    [Test]
    public void The_generated_code_opens_a_cursor_only_around_loops_that_cannot_grow_the_tape()
    {
        var run = GeneratorHarness.RunWith(new HarnessOptions(), File.ReadAllText(FixturePath()));
        run.AssertNoErrors();
        string product = GeneratedCode.Method(run, ".TapeCursors.Product.g.cs", "ProductVjp");
        Assert.That(product, Does.Contain("doubleTape.Open(out int doubleTapeCount)"), product);
        Assert.That(product, Does.Contain("doubleTapeValues[doubleTapeCount++] = "), product);
        Assert.That(product, Does.Contain("doubleTapeValues2[--doubleTapeCount2]"), "the reverse loop opens its own");
        Assert.That(product, Does.Contain("doubleTape.Close(doubleTapeCount)"), product);
        Assert.That(product, Does.Not.Contain(".PushReserved(").And.Not.Contain(".Pop()"), product);

        string halve = GeneratedCode.Method(run, ".TapeCursors.HalveUntilSmall.g.cs", "HalveUntilSmallVjp");
        Assert.That(halve, Does.Contain("doubleTape.Push("), "the forward loop may grow the tape: no cursor");
        Assert.That(halve, Does.Not.Contain("doubleTapeValues[doubleTapeCount++]"), halve);
    }

    private static string FixturePath([CallerFilePath] string file = "") => Path.Combine(Path.GetDirectoryName(file)!, "TapeCursors.cs");
}

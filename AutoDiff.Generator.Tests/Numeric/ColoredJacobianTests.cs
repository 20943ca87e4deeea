using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// The colored Jacobian, <c>MJacobian(…, jacobian, coloring)</c>: one forward sweep per color of a
/// <see cref="JacobianColoring"/>, against the dense Jacobian (itself checked against finite differences and closed forms
/// in VectorFunctionTests) and against a hand-derived formula; the coloring itself; and argument checks.
/// </summary>
public sealed class ColoredJacobianTests
{
    private static double[] Point(int n, int seed) => Enumerable.Range(0, n).Select(i => Math.Sin(seed * 7.1 + i * 1.3) * 1.5).ToArray();

    /// <summary>Rows yᵢ: (i, i), (i, i+1 mod n), (i, a); rows zᵢ = n + i: (n + i, i), (n + i, a). Column a is n.</summary>
    private static List<(int, int)> BandedPattern(int n) =>
        Enumerable.Range(0, n).SelectMany(i => new[] { (i, i), (i, (i + 1) % n), (i, n), (n + i, i), (n + i, n) }).ToList();

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8)]
    [TestCase(9)]
    public void Two_outputs_match_the_dense_Jacobian(int n)
    {
        var x = Point(n, n);
        double a = 0.7;
        var dense = new double[2 * n * (n + 1)];
        double[] y = new double[n], z = new double[n];
        SparseVectorFunctions.BandedJacobian(x, a, y, z, dense);

        var coloring = JacobianColoring.FromPattern(2 * n, n + 1, BandedPattern(n));
        var colored = Enumerable.Repeat(double.NaN, dense.Length).ToArray();
        double[] y2 = new double[n], z2 = new double[n];
        SparseVectorFunctions.BandedJacobian(x, a, y2, z2, colored, coloring);
        Assert.That(colored, Is.EqualTo(dense), "the same entries, bit for bit");
        Assert.That(y2, Is.EqualTo(y));
        Assert.That(z2, Is.EqualTo(z));
        // x's columns need two colors (three for odd n, a cycle), a's column meets every row: one more.
        Assert.That(coloring.ColorCount, Is.EqualTo(n % 2 == 0 ? 3 : 4));
        // ∂yᵢ/∂xᵢ₊₁ = xᵢ, ∂zᵢ/∂a = sin xᵢ.
        for (int i = 0; i < n; i++)
        {
            Assert.That(colored[i * (n + 1) + (i + 1) % n], Is.EqualTo(x[i]));
            Assert.That(colored[(n + i) * (n + 1) + n], Is.EqualTo(Math.Sin(x[i])).Within(1e-15));
        }
    }

    [Test]
    public void Reverse_strategy_function_through_forward_colors()
    {
        // PairwiseProducts: 6 outputs, 7 + 1 inputs (its dense Jacobian uses reverse sweeps).
        var x = Point(7, 3);
        var y = new double[6];
        var dense = new double[6 * 8];
        VectorFunctions.PairwiseProductsJacobian(x, 1.3, y, dense);
        var pattern = Enumerable.Range(0, 6).SelectMany(i => new[] { (i, i), (i, i + 1), (i, 7) });
        var coloring = JacobianColoring.FromPattern(6, 8, pattern);
        var colored = new double[dense.Length];
        VectorFunctions.PairwiseProductsJacobian(x, 1.3, new double[6], colored, coloring);
        Assert.That(coloring.ColorCount, Is.EqualTo(3));
        for (int k = 0; k < dense.Length; k++) Assert.That(colored[k], Is.EqualTo(dense[k]).Within(1e-14 * Math.Max(1, Math.Abs(dense[k]))), $"entry {k}");
    }

    [Test]
    public void Single_precision()
    {
        var x = new[] { 0.5f, -1.25f, 2f, 0.75f, 1.5f };
        var coloring = JacobianColoring.FromPattern(5, 5, Enumerable.Range(0, 5).SelectMany(i => i == 0 ? new[] { (0, 0) } : new[] { (i, i), (i, i - 1) }));
        var j = new float[25];
        SparseVectorFunctions.LowerJacobian(x, new float[5], j, coloring);
        for (int r = 0; r < 5; r++)
        {
            for (int c = 0; c < 5; c++)
            {
                float expected = c == r ? 2 * x[r] : c == r - 1 ? -1 : 0;
                Assert.That(j[r * 5 + c], Is.EqualTo(expected), $"J[{r},{c}]");
            }
        }
        Assert.That(coloring.ColorCount, Is.EqualTo(2));
    }

    [Test]
    public void Coloring_from_a_dense_Jacobian_finds_its_pattern()
    {
        int n = 6;
        var x = Point(n, 1);
        var dense = new double[2 * n * (n + 1)];
        SparseVectorFunctions.BandedJacobian(x, 0.7, new double[n], new double[n], dense);
        var coloring = JacobianColoring.FromJacobian(2 * n, n + 1, dense);
        Assert.That(coloring.NonzeroCount, Is.EqualTo(5 * n));
        var colored = new double[dense.Length];
        SparseVectorFunctions.BandedJacobian(x, 0.7, new double[n], new double[n], colored, coloring);
        Assert.That(colored, Is.EqualTo(dense));
    }

    [Test]
    public void An_entry_outside_the_pattern_is_zero()
    {
        // The pattern forgets ∂zᵢ/∂a: those entries come out 0, as documented; the rest are right.
        int n = 4;
        var x = Point(n, 2);
        var pattern = BandedPattern(n).Where(e => !(e.Item1 >= n && e.Item2 == n)).ToList();
        var colored = new double[2 * n * (n + 1)];
        var dense = new double[colored.Length];
        SparseVectorFunctions.BandedJacobian(x, 0.7, new double[n], new double[n], dense);
        SparseVectorFunctions.BandedJacobian(x, 0.7, new double[n], new double[n], colored, JacobianColoring.FromPattern(2 * n, n + 1, pattern));
        for (int i = 0; i < n; i++) Assert.That(colored[(n + i) * (n + 1) + n], Is.Zero);
        for (int i = 0; i < n; i++) Assert.That(colored[i * (n + 1) + n], Is.EqualTo(dense[i * (n + 1) + n]));
    }

    [Test]
    public void Greedy_coloring_is_valid_on_random_patterns()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 200; trial++)
        {
            int rows = random.Next(0, 12), columns = random.Next(0, 12);
            var pattern = new List<(int, int)>();
            for (int k = random.Next(0, rows * columns + 1); k > 0; k--) pattern.Add((random.Next(rows), random.Next(columns)));
            var coloring = JacobianColoring.FromPattern(rows, columns, pattern);
            foreach (var row in pattern.GroupBy(e => e.Item1))
            {
                var colors = row.Select(e => e.Item2).Distinct().Select(coloring.ColorOf).ToList();
                Assert.That(colors, Is.Unique, "two columns of one color share a row");
            }
            Assert.That(coloring.ColorCount, Is.LessThanOrEqualTo(Math.Max(columns, 0)));
            if (pattern.Count > 0) Assert.That(coloring.ColorCount, Is.GreaterThanOrEqualTo(pattern.GroupBy(e => e.Item1).Max(g => g.Select(e => e.Item2).Distinct().Count())));
        }
    }

    [Test]
    public void Arguments_are_checked()
    {
        var x = Point(4, 1);
        var coloring = JacobianColoring.FromPattern(8, 5, BandedPattern(4));
        Assert.Throws<ArgumentNullException>(() => SparseVectorFunctions.BandedJacobian(x, 0.7, new double[4], new double[4], new double[40], null!));
        Assert.Throws<ArgumentException>(() => SparseVectorFunctions.BandedJacobian(x, 0.7, new double[4], new double[4], new double[39], coloring));
        var wrongShape = JacobianColoring.FromPattern(8, 6, BandedPattern(4));
        Assert.Throws<ArgumentException>(() => SparseVectorFunctions.BandedJacobian(x, 0.7, new double[4], new double[4], new double[40], wrongShape));
        Assert.Throws<ArgumentOutOfRangeException>(() => JacobianColoring.FromPattern(2, 2, new[] { (2, 0) }));
        Assert.Throws<ArgumentException>(() => JacobianColoring.FromJacobian(2, 2, new double[3]));
    }

    [Test]
    public void Colored_Jacobian_allocates_nothing()
    {
        var x = Point(40, 1);
        var coloring = JacobianColoring.FromPattern(80, 41, BandedPattern(40));
        double[] y = new double[40], z = new double[40], j = new double[80 * 41];
        SparseVectorFunctions.BandedJacobian(x, 0.7, y, z, j, coloring);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++) SparseVectorFunctions.BandedJacobian(x, 0.7, y, z, j, coloring);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}

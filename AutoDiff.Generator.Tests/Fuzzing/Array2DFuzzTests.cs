using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Generator.Tests.EverydayCSharp;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// A small generator of programs over a two-dimensional array (issue 15, item 6): <c>double P(double[,] a, double s)</c> with
/// loops over <c>GetLength(0)</c>/<c>GetLength(1)</c>, stencil reads <c>a[(i + 1) % n, j]</c>, a local <c>new double[n, m]</c>
/// written and read back, and smooth math. Every program of a batch is generated in one compilation; each is checked at a
/// random matrix (rows and columns 2 to 4) by <see cref="CompanionSet"/>: the primal bit for bit, the gradient against
/// central differences (<see cref="FuzzRunner.FdTolerance"/>), Vjp and Jvp against the gradient, H·v against differences of
/// the gradient. <c>AUTODIFF_FUZZ_ARRAY2D_PROGRAMS</c> sets the count (24, or 96 under <c>AUTODIFF_FULL_TESTS</c>).
/// </summary>
public class Array2DFuzzTests
{
    public delegate double Value(double[,] a, double s);
    public delegate double Gradient(double[,] a, double s, double[,] da, out double ds);
    public delegate double Vjp(double[,] a, double s, double seed, double[,] aAdj, ref double sAdj);
    public delegate double Jvp(double[,] a, double s, double[,] aDot, double sDot, out double tangent);
    public delegate double Hvp(double[,] a, double s, double[,] vA, double vS, double[,] hvA, out double hvS);

    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_ARRAY2D_PROGRAMS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
        ? n : TestScale.Pick(24, 96);

    /// <summary>Program <paramref name="index"/> of <paramref name="seed"/>: a method named <c>P{index}</c>.</summary>
    public static string Generate(int seed, int index)
    {
        var rng = new Random(unchecked(seed * 31 + index * 7919));
        bool buffer = rng.Next(2) == 0;
        string[] leaves = { "a[i, j]", "a[(i + 1) % n, j]", "a[i, (j + m - 1) % m]", "s", "0.5", "1.25", "a[n - 1 - i, j]" };
        string Expr(int depth)
        {
            if (depth == 0 || rng.Next(4) == 0) return leaves[rng.Next(leaves.Length)];
            return rng.Next(7) switch
            {
                0 => "(" + Expr(depth - 1) + " + " + Expr(depth - 1) + ")",
                1 => "(" + Expr(depth - 1) + " - " + Expr(depth - 1) + ")",
                2 or 3 => "(" + Expr(depth - 1) + " * " + Expr(depth - 1) + ")",
                4 => "Math.Sin(" + Expr(depth - 1) + ")",
                5 => "Math.Tanh(" + Expr(depth - 1) + ")",
                _ => "Math.Exp(0.25 * " + Expr(depth - 1) + ")",
            };
        }
        var b = new StringBuilder();
        b.AppendLine("    [Differentiable]");
        b.AppendLine("    public static double P" + index + "(double[,] a, double s)");
        b.AppendLine("    {");
        b.AppendLine("        int n = a.GetLength(0), m = a.GetLength(1);");
        if (buffer) b.AppendLine("        var t = new double[n, m];");
        b.AppendLine("        double acc = 0;");
        b.AppendLine("        for (int i = 0; i < n; i++)");
        b.AppendLine("        {");
        b.AppendLine("            for (int j = 0; j < m; j++)");
        b.AppendLine("            {");
        b.AppendLine("                double v = " + Expr(3) + ";");
        if (buffer) b.AppendLine("                t[i, j] = v * " + Expr(2) + ";");
        b.AppendLine("                acc += v * " + Expr(2) + ";");
        b.AppendLine("            }");
        b.AppendLine("        }");
        if (buffer)
        {
            b.AppendLine("        for (int i = 0; i < n; i++)");
            b.AppendLine("            for (int j = 0; j < m; j++) acc += t[i, j] * t[(i + 1) % n, (j + 1) % m] + " + (rng.Next(2) == 0 ? "t[i, j] * s" : "Math.Cos(t[i, j])") + ";");
        }
        b.AppendLine("        return acc / a.Length;");
        b.AppendLine("    }");
        return b.ToString();
    }

    [Test]
    public void Generator_is_deterministic()
    {
        string first = Generate(FuzzTests.Seed, 3);
        Assert.That(Generate(FuzzTests.Seed, 3), Is.EqualTo(first));
        Assert.That(Generate(FuzzTests.Seed, 3), Is.Not.EqualTo(Generate(FuzzTests.Seed, 4)));
    }

    [Test]
    public void Two_dimensional_array_programs()
    {
        int seed = FuzzTests.Seed;
        var source = new StringBuilder("using System;\nusing AutoDiff;\nnamespace Fuzz;\npublic static partial class Grid\n{\n");
        for (int k = 0; k < Count; k++) source.AppendLine(Generate(seed, k));
        source.AppendLine("}");
        var run = GeneratorHarness.Run(source.ToString());
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id.StartsWith("ADIFF")), Is.Empty);
        using var loaded = run.Load();
        var rng = new Random(seed);
        for (int k = 0; k < Count; k++)
        {
            string name = "P" + k;
            int rows = rng.Next(2, 5), columns = rng.Next(2, 5), size = rows * columns;
            var value = loaded.Delegate<Value>("Fuzz.Grid", name);
            var gradient = loaded.Delegate<Gradient>("Fuzz.Grid", name + "Gradient");
            var vjp = loaded.Delegate<Vjp>("Fuzz.Grid", name + "Vjp");
            var jvp = loaded.Delegate<Jvp>("Fuzz.Grid", name + "Jvp");
            var hvp = loaded.Delegate<Hvp>("Fuzz.Grid", name + "Hvp");
            double[,] A(double[] t)
            {
                var a = new double[rows, columns];
                for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) a[i, j] = t[i * columns + j];
                return a;
            }
            double[] Flat(double[,] a, double scalar) => a.Cast<double>().Append(scalar).ToArray();
            var set = new CompanionSet(
                t => value(A(t), t[size]),
                t =>
                {
                    var da = new double[rows, columns];
                    da[0, 0] = 7; // overwritten
                    double v = gradient(A(t), t[size], da, out double ds);
                    return (v, Flat(da, ds));
                },
                (t, s, initial) =>
                {
                    var aAdj = A(initial);
                    double sAdj = initial[size];
                    double v = vjp(A(t), t[size], s, aAdj, ref sAdj);
                    return (v, Flat(aAdj, sAdj));
                },
                (t, d) => (jvp(A(t), t[size], A(d), d[size], out double tangent), tangent),
                (t, d) =>
                {
                    var ha = new double[rows, columns];
                    double v = hvp(A(t), t[size], A(d), d[size], ha, out double hs);
                    return (v, Flat(ha, hs));
                });
            var at = Enumerable.Range(0, size + 1).Select(_ => Math.Round(-1 + 2 * rng.NextDouble(), 4)).ToArray();
            try
            {
                set.Check(at, FuzzRunner.FdTolerance);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new AssertionException("program " + name + " at " + rows + "×" + columns + ":\n" + Generate(seed, k) + "\n" + e.Message, e);
            }
        }
    }
}

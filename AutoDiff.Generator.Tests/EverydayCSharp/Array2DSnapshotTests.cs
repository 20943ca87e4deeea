using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>The code generated for two-dimensional and jagged arrays, and what stays refused (issue 15, item 6).</summary>
public class Array2DSnapshotTests
{
    [Test]
    public void Matrix_vector_product()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Fns
            {
                [Differentiable]
                public static double Quadratic(double[,] a, double[] x)
                {
                    double s = 0;
                    for (int i = 0; i < a.GetLength(0); i++)
                        for (int j = 0; j < a.GetLength(1); j++) s += x[i] * a[i, j] * x[j];
                    return s;
                }
            }
            """);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run);
    }

    [Test]
    public void Jagged_rows()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Fns
            {
                [Differentiable]
                public static double RowNorms(double[][] w)
                {
                    double s = 0;
                    for (int i = 0; i < w.Length; i++)
                        for (int j = 0; j < w[i].Length; j++) s += Math.Sin(w[i][j]);
                    return s;
                }
            }
            """);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run);
    }

    private static (string Id, int Line, string Message)[] Diagnostics(string body)
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Fns
            {
            """ + "\n" + body + "\n}\n");
        Assert.That(run.CompilationErrors, Is.Empty);
        return run.AnalyzerDiagnostics().Where(d => d.Id.StartsWith("ADIFF")).Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line, d.GetMessage())).ToArray();
    }

    [Test]
    public void A_three_dimensional_parameter_is_named_at_the_parameter()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double[,,] a) => a[0, 0, 0];
            """);
        Assert.That(found.Select(d => d.Id), Does.Contain("ADIFF003"));
        Assert.That(found.First(d => d.Id == "ADIFF003").Message, Does.Contain("more than two dimensions").And.Contain("double[,,]"));
    }

    [Test]
    public void A_three_dimensional_local_is_refused_in_words()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double x)
                {
                    var t = new double[2, 2, 2];
                    return x;
                }
            """);
        Assert.That(found.Select(d => d.Id), Is.EqualTo(new[] { "ADIFF004" }));
        Assert.That(found[0].Message, Does.Contain("more than two dimensions"));
        Assert.That(found[0].Line, Is.EqualTo(8));
    }

    [Test]
    public void A_jagged_row_taken_as_a_value_says_to_index_it()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double[][] w)
                {
                    double[] row = w[0];
                    return row[0];
                }
            """);
        Assert.That(found.Select(d => d.Id), Is.EqualTo(new[] { "ADIFF004" }));
        Assert.That(found[0].Message, Does.Contain("row of a jagged array").And.Contain("w[0][j]"));
    }

    [Test]
    public void Writing_into_an_input_matrix_is_refused()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double[,] a)
                {
                    a[0, 0] = 1;
                    return a[0, 0];
                }
            """);
        Assert.That(found.Select(d => d.Id), Is.EqualTo(new[] { "ADIFF012" }));
    }

    [Test]
    public void Passing_a_matrix_to_another_differentiable_method_is_refused_in_words()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double Inner(double[,] a) => a[0, 0] * a[0, 0];

                [Differentiable]
                public static double Outer(double[,] a) => Inner(a) + a[0, 1];
            """);
        Assert.That(found.Select(d => d.Id), Is.EqualTo(new[] { "ADIFF004" }));
        Assert.That(found[0].Message, Does.Contain("two-dimensional or jagged array").And.Contain("'Inner'"));
        Assert.That(found[0].Line, Is.EqualTo(9));
    }

    [Test]
    public void A_foreach_over_a_matrix_says_to_loop_over_the_indices()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double[,] a)
                {
                    double s = 0;
                    foreach (var v in a) s += v;
                    return s;
                }
            """);
        Assert.That(found.Select(d => d.Id), Is.EqualTo(new[] { "ADIFF004" }));
        Assert.That(found[0].Message, Does.Contain("two-dimensional or jagged array").And.Contain("GetLength(0)"));
    }

    [Test]
    public void Data_matrices_of_any_shape_pass_through()
    {
        var found = Diagnostics("""
                [Differentiable]
                public static double F(double x, [NoDerivative] double[,,] cube, int[,] grid) => x * cube.Length + x * grid.Length;
            """);
        Assert.That(found.Where(d => d.Id != "ADIFF016"), Is.Empty);
    }
}

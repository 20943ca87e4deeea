using System;
using System.Linq;
using AutoDiff.CodeFixes;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.CodeFixes;

/// <summary>
/// Each code fix of AutoDiff.CodeFixes: the analyzer reports the diagnostic it fixes, the fix produces exactly the
/// expected source, and the fixed source compiles with the generator emitting the companions (for the rewrites that
/// change what runs, with the same values as before and derivatives that match finite differences). Next to each,
/// a source where the fix must not be offered because it would not be sound.
/// </summary>
public class CodeFixTests
{
    private delegate double ArrayGradient(double[] x, Span<double> dx);

    // ---- make the type partial (ADIFF001) ------------------------------------------------------------

    [Test]
    public void Partial_is_added_to_the_type_and_every_enclosing_type()
    {
        const string source = """
            using AutoDiff;

            namespace Demo
            {
                public class Outer
                {
                    // Nested helpers.
                    static class Inner
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            }
            """;
        const string expected = """
            using AutoDiff;

            namespace Demo
            {
                public partial class Outer
                {
                    // Nested helpers.
                    static partial class Inner
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            }
            """;
        var project = CodeFixHarness.Project(source);
        CodeFixHarness.Reported(project, "ADIFF001", "Outer");
        var fixedSources = CodeFixHarness.Fix(new MakePartialCodeFix(), "ADIFF001", "Inner", "Make 'Inner' partial", source);

        Assert.That(fixedSources[0], Is.EqualTo(expected));
        CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Demo.Outer+Inner.FGradient");
    }

    [Test]
    public void Partial_goes_before_the_keyword_of_a_type_without_modifiers_keeping_its_attributes()
    {
        const string source = """
            using System;
            using AutoDiff;

            [Serializable]
            class Fns
            {
                [Differentiable]
                public static double F(double x) => x * x;
            }
            """;
        const string expected = """
            using System;
            using AutoDiff;

            [Serializable]
            partial class Fns
            {
                [Differentiable]
                public static double F(double x) => x * x;
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new MakePartialCodeFix(), "ADIFF001", "Fns", "Make 'Fns' partial", source);

        Assert.That(fixedSources[0], Is.EqualTo(expected));
        CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Fns.FGradient");
    }

    // ---- mark a parameter [NoDerivative] (ADIFF016, ADIFF003) ---------------------------------------------

    [Test]
    public void NoDerivative_marks_a_parameter_treated_as_data()
    {
        const string source = """
            using System.Numerics;
            using AutoDiff;

            public static partial class Physics
            {
                [Differentiable]
                public static double Energy(double mass, Quaternion velocity)
                    => 0.5 * mass * (velocity.X * velocity.X + velocity.Y * velocity.Y);
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new NoDerivativeCodeFix(), "ADIFF016", "Quaternion velocity", "Mark 'velocity' [NoDerivative]", source);

        Assert.That(fixedSources[0], Is.EqualTo(source.Replace("Quaternion velocity)", "[NoDerivative] Quaternion velocity)")));
        var run = CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Physics.EnergyGradient");
        Assert.That(run.AnalyzerDiagnostics().Select(d => d.Id), Does.Not.Contain("ADIFF016"));
    }

    [Test]
    public void NoDerivative_is_qualified_where_the_AutoDiff_namespace_is_not_imported()
    {
        const string source = """
            public static partial class Physics
            {
                [AutoDiff.Differentiable]
                public static double Scaled(double x,
                    System.Numerics.Quaternion shift) => x * shift.X;
            }
            """;
        const string expected = """
            public static partial class Physics
            {
                [AutoDiff.Differentiable]
                public static double Scaled(double x,
                    [AutoDiff.NoDerivative] System.Numerics.Quaternion shift) => x * shift.X;
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new NoDerivativeCodeFix(), "ADIFF016", "System.Numerics.Quaternion shift", "Mark 'shift' [NoDerivative]", source);

        Assert.That(fixedSources[0], Is.EqualTo(expected));
        CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Physics.ScaledGradient");
    }

    [Test]
    public void NoDerivative_makes_a_writable_span_of_a_scalar_method_data()
    {
        const string source = """
            using System;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double F(double x, Span<double> weights) => x * weights[0];
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new NoDerivativeCodeFix(), "ADIFF003", "Span<double> weights", "Mark 'weights' [NoDerivative]", source);

        Assert.That(fixedSources[0], Is.EqualTo(source.Replace("Span<double> weights", "[NoDerivative] Span<double> weights")));
        CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Fns.FGradient");
    }

    [Test]
    public void NoDerivative_is_not_offered_for_a_ref_parameter()
    {
        var project = CodeFixHarness.Project("""
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double F(ref double x) => x * x;
            }
            """);
        var diagnostic = CodeFixHarness.Reported(project, "ADIFF003", "ref double x");
        Assert.That(CodeFixHarness.Actions(new NoDerivativeCodeFix(), project, diagnostic), Is.Empty);
    }

    // ---- wrap an argument in Ad.StopGradient (ADIFF005, ADIFF008) -----------------------------------------

    private const string KineticEnergy = """
        using AutoDiff;

        public static partial class Physics
        {
            static double Square(double v) => v * v;

            [Differentiable]
            public static double KineticEnergy(double mass, double velocity) =>
                0.5 * mass * Square(velocity);
        }
        """;

    [Test]
    public void StopGradient_wraps_the_argument_of_a_call_without_derivative()
    {
        var fixedSources = CodeFixHarness.Fix(new StopGradientCodeFix(), "ADIFF005", "Square(velocity)", "Wrap 'velocity' in Ad.StopGradient", KineticEnergy);

        Assert.That(fixedSources[0], Is.EqualTo(KineticEnergy.Replace("Square(velocity);", "Square(Ad.StopGradient(velocity));")));
        var run = CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Physics.KineticEnergyGradient");
        using var loaded = run.Load();
        var args = new object?[] { 2.0, 3.0, null, null };
        Assert.That(loaded.Invoke("Physics", "KineticEnergyGradient", args), Is.EqualTo(9.0));
        Assert.That(args[2], Is.EqualTo(4.5), "d/dmass");
        Assert.That(args[3], Is.EqualTo(0.0), "d/dvelocity is zero: the argument's derivative was stopped");
    }

    [Test]
    public void StopGradient_wraps_an_argument_or_the_receiver_of_a_call_that_loses_the_derivative()
    {
        const string source = """
            using AutoDiff;

            public static partial class Steps
            {
                static int Bucket(double v) => (int)(4 * v);

                [Differentiable]
                public static double Binned(double x) => Bucket(x) * x;

                [Differentiable]
                public static double RoundTrip(double x) => double.Parse(x.ToString()) * x;
            }
            """;
        var binned = CodeFixHarness.Fix(new StopGradientCodeFix(), "ADIFF008", "Bucket(x)", "Wrap 'x' in Ad.StopGradient", source);
        Assert.That(binned[0], Is.EqualTo(source.Replace("Bucket(x) * x", "Bucket(Ad.StopGradient(x)) * x")));

        var roundTrip = CodeFixHarness.Fix(new StopGradientCodeFix(), "ADIFF008", "x.ToString()", "Wrap 'x' in Ad.StopGradient", binned);
        Assert.That(roundTrip[0], Is.EqualTo(binned[0].Replace("x.ToString()", "Ad.StopGradient(x).ToString()")));

        var run = CodeFixHarness.AssertCompilesWithCompanions(roundTrip, "Steps.BinnedGradient", "Steps.RoundTripGradient");
        Assert.That(run.AnalyzerDiagnostics().Select(d => d.Id), Does.Not.Contain("ADIFF008"));
    }

    [Test]
    public void StopGradient_is_offered_per_floating_argument_and_not_for_constants()
    {
        var project = CodeFixHarness.Project("""
            using AutoDiff;

            public static partial class Fns
            {
                static double G(double a, int n, double b, double c) => a * n + b + c;

                [Differentiable]
                public static double F(double x, double y) => G(x, 3, y, 2.0);
            }
            """);
        var diagnostic = CodeFixHarness.Reported(project, "ADIFF005", "G(x, 3, y, 2.0)");
        Assert.That(CodeFixHarness.Actions(new StopGradientCodeFix(), project, diagnostic).Select(a => a.Title),
            Is.EqualTo(new[] { "Wrap 'x' in Ad.StopGradient", "Wrap 'y' in Ad.StopGradient" }));
    }

    // ---- add [Differentiable] to the callee (ADIFF005) ---------------------------------------------------

    [Test]
    public void Differentiable_is_added_to_a_callee_in_the_same_document()
    {
        var fixedSources = CodeFixHarness.Fix(new MarkCalleeDifferentiableCodeFix(), "ADIFF005", "Square(velocity)", "Mark 'Square' [Differentiable]", KineticEnergy);

        Assert.That(fixedSources[0], Is.EqualTo(KineticEnergy.Replace(
            "    static double Square(double v) => v * v;",
            "    [Differentiable]\n    static double Square(double v) => v * v;")));
        var run = CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Physics.KineticEnergyGradient", "Physics.SquareGradient");
        using var loaded = run.Load();
        var args = new object?[] { 2.0, 3.0, null, null };
        Assert.That(loaded.Invoke("Physics", "KineticEnergyGradient", args), Is.EqualTo(9.0));
        Assert.That(args[2], Is.EqualTo(4.5), "d/dmass = v²/2");
        Assert.That(args[3], Is.EqualTo(6.0), "d/dvelocity = m v, through Square's own derivative");
    }

    [Test]
    public void Differentiable_is_added_to_a_callee_in_another_document_after_its_attributes()
    {
        const string caller = """
            using AutoDiff;

            public static partial class Model
            {
                [Differentiable]
                public static double Loss(double x) => Helpers.Softplus(x) + x;
            }
            """;
        const string callee = """
            using System;
            using System.Diagnostics.Contracts;

            public static partial class Helpers
            {
                /// <summary>log(1 + e^x).</summary>
                [Pure]
                public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
            }
            """;
        const string expectedCallee = """
            using System;
            using System.Diagnostics.Contracts;

            public static partial class Helpers
            {
                /// <summary>log(1 + e^x).</summary>
                [Pure]
                [AutoDiff.Differentiable]
                public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new MarkCalleeDifferentiableCodeFix(), "ADIFF005", "Helpers.Softplus(x)", "Mark 'Softplus' [Differentiable]", caller, callee);

        Assert.That(fixedSources[0], Is.EqualTo(caller));
        Assert.That(fixedSources[1], Is.EqualTo(expectedCallee));
        var run = CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Model.LossGradient", "Helpers.SoftplusGradient");
        using var loaded = run.Load();
        var args = new object?[] { 0.5, null };
        loaded.Invoke("Model", "LossGradient", args);
        Assert.That((double)args[1]!, Is.EqualTo(1 / (1 + Math.Exp(-0.5)) + 1).Within(1e-15));
    }

    [Test]
    public void Differentiable_is_offered_for_a_call_on_another_object_but_not_for_a_library_method()
    {
        var project = CodeFixHarness.Project("""
            using AutoDiff;

            public partial class Scaler
            {
                public double K = 2;
                public double Scale(double v) => K * v;
            }

            public static partial class Fns
            {
                [Differentiable]
                public static double F(double x, [NoDerivative] Scaler s) => s.Scale(x) + double.Exp2(x);
            }
            """);
        var onObject = CodeFixHarness.Reported(project, "ADIFF005", "s.Scale(x)");
        var library = CodeFixHarness.Reported(project, "ADIFF005", "double.Exp2(x)");
        // A [Differentiable] method called on another object is differentiated (issue 16).
        Assert.That(CodeFixHarness.Actions(new MarkCalleeDifferentiableCodeFix(), project, onObject).Select(a => a.Title), Is.EqualTo(new[] { "Mark 'Scale' [Differentiable]" }));
        Assert.That(CodeFixHarness.Actions(new MarkCalleeDifferentiableCodeFix(), project, library), Is.Empty);
        // Ad.StopGradient is the fix both advise.
        Assert.That(CodeFixHarness.Actions(new StopGradientCodeFix(), project, onObject).Select(a => a.Title), Is.EqualTo(new[] { "Wrap 'x' in Ad.StopGradient" }));
    }

    // ---- rewrite a foreach over LINQ as an index loop (ADIFF004) ------------------------------------------

    [Test]
    public void ForEach_over_Where_and_Select_becomes_an_index_loop_with_the_same_values()
    {
        const string source = """
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double PositiveSquares(double[] xs)
                {
                    double s = 0;
                    foreach (var v in xs.Where(x => x > 0).Select(x => x * x))
                    {
                        // Accumulate.
                        s += v;
                    }
                    return s;
                }
            }
            """;
        const string expected = """
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double PositiveSquares(double[] xs)
                {
                    double s = 0;
                    for (int i = 0; i < xs.Length; i++)
                    {
                        var x = xs[i];
                        if (!(x > 0)) continue;
                        var v = x * x;
                        // Accumulate.
                        s += v;
                    }
                    return s;
                }
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new ForEachLinqToLoopCodeFix(), "ADIFF004", "foreach", "Rewrite the LINQ 'foreach' as an index loop", source);

        Assert.That(fixedSources[0], Is.EqualTo(expected));
        AssertSameValuesAndGradient(source, fixedSources, "PositiveSquares");
    }

    [Test]
    public void ForEach_over_a_method_group_Select_with_an_embedded_statement()
    {
        const string source = """
            using System;
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double SumOfSines(double[] xs)
                {
                    double i = 0;
                    foreach (double v in xs.Select(Math.Sin).Select(y => y * i))
                        i += v + 1;
                    return i;
                }
            }
            """;
        const string expected = """
            using System;
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double SumOfSines(double[] xs)
                {
                    double i = 0;
                    for (int j = 0; j < xs.Length; j++)
                    {
                        var item = xs[j];
                        var y = Math.Sin(item);
                        double v = y * i;
                        i += v + 1;
                    }
                    return i;
                }
            }
            """;
        var fixedSources = CodeFixHarness.Fix(new ForEachLinqToLoopCodeFix(), "ADIFF004", "foreach", "Rewrite the LINQ 'foreach' as an index loop", source);

        Assert.That(fixedSources[0], Is.EqualTo(expected));
        AssertSameValuesAndGradient(source, fixedSources, "SumOfSines");
    }

    [TestCase("xs.Select(x => { return x * x; })", TestName = "ForEach_fix_is_not_offered_for_a_block_lambda")]
    [TestCase("xs.Select((x, k) => x * k)", TestName = "ForEach_fix_is_not_offered_for_an_indexed_Select")]
    [TestCase("xs.OrderBy(x => x)", TestName = "ForEach_fix_is_not_offered_for_other_operators")]
    [TestCase("xs.ToList()", TestName = "ForEach_fix_is_not_offered_for_a_list")]
    [TestCase("Twice(xs).Select(x => x)", TestName = "ForEach_fix_is_not_offered_over_a_call")]
    public void ForEach_fix_is_not_offered(string sequence)
    {
        var project = CodeFixHarness.Project("""
            using System.Collections.Generic;
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                static double[] Twice(double[] a) => a;

                [Differentiable]
                public static double F(double[] xs)
                {
                    double s = 0;
                    foreach (var v in SEQUENCE) s += v;
                    return s;
                }
            }
            """.Replace("SEQUENCE", sequence));
        var diagnostic = CodeFixHarness.Reported(project, "ADIFF004", "foreach");
        Assert.That(CodeFixHarness.Actions(new ForEachLinqToLoopCodeFix(), project, diagnostic), Is.Empty);
    }

    [Test]
    public void ForEach_fix_is_not_offered_when_the_loop_assigns_the_array()
    {
        var project = CodeFixHarness.Project("""
            using System.Linq;
            using AutoDiff;

            public static partial class Fns
            {
                [Differentiable]
                public static double F(double[] xs, [NoDerivative] double[] other)
                {
                    double s = 0;
                    foreach (var v in xs.Select(x => x * 2)) { s += v; xs = other; }
                    return s;
                }
            }
            """);
        var diagnostic = CodeFixHarness.Reported(project, "ADIFF004", "foreach");
        Assert.That(CodeFixHarness.Actions(new ForEachLinqToLoopCodeFix(), project, diagnostic), Is.Empty);
    }

    /// <summary>
    /// The rewritten method returns what the original did, bit for bit, and its generated gradient matches central
    /// finite differences.
    /// </summary>
    private static void AssertSameValuesAndGradient(string original, string[] fixedSources, string method)
    {
        var run = CodeFixHarness.AssertCompilesWithCompanions(fixedSources, "Fns." + method + "Gradient");
        using var before = GeneratorHarness.Run(original).Load();
        using var after = run.Load();
        var gradient = after.Delegate<ArrayGradient>("Fns", method + "Gradient");
        double[][] inputs = { new[] { 0.5, -1.25, 2.0, 0.75 }, new[] { -0.3 }, Array.Empty<double>(), new[] { 1.5, 0.2, -0.7 } };
        foreach (var x in inputs)
        {
            double expected = (double)before.Invoke("Fns", method, new object?[] { x })!;
            Assert.That(BitConverter.DoubleToInt64Bits((double)after.Invoke("Fns", method, new object?[] { x })!), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
            var dx = new double[x.Length];
            Assert.That(BitConverter.DoubleToInt64Bits(gradient(x, dx)), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
            for (int k = 0; k < x.Length; k++)
            {
                const double h = 1e-6;
                var plus = (double[])x.Clone();
                var minus = (double[])x.Clone();
                plus[k] += h;
                minus[k] -= h;
                double fd = ((double)after.Invoke("Fns", method, new object?[] { plus })! - (double)after.Invoke("Fns", method, new object?[] { minus })!) / (2 * h);
                Assert.That(dx[k], Is.EqualTo(fd).Within(1e-6 * (1 + Math.Abs(fd))), $"d/dx[{k}] at [{string.Join(", ", x)}]");
            }
        }
    }
}

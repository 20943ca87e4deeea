using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Defects the mutation test (<c>Mutation/MutationTests.cs</c>) found after the other fixes of issue 13: each input
/// is the reduced mutant. A [DerivativeOf] rule generated code cannot call (generic, or hidden by its accessibility
/// or a file scope) gets ADIFF013 and is not used; a loop C# sees as endless leaves nothing unreachable after it in
/// generated code (CS0162).
/// </summary>
public sealed class MutationFindingsTests
{
    private const string Usings = "using System;\nusing AutoDiff;\n";

    /// <summary>Errors and warnings (at every warning wave) located in generated files.</summary>
    private static List<Diagnostic> GeneratedCodeDiagnostics(GeneratorRun run)
    {
        var output = run.OutputCompilation.WithOptions(((CSharpCompilationOptions)run.OutputCompilation.Options).WithWarningLevel(9999));
        var generated = new HashSet<SyntaxTree>(output.SyntaxTrees.Except(run.InputCompilation.SyntaxTrees));
        return output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree))
            .ToList();
    }

    // ---- a [DerivativeOf] rule generated code cannot call ---------------------------------------------

    private const string Target = """
        namespace Demo
        {
            public static class Plain
            {
                public static double Wave(double x) => Math.Sin(x);
            }
            public static partial class Fns
            {
                [Differentiable]
                public static double F(double x) => Plain.Wave(x) * x;
            }
        """;

    [TestCase("public static partial class Rules<T> { RULE }", "a derivative rule cannot be declared in a generic type ('Demo.Rules<T>')")]
    [TestCase("public static partial class Outer<T> { public static class Rules { RULE } }", "a derivative rule cannot be declared in a generic type ('Demo.Outer<T>.Rules')")]
    [TestCase("public static partial class Rules { GENERIC }", "a derivative rule cannot be generic")]
    [TestCase("public static partial class Rules { PRIVATE }", "a derivative rule must be public or internal, and so must the types that contain it ('WaveDerivative' is not)")]
    [TestCase("public static partial class Rules { private static class Inner { RULE } }", "a derivative rule must be public or internal, and so must the types that contain it ('Inner' is not)")]
    [TestCase("file static class Rules { RULE }", "a derivative rule cannot be declared in a file-local type ('Rules')")]
    public void A_rule_generated_code_cannot_call_gets_ADIFF013_and_is_not_used(string declaration, string problem)
    {
        string rule = "[DerivativeOf(typeof(Plain), nameof(Plain.Wave))] public static double WaveDerivative(double x) => Math.Cos(x);";
        declaration = declaration.Replace("RULE", rule)
            .Replace("GENERIC", rule.Replace("WaveDerivative(", "WaveDerivative<T>("))
            .Replace("PRIVATE", rule.Replace("public static", "private static"));
        var run = GeneratorHarness.Run(Usings + Target + "    " + declaration + "\n}\n");

        var diagnostics = run.AnalyzerDiagnostics();
        var ad0013 = diagnostics.Where(d => d.Id == "ADIFF013").ToList();
        Assert.That(ad0013, Has.Count.EqualTo(1), string.Join("\n", diagnostics.Select(GeneratorHarness.Format)));
        Assert.That(ad0013[0].GetMessage(), Does.Contain(problem));
        Assert.That(ad0013[0].Location.SourceTree!.ToString().Substring(ad0013[0].Location.SourceSpan.Start, ad0013[0].Location.SourceSpan.Length), Is.EqualTo("WaveDerivative"));
        // Without a usable rule, the caller's call has no derivative: ADIFF005 there, and no code that calls the rule.
        var ad0005 = diagnostics.Where(d => d.Id == "ADIFF005").ToList();
        Assert.That(ad0005, Has.Count.EqualTo(1));
        Assert.That(ad0005[0].Location.SourceTree!.ToString().Substring(ad0005[0].Location.SourceSpan.Start, ad0005[0].Location.SourceSpan.Length), Does.StartWith("Plain.Wave"));
        Assert.That(run.GeneratorExceptions, Is.Empty);
        Assert.That(run.GeneratedSources.Values.Where(s => s.Contains("WaveDerivative")), Is.Empty);
        Assert.That(GeneratedCodeDiagnostics(run).Select(GeneratorHarness.Format), Is.Empty);
    }

    [Test]
    public void An_internal_rule_in_a_nested_internal_type_is_used()
    {
        var run = GeneratorHarness.Run(Usings + Target + """
                public static partial class Rules
                {
                    internal static class Inner
                    {
                        [DerivativeOf(typeof(Plain), nameof(Plain.Wave))]
                        internal static double WaveDerivative(double x) => Math.Cos(x);
                    }
                }
            }
            """);

        // Only ADIFF014's note: the rule is not [Differentiable], so F gets no Hessian.
        Assert.That(run.AnalyzerDiagnostics().Select(d => d.Id), Is.EqualTo(new[] { "ADIFF014" }));
        run.AssertNoErrors();
        using var generated = run.Load();
        var args = new object?[] { 0.7, null };
        double value = (double)generated.Invoke("Demo.Fns", "FGradient", args)!;
        Assert.That(value, Is.EqualTo(Math.Sin(0.7) * 0.7));
        Assert.That((double)args[1]!, Is.EqualTo(Math.Cos(0.7) * 0.7 + Math.Sin(0.7)).Within(1e-15));
    }

    // ---- a loop C# sees as endless ------------------------------------------------------------------

    /// <summary>
    /// Mutant Arrays.cs#SmoothedEnergy:literal:12 ('i &lt; h.Length' → true): an inner loop left only by an
    /// exception made the outer loop's increment, written after it, unreachable in every companion (CS0162).
    /// </summary>
    private const string EndlessLoops = """
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable]
                public static double SmoothedEnergy(double[] x, int passes)
                {
                    var h = new double[x.Length];
                    for (int i = 0; i < x.Length; i++) h[i] = Math.Sin(x[i]);
                    for (int k = 0; k < passes; k++)
                    {
                        for (int i = 1; true; i++) h[i] = h[i] + 0.5 * h[i - 1];
                    }
                    double s = 0;
                    for (int i = 0; i < h.Length; i++) s += h[i] * h[i];
                    return s;
                }

                [Differentiable]
                public static double Nested(double x, int n)
                {
                    double y = x * x;
                    for (int k = 0; k < n; k++)
                    {
                        y = y + 1;
                        while (true) y = Math.Sin(y) * x;
                    }
                    return y * x;
                }

                [Differentiable]
                public static double BothBranches(double x, int n)
                {
                    double y = x;
                    for (int k = 0; k < n; k++)
                    {
                        if (y > 0) { while (true) y = y * x; }
                        else { while (true) y = y + x; }
                    }
                    return y;
                }
            }
        }
        """;

    [Test]
    public void Code_after_an_endless_loop_is_not_written()
    {
        var run = GeneratorHarness.Run(Usings + EndlessLoops);

        Assert.That(run.AnalyzerDiagnostics().Select(GeneratorHarness.Format), Is.Empty);
        run.AssertNoErrors();
        Assert.That(GeneratedCodeDiagnostics(run).Select(GeneratorHarness.Format), Is.Empty, run.DescribeGenerated());
        using var generated = run.Load();

        // The outer loops do not run: the companions return what the method does, with its derivatives.
        double[] x = { 0.3, -0.8, 1.1 };
        var smoothed = generated.Delegate<ArrayGradient>("Demo.Fns", "SmoothedEnergyGradient");
        double[] dx = new double[3];
        Assert.That(smoothed(x, 0, dx), Is.EqualTo(x.Select(v => Math.Sin(v) * Math.Sin(v)).Aggregate(0.0, (a, b) => a + b)));
        Assert.That(dx, Is.EqualTo(x.Select(v => 2 * Math.Sin(v) * Math.Cos(v)).ToArray()).Within(1e-15));
        var args = new object?[] { 1.5, 0, null };
        Assert.That((double)generated.Invoke("Demo.Fns", "NestedGradient", args)!, Is.EqualTo(1.5 * 1.5 * 1.5));
        Assert.That((double)args[2]!, Is.EqualTo(3 * 1.5 * 1.5).Within(1e-14));
        args = new object?[] { 1.5, 0, null };
        Assert.That((double)generated.Invoke("Demo.Fns", "BothBranchesGradient", args)!, Is.EqualTo(1.5));
        Assert.That((double)args[2]!, Is.EqualTo(1.0));

        // When they run, the companions, like the method, stop only with the exception.
        Assert.Throws<IndexOutOfRangeException>(() => smoothed(x, 1, dx));
    }

    private delegate double ArrayGradient(double[] x, int passes, Span<double> dx);

    // ---- a constant inner loop inside a promoted one --------------------------------------------------

    /// <summary>
    /// Mutant VectorSums.cs#Columns:wrap-for:5 (the triangular update wrapped in <c>for (int k = 0; k &lt; 2; k++)</c>):
    /// promote-elements carried an outer loop's element through the inner reverse loop, then guarded the inner loop's own
    /// loads with its entry condition `2 &gt; 0`, constant but for the carried value the condition never reads: C# reported
    /// the else branch unreachable (CS0162).
    /// </summary>
    private const string ConstantInnerLoop = """
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable]
                public static double Columns(ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> mu)
                {
                    int n = x.Length;
                    Span<double> z = stackalloc double[n];
                    Span<double> y = stackalloc double[n];
                    for (int j = 0; j < n; j++)
                    {
                        z[j] = x[j] - mu[j];
                        y[j] = 1.5 * z[j];
                    }
                    int l = 0;
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = i + 1; j < n; j++)
                        {
                            for (int k = 0; k < 2; k++) { y[j] += a[l] * z[i]; }
                            l++;
                        }
                    }
                    double s = 0;
                    for (int j = 0; j < n; j++) s += y[j] * y[j];
                    return s;
                }
            }
        }
        """;

    private delegate double ColumnsGradient(ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> mu, Span<double> da, Span<double> dx, Span<double> dmu);

    [Test]
    public void A_constant_loop_inside_a_promoted_one_gets_no_constant_guard()
    {
        var run = GeneratorHarness.Run(Usings + ConstantInnerLoop);
        run.AssertNoErrors();
        Assert.That(GeneratedCodeDiagnostics(run).Select(GeneratorHarness.Format), Is.Empty, run.DescribeGenerated());
        using var generated = run.Load();
        var gradient = generated.Delegate<ColumnsGradient>("Demo.Fns", "ColumnsGradient");

        // y = 1.5·z + 2·L·z (L strictly lower, packed by columns), s = |y|²: against central differences.
        double[] a = { 0.3, -0.2, 0.5 }, x = { 0.4, -0.7, 1.2 }, mu = { 0.1, 0.2, -0.3 };
        double F(double[] aa)
        {
            var z = x.Select((v, j) => v - mu[j]).ToArray();
            var y = z.Select(v => 1.5 * v).ToArray();
            int l = 0;
            for (int i = 0; i < 3; i++)
                for (int j = i + 1; j < 3; j++) { y[j] += 2 * aa[l] * z[i]; l++; }
            return y.Sum(v => v * v);
        }
        double[] da = new double[3], dx = new double[3], dmu = new double[3];
        Assert.That(gradient(a, x, mu, da, dx, dmu), Is.EqualTo(F(a)).Within(1e-14));
        var numeric = GradientCheck.FiniteDifferenceGradient(F, a);
        for (int i = 0; i < 3; i++) Assert.That(da[i], Is.EqualTo(numeric[i]).Within(1e-7), $"∂s/∂a[{i}]");
    }

    // ---- a negative constant index ------------------------------------------------------------------

    /// <summary>
    /// Mutant Inlining.cs#QuadraticFormInline:literal:45 ('j' → -1): an inlined callee reads <c>data[-1]</c> from a
    /// span (no warning there), and the caller, which passes an array, got <c>data[-1]</c> on the array (CS0251).
    /// </summary>
    private const string NegativeIndex = """
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable(Inline = true)]
                public static double Shifted(double v, [NoDerivative] ReadOnlySpan<double> data, int n)
                {
                    double r = v * v;
                    if (n > 0) r = v * data[-1];
                    return r;
                }

                [Differentiable]
                public static double Caller(double x, [NoDerivative] double[] data, int n) => Shifted(x, data, n) + x;

                [Differentiable]
                public static double Direct(double[] a, int n)
                {
                    double r = a[0] * a[0];
                    if (n > 0) r = a[-1];
                    return r;
                }
            }
        }
        """;

    [Test]
    public void A_negative_constant_index_is_not_written_in_place()
    {
        var run = GeneratorHarness.Run(Usings + NegativeIndex);

        run.AssertNoErrors();
        Assert.That(GeneratedCodeDiagnostics(run).Select(GeneratorHarness.Format), Is.Empty, run.DescribeGenerated());
        using var generated = run.Load();
        var args = new object?[] { 1.5, new[] { 2.0 }, 0, null };
        Assert.That((double)generated.Invoke("Demo.Fns", "CallerGradient", args)!, Is.EqualTo(1.5 * 1.5 + 1.5));
        Assert.That((double)args[3]!, Is.EqualTo(2 * 1.5 + 1));
        // Like the method, the companions throw when the negative index is read.
        args = new object?[] { 1.5, new[] { 2.0 }, 1, null };
        Assert.Throws<IndexOutOfRangeException>(() => generated.Invoke("Demo.Fns", "CallerGradient", args));
        var direct = generated.Delegate<DirectGradient>("Demo.Fns", "DirectGradient");
        double[] da = new double[2];
        Assert.That(direct(new[] { 3.0, 4.0 }, 0, da), Is.EqualTo(9.0));
        Assert.That(da, Is.EqualTo(new[] { 6.0, 0.0 }));
        Assert.Throws<IndexOutOfRangeException>(() => direct(new[] { 3.0, 4.0 }, 1, da));
    }

    private delegate double DirectGradient(double[] a, int n, Span<double> da);
}

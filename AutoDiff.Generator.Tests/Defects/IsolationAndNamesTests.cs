using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// Each method's output stands alone: hint names unique by construction and short enough for any file system,
/// invalid C# left to the compiler (no ADIFF099, no code, no generator exception), the analyzer reporting whatever the
/// generator cannot emit, types that cannot receive generated members reported, parameters that silently become
/// data reported, and generated declarations that never clash with the user's names.
/// </summary>
public class IsolationAndNamesTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;

    private const string Usings = "using System;\nusing AutoDiff;\n";

    /// <summary>The generator threw nothing, reported nothing, and no error or warning is located in a generated file.</summary>
    private static void AssertGeneratorClean(GeneratorRun run)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.GeneratorExceptions, Is.Empty, "the generator threw");
            Assert.That(run.GeneratorDiagnostics.Select(GeneratorHarness.Format), Is.Empty, "the generator reported diagnostics");
            Assert.That(GeneratedCodeDiagnostics(run).Select(GeneratorHarness.Format), Is.Empty, "errors or warnings in generated code:\n" + run.DescribeGenerated());
        }
    }

    private static IEnumerable<Diagnostic> GeneratedCodeDiagnostics(GeneratorRun run)
    {
        var generated = new HashSet<SyntaxTree>(run.OutputCompilation.SyntaxTrees.Except(run.InputCompilation.SyntaxTrees));
        return run.OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree));
    }

    private static IEnumerable<string> AutoDiffIds(GeneratorRun run) => run.AnalyzerDiagnostics().Select(d => d.Id).Where(id => id.StartsWith("AD", StringComparison.Ordinal));

    // ---- hint names ---------------------------------------------------------------------------------

    [Test]
    public void A_generic_type_and_a_type_named_like_its_old_hint_name_get_distinct_files()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public static partial class Fns<T> { [Differentiable] public static double M(double x) => x * x; }
                public static partial class Fns_T { [Differentiable] public static double M(double x) => x * x * x; }
                public static partial class Other { [Differentiable] public static double Square(double x) => x * x; }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources.Keys, Is.EquivalentTo(new[] { "Demo.Fns{T}.M.g.cs", "Demo.Fns_T.M.g.cs", "Demo.Other.Square.g.cs" }));
        using var generated = run.Load();
        var args = new object?[] { 2.0, null };
        generated.Invoke("Demo.Fns_T", "MGradient", args);
        Assert.That(args[1], Is.EqualTo(12.0));
        var generic = generated.Assembly.GetType("Demo.Fns`1")!.MakeGenericType(typeof(int)).GetMethod("MGradient")!;
        args = new object?[] { 2.0, null };
        generic.Invoke(null, args);
        Assert.That(args[1], Is.EqualTo(4.0));
        args = new object?[] { 3.0, null };
        generated.Invoke("Demo.Other", "SquareGradient", args);
        Assert.That(args[1], Is.EqualTo(6.0));
    }

    [Test]
    public void Clashing_hint_names_are_made_unique_case_and_characters_a_file_name_cannot_hold()
    {
        // F and f differ in case only, which the compiler's hint names ignore; A‿B (a connector, valid in an identifier)
        // and A_B give the same file name once the connector is replaced.
        var run = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable] public static double F(double x) => x * x;
                    [Differentiable] public static double f(double x) => 5 * x;
                }
                public static partial class A‿B { [Differentiable] public static double M(double x) => x * x; }
                public static partial class A_B { [Differentiable] public static double M(double x) => 3 * x; }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources, Has.Count.EqualTo(4));
        Assert.That(run.GeneratedSources.Keys.Select(k => k.ToUpperInvariant()).Distinct().Count(), Is.EqualTo(4), string.Join(", ", run.GeneratedSources.Keys));
        using var generated = run.Load();
        var args = new object?[] { 2.0, null };
        generated.Invoke("Demo.A\u203FB", "MGradient", args);
        Assert.That(args[1], Is.EqualTo(4.0));
        generated.Invoke("Demo.A_B", "MGradient", args);
        Assert.That(args[1], Is.EqualTo(3.0));
        generated.Invoke("Demo.Fns", "fGradient", args);
        Assert.That(args[1], Is.EqualTo(5.0));
        generated.Invoke("Demo.Fns", "FGradient", args);
        Assert.That(args[1], Is.EqualTo(4.0));
    }

    [Test]
    public void Long_overload_hint_names_are_shortened_with_a_stable_hash_and_stay_distinct()
    {
        string parameters = string.Join(", ", Enumerable.Range(0, 8).Select(i => $"[NoDerivative] System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<int>> d{i}"));
        string source = Usings + $$"""
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable] public static double F(double x, {{parameters}}) => x * x;
                    [Differentiable] public static double F(double x, {{parameters}}, int extra) => x * x * x;
                }
            }
            """;
        var run = GeneratorHarness.Run(source);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources, Has.Count.EqualTo(2));
        foreach (string name in run.GeneratedSources.Keys)
        {
            Assert.That(Encoding.UTF8.GetByteCount(name), Is.LessThanOrEqualTo(HintNames.MaxBytes), name);
            Assert.That(name, Does.StartWith("Demo.Fns.F(double,Dictionary{string,List{int}}").And.EndWith(".g.cs"));
        }
        Assert.That(GeneratorHarness.Run(source).GeneratedSources.Keys, Is.EqualTo(run.GeneratedSources.Keys), "the same names on every run");
    }

    [Test]
    public void Hint_names_keep_only_characters_every_file_system_takes()
    {
        Assert.That(HintNames.Sanitize("Demo.<invalid-global-code>.G"), Is.EqualTo("Demo._invalid-global-code_.G"));
        Assert.That(HintNames.Limit(new string('x', 300)), Has.Length.EqualTo(HintNames.MaxBytes));
        Assert.That(HintNames.Limit(new string('x', 300)), Is.Not.EqualTo(HintNames.Limit(new string('x', 301))));
    }

    // ---- invalid C#: the compiler reports it; AutoDiff neither reports nor generates, and other methods keep their code

    /// <summary>Runs <paramref name="source"/> (which has C# errors) and checks that Other.H alone is generated, cleanly.</summary>
    private static void AssertOnlyOtherGenerated(string source, params string[] compilerErrors)
    {
        var run = GeneratorHarness.Run(source + """

            namespace Demo { public static partial class Other { [Differentiable] public static double H(double x) => x * x * x; } }
            """);

        Assert.That(run.InputCompilation.GetDiagnostics().Where(d => d.Severity == Error).Select(d => d.Id), Is.SupersetOf(compilerErrors), "the input is invalid as intended");
        AssertGeneratorClean(run);
        Assert.That(run.GeneratedSources.Keys, Is.EquivalentTo(new[] { "Demo.Other.H.g.cs" }), run.DescribeGenerated());
        Assert.That(AutoDiffIds(run), Is.Empty, "the compiler reports invalid C#, not AutoDiff");
    }

    [Test]
    public void A_pasted_duplicate_method_costs_no_other_method_its_companions()
    {
        // The first Square has no error of its own and gets its companions; the duplicate (CS0111) gets none.
        var run = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable] public static double Square(double x) => x * x;
                    [Differentiable] public static double Square(double x) => x * x;
                }
                public static partial class Other { [Differentiable] public static double H(double x) => x * x * x; }
            }
            """);

        AssertGeneratorClean(run);
        Assert.That(run.GeneratedSources.Keys, Does.Contain("Demo.Other.H.g.cs"));
        Assert.That(run.GeneratedSources, Has.Count.LessThanOrEqualTo(2));
        Assert.That(AutoDiffIds(run), Is.Empty);
    }

    [Test]
    public void A_stray_parenthesis_that_puts_a_member_in_global_code_costs_no_other_method_its_companions() =>
        AssertOnlyOtherGenerated(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(double x, int n)
                    {
                        double y = x;
                        for (int i = 0; i < n; i++)
                        {
                            y = y * 2);
                        }
                        return y;
                    }

                    [Differentiable]
                    public static double G(double x) => x * x;
                }
            }
            """);

    [Test]
    public void Return_without_a_value_gets_no_diagnostic_and_no_code() =>
        AssertOnlyOtherGenerated(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable]
                    public static double F(double x, int n)
                    {
                        double s = 0;
                        for (int i = 0; i < n; i++) s += x;
                        return ;
                    }
                }
            }
            """, "CS0126");

    [Test]
    public void A_broken_parameter_list_gets_no_diagnostic_and_no_code() =>
        AssertOnlyOtherGenerated(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable] public static double F(double y, double!= x) => y;
                }
            }
            """);

    // ---- analyzer and generator agree ------------------------------------------------------------

    /// <summary>
    /// For every [Differentiable] method: the generator emits its companions exactly when the analyzer reports no
    /// error for it (nor ADIFF009, nothing to generate); a method with C# errors gets neither code nor an AutoDiff
    /// diagnostic; ADIFF099 comes from both or from neither; and nothing generated has an error.
    /// </summary>
    private static void AssertAgreement(GeneratorRun run, string what)
    {
        var analyzer = run.AnalyzerDiagnostics();
        var files = run.Result.Results.Single().TrackedSteps[TrackingNames.Emitted]
            .SelectMany(s => s.Outputs).Select(o => (GeneratedFile)o.Value).ToList();
        var compilerErrors = run.InputCompilation.GetDiagnostics().Where(d => d.Severity == Error).ToList();
        var attribute = run.InputCompilation.GetTypeByMetadataName("AutoDiff.DifferentiableAttribute")!;
        int checkedMethods = 0;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.GeneratorExceptions, Is.Empty, what + ": the generator threw");
            foreach (var tree in run.InputCompilation.SyntaxTrees)
            {
                var model = run.InputCompilation.GetSemanticModel(tree);
                foreach (var method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
                {
                    if (method.AttributeLists.Count == 0) continue;
                    if (model.GetDeclaredSymbol(method) is not IMethodSymbol symbol
                        || !symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute))) continue;
                    checkedMethods++;
                    string name = $"{what}: {symbol.ToDisplayString()} at {method.Identifier.GetLocation().GetLineSpan().StartLinePosition}";
                    var file = files.SingleOrDefault(f => f.Location is { } l && l.FilePath == tree.FilePath && l.Start == method.Identifier.SpanStart);
                    bool generated = file?.Source != null;
                    var own = analyzer.Where(d => d.Location.SourceTree == tree && (method.Span.Contains(d.Location.SourceSpan)
                        || (d.Location.SourceSpan.Start < method.SpanStart && method.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => t.Span.Contains(d.Location.SourceSpan))
                            && d.GetMessage(CultureInfo.InvariantCulture).Contains("'" + symbol.Name + "'")))).ToList();
                    if (compilerErrors.Any(d => d.Location.SourceTree == tree && method.Span.IntersectsWith(d.Location.SourceSpan)))
                    {
                        Assert.That(generated, Is.False, name + ": has C# errors but got code");
                        Assert.That(own.Select(d => d.Id), Is.Empty, name + ": has C# errors but got AutoDiff diagnostics");
                        continue;
                    }
                    bool blocked = own.Any(d => d.Severity == Error || d.Id == "ADIFF009");
                    Assert.That(generated, Is.EqualTo(!blocked), name + ": analyzer reported [" + string.Join(", ", own.Select(d => d.Id)) + "], generator " +
                        (generated ? "generated code" : "generated nothing" + (file?.Error is { } e ? " (" + e + ")" : "")));
                    Assert.That(own.Any(d => d.Id == "ADIFF099"), Is.EqualTo(file?.Error != null), name + ": ADIFF099 from one side only");
                    foreach (var internalError in run.GeneratorDiagnostics.Where(d => d.Id == "ADIFF099" && d.GetMessage(CultureInfo.InvariantCulture).Contains("'" + symbol.Name + "'")))
                    {
                        // The generator's ADIFF099 points at the method's name, as the analyzer's does.
                        Assert.That(internalError.Location.GetLineSpan().Path, Is.EqualTo(tree.FilePath), name + ": ADIFF099 location");
                        Assert.That(internalError.Location.SourceSpan, Is.EqualTo(method.Identifier.Span), name + ": ADIFF099 location");
                    }
                }
            }
            Assert.That(GeneratedCodeDiagnostics(run).Where(d => d.Severity == Error).Select(GeneratorHarness.Format), Is.Empty, what + ": errors in generated code");
        }
        Assert.That(checkedMethods, Is.GreaterThan(0), what + ": no [Differentiable] method found");
    }

    /// <summary>Inputs chosen to stress the frontend: invalid code, unsupported signatures, odd types, odd names.</summary>
    private static readonly string[] TrickyInputs =
    {
        """
        public static partial class Fns<T> { [Differentiable] public static double M(double x) => x * x; }
        public static partial class Fns_T { [Differentiable] public static double M(double x) => x * x * x; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double Square(double x) => x * x; [Differentiable] public static double Square(double x) => x * x; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double F(double x, int n) { double y = x; for (int i = 0; i < n; i++) { y = y * 2); } return y; } [Differentiable] public static double G(double x) => x * x; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double F(double x, int n) { double s = 0; for (int i = 0; i < n; i++) s += x; return ; } }
        """,
        """
        public static partial class Fns { [Differentiable] public static double F(double y, double!= x) => y; }
        """,
        """
        public static partial class Fns { [Differentiable] public static T F<T>(T x) => x; [Differentiable] public static double G<T>(double x, T t) => x * x; }
        """,
        """
        file static partial class Local { [Differentiable] public static double F(double x) => x * x; }
        """,
        """
        public static class NotPartial { [Differentiable] public static double F(double x) => x * x; }
        """,
        """
        public struct P { public double A; }
        public static partial class Fns { [Differentiable] public static double F(double x, System.Numerics.Vector2 v, P p) => x * x; [Differentiable] public static double G(int n) => n; }
        """,
        """
        public static partial class Stats { [Differentiable] public static double LogPdf(double x, double mean, double sigma) { double z = (x - mean) / sigma; return -0.5 * z * z - Math.Log(sigma); } }
        public static partial class Names { private static string nameof(object o) => ""; [Differentiable] public static double F(double x, double[] w) => x * w[0]; [Differentiable] public static double G(double nameof, double o) => nameof * o; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double F(double x) { try { return x; } finally { } } [Differentiable] public static double G(double x) => Helper(x); public static double Helper(double x) => x; [Differentiable] public static double H(double x) => x * x; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double F(double x) { Func<double, double> f = t => t * x; return f(x); } [Differentiable] public static async System.Threading.Tasks.Task<double> G(double x) => x; [Differentiable] public static double H(ref double x) => x; }
        """,
        """
        public static partial class Fns { [Differentiable] public static double P(double x, int n) { for (int j = 0; j < n; j++) { x += 0.125; if (j < x * x) { double e = x; } } int w2 = 0; while (w2 < n) w2 += 1; for (int w3 = 0; w3 < w2; w3++) x *= x; return x; } }
        """,
        """
        public static class Plain { public static double Weight(int i) => 1.0 / (1 + i); }
        public static partial class Fns { [Differentiable] public static double F(double x, int n) { double s = 0; for (int i = 0; i < n; i++) s += Plain.Weight(i) * x * x; return s; } [Differentiable] public static double G(double x) => x * x; }
        """,
        """
        public partial record struct R(double K) { [Differentiable] public double F(double x) => K * x * x; }
        public partial interface I { [Differentiable] public static double F(double x) => x * x; [Differentiable] double G(double x); }
        """,
    };

    [Test]
    public void Analyzer_and_generator_agree_on_tricky_inputs()
    {
        for (int i = 0; i < TrickyInputs.Length; i++)
        {
            AssertAgreement(GeneratorHarness.Run(Usings + "namespace Demo\n{\n" + TrickyInputs[i] + "\n}\n"), "input " + i);
        }
    }

    [Test]
    public void Analyzer_and_generator_agree_on_every_numeric_fixture()
    {
        string folder = Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "Numeric");
        var sources = Directory.GetFiles(folder, "*.cs").Where(f => !f.EndsWith("Tests.cs", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal)
            .Select(File.ReadAllText).ToArray();
        Assert.That(sources, Has.Length.GreaterThan(5));
        AssertAgreement(GeneratorHarness.Run(sources), "Numeric fixtures");
    }

    private static string ThisFile([CallerFilePath] string file = "") => file;

    // ---- types that cannot receive generated members ------------------------------------------------

    [Test]
    public void ADIFF015_a_file_local_type_cannot_get_companions()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                file static partial class [|Local|]
                {
                    [Differentiable]
                    public static double F(double x) => x * x;
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF015", Error, "'F'", "'Local'", "'file'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF015_a_type_nested_in_a_file_local_type_cannot_get_companions_either()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                file static partial class [|Local|]
                {
                    public static partial class Inner
                    {
                        [Differentiable]
                        public static double F(double x) => x * x;
                    }
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF015", Error, "'F'", "'Local'"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    // ---- parameters that would silently become data (ADIFF016) -----------------------------------------

    [TestCase("System.Numerics.Quaternion")]
    [TestCase("System.Numerics.Matrix3x2")]
    [TestCase("double?")]
    [TestCase("decimal")]
    [TestCase("ReadOnlySpan<System.Numerics.Quaternion>")]
    public void ADIFF016_a_parameter_holding_floating_point_values_that_are_not_differentiated(string type)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static double F(double x, [|{type} p|]) => x * x;"));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF016", Warning, "'p'", "treated as data", "[NoDerivative]"));
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.AssertGeneratorClean();
    }

    [TestCase("[NoDerivative] System.Numerics.Quaternion")]
    [TestCase("[NoDerivative] Pair")]
    [TestCase("int")]
    [TestCase("bool")]
    [TestCase("string")]
    [TestCase("int[]")]
    [TestCase("double[,]")] // differentiated (issue 15, item 6)
    [TestCase("double[][]")]
    [TestCase("[NoDerivative] double[,,]")]
    [TestCase("Ints")]
    [TestCase("System.Numerics.BigInteger")]
    [TestCase("DayOfWeek")]
    [TestCase("Func<double, double>")]
    [TestCase("Holder")]
    [TestCase("System.Collections.Generic.List<double>")]
    public void ADIFF016_not_reported_for_data_or_an_explicit_NoDerivative(string type)
    {
        var c = DiagnosticCase.For(InFns($"[Differentiable] public static double F(double x, {type} p) => x * x;"));

        c.AssertAnalyzer();
        c.AssertGenerated("Demo.Fns.F.g.cs");
        c.AssertGeneratorClean();
    }

    /// <summary><paramref name="members"/> in <c>Demo.Fns</c>, next to the parameter types the ADIFF016 tests use.</summary>
    private static string InFns(string members) => DiagnosticCase.Source("""
            public struct Pair { public double A; public double B; }
            public struct Outer { public Pair Inner; public int N; }
            public struct Ints { public int A; public long B; }
            public sealed class Holder { public double Value; }
            public static partial class Fns
            {
                
        """ + members + "\n    }");

    // ---- a generic method gets ADIFF010 alone ------------------------------------------------------------

    [Test]
    public void ADIFF010_alone_for_a_generic_method_returning_its_type_parameter()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
                public static partial class Fns
                {
                    [Differentiable] public static T F[|<T>|](T x) => x;
                }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF010", Error, "'F' is generic"));
        c.AssertNothingGenerated();
        c.AssertGeneratorClean();
    }

    // ---- generated declarations never clash with user names ---------------------------------------------

    [Test]
    public void A_parameter_named_mean_keeps_the_Hessian_compiling_and_right()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public static partial class Stats
                {
                    [Differentiable]
                    public static double LogPdf(double x, double mean, double sigma)
                    {
                        double z = (x - mean) / sigma;
                        return -0.5 * z * z - Math.Log(sigma) - 0.9189385332046727;
                    }
                }
                public static class Probe
                {
                    public static double[] Hessian(double x, double mean, double sigma) { var h = new double[9]; Stats.LogPdfHessian(x, mean, sigma, h); return h; }
                }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        using var generated = run.Load();
        double x = 0.3, mu = -0.4, s = 1.7, z = (x - mu) / s;
        var h = (double[])generated.Invoke("Demo.Probe", "Hessian", new object?[] { x, mu, s })!;
        // ∂²/∂x² = −1/σ², ∂²/∂x∂μ = 1/σ², ∂²/∂x∂σ = 2z/σ², ∂²/∂σ² = −3z²/σ² + 1/σ².
        Assert.That(h[0], Is.EqualTo(-1 / (s * s)).Within(1e-12));
        Assert.That(h[1], Is.EqualTo(1 / (s * s)).Within(1e-12));
        Assert.That(h[2], Is.EqualTo(2 * z / (s * s)).Within(1e-12));
        Assert.That(h[8], Is.EqualTo(-3 * z * z / (s * s) + 1 / (s * s)).Within(1e-12));
    }

    [Test]
    public void A_parameter_or_a_member_named_nameof_keeps_generated_argument_checks_compiling()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public static partial class Fns
                {
                    private static string nameof(object o) => "";
                    [Differentiable] public static double F(double x, double nameof) => x * nameof;
                    [Differentiable] public static double G(double[] w, double y) { double s = 0; for (int i = 0; i < w.Length; i++) s += w[i] * y; return s; }
                    [Differentiable] public static void V(ReadOnlySpan<double> u, double nameof, Span<double> y) { y[0] = u[0] * nameof; }
                }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        Assert.That(string.Concat(run.GeneratedSources.Values), Does.Not.Contain("nameof("));
        using var generated = run.Load();
        var args = new object?[] { 2.0, 5.0, null, null };
        generated.Invoke("Demo.Fns", "FGradient", args);
        Assert.That(args[2..], Is.EqualTo(new object?[] { 5.0, 2.0 }));
    }

    [Test]
    public void Keywords_as_namespace_type_and_method_names_generate_compiling_code()
    {
        var run = GeneratorHarness.Run(Usings + """
            namespace @event.Models
            {
                public static partial class @class
                {
                    [Differentiable] public static double @double(double @in, double @for) => @in * @in * @for;
                }
                public partial class @struct
                {
                    [Differentiable] public double @int(double @in) => @in * @in * @in;
                }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        using var generated = run.Load();
        var args = new object?[] { 3.0, 2.0, null, null };
        generated.Invoke("event.Models.class", "doubleGradient", args);
        Assert.That(args[2..], Is.EqualTo(new object?[] { 12.0, 9.0 }));
    }

    /// <summary>
    /// Every name a companion declares (parameters, locals, loop counters, scratch owners), plus keywords a derived
    /// name could become (<c>do</c> for the gradient of <c>o</c>), the companions' own names, and C# contextual words.
    /// </summary>
    private static readonly string[] ScalarNames =
    {
        "x", "mean", "nameof", "hessian", "seed", "tangent", "dx", "value", "i", "j", "n", "k", "row", "column", "result", "returned",
        "o", "xAdj", "xDot", "vX", "hvX", "kDirection", "seedDot", "xAdjDot", "contribution", "buffer", "doubleTape", "@in", "var",
        "gW", "vW", "hvW", "dW", "wAdj", "wDot", "vWOwner", "hvWOwner", "gWOwner", "wAdjDot", "value2", "n2", "dO", "FHvp", "FJvp", "F",
    };

    private static readonly string[] VectorNames =
    {
        "jacobian", "coloring", "columns", "rows", "compressed", "color", "r", "outputRow", "k", "column", "row",
        "uDot", "yDot", "uAdj", "yAdj", "uDotOwner", "yDotOwner", "uAdjOwner", "yAdjOwner", "compressedOwner", "nameof", "mean", "value", "VJvp", "VVjp", "V",
    };

    [Test]
    public void Parameters_named_like_every_generated_name_compile_without_warnings_and_give_the_right_numbers()
    {
        string Bare(string name) => name.TrimStart('@');
        var scalars = ScalarNames;
        // F = Σ cᵢ·pᵢ·pᵢ₊₁ + x·Σ w² : every parameter is used, the loop over w needs the reverse sweep's tapes.
        string sum = string.Join(" + ", scalars.Select((p, i) => $"{(i % 3 + 1)} * {p} * {scalars[(i + 1) % scalars.Length]}"));
        string scalarParameters = string.Join(", ", scalars.Select(p => "double " + p));
        string pArguments = string.Join(", ", scalars.Select((_, i) => $"p[{i}]"));
        string outs = string.Join(", ", scalars.Select((_, i) => $"out double g{i}"));
        string gradient = string.Join(", ", scalars.Select((_, i) => $"g{i}"));
        var vector = VectorNames;
        string vectorParameters = string.Join(", ", vector.Select(p => "double " + p));
        string vArguments = string.Join(", ", vector.Select((_, i) => $"p[{i}]"));
        string Output(int r) => string.Join(" + ", vector.Select((p, i) => (p, i)).Where(t => t.i % 2 == r).Select(t => $"{t.p} * u[{t.i % 3}] * {vector[(t.i + 1) % vector.Length]}"));
        string vectorBody = $"y[0] = {Output(0)}; y[1] = {Output(1)};";
        var run = GeneratorHarness.Run(Usings + $$"""
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable]
                    public static double F({{scalarParameters}}, double[] w)
                    {
                        double s = {{sum}};
                        for (int q = 0; q < w.Length; q++) s += x * w[q] * w[q];
                        return s;
                    }

                    [Differentiable]
                    public static void V(ReadOnlySpan<double> u, {{vectorParameters}}, Span<double> y)
                    {
                        {{vectorBody}}
                    }
                }

                public static class Probe
                {
                    public static double Value(double[] p, double[] w) => Fns.F({{pArguments}}, w);
                    public static double[] Gradient(double[] p, double[] w, double[] dw)
                    {
                        Fns.FGradient({{pArguments}}, w, {{outs}}, dw);
                        return new[] { {{gradient}} };
                    }
                    public static double[] Hessian(double[] p, double[] w)
                    {
                        var h = new double[(p.Length + w.Length) * (p.Length + w.Length)];
                        Fns.FHessian({{pArguments}}, w, h);
                        return h;
                    }
                    public static double[] Outputs(double[] u, double[] p) { var y = new double[2]; Fns.V(u, {{vArguments}}, y); return y; }
                    public static double[] Jacobian(double[] u, double[] p) { var j = new double[2 * (u.Length + p.Length)]; Fns.VJacobian(u, {{vArguments}}, new double[2], j); return j; }
                }
            }
            """);

        AssertGeneratorClean(run);
        run.AssertNoErrors();
        using var generated = run.Load();
        int m = scalars.Length;
        var point = Enumerable.Range(0, m).Select(i => 0.1 + 0.05 * i * (i % 2 == 0 ? 1 : -1)).ToArray();
        var w = new[] { 0.7, -1.1 };
        double[] Joint(double[] all) => all;
        Func<double[], double> value = all => (double)generated.Invoke("Demo.Probe", "Value", new object?[] { all[..m], all[m..] })!;
        double[] GradientAt(double[] all)
        {
            var dw = new double[w.Length];
            var g = (double[])generated.Invoke("Demo.Probe", "Gradient", new object?[] { all[..m], all[m..], dw })!;
            return g.Concat(dw).ToArray();
        }
        var x0 = point.Concat(w).ToArray();
        var check = GradientCheck.Check(value, x0, GradientAt(x0));
        Assert.That(check.Passed, check.ToString());
        var hessian = (double[])generated.Invoke("Demo.Probe", "Hessian", new object?[] { point, w })!;
        Numeric.SecondOrderTests.AssertHessian(hessian, Numeric.SecondOrderTests.FiniteDifferenceHessian(a => GradientAt(Joint(a)), x0), 1e-6, "F");

        var u = new[] { 0.3, -0.8, 1.4 };
        var q = Enumerable.Range(0, vector.Length).Select(i => 0.2 + 0.1 * i).ToArray();
        var jacobian = (double[])generated.Invoke("Demo.Probe", "Jacobian", new object?[] { u, q })!;
        var inputs = u.Concat(q).ToArray();
        int columns = inputs.Length;
        for (int c = 0; c < columns; c++)
        {
            var plus = (double[])inputs.Clone();
            var minus = (double[])inputs.Clone();
            plus[c] += 1e-6;
            minus[c] -= 1e-6;
            var yp = (double[])generated.Invoke("Demo.Probe", "Outputs", new object?[] { plus[..3], plus[3..] })!;
            var ym = (double[])generated.Invoke("Demo.Probe", "Outputs", new object?[] { minus[..3], minus[3..] })!;
            for (int r = 0; r < 2; r++)
                Assert.That(jacobian[r * columns + c], Is.EqualTo((yp[r] - ym[r]) / 2e-6).Within(1e-6), $"J[{r},{c}] ({(c < 3 ? "u" : Bare(vector[c - 3]))})");
        }
    }
}

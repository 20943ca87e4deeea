using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Issue 13, item 10: each [Differentiable] method is analysed once per compilation, however many call sites it
/// has (callers look its summary up), in the generator and in the analyzer alike.
/// </summary>
public class CalleeSummaryTests
{
    private const int Depth = 30;

    /// <summary>
    /// F0 … F30, each (but the last) calling the next at two call sites: the taken branch halves it and adds x, so
    /// F0(x) = x·Σ_{k&lt;30} 2^-k + 2^-30·x² for x ≤ 1e6 (the other branch, never taken here, only multiplies the
    /// call sites). Analysing callees per call site would take 2^30 analyses.
    /// </summary>
    private static string Chain()
    {
        var source = new StringBuilder("using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Calls\n    {\n");
        for (int k = 0; k < Depth; k++)
        {
            source.Append($"        [Differentiable]\n        public static double F{k}(double x) => x > 1e6 ? F{k + 1}(x - 1) : 0.5 * F{k + 1}(x) + x;\n");
        }
        source.Append($"        [Differentiable]\n        public static double F{Depth}(double x) => x * x;\n    }}\n}}\n");
        return source.ToString();
    }

    /// <summary>Counts the analyses of the methods declared in <paramref name="compilation"/> while it is alive.</summary>
    private sealed class AnalysisCounter : IDisposable
    {
        private readonly HashSet<SyntaxTree> _trees;
        private readonly Dictionary<string, int> _counts = new();

        public AnalysisCounter(Compilation compilation)
        {
            _trees = new HashSet<SyntaxTree>(compilation.SyntaxTrees);
            CalleeSummaries.Analyzing = Count;
        }

        private void Count(IMethodSymbol method)
        {
            if (!method.Locations.Any(l => l.SourceTree != null && _trees.Contains(l.SourceTree))) return;
            lock (_counts) _counts[method.Name] = _counts.TryGetValue(method.Name, out int n) ? n + 1 : 1;
        }

        public IReadOnlyDictionary<string, int> Counts
        {
            get { lock (_counts) return new SortedDictionary<string, int>(_counts); }
        }

        public void Dispose() => CalleeSummaries.Analyzing = null;
    }

    private static Dictionary<string, int> OncePerMethod() =>
        Enumerable.Range(0, Depth + 1).ToDictionary(k => "F" + k, _ => 1);

    [Test]
    public void A_deep_chain_with_two_calls_per_level_generates_quickly_with_each_method_analysed_once()
    {
        var compilation = GeneratorHarness.Compile(Chain());
        GeneratorRun run;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var counter = new AnalysisCounter(compilation))
        {
            // Cancelled (and failed) rather than left running for hours when analysis is exponential again.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics, timeout.Token);
            run = new GeneratorRun(compilation, driver, output, diagnostics);
            Assert.That(counter.Counts, Is.EquivalentTo(OncePerMethod()), "analyses per method in one generator run");
        }
        watch.Stop();
        TestContext.Out.WriteLine($"generator run over {Depth + 1} methods: {watch.Elapsed.TotalMilliseconds:F0} ms");
        // Generous for a loaded machine; per call site, the analyses would number 2^30.
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "one generator run over the chain");
        run.AssertNoErrors();
        Assert.That(run.GeneratedSources, Has.Count.EqualTo(Depth + 1));

        using var generated = run.Load();
        double expected(double x) => (2 - Math.Pow(2, 1 - Depth)) + Math.Pow(2, 1 - Depth) * x;
        foreach (double x in new[] { 0.7, -1.3, 2.5 })
        {
            var args = new object?[] { x, null };
            double value = (double)generated.Invoke("Demo.Calls", "F0Gradient", args)!;
            double gradient = (double)args[1]!;
            Assert.That(value, Is.EqualTo((double)generated.Invoke("Demo.Calls", "F0", new object?[] { x })!), "the primal value");
            Assert.That(gradient, Is.EqualTo(expected(x)).Within(1e-12), "dF0/dx against the formula at " + x);
            var check = GradientCheck.Check(p => (double)generated.Invoke("Demo.Calls", "F0", new object?[] { p[0] })!, new[] { x }, new[] { gradient });
            Assert.That(check.Passed, check.ToString());
        }
    }

    [Test]
    public void The_analyzer_analyses_each_method_of_the_chain_once()
    {
        var compilation = GeneratorHarness.Compile(Chain());
        ImmutableArray<Diagnostic> diagnostics;
        using (var counter = new AnalysisCounter(compilation))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
            diagnostics = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()), options)
                .GetAnalyzerDiagnosticsAsync(timeout.Token).GetAwaiter().GetResult();
            Assert.That(counter.Counts, Is.EquivalentTo(OncePerMethod()), "analyses per method in one analyzer run");
        }
        Assert.That(diagnostics, Is.Empty);
    }

    /// <summary>
    /// The analyzer runs methods concurrently: the shared summaries give every thread the same answers, so a concurrent
    /// run reports exactly what a sequential one does (a chain with a failing leaf, and a mutually recursive pair).
    /// </summary>
    [Test]
    public void Concurrent_analysis_reports_what_sequential_analysis_does()
    {
        var source = new StringBuilder("using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Calls\n    {\n");
        for (int k = 0; k < 12; k++)
            source.Append($"        [Differentiable] public static double G{k}(double x) => G{k + 1}(x) + G{k + 1}(0.5 * x) + Odd(x, {k});\n");
        source.Append("        [Differentiable] public static double G12(double x) { try { return x; } finally { } }\n");
        source.Append("        [Differentiable] public static double Even(double x, int n) => Odd(x, n - 1) * 0.5;\n");
        source.Append("        [Differentiable] public static double Odd(double x, int n) => Even(x, n - 1) + x;\n    }\n}\n");
        var compilation = GeneratorHarness.Compile(source.ToString());
        string Run(bool concurrent)
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: concurrent, logAnalyzerExecutionTime: false);
            var diagnostics = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()), options)
                .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
            return string.Join("\n", diagnostics.Select(d => GeneratorHarness.Format(d)).OrderBy(d => d, StringComparer.Ordinal));
        }

        string sequential = Run(false);
        Assert.That(sequential, Does.Contain("ADIFF004").And.Contain("ADIFF005"));
        for (int i = 0; i < 3; i++) Assert.That(Run(true), Is.EqualTo(sequential));
    }

    /// <summary>
    /// A callee's diagnostics are its own: reported at the callee once, never through its callers, whichever of them is
    /// analysed first; and a caller of a callee that cannot be generated is told so at its call.
    /// </summary>
    [Test]
    public void A_callees_diagnostics_are_reported_once_at_the_callee()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Calls
                {
                    [Differentiable]
                    public static double A(double x) => Bad(x) + Bad(2 * x);
                    [Differentiable]
                    public static double Bad(double x) { try { return x; } finally { } }
                    [Differentiable]
                    public static double B(double x) => Bad(x) * A(x);
                }
            }
            """);
        var diagnostics = run.AnalyzerDiagnostics();
        var tries = diagnostics.Where(d => d.Id == "ADIFF004").ToList();
        Assert.That(tries, Has.Count.EqualTo(1), string.Join("\n", diagnostics));
        Assert.That(tries[0].GetMessage(), Does.Contain("'try'"));
        // Every call of Bad has no derivative (Bad generates nothing), nor has A's, each reported in its caller.
        var calls = diagnostics.Where(d => d.Id == "ADIFF005").Select(d => d.GetMessage()).ToList();
        Assert.That(calls, Has.Count.EqualTo(4), string.Join("\n", diagnostics));
        Assert.That(calls.Count(m => m.Contains("'Demo.Calls.Bad'")), Is.EqualTo(3), string.Join("\n", diagnostics));
    }

    /// <summary>
    /// Mutual recursion: summaries computed while a caller is under way are reused only where the same callers are,
    /// so what each method is told does not depend on which one is analysed first.
    /// </summary>
    [Test]
    public void Mutually_recursive_methods_get_the_same_diagnostics_in_any_order()
    {
        const string even = """
                    [Differentiable]
                    public static double Even(double x, int n) => Odd(x, n - 1) * 0.5;
            """;
        const string odd = """
                    [Differentiable]
                    public static double Odd(double x, int n) { double y = Even(x, n - 1); try { y += x; } finally { } return y; }
            """;
        string Source(string first, string second) => "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Calls\n    {\n" + first + second + "    }\n}\n";
        string Describe(IEnumerable<Diagnostic> diagnostics) =>
            string.Join("\n", diagnostics.Select(d => d.Id + " in " + d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()!.Identifier.Text + ": " + d.GetMessage()).OrderBy(s => s, StringComparer.Ordinal));

        string evenFirst = Describe(GeneratorHarness.Run(Source(even, odd)).AnalyzerDiagnostics());
        string oddFirst = Describe(GeneratorHarness.Run(Source(odd, even)).AnalyzerDiagnostics());
        Assert.That(oddFirst, Is.EqualTo(evenFirst));
        Assert.That(evenFirst, Does.Contain("ADIFF004 in Odd"));
        Assert.That(evenFirst, Does.Contain("ADIFF005 in Even"));
    }
}

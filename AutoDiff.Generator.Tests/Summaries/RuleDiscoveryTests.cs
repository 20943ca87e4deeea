using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Summaries;

/// <summary>
/// Issue 14, item 4: [DerivativeOf] rules are an input of the generator's pipeline, found by the compiler's attribute
/// index (ForAttributeWithMetadataName) rather than by scanning syntax text, and by symbols in the analyzer. Adding a
/// rule regenerates the methods that call its target and nothing else; an alias of the attribute is a rule too.
/// </summary>
public sealed class RuleDiscoveryTests
{
    private const string Library = """
        namespace Demo
        {
            public static class Lib
            {
                public static double Cube(double x) => x * x * x;
            }
        }
        """;

    /// <summary>UsesCube calls the rule's target; Other does not.</summary>
    private const string Callers = """
        using System;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable(SecondOrder = false)]
                public static double UsesCube(double x) => Lib.Cube(x) + Math.Sin(x);
            }
        }
        """;

    private const string Other = """
        using System;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Others
            {
                [Differentiable]
                public static double Other(double x, double y) => x * Math.Exp(y);
            }
        }
        """;

    private const string Rule = """
        using AutoDiff;
        namespace Demo
        {
            public static class LibRules
            {
                [DerivativeOf(typeof(Lib), nameof(Lib.Cube))]
                public static double CubeDerivative(double x) => 3 * x * x;
            }
        }
        """;

    private static CSharpCompilation AddFile(CSharpCompilation compilation, string path, string source) =>
        compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: path));

    /// <summary>The reasons of the outputs of <paramref name="step"/> that are (or were) the file of the method named <paramref name="method"/>.</summary>
    private static List<IncrementalStepRunReason> Reasons(GeneratorDriverRunResult result, string step, string method) =>
        IncrementalAssert.Steps(result, step)[step]
            .SelectMany(s => s.Outputs)
            .Where(o => o.Value is GeneratedFile file && file.HintName.EndsWith("." + method + ".g.cs", StringComparison.Ordinal)
                || o.Value is MethodModel model && model.Name == method)
            .Select(o => o.Reason)
            .ToList();

    private static string? Source(GeneratorDriverRunResult result, string method) =>
        result.Results.SelectMany(r => r.GeneratedSources)
            .Where(s => s.HintName.EndsWith("." + method + ".g.cs", StringComparison.Ordinal))
            .Select(s => s.SourceText.ToString())
            .SingleOrDefault();

    [Test]
    public void Adding_a_rule_in_another_file_regenerates_the_callers_of_its_target_and_nothing_else()
    {
        var compilation = GeneratorHarness.Compile(Library, Callers, Other);

        var runs = IncrementalAssert.RunTwice(compilation, c => AddFile(c, "Rule.cs", Rule));

        Assert.That(Source(runs.First, "UsesCube"), Is.Null, "without a rule, the call to Lib.Cube has no derivative (ADIFF005)");
        Assert.That(Source(runs.Second, "UsesCube"), Does.Contain("LibRules.CubeDerivative"), "the caller uses the new rule");
        Assert.That(Reasons(runs.Second, TrackingNames.Emitted, "UsesCube"), Has.Some.EqualTo(IncrementalStepRunReason.Modified).Or.Some.EqualTo(IncrementalStepRunReason.New));
        Assert.That(Reasons(runs.Second, TrackingNames.Rules, "UsesCube"), Is.Empty);
        Assert.That(IncrementalAssert.Steps(runs.Second, TrackingNames.Rules)[TrackingNames.Rules].SelectMany(s => s.Outputs).Select(o => o.Reason),
            Has.Some.EqualTo(IncrementalStepRunReason.Modified), "the rule set changed");

        var unrelated = Reasons(runs.Second, TrackingNames.Emitted, "Other");
        Assert.That(unrelated, Is.Not.Empty);
        Assert.That(unrelated, Is.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged), "a method that does not call the target is not regenerated");
        Assert.That(Source(runs.Second, "Other"), Is.EqualTo(Source(runs.First, "Other")));
        IncrementalAssert.NoCompilerObjectsInSteps(runs.Second);
    }

    [Test]
    public void With_a_rule_an_unrelated_edit_leaves_every_step_cached()
    {
        var compilation = GeneratorHarness.Compile(Library, Callers, Other, Rule, IncrementalAssert.UnrelatedSource);

        var runs = IncrementalAssert.RunTwice(compilation, c => IncrementalAssert.ReplaceFile(
            c, "Input4.cs", IncrementalAssert.UnrelatedSource.Replace("Value = 1", "Value = 2")));

        Assert.That(Source(runs.First, "UsesCube"), Does.Contain("LibRules.CubeDerivative"));
        IncrementalAssert.OutputsCachedOrUnchanged(runs.Second, TrackingNames.Rules, TrackingNames.Site, TrackingNames.Model, TrackingNames.Emitted);
        IncrementalAssert.NoCompilerObjectsInSteps(runs.First);
        IncrementalAssert.NoCompilerObjectsInSteps(runs.Second);
    }

    [Test]
    public void Editing_one_methods_body_regenerates_that_method_only()
    {
        var compilation = GeneratorHarness.Compile(Library, Callers, Other, Rule);

        var runs = IncrementalAssert.RunTwice(compilation, c => IncrementalAssert.ReplaceFile(c, "Input2.cs", Other.Replace("x * Math.Exp(y)", "x * Math.Cos(y)")));

        Assert.That(Source(runs.Second, "Other"), Does.Contain("Math.Cos"));
        Assert.That(Reasons(runs.Second, TrackingNames.Emitted, "Other"), Has.Some.EqualTo(IncrementalStepRunReason.Modified));
        var unrelated = Reasons(runs.Second, TrackingNames.Emitted, "UsesCube");
        Assert.That(unrelated, Is.Not.Empty);
        Assert.That(unrelated, Is.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged));
        IncrementalAssert.OutputsCachedOrUnchanged(runs.Second, TrackingNames.Rules);
    }

    /// <summary>
    /// Scanning attribute names for "DerivativeOf" missed a rule written through an alias: its callers got ADIFF005.
    /// The compiler's attribute index (generator) and the symbols (analyzer) see the attribute's type.
    /// </summary>
    [TestCase("using Rule = AutoDiff.DerivativeOfAttribute;", "Rule")]
    [TestCase("using D = AutoDiff;", "D::DerivativeOf")]
    public void A_rule_written_through_an_alias_is_found_by_the_generator_and_the_analyzer(string usingAlias, string attribute)
    {
        string rule = usingAlias + "\n" + Rule.Replace("using AutoDiff;\n", "").Replace("[DerivativeOf(", "[" + attribute + "(");
        var run = GeneratorHarness.Run(Library, Callers, rule);

        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id.StartsWith("AD", StringComparison.Ordinal)).Select(GeneratorHarness.Format), Is.Empty);
        Assert.That(run.GeneratedSources.Single(kv => kv.Key.EndsWith(".UsesCube.g.cs", StringComparison.Ordinal)).Value, Does.Contain("LibRules.CubeDerivative"));

        using var generated = run.Load();
        foreach (double x in new[] { -1.3, 0.4, 2.2 })
        {
            var args = new object?[] { x, null };
            double value = (double)generated.Invoke("Demo.Fns", "UsesCubeGradient", args)!;
            Assert.That(value, Is.EqualTo((double)generated.Invoke("Demo.Fns", "UsesCube", new object?[] { x })!), "the primal, bit for bit");
            Assert.That((double)args[1]!, Is.EqualTo(3 * x * x + Math.Cos(x)).Within(1e-12), "d/dx (x³ + sin x)");
        }
    }

    /// <summary>An aliased rule with a problem is reported (ADIFF013) like any other.</summary>
    [Test]
    public void An_aliased_rule_with_a_problem_gets_ADIFF013()
    {
        string rule = "using Rule = AutoDiff.DerivativeOfAttribute;\n" + Rule.Replace("using AutoDiff;\n", "")
            .Replace("[DerivativeOf(", "[Rule(").Replace("double CubeDerivative(double x)", "double CubeDerivative(float x)");
        var run = GeneratorHarness.Run(Library, Callers, rule);

        var ids = run.AnalyzerDiagnostics().Select(d => d.Id).ToList();
        Assert.That(ids, Does.Contain("ADIFF013"));
        Assert.That(ids, Does.Contain("ADIFF005"), "the call has no usable rule");
    }

    [Test]
    public void Both_parts_of_a_partial_rule_count_once()
    {
        const string partialRule = """
            using AutoDiff;
            namespace Demo
            {
                public static partial class LibRules
                {
                    [DerivativeOf(typeof(Lib), nameof(Lib.Cube))]
                    public static partial double CubeDerivative(double x);
                    public static partial double CubeDerivative(double x) => 3 * x * x;
                }
            }
            """;
        var run = GeneratorHarness.Run(Library, Callers, partialRule);

        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id.StartsWith("AD", StringComparison.Ordinal)).Select(GeneratorHarness.Format), Is.Empty);
        Assert.That(run.GeneratedSources.Single(kv => kv.Key.EndsWith(".UsesCube.g.cs", StringComparison.Ordinal)).Value, Does.Contain("LibRules.CubeDerivative"));
    }

    [Test]
    public void A_partial_rule_with_a_problem_gets_one_ADIFF013()
    {
        const string partialRule = """
            using AutoDiff;
            namespace Demo
            {
                public static partial class LibRules
                {
                    [DerivativeOf(typeof(Lib), nameof(Lib.Cube))]
                    public static partial float CubeDerivative(double x);
                    public static partial float CubeDerivative(double x) => 3 * (float)(x * x);
                }
            }
            """;
        var run = GeneratorHarness.Run(Library, Callers, partialRule);

        var ids = run.AnalyzerDiagnostics().Select(d => d.Id).ToList();
        Assert.That(ids.Count(id => id == "ADIFF013"), Is.EqualTo(1), string.Join(", ", ids));
        Assert.That(run.GeneratedSources.Keys.Where(k => k.EndsWith(".UsesCube.g.cs", StringComparison.Ordinal)), Is.Empty, "no usable rule: ADIFF005 at the call");
    }
}

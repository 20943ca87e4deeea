using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Summaries;

/// <summary>
/// Issue 14, item 4: what the frontend keeps per compilation (<see cref="CompilationState"/>): the known types resolved
/// once, the [Differentiable] options parsed in one place, each method's summary; and no per-thread state.
/// </summary>
public sealed class SummaryTests
{
    private const string Source = """
        using System;
        using AutoDiff;
        using Diff = AutoDiff.DifferentiableAttribute;
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable] public static double Plain(double x) => x * x;
                [Differentiable(SecondOrder = false)] public static double FirstOrder(double x) => x * x;
                [Differentiable(Inline = true, SecondOrder = false)] public static double Both(double x) => x * x;
                [Differentiable(Inline = true)] public static double Inlined(double x) => x * x * x;
                [Diff(Inline = true)] public static double Aliased(double x) => Inlined(x) + Plain(x);
                public static double NotDifferentiable(double x) => x;
            }
        }
        """;

    private static IMethodSymbol Method(Compilation compilation, string name) =>
        compilation.GetTypeByMetadataName("Demo.Fns")!.GetMembers(name).OfType<IMethodSymbol>().Single();

    [TestCase("Plain", true, false)]
    [TestCase("FirstOrder", false, false)]
    [TestCase("Both", false, true)]
    [TestCase("Aliased", true, true)]
    public void The_options_are_parsed_from_the_attribute(string method, bool secondOrder, bool inline)
    {
        var compilation = GeneratorHarness.Compile(Source);
        var state = CompilationState.For(compilation);

        Assert.That(state.Options(Method(compilation, method)), Is.EqualTo(new DifferentiableOptions(secondOrder, inline)));
    }

    [Test]
    public void A_method_without_the_attribute_has_no_options()
    {
        var compilation = GeneratorHarness.Compile(Source);

        Assert.That(CompilationState.For(compilation).Options(Method(compilation, "NotDifferentiable")), Is.Null);
    }

    [Test]
    public void The_known_types_are_resolved_once_per_compilation()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var state = CompilationState.For(compilation);
        var types = state.Types;

        Assert.That(CompilationState.For(compilation), Is.SameAs(state));
        Assert.That(CompilationState.For(GeneratorHarness.Compile(Source)), Is.Not.SameAs(state), "another compilation has its own state");
        Assert.That(new[] { types.Differentiable, types.NoDerivative, types.DerivativeOf, types.Pure, types.GeneratedCode, types.Math, types.MathF,
            types.Ad, types.AdMath, types.Span, types.ReadOnlySpan }, Has.None.Null);
        Assert.That(KnownTypes.Is(compilation.GetTypeByMetadataName("System.Span`1")!.Construct(compilation.GetSpecialType(SpecialType.System_Double)), types.Span),
            "a constructed generic type is its definition");
    }

    /// <summary>An aliased [Differentiable] is found by the generator (its attribute index) and by the analyzer (the symbol).</summary>
    [Test]
    public void An_aliased_attribute_generates_and_its_options_apply()
    {
        var run = GeneratorHarness.Run(Source);

        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Id.StartsWith("AD", StringComparison.Ordinal)).Select(GeneratorHarness.Format), Is.Empty);
        string aliased = run.GeneratedSources.Single(kv => kv.Key.EndsWith(".Aliased.g.cs", StringComparison.Ordinal)).Value;
        // Inlined is copied in (Inline = true): no call to its companions; Plain is called through its own.
        Assert.That(aliased, Does.Not.Contain("InlinedVjp").And.Not.Contain("InlinedJvp").And.Contain("PlainVjp"));
        Assert.That(aliased, Does.Contain("AliasedHessian"), "SecondOrder defaults to true");
        Assert.That(run.GeneratedSources.Single(kv => kv.Key.EndsWith(".FirstOrder.g.cs", StringComparison.Ordinal)).Value, Does.Not.Contain("FirstOrderHvp"));
    }

    /// <summary>
    /// Per-compilation state lives in the compilation's <see cref="CompilationState"/> and the analyses under way in
    /// an explicit <see cref="FrontendSession"/>: a thread running two compilations' analyses, or an analysis moving
    /// between threads, cannot mix them up.
    /// </summary>
    [Test]
    public void No_field_of_the_generator_is_thread_static()
    {
        var threadStatic = typeof(DifferentiableGenerator).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => f.GetCustomAttribute<ThreadStaticAttribute>() != null)
            .Select(f => f.DeclaringType!.FullName + "." + f.Name);

        Assert.That(threadStatic, Is.Empty);
    }

    /// <summary>A summary carries the method's options with its model, for its callers.</summary>
    [Test]
    public void A_summary_holds_the_model_and_the_options()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var state = CompilationState.For(compilation);
        var method = Method(compilation, "Both");
        var syntax = (Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax)method.DeclaringSyntaxReferences.Single().GetSyntax();

        var summary = MethodFrontend.Summarize(method, syntax, state.Model(syntax.SyntaxTree), new FrontendSession(state), default);

        Assert.That(summary.Options, Is.EqualTo(new DifferentiableOptions(SecondOrder: false, Inline: true)));
        Assert.That(summary.Model.CanGenerate, Is.True);
        Assert.That(summary.Model.Parameters.Select(p => p.IsActive), Is.EqualTo(new[] { true }));
        Assert.That(summary.Model.IsVectorValued, Is.False);
        Assert.That(summary.Diagnostics, Is.Empty);
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.CodeFixes;

/// <summary>
/// Runs a code fix the way an IDE does, in an in-memory <see cref="AdhocWorkspace"/>: the sources become documents
/// <c>Input0.cs</c>, <c>Input1.cs</c>, … of one project with the harness's references; <see cref="DifferentiableAnalyzer"/>
/// reports the diagnostics; the provider registers its actions for one of them; the chosen action's changed solution
/// gives the fixed texts.
/// </summary>
internal static class CodeFixHarness
{
    /// <summary>A project of <paramref name="sources"/> in a fresh workspace.</summary>
    public static Project Project(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "Input", "AutoDiff.Tests.Input", LanguageNames.CSharp,
            compilationOptions: compilation.Options, parseOptions: GeneratorHarness.ParseOptions, metadataReferences: compilation.References));
        for (int i = 0; i < sources.Length; i++)
            project = project.AddDocument($"Input{i}.cs", SourceText.From(sources[i]), filePath: $"Input{i}.cs").Project;
        return project;
    }

    /// <summary>The analyzer's diagnostics for the project, ordered by document and position.</summary>
    public static ImmutableArray<Diagnostic> Diagnostics(Project project)
    {
        var compilation = project.GetCompilationAsync().GetAwaiter().GetResult()!;
        return compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()))
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult()
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    /// <summary>
    /// The one diagnostic <paramref name="id"/> whose location's text is <paramref name="at"/>; fails listing what
    /// was reported when there is none or more than one.
    /// </summary>
    public static Diagnostic Reported(Project project, string id, string at)
    {
        var all = Diagnostics(project);
        var matching = all.Where(d => d.Id == id && d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan) == at).ToList();
        if (matching.Count != 1)
        {
            Assert.Fail($"Expected one {id} at '{at}', got {matching.Count}. Reported:\n" +
                string.Join("\n", all.Select(d => d.Id + " at '" + d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan) + "': " + d.GetMessage())));
        }
        return matching[0];
    }

    /// <summary>The titles of the actions <paramref name="provider"/> offers for <paramref name="diagnostic"/>.</summary>
    public static List<CodeAction> Actions(CodeFixProvider provider, Project project, Diagnostic diagnostic)
    {
        Assert.That(provider.FixableDiagnosticIds, Does.Contain(diagnostic.Id), "the provider does not fix " + diagnostic.Id);
        var document = project.GetDocument(diagnostic.Location.SourceTree)!;
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        provider.RegisterCodeFixesAsync(context).GetAwaiter().GetResult();
        return actions;
    }

    /// <summary>
    /// Reports the diagnostic (<paramref name="id"/> at <paramref name="at"/>), applies the action titled
    /// <paramref name="title"/> and returns the text of every document after it, in order.
    /// </summary>
    public static string[] Fix(CodeFixProvider provider, string id, string at, string title, params string[] sources)
    {
        var project = Project(sources);
        var diagnostic = Reported(project, id, at);
        var actions = Actions(provider, project, diagnostic);
        var action = actions.FirstOrDefault(a => a.Title == title);
        if (action == null) Assert.Fail($"No action '{title}'. Offered: [{string.Join(", ", actions.Select(a => a.Title))}]");
        var operations = action!.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var solution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return project.DocumentIds.Select(d => solution.GetDocument(d)!.GetTextAsync().GetAwaiter().GetResult().ToString()).ToArray();
    }

    /// <summary>
    /// The fixed sources compile with the generator, which reports no error and emits <paramref name="companions"/>
    /// (<c>Type.Member</c>, by metadata name of the type); the analyzer reports no error either.
    /// </summary>
    public static GeneratorRun AssertCompilesWithCompanions(string[] sources, params string[] companions)
    {
        var run = GeneratorHarness.Run(sources);
        run.AssertNoErrors();
        var errors = run.AnalyzerDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.That(errors, Is.Empty, "analyzer errors after the fix:\n" + string.Join("\n", errors.Select(GeneratorHarness.Format)));
        foreach (var companion in companions)
        {
            int dot = companion.LastIndexOf('.');
            var type = run.OutputCompilation.GetTypeByMetadataName(companion.Substring(0, dot));
            Assert.That(type, Is.Not.Null, "no type " + companion.Substring(0, dot));
            Assert.That(type!.GetMembers(companion.Substring(dot + 1)), Is.Not.Empty, "no companion " + companion + "\n" + run.DescribeGenerated());
        }
        return run;
    }
}

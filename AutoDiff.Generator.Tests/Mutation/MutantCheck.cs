using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Generator.Tests.Mutation;

/// <summary>
/// One thing wrong with one mutant. <see cref="Kind"/> is one of the <see cref="FailureKinds"/>;
/// <see cref="Detail"/> says what exactly (the diagnostic, the exception, the method).
/// </summary>
public sealed record MutantFailure(string Kind, string Detail, Mutant Mutant)
{
    /// <summary>The known-failure entry this failure matches, if any.</summary>
    public KnownFailure? Known { get; init; }

    /// <summary>What failures of one class share: the kind and the diagnostic id or exception type.</summary>
    public string Signature => Kind + " " + (Detail.IndexOf(':') is int colon and > 0 and < 60 ? Detail.Substring(0, colon) : "");
}

/// <summary>The failure kinds, from the worst for a user to the least.</summary>
public static class FailureKinds
{
    public const string GeneratorException = "generator exception";
    public const string AnalyzerException = "analyzer exception";
    public const string Timeout = "timeout";
    public const string InternalErrorBoth = "ADIFF099 from generator and analyzer";
    public const string InternalErrorGeneratorOnly = "ADIFF099 from the generator only";
    public const string InternalErrorAnalyzerOnly = "ADIFF099 from the analyzer only";
    public const string GeneratorOnlyDiagnostic = "generator diagnostic the analyzer does not report";
    public const string ErrorInGeneratedCode = "C# error in generated code";
    public const string ErrorCausedInUserCode = "C# error in user code caused by generated code";
    public const string CompanionsDespiteError = "companions generated for a method the analyzer reports an error for";
    public const string NoCompanionsWithoutError = "no companions for a valid method the analyzer reports no error for";
    public const string WarningInGeneratedCode = "warning in generated code";
}

/// <summary>Timings of the stages of one mutant's check, summed over a run.</summary>
public sealed class MutantTimings
{
    private long compile, generator, analyzer, output;

    public void Add(TimeSpan compile, TimeSpan generator, TimeSpan analyzer, TimeSpan output)
    {
        Interlocked.Add(ref this.compile, compile.Ticks);
        Interlocked.Add(ref this.generator, generator.Ticks);
        Interlocked.Add(ref this.analyzer, analyzer.Ticks);
        Interlocked.Add(ref this.output, output.Ticks);
    }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture,
        "parse {0:F1} s, generator {1:F1} s, analyzer {2:F1} s, binding generated code {3:F1} s (CPU time summed over threads)",
        TimeSpan.FromTicks(compile).TotalSeconds, TimeSpan.FromTicks(generator).TotalSeconds,
        TimeSpan.FromTicks(analyzer).TotalSeconds, TimeSpan.FromTicks(output).TotalSeconds);
}

/// <summary>
/// Runs the generator and the analyzer over one mutant and checks what a user is promised for any
/// input, valid or mid-edit: the generator never throws, nothing reports ADIFF099, generated code has
/// no C# error (nor warning), and the two agree: a [Differentiable] method the analyzer reports an
/// error (or ADIFF009) for gets no companions, and a method without C# errors the analyzer is silent
/// about gets them.
/// </summary>
public static class MutantCheck
{
    private static readonly HashSet<string> CompanionSuffixes = new(StringComparer.Ordinal)
    {
        "Gradient", "Vjp", "Jvp", "Hvp", "Hessian", "Jacobian", "VjpTangent",
    };

    public static List<MutantFailure> Run(Mutant mutant, IReadOnlyList<string> supportSources, TimeSpan timeout, MutantTimings timings)
    {
        var failures = new List<MutantFailure>();
        void Fail(string kind, string detail) => failures.Add(new MutantFailure(kind, detail, mutant));
        using var cancellation = new CancellationTokenSource(timeout);
        var token = cancellation.Token;
        var clock = Stopwatch.StartNew();
        TimeSpan compileTime = default, generatorTime = default, analyzerTime = default, outputTime = default;
        try
        {
            var input = GeneratorHarness.Compile(new[] { mutant.Source }.Concat(supportSources).ToArray());
            var tree = input.SyntaxTrees.First();
            tree.GetRoot(token);
            compileTime = clock.Elapsed;

            clock.Restart();
            GeneratorDriver driver = CSharpGeneratorDriver.Create(
                new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
            driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics, token);
            var result = driver.GetRunResult();
            generatorTime = clock.Elapsed;

            clock.Restart();
            var analyzerExceptions = new List<Exception>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, _, _) => { lock (analyzerExceptions) analyzerExceptions.Add(exception); },
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var all = input.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()), options)
                .GetAllDiagnosticsAsync(token).GetAwaiter().GetResult();
            var analyzerDiagnostics = all.Where(d => d.Descriptor.Category == "AutoDiff").ToList();
            var inputErrors = all.Where(d => d.Severity == DiagnosticSeverity.Error && d.Descriptor.Category != "AutoDiff").ToList();
            analyzerTime = clock.Elapsed;

            foreach (var exception in analyzerExceptions.Select(e => e.GetType().Name + ": " + FirstLine(e.Message)).Distinct())
                Fail(FailureKinds.AnalyzerException, exception);

            // (a) The generator never throws: an exception costs every method its companions (CS8785).
            var generatorExceptions = result.Results.Select(r => r.Exception).OfType<Exception>().ToList();
            foreach (var exception in generatorExceptions) Fail(FailureKinds.GeneratorException, exception.GetType().Name + ": " + FirstLine(exception.Message));
            if (generatorExceptions.Count == 0)
            {
                foreach (var d in generatorDiagnostics.Where(d => d.Id == "CS8785")) Fail(FailureKinds.GeneratorException, "CS8785: " + FirstLine(d.GetMessage(CultureInfo.InvariantCulture)));
            }

            // (b) No ADIFF099, and (d) every diagnostic of the generator comes from the analyzer too.
            var analyzerMessages = analyzerDiagnostics.Select(d => d.Id + " " + d.GetMessage(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
            var generatorMessages = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in generatorDiagnostics.Where(d => d.Id != "CS8785"))
            {
                string message = d.GetMessage(CultureInfo.InvariantCulture);
                generatorMessages.Add(d.Id + " " + message);
                bool alsoAnalyzer = analyzerMessages.Contains(d.Id + " " + message);
                if (d.Id == DiagnosticDescriptors.InternalError.Id) Fail(alsoAnalyzer ? FailureKinds.InternalErrorBoth : FailureKinds.InternalErrorGeneratorOnly, InternalErrorDetail(message));
                else if (!alsoAnalyzer) Fail(FailureKinds.GeneratorOnlyDiagnostic, d.Id + ": " + message);
            }
            foreach (var d in analyzerDiagnostics.Where(d => d.Id == DiagnosticDescriptors.InternalError.Id))
            {
                string message = d.GetMessage(CultureInfo.InvariantCulture);
                if (!generatorMessages.Contains(d.Id + " " + message)) Fail(FailureKinds.InternalErrorAnalyzerOnly, InternalErrorDetail(message) + " at " + Where(d));
            }

            // (c) Generated code compiles without errors (and warnings), and causes none in user code.
            clock.Restart();
            var generated = result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.SyntaxTree, s => s.HintName);
            foreach (var (generatedTree, hintName) in generated.OrderBy(g => g.Value, StringComparer.Ordinal))
            {
                foreach (var d in output.GetSemanticModel(generatedTree).GetDiagnostics(cancellationToken: token))
                {
                    if (d.Severity == DiagnosticSeverity.Error) Fail(FailureKinds.ErrorInGeneratedCode, Describe(d, hintName, generatedTree));
                    else if (d.Severity == DiagnosticSeverity.Warning) Fail(FailureKinds.WarningInGeneratedCode, Describe(d, hintName, generatedTree));
                }
            }
            var known = inputErrors.Select(Key).ToHashSet();
            foreach (var d in output.GetDeclarationDiagnostics(token).Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } t && !generated.ContainsKey(t)))
            {
                if (!known.Contains(Key(d))) Fail(FailureKinds.ErrorCausedInUserCode, d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture) + " at " + Where(d));
            }

            // (d) Agreement, method by method.
            if (generatorExceptions.Count == 0 && !generatorDiagnostics.Any(d => d.Id == "CS8785"))
                CheckAgreement(input, tree, output, generated, analyzerDiagnostics, inputErrors, generatorDiagnostics, Fail, token);
            outputTime = clock.Elapsed;
        }
        catch (OperationCanceledException)
        {
            Fail(FailureKinds.Timeout, $"the check took more than {timeout.TotalSeconds:F0} s");
        }
        timings.Add(compileTime, generatorTime, analyzerTime, outputTime);
        return failures;
    }

    private static void CheckAgreement(
        Compilation input, SyntaxTree tree, Compilation output, IReadOnlyDictionary<SyntaxTree, string> generated,
        List<Diagnostic> analyzerDiagnostics, List<Diagnostic> inputErrors, ImmutableArray<Diagnostic> generatorDiagnostics,
        Action<string, string> fail, CancellationToken token)
    {
        var inputModel = input.GetSemanticModel(tree);
        var outputModel = output.GetSemanticModel(tree);
        var attribute = input.GetTypeByMetadataName("AutoDiff.DifferentiableAttribute");
        var methods = new List<(MethodDeclarationSyntax Syntax, IMethodSymbol Input, IMethodSymbol? Output)>();
        foreach (var syntax in tree.GetRoot(token).DescendantNodes().OfType<MethodDeclarationSyntax>().Where(Mutator.IsDifferentiable))
        {
            if (inputModel.GetDeclaredSymbol(syntax, token) is not IMethodSymbol symbol) continue;
            if (!symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute))) continue;
            methods.Add((syntax, symbol, outputModel.GetDeclaredSymbol(syntax, token) as IMethodSymbol));
        }

        // Each generated member of a type belongs to the [Differentiable] method whose name it extends
        // (the longest such name), among overloads the one whose parameters it starts with.
        var companions = new Dictionary<MethodDeclarationSyntax, List<string>>();
        var ambiguous = new HashSet<MethodDeclarationSyntax>();
        foreach (var type in methods.Select(m => m.Output?.ContainingType).OfType<INamedTypeSymbol>().Distinct<INamedTypeSymbol>(SymbolEqualityComparer.Default))
        {
            var owners = methods.Where(m => SymbolEqualityComparer.Default.Equals(m.Output?.ContainingType, type)).ToList();
            foreach (var member in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (!member.DeclaringSyntaxReferences.Any(r => generated.ContainsKey(r.SyntaxTree))) continue;
                var owner = owners
                    .Where(o => member.Name.StartsWith(o.Output!.Name, StringComparison.Ordinal) && CompanionSuffixes.Contains(member.Name.Substring(o.Output.Name.Length)))
                    .OrderByDescending(o => o.Output!.Name.Length)
                    .ThenByDescending(o => CommonPrefix(o.Output!, member) == o.Output!.Parameters.Length ? o.Output.Parameters.Length : -1)
                    .ThenByDescending(o => CommonPrefix(o.Output!, member))
                    .Select(o => o.Syntax).FirstOrDefault();
                if (owner == null) continue;
                if (!companions.TryGetValue(owner, out var list)) companions[owner] = list = new List<string>();
                list.Add(member.Name);
                // Methods of the same name and parameters (a pasted duplicate, CS0111): which one the member belongs to is unknown.
                var signature = owners.First(o => o.Syntax == owner).Output!;
                var twins = owners.Where(o => o.Syntax != owner && o.Output!.Name == signature.Name
                    && o.Output.Parameters.Select(p => p.Type.ToDisplayString()).SequenceEqual(signature.Parameters.Select(p => p.Type.ToDisplayString()))).ToList();
                if (twins.Count > 0) ambiguous.UnionWith(twins.Select(t => t.Syntax).Append(owner));
            }
        }

        foreach (var (syntax, symbol, _) in methods)
        {
            string name = Describe(symbol);
            var span = syntax.FullSpan;
            bool Inside(Diagnostic d) => d.Location.SourceTree == tree && span.Contains(d.Location.SourceSpan);
            // Some diagnostics (ADIFF001: not partial; a type where generated members cannot go) sit on the declaration
            // of a containing type, before its members, and name the method.
            bool OnContainingType(Diagnostic d) => d.Location.SourceTree == tree
                && syntax.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => d.Location.SourceSpan.Start >= t.SpanStart && d.Location.SourceSpan.End <= t.OpenBraceToken.SpanStart)
                && d.GetMessage(CultureInfo.InvariantCulture).Contains("'" + symbol.Name + "'", StringComparison.Ordinal);
            // ADIFF013 is about the method's role as a [DerivativeOf] rule, not about differentiating it.
            var blocking = analyzerDiagnostics.Where(d => (Inside(d) || OnContainingType(d))
                && (d.Severity == DiagnosticSeverity.Error || d.Id == "ADIFF009") && d.Id != "ADIFF013").ToList();
            bool hasCompanions = companions.TryGetValue(syntax, out var own);
            if (blocking.Any(d => d.Id == DiagnosticDescriptors.InternalError.Id)) continue;
            if (generatorDiagnostics.Any(d => d.Id == DiagnosticDescriptors.InternalError.Id && d.GetMessage(CultureInfo.InvariantCulture).Contains("'" + symbol.Name + "'"))) continue;

            if (ambiguous.Contains(syntax)) continue;
            if (blocking.Count > 0 && hasCompanions)
            {
                fail(FailureKinds.CompanionsDespiteError, $"{name}: {string.Join(", ", own!.Distinct())} generated although the analyzer reports {string.Join("; ", blocking.Select(d => d.Id + " " + d.GetMessage(CultureInfo.InvariantCulture)))}");
            }
            else if (blocking.Count == 0 && !hasCompanions)
            {
                // A method with a C# error of its own may get nothing: the compiler has already said why.
                bool invalid = inputErrors.Any(Inside) || symbol.ContainingType is null || symbol.ContainingType.IsImplicitlyDeclared || symbol.ContainingType.IsScriptClass;
                if (invalid) continue;
                string context = symbol.ContainingType!.IsFileLocal ? " (in a file-local type)" : "";
                var warnings = analyzerDiagnostics.Where(Inside).Select(d => d.Id).Distinct().ToList();
                fail(FailureKinds.NoCompanionsWithoutError, $"{name}{context}: no generated member{(warnings.Count > 0 ? "; the analyzer reports only " + string.Join(", ", warnings) : "")}");
            }
        }
    }

    private static int CommonPrefix(IMethodSymbol method, IMethodSymbol companion)
    {
        int n = 0;
        while (n < method.Parameters.Length && n < companion.Parameters.Length
            && SymbolEqualityComparer.Default.Equals(method.Parameters[n].Type, companion.Parameters[n].Type)
            && method.Parameters[n].Name == companion.Parameters[n].Name && method.Parameters[n].RefKind == companion.Parameters[n].RefKind) n++;
        return n;
    }

    private static string Describe(IMethodSymbol method) =>
        method.ContainingType?.Name + "." + method.Name + "(" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString())) + ")";

    private static string InternalErrorDetail(string message)
    {
        // "AutoDiff failed while generating derivatives of 'F': X. Please report…" → "X (in F)"
        int start = message.IndexOf("': ", StringComparison.Ordinal);
        int end = message.LastIndexOf(". Please report", StringComparison.Ordinal);
        if (start < 0 || end < start) return message;
        string method = message.Substring(0, start).Split('\'').Last();
        return message.Substring(start + 3, end - start - 3) + " (in " + method + ")";
    }

    private static string Describe(Diagnostic d, string hintName, SyntaxTree tree)
    {
        var position = d.Location.GetLineSpan().StartLinePosition;
        // The line around the error: generated lines can be long.
        string line = tree.GetText().Lines[position.Line].ToString();
        int from = Math.Max(0, position.Character - 80), to = Math.Min(line.Length, position.Character + 80);
        string excerpt = (from > 0 ? "…" : "") + line.Substring(from, to - from).Trim() + (to < line.Length ? "…" : "");
        return d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture) + $" at {hintName}({position.Line + 1},{position.Character + 1}): {excerpt}";
    }

    private static string Where(Diagnostic d)
    {
        if (d.Location == Location.None) return "(no location)";
        var position = d.Location.GetLineSpan();
        return $"{position.Path}({position.StartLinePosition.Line + 1},{position.StartLinePosition.Character + 1})";
    }

    private static (string, string?, int, int) Key(Diagnostic d) =>
        (d.Id, d.Location.SourceTree?.FilePath, d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}

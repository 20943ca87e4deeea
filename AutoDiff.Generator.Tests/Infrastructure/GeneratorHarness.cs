using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>
/// Runs <see cref="DifferentiableGenerator"/> in memory over C# source strings, the way the
/// compiler would, and compiles and loads the result so tests can call generated companions.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>Parse options of every test input and of the generated trees.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        optimizationLevel: OptimizationLevel.Release,
        deterministic: true);

    // Reading metadata for ~200 platform assemblies dominates the cost of a small test, so it is
    // done once per test run.
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>
    /// A compilation of <paramref name="sources"/> (files <c>Input0.cs</c>, <c>Input1.cs</c>, …)
    /// against the platform and the AutoDiff attributes and runtime.
    /// </summary>
    public static CSharpCompilation Compile(params string[] sources)
    {
        var trees = sources.Select((source, i) =>
            CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Input{i}.cs", encoding: Encoding.UTF8));
        return CSharpCompilation.Create("AutoDiff.Tests.Input", trees, References.Value, CompilationOptions);
    }

    /// <summary>
    /// A fresh driver for <see cref="DifferentiableGenerator"/> that records its incremental steps. Tests verify the IR
    /// after every pass (<see cref="HarnessOptions.Default"/>): a violation is a generator exception naming the pass.
    /// </summary>
    public static GeneratorDriver CreateDriver(HarnessOptions? options = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            optionsProvider: (options ?? HarnessOptions.Default).Provider(),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Compiles <paramref name="sources"/> and runs the generator once over them.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(Compile(sources));

    /// <summary>Compiles <paramref name="sources"/> and runs the generator once over them with <paramref name="options"/>.</summary>
    public static GeneratorRun RunWith(HarnessOptions options, params string[] sources) => Run(Compile(sources), options);

    /// <summary>Runs the generator once over <paramref name="compilation"/> with a fresh driver.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, HarnessOptions? options = null)
    {
        options ??= HarnessOptions.Default;
        GeneratorDriver driver = CreateDriver(options).RunGeneratorsAndUpdateCompilation(
            compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return new GeneratorRun(compilation, driver, output, generatorDiagnostics) { Options = options };
    }

    /// <summary>A diagnostic as the command-line compiler prints it, with messages in the invariant culture.</summary>
    public static string Format(Diagnostic diagnostic) =>
        CSharpDiagnosticFormatter.Instance.Format(diagnostic, CultureInfo.InvariantCulture);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] autoDiff =
        {
            typeof(DifferentiableAttribute).Assembly.Location,
            typeof(GradientCheck).Assembly.Location,
        };

        // The test host puts every dependency of this project on the platform list, including the
        // generator and this test assembly. User code never references those, so generated code
        // that accidentally depends on them must fail to compile here as it would for a user.
        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            typeof(DifferentiableGenerator).Assembly.GetName().Name!,
            typeof(GeneratorHarness).Assembly.GetName().Name!,
        };

        // One reference per simple name; the AutoDiff assemblies come first so the project's own
        // build wins over any other copy on the platform list.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var references = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (string path in autoDiff.Concat(platform))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (excluded.Contains(name) || !seen.Add(name)) continue;
            references.Add(MetadataReference.CreateFromFile(path));
        }
        return references.ToImmutable();
    }
}

/// <summary>The outcome of one generator run over one compilation.</summary>
public sealed class GeneratorRun
{
    private readonly Lazy<ImmutableArray<Diagnostic>> compilationErrors;

    internal GeneratorRun(CSharpCompilation input, GeneratorDriver driver, Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics)
    {
        InputCompilation = input;
        Driver = driver;
        Result = driver.GetRunResult();
        OutputCompilation = output;
        GeneratorDiagnostics = generatorDiagnostics;

        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (GeneratedSourceResult generated in Result.Results.SelectMany(r => r.GeneratedSources))
            sources.Add(generated.HintName, generated.SourceText.ToString());
        GeneratedSources = sources;

        // Binding the whole output is the slow part of a run; most tests never ask for it.
        compilationErrors = new(() => OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .ToImmutableArray());
    }

    /// <summary>The MSBuild properties the generator and the analyzer saw.</summary>
    public HarnessOptions Options { get; init; } = HarnessOptions.Default;

    /// <summary>The compilation the generator ran over.</summary>
    public CSharpCompilation InputCompilation { get; }

    /// <summary>The driver after the run; run it again on an edited compilation to test caching.</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>The driver's run result, with tracked incremental steps.</summary>
    public GeneratorDriverRunResult Result { get; }

    /// <summary>Generated files, hint name → text, ordered by hint name (ordinal).</summary>
    public IReadOnlyDictionary<string, string> GeneratedSources { get; }

    /// <summary>Diagnostics the generator reported, including CS8785 when it threw.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>The input compilation plus the generated trees.</summary>
    public Compilation OutputCompilation { get; }

    /// <summary>Errors of <see cref="OutputCompilation"/> (user code and generated code).</summary>
    public ImmutableArray<Diagnostic> CompilationErrors => compilationErrors.Value;

    /// <summary>Exceptions the generator threw; the design treats any of them as a bug.</summary>
    public ImmutableArray<Exception> GeneratorExceptions =>
        Result.Results.Select(r => r.Exception).OfType<Exception>().ToImmutableArray();

    /// <summary>The text of one generated file; fails listing the generated hint names when it is missing.</summary>
    public string Generated(string hintName)
    {
        if (GeneratedSources.TryGetValue(hintName, out string? text)) return text;
        throw new AssertionException($"No generated file '{hintName}'. Generated: [{string.Join(", ", GeneratedSources.Keys)}].");
    }

    /// <summary>
    /// Runs <see cref="DifferentiableAnalyzer"/> over the input compilation. Diagnostics are sorted
    /// by file, position, then id, so tests can compare them as a list. An analyzer exception fails
    /// the test instead of turning into a diagnostic.
    /// </summary>
    public ImmutableArray<Diagnostic> AnalyzerDiagnostics()
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, Options.Provider()),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer());
        ImmutableArray<Diagnostic> diagnostics = InputCompilation
            .WithAnalyzers(analyzers, options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None)
            .GetAwaiter().GetResult();

        if (exceptions.Count > 0)
            Assert.Fail("DifferentiableAnalyzer threw:\n" + string.Join("\n\n", exceptions.Select(e => e.ToString()).Distinct()));

        return diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Location.SourceSpan.End)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>
    /// Fails when the generator threw or reported an error, or when the output compilation has
    /// errors; the message lists them and prints every generated file with line numbers.
    /// </summary>
    public void AssertNoErrors()
    {
        var problems = new List<string>();
        problems.AddRange(GeneratorExceptions.Select(e => "generator threw: " + e));
        problems.AddRange(GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(GeneratorHarness.Format));
        problems.AddRange(CompilationErrors.Select(GeneratorHarness.Format));
        if (problems.Count > 0)
            Assert.Fail(string.Join("\n", problems) + "\n\n" + DescribeGenerated());
    }

    /// <summary>
    /// Emits the output compilation to memory and loads it into a collectible load context.
    /// Fails with the emit errors and the generated text when it does not compile.
    /// Dispose the result to unload it.
    /// </summary>
    public LoadedAssembly Load()
    {
        using var image = new MemoryStream();
        var emitted = OutputCompilation.Emit(image);
        if (!emitted.Success)
        {
            var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(GeneratorHarness.Format);
            Assert.Fail("The generated compilation does not compile:\n" + string.Join("\n", errors) + "\n\n" + DescribeGenerated());
        }
        image.Position = 0;
        return new LoadedAssembly(image);
    }

    /// <summary>Every generated file with its hint name and line numbers, for failure messages.</summary>
    public string DescribeGenerated()
    {
        if (GeneratedSources.Count == 0) return "(the generator produced no files)";
        var text = new StringBuilder();
        foreach (var (hintName, source) in GeneratedSources)
        {
            text.Append("==== ").Append(hintName).Append(" ====\n");
            string[] lines = source.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
                text.Append((i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(4)).Append(" | ").Append(lines[i]).Append('\n');
        }
        return text.ToString();
    }
}

/// <summary>
/// A compiled test input (user code plus generated companions) loaded into its own collectible
/// load context. AutoDiff.Runtime and AutoDiff.Attributes resolve to the test's own copies, so
/// their types are shared with the test.
/// </summary>
public sealed class LoadedAssembly : IDisposable
{
    private readonly AssemblyLoadContext context;

    internal LoadedAssembly(Stream image)
    {
        context = new AssemblyLoadContext("AutoDiff.Tests.Generated", isCollectible: true);
        Assembly = context.LoadFromStream(image);
    }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>A type by full name (<c>Demo.Fns</c>) or, when unambiguous, by simple name (<c>Fns</c>).</summary>
    public Type Type(string name)
    {
        Type? exact = Assembly.GetType(name);
        if (exact is not null) return exact;
        Type[] bySimpleName = Assembly.GetTypes().Where(t => t.Name == name).ToArray();
        if (bySimpleName.Length == 1) return bySimpleName[0];
        throw new AssertionException($"Type '{name}' {(bySimpleName.Length == 0 ? "not found" : "is ambiguous")}. Types: [{string.Join(", ", Assembly.GetTypes().Select(t => t.FullName))}].");
    }

    /// <summary>
    /// The method <paramref name="method"/> declared in <paramref name="type"/>, public or not;
    /// <paramref name="parameterCount"/> picks one overload when the name is overloaded.
    /// </summary>
    public MethodInfo Method(string type, string method, int? parameterCount = null)
    {
        Type declaring = Type(type);
        MethodInfo[] candidates = declaring
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == method && (parameterCount is null || m.GetParameters().Length == parameterCount))
            .ToArray();
        if (candidates.Length == 1) return candidates[0];

        string declared = string.Join("\n  ", declaring
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(m => m.ToString()));
        string arity = parameterCount is null ? "" : $" with {parameterCount} parameters";
        throw new AssertionException($"{(candidates.Length == 0 ? "No" : "More than one")} method '{method}'{arity} in {declaring.FullName}. Declared:\n  {declared}");
    }

    /// <summary>
    /// Calls the static method <paramref name="method"/> overload with <c>args.Length</c> parameters.
    /// After the call, <c>out</c> and <c>ref</c> results are in <paramref name="args"/>. An exception
    /// thrown by the method propagates unwrapped, so <c>Assert.Throws</c> sees its real type.
    /// Span parameters cannot be passed by reflection; use <see cref="Delegate{TDelegate}"/> for those.
    /// </summary>
    public object? Invoke(string type, string method, object?[] args)
    {
        MethodInfo target = Method(type, method, args.Length);
        if (!target.IsStatic) Assert.Fail($"{target} is not static.");
        return target.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
    }

    /// <summary>
    /// The static method as a typed delegate, picking the overload whose parameter count matches
    /// <typeparamref name="TDelegate"/>. Declare a delegate type with <c>Span&lt;T&gt;</c>, <c>ref</c>
    /// or <c>out</c> parameters to call companions that reflection cannot.
    /// </summary>
    public TDelegate Delegate<TDelegate>(string type, string method) where TDelegate : Delegate
    {
        int parameterCount = typeof(TDelegate).GetMethod("Invoke")!.GetParameters().Length;
        MethodInfo target = Method(type, method, parameterCount);
        if (!target.IsStatic) Assert.Fail($"{target} is not static.");
        return target.CreateDelegate<TDelegate>();
    }

    /// <summary>Unloads the load context; the assembly is collected once nothing refers to it.</summary>
    public void Dispose() => context.Unload();
}

/// <summary>
/// The MSBuild properties the generator reads (DEVELOPERS.md, "Pipeline"), as a test sets them: <c>AutoDiffVerifyIr</c>
/// (on in every test), <c>AutoDiffOptimize</c> and <c>AutoDiffDisabledPasses</c>.
/// </summary>
public sealed record HarnessOptions(bool VerifyIr = true, bool Optimize = true, string? DisabledPasses = null)
{
    public static HarnessOptions Default { get; } = new();

    /// <summary>Every optimisation pass off.</summary>
    public static HarnessOptions Unoptimized { get; } = new(Optimize: false);

    public AnalyzerConfigOptionsProvider Provider()
    {
        var values = new Dictionary<string, string>
        {
            ["build_property.AutoDiffVerifyIr"] = VerifyIr ? "true" : "false",
            ["build_property.AutoDiffOptimize"] = Optimize ? "true" : "false",
        };
        if (DisabledPasses != null) values["build_property.AutoDiffDisabledPasses"] = DisabledPasses;
        return new GlobalOptionsProvider(values);
    }

    private sealed class GlobalOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private readonly Options global;

        public GlobalOptionsProvider(Dictionary<string, string> values) => global = new Options(values);

        public override AnalyzerConfigOptions GlobalOptions => global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;
    }

    private sealed class Options : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        private readonly Dictionary<string, string> values;

        public Options(Dictionary<string, string> values) => this.values = values;

        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}

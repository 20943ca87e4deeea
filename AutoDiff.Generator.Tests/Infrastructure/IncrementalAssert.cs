using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>Two runs of one driver: before and after an edit of the compilation.</summary>
public sealed record IncrementalRuns(GeneratorDriverRunResult First, GeneratorDriverRunResult Second);

/// <summary>
/// Assertions about the generator's incremental caching: after an edit that does not touch a
/// differentiable method, the tracked steps must reuse their previous outputs, and no step output
/// may hold a compiler object (which would keep whole compilations alive and defeat caching).
/// </summary>
public static class IncrementalAssert
{
    /// <summary>A file unrelated to any differentiable method, for edits that must not invalidate the cache.</summary>
    public const string UnrelatedSource =
        "namespace Unrelated\n{\n    internal static class Edited\n    {\n        public const int Value = 1;\n    }\n}\n";

    /// <summary>The step-name prefix of this generator's tracked steps (<see cref="TrackingNames"/>).</summary>
    public const string StepPrefix = "AutoDiff.";

    /// <summary>
    /// Runs one driver over <paramref name="compilation"/>, then again over <c>edit(compilation)</c>,
    /// so the second run sees the first run's cache.
    /// </summary>
    public static IncrementalRuns RunTwice(CSharpCompilation compilation, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorDriverRunResult first = driver.GetRunResult();
        GeneratorDriverRunResult second = driver.RunGenerators(edit(compilation)).GetRunResult();
        return new IncrementalRuns(first, second);
    }

    /// <summary><see cref="RunTwice"/> where the edit adds <see cref="UnrelatedSource"/> as a new file.</summary>
    public static IncrementalRuns RunTwiceAddingUnrelatedFile(CSharpCompilation compilation) =>
        RunTwice(compilation, c => c.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText(UnrelatedSource, GeneratorHarness.ParseOptions, path: "Unrelated.cs")));

    /// <summary>
    /// <paramref name="compilation"/> with the file at <paramref name="path"/> (e.g. <c>Input1.cs</c>)
    /// replaced by <paramref name="source"/>.
    /// </summary>
    public static CSharpCompilation ReplaceFile(CSharpCompilation compilation, string path, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path)
            ?? throw new AssertionException($"No file '{path}' in the compilation. Files: [{string.Join(", ", compilation.SyntaxTrees.Select(t => t.FilePath))}].");
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: path));
    }

    /// <summary>
    /// The tracked steps of <paramref name="result"/> under each of <paramref name="trackingNames"/>.
    /// Fails when a name was not tracked: the generator lost a <c>WithTrackingName</c>, or never ran that step.
    /// </summary>
    public static IReadOnlyDictionary<string, ImmutableArray<IncrementalGeneratorRunStep>> Steps(GeneratorDriverRunResult result, params string[] trackingNames)
    {
        var all = TrackedSteps(result);
        var steps = new Dictionary<string, ImmutableArray<IncrementalGeneratorRunStep>>(StringComparer.Ordinal);
        foreach (string name in trackingNames)
        {
            if (!all.TryGetValue(name, out var named) || named.IsEmpty)
                Assert.Fail($"No incremental step named '{name}' was tracked. Tracked: [{string.Join(", ", all.Keys.Order(StringComparer.Ordinal))}].");
            steps[name] = named;
        }
        return steps;
    }

    /// <summary>
    /// Asserts that every output of the named steps in <paramref name="result"/> is
    /// <see cref="IncrementalStepRunReason.Cached"/> or <see cref="IncrementalStepRunReason.Unchanged"/>.
    /// Use it on the second run of <see cref="RunTwice"/>. Fails when the steps have no outputs at all,
    /// since that would pass without checking anything.
    /// </summary>
    public static void OutputsCachedOrUnchanged(GeneratorDriverRunResult result, params string[] trackingNames)
    {
        var problems = new List<string>();
        int outputs = 0;
        foreach (var (name, steps) in Steps(result, trackingNames))
        {
            for (int s = 0; s < steps.Length; s++)
            {
                for (int o = 0; o < steps[s].Outputs.Length; o++)
                {
                    outputs++;
                    var (value, reason) = steps[s].Outputs[o];
                    if (reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                        problems.Add($"{name}[{s}].Outputs[{o}] is {reason}: {value}");
                }
            }
        }

        if (outputs == 0)
            Assert.Fail($"The steps [{string.Join(", ", trackingNames)}] produced no outputs; nothing was checked.");
        if (problems.Count > 0)
            Assert.Fail("Steps recomputed after an unrelated edit (is a model not equatable, or does a step read the Compilation?):\n" + string.Join("\n", problems));
    }

    /// <summary>
    /// Asserts that no output of any tracked step whose name starts with <see cref="StepPrefix"/>
    /// holds, at any depth, a <see cref="Compilation"/>, <see cref="ISymbol"/>, <see cref="SyntaxNode"/>,
    /// <see cref="SemanticModel"/> or <see cref="Location"/> (or a syntax tree, attribute data or
    /// operation, which pin the same objects). Fails when no such step was tracked.
    /// </summary>
    public static void NoCompilerObjectsInSteps(GeneratorDriverRunResult result)
    {
        var own = TrackedSteps(result)
            .Where(pair => pair.Key.StartsWith(StepPrefix, StringComparison.Ordinal))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();
        if (own.Count == 0)
            Assert.Fail($"No incremental step named '{StepPrefix}*' was tracked; nothing was checked. Tracked: [{string.Join(", ", TrackedSteps(result).Keys)}].");

        var walk = new CompilerObjectSearch();
        foreach (var (name, steps) in own)
            for (int s = 0; s < steps.Length; s++)
                for (int o = 0; o < steps[s].Outputs.Length; o++)
                    walk.Visit(steps[s].Outputs[o].Value, $"{name}[{s}].Outputs[{o}]", depth: 0);

        if (walk.Findings.Count > 0)
            Assert.Fail("Step outputs hold compiler objects; the model must be built from strings, records and EquatableArray:\n" + string.Join("\n", walk.Findings));
    }

    private static Dictionary<string, ImmutableArray<IncrementalGeneratorRunStep>> TrackedSteps(GeneratorDriverRunResult result)
    {
        var merged = new Dictionary<string, ImmutableArray<IncrementalGeneratorRunStep>>(StringComparer.Ordinal);
        foreach (GeneratorRunResult run in result.Results)
            foreach (var (name, steps) in run.TrackedSteps)
                merged[name] = merged.TryGetValue(name, out var earlier) ? earlier.AddRange(steps) : steps;
        return merged;
    }

    /// <summary>A reflection walk over an object graph that records paths to compiler objects.</summary>
    private sealed class CompilerObjectSearch
    {
        // Deep enough for nested IR regions; a graph deeper than this is reported rather than
        // silently cut off, because a cut-off walk could miss a symbol.
        private const int MaxDepth = 256;

        // One misplaced symbol is usually reachable along many paths; the first few locate it.
        private const int MaxFindings = 50;

        private static readonly Type[] Forbidden =
        {
            typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(SemanticModel), typeof(Location),
            typeof(SyntaxTree), typeof(AttributeData), typeof(IOperation),
        };

        private static readonly Regex BackingField = new("^<(.+)>k__BackingField$", RegexOptions.Compiled);

        private readonly HashSet<object> visited = new(ReferenceEqualityComparer.Instance);

        public List<string> Findings { get; } = new();

        public void Visit(object? value, string path, int depth)
        {
            if (value is null || Findings.Count >= MaxFindings) return;
            Type type = value.GetType();

            Type? forbidden = Forbidden.FirstOrDefault(f => f.IsAssignableFrom(type));
            if (forbidden is not null)
            {
                Findings.Add($"{path}: {type.FullName} is a {forbidden.Name}");
                return;
            }
            if (IsLeaf(type)) return;
            // Boxed value types are fresh copies on every read and cannot form cycles on their own.
            if (!type.IsValueType && !visited.Add(value)) return;
            if (depth > MaxDepth)
            {
                Findings.Add($"{path}: nested deeper than {MaxDepth} levels; raise MaxDepth if the model really is this deep");
                return;
            }

            if (value is Array array)
            {
                if (IsLeaf(type.GetElementType()!)) return;
                int i = 0;
                foreach (object? element in array) Visit(element, $"{path}[{i++}]", depth + 1);
                return;
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
            {
                // Enumerating a default ImmutableArray throws; it holds nothing.
                if ((bool)type.GetProperty(nameof(ImmutableArray<int>.IsDefault))!.GetValue(value)!) return;
                VisitElements((IEnumerable)value, path, depth);
                return;
            }

            // Collections of the base library are materialized and safe to enumerate, which gives
            // readable paths. Anything else (a lazy query, a model type) is walked by its fields,
            // since enumerating it could run code.
            if (value is IEnumerable sequence && type.Namespace?.StartsWith("System.Collections", StringComparison.Ordinal) == true)
            {
                VisitElements(sequence, path, depth);
                return;
            }

            // Fields hold all the state of records, tuples, EquatableArray and other structs;
            // properties may compute, allocate or throw, so they are not read.
            for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike) continue;
                    Visit(field.GetValue(value), $"{path}.{MemberName(field)}", depth + 1);
                }
            }
        }

        private void VisitElements(IEnumerable sequence, string path, int depth)
        {
            int i = 0;
            foreach (object? element in sequence) Visit(element, $"{path}[{i++}]", depth + 1);
        }

        private static bool IsLeaf(Type type) =>
            type.IsPrimitive || type.IsEnum || type.IsPointer ||
            type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime) ||
            type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid) ||
            typeof(MemberInfo).IsAssignableFrom(type);

        private static string MemberName(FieldInfo field)
        {
            Match backing = BackingField.Match(field.Name);
            return backing.Success ? backing.Groups[1].Value : field.Name;
        }
    }
}

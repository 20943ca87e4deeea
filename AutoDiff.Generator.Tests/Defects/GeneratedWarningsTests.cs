using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Tests.Fuzzing;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Defects;

/// <summary>
/// Generated code raises no warning at all, so a user who builds with <c>TreatWarningsAsErrors</c> still builds:
/// no local assigned and never read (CS0219), no unreachable statement (CS0162), no comparison or assignment of a
/// variable to itself (CS1718, CS1717), nothing from a later warning wave. Checked at the default warning level
/// and at 9999 (every wave, what <c>&lt;AnalysisLevel&gt;latest</c> may turn on), over the fixtures in
/// <c>Numeric/</c>, inputs chosen to provoke each of those warnings, and random programs of the fuzzers.
/// The test project also builds with warnings as errors, which checks the fixtures once more as a user's build would.
/// </summary>
public sealed class GeneratedWarningsTests
{
    /// <summary>The default level and every warning wave; a higher level only adds warnings, so the costly inputs run at the highest.</summary>
    private static readonly int[] WarningLevels = { 4, AllWaves };
    private const int AllWaves = 9999;

    [Test]
    public void Numeric_fixtures_generate_code_without_warnings()
    {
        var (_, warnings) = WarningsInGenerated(FixtureSources(), AllWaves);
        Assert.That(warnings, Is.Empty);
    }

    [TestCaseSource(nameof(WarningLevels))]
    public void Tricky_inputs_generate_code_without_warnings(int warningLevel)
    {
        // The inputs themselves raise warnings (a comparison with itself, unreachable code): only generated files count.
        var (run, warnings) = WarningsInGenerated(new[] { TrickyInputs }, warningLevel);
        Assert.That(warnings, Is.Empty);
        int methods = TrickyInputs.Split("[Differentiable").Length - 1;
        Assert.That(run.GeneratedSources, Has.Count.EqualTo(methods), "every input method gets its companions");
    }

    [Test]
    public void Random_programs_generate_code_without_warnings()
    {
        int Scalar = Infrastructure.TestScale.Pick(50, 150);
        const int Arrays = 50, Batch = 50;
        var programs = Enumerable.Range(0, Scalar).Select(i => ProgramGenerator.Generate(FuzzTests.Seed, i, FuzzTests.Grammar))
            .Concat(Enumerable.Range(0, Arrays).Select(i => ArrayProgramGenerator.Generate(FuzzTests.Seed, i, FuzzTests.Grammar)))
            .ToList();
        var sources = programs.Select((p, i) => (p, i))
            .GroupBy(x => x.i / Batch)
            .Select(g => ProgramGenerator.File("Batch" + g.Key, g.Select(x => x.p.Source + x.p.Harness)))
            .ToArray();
        var warnings = sources.Select(source => WarningsInGenerated(new[] { source }, AllWaves).Warnings).Where(w => w.Length > 0).ToList();
        Assert.That(warnings, Is.Empty);
    }

    /// <summary>
    /// Every C# file of the compile-and-run fixtures, read from the source tree: <c>Numeric/</c> and the files the
    /// project links in (<c>&lt;Compile Include="…" Link="Numeric\…"&gt;</c>), except the tests that drive the harness.
    /// </summary>
    private static string[] FixtureSources([CallerFilePath] string thisFile = "")
    {
        string project = Path.GetDirectoryName(Path.GetDirectoryName(thisFile)!)!;
        var linked = System.Xml.Linq.XDocument.Load(Path.Combine(project, "AutoDiff.Generator.Tests.csproj"))
            .Descendants("Compile")
            .Where(c => ((string?)c.Attribute("Link") ?? "").StartsWith("Numeric", StringComparison.Ordinal))
            .Select(c => Path.Combine(project, ((string)c.Attribute("Include")!).Replace('\\', Path.DirectorySeparatorChar)));
        var files = Directory.GetFiles(Path.Combine(project, "Numeric"), "*.cs")
            .Concat(linked)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Where(text => !text.Contains("AutoDiff.Generator.Tests.Infrastructure", StringComparison.Ordinal))
            .ToArray();
        Assert.That(files.Count(f => f.Contains("[Differentiable", StringComparison.Ordinal)), Is.GreaterThan(10), "fixture files not found beside " + thisFile);
        return files;
    }

    /// <summary>
    /// Runs the generator over <paramref name="sources"/> (which, with what is generated, must compile) and describes
    /// every warning located in a generated file, with the first generated files that have one; empty when there is none.
    /// </summary>
    private static (GeneratorRun Run, string Warnings) WarningsInGenerated(string[] sources, int warningLevel)
    {
        var compilation = GeneratorHarness.Compile(sources);
        compilation = compilation.WithOptions(compilation.Options.WithWarningLevel(warningLevel));
        var run = GeneratorHarness.Run(compilation);
        Assert.That(run.GeneratorExceptions, Is.Empty);
        Assert.That(run.GeneratedSources, Is.Not.Empty);
        // Warnings are only meaningful for code that binds: the input plus what was generated compiles.
        run.AssertNoErrors();

        var generated = new HashSet<SyntaxTree>(run.OutputCompilation.SyntaxTrees.Except(compilation.SyntaxTrees));
        var inGenerated = run.OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree))
            .ToList();
        if (inGenerated.Count == 0) return (run, "");

        var byTree = inGenerated.GroupBy(d => d.Location.SourceTree!).Take(3).ToList();
        return (run, $"{inGenerated.Count} diagnostics in {inGenerated.Select(d => d.Location.SourceTree).Distinct().Count()} generated files "
            + $"at warning level {warningLevel} ({string.Join(", ", inGenerated.Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal))}):\n"
            + string.Join("\n", inGenerated.Take(40).Select(GeneratorHarness.Format)) + "\n\n"
            + string.Join("\n", byTree.Select(g => "==== " + Path.GetFileName(g.Key.FilePath) + " ====\n" + Numbered(g.Key.ToString()))));
    }

    private static string Numbered(string text) =>
        string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select((line, i) => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4) + " | " + line));

    /// <summary>
    /// Shapes that produced warnings in generated code: a flag of an early return nothing reads after it, conditions
    /// and loops constant at compile time, a comparison or assignment of a value with itself, locals and parameters
    /// nothing reads, loops that never run, and returns nested in branches and loops.
    /// </summary>
    private const string TrickyInputs = """
        using System;
        using AutoDiff;

        namespace Demo
        {
            public static partial class Tricky
            {
                [Differentiable]
                public static double WhileTrueWithBreak(double x, int n)
                {
                    int i = 0;
                    while (true)
                    {
                        x = Math.Sin(x) + 0.5 * x;
                        i++;
                        if (i >= n) break;
                    }
                    return x;
                }

                [Differentiable]
                public static double ForWithoutCondition(double x)
                {
                    for (int i = 0; ; i++)
                    {
                        x = x * 0.5;
                        if (x < 1 || i > 50) break;
                    }
                    return x;
                }

                [Differentiable]
                public static double LoopThatNeverRuns(double x)
                {
                    for (int i = 0; i < 0; i++) x = x * x;
                    while (false) x = x + 1;
                    return x * 3;
                }

                [Differentiable]
                public static double ConstantConditions(double x)
                {
                    const bool Debug = false;
                    double r = x;
                    if (Debug) r = r * r;
                    if (true) r = r + x;
                    if (1 > 2) return 0;
                    if (!Debug) r = r * 2;
                    return r;
                }

                [Differentiable]
                public static double ComparesWithItself(double x, int k)
                {
                    double r = x;
                    if (x == x) r = r * x;
                    if (x != x) r = 0;
                    if (k == k) r = r + 1;
                    if (x < x || x >= x) r = r * 2;
                    bool same = x <= x;
                    return same ? r : -r;
                }

                [Differentiable]
                public static double AssignsToItself(double x)
                {
                    double y = x * 2;
                    y = y;
                    x = x;
                    double z = y;
                    z = z * 1;
                    return y * x + z;
                }

                [Differentiable]
                public static double BoolReassignedThroughLogic(double x, double y)
                {
                    bool b = x > y;
                    b = b || false;
                    b = b && true;
                    b = b ? true : false;
                    bool c = x > 0;
                    c = c ? false : true;
                    c = !c;
                    return b && c ? x * y : x;
                }

                [Differentiable]
                public static double ConstantArithmeticInConditions(double x, int n)
                {
                    const int Two = 2;
                    int k = 1 + 1;
                    if (k % Two == 0) x = x * 2;
                    if ((3 + n) * 0 > 1) x = -x;
                    double r = (double)(Two * 3) > 5.5 ? x : 0;
                    return r + Scaled(x, 1) + Scaled(x, 2);
                }

                [Differentiable(Inline = true)]
                public static double Scaled(double x, int mode)
                {
                    if (mode % 2 == 0) return x * x;
                    return x;
                }

                [Differentiable]
                public static double UnusedLocals(double x, double y)
                {
                    double unused = x * 2;
                    double alsoUnused = Math.Exp(y);
                    int count = 3;
                    bool flag = x > 0;
                    double r = x * x;
                    unused = r;
                    return r;
                }

                [Differentiable]
                public static double UnusedParameter(double x, double y, int n) => x * x;

                [Differentiable]
                public static double ConstantResult(double x) => 3.0;

                [Differentiable]
                public static double NestedReturns(double x, int n)
                {
                    if (x > 0)
                    {
                        if (x > 1) return x * x;
                        else return Math.Sqrt(x);
                    }
                    else
                    {
                        for (int i = 0; i < n; i++)
                        {
                            x = x * 0.9;
                            if (x > -0.1) return x;
                            if (i > 3) { if (x < -5) return -x; else break; }
                        }
                    }
                    return x * 2;
                }

                [Differentiable]
                public static double ReturnInEveryBranchOfALoop(double x, int n)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (x > 0) return x * i;
                        else return -x;
                    }
                    return x;
                }

                [Differentiable]
                public static double ReturnInWhileTrue(double x)
                {
                    while (true)
                    {
                        x = x * 0.5;
                        if (x < 1) return x * x;
                    }
                }

                [Differentiable]
                public static double SwitchReturns(double x, int k)
                {
                    switch (k)
                    {
                        case 0: return x;
                        case 1: return x * x;
                        default: return Math.Sin(x);
                    }
                }

                [Differentiable]
                public static double ContinueAndBreak(double x, int n)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++)
                    {
                        if (i % 2 == 0) continue;
                        if (i > 4) break;
                        s += x * i;
                    }
                    return s;
                }

                [Differentiable]
                public static double DoWhileOnce(double x)
                {
                    do { x = x * x; } while (false);
                    return x;
                }

                [Differentiable]
                public static double EarlyReturnFlagAfterLoop(double x, int n)
                {
                    double s = x;
                    for (int i = 0; i < n; i++)
                    {
                        if (s > 10) return s;
                        s = s * 1.5;
                    }
                    return s + 1;
                }

                [Differentiable(SecondOrder = true)]
                public static double SelfComparisonOverSpan(ReadOnlySpan<double> x)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] == x[i]) s += x[i] * x[i];
                        if (i == i) s += 0;
                    }
                    return s;
                }

                [Differentiable]
                public static float SinglePrecisionUnused(float x, float y)
                {
                    float unused = y * 2;
                    if (x == x) return x * x;
                    return 0;
                }

                [Differentiable]
                public static double IntegerArithmeticOnly(double x, int n)
                {
                    int a = n * 2;
                    int b = a;
                    b = b;
                    return x * b;
                }
            }
        }
        """;
}

using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// Properties of the pipeline as a whole rather than of one derivative: incremental caching,
/// a model free of compiler objects, and deterministic output.
/// </summary>
public class GeneratorPipelineTests
{
    // Literals whose text depends on culture and precision (a decimal comma in fi-FI, Arabic
    // separators and signs in ar-SA, 1e-300 needing round-trip formatting, a float suffix) and a
    // reassigned local, which the SSA lowering renames.
    private const string Sample = """
        using System;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable]
                public static double Poly(double x, double y)
                {
                    var t = 1.5 * x * x + 0.1 * y;
                    t *= Math.Sin(y) + 1e-300;
                    return t / 2.5;
                }
                [Differentiable]
                public static float Small(float a) => 2.5f * a * a;
            }
        }
        """;

    [Test]
    public void SampleCompilesWithoutTheGenerator()
    {
        // Every other test here is meaningless if the input itself is broken.
        var errors = GeneratorHarness.Compile(Sample).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(GeneratorHarness.Format);

        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void ModelAndEmittedStepsAreCachedAfterAnUnrelatedFileIsEdited()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Sample, IncrementalAssert.UnrelatedSource);

        IncrementalRuns runs = IncrementalAssert.RunTwice(compilation, c => IncrementalAssert.ReplaceFile(
            c, "Input1.cs", IncrementalAssert.UnrelatedSource.Replace("Value = 1", "Value = 2")));

        Assert.That(Generated(runs.First), Is.Not.Empty, "the generator produced nothing for the sample");
        IncrementalAssert.OutputsCachedOrUnchanged(runs.Second, TrackingNames.Model, TrackingNames.Emitted);
        Assert.That(Generated(runs.Second), Is.EqualTo(Generated(runs.First)));
    }

    /// <summary>
    /// A vector-valued callee's body is differentiated as part of its caller: editing the callee, in another file,
    /// must regenerate the caller, not leave it differentiating the old body.
    /// </summary>
    [Test]
    public void CallerOfAVectorMethodIsRegeneratedWhenTheCalleeIsEdited()
    {
        const string callee = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Field
                {
                    [Differentiable]
                    public static void Rate(ReadOnlySpan<double> u, Span<double> dudt) { dudt[0] = 2 * u[0]; }
                }
            }
            """;
        const string caller = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Model
                {
                    [Differentiable]
                    public static double Step(double[] u)
                    {
                        Span<double> k = stackalloc double[1];
                        Field.Rate(u, k);
                        return k[0];
                    }
                }
            }
            """;
        CSharpCompilation compilation = GeneratorHarness.Compile(callee, caller);

        IncrementalRuns runs = IncrementalAssert.RunTwice(compilation, c => IncrementalAssert.ReplaceFile(
            c, "Input0.cs", callee.Replace("2 * u[0]", "7 * u[0]")));

        string Step(GeneratorDriverRunResult result) => Generated(result).Single(kv => kv.Key.Contains("Model.Step")).Value;
        Assert.That(Step(runs.First), Does.Contain("2.0"));
        Assert.That(Step(runs.Second), Does.Contain("7.0").And.Not.Contain("2.0"), Step(runs.Second));
    }

    [Test]
    public void ModelAndEmittedStepsAreCachedAfterAnUnrelatedFileIsAdded()
    {
        IncrementalRuns runs = IncrementalAssert.RunTwiceAddingUnrelatedFile(GeneratorHarness.Compile(Sample));

        Assert.That(Generated(runs.First), Is.Not.Empty, "the generator produced nothing for the sample");
        IncrementalAssert.OutputsCachedOrUnchanged(runs.Second, TrackingNames.Model, TrackingNames.Emitted);
    }

    [Test]
    public void StepOutputsHoldNoCompilerObjects()
    {
        IncrementalRuns runs = IncrementalAssert.RunTwiceAddingUnrelatedFile(GeneratorHarness.Compile(Sample));

        Assert.That(Generated(runs.First), Is.Not.Empty, "the generator produced nothing for the sample");
        IncrementalAssert.NoCompilerObjectsInSteps(runs.First);
        IncrementalAssert.NoCompilerObjectsInSteps(runs.Second);
    }

    [TestCase("fi-FI")]
    [TestCase("ar-SA")]
    [NonParallelizable] // sets the process-wide default culture
    public void OutputIsIdenticalUnderEveryCulture(string cultureName)
    {
        var culture = CultureInfo.GetCultureInfo(cultureName);
        // Failing rather than skipping: a machine without ICU would otherwise pass without checking anything.
        Assert.That(culture.NumberFormat.NumberDecimalSeparator != "." || culture.NumberFormat.NegativeSign != "-",
            $"{cultureName} formats numbers like the invariant culture on this machine (is ICU missing?)");

        IReadOnlyDictionary<string, string> invariant = GenerateUnder(CultureInfo.InvariantCulture);
        IReadOnlyDictionary<string, string> localized = GenerateUnder(culture);

        Assert.That(invariant, Is.Not.Empty, "the generator produced nothing for the sample");
        Assert.That(localized.Keys, Is.EqualTo(invariant.Keys));
        foreach (var (hintName, text) in invariant)
            Assert.That(localized[hintName], Is.EqualTo(text),
                $"{hintName} differs under {cultureName}:\n{Snapshot.Diff(text, localized[hintName])}");
    }

    [Test]
    public void RunningTwiceOnTheSameCompilationGivesIdenticalOutput()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Sample);

        GeneratorRun first = GeneratorHarness.Run(compilation);
        GeneratorRun second = GeneratorHarness.Run(compilation);

        Assert.That(first.GeneratedSources, Is.Not.Empty, "the generator produced nothing for the sample");
        Assert.That(second.GeneratedSources, Is.EqualTo(first.GeneratedSources));
    }

    private static IReadOnlyDictionary<string, string> GenerateUnder(CultureInfo culture)
    {
        CultureInfo current = CultureInfo.CurrentCulture, currentUi = CultureInfo.CurrentUICulture;
        CultureInfo? defaultCulture = CultureInfo.DefaultThreadCurrentCulture, defaultUi = CultureInfo.DefaultThreadCurrentUICulture;
        try
        {
            // The compiler may run generators on pool threads, which take the default culture.
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = culture;
            return GeneratorHarness.Run(Sample).GeneratedSources;
        }
        finally
        {
            CultureInfo.CurrentCulture = current;
            CultureInfo.CurrentUICulture = currentUi;
            CultureInfo.DefaultThreadCurrentCulture = defaultCulture;
            CultureInfo.DefaultThreadCurrentUICulture = defaultUi;
        }
    }

    private static List<KeyValuePair<string, string>> Generated(GeneratorDriverRunResult result) =>
        result.Results
            .SelectMany(r => r.GeneratedSources)
            .Select(s => KeyValuePair.Create(s.HintName, s.SourceText.ToString()))
            .OrderBy(pair => pair.Key, System.StringComparer.Ordinal)
            .ToList();
}

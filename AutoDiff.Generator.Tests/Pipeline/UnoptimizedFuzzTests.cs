using System;
using System.Globalization;
using System.Linq;
using AutoDiff.Generator.Tests.Fuzzing;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Pipelines;

/// <summary>
/// The two differential fuzzers with every optimisation pass off (<c>AutoDiffOptimize=false</c>): plain forward and reverse
/// mode must pass the same oracle (finite differences, forward against reverse, Vjp accumulation, primal values) as the
/// optimised code. A batch of each family, the first programs of the CI seed; <c>AUTODIFF_FUZZ_UNOPTIMIZED_PROGRAMS</c>
/// and <c>AUTODIFF_FUZZ_UNOPTIMIZED_ARRAY_PROGRAMS</c> set how many.
/// </summary>
public sealed class UnoptimizedFuzzTests
{
    public const int DefaultPrograms = 100;
    public const int DefaultArrayPrograms = 50;

    [Test]
    public void Random_programs_have_correct_derivatives_with_optimizations_off()
    {
        int seed = FuzzTests.Seed;
        var programs = Enumerable.Range(0, Count("AUTODIFF_FUZZ_UNOPTIMIZED_PROGRAMS", DefaultPrograms)).Select(i => ProgramGenerator.Generate(seed, i, FuzzTests.Grammar)).ToList();
        FuzzTests.Run(programs, "Plain", p => FuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_ONLY", HarnessOptions.Unoptimized);
    }

    [Test]
    public void Random_array_programs_have_correct_derivatives_with_optimizations_off()
    {
        int seed = FuzzTests.Seed;
        var programs = Enumerable.Range(0, Count("AUTODIFF_FUZZ_UNOPTIMIZED_ARRAY_PROGRAMS", DefaultArrayPrograms)).Select(i => ArrayProgramGenerator.Generate(seed, i, FuzzTests.Grammar)).ToList();
        FuzzTests.Run(programs, "PlainArray", p => ArrayFuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_ARRAY_ONLY", HarnessOptions.Unoptimized);
    }

    private static int Count(string variable, int fallback)
    {
        string? text = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(text) ? fallback : int.Parse(text, CultureInfo.InvariantCulture);
    }
}

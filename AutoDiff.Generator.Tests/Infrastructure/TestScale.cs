using System;

namespace AutoDiff.Generator.Tests.Infrastructure;

/// <summary>
/// How much the randomized tests (the fuzzers, the mutation run) do. A plain <c>dotnet test</c> runs a small
/// sample of each, so the suite stays within a few minutes for a contributor; CI sets
/// <c>AUTODIFF_FULL_TESTS=1</c> (<c>.ci/run</c> does) for the full counts. A test's own variable
/// (<c>AUTODIFF_FUZZ_PROGRAMS</c>, <c>AUTODIFF_MUTATION_COUNT</c>, …) wins over both.
/// </summary>
public static class TestScale
{
    public const string Variable = "AUTODIFF_FULL_TESTS";

    public static bool Full => Environment.GetEnvironmentVariable(Variable) is "1" or "true" or "True";

    /// <summary><paramref name="quick"/> in a plain run, <paramref name="full"/> when <see cref="Full"/>.</summary>
    public static int Pick(int quick, int full) => Full ? full : quick;
}

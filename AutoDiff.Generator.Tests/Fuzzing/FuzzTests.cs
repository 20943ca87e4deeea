using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// Differential fuzzing: random well-typed <c>[Differentiable]</c> methods with branches, loops,
/// switches and early exits (<see cref="ProgramGenerator"/>), each checked at random points: the
/// gradient against central finite differences, forward mode (Jvp) against reverse mode, Vjp
/// accumulation, and every companion's primal value (<see cref="FuzzRunner"/>).
/// <para>
/// Environment: <c>AUTODIFF_FUZZ_PROGRAMS</c> sets the number of programs (default 500 with
/// <c>AUTODIFF_FULL_TESTS=1</c>, as in CI, else 100: <see cref="Infrastructure.TestScale"/>),
/// <c>AUTODIFF_FUZZ_SEED</c> the seed (default 20261122), <c>AUTODIFF_FUZZ_ONLY</c>
/// (comma-separated program indices) reruns single programs of a run, <c>AUTODIFF_FUZZ_THREADS</c>
/// sets the number of batches compiled at once, <c>AUTODIFF_FUZZ_MAX_N</c> raises the largest
/// <c>n</c> (6) to stress long loops, and <c>AUTODIFF_FUZZ_DEBUG</c> prints per-batch timings.
/// The array family (<see cref="ArrayProgramGenerator"/>) has <c>AUTODIFF_FUZZ_ARRAY_PROGRAMS</c>
/// (default 150 in CI, else 50) and <c>AUTODIFF_FUZZ_ARRAY_ONLY</c>; reduce one of its programs with
/// <c>AUTODIFF_FUZZ_REDUCE_ARRAY=1</c> as well.
/// </para>
/// <para>
/// A failing program is shrunk with the explicit test <see cref="FuzzReducerTests.Reduce_failing_program"/>
/// (<c>AUTODIFF_FUZZ_REDUCE=&lt;index&gt;</c>, same seed), or from a file with
/// <see cref="FuzzReducerTests.Reduce_program_file"/> (<c>AUTODIFF_FUZZ_FILE</c>, <c>AUTODIFF_FUZZ_POINT="x0,x1;n"</c>).
/// </para>
/// </summary>
public sealed class FuzzTests
{
    public const int DefaultSeed = 20261122;
    public const int DefaultPrograms = 500;
    /// <summary>The number of programs of a plain <c>dotnet test</c> (<see cref="DefaultPrograms"/> in CI).</summary>
    public const int QuickPrograms = 100;
    public const int BatchSize = 50;
    /// <summary>More skipped points than this fraction fails the run: the grammar would then test too little.</summary>
    public const double MaxSkipRate = 0.2;

    /// <summary>
    /// The grammar of the CI run: everything. A feature the generator gets wrong can be switched off
    /// here with <c>FuzzGrammar.Full with { … = false }</c>, naming the bug it hides, until it is fixed.
    /// </summary>
    public static FuzzGrammar Grammar { get; } = FuzzGrammar.Full;

    public static int Seed => EnvInt("AUTODIFF_FUZZ_SEED") ?? DefaultSeed;
    public static int ProgramCount => EnvInt("AUTODIFF_FUZZ_PROGRAMS") ?? Infrastructure.TestScale.Pick(QuickPrograms, DefaultPrograms);

    [Test]
    public void Program_generator_is_deterministic()
    {
        for (int i = 0; i < 20; i++)
        {
            string first = ProgramGenerator.Generate(Seed, i, Grammar).Source;
            string second = ProgramGenerator.Generate(Seed, i, Grammar).Source;
            Assert.That(second, Is.EqualTo(first));
        }
        Assert.That(ProgramGenerator.Generate(Seed, 0, Grammar).Source, Is.Not.EqualTo(ProgramGenerator.Generate(Seed, 1, Grammar).Source));
    }

    /// <summary>The fuzzers call a plain helper with effects (issue 13, item 5) in loops and branches, and the rest of the programs are as before.</summary>
    [Test]
    public void Programs_call_a_plain_helper_in_loops_and_branches()
    {
        var scalar = Enumerable.Range(0, 90).Select(i => ProgramGenerator.Generate(Seed, i, Grammar).Source).ToList();
        var array = Enumerable.Range(0, 90).Select(i => ArrayProgramGenerator.Generate(Seed, i, Grammar).Source).ToList();
        foreach (var (family, sources) in new[] { ("scalar", scalar), ("array", array) })
        {
            var calling = sources.Where(s => s.Contains("Plain.Next(", StringComparison.Ordinal)).ToList();
            Assert.That(calling.Count, Is.GreaterThanOrEqualTo(10), family);
            Assert.That(calling.Any(s => s.Split('\n').Any(l => (l.Contains("for (", StringComparison.Ordinal) || l.Contains("while (", StringComparison.Ordinal) || l.Contains("if (", StringComparison.Ordinal)) && l.Contains("Plain.Next(", StringComparison.Ordinal))), family + ": a call in a loop or branch condition");
        }
        var without = Grammar with { IncludePlainCalls = false };
        for (int i = 0; i < 30; i++)
        {
            if (i % 3 != 1) Assert.That(ProgramGenerator.Generate(Seed, i, Grammar).Source, Is.EqualTo(ProgramGenerator.Generate(Seed, i, without).Source));
            else Assert.That(ProgramGenerator.Generate(Seed, i, without).Source, Does.Not.Contain("Plain."));
        }
    }

    /// <summary>Prints programs of the run (<c>AUTODIFF_FUZZ_PROGRAMS</c> of them, default 5) to look at the grammar.</summary>
    [Test, Explicit("prints sample programs")]
    public void Print_sample_programs()
    {
        int count = EnvInt("AUTODIFF_FUZZ_PROGRAMS") ?? 5;
        for (int i = 0; i < count; i++) TestContext.Out.WriteLine(ProgramGenerator.Generate(Seed, i, Grammar).Source);
    }

    [Test]
    public void Random_programs_have_correct_derivatives()
    {
        int seed = Seed;
        IEnumerable<int> indices = Enumerable.Range(0, ProgramCount);
        string? only = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_ONLY");
        if (!string.IsNullOrWhiteSpace(only))
            indices = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        var programs = indices.Select(i => ProgramGenerator.Generate(seed, i, Grammar)).ToList();
        Run(programs, "Batch", p => FuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_ONLY");
    }

    /// <summary>
    /// The array family (<see cref="ArrayProgramGenerator"/>): array and span parameters, computed
    /// indices, local buffers written and overwritten in place. <c>AUTODIFF_FUZZ_ARRAY_PROGRAMS</c>
    /// sets the number (default 150 in CI, else 50), <c>AUTODIFF_FUZZ_ARRAY_ONLY</c> reruns single programs.
    /// </summary>
    [Test]
    public void Random_array_programs_have_correct_derivatives()
    {
        int seed = Seed;
        IEnumerable<int> indices = Enumerable.Range(0, ArrayProgramCount);
        string? only = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_ARRAY_ONLY");
        if (!string.IsNullOrWhiteSpace(only))
            indices = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        var programs = indices.Select(i => ArrayProgramGenerator.Generate(seed, i, Grammar)).ToList();
        Run(programs, "ArrayBatch", p => ArrayFuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_ARRAY_ONLY");
    }

    [Test]
    public void Array_program_generator_is_deterministic()
    {
        for (int i = 0; i < 20; i++)
        {
            string first = ArrayProgramGenerator.Generate(Seed, i, Grammar).Source;
            string second = ArrayProgramGenerator.Generate(Seed, i, Grammar).Source;
            Assert.That(second, Is.EqualTo(first));
        }
        Assert.That(ArrayProgramGenerator.Generate(Seed, 0, Grammar).Source, Is.Not.EqualTo(ArrayProgramGenerator.Generate(Seed, 1, Grammar).Source));
    }

    /// <summary>Prints array programs of the run (<c>AUTODIFF_FUZZ_ARRAY_PROGRAMS</c> of them, default 5), adapters included.</summary>
    [Test, Explicit("prints sample programs")]
    public void Print_sample_array_programs()
    {
        int count = EnvInt("AUTODIFF_FUZZ_ARRAY_PROGRAMS") ?? 5;
        for (int i = 0; i < count; i++)
        {
            var program = ArrayProgramGenerator.Generate(Seed, i, Grammar);
            TestContext.Out.WriteLine(program.Source + program.Harness);
        }
    }

    public static int ArrayProgramCount => EnvInt("AUTODIFF_FUZZ_ARRAY_PROGRAMS") ?? Infrastructure.TestScale.Pick(QuickArrayPrograms, DefaultArrayPrograms);
    public const int DefaultArrayPrograms = 150;
    public const int QuickArrayPrograms = 50;

    internal static void Run(List<FuzzProgram> programs, string classPrefix, Func<FuzzProgram, IReadOnlyList<FuzzPoint>> points, string onlyVariable, HarnessOptions? options = null)
    {
        var clock = Stopwatch.StartNew();
        int seed = Seed;
        var failures = new ConcurrentQueue<FuzzFailure>();
        var stats = new FuzzStats();
        var batches = programs.Chunk(BatchSize).Select((batch, b) => (batch, b)).ToList();
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = EnvInt("AUTODIFF_FUZZ_THREADS") ?? Math.Max(2, Environment.ProcessorCount) }, item =>
            FuzzRunner.RunBatch(item.batch, classPrefix + item.b.ToString(CultureInfo.InvariantCulture), points, failures, stats, options: options));

        string summary =
            $"seed {seed}: {programs.Count} programs in {stats.Compilations} compilations, {stats.Programs} checked, " +
            $"{stats.Points} points, {stats.FdChecks} finite-difference checks, {stats.SkippedPoints} points skipped " +
            $"({stats.NonFinitePoints} not finite), {failures.Select(f => (f.Program.Index, f.Kind, f.Details)).Distinct().Count()} failures, {clock.Elapsed.TotalSeconds:F1} s ({stats.Timing})";
        TestContext.Out.WriteLine(summary);

        if (!failures.IsEmpty)
        {
            // A program compiled again on its own (to attribute an error) may report the same failure twice.
            var ordered = failures
                .GroupBy(f => (f.Program.Index, f.Kind, f.Details, Point: f.Point?.ToString()))
                .Select(g => g.First())
                .OrderBy(f => f.Program.Index).ThenBy(f => f.Kind, StringComparer.Ordinal).ToList();
            var report = new StringBuilder();
            report.Append(summary).Append("\n\n");
            report.Append("Failures by kind: ").Append(string.Join(", ", ordered.GroupBy(f => f.Kind).Select(g => $"{g.Key} ×{g.Count()}"))).Append('\n');
            report.Append("Programs: ").Append(string.Join(", ", ordered.Select(f => f.Program.Index).Distinct())).Append("\n");
            report.Append("Rerun one with AUTODIFF_FUZZ_SEED=").Append(seed).Append(' ').Append(onlyVariable).Append("=<index>.\n\n");
            // In full: the first failure of each kind, then the rest up to a handful.
            var shown = ordered.GroupBy(f => f.Kind).Select(g => g.First()).Concat(ordered).Distinct().Take(6).ToList();
            foreach (var failure in shown) report.Append(failure.Describe()).Append('\n');
            if (ordered.Count > shown.Count) report.Append($"... and {ordered.Count - shown.Count} more failures.\n");

            string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, classPrefix == "Batch" ? "fuzz-failures.txt" : "fuzz-failures-" + classPrefix + ".txt");
            File.WriteAllText(path, summary + "\n\n" + string.Join("\n", ordered.Select(f => f.Describe())));
            report.Append("All failures: ").Append(path).Append('\n');
            Assert.Fail(report.ToString());
        }

        Assert.That(stats.Programs, Is.EqualTo(programs.Count), "every program was checked");
        Assert.That((double)stats.SkippedPoints / Math.Max(1, stats.Points), Is.LessThanOrEqualTo(MaxSkipRate),
            $"too many points skipped: {summary}");
    }

    private static int? EnvInt(string name)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(text) ? null : int.Parse(text, CultureInfo.InvariantCulture);
    }
}

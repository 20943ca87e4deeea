using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>
/// The value-type family (<see cref="StructProgramGenerator"/>, issue 16): random structs, record structs and tuples in
/// random <c>[Differentiable]</c> methods, checked by the scalar oracle through adapters. <c>AUTODIFF_FUZZ_STRUCT_PROGRAMS</c>
/// sets the number (default 150 with <c>AUTODIFF_FULL_TESTS=1</c>, else 16: a batch takes about as long as 150 scalar programs), <c>AUTODIFF_FUZZ_STRUCT_ONLY</c> reruns single
/// programs; <c>AUTODIFF_FUZZ_SEED</c> as for the other families.
/// </summary>
public sealed class StructFuzzTests
{
    public const int DefaultPrograms = 150;
    public const int QuickPrograms = 16;

    public static int ProgramCount => int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_STRUCT_PROGRAMS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
        ? n : Infrastructure.TestScale.Pick(QuickPrograms, DefaultPrograms);

    [Test]
    public void Random_struct_programs_have_correct_derivatives()
    {
        int seed = FuzzTests.Seed;
        IEnumerable<int> indices = Enumerable.Range(0, ProgramCount);
        string? only = Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_STRUCT_ONLY");
        if (!string.IsNullOrWhiteSpace(only))
            indices = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        var programs = indices.Select(i => StructProgramGenerator.Generate(seed, i)).ToList();
        FuzzTests.Run(programs, "StructBatch", p => FuzzRunner.PointsFor(seed, p), "AUTODIFF_FUZZ_STRUCT_ONLY");
    }

    [Test]
    public void Struct_program_generator_is_deterministic()
    {
        for (int i = 0; i < 20; i++)
        {
            var first = StructProgramGenerator.Generate(FuzzTests.Seed, i);
            var second = StructProgramGenerator.Generate(FuzzTests.Seed, i);
            Assert.That(second.Source + second.Types + second.Harness, Is.EqualTo(first.Source + first.Types + first.Harness));
        }
        Assert.That(StructProgramGenerator.Generate(FuzzTests.Seed, 0).Source, Is.Not.EqualTo(StructProgramGenerator.Generate(FuzzTests.Seed, 1).Source));
    }

    /// <summary>The first 50 programs (of the CI run) cover every construct of the grammar.</summary>
    [Test]
    public void Struct_programs_cover_the_grammar()
    {
        var programs = Enumerable.Range(0, 50).Select(i => StructProgramGenerator.Generate(FuzzTests.Seed, i)).ToList();
        string all = string.Join("\n", programs.Select(p => p.Source + p.Types));
        foreach (string construct in new[]
        {
            "partial struct", "readonly partial struct", "partial record struct", "readonly partial record struct", "record struct", "int Tag",
            " with { ", " = default;", ".A.X *= ", ".Dot(", "H0(", "H1(", "var (", ") = (", " == ", " != ", "for (int", "< a.Tag;", "if (",
        })
            Assert.That(all, Does.Contain(construct), construct);
        // A swap of two struct locals: "(p1, p2) = (p2, p1);".
        Assert.That(programs.Any(p => System.Text.RegularExpressions.Regex.IsMatch(p.Source, @"\((p\d+), (p\d+)\) = \(\2, \1\);")), "a swap of struct locals");
    }

    /// <summary>Prints programs of the run (<c>AUTODIFF_FUZZ_STRUCT_PROGRAMS</c> of them, default 3), types and adapters included.</summary>
    [Test, Explicit("prints sample programs")]
    public void Print_sample_struct_programs()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_STRUCT_PROGRAMS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 3;
        for (int i = 0; i < count; i++) TestContext.Out.WriteLine(StructProgramGenerator.Generate(FuzzTests.Seed, i).AsFile());
    }
}

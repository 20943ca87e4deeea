using System;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Fuzzing;

/// <summary>What the array fuzzer generates for issue 15 beyond its first grammar: buffers made inside loops and branches.</summary>
public sealed class EverydayFuzzCoverageTests
{
    private static readonly Regex NestedBuffer = new(@"^ {16,}(var t\d+ = new double\[|Span<double> t\d+ = stackalloc double\[)", RegexOptions.Multiline);

    [Test]
    public void Array_programs_make_buffers_inside_loops_and_branches()
    {
        var sources = Enumerable.Range(0, FuzzTests.QuickArrayPrograms).Select(i => ArrayProgramGenerator.Generate(FuzzTests.Seed, i, FuzzTests.Grammar).Source).ToList();
        var making = sources.Where(s => NestedBuffer.IsMatch(s)).ToList();
        Assert.That(making.Count, Is.GreaterThanOrEqualTo(5), "programs of the quick run making a buffer in a loop or branch");
        Assert.That(making.Any(s => s.Contains("stackalloc double[3]", StringComparison.Ordinal) && NestedBuffer.Matches(s).Any(m => m.Value.Contains("stackalloc", StringComparison.Ordinal))), "a stackalloc in a loop or branch");
        Assert.That(making.Any(s => s.Contains("new double[x.Length]", StringComparison.Ordinal) && NestedBuffer.Matches(s).Any(m => m.Value.Contains("new double", StringComparison.Ordinal))), "an array in a loop or branch");

        // Without the construct no program makes one, and programs that made none are unchanged.
        var without = FuzzTests.Grammar with { IncludeBuffersInLoops = false };
        for (int i = 0; i < sources.Count; i++)
        {
            string other = ArrayProgramGenerator.Generate(FuzzTests.Seed, i, without).Source;
            Assert.That(NestedBuffer.IsMatch(other), Is.False);
            if (!NestedBuffer.IsMatch(sources[i])) Assert.That(other, Is.EqualTo(sources[i]), "program " + i);
        }
    }
}

using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="Overwrite.Run"/> on IR written by hand: a Gradient span one loop tiles is written, not added into.</summary>
public class OverwriteStageTests
{
    /// <summary>The gradient of Σ x[i]²: one addition into xAdj[i] per iteration, i from 0 to x.Length.</summary>
    private const string Tiled = """
        func SumSquaresGradient(%0 x: double[], %1 xAdj: global::System.Span<double>)
          %2 = const int {value: 0}
          %3 = const int {value: 1}
          %4 = const double {value: 2}
          %5 i: int = while @6 %2
          condition(%7 i: int):
            %8 = length int %0
            %9 = lt bool %7, %8
            yield %9
          body(%10 i: int):
            %11 = element double %0, %10
            %12 = mul double %4, %11
            %13 = addto void %1, %10, %12
            %14 = add int %10, %3  ; i
            yield %14
          return
        """;

    [Test]
    public void A_span_one_loop_tiles_is_written()
    {
        var (output, written) = Overwrite.Run(StageIr.Parse(Tiled), new[] { 1 });
        StageIr.Verify(output, "Overwrite.Tiled");

        Assert.That(written, Is.EqualTo(new[] { 1 }));
        Assert.That(StageIr.Count(output, Op.AddTo), Is.Zero);
        // One write per iteration, and one in the loop that zeroes the rest of the span (from the final i to its length).
        Assert.That(StageIr.Count(output, Op.Write), Is.EqualTo(2));
        Assert.That(output.Body.Count(i => i.Op == Op.While), Is.EqualTo(2));
    }

    [Test]
    public void A_span_added_into_twice_is_left_alone()
    {
        // xAdj[i] += 2x[i] and xAdj[0] += 1 after the loop: element 0 gets two contributions.
        var input = StageIr.Parse(Tiled.Replace("  return", "  %15 = const double {value: 1}\n  %16 = addto void %1, %2, %15\n  return"));
        var (output, written) = Overwrite.Run(input, new[] { 1 });

        Assert.That(written, Is.Empty);
        Assert.That(output, Is.SameAs(input));
    }
}

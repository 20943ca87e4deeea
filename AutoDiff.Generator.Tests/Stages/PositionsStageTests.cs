using AutoDiff.Generator.Analysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="FunctionInfo"/>'s positions, which the emitter's liveness reads (its last read of each value).</summary>
public class PositionsStageTests
{
    [Test]
    public void Positions_number_the_function_in_walk_order()
    {
        var f = StageIr.Parse("""
            func Wave(%0 x: double, %1 w: double, %2 n: int)
              %3 = const double {value: 0}
              %4 = const int {value: 0}
              %5 = const int {value: 1}
              %6 s: double, %7 i: int = while @8 %3, %4
              condition(%9 s: double, %10 i: int):
                %11 = lt bool %10, %2
                yield %11
              body(%12 s: double, %13 i: int):
                %14 = convert double %13
                %15 = mul double %0, %14
                %16 = intrinsic double %15 {fn: Sin}
                %17 = add double %12, %16  ; s
                %18 = add int %13, %5  ; i
                yield %17, %18
              %19 = mul double %1, %6
              return value = %19
            """);
        var info = FunctionInfo.Of(f);
        var loop = f.Body[3];
        Assert.That(info.PositionOf(0), Is.EqualTo(-1), "a function parameter");
        Assert.That(info.PositionOf(3), Is.EqualTo(0));
        Assert.That(info.PositionOf(8), Is.EqualTo(3), "the loop itself");
        // The condition: its parameters share the position of its first instruction; its end (the yield) has its own.
        Assert.That(info.SpanOf(loop.Regions[0]), Is.EqualTo((4, 5)));
        Assert.That(info.PositionOf(9), Is.EqualTo(4));
        Assert.That(info.PositionOf(11), Is.EqualTo(4));
        Assert.That(info.SpanOf(loop.Regions[1]), Is.EqualTo((6, 11)));
        Assert.That(info.PositionOf(18), Is.EqualTo(10));
        // The loop's results are defined where its last region ends.
        Assert.That(info.LastPositionOf(loop), Is.EqualTo(11));
        Assert.That(info.PositionOf(6), Is.EqualTo(11));
        Assert.That(info.PositionOf(19), Is.EqualTo(12));
        Assert.That(info.End, Is.EqualTo(13));
    }
}

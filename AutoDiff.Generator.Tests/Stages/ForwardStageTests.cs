using System;
using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="Forward.Transform"/> (the Jvp) on IR written by hand.</summary>
public class ForwardStageTests
{
    [Test]
    public void Scalar_function()
    {
        // sin(x·y) + y
        var input = StageIr.Parse("""
            func F(%0 x: double, %1 y: double)
              %2 = mul double %0, %1  ; t
              %3 = intrinsic double %2 {fn: Sin}
              %4 = add double %3, %1
              return value = %4
            """);
        var output = Forward.Transform(input, new[] { 0, 1 });
        StageIr.Verify(output, "Forward.ScalarFunction");

        Assert.That(output.Params.Select(p => p.Name), Is.EqualTo(new[] { "x", "y", "xDot", "yDot" }));
        Assert.That(output.Results.Select(r => r.Name), Is.EqualTo(new[] { "value", "tangent" }));
        Assert.That(StageIr.Count(output, Intrinsic.Cos), Is.EqualTo(1), "d sin = cos");
        Assert.That(StageIr.Count(output, Op.Mul), Is.EqualTo(4), "x·y, ẋ·y, ẏ·x, ṫ·cos t");
        var (x, y) = (0.7, 1.3);
        var jvp = IrEvaluator.Run(output, x, y, 0.25, -0.5);
        Assert.That(jvp["value"], Is.EqualTo(IrEvaluator.Run(input, x, y)["value"]), "the primal value, bit for bit");
        Assert.That(jvp["tangent"], Is.EqualTo(Math.Cos(x * y) * (0.25 * y - 0.5 * x) - 0.5).Within(1e-15));
    }

    [Test]
    public void Only_active_parameters_get_tangents()
    {
        var input = StageIr.Parse("""
            func F(%0 x: double, %1 k: double)
              %2 = mul double %0, %1
              %3 = mul double %1, %1
              %4 = add double %2, %3
              return value = %4
            """);
        var output = Forward.Transform(input, new[] { 0 });

        Assert.That(output.Params.Select(p => p.Name), Is.EqualTo(new[] { "x", "k", "xDot" }));
        // The tangent of x·k + k·k is ẋ·k: one product beside the primal's two, no addition of a zero.
        Assert.That(StageIr.Count(output, Op.Mul), Is.EqualTo(3));
        var tangent = StageIr.Definition(output, StageIr.Result(output, "tangent"));
        Assert.That((tangent.Op, tangent.Args.ToArray()), Is.EqualTo((Op.Mul, new[] { 2, 1 })));
    }

    [Test]
    public void Loop()
    {
        // p = 1; for (i = 0; i < n; i++) p *= x;
        var input = StageIr.Parse("""
            func Power(%0 x: double, %1 n: int)
              %2 = const double {value: 1}
              %3 = const int {value: 0}
              %4 = const int {value: 1}
              %5 p: double, %6 i: int = while @7 %2, %3
              condition(%8 p: double, %9 i: int):
                %10 = lt bool %9, %1
                yield %10
              body(%11 p: double, %12 i: int):
                %13 = mul double %11, %0  ; p
                %14 = add int %12, %4  ; i
                yield %13, %14
              return value = %5
            """);
        var output = Forward.Transform(input, new[] { 0 });
        StageIr.Verify(output, "Forward.Loop");

        var loop = StageIr.All(output.Body).Single(i => i.Op == Op.While);
        Assert.That(loop.Results.Select(r => r.Name), Is.EqualTo(new[] { "p", "i", "pDot" }), "the loop carries p's tangent, not i's");
        Assert.That(StageIr.Result(output, "tangent"), Is.EqualTo(loop.Results[2].Id));
        Assert.That(StageIr.Count(output, Op.Push) + StageIr.Count(output, Op.Pop), Is.Zero, "forward mode records nothing");
        var jvp = IrEvaluator.Run(output, 1.3, 4, 1);
        Assert.That(jvp["value"], Is.EqualTo(IrEvaluator.Run(input, 1.3, 4)["value"]));
        Assert.That(jvp["tangent"], Is.EqualTo(4 * Math.Pow(1.3, 3)).Within(1e-12), "d/dx x⁴");
    }
}

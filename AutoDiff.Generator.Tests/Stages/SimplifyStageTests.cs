using System;
using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="Simplify.Run"/> on IR written by hand: constant folding, merging equal values, dead code.</summary>
public class SimplifyStageTests
{
    [Test]
    public void Folds_constants()
    {
        var input = StageIr.Parse("""
            func F(%0 x: double, %1 n: int)
              %2 = const double {value: 2}
              %3 = const double {value: 3}
              %4 = mul double %2, %3
              %5 = mul double %0, %4  ; y
              %6 = const int {value: 4}
              %7 = const int {value: 5}
              %8 = add int %6, %7
              %9 = lt bool %8, %6
              %10 = add double %5, %2
              return value = %10, small = %9
            """);
        var output = Simplify.Run(input);
        StageIr.Verify(output, "Simplify.FoldsConstants");

        Assert.That(StageIr.Count(output, Op.Mul), Is.EqualTo(1), "2·3 is folded, x·6 is left");
        Assert.That(StageIr.Definition(output, StageIr.Result(output, "small")).Op, Is.EqualTo(Op.Const), "4 + 5 < 4 is the constant false");
        Assert.That(StageIr.All(output.Body).Any(i => i.Op == Op.Const && i.Constant.Value == 6), "the folded product");
        Assert.That(IrEvaluator.Run(output, 1.7, 3), Is.EqualTo(IrEvaluator.Run(input, 1.7, 3)));
    }

    [Test]
    public void Merges_equal_values()
    {
        var input = StageIr.Parse("""
            func F(%0 x: double, %1 y: double)
              %2 = mul double %0, %1
              %3 = intrinsic double %2 {fn: Sin}
              %4 = mul double %0, %1
              %5 = intrinsic double %4 {fn: Sin}
              %6 = add double %3, %5
              %7 = mul double %1, %0
              %8 = add double %6, %7
              return value = %8
            """);
        var output = Simplify.Run(input);
        StageIr.Verify(output, "Simplify.MergesEqualValues");

        Assert.That(StageIr.Count(output, Intrinsic.Sin), Is.EqualTo(1), "sin(x·y) once");
        Assert.That(StageIr.Count(output, Op.Mul), Is.EqualTo(2), "x·y once (y·x is the same product), and 2·sin for sin + sin");
        Assert.That(IrEvaluator.Run(output, 0.3, -1.1), Is.EqualTo(IrEvaluator.Run(input, 0.3, -1.1)), "bit for bit");
    }

    [Test]
    public void Drops_dead_code_and_keeps_effects()
    {
        // %3 and %4 are unused and pure; %5 is unused but a call with effects (#1); %6 is a loop whose results are unused.
        var input = StageIr.Parse("""
            func F(%0 x: double, %1 n: int)
              %2 = intrinsic double %0 {fn: Sin}
              %3 = intrinsic double %0 {fn: Cos}
              %4 = callstatic double %0 {callee: "global::Demo.Pure.Twice", active: [], effect: false}
              %5 = callstatic double %0 {callee: "global::Demo.Log.Next", active: [], effect: true}
              %6 = const int {value: 0}
              %7 = const int {value: 1}
              %8 i: int = while @9 %6
              condition(%10 i: int):
                %11 = lt bool %10, %1
                yield %11
              body(%12 i: int):
                %13 = add int %12, %7
                yield %13
              return value = %2
            """);
        var output = Simplify.Run(input);
        StageIr.Verify(output, "Simplify.DropsDeadCodeAndKeepsEffects");

        Assert.That(StageIr.Count(output, Intrinsic.Cos), Is.Zero);
        var calls = StageIr.All(output.Body).Where(i => i.Op == Op.CallStatic).ToList();
        Assert.That(calls.Select(c => c.Call.Callee), Is.EqualTo(new[] { "global::Demo.Log.Next" }), "the call with effects stays, the pure one goes");
        Assert.That(StageIr.Count(output, Op.While), Is.Zero, "a loop that computes nothing used");
    }

    [Test]
    public void Takes_the_branch_of_a_constant_condition()
    {
        var input = StageIr.Parse("""
            func F(%0 x: double)
              %1 = const bool {value: 1}
              %2 r: double = if @3 %1
              then:
                %4 = intrinsic double %0 {fn: Exp}  ; r
                yield %4
              else:
                %5 = intrinsic double %0 {fn: Log}  ; r
                yield %5
              return value = %2
            """);
        var output = Simplify.Run(input);
        StageIr.Verify(output, "Simplify.TakesTheBranchOfAConstantCondition");

        Assert.That(StageIr.Count(output, Op.If), Is.Zero);
        Assert.That(StageIr.Definition(output, StageIr.Result(output, "value")).Fn, Is.EqualTo(Intrinsic.Exp));
        Assert.That(StageIr.Count(output, Intrinsic.Log), Is.Zero);
        Assert.That(IrEvaluator.Run(output, 0.5)["value"], Is.EqualTo(Math.Exp(0.5)));
    }
}

using System;
using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="Reverse.Transform"/> (the Vjp) on IR written by hand.</summary>
public class ReverseStageTests
{
    [Test]
    public void Straight_line()
    {
        var input = StageIr.Parse("""
            func Product(%0 x: double, %1 y: double)
              %2 = mul double %0, %1
              return value = %2
            """);
        var output = Reverse.Transform(input, new[] { 0, 1 });
        StageIr.Verify(output, "Reverse.StraightLine");

        Assert.That(output.Params.Select(p => p.Name), Is.EqualTo(new[] { "x", "y", "seed", "xAdj", "yAdj" }));
        Assert.That(output.Results.Select(r => r.Name), Is.EqualTo(new[] { "value", "xAdj", "yAdj" }));
        // The adjoint of x·y is two products, seed·y and seed·x, beside the primal one.
        int seed = output.Params[2].Id;
        var products = StageIr.All(output.Body).Where(i => i.Op == Op.Mul).ToList();
        Assert.That(products.Count(p => p.Args.Contains(seed)), Is.EqualTo(2));
        Assert.That(products, Has.Count.EqualTo(3));
        Assert.That(StageIr.Count(output, Op.Push), Is.Zero, "straight-line code records nothing");
        var vjp = IrEvaluator.Run(output, 3, 5, 2, 0.25, 0.5);
        Assert.That((vjp["value"], vjp["xAdj"], vjp["yAdj"]), Is.EqualTo((15.0, 0.25 + 2 * 5, 0.5 + 2 * 3)), "adjoints are added into");
    }

    [Test]
    public void Loop()
    {
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
        var output = Reverse.Transform(input, new[] { 0 });
        StageIr.Verify(output, "Reverse.Loop");

        var loops = output.Body.Where(i => i.Op == Op.While).ToList();
        Assert.That(loops, Has.Count.EqualTo(2), "the forward loop, then the reverse loop");
        // Each iteration records p (what x's adjoint needs) and the reverse loop takes it back.
        Assert.That(StageIr.All(loops[0].Regions[1].Body).Count(i => i.Op == Op.Push), Is.EqualTo(1));
        Assert.That(StageIr.All(loops[1].Regions[1].Body).Count(i => i.Op == Op.Pop), Is.EqualTo(1));
        // i starts at 0 and steps by one to n: the reverse loop runs n times from n, without recording a count.
        Assert.That(loops[1].Args[0], Is.EqualTo(output.Params[1].Id));
        foreach (int n in new[] { 0, 1, 4 })
        {
            var vjp = IrEvaluator.Run(output, 1.3, n, 1, 0);
            Assert.That(vjp["value"], Is.EqualTo(IrEvaluator.Run(input, 1.3, n)["value"]));
            Assert.That(vjp["xAdj"], Is.EqualTo(n * Math.Pow(1.3, n - 1)).Within(1e-12), "d/dx xⁿ, n = " + n);
        }
    }

    [Test]
    public void Branch()
    {
        // r = x·y; if (r > 0) r = sin(r); return r;
        var input = StageIr.Parse("""
            func Relu(%0 x: double, %1 y: double)
              %2 = mul double %0, %1  ; r
              %3 = const double {value: 0}
              %4 = gt bool %2, %3
              %5 r: double = if @6 %4
              then:
                %7 = intrinsic double %2 {fn: Sin}  ; r
                yield %7
              else:
                yield %2
              return value = %5
            """);
        var output = Reverse.Transform(input, new[] { 0, 1 });
        StageIr.Verify(output, "Reverse.Branch");

        var ifs = output.Body.Where(i => i.Op == Op.If).ToList();
        Assert.That(ifs, Has.Count.EqualTo(2), "the primal branch, then its adjoint");
        Assert.That(ifs[1].Args[0], Is.EqualTo(ifs[0].Args[0]), "the adjoint branches on the same condition, not recorded");
        Assert.That(StageIr.Count(output, Intrinsic.Cos), Is.EqualTo(1));
        Assert.That(ifs[1].Regions[1].Body, Is.Empty, "r = r passes the adjoint through");
        var taken = IrEvaluator.Run(output, 0.5, 0.8, 1, 0, 0);
        Assert.That((taken["xAdj"], taken["yAdj"]), Is.EqualTo((Math.Cos(0.4) * 0.8, Math.Cos(0.4) * 0.5)), "through sin");
        var skipped = IrEvaluator.Run(output, -0.5, 0.8, 1, 0, 0);
        Assert.That((skipped["xAdj"], skipped["yAdj"]), Is.EqualTo((0.8, -0.5)), "r = x·y only");
    }
}

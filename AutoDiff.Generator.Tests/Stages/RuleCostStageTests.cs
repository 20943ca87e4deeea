using System.Linq;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>The cost of computing a function again is a column of the rule table that an intrinsic's payload carries, not a check of its name.</summary>
public class RuleCostStageTests
{
    [Test]
    public void The_frontend_carries_the_rule_tables_cost()
    {
        var primal = StageIr.Lower("""
                    [Differentiable]
                    public static double F(double[] x, double y) => Ad.StopGradient(y) * Math.Sin(y) + AdMath.LogSumExp(x);
            """);
        var calls = StageIr.All(primal.Body).Where(i => i.Op == Op.Intrinsic).ToDictionary(i => i.Fn.Name!, i => (FnRef)i.Payload!);
        Assert.That(calls.Keys, Is.EquivalentTo(new[] { "StopGradient", "Sin", "LogSumExp" }));
        Assert.That(calls["StopGradient"].Cost, Is.EqualTo(Cost.Cheap), "the identity");
        Assert.That(calls["Sin"].Cost, Is.EqualTo(Cost.Moderate));
        Assert.That(calls["LogSumExp"].Cost, Is.EqualTo(Cost.Expensive), "a pass over a sequence");
        foreach (var (name, payload) in calls) Assert.That(payload.Cost, Is.EqualTo(RuleTable.CostOf(new Intrinsic(name))), name);
        // The op table asks the payload: the reverse sweep recomputes StopGradient, records sin, never replays LogSumExp.
        var byName = StageIr.All(primal.Body).Where(i => i.Op == Op.Intrinsic).ToDictionary(i => i.Fn.Name!);
        Assert.That(OpInfo.IsCheap(byName["StopGradient"]), Is.True);
        Assert.That(OpInfo.IsCheap(byName["Sin"]), Is.False);
        Assert.That(OpInfo.IsHoistable(byName["Sin"]), Is.True);
        Assert.That(OpInfo.IsReplayable(byName["LogSumExp"]), Is.False);
        // The text form leaves the cost out; the parser takes it from the table again.
        Assert.That(IrParser.Parse(IrPrinter.Print(primal)), Is.EqualTo(primal));
    }
}

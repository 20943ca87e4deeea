using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The planning passes of reverse mode (<see cref="ReversePlan.Passes"/>) on IR written by hand: each pass's decision
/// (the plan, as text) and the Vjp the sweep builds from it, golden, beside the Vjp without the pass, which must compute
/// the same numbers.
/// </summary>
public class ReversePassesStageTests
{
    /// <summary>w · Σᵢ sin(x·i) for i from 0 to n: an accumulator whose adjoint, w·seed, is known before the loop.</summary>
    private const string Wave = """
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
        """;

    /// <summary>w · sin(cos(x)): a chain of partials for x's adjoint.</summary>
    private const string Chain = """
        func Chain(%0 x: double, %1 w: double)
          %2 = intrinsic double %0 {fn: Cos}
          %3 = intrinsic double %2 {fn: Sin}
          %4 = mul double %1, %3
          %5 = mul double %4, %3
          return value = %5
        """;

    private static readonly PassOptions None = PassOptions.Default.WithoutOptimizations() with { Verify = true };

    /// <summary>The plan under <paramref name="options"/> and the Vjp the sweep builds from it, verified.</summary>
    private static (string Plan, IrFunction Vjp) Run(string ir, int[] active, PassOptions options)
    {
        var plan = ReversePlan.Build(StageIr.Parse(ir), active, options);
        var vjp = Reverse.Transform(plan, System.Array.Empty<int>());
        Assert.That(IrVerifier.Verify(vjp), Is.Empty, "the sweep's output fails the verifier");
        return (plan.Describe(), vjp);
    }

    /// <summary>The plan and Vjp with the one pass on, as golden text, and the same numbers as with it off.</summary>
    private static IrFunction Golden(string name, string ir, int[] active, PassOptions on, PassOptions off, params double[] args)
    {
        var (plan, vjp) = Run(ir, active, on);
        var (offPlan, offVjp) = Run(ir, active, off);
        Snapshot.Verify("plan:\n" + plan + "\n\nvjp:\n" + IrPrinter.Print(vjp), "ReversePasses." + name, "txt");
        Assert.That(plan, Is.Not.EqualTo(offPlan), "the pass decided something");
        Assert.That(IrPrinter.Print(vjp), Is.Not.EqualTo(IrPrinter.Print(offVjp)), "the pass changed the Vjp");
        var expected = IrEvaluator.Run(offVjp, args);
        var actual = IrEvaluator.Run(vjp, args);
        foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value).Within(1e-12).Percent, key);
        return vjp;
    }

    [Test]
    public void Fuse_loops_runs_the_adjoint_inside_the_loop()
    {
        var on = None with { FuseLoops = true };
        var vjp = Golden("FuseLoops", Wave, new[] { 0, 1 }, on, None, 0.7, 1.3, 5, 1, 0.25, 0.5);
        Assert.That(vjp.Body.Count(i => i.Op == Op.While), Is.EqualTo(1), "one loop: the primal with each iteration's adjoint");
        Assert.That(StageIr.Count(vjp, Op.Push), Is.Zero, "nothing recorded");
        // A struct result (several seeds) is never fused.
        var two = Wave.Replace("return value = %19", "return value = %19, other = %6");
        Assert.That(Run(two, new[] { 0, 1 }, on).Plan, Does.Not.Contain("fused"));
    }

    [Test]
    public void Recompute_rebuilds_counters_and_cheap_values_instead_of_recording_them()
    {
        var (recordPlan, recorded) = Run(Wave, new[] { 0, 1 }, None);
        var vjp = Golden("Recompute", Wave, new[] { 0, 1 }, None with { Recompute = true }, None, 0.7, 1.3, 5, 1, 0.25, 0.5);
        // Recorded, the loop pushes (double)i and x·i (what the partials of · and sin read); recomputed, it pushes nothing: i follows from the
        // reverse loop's count, the rest from i.
        Assert.That(recordPlan, Does.Contain("body @8: record %14, %15"));
        Assert.That(StageIr.Count(recorded, Op.Push), Is.EqualTo(2));
        Assert.That(StageIr.Count(vjp, Op.Push), Is.Zero);
    }

    [Test]
    public void Replay_loops_runs_a_loop_that_records_nothing_forwards_in_the_reverse_sweep()
    {
        var recompute = None with { Recompute = true };
        var vjp = Golden("ReplayLoops", Wave, new[] { 0, 1 }, recompute with { ReplayLoops = true }, recompute, 0.7, 1.3, 5, 1, 0.25, 0.5);
        Assert.That(StageIr.Count(vjp, Op.Push), Is.Zero);
        // The replayed loop counts up as the primal did (i < n), rather than down from a trip count.
        var loops = vjp.Body.Where(i => i.Op == Op.While).ToList();
        Assert.That(loops, Has.Count.EqualTo(2));
        Assert.That(loops[1].Regions[0].Body.Any(i => i.Op == Op.Lt), Is.True);
        // Without recompute the loop records x·i, so it is not replayed.
        Assert.That(Run(Wave, new[] { 0, 1 }, None with { ReplayLoops = true }).Plan, Does.Not.Contain("replayed"));
    }

    [Test]
    public void Factor_adjoints_multiplies_partials_before_the_adjoint()
    {
        // (The golden Vjp, different from the textbook one and computing the same numbers: Golden checks both.)
        Golden("FactorAdjoints", Chain, new[] { 0, 1 }, None with { FactorAdjoints = true }, None, 0.7, 1.3, 1, 0.25, 0.5);
    }

    [Test]
    public void Every_pass_on_gives_the_plan_the_pipeline_makes()
    {
        // ReversePlan.Build (what Reverse.Transform uses) and the pipeline's passes make the same Vjp.
        var primal = StageIr.Parse(Wave);
        var pipeline = new Pipeline(PassOptions.Default with { Verify = true }, default);
        var viaPasses = pipeline.Run(primal, ReversePlan.Passes(pipeline, new[] { 0, 1 }, System.Array.Empty<int>()));
        Assert.That(pipeline.Trace, Is.EqualTo(new[] { "Wave: factor-adjoints", "Wave: fuse-loops", "Wave: recompute", "Wave: replay-loops", "WaveVjp: reverse" }));
        var direct = Reverse.Transform(primal, new[] { 0, 1 }, System.Array.Empty<int>(), default, PassOptions.Default);
        Assert.That(IrPrinter.Print(viaPasses), Is.EqualTo(IrPrinter.Print(direct)));
        var off = new Pipeline(None, default);
        off.Run(primal, ReversePlan.Passes(off, new[] { 0, 1 }, System.Array.Empty<int>()));
        Assert.That(off.Trace, Is.EqualTo(new[] { "Wave: record", "WaveVjp: reverse" }));
    }
}

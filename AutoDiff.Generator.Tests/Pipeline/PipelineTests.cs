using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Pipelines;

/// <summary>
/// The pass pipeline (Transforms/Pipeline.cs): which passes run for each companion and in what order, the switches that
/// turn optimisations off, and the verifier run after every pass.
/// </summary>
public sealed class PipelineTests
{
    private const string Source = """
        using System;
        using AutoDiff;
        namespace Demo
        {
            public static partial class Fns
            {
                [Differentiable]
                public static double Energy(ReadOnlySpan<double> x, double k)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += k * Math.Sin(x[i]) * x[i];
                    return s;
                }
            }
        }
        """;

    private static MethodModel Model(string source = Source)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        return run.Result.Results.Single().TrackedSteps[TrackingNames.Model]
            .SelectMany(step => step.Outputs).Select(output => output.Value).OfType<MethodModel>().Single();
    }

    [Test]
    public void Each_companion_runs_its_passes_in_order()
    {
        var companions = Companions.Build(Model(), PassOptions.Default with { Verify = true }, default);
        Assert.That(companions.Trace, Is.EqualTo(new[]
        {
            "Energy: merge-reads",
            "Energy: factor-adjoints", "Energy: fuse-loops", "Energy: recompute", "Energy: replay-loops", "EnergyVjp: reverse", "EnergyVjp: simplify",
            "EnergyGradient: specialize-gradient",
            "EnergyJvp: forward", "EnergyJvp: simplify", "EnergyJvp: fuse-adjoint-loops", "EnergyJvp: promote-elements", "EnergyJvp: fill-at-use", "EnergyJvp: vector-sums", "EnergyJvp: vector-maps",
            "EnergyHvp: forward-over-reverse", "EnergyHvp: keep-hvp-results", "EnergyHvp: dead-code", "EnergyHvp: overwrite", "EnergyHvp: fuse-adjoint-loops", "EnergyHvp: promote-elements", "EnergyHvp: fill-at-use", "EnergyHvp: vector-sums", "EnergyHvp: vector-maps",
            "EnergyVjpTangent: forward-over-reverse", "EnergyVjpTangent: keep-vjp-tangent-results", "EnergyVjpTangent: dead-code", "EnergyVjpTangent: fuse-adjoint-loops", "EnergyVjpTangent: promote-elements", "EnergyVjpTangent: fill-at-use", "EnergyVjpTangent: vector-sums", "EnergyVjpTangent: vector-maps",
            "EnergyVjp: fuse-adjoint-loops", "EnergyVjp: promote-elements", "EnergyVjp: fill-at-use", "EnergyVjp: vector-sums", "EnergyVjp: vector-maps",
            "EnergyGradient: overwrite", "EnergyGradient: fuse-adjoint-loops", "EnergyGradient: promote-elements", "EnergyGradient: fill-at-use", "EnergyGradient: vector-sums", "EnergyGradient: vector-maps",
        }));
        // The loop tiles the gradient span: the Gradient writes it rather than clearing it first.
        Assert.That(companions.WrittenSpans, Is.Not.Empty);
    }

    [Test]
    public void Optimisations_off_leave_the_transforms_only()
    {
        var options = PassOptions.Default.WithoutOptimizations() with { Verify = true };
        Assert.That(options.Optimize, Is.False);
        var companions = Companions.Build(Model(), options, default);
        Assert.That(companions.Trace, Is.EqualTo(new[]
        {
            "Energy: record", "EnergyVjp: reverse", "EnergyVjp: dead-code", "EnergyGradient: specialize-gradient", "EnergyJvp: forward", "EnergyJvp: dead-code",
            "EnergyHvp: forward-over-reverse", "EnergyHvp: keep-hvp-results", "EnergyHvp: dead-code",
            "EnergyVjpTangent: forward-over-reverse", "EnergyVjpTangent: keep-vjp-tangent-results", "EnergyVjpTangent: dead-code",
        }));
        Assert.That(companions.WrittenSpans, Is.Empty, "without the overwrite pass, the Gradient clears its spans and adds");
        foreach (var function in new[] { companions.Gradient!, companions.Vjp, companions.Jvp, companions.Hvp!, companions.VjpTangent! })
            Assert.That(IrVerifier.Verify(function), Is.Empty, function.Name);
    }

    [Test]
    public void Each_reverse_mode_optimisation_changes_the_Vjp_when_on()
    {
        // A loop whose adjoint fuses, values recomputed rather than recorded, a chain of partials factored: switching
        // each off gives a different (longer) Vjp, so each switch is read where the decision is made.
        var model = Model();
        string Vjp(PassOptions o) => IrPrinter.Print(Companions.Build(model, o with { Verify = true }, default).Vjp);
        string all = Vjp(PassOptions.Default);
        foreach (var name in new[] { Pipeline.FuseLoopsName, Pipeline.FactorAdjointsName })
            Assert.That(Vjp(PassOptions.Default.Off(name)), Is.Not.EqualTo(all), name);
        // With fusion off the loop is taped; recomputing its counter and cheap values then matters.
        var unfused = PassOptions.Default.Off(Pipeline.FuseLoopsName);
        Assert.That(Vjp(unfused.Off(Pipeline.RecomputeName)), Is.Not.EqualTo(Vjp(unfused)), Pipeline.RecomputeName);
    }

    [Test]
    public void Tape_reservations_are_planned_by_the_pipeline_and_printed_by_the_emitter()
    {
        // Unfused, the loop records sin x[i] on a tape; its trip count is known, so it reserves the room first.
        var model = Model();
        var unfused = PassOptions.Default.Off(Pipeline.FuseLoopsName) with { Verify = true };
        Assert.That(Companions.Build(model, unfused, default).Trace, Has.Member("EnergyVjp: reserve-tapes"));
        string reserved = CompanionEmitter.Emit(model, unfused, default);
        Assert.That(reserved, Does.Contain(".Reserve(").And.Match(GeneratedCode.ReservedPush));
        var unreserved = unfused.Off(Pipeline.ReserveTapesName);
        Assert.That(Companions.Build(model, unreserved, default).Trace, Has.No.Member("EnergyVjp: reserve-tapes"));
        string plain = CompanionEmitter.Emit(model, unreserved, default);
        Assert.That(plain, Does.Not.Contain(".Reserve(").And.Not.Match(GeneratedCode.ReservedPush).And.Contain(".Push("));
    }

    [Test]
    public void Switches_come_from_build_properties()
    {
        var off = PassOptions.From(HarnessOptions.Unoptimized.Provider().GlobalOptions);
        Assert.That(off, Is.EqualTo(PassOptions.Default.WithoutOptimizations() with { Verify = true }));
        var some = PassOptions.From(new HarnessOptions(VerifyIr: false, DisabledPasses: "overwrite; fuse-loops").Provider().GlobalOptions);
        Assert.That(some, Is.EqualTo(PassOptions.Default with { Overwrite = false, FuseLoops = false, Verify = false }));
        Assert.That(PassOptions.OptimizationNames.Select(n => PassOptions.Default.Off(n)).Distinct().Count(), Is.EqualTo(PassOptions.OptimizationNames.Count));
        Assert.That(PassOptions.OptimizationNames.Aggregate(PassOptions.Default, (o, n) => o.Off(n)), Is.EqualTo(PassOptions.Default.WithoutOptimizations()));
    }

    [Test]
    public void A_violation_is_an_exception_naming_the_pass()
    {
        var model = Model();
        var pipeline = new Pipeline(PassOptions.Default with { Verify = true }, default);
        // A pass that drops the first instruction the rest of the body uses.
        var broken = new Pass("drop-first", f => f with { Body = f.Body.Skip(1).ToEquatableArray() });
        var e = Assert.Throws<IrVerificationException>(() => pipeline.Run(model.Primal!, broken))!;
        Assert.That(e.Pass, Is.EqualTo("drop-first"));
        Assert.That(e.Message, Does.Contain("after pass 'drop-first' on Energy").And.Contain("not defined"));
        // Not verified: the same pass goes through.
        Assert.DoesNotThrow(() => new Pipeline(PassOptions.Default with { Verify = false }, default).Run(model.Primal!, broken));
    }

    [Test]
    public void A_violation_in_generation_is_reported_at_the_method_not_a_crash()
    {
        // What the harness's verification turns a broken pass into: ADIFF099 at the method from the generator (no CS8785).
        var model = Model();
        var bad = model with { Primal = model.Primal! with { Body = model.Primal.Body.Skip(1).ToEquatableArray() } };
        var file = DifferentiableGenerator.Generate(bad, PassOptions.Default with { Verify = true }, default);
        Assert.That(file.Source, Is.Null);
        Assert.That(file.Error, Does.Contain("IrVerificationException").And.Contain("after pass 'frontend'"));
    }

    [Test]
    public void The_verifier_checks_the_shape_of_loops()
    {
        var primal = Model().Primal!;
        Assert.That(IrVerifier.Verify(primal), Is.Empty);
        var loop = primal.Body.Single(i => i.Op == Op.While);
        var condition = loop.Regions[0] with { Params = loop.Regions[0].Params.Skip(1).ToEquatableArray() };
        var broken = loop with { Regions = new[] { condition, loop.Regions[1] }.ToEquatableArray() };
        var function = primal with { Body = primal.Body.Select(i => i.Id == loop.Id ? broken : i).ToEquatableArray() };
        Assert.That(IrVerifier.Verify(function), Has.Some.Contains("the condition must take every carried value"));
        var fewer = loop with { Results = loop.Results.Skip(1).ToEquatableArray() };
        function = primal with { Body = primal.Body.Select(i => i.Id == loop.Id ? fewer : i).ToEquatableArray() };
        Assert.That(IrVerifier.Verify(function), Has.Some.Contains("results for"));
    }

    [Test]
    public void Induction_variables_are_found_in_one_place()
    {
        var primal = Model().Primal!;
        var loop = primal.Body.Single(i => i.Op == Op.While);
        var counters = AutoDiff.Generator.Analysis.FunctionInfo.Of(primal).InductionVariables(loop);
        Assert.That(counters, Has.Count.EqualTo(1));
        Assert.That(counters[0].Step, Is.EqualTo(1));
        Assert.That(loop.Regions[1].Params[counters[0].Index].Id, Is.EqualTo(counters[0].Param));
        Assert.That(primal.Body.Single(i => i.Id == counters[0].Start).Op, Is.EqualTo(Op.Const), "i starts at the constant 0");
    }

    [Test]
    public void Tests_verify_after_every_pass()
    {
        Assert.That(HarnessOptions.Default.VerifyIr, Is.True);
        Assert.That(PassOptions.From(HarnessOptions.Default.Provider().GlobalOptions).Verify, Is.True);
    }
}

using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Checkpointing;

/// <summary>
/// ADIFF022 (docs/diagnostics/ADIFF022.md): <c>Checkpoints</c> asked for where it cannot apply is a warning at the
/// attribute; the companions are still generated, unchecked, and correct. And the generated Vjp of a checkpointed loop.
/// </summary>
public sealed class CheckpointDiagnosticTests
{
    private static string InFns(string members) => DiagnosticCase.Source("public static partial class Fns\n{\n" + members + "\n}\n");

    [TestCase("while (y < 100) y = y * y + 1.5;", "does not run a number of times known")]
    [TestCase("for (int i = 0; i < 10; i++) { if (y > 50) break; y = y * y + 1.5; }", "does not run a number of times known")]
    [TestCase("y = y * 2;", "has no loop")]
    public void Checkpoints_without_a_counting_loop_is_ADIFF022_at_the_attribute(string loop, string why)
    {
        var c = DiagnosticCase.For(InFns($$"""
            [[|Differentiable(Checkpoints = 4)|]]
            public static double F(double x)
            {
                double y = x;
                {{loop}}
                return y;
            }
            """));
        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF022", DiagnosticSeverity.Warning, "'F'", why));
        c.AssertGeneratorClean();
        using var loaded = c.Run.Load();
        var args = new object?[] { 1.1, null };
        loaded.Invoke("Demo.Fns", "FGradient", args);
        double numeric = GradientCheck.FiniteDifferenceGradient(x => (double)loaded.Invoke("Demo.Fns", "F", new object?[] { x[0] })!, new[] { 1.1 })[0];
        Assert.That((double)args[1]!, Is.EqualTo(numeric).Within(1e-5 * System.Math.Max(1, System.Math.Abs(numeric))));
    }

    [Test]
    public void Negative_checkpoints_and_calls_with_effects_are_ADIFF022()
    {
        var c = DiagnosticCase.For(InFns("""
            public static int Calls;
            static double Count() { Calls++; return 1; }

            [[|Differentiable(Checkpoints = -1)|]]
            public static double F(double x, int n)
            {
                double y = x;
                for (int i = 0; i < n; i++) y = y * 0.5 + 1;
                return y;
            }

            [[|Differentiable(Checkpoints = 3)|]]
            public static double G(double x, int n)
            {
                double y = x;
                for (int i = 0; i < n; i++) y = y * 0.5 + [|Count()|];
                return y;
            }
            """));
        c.AssertAnalyzer(
            new ExpectedDiagnostic("ADIFF022", DiagnosticSeverity.Warning, "'F'", "at least 1"),
            new ExpectedDiagnostic("ADIFF022", DiagnosticSeverity.Warning, "'G'", "side effects"),
            new ExpectedDiagnostic("ADIFF014", DiagnosticSeverity.Info, "'G'", "Count"));
        c.AssertGeneratorClean();
    }

    /// <summary>A loop writing an array is driven by the binomial schedule, which keeps the array in its snapshots: no ADIFF023.</summary>
    [Test]
    public void Binomial_checkpoints_of_a_loop_writing_an_array_keep_it()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable(Checkpoints = 3, CheckpointPolicy = CheckpointPolicy.Binomial)]
            public static double F(double x, int n)
            {
                var u = new double[2];
                u[0] = x;
                for (int i = 0; i < n; i++) { u[1] = u[1] + 0.1 * u[0]; u[0] = u[0] - 0.1 * Math.Sin(u[1]); }
                return u[0];
            }
            """));
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Values.Single(), Does.Contain("Revolve.Move(").And.Contain(".PopAll(u)").And.Not.Contain("segmentSteps"));
    }

    /// <summary>
    /// ADIFF023's reason: a loop carrying a value that is not a number (which a snapshot slot cannot keep) is checkpointed
    /// every k iterations. The frontend does not let a loop assign such a value today (ADIFF004), so the IR is made by hand:
    /// a lowered loop whose carried bool is retyped to an enum.
    /// </summary>
    [Test]
    public void A_loop_carrying_a_value_that_is_not_a_number_is_ADIFF023s_reason()
    {
        var lowered = AutoDiff.Generator.Tests.Stages.StageIr.Lower("""
            [Differentiable]
            public static double F(double x, int n) { double y = x; bool b = false; for (int i = 0; i < n; i++) { y = y * 0.5 + Math.Sin(y); b = !b; } return b ? y : -y; }
            """);
        string text = AutoDiff.Generator.Ir.IrPrinter.Print(lowered);
        Assert.That(text, Does.Contain("b: bool"));
        var retyped = AutoDiff.Generator.Ir.IrParser.Parse(text.Replace("b: bool", "b: global::System.DayOfWeek"));
        foreach (var (function, reason) in new[] { (lowered, (string?)null), (retyped, "the loop carries a value that is not a number") })
        {
            var loop = AutoDiff.Generator.Transforms.Checkpoint.Target(function, out string? why);
            Assert.That(loop, Is.Not.Null, why);
            Assert.That(AutoDiff.Generator.Transforms.Checkpoint.BinomialProblem(function, loop!), Is.EqualTo(reason));
        }
        Assert.That(AutoDiff.Generator.Diagnostics.DiagnosticDescriptors.CheckpointEveryK.Id, Is.EqualTo("ADIFF023"));
    }

    [Test]
    public void A_counting_loop_gets_no_diagnostic()
    {
        var c = DiagnosticCase.For(InFns("""
            [Differentiable(Checkpoints = 3, CheckpointPolicy = CheckpointPolicy.Binomial)]
            public static double F(double x, int n)
            {
                double y = x;
                for (int i = 0; i < n; i++) y = y * 0.5 + Math.Sin(y);
                return y;
            }
            """));
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
        Assert.That(c.Run.GeneratedSources.Values.Single(), Does.Contain("global::AutoDiff.Checkpointing.Revolve.Move("));
    }

    /// <summary>
    /// The forward sweep runs the segments as the primal does and pushes only each segment's start state (y, x's adjoint
    /// needs none); the reverse pops it, runs the segment again recording sin's argument, and reverses it.
    /// </summary>
    [Test]
    public void Checkpointed_vjp()
    {
        var run = GeneratorHarness.Run(InFns("""
            [Differentiable(Checkpoints = 100, SecondOrder = false)]
            public static double Decay(double x, double rate, int n)
            {
                double y = x;
                for (int i = 0; i < n; i++) y = y - 0.01 * rate * Math.Sin(y);
                return y;
            }
            """));
        run.AssertNoErrors();
        Snapshot.VerifyCompanion(run, "Decay", "Vjp");
    }

    /// <summary>The same loop under the binomial schedule: the reverse sweep asks <c>Revolve.Move</c> what to do next.</summary>
    [Test]
    public void Binomial_vjp()
    {
        var run = GeneratorHarness.Run(InFns("""
            [Differentiable(Checkpoints = 100, CheckpointPolicy = CheckpointPolicy.Binomial, SecondOrder = false)]
            public static double Decay(double x, double rate, int n)
            {
                double y = x;
                for (int i = 0; i < n; i++) y = y - 0.01 * rate * Math.Sin(y);
                return y;
            }
            """));
        run.AssertNoErrors();
        Snapshot.VerifyCompanion(run, "Decay", "Vjp");
    }
}

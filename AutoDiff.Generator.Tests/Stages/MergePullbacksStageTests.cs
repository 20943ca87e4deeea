using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="MergePullbacks.Run"/> on IR written by hand: a fused loop's iteration that computes <c>v = LogSumExp(t)</c>,
/// adds it to the sum, and runs the pullback <c>LogSumExpAdjoint(t, v, 1, t̄)</c> right after; and the pairs it must leave
/// apart. The numbers are checked in <c>Numeric/FusedLoopTests</c> (PointMixture, GMM's shape) and the runtime helper in
/// <c>Runtime/LogSumExpWithAdjointTests</c>.
/// </summary>
public class MergePullbacksStageTests
{
    private const string Iteration = """
        func Iteration(%0 x: global::System.ReadOnlySpan<double>, %1 xAdj: global::System.Span<double>, %2 k: int, %3 n: int)
          %4 = const int {value: 0}
          %5 = const int {value: 1}
          %6 = const double {value: 0}
          %7 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; t
          %8 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; tAdj
          %9 s: double, %10 i: int = while @11 %6, %4
          condition(%12 s: double, %13 i: int):
            %14 = lt bool %13, %3
            yield %14
          body(%15 s: double, %16 i: int):
            %17 = mul int %16, %2
            %18 j: int = while @19 %4
            condition(%20 j: int):
              %21 = lt bool %20, %2
              yield %21
            body(%22 j: int):
              %23 = add int %17, %22
              %24 = element double %0, %23
              %25 = write void %7, %22, %24
              %26 = add int %22, %5
              yield %26
            %27 = intrinsic double %7 {fn: LogSumExp}
            %28 = add double %15, %27  ; s
            %29 = const double {value: 1}
            %30 = effect void %7, %27, %29, %8 {callee: "global::AutoDiff.AdMath.LogSumExpAdjoint", active: [], effect: false}
            %31 iteration: int = while @32 %2
            condition(%33 iteration: int):
              %34 = gt bool %33, %4
              yield %34
            body(%35 iteration: int):
              %36 = sub int %35, %5
              %37 = read double %8, %36 {inRange: true}
              %38 = write void %8, %36, %6 {inRange: true}
              %39 = add int %17, %36
              %40 = addto void %1, %39, %37 {inRange: true}
              yield %36
            %41 = add int %16, %5  ; i
            yield %28, %41
          return value = %9
        """;

    [Test]
    public void A_value_and_its_pullback_in_one_iteration_become_one_call()
    {
        var input = StageIr.Parse(Iteration);
        var output = MergePullbacks.Run(input);
        StageIr.Verify(output, "MergePullbacks.Iteration");

        Assert.That(StageIr.Count(output, Op.Effect), Is.Zero, "the pullback's own call is gone");
        Assert.That(IrWalk.All(output.Body).Count(i => i.Op == Op.Intrinsic), Is.Zero, "so is the value's");
        var merged = IrWalk.All(output.Body).Single(i => i.Op == Op.CallStatic);
        Assert.That(merged.Call.Callee, Is.EqualTo("global::AutoDiff.AdMath.LogSumExpWithAdjoint"));
        Assert.That(merged.Call.HasEffect, "it adds into t̄: nothing may move it or drop it");
        Assert.That(merged.Id, Is.EqualTo(27), "the value keeps its id: the sum reads it as before");
        var constant = IrWalk.All(output.Body).Single(i => i.Id == 29);
        var body = output.Body.Single(i => i.Op == Op.While).Regions[1].Body.ToList();
        Assert.That(body.IndexOf(constant), Is.LessThan(body.IndexOf(merged)), "the cotangent, computed after the value, moves before the call");
        Assert.That(merged.Args, Is.EqualTo(new[] { 7, 29, 8 }), "t, the cotangent, t̄");
    }

    [Test]
    public void A_cotangent_computed_from_values_before_the_call_moves_with_its_operands()
    {
        // The seed scaled by a value the iteration had before the call: both instructions move.
        string text = Iteration.Replace(
            "    %29 = const double {value: 1}\n",
            "    %42 = convert double %16\n    %29 = neg double %42\n");
        var output = MergePullbacks.Run(StageIr.Parse(text));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        var body = output.Body.Single(i => i.Op == Op.While).Regions[1].Body.ToList();
        int call = body.FindIndex(i => i.Op == Op.CallStatic);
        Assert.That(call, Is.GreaterThanOrEqualTo(0), "merged");
        Assert.That(body.FindIndex(i => i.Id == 42), Is.LessThan(call));
        Assert.That(body.FindIndex(i => i.Id == 29), Is.LessThan(call));
    }

    [TestCase("    %29 = const double {value: 1}\n", "    %29 = mul double %27, %27\n", TestName = "Apart_a_cotangent_computed_from_the_value")]
    [TestCase("    %28 = add double %15, %27  ; s\n", "    %28 = add double %15, %27  ; s\n    %43 = write void %7, %4, %6\n", TestName = "Apart_a_write_of_the_operand_between")]
    [TestCase("    %28 = add double %15, %27  ; s\n", "    %43 = read double %8, %4\n    %28 = add double %15, %43  ; s\n", TestName = "Apart_a_read_of_the_adjoint_between")]
    [TestCase("    %28 = add double %15, %27  ; s\n", "    %28 = add double %15, %27  ; s\n    %43 = addto void %1, %4, %27\n", TestName = "Apart_an_addition_into_a_span_between")]
    [TestCase("    %29 = const double {value: 1}\n", "    %43 = read double %7, %4\n    %29 = neg double %43\n", TestName = "Apart_a_cotangent_read_from_a_buffer_after_the_value")]
    [TestCase("%30 = effect void %7, %27, %29, %8", "%30 = effect void %7, %6, %29, %8", TestName = "Apart_a_pullback_of_another_value")]
    [TestCase("%30 = effect void %7, %27, %29, %8 {callee: \"global::AutoDiff.AdMath.LogSumExpAdjoint\"", "%30 = effect void %7, %27, %29, %8 {callee: \"global::AutoDiff.AdMath.Scale\"", TestName = "Apart_another_effect")]
    public void Apart(string from, string to)
    {
        string text = Iteration.Replace(from, to);
        Assert.That(text, Is.Not.EqualTo(Iteration));
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(MergePullbacks.Run(input), input), "the function is returned as it was");
    }

    [Test]
    public void Apart_in_different_blocks()
    {
        // The pullback in a branch: it may not run, the merged call always would.
        string text = Iteration.Replace(
            "    %30 = effect void %7, %27, %29, %8 {callee: \"global::AutoDiff.AdMath.LogSumExpAdjoint\", active: [], effect: false}\n",
            """
                %43 = lt bool %16, %2
                if @44 %43
                then:
                  %30 = effect void %7, %27, %29, %8 {callee: "global::AutoDiff.AdMath.LogSumExpAdjoint", active: [], effect: false}
                  yield
                else:
                  yield

            """);
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(MergePullbacks.Run(input), input));
    }

    [Test]
    public void A_callee_and_its_Vjp_in_one_iteration_become_one_Vjp_call_that_returns_the_value()
    {
        // A [Differentiable] helper summed in a fused loop: the iteration called Pair for the sum, then PairVjp (which runs
        // Pair again) for the adjoint. Its Vjp returns Pair's value bit for bit, so one call does both.
        var run = GeneratorHarness.Run(StageIr.Wrap("""
                    [Differentiable]
                    public static double Pair(double a, double b) => a * Math.Sin(b);

                    [Differentiable]
                    public static double Sum(double[] x)
                    {
                        double s = 0;
                        for (int i = 0; i + 1 < x.Length; i += 2) s += Pair(x[i], x[i + 1]);
                        return s;
                    }
            """));
        run.AssertNoErrors();
        var model = StageIr.Models(run).Single(m => m.Primal!.Name == "Sum");
        var vjp = Companions.Build(model, default).Vjp;
        Assert.That(IrVerifier.Verify(vjp), Is.Empty);
        Assert.That(StageIr.Count(vjp, Op.CallDifferentiable), Is.Zero, "Pair itself is no longer called");
        var call = IrWalk.All(vjp.Body).Single(i => i.Op == Op.CallVjp);
        Assert.That(call.Call.ReturnsValue, "the Vjp's value is the sum's term");
        Assert.That(call.Results.Select(r => r.Type), Is.EqualTo(new[] { TypeRef.Double, TypeRef.Double, TypeRef.Double }), "the value, then a contribution per scalar operand");
        Assert.That(IrWalk.All(vjp.Body).Any(i => i.Op == Op.Add && i.Args.Contains(call.Results[0].Id)), "the sum adds the value");
        string text = StageIr.Print(vjp);
        Assert.That(text, Does.Contain("value: true"));
        Assert.That(StageIr.Print(StageIr.Parse(text)), Is.EqualTo(text), "it prints and parses back");

        var off = Companions.Build(model, PassOptions.Default.Off(MergePullbacks.Name), default).Vjp;
        Assert.That(StageIr.Count(off, Op.CallDifferentiable), Is.EqualTo(1), "off: the call and the Vjp, as before");
        Assert.That(IrWalk.All(off.Body).Single(i => i.Op == Op.CallVjp).Call.ReturnsValue, Is.False);
    }
}

using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="FuseAdjointLoops.Run"/> on IR written by hand: two loops counting down over the same iterations become
/// one when no dependence breaks (golden IR), a constant store that alone blocks it moves into a loop after the fused
/// one; and the pairs it must leave alone.
/// </summary>
public class FuseAdjointLoopsStageTests
{
    /// <summary>
    /// <c>for t = n−1 … 0: a[t] += x[t]</c>, then <c>for t = n−1 … 0: g[t] += a[t]; a[t] = 0</c>: a is the function's
    /// own buffer, g the caller's span.
    /// </summary>
    private const string Sweep = """
        func Sweep(%0 x: global::System.ReadOnlySpan<double>, %1 n: int, %2 g: global::System.Span<double>, %30 h: global::System.Span<double>)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = const double {value: 0}
          %6 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; a
          %7 iteration: int = while @8 %1
          condition(%9 iteration: int):
            %10 = gt bool %9, %3
            yield %10
          body(%11 iteration: int):
            %12 = sub int %11, %4  ; t
            %13 = element double %0, %12
            %14 = addto void %6, %12, %13
            yield %12
          %15 iteration: int = while @16 %1
          condition(%17 iteration: int):
            %18 = gt bool %17, %3
            yield %18
          body(%19 iteration: int):
            %20 = sub int %19, %4  ; t
            %21 = read double %6, %20
            %22 = write void %6, %20, %5
            %23 = addto void %2, %20, %21
            yield %20
          return value = %5
        """;

    [Test]
    public void Two_loops_over_the_same_iterations_become_one()
    {
        var output = FuseAdjointLoops.Run(StageIr.Parse(Sweep));
        StageIr.Verify(output, "FuseAdjointLoops.Sweep");
        var loop = output.Body.Single(i => i.Op == Op.While);
        Assert.That(loop.Args, Has.Count.EqualTo(1), "one counter");
        var ops = loop.Regions[1].Body.Select(i => i.Op).ToList();
        Assert.That(ops.Count(o => o == Op.Sub), Is.EqualTo(1), "t = iteration − 1 once");
        Assert.That(ops.IndexOf(Op.AddTo), Is.LessThan(ops.IndexOf(Op.Read)), "the first loop's part runs first");
    }

    [Test]
    public void Optimisations_off_leave_the_loops_apart()
    {
        var pipeline = new Pipeline(PassOptions.Default.Off(Pipeline.FuseAdjointLoopsName), default);
        var input = StageIr.Parse(Sweep);
        Assert.That(pipeline.Run(input, pipeline.FuseAdjointLoops()), Is.SameAs(input));
        Assert.That(PassOptions.Default.WithoutOptimizations().FuseAdjointLoops, Is.False);
    }

    [Test]
    public void A_dependence_the_wrong_way_is_left_alone()
    {
        // The second loop reads a[t − 1], which the first loop adds into in a later iteration (t − 1 comes after t).
        string wrong = Sweep.Replace("%21 = read double %6, %20", "%24 = sub int %20, %4\n    %21 = read double %6, %24");
        var input = StageIr.Parse(wrong);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_dependence_the_right_way_fuses()
    {
        // a[t + 1] was added into in an earlier iteration (t + 1 comes before t): fusing keeps the order.
        string right = Sweep.Replace("%21 = read double %6, %20", "%24 = add int %20, %4\n    %21 = read double %6, %24")
            .Replace("%22 = write void %6, %20, %5", "%22 = write void %6, %24, %5");
        var output = FuseAdjointLoops.Run(StageIr.Parse(right));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        Assert.That(output.Body.Count(i => i.Op == Op.While), Is.EqualTo(1));
    }

    [Test]
    public void An_unknown_index_is_left_alone()
    {
        // a[t·t]: not the counter plus a constant.
        string unknown = Sweep.Replace("%21 = read double %6, %20", "%24 = mul int %20, %20\n    %21 = read double %6, %24");
        var input = StageIr.Parse(unknown);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void Different_trip_counts_are_left_alone()
    {
        string shorter = Sweep.Replace("  %15 iteration: int = while @16 %1", "  %24 = sub int %1, %4\n  %15 iteration: int = while @16 %24");
        var input = StageIr.Parse(shorter);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_write_to_a_span_another_span_may_alias_is_left_alone()
    {
        // The first loop writes g[t]; the second reads h[t], which may be g's memory at another offset.
        string aliasing = Sweep.Replace("%14 = addto void %6, %12, %13", "%14 = write void %2, %12, %13")
            .Replace("%21 = read double %6, %20", "%21 = read double %30, %20");
        var input = StageIr.Parse(aliasing);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void Additions_into_two_spans_commute()
    {
        // Both loops only add into caller's spans (g, h): the additions commute, whatever the spans share.
        string adds = Sweep.Replace("%14 = addto void %6, %12, %13", "%14 = addto void %30, %12, %13");
        var output = FuseAdjointLoops.Run(StageIr.Parse(adds));
        Assert.That(output.Body.Count(i => i.Op == Op.While), Is.EqualTo(1));
    }

    [Test]
    public void A_call_between_is_left_alone()
    {
        string call = Sweep.Replace("  %15 iteration: int = while @16 %1",
            "  %24 = effect void %6, %5 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n  %15 iteration: int = while @16 %1");
        var input = StageIr.Parse(call);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_call_in_a_loop_is_left_alone()
    {
        string call = Sweep.Replace("    %23 = addto void %2, %20, %21",
            "    %24 = effect void %2, %21 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n    %23 = addto void %2, %20, %21");
        var input = StageIr.Parse(call);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_tape_both_loops_pop_is_left_alone()
    {
        string pops = Sweep.Replace("%13 = element double %0, %12", "%13 = pop double {tape: \"double\", entry: Value, pair: 1, reserved: false}")
            .Replace("%21 = read double %6, %20", "%21 = pop double {tape: \"double\", entry: Value, pair: 2, reserved: false}");
        var input = StageIr.Parse(pops);
        Assert.That(FuseAdjointLoops.Run(input), Is.SameAs(input));
    }

    /// <summary>
    /// The shape of GMM's reverse sweep: <c>a[t] += x[t]</c>; then row t reads <c>a[t + 1 + s]</c> for s ≥ 0 (an inner
    /// loop) into <c>b[t]</c>; then <c>g[t] += a[t]; a[t] = 0</c>. The last store blocks the fusion with the second loop
    /// (which reads later elements in later iterations): it moves into a loop of its own after the fused one.
    /// </summary>
    private const string Triangle = """
        func Triangle(%0 x: global::System.ReadOnlySpan<double>, %1 n: int, %2 g: global::System.Span<double>)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = const double {value: 0}
          %6 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; a
          %40 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; b
          %7 iteration: int = while @8 %1
          condition(%9 iteration: int):
            %10 = gt bool %9, %3
            yield %10
          body(%11 iteration: int):
            %12 = sub int %11, %4  ; t
            %13 = element double %0, %12
            %14 = addto void %6, %12, %13
            yield %12
          %41 iteration: int = while @42 %1
          condition(%43 iteration: int):
            %44 = gt bool %43, %3
            yield %44
          body(%45 iteration: int):
            %46 = sub int %45, %4  ; t
            %47 = add int %46, %4  ; j
            %48 = sub int %1, %47
            %49 s: int = while @50 %48
            condition(%51 s: int):
              %52 = gt bool %51, %3
              yield %52
            body(%53 s: int):
              %54 = sub int %53, %4
              %55 = add int %47, %54
              %56 = read double %6, %55
              %57 = addto void %40, %46, %56
              yield %54
            yield %46
          %15 iteration: int = while @16 %1
          condition(%17 iteration: int):
            %18 = gt bool %17, %3
            yield %18
          body(%19 iteration: int):
            %20 = sub int %19, %4  ; t
            %21 = read double %6, %20
            %22 = write void %6, %20, %5
            %60 = read double %40, %20
            %61 = add double %21, %60
            %23 = addto void %2, %20, %61
            yield %20
          return value = %5
        """;

    /// <summary><see cref="Triangle"/> with a[0] read after the loops: the loop of moved stores is needed and stays.</summary>
    private static readonly string TriangleReadAfter = Triangle.Replace("""
          return value = %5
        """, """
          %70 = read double %6, %3
          return value = %70
        """);

    [Test]
    public void A_zero_store_that_alone_blocks_moves_after_the_fused_loop()
    {
        var output = FuseAdjointLoops.Run(StageIr.Parse(TriangleReadAfter));
        StageIr.Verify(output, "FuseAdjointLoops.Triangle");
        var loops = output.Body.Where(i => i.Op == Op.While).ToList();
        Assert.That(loops, Has.Count.EqualTo(2));
        Assert.That(loops[0].Regions[1].Body.Count(i => i.Op == Op.While), Is.EqualTo(1), "the three loops' parts in one");
        Assert.That(StageIr.All(loops[0].Regions[1].Body).Count(i => i.Op == Op.Write), Is.Zero, "the store moved");
        var stores = loops[1].Regions[1].Body.Where(i => i.HasRegions || OpInfo.HasEffect(i)).ToList();
        Assert.That(stores.Single().Op, Is.EqualTo(Op.Write), "a loop of the stores alone");
    }

    [Test]
    public void Rows_that_first_touch_a_zeroed_element_write_it_and_its_clearing_loop_goes()
    {
        // Fused, the row loop counts t down from n and first does a[t] += x[t] (every other access of a is at t or above,
        // so earlier rows never touched a[t], which is 0: a is made zeroed and each run ends with the loop clearing all n
        // elements); the addition becomes a write, and since every read is then of an element written before in the same
        // run, the clearing loop goes.
        var output = FuseAdjointLoops.Run(StageIr.Parse(Triangle));
        StageIr.Verify(output, "FuseAdjointLoops.ZeroStart");
        var loops = output.Body.Where(i => i.Op == Op.While).ToList();
        Assert.That(loops, Has.Count.EqualTo(1), "no clearing loop");
        int a = output.Body.Single(i => i.Op == Op.NewBuffer && i.Name == "a").Id;
        var body = loops[0].Regions[1].Body;
        Assert.That(body.Where(i => i.Args.Count > 0 && i.Args[0] == a && i.Op != Op.Read).Select(i => i.Op), Is.EqualTo(new[] { Op.Write }), "a[t] = x[t]");
        Assert.That(StageIr.All(output.Body).Any(i => i.Op == Op.AddTo && i.Args[0] == a), Is.False);
    }

    [TestCase("%56 = read double %6, %55", "%70 = sub int %46, %4\n      %56 = read double %6, %70", TestName = "Rows_reading_below_t_keep_the_addition_and_the_clearing")]
    [TestCase("%14 = addto void %6, %12, %13", "%71 = read double %6, %12\n    %14 = addto void %6, %12, %71", TestName = "Rows_reading_first_keep_the_addition_and_the_clearing")]
    [TestCase("{kind: Stackalloc}  ; a", "{kind: Copy}  ; a", TestName = "A_copied_buffer_keeps_the_addition_and_the_clearing")]
    public void Rows_left_adding(string from, string to)
    {
        string text = Triangle.Replace(from, to);
        if (to.Contains("Copy")) text = text.Replace("%6 = newbuffer global::System.Span<double> %1", "%6 = newbuffer global::System.Span<double> %0");
        Assert.That(text, Is.Not.EqualTo(Triangle));
        var output = FuseAdjointLoops.Run(StageIr.Parse(text));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        int a = output.Body.Single(i => i.Op == Op.NewBuffer && i.Name == "a").Id;
        Assert.That(StageIr.All(output.Body).Any(i => i.Op == Op.AddTo && i.Args[0] == a), "a[t] += … stays");
        Assert.That(output.Body.Count(i => i.Op == Op.While), Is.EqualTo(2), "the clearing loop stays");
    }

    [Test]
    public void A_store_something_later_reads_stays()
    {
        // The third loop also reads a[t + 1], in a later iteration than the one that zeroes it: the store cannot move,
        // so that loop stays apart (the first two still fuse).
        string later = Triangle.Replace("%60 = read double %40, %20", "%62 = add int %20, %4\n    %63 = read double %6, %62\n    %60 = read double %40, %20");
        var output = FuseAdjointLoops.Run(StageIr.Parse(later));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        var loops = output.Body.Where(i => i.Op == Op.While).ToList();
        Assert.That(loops, Has.Count.EqualTo(2));
        Assert.That(loops[1].Regions[1].Body.Count(i => i.Op == Op.Write), Is.EqualTo(1));
        Assert.That(loops[1].Regions[1].Body.Count(i => i.Op == Op.AddTo), Is.EqualTo(1), "the third loop as it was");
    }
}

using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="PromoteElements.Run"/> on IR written by hand: an element of a buffer the function allocates, at an index
/// the loop does not change, is loaded once before the loop (when it runs at all), carried through it and stored once
/// after; and the loops it must leave alone.
/// </summary>
public class PromoteElementsStageTests
{
    /// <summary>
    /// <c>for (i = 0; i &lt; x.Length; i++) { acc[k] += x[i] · c[k]; }</c> then <c>acc[k]</c> read after the loop:
    /// acc and c are the function's own buffers, k is defined outside the loop.
    /// </summary>
    private const string Accumulate = """
        func Accumulate(%0 x: global::System.ReadOnlySpan<double>, %1 k: int, %2 n: int)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; acc
          %6 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; c
          %7 = const double {value: 2}
          %8 = write void %6, %1, %7
          %9 i: int = while @10 %3
          condition(%11 i: int):
            %12 = length int %0
            %13 = lt bool %11, %12
            yield %13
          body(%14 i: int):
            %15 = element double %0, %14
            %16 = read double %6, %1
            %17 = mul double %15, %16
            %18 = addto void %5, %1, %17
            %19 = add int %14, %4  ; i
            yield %19
          %20 = read double %5, %1
          return value = %20
        """;

    /// <summary><c>for (i = 0; i &lt; bound; i++) b[k] += x[i]</c>, b[k] read after the loop.</summary>
    private const string Invariant = """
        func Last(%0 x: global::System.ReadOnlySpan<double>, %1 n: int)
          %2 = const int {value: 0}
          %3 = const int {value: 1}
          %4 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; b
          %5 = sub int %1, %3  ; k
          %6 i: int = while @7 %2
          condition(%8 i: int):
            %9 = lt bool %8, %1
            yield %9
          body(%10 i: int):
            %11 = element double %0, %10
            %12 = addto void %4, %5, %11
            %13 = add int %10, %3
            yield %13
          %14 = read double %4, %5
          return value = %14
        """;

    [Test]
    public void A_loop_whose_condition_is_constant_on_entry_is_copied_as_it_is()
    {
        // for (i = 0; i < n; …): promoted, the load and the store guarded by `if (0 < n)`.
        var promoted = PromoteElements.Run(StageIr.Parse(Invariant));
        Assert.That(promoted.Body.Count(i => i.Op == Op.If), Is.EqualTo(2), "load and store under the entry condition");
        // for (i = 0; i < 0; …): the guard would be `if (0 < 0)`, which C# reports as unreachable code (CS0162).
        var input = StageIr.Parse(Invariant.Replace("%9 = lt bool %8, %1", "%9 = lt bool %8, %2"));
        var output = PromoteElements.Run(input);
        Assert.That(output.Body.Count(i => i.Op == Op.If), Is.Zero, "no guard");
        var loop = output.Body.Single(i => i.Op == Op.While);
        Assert.That(loop.Regions[1].Body.Any(i => i.Op == Op.AddTo), "b[k] += x[i] as it was");

        // for (i = k; true; …) (a mutant of a fixture; such a loop ends by a throw; i starts at no constant): the guard would be `if (true) … else …`,
        // its else unreachable (CS0162). Copied as it is too.
        string always = Invariant.Replace("  %5 = sub int %1, %3  ; k\n", "  %5 = sub int %1, %3  ; k\n  %15 = const bool {value: 1}\n")
            .Replace("    %9 = lt bool %8, %1\n    yield %9\n", "    yield %15\n").Replace("%6 i: int = while @7 %2", "%6 i: int = while @7 %5");
        Assert.That(always, Does.Contain("yield %15"));
        var endless = PromoteElements.Run(StageIr.Parse(always));
        Assert.That(endless.Body.Count(i => i.Op == Op.If), Is.Zero, "no guard on a constant condition");
        Assert.That(endless.Body.Single(i => i.Op == Op.While).Regions[1].Body.Any(i => i.Op == Op.AddTo), "b[k] += x[i] as it was");
    }

    [Test]
    public void Invariant_elements_of_own_buffers_live_in_locals()
    {
        var output = PromoteElements.Run(StageIr.Parse(Accumulate));
        StageIr.Verify(output, "PromoteElements.Accumulate");

        var loop = output.Body.Single(i => i.Op == Op.While);
        // In the loop: no read of either buffer, no addition into acc; acc[k] is a carried value.
        Assert.That(StageIr.All(loop.Regions[1].Body).Count(i => i.Op == Op.Read || i.Op == Op.AddTo), Is.Zero);
        Assert.That(loop.Args.Count, Is.EqualTo(2));
        // Before it, one if on the entry condition (0 < x.Length) loads both; after it, one stores acc[k] back.
        var ifs = output.Body.Where(i => i.Op == Op.If).ToList();
        Assert.That(ifs, Has.Count.EqualTo(2));
        Assert.That(ifs[0].Args[0], Is.EqualTo(ifs[1].Args[0]), "the load and the store are guarded by the same test");
        Assert.That(ifs[0].Regions[0].Body.Count(i => i.Op == Op.Read), Is.EqualTo(2));
        Assert.That(ifs[0].Regions[1].Body.Any(i => i.Op == Op.Read), Is.False, "a loop of no iteration reads nothing");
        Assert.That(ifs[1].Regions[0].Body.Single().Op, Is.EqualTo(Op.Write));
        Assert.That(ifs[1].Regions[1].Body, Is.Empty, "a loop of no iteration writes nothing");
        Assert.That(output.Body.ToList().IndexOf(ifs[0]), Is.LessThan(output.Body.ToList().IndexOf(loop)));
        Assert.That(output.Body.ToList().IndexOf(ifs[1]), Is.GreaterThan(output.Body.ToList().IndexOf(loop)));
    }

    [Test]
    public void A_read_only_element_is_not_stored_back()
    {
        // Only c[k] is read in the loop (acc[k] is added into after it): loaded before, no store.
        string readOnly = Accumulate.Replace("%18 = addto void %5, %1, %17", "%18 = addto void %5, %14, %17");
        var output = PromoteElements.Run(StageIr.Parse(readOnly));
        StageIr.Verify(output, "PromoteElements.ReadOnly");
        Assert.That(output.Body.Count(i => i.Op == Op.If), Is.EqualTo(1));
        var loop = output.Body.Single(i => i.Op == Op.While);
        Assert.That(loop.Args.Count, Is.EqualTo(1), "a read-only element is not carried");
        Assert.That(StageIr.All(loop.Regions[1].Body).Count(i => i.Op == Op.Read), Is.Zero);
        Assert.That(StageIr.All(loop.Regions[1].Body).Count(i => i.Op == Op.AddTo), Is.EqualTo(1));
    }

    [Test]
    public void A_span_parameter_is_left_alone()
    {
        // acc is the caller's span: another span may alias it.
        string parameter = Accumulate
            .Replace("func Accumulate(%0 x: global::System.ReadOnlySpan<double>, %1 k: int, %2 n: int)",
                "func Accumulate(%0 x: global::System.ReadOnlySpan<double>, %1 k: int, %2 n: int, %21 acc: global::System.Span<double>, %22 c: global::System.Span<double>)")
            .Replace("  %5 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; acc\n", "")
            .Replace("  %6 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; c\n", "")
            .Replace("%5", "%21").Replace("%6,", "%22,");
        var input = StageIr.Parse(parameter);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void An_index_the_loop_changes_is_left_alone()
    {
        string varying = Accumulate.Replace("%16 = read double %6, %1", "%16 = read double %6, %14")
            .Replace("%18 = addto void %5, %1, %17", "%18 = addto void %5, %14, %17");
        var input = StageIr.Parse(varying);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void Two_indices_into_one_buffer_are_left_alone()
    {
        // acc[k] and acc[0] may be one element.
        string two = Accumulate.Replace("%19 = add int %14, %4  ; i", "%23 = addto void %5, %3, %17\n    %19 = add int %14, %4  ; i")
            .Replace("%16 = read double %6, %1", "%16 = read double %6, %14");
        var input = StageIr.Parse(two);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_buffer_passed_to_a_call_in_the_loop_is_left_alone()
    {
        string called = Accumulate
            .Replace("%19 = add int %14, %4  ; i", "%23 = effect void %5, %17 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n    %19 = add int %14, %4  ; i")
            .Replace("%16 = read double %6, %1", "%16 = read double %6, %14");
        var input = StageIr.Parse(called);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void An_element_touched_only_in_a_branch_is_left_alone()
    {
        // The branch may never be taken, and k may be out of range: loading acc[k] before the loop could throw.
        string branch = Accumulate
            .Replace("    %18 = addto void %5, %1, %17\n", "    %23 = gt bool %17, %7\n    if @24 %23\n    then:\n      %18 = addto void %5, %1, %17\n      yield\n    else:\n      yield\n")
            .Replace("%16 = read double %6, %1", "%16 = read double %6, %14");
        var input = StageIr.Parse(branch);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_loop_that_may_throw_is_left_alone()
    {
        // An integer division could throw before the first access: a load hoisted above it could throw first instead.
        string divides = Accumulate.Replace("%19 = add int %14, %4  ; i", "%23 = div int %2, %14\n    %19 = add int %14, %4  ; i");
        var input = StageIr.Parse(divides);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_loop_with_a_call_is_left_alone()
    {
        // The callee may throw in the first iteration, before acc[k] is touched.
        string calls = Accumulate.Replace("%17 = mul double %15, %16", "%23 = callstatic double %15 {callee: \"global::Demo.Fns.Check\", active: [], effect: false}\n    %17 = mul double %23, %16");
        var input = StageIr.Parse(calls);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void Threaded_through_a_branch_inside_the_loop()
    {
        // acc[k] += …, then if (…) acc[k] = acc[k] · 2: the if gets the element as a result.
        string branch = Accumulate
            .Replace("    %19 = add int %14, %4  ; i\n",
                "    %23 = gt bool %17, %7\n    if @24 %23\n    then:\n      %25 = read double %5, %1\n      %26 = mul double %25, %7\n      %27 = write void %5, %1, %26\n      yield\n    else:\n      yield\n    %19 = add int %14, %4  ; i\n");
        var output = PromoteElements.Run(StageIr.Parse(branch));
        StageIr.Verify(output, "PromoteElements.Branch");
        var loop = output.Body.Single(i => i.Op == Op.While);
        var inner = loop.Regions[1].Body.Single(i => i.Op == Op.If);
        Assert.That(inner.Results, Has.Count.EqualTo(1));
        Assert.That(StageIr.All(loop.Regions[1].Body).Count(i => i.Op == Op.Read || i.Op == Op.Write || i.Op == Op.AddTo), Is.Zero);
    }
}

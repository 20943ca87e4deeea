using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="FillAtUse.Run"/> on IR written by hand: the reverse sweep's refill of GMM's <c>z = x − μ</c> followed by a
/// reverse row reading <c>z[t]</c> once becomes the row computing <c>x[t] − μ[c·d + t]</c> itself; and the fills it
/// must leave alone. The numbers are checked in <c>Numeric/FillAtUseTests</c>.
/// </summary>
public class FillAtUseStageTests
{
    private const string Refill = """
        func Refill(%0 x: global::System.ReadOnlySpan<double>, %1 mu: global::System.ReadOnlySpan<double>, %2 muAdj: global::System.Span<double>, %3 d: int, %4 c: int, %5 g: double)
          %6 = const int {value: 0}
          %7 = const int {value: 1}
          %8 = newbuffer global::System.Span<double> %3 {kind: Stackalloc}  ; z
          %9 = mul int %4, %3
          %12 id: int = while @13 %6
          condition(%10 id: int):
            %11 = lt bool %10, %3
            yield %11
          body(%14 id: int):
            %15 = element double %0, %14 {inRange: true}
            %16 = add int %9, %14
            %17 = element double %1, %16 {inRange: true}
            %18 = sub double %15, %17
            %19 = write void %8, %14, %18 {inRange: true}
            %20 = add int %14, %7  ; id
            yield %20
          %21 iteration: int = while @22 %3
          condition(%23 iteration: int):
            %24 = gt bool %23, %6
            yield %24
          body(%25 iteration: int):
            %26 = sub int %25, %7  ; t
            %27 = read double %8, %26 {inRange: true}  ; z
            %28 = mul double %27, %5
            %29 = add int %9, %26
            %30 = addto void %2, %29, %28 {inRange: true}
            yield %26
          return value = %5
        """;

    [Test]
    public void A_refilled_element_read_once_per_row_is_computed_in_the_row()
    {
        var input = StageIr.Parse(Refill);
        var output = FillAtUse.Run(input);
        StageIr.Verify(output, "FillAtUse.Refill");

        var loop = output.Body.Single(i => i.Op == Op.While);
        Assert.That(loop.Regions[1].Params[0].Name, Is.EqualTo("iteration"), "the filling loop is gone, the row loop stays");
        Assert.That(StageIr.Count(output, Op.Write), Is.Zero, "nothing stores into z");
        Assert.That(StageIr.Count(output, Op.Read), Is.Zero, "nothing loads from z");
        var body = loop.Regions[1].Body;
        var difference = body.Single(i => i.Op == Op.Sub && i.Type == TypeRef.Double);
        Assert.That(difference.Name, Is.EqualTo("z"), "the element takes the read's name");
        var t = body.First(i => i.Op == Op.Sub && i.Type == TypeRef.Int);
        var (left, right) = (StageIr.Definition(output, difference.Args[0]), StageIr.Definition(output, difference.Args[1]));
        Assert.That((left.Op, left.Args[0], left.Args[1]), Is.EqualTo((Op.Element, output.Params[0].Id, t.Id)), "x[t]");
        Assert.That(right.Op, Is.EqualTo(Op.Element));
        Assert.That(right.Args[0], Is.EqualTo(output.Params[1].Id), "μ[c·d + t]");
        Assert.That(StageIr.Definition(output, right.Args[1]).Args, Does.Contain(t.Id));
        Assert.That(new[] { left, right }.All(i => i.Payload is InRange), "in range as the fill was");
        var product = body.Single(i => i.Op == Op.Mul && i.Type == TypeRef.Double);
        Assert.That(product.Args[0], Is.EqualTo(difference.Id), "the row uses it where it read z[t]");
    }

    [TestCase("    %28 = mul double %27, %5\n", "    %31 = read double %8, %6 {inRange: true}\n    %28 = mul double %27, %31\n", TestName = "Left_alone_two_reads")]
    [TestCase("%27 = read double %8, %26 {inRange: true}  ; z", "%27 = read double %8, %26  ; z", TestName = "Left_alone_a_read_not_known_in_range")]
    [TestCase("%11 = lt bool %10, %3", "%11 = lt bool %10, %4", TestName = "Left_alone_a_fill_of_part_of_the_buffer")]
    [TestCase("%18 = sub double %15, %17", "%18 = intrinsic double %17 {fn: Exp}", TestName = "Left_alone_a_fill_that_is_not_cheap")]
    [TestCase("%30 = addto void %2, %29, %28 {inRange: true}", "%30 = addto void %2, %29, %28", TestName = "Left_alone_a_checked_write_of_a_parameter_after_it")]
    [TestCase("    %30 = addto void %2, %29, %28 {inRange: true}\n", "    %30 = addto void %2, %29, %28 {inRange: true}\n    %31 = effect void %2, %28 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n", TestName = "Left_alone_a_call_with_effects_after_it")]
    [TestCase("  return value = %5", "  return value = %5, id = %12", TestName = "Left_alone_a_counter_used_after_the_fill")]
    [TestCase("%19 = write void %8, %14, %18 {inRange: true}", "%19 = write void %8, %6, %18 {inRange: true}", TestName = "Left_alone_a_store_at_another_index")]
    public void Left_alone(string from, string to)
    {
        string text = Refill.Replace(from, to);
        Assert.That(text, Is.Not.EqualTo(Refill));
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(FillAtUse.Run(input), input), "the function is returned as it was");
    }

    [Test]
    public void Left_alone_a_read_two_loops_deep()
    {
        // The row reads z[t] in an inner loop of s iterations: computing it there would run the fill s times per row.
        string text = Refill.Replace("""
                %27 = read double %8, %26 {inRange: true}  ; z
                %28 = mul double %27, %5
            """, """
                %40 s: int = while @41 %3
                condition(%42 s: int):
                  %43 = gt bool %42, %6
                  yield %43
                body(%44 s: int):
                  %45 = sub int %44, %7
                  %46 = read double %8, %26 {inRange: true}  ; z
                  %47 = addto void %2, %45, %46 {inRange: true}
                  yield %45
                %28 = mul double %5, %5
            """);
        Assert.That(text, Is.Not.EqualTo(Refill));
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(FillAtUse.Run(input), input));
    }

    [Test]
    public void Left_alone_a_fill_reading_a_buffer_written_after_it()
    {
        // The fill reads w, which the row writes: the element computed at the read would see the row's writes.
        string text = Refill.Replace("  %9 = mul int %4, %3\n", "  %9 = mul int %4, %3\n  %40 = newbuffer global::System.Span<double> %3 {kind: StackallocZeroed}  ; w\n")
            .Replace("%17 = element double %1, %16 {inRange: true}", "%17 = read double %40, %14 {inRange: true}")
            .Replace("    %30 = addto void %2, %29, %28 {inRange: true}\n", "    %30 = addto void %2, %29, %28 {inRange: true}\n    %31 = addto void %40, %26, %28 {inRange: true}\n");
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(FillAtUse.Run(input), input));
        // The same buffer not written after the fill: taken.
        var taken = StageIr.Parse(text.Replace("    %31 = addto void %40, %26, %28 {inRange: true}\n", ""));
        Assert.That(StageIr.Count(FillAtUse.Run(taken), Op.While), Is.EqualTo(1));
    }
}

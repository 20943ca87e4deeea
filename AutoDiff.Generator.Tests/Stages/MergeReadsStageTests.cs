using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="MergeReads.Run"/> on IR written by hand: a read of an element that an earlier read of it, in the same block
/// or a block around it, reads unchanged takes that read's value; and the reads it must leave alone (a write, an aliasing
/// write, a call, a loop or an if that writes the sequence between, another index).
/// </summary>
public class MergeReadsStageTests
{
    /// <summary><c>b[k] = x[k]; s = b[k] * b[k]</c>, then <c>%20</c> marks where the cases put something between the reads.</summary>
    private const string Square = """
        func Square(%0 x: global::System.ReadOnlySpan<double>, %1 k: int, %2 n: int, %3 o: global::System.Span<double>, %4 p: global::System.Span<double>)
          %5 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; b
          %6 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; c
          %7 = element double %0, %1
          %8 = write void %5, %1, %7
          %9 = read double %5, %1
          %20 = const double {value: 2}
          %10 = read double %5, %1
          %11 = mul double %9, %10
          return value = %11
        """;

    private static string Between(string instructions, string text = Square) =>
        text.Replace("  %20 = const double {value: 2}\n", "  %20 = const double {value: 2}\n" + instructions);

    private static void LeftAlone(string text)
    {
        var input = StageIr.Parse(text);
        Assert.That(MergeReads.Run(input), Is.SameAs(input));
    }

    [Test]
    public void Two_reads_of_one_element_are_one_value()
    {
        var output = MergeReads.Run(StageIr.Parse(Square));
        StageIr.Verify(output, "MergeReads.Square");
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1));
        var mul = output.Body.Single(i => i.Op == Op.Mul);
        Assert.That(mul.Args[0], Is.EqualTo(mul.Args[1]), "x·x");
    }

    [Test]
    public void A_write_to_another_own_buffer_between_is_no_obstacle()
    {
        var output = MergeReads.Run(StageIr.Parse(Between("  %21 = write void %6, %1, %20\n  %22 = write void %3, %1, %20\n")));
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1), "c and o cannot be b's memory");
    }

    [Test]
    public void A_write_of_the_buffer_between_is_left_alone() =>
        LeftAlone(Between("  %21 = write void %5, %2, %20\n"));

    [Test]
    public void An_addition_into_the_element_between_is_left_alone() =>
        LeftAlone(Between("  %21 = addto void %5, %1, %20\n"));

    [Test]
    public void Different_indices_are_left_alone() =>
        LeftAlone(Square.Replace("%10 = read double %5, %1", "%10 = read double %5, %2"));

    [Test]
    public void Reads_of_two_buffers_are_left_alone() =>
        LeftAlone(Square.Replace("%10 = read double %5, %1", "%10 = read double %6, %1"));

    /// <summary>The same reads of the span parameter o, which the caller may have made the same memory as p.</summary>
    private static readonly string SquareOfParameter = Square.Replace("read double %5, %1", "read double %3, %1");

    [Test]
    public void Two_reads_of_a_span_parameter_are_one_value()
    {
        var output = MergeReads.Run(StageIr.Parse(Between("  %21 = write void %5, %1, %20\n", SquareOfParameter)));
        StageIr.Verify(output, "MergeReads.SpanParameter");
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1), "b is the function's own: writing it leaves o as it was");
    }

    [Test]
    public void A_write_to_another_span_parameter_between_is_left_alone() =>
        LeftAlone(Between("  %21 = write void %4, %2, %20\n", SquareOfParameter));

    [Test]
    public void A_call_with_an_effect_between_is_left_alone()
    {
        // Any call may write a span parameter's memory; only one given the buffer may write the function's own.
        LeftAlone(Between("  %21 = callstatic void %20 {callee: \"global::Demo.Fns.Log\", active: [], effect: true}\n", SquareOfParameter));
        LeftAlone(Between("  %21 = effect void %5, %20 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n"));
        var output = MergeReads.Run(StageIr.Parse(Between("  %21 = effect void %6, %20 {callee: \"global::AutoDiff.AdMath.Scale\", active: [], effect: true}\n")));
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1), "a call given c does not write b");
    }

    /// <summary>A loop over i &lt; n between the reads; <c>%30</c> marks where its body's cases go.</summary>
    private const string Loop = """
          %21 = const int {value: 0}
          %22 = const int {value: 1}
          %23 i: int = while @24 %21
          condition(%25 i: int):
            %26 = lt bool %25, %2
            yield %26
          body(%27 i: int):
            %30 = add int %27, %22  ; i
            yield %30

        """;

    [Test]
    public void A_loop_that_writes_the_buffer_between_is_left_alone() =>
        LeftAlone(Between(Loop.Replace("    %30 = add", "    %31 = write void %5, %27, %20\n    %30 = add")));

    [Test]
    public void A_loop_that_writes_other_buffers_between_is_no_obstacle()
    {
        var output = MergeReads.Run(StageIr.Parse(Between(Loop.Replace("    %30 = add", "    %31 = write void %6, %27, %20\n    %30 = add"))));
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1));
    }

    [Test]
    public void A_read_in_a_loop_takes_the_value_read_before_it()
    {
        // s = b[k] · b[k] read again in every iteration, which writes only c: one read, before the loop.
        var output = MergeReads.Run(StageIr.Parse(Between(Loop.Replace("    %30 = add", "    %31 = read double %5, %1\n    %32 = write void %6, %27, %31\n    %30 = add"))));
        StageIr.Verify(output, "MergeReads.IntoLoop");
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(1));
    }

    [Test]
    public void A_read_in_a_loop_that_writes_the_element_later_is_left_alone()
    {
        // b[k] read, then written: the next iteration reads what this one wrote, not what was read before the loop.
        LeftAlone(Between(Loop.Replace("    %30 = add", "    %31 = read double %5, %1\n    %32 = mul double %31, %20\n    %33 = write void %5, %1, %32\n    %30 = add")));
    }

    [Test]
    public void Reads_in_one_iteration_are_one_value()
    {
        // b[i] · b[i] in the body, the loop writing b[i] before: merged inside the iteration, not with the read after it.
        var output = MergeReads.Run(StageIr.Parse(Between(Loop.Replace("    %30 = add",
            "    %31 = write void %5, %27, %20\n    %32 = read double %5, %27\n    %33 = read double %5, %27\n    %34 = mul double %32, %33\n    %35 = write void %6, %27, %34\n    %30 = add"))));
        StageIr.Verify(output, "MergeReads.InLoop");
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(3), "one in the loop, the two around it");
    }

    [Test]
    public void An_if_that_writes_the_buffer_between_is_left_alone()
    {
        const string branch = "  %21 = gt bool %9, %20\n  if @22 %21\n  then:\n    %23 = write void %5, %1, %20\n    yield\n  else:\n    yield\n";
        LeftAlone(Between(branch));
        // In a branch before its write, the read is the one before the if.
        var output = MergeReads.Run(StageIr.Parse(Between(branch.Replace("    %23 = write", "    %24 = read double %5, %1\n    %25 = add double %24, %20\n    %23 = write void %5, %1, %25\n    %26 = write"))));
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(2), "the branch's read merged, the read after the if not");
    }

    [Test]
    public void An_index_read_twice_is_one_value_for_the_reads_it_indexes()
    {
        // b[j[k]] · b[j[k]] with j an int buffer: j[k] once, then b at that index once.
        string indexed = Square
            .Replace("  %7 = element double %0, %1\n", "  %7 = element double %0, %1\n  %40 = newbuffer global::System.Span<int> %2 {kind: Stackalloc}  ; j\n  %41 = read int %40, %1\n  %42 = read int %40, %1\n")
            .Replace("%9 = read double %5, %1", "%9 = read double %5, %41").Replace("%10 = read double %5, %1", "%10 = read double %5, %42");
        var output = MergeReads.Run(StageIr.Parse(indexed));
        Assert.That(StageIr.Count(output, Op.Read), Is.EqualTo(2));
    }

    [Test]
    public void A_buffer_another_value_names_may_be_any_sequence()
    {
        // b is also a result of an if (another value names it): a write to o between may be a write to it.
        string carried = Between("  %22 = write void %3, %1, %20\n").Replace("  %9 = read double %5, %1\n",
            "  %9 = read double %5, %1\n  %50 = gt bool %7, %7\n  %51 s: global::System.Span<double> = if @52 %50\n  then:\n    yield %5\n  else:\n    yield %6\n");
        var input = StageIr.Parse(carried);
        Assert.That(MergeReads.Run(input), Is.SameAs(input));
        // Without the if, the write to o is no obstacle.
        Assert.That(StageIr.Count(MergeReads.Run(StageIr.Parse(Between("  %22 = write void %3, %1, %20\n"))), Op.Read), Is.EqualTo(1));
    }
}

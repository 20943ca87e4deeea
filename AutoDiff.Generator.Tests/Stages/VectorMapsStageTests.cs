using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="VectorMaps.Run"/> on IR written by hand: a forward column loop of a triangular product,
/// <c>for (j = s; j &lt; n; j++) { y[j] = y[j] + a[l]·z; l++ }</c>, gets lanes aligned to its end ahead of the scalar loop,
/// which runs the first iterations left; and the loops it must leave alone. Numbers: <c>Numeric/VectorMapsTests</c>.
/// </summary>
public class VectorMapsStageTests
{
    private const string Column = """
        func Column(%0 a: global::System.ReadOnlySpan<double>, %1 n: int, %2 s: int, %3 l: int, %4 z: double)
          %5 = newbuffer global::System.Span<double> %1 {kind: StackallocZeroed}  ; y
          %6 = const int {value: 1}
          %7 j: int, %8 l: int = while @9 %2, %3
          condition(%10 j: int, %11 l: int):
            %12 = lt bool %10, %1
            yield %12
          body(%13 j: int, %14 l: int):
            %15 = read double %5, %13
            %16 = element double %0, %14
            %17 = mul double %16, %4
            %18 = add double %15, %17
            %19 = write void %5, %13, %18
            %20 = add int %14, %6  ; l
            %21 = add int %13, %6  ; j
            yield %21, %20
          %22 = read double %5, %2
          return value = %22, l = %8
        """;

    [Test]
    public void A_column_loop_runs_in_lanes_from_its_end_then_the_scalar_loop_runs_the_first_iterations()
    {
        var input = StageIr.Parse(Column);
        var output = VectorMaps.Run(input);
        StageIr.Verify(output, "VectorMaps.Column");

        var top = output.Body.ToList();
        var gate = top.Single(i => i.Op == Op.If);
        var scalar = top.Single(i => i.Op == Op.While);
        Assert.That(top.IndexOf(gate), Is.LessThan(top.IndexOf(scalar)), "lanes first");
        var lanes = gate.Regions[0].Body.Single(i => i.Op == Op.While);
        var vector = TypeRef.VectorOf(TypeRef.Double);
        var body = lanes.Regions[1].Body;
        var accesses = body.Where(i => OpInfo.IndexesSequence(i.Op)).ToList();
        Assert.That(accesses.Select(i => i.Op), Is.EqualTo(new[] { Op.Read, Op.Element, Op.Write }));
        Assert.That(accesses.Take(2).Select(i => i.Type), Is.All.EqualTo(vector), "y and a, lanes at once");
        Assert.That(StageIr.Definition(output, OpInfo.StoredValue(accesses[2])).Type, Is.EqualTo(vector));
        Assert.That(accesses.All(i => i.Payload is not InRange), "checked as the scalar loop's accesses are, a vector at a time");
        // left' = left − Count, the lanes' first iteration; the counters at their starts plus it.
        var offset = body[0];
        Assert.That((offset.Op, offset.Args[0]), Is.EqualTo((Op.Sub, lanes.Regions[1].Params[0].Id)));
        Assert.That(lanes.Regions[1].Yields, Is.EqualTo(new[] { offset.Id }));
        Assert.That(StageIr.Definition(output, lanes.Args[0]).Op, Is.EqualTo(Op.Select), "from trips = n > s ? n − s : 0");
        Assert.That(gate.Regions[0].Body.Count(i => i.Op == Op.Splat), Is.EqualTo(1), "z splat once, before the lanes");

        // The scalar loop: j < s + left, from the starts; l's result moved on by trips − left.
        var test = scalar.Regions[0].Body.Single(i => i.Op == Op.Lt);
        var bound = StageIr.Definition(output, test.Args[1]);
        Assert.That((bound.Op, bound.Args[0], bound.Args[1]), Is.EqualTo((Op.Add, output.Params[2].Id, gate.Results[0].Id)));
        Assert.That(scalar.Args, Is.EqualTo(new[] { output.Params[2].Id, output.Params[3].Id }));
        var l = StageIr.Definition(output, StageIr.Result(output, "l"));
        Assert.That((l.Op, l.Args[0]), Is.EqualTo((Op.Add, scalar.Results[1].Id)));
        Assert.That(scalar.Regions[1].Body.Select(i => i.Op), Is.EqualTo(StageIr.All(input.Body).Single(i => i.Op == Op.While).Regions[1].Body.Select(i => i.Op)), "the loop as it was");
    }

    [TestCase("%17 = mul double %16, %4", "%17 = intrinsic double %16 {fn: Exp}", TestName = "Left_alone_a_call_on_lanes")]
    [TestCase("%21 = add int %13, %6  ; j", "%23 = const int {value: 2}\n    %21 = add int %13, %23  ; j", TestName = "Left_alone_a_counter_stepping_by_two")]
    [TestCase("%12 = lt bool %10, %1", "%12 = le bool %10, %1", TestName = "Left_alone_another_condition")]
    [TestCase("%15 = read double %5, %13", "%15 = read double %5, %14", TestName = "Left_alone_a_written_buffer_read_at_another_index")]
    [TestCase("%19 = write void %5, %13, %18", "%19 = write void %5, %2, %18", TestName = "Left_alone_a_write_at_an_index_the_same_every_iteration")]
    [TestCase("%19 = write void %5, %13, %18", "%19 = write void %5, %13, %4", TestName = "Left_alone_a_loop_storing_no_value_computed_per_iteration")]
    [TestCase("%16 = element double %0, %14", "%16 = element double %0, %2", TestName = "Left_alone_a_checked_read_at_an_index_the_same_every_iteration")]
    public void Left_alone(string from, string to)
    {
        string text = Column.Replace(from, to);
        Assert.That(text, Is.Not.EqualTo(Column));
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(VectorMaps.Run(input), input), "the function is returned as it was");
    }

    [Test]
    public void A_checked_loop_writing_a_parameter_is_left_alone_and_an_in_range_one_is_taken()
    {
        // y the caller's span: a checked access throwing part way would show which elements the lanes wrote first.
        string parameter = Column.Replace("func Column(%0 a: global::System.ReadOnlySpan<double>,", "func Column(%0 a: global::System.ReadOnlySpan<double>, %40 y: global::System.Span<double>,")
            .Replace("  %5 = newbuffer global::System.Span<double> %1 {kind: StackallocZeroed}  ; y\n", "")
            .Replace("%5", "%40");
        var input = StageIr.Parse(parameter);
        Assert.That(ReferenceEquals(VectorMaps.Run(input), input));
        // The same accesses known in range (the reverse sweep's): nothing can throw, so the caller's span may be written in lanes.
        string inRange = parameter.Replace("%15 = read double %40, %13", "%15 = element double %40, %13 {inRange: true}")
            .Replace("%16 = element double %0, %14", "%16 = element double %0, %14 {inRange: true}")
            .Replace("%19 = write void %40, %13, %18", "%19 = write void %40, %13, %18 {inRange: true}");
        var output = VectorMaps.Run(StageIr.Parse(inRange));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        var lanes = output.Body.Single(i => i.Op == Op.If).Regions[0].Body.Single(i => i.Op == Op.While);
        Assert.That(lanes.Regions[1].Body.Where(i => OpInfo.IndexesSequence(i.Op)).All(i => i.Payload is InRange));
    }
}

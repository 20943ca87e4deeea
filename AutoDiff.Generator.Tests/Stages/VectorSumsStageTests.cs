using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="VectorSums.Run"/> on IR written by hand: the reverse of one row of a column-by-column product (GMM's
/// triangle), <c>x̄ += ȳ[t]·a[l + t]; ā[l + t] += ȳ[t]·x</c> counting t down, gets a loop over vector lanes ahead of the
/// scalar loop; and the loops it must leave alone.
/// </summary>
public class VectorSumsStageTests
{
    private const string Row = """
        func Row(%0 a: global::System.ReadOnlySpan<double>, %1 yAdj: global::System.ReadOnlySpan<double>, %2 aAdj: global::System.Span<double>, %3 n: int, %4 l: int, %5 x: double)
          %6 = const int {value: 0}
          %7 = const int {value: 1}
          %8 = const double {value: 0}
          %9 iteration: int, %10 xAdj: double = while @11 %3, %8
          condition(%12 iteration: int, %13 xAdj: double):
            %14 = gt bool %12, %6
            yield %14
          body(%15 iteration: int, %16 xAdj: double):
            %17 = sub int %15, %7  ; t
            %18 = add int %4, %17  ; index
            %19 = element double %1, %17 {inRange: true}
            %20 = element double %0, %18 {inRange: true}
            %21 = mul double %19, %20
            %22 = add double %16, %21  ; xAdj
            %23 = mul double %19, %5
            %24 = addto void %2, %18, %23 {inRange: true}
            yield %17, %22
          return xAdj = %10
        """;

    private static Instr Loop(IrFunction function) => StageIr.All(function.Body).Single(i => i.Op == Op.While);

    [Test]
    public void A_reverse_row_summing_into_a_local_runs_in_lanes_first()
    {
        var input = StageIr.Parse(Row);
        var output = VectorSums.Run(input);
        StageIr.Verify(output, "VectorSums.Row");

        // if (accelerated && n >= Count) { lanes loop; xAdj = 0 + Sum(lanes) } else { n, 0 }; then the scalar loop from there.
        var top = output.Body.ToList();
        var gate = top.Single(i => i.Op == Op.If);
        var scalar = top.Single(i => i.Op == Op.While);
        Assert.That(top.IndexOf(gate), Is.LessThan(top.IndexOf(scalar)));
        Assert.That(scalar.Args, Is.EqualTo(gate.Results.Select(r => r.Id)), "the scalar loop starts from what the lanes left");
        Assert.That(scalar.Regions[1].Body.Select(i => i.Op), Is.EqualTo(Loop(input).Regions[1].Body.Select(i => i.Op)), "and is the loop as it was");
        Assert.That(top.Where(i => i.Op == Op.LoadStatic).Select(i => i.Member.Name),
            Is.EquivalentTo(new[] { "global::System.Numerics.Vector.IsHardwareAccelerated", "global::System.Numerics.Vector<double>.Count" }));

        var lanes = gate.Regions[0].Body.Single(i => i.Op == Op.While);
        var vector = TypeRef.VectorOf(TypeRef.Double);
        Assert.That(lanes.Results.Select(r => r.Type), Is.EqualTo(new[] { TypeRef.Int, vector }), "the counter and the lanes of x̄");
        var body = lanes.Regions[1].Body;
        Assert.That(body.Where(i => i.Op == Op.Element).Select(i => i.Type), Is.EqualTo(new[] { vector, vector }), "ȳ and a, lanes at once");
        Assert.That(body.Where(i => i.Op == Op.Element).All(i => i.Payload is InRange));
        var add = body.Single(i => i.Op == Op.AddTo);
        Assert.That(StageIr.Definition(output, OpInfo.StoredValue(add)).Type, Is.EqualTo(vector), "ā[l + t] += lanes");
        Assert.That(gate.Regions[0].Body.Count(i => i.Op == Op.Splat && i.Args[0] == output.Params.Single(p => p.Name == "x").Id), Is.EqualTo(1),
            "x splat once, before the lanes loop");
        var sum = gate.Regions[0].Body.Single(i => i.Op == Op.SumLanes);
        Assert.That(sum.Args[0], Is.EqualTo(lanes.Results[1].Id));
        Assert.That(gate.Regions[1].Yields, Is.EqualTo(new[] { output.Params.Single(p => p.Name == "n").Id, StageIr.Definition(output, gate.Regions[1].Yields[1]).Id }));
        Assert.That(StageIr.Definition(output, gate.Regions[1].Yields[1]).Op, Is.EqualTo(Op.Const), "no lanes: x̄ starts as it did");
    }

    [Test]
    public void A_second_sum_and_a_subtraction_are_lanes_too()
    {
        string text = Row.Replace("%9 iteration: int, %10 xAdj: double = while @11 %3, %8", "%9 iteration: int, %10 xAdj: double, %30 zAdj: double = while @11 %3, %8, %8")
            .Replace("condition(%12 iteration: int, %13 xAdj: double):", "condition(%12 iteration: int, %13 xAdj: double, %31 zAdj: double):")
            .Replace("body(%15 iteration: int, %16 xAdj: double):", "body(%15 iteration: int, %16 xAdj: double, %32 zAdj: double):")
            .Replace("    yield %17, %22\n", "    %33 = sub double %32, %19  ; zAdj\n    yield %17, %22, %33\n")
            .Replace("return xAdj = %10", "return xAdj = %10, zAdj = %30");
        var output = VectorSums.Run(StageIr.Parse(text));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        var gate = output.Body.Single(i => i.Op == Op.If);
        var lanes = gate.Regions[0].Body.Single(i => i.Op == Op.While);
        Assert.That(lanes.Results.Count(r => r.Type.IsVector), Is.EqualTo(2));
        Assert.That(lanes.Regions[1].Body.Count(i => i.Op == Op.Sub && i.Type.IsVector), Is.EqualTo(1), "z̄ − ȳ[t] on lanes");
        Assert.That(gate.Regions[0].Body.Count(i => i.Op == Op.SumLanes), Is.EqualTo(2));
    }

    [Test]
    public void The_counter_read_in_the_body_is_the_lanes_first_iteration_plus_one()
    {
        // a[l + it] rather than a[l + t]: in the lanes loop, it of the first lane is first + 1 (t = first).
        var output = VectorSums.Run(StageIr.Parse(Row.Replace("%18 = add int %4, %17  ; index", "%18 = add int %4, %15  ; index")));
        Assert.That(IrVerifier.Verify(output), Is.Empty);
        var lanes = output.Body.Single(i => i.Op == Op.If).Regions[0].Body.Single(i => i.Op == Op.While);
        var body = lanes.Regions[1].Body;
        var first = body[0];
        Assert.That(first.Op, Is.EqualTo(Op.Sub), "first = iteration − Count");
        var plusOne = body.Single(i => i.Op == Op.Add && i.Type == TypeRef.Int && i.Args[0] == first.Id);
        Assert.That(StageIr.Definition(output, plusOne.Args[1]).Constant.Value, Is.EqualTo(1));
        var index = body.Single(i => i.Op == Op.Add && i.Type == TypeRef.Int && i.Args.Contains(plusOne.Id));
        Assert.That(body.Where(i => i.Op == Op.Element && i.Type.IsVector).Select(i => i.Args[1]), Does.Contain(index.Id), "a's lanes from l + first + 1");
        Assert.That(body.Single(i => i.Op == Op.AddTo).Args[1], Is.EqualTo(index.Id));
        Assert.That(lanes.Regions[1].Yields[0], Is.EqualTo(first.Id), "the next counter is first");
    }

    [TestCase("    %22 = add double %16, %21  ; xAdj\n", "    %22 = add double %16, %8  ; xAdj\n", TestName = "Left_alone_a_loop_whose_sums_add_nothing_per_lane")]
    [TestCase("%20 = element double %0, %18 {inRange: true}", "%20 = element double %0, %18", TestName = "Left_alone_an_access_not_known_in_range")]
    [TestCase("return xAdj = %10", "return value = %10", TestName = "Left_alone_a_sum_that_is_the_methods_value")]
    [TestCase("%21 = mul double %19, %20", "%21 = intrinsic double %20 {fn: Exp}", TestName = "Left_alone_a_call_on_lanes")]
    [TestCase("%14 = gt bool %12, %6", "%14 = gt bool %12, %7", TestName = "Left_alone_a_loop_not_counting_down_to_zero")]
    [TestCase("%18 = add int %4, %17  ; index", "%18 = sub int %4, %17  ; index", TestName = "Left_alone_an_index_going_down_with_t")]
    [TestCase("%19 = element double %1, %17 {inRange: true}", "%19 = element double %2, %17 {inRange: true}", TestName = "Left_alone_a_written_span_read_at_another_index")]
    [TestCase("%24 = addto void %2, %18, %23 {inRange: true}", "%24 = addto void %2, %4, %23 {inRange: true}", TestName = "Left_alone_a_write_at_an_index_the_same_every_iteration")]
    public void Left_alone(string from, string to)
    {
        string text = Row.Replace(from, to);
        Assert.That(text, Is.Not.EqualTo(Row));
        var input = StageIr.Parse(text);
        var output = VectorSums.Run(input);
        Assert.That(ReferenceEquals(output, input), "the function is returned as it was");
    }

    [Test]
    public void Left_alone_a_sum_that_reaches_the_value_through_a_buffer()
    {
        // x̄ is written into an own buffer that the value is read from: the lanes' other rounding would reach the value.
        string text = Row.Replace("  %9 iteration", "  %40 = newbuffer global::System.Span<double> %3 {kind: Stackalloc}  ; b\n  %9 iteration")
            .Replace("  return xAdj = %10", "  %41 = write void %40, %6, %10\n  %42 = read double %40, %6\n  return value = %42");
        var input = StageIr.Parse(text);
        Assert.That(ReferenceEquals(VectorSums.Run(input), input));
    }

    [Test]
    public void Lanes_are_of_their_element_type_and_their_own_splats()
    {
        // The verifier's rules for what only the vector passes make. (Lanes not marked in range are checked ones, vector-maps'.)
        var output = VectorSums.Run(StageIr.Parse(Row));
        string text = StageIr.Print(output);
        var lanesLoad = StageIr.All(output.Body).First(i => i.Op == Op.Element && i.Type.IsVector);
        string line = StageIr.Print(output).Split('\n').Single(l => l.TrimStart().StartsWith("%" + lanesLoad.Id + " = element"));
        Assert.That(IrVerifier.Verify(IrParser.Parse(text.Replace(line, line.Replace(" {inRange: true}", "")))), Is.Empty, "checked lanes");
        var wrongLanes = IrParser.Parse(text.Replace(line, line.Replace("element global::System.Numerics.Vector<double>", "element global::System.Numerics.Vector<float>")));
        Assert.That(IrVerifier.Verify(wrongLanes), Is.Not.Empty, "lanes of another element type");
        var splat = StageIr.All(output.Body).First(i => i.Op == Op.Splat);
        string splatLine = text.Split('\n').Single(l => l.TrimStart().StartsWith("%" + splat.Id + " = splat"));
        var wrongSplat = IrParser.Parse(text.Replace(splatLine, splatLine.Replace("splat global::System.Numerics.Vector<double>", "splat global::System.Numerics.Vector<float>")));
        Assert.That(IrVerifier.Verify(wrongSplat), Has.Some.Contains("makes a vector of its operand's type"));
    }
}

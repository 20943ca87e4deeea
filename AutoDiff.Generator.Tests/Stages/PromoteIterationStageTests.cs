using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <see cref="PromoteElements.Run"/> on IR written by hand, the per-iteration mode: an element of a buffer the function
/// allocates, at an index the loop body defines (<c>t = iteration − 1</c>, computed again by a later part of the body),
/// touched several times in one iteration, is loaded where the iteration first touches it, kept in a local through the
/// body (its inner loop and its if), and stored once where the iteration last writes it; and the loops it must leave alone.
/// </summary>
public class PromoteIterationStageTests
{
    /// <summary>
    /// A Vjp-shaped loop counting down: <c>t = it − 1; v = b[t]; b[t] += v·x[t]; for (j &lt; t) b[t] += x[j];
    /// if (x[t] &gt; 0) b[t] = b[t]·2; t' = it − 1; w = b[t']; b[t'] = 0; g[t'] += w</c>. b and g are the function's own
    /// buffers; g is touched once per iteration (nothing to gain). As written, every iteration leaves b[t] at 0 and
    /// nothing else touches b, so b[t] starts each iteration at 0 (<see cref="Zeroed"/>); <see cref="Rows"/> also reads
    /// b[0] after the loop, so that the element is loaded and stored.
    /// </summary>
    private const string Zeroed = """
        func Rows(%0 x: global::System.ReadOnlySpan<double>, %1 n: int)
          %2 = const int {value: 0}
          %3 = const int {value: 1}
          %4 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; b
          %5 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; g
          %6 = const double {value: 0}
          %7 = const double {value: 2}
          %8 iteration: int = while @9 %1
          condition(%10 iteration: int):
            %11 = gt bool %10, %2
            yield %11
          body(%12 iteration: int):
            %13 = sub int %12, %3  ; t
            %14 = element double %0, %13
            %15 = read double %4, %13
            %16 = mul double %15, %14
            %17 = addto void %4, %13, %16
            %18 j: int = while @19 %2
            condition(%20 j: int):
              %21 = lt bool %20, %13
              yield %21
            body(%22 j: int):
              %23 = element double %0, %22
              %24 = addto void %4, %13, %23
              %25 = add int %22, %3  ; j
              yield %25
            %26 = gt bool %14, %6
            if @27 %26
            then:
              %28 = read double %4, %13
              %29 = mul double %28, %7
              %30 = write void %4, %13, %29
              yield
            else:
              yield
            %31 = sub int %12, %3  ; t
            %32 = read double %4, %31
            %33 = write void %4, %31, %6
            %34 = addto void %5, %31, %32
            yield %13
          %35 = read double %5, %2
          return value = %35
        """;

    /// <summary><see cref="Zeroed"/>, with b[0] read after the loop too: b[t] is loaded and stored.</summary>
    private static readonly string Rows = Zeroed.Replace("""
          return value = %35
        """, """
          %36 = read double %4, %2
          %37 = add double %35, %36
          return value = %37
        """);

    private static Instr Loop(IrFunction function) => function.Body.Single(i => i.Op == Op.While);

    /// <summary>
    /// Whether the outer loop's body still touches b at its own level as it did (the inner loop, at an index it does not
    /// change, may still get b[t] in a local by the loop-invariant mode).
    /// </summary>
    private static void AssertLeftAlone(string text)
    {
        var input = StageIr.Parse(text);
        var output = PromoteElements.Run(input);
        int b = input.Body.FirstOrDefault(i => i.Op == Op.NewBuffer && i.Name == "b")?.Id ?? input.Params.Single(p => p.Name == "b").Id;
        string Own(IrFunction f) => string.Join(" ", Loop(f).Regions[1].Body.Where(i => OpInfo.IndexesSequence(i.Op) && i.Args[0] == b).Select(i => i.Op));
        Assert.That(Own(output), Is.EqualTo(Own(input)));
        Assert.That(Loop(output).Args.Count, Is.EqualTo(Loop(input).Args.Count));
        Assert.That(output.Body.Count(i => i.Op == Op.If), Is.Zero, "nothing loaded before the loop");
    }

    private static int Accesses(Instr loop, int buffer) =>
        StageIr.All(loop.Regions[1].Body).Count(i => OpInfo.IndexesSequence(i.Op) && i.Args[0] == buffer);

    [Test]
    public void An_element_at_the_iterations_index_lives_in_a_local()
    {
        var output = PromoteElements.Run(StageIr.Parse(Rows));
        StageIr.Verify(output, "PromoteIteration.Rows");

        var loop = Loop(output);
        var body = loop.Regions[1].Body;
        int b = output.Body.First(i => i.Op == Op.NewBuffer && i.Name == "b").Id;
        // One read of b[t] where the iteration first touches it, one write at the body's end: nothing else.
        Assert.That(Accesses(loop, b), Is.EqualTo(2));
        var read = body.Single(i => i.Op == Op.Read && i.Args[0] == b);
        var write = body.Single(i => i.Op == Op.Write && i.Args[0] == b);
        Assert.That(body.ToList().IndexOf(read), Is.EqualTo(2), "loaded where the original first read it");
        Assert.That(body.ToList().IndexOf(write), Is.EqualTo(body.Count - 2), "stored where the original last wrote it (before g[t] += …)");
        Assert.That(write.Args[1], Is.EqualTo(read.Args[1]), "at the same index");
        Assert.That(write.Args[2], Is.EqualTo(output.Body.Single(i => i.Op == Op.Const && i.Type == TypeRef.Double && i.Constant.Value == 0).Id),
            "the last value written (zero) is the one stored");
        // Not carried by the outer loop; carried by the inner loop and the if that write it.
        Assert.That(loop.Args.Count, Is.EqualTo(1));
        Assert.That(body.Single(i => i.Op == Op.While).Args.Count, Is.EqualTo(2));
        Assert.That(body.Single(i => i.Op == Op.If).Results, Has.Count.EqualTo(1));
        // g[t] is touched once per iteration: left as it was.
        int g = output.Body.First(i => i.Op == Op.NewBuffer && i.Name == "g").Id;
        Assert.That(body.Single(i => i.Args.Count > 0 && i.Args[0] == g).Op, Is.EqualTo(Op.AddTo));
    }

    [Test]
    public void An_element_every_iteration_leaves_at_zero_starts_as_the_constant()
    {
        // Nothing outside the loop touches b, and each iteration ends with b[t] = +0: every iteration finds its element at
        // 0, so the local starts as the constant; with no load nothing reads b, so no store either, and b itself goes.
        var input = StageIr.Parse(Zeroed);
        var output = PromoteElements.Run(input);
        StageIr.Verify(output, "PromoteIteration.Zeroed");
        Assert.That(output.Body.Where(i => i.Op == Op.NewBuffer).Select(i => i.Name), Is.EqualTo(new[] { "g" }), "b is gone");
        var loop = Loop(output);
        var body = loop.Regions[1].Body;
        Assert.That(StageIr.All(body).Count(i => OpInfo.IndexesSequence(i.Op) && i.Op != Op.Element), Is.EqualTo(1), "only g[t] += w");
        // The first read (%15, v = b[t]) is the constant: v·x[t] is 0·x[t] and b[t] starts as 0 + 0·x[t].
        var inner = body.Single(i => i.Op == Op.While);
        int zero = output.Body.Single(i => i.Op == Op.Const && i.Type == TypeRef.Double && i.Constant.Value == 0).Id;
        var start = StageIr.All(body).Single(i => i.Id == inner.Args[1]);
        Assert.That(start.Op, Is.EqualTo(Op.Add), "the inner loop starts from b[t] + v·x[t]");
        Assert.That(start.Args[0], Is.EqualTo(zero), "… with b[t] the constant 0");
        Assert.That(loop.Args.Count, Is.EqualTo(1), "not carried by the outer loop");
    }

    [TestCase("%33 = write void %4, %31, %7", TestName = "Zeroed_when_the_last_write_stores_two_is_loaded")]
    [TestCase("%33 = write void %4, %31, %38", TestName = "Zeroed_when_the_last_write_stores_minus_zero_is_loaded")]
    [TestCase("%33 = write void %4, %2, %6", TestName = "Zeroed_when_the_last_write_stores_zero_at_another_index_is_left_alone")]
    public void The_constant_only_when_every_iteration_ends_at_plus_zero(string last)
    {
        string text = Zeroed.Replace("%33 = write void %4, %31, %6", last)
            .Replace("  %7 = const double {value: 2}\n", "  %7 = const double {value: 2}\n  %38 = const double {value: -0}\n");
        var output = PromoteElements.Run(StageIr.Parse(text));
        int? b = output.Body.FirstOrDefault(i => i.Op == Op.NewBuffer && i.Name == "b")?.Id;
        Assert.That(b, Is.Not.Null, "b is kept");
        Assert.That(StageIr.All(Loop(output).Regions[1].Body).Any(i => i.Op == Op.Read && i.Args[0] == b), "b[t] is read from the buffer");
    }

    [Test]
    public void Zeroed_when_the_last_write_is_in_a_branch_is_loaded()
    {
        // b[t] = 0 only when x[t] > 0: an iteration may leave the element as it was, and the next one on it... reads it.
        string text = Zeroed.Replace("""
            %31 = sub int %12, %3  ; t
            %32 = read double %4, %31
            %33 = write void %4, %31, %6
            %34 = addto void %5, %31, %32
        """, """
            %31 = sub int %12, %3  ; t
            %32 = read double %4, %31
            %34 = addto void %5, %31, %32
            if @39 %26
            then:
              %33 = write void %4, %31, %6
              yield
            else:
              yield
        """);
        Assert.That(text, Is.Not.EqualTo(Zeroed));
        var output = PromoteElements.Run(StageIr.Parse(text));
        int b = output.Body.Single(i => i.Op == Op.NewBuffer && i.Name == "b").Id;
        Assert.That(StageIr.All(Loop(output).Regions[1].Body).Any(i => i.Op == Op.Read && i.Args[0] == b), "b[t] is read from the buffer");
    }

    [Test]
    public void An_iteration_that_first_writes_the_element_loads_nothing()
    {
        // b[t] = x[t] first, at the body's level: the iteration never reads the old value.
        string writesFirst = Rows.Replace("    %15 = read double %4, %13\n    %16 = mul double %15, %14\n",
            "    %15 = write void %4, %13, %14\n    %16 = mul double %14, %14\n");
        var output = PromoteElements.Run(StageIr.Parse(writesFirst));
        StageIr.Verify(output, "PromoteIteration.WritesFirst");
        var loop = Loop(output);
        int b = output.Body.First(i => i.Op == Op.NewBuffer && i.Name == "b").Id;
        Assert.That(Accesses(loop, b), Is.EqualTo(1));
        Assert.That(loop.Regions[1].Body.Where(i => i.Args.Count > 0 && i.Args[0] == b).Select(i => i.Op), Is.EqualTo(new[] { Op.Write }), "no load, one store");
    }

    [Test]
    public void The_source_loop_of_a_running_update()
    {
        // for (t = 0; t < n; t++) { a[t] += x[t]; a[t] *= x[t]; s += a[t]; }: one read, one write per iteration.
        const string source = """
            func Update(%0 x: global::System.ReadOnlySpan<double>, %1 n: int)
              %2 = const int {value: 0}
              %3 = const int {value: 1}
              %4 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; a
              %5 = const double {value: 0}
              %6 t: int, %7 s: double = while @8 %2, %5
              condition(%9 t: int, %10 s: double):
                %11 = lt bool %9, %1
                yield %11
              body(%12 t: int, %13 s: double):
                %14 = element double %0, %12
                %15 = addto void %4, %12, %14
                %16 = read double %4, %12
                %17 = mul double %16, %14
                %18 = write void %4, %12, %17
                %19 = read double %4, %12
                %20 = add double %13, %19  ; s
                %21 = add int %12, %3  ; t
                yield %21, %20
              return value = %7
            """;
        var output = PromoteElements.Run(StageIr.Parse(source));
        StageIr.Verify(output, "PromoteIteration.Update");
        var body = Loop(output).Regions[1].Body;
        Assert.That(body.Select(i => i.Op).Where(op => OpInfo.IndexesSequence(op) && op != Op.Element),
            Is.EqualTo(new[] { Op.Read, Op.Write }));
    }

    [Test]
    public void In_range_accesses_keep_their_payload_on_the_load_and_the_store()
    {
        string inRange = Rows.Replace("%15 = read double %4, %13", "%15 = read double %4, %13 {inRange: true}");
        var output = PromoteElements.Run(StageIr.Parse(inRange));
        var body = Loop(output).Regions[1].Body;
        int b = output.Body.First(i => i.Op == Op.NewBuffer && i.Name == "b").Id;
        Assert.That(body.Single(i => i.Op == Op.Read && i.Args[0] == b).Payload, Is.InstanceOf<InRange>());
        Assert.That(body.Single(i => i.Op == Op.Write && i.Args[0] == b).Payload, Is.InstanceOf<InRange>());

        // Only the access in the branch is known in range: the load and the store, which run every iteration, are not.
        string branchOnly = Rows.Replace("%28 = read double %4, %13", "%28 = read double %4, %13 {inRange: true}");
        var plain = Loop(PromoteElements.Run(StageIr.Parse(branchOnly))).Regions[1].Body;
        Assert.That(plain.Where(i => i.Op == Op.Read || i.Op == Op.Write).Select(i => i.Payload), Is.All.Null);
    }

    [Test]
    public void Another_index_of_the_buffer_in_the_loop_is_left_alone()
    {
        // b[it] may be b[t + 1], written by the previous iteration... or any element: nothing is kept.
        string other = Rows.Replace("%34 = addto void %5, %31, %32", "%34 = addto void %4, %12, %32");
        AssertLeftAlone(other);
    }

    [Test]
    public void Another_index_in_the_inner_loop_is_left_alone()
    {
        string inner = Rows.Replace("%24 = addto void %4, %13, %23", "%24 = addto void %4, %22, %23");
        var input = StageIr.Parse(inner);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void An_aliasing_span_is_left_alone()
    {
        // b is the caller's span: another span may alias it.
        string parameter = Rows
            .Replace("func Rows(%0 x: global::System.ReadOnlySpan<double>, %1 n: int)",
                "func Rows(%0 x: global::System.ReadOnlySpan<double>, %1 n: int, %40 b: global::System.Span<double>)")
            .Replace("  %4 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}  ; b\n", "")
            .Replace("%4,", "%40,");
        var input = StageIr.Parse(parameter);
        Assert.That(PromoteElements.Run(input), Is.SameAs(input));
    }

    [Test]
    public void A_loop_with_a_call_is_left_alone()
    {
        // The callee may throw between two accesses: the store at the body's end would then be missing.
        string calls = Rows.Replace("%29 = mul double %28, %7", "%41 = callstatic double %28 {callee: \"global::Demo.Fns.Check\", active: [], effect: false}\n      %29 = mul double %41, %7");
        AssertLeftAlone(calls);
    }

    [Test]
    public void A_loop_that_may_throw_is_left_alone()
    {
        string throws = Rows.Replace("      %30 = write void %4, %13, %29\n      yield\n    else:\n      yield\n",
            "      %30 = write void %4, %13, %29\n      yield\n    else:\n      %42 = literal global::System.Exception {text: \"null\"}\n      %43 = throw void %42\n      yield\n");
        AssertLeftAlone(throws);
    }

    [Test]
    public void An_element_touched_only_in_a_branch_is_left_alone()
    {
        // No access at the body's own level: t may be out of range in an iteration that does not take the branch.
        string branch = Rows
            .Replace("    %15 = read double %4, %13\n    %16 = mul double %15, %14\n    %17 = addto void %4, %13, %16\n", "    %16 = mul double %14, %14\n")
            .Replace("    %32 = read double %4, %31\n    %33 = write void %4, %31, %6\n    %34 = addto void %5, %31, %32\n", "    %34 = addto void %5, %31, %16\n")
            .Replace("%24 = addto void %4, %13, %23", "%24 = addto void %5, %22, %23");
        AssertLeftAlone(branch);
    }
}

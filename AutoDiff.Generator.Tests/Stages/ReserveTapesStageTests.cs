using System;
using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The pass <c>reserve-tapes</c> (<see cref="ReserveTapes"/>) on IR written by hand: where each reserve goes and how much
/// room it makes (golden text), which pushes it marks, which loops it leaves alone; and that the function computes the same
/// with it as without, every reserved push finding room (<see cref="IrEvaluator"/> keeps count per tape), in IR and in the
/// generated C#.
/// </summary>
public class ReserveTapesStageTests
{
    /// <summary>
    /// A forward loop of n iterations recording p and sin p on the double tape, then a loop taking them back: the shape of a
    /// Vjp whose loop is taped.
    /// </summary>
    private const string Counted = """
        func Counted(%0 x: double, %1 n: int)
          %2 = const double {value: 1}
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 p: double, %6 i: int = while @7 %2, %3
          condition(%8 p: double, %9 i: int):
            %10 = lt bool %9, %1
            yield %10
          body(%11 p: double, %12 i: int):
            %13 = push void %11 {tape: "double", entry: Value, pair: 11, reserved: false}
            %14 = intrinsic double %11 {fn: Sin}
            %15 = push void %14 {tape: "double", entry: Value, pair: 14, reserved: false}
            %16 = mul double %14, %0  ; p
            %17 = add int %12, %4  ; i
            yield %16, %17
          %18 a: double, %19 j: int = while @20 %2, %3
          condition(%21 a: double, %22 j: int):
            %23 = lt bool %22, %1
            yield %23
          body(%24 a: double, %25 j: int):
            %26 = pop double {tape: "double", entry: Value, pair: 14, reserved: false}
            %27 = pop double {tape: "double", entry: Value, pair: 11, reserved: false}
            %28 = mul double %26, %27
            %29 = add double %24, %28  ; a
            %30 = add int %25, %4  ; j
            yield %29, %30
          return value = %5, adjoint = %18
        """;

    /// <summary>
    /// A value recorded before a loop that counts down from n − 1 to 2 inclusive (n − 2 iterations) recording one value
    /// each: the reserve comes after that push, and before n − 1 is computed, reading n and the constant.
    /// </summary>
    private const string Offsets = """
        func Offsets(%0 x: double, %1 n: int)
          %2 = const int {value: 1}
          %3 = const int {value: 2}
          %4 = const double {value: 0}
          %5 = push void %0 {tape: "double", entry: Value, pair: 0, reserved: false}
          %6 = sub int %1, %2
          %7 s: double, %8 i: int = while @9 %0, %6
          condition(%10 s: double, %11 i: int):
            %12 = ge bool %11, %3
            yield %12
          body(%13 s: double, %14 i: int):
            %15 = push void %13 {tape: "double", entry: Value, pair: 13, reserved: false}
            %16 = intrinsic double %13 {fn: Cos}  ; s
            %17 = sub int %14, %2  ; i
            yield %16, %17
          %18 a: double, %19 j: int = while @20 %4, %6
          condition(%21 a: double, %22 j: int):
            %23 = ge bool %22, %3
            yield %23
          body(%24 a: double, %25 j: int):
            %26 = pop double {tape: "double", entry: Value, pair: 13, reserved: false}
            %27 = add double %24, %26  ; a
            %28 = sub int %25, %2  ; j
            yield %27, %28
          %29 = pop double {tape: "double", entry: Value, pair: 0, reserved: false}
          %30 = mul double %18, %29
          return value = %7, adjoint = %30
        """;

    /// <summary>
    /// A loop to xs.Length − 1 (computed in its condition) recording on two tapes: a reserve per tape, each with its own
    /// copy of the length.
    /// </summary>
    private const string TwoTapes = """
        func TwoTapes(%0 xs: double[], %1 k: int)
          %2 = const int {value: 0}
          %3 = const int {value: 1}
          %4 = const double {value: 0}
          %5 s: double, %6 i: int = while @7 %4, %2
          condition(%8 s: double, %9 i: int):
            %10 = length int %0
            %11 = sub int %10, %3
            %12 = lt bool %9, %11
            yield %12
          body(%13 s: double, %14 i: int):
            %15 = element double %0, %14
            %16 = push void %13 {tape: "double", entry: Value, pair: 13, reserved: false}
            %17 = push void %14 {tape: "int", entry: Value, pair: 14, reserved: false}
            %18 = add double %13, %15  ; s
            %19 = add int %14, %3  ; i
            yield %18, %19
          return value = %5
        """;

    private static Instr[] Reserves(IrFunction f) => StageIr.All(f.Body).Where(i => i.Op == Op.Reserve).ToArray();

    private static Instr[] Pushes(IrFunction f) => StageIr.All(f.Body).Where(i => i.Op == Op.Push).ToArray();

    /// <summary>The pass's output, verified and compared with <c>Stages/_snapshots/ReserveTapes.{name}.verified.txt</c>.</summary>
    private static IrFunction Golden(string name, string ir)
    {
        var input = StageIr.Parse(ir);
        var output = ReserveTapes.Run(input);
        StageIr.Verify(output, "ReserveTapes." + name);
        Assert.That(IrParser.Parse(IrPrinter.Print(output)), Is.EqualTo(output), "the reserves print and parse back");
        return output;
    }

    /// <summary>The same numbers with the pass as without, on every argument list (the evaluator checks the reserved room).</summary>
    private static void SameNumbers(IrFunction without, IrFunction with, params double[][] points)
    {
        foreach (var args in points)
        {
            var expected = IrEvaluator.Run(without, args);
            var actual = IrEvaluator.Run(with, args);
            foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value), key + " at " + string.Join(", ", args));
        }
    }

    [Test]
    public void A_counted_loop_reserves_its_pushes_before_it_starts()
    {
        var output = Golden("Counted", Counted);
        var reserve = Reserves(output).Single();
        Assert.That(reserve.Room, Is.EqualTo(new TapeRoom(TypeRef.Double, PerTrip: 2, Added: 1, Offset: 0)), "2 values per iteration, n iterations");
        Assert.That(reserve.Args, Is.EqualTo(new[] { 1 }), "n itself");
        Assert.That(output.Body.ToList().IndexOf(reserve), Is.LessThan(output.Body.ToList().FindIndex(i => i.Op == Op.While)), "before the loop");
        Assert.That(Pushes(output).All(p => p.Tape.Reserved), "both pushes write into the room");
        Assert.That(StageIr.All(output.Body).Where(i => i.Op == Op.Pop).All(p => !p.Tape.Reserved), "pops are as they were");
        SameNumbers(StageIr.Parse(Counted), output, new[] { 0.3, 5.0 }, new[] { -1.1, 1.0 }, new[] { 0.7, 0.0 }, new[] { 0.7, -3.0 });
    }

    /// <summary>
    /// A fused loop's shape: each iteration pushes p and sin p, then pops them back for its adjoint (in an inner loop of
    /// two trips) before the next iteration: the tape never holds more than one iteration's values.
    /// </summary>
    private const string Balanced = """
        func Balanced(%0 x: double, %1 n: int)
          %2 = const double {value: 1}
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = const int {value: 2}
          %6 p: double, %7 i: int, %8 a: double = while @9 %2, %3, %2
          condition(%10 p: double, %11 i: int, %12 a: double):
            %13 = lt bool %11, %1
            yield %13
          body(%14 p: double, %15 i: int, %16 a: double):
            %17 = push void %14 {tape: "double", entry: Value, pair: 14, reserved: false}
            %18 = intrinsic double %14 {fn: Sin}
            %19 = push void %18 {tape: "double", entry: Value, pair: 18, reserved: false}
            %20 = mul double %18, %0  ; p
            %21 b: double, %22 j: int = while @23 %16, %3
            condition(%24 b: double, %25 j: int):
              %26 = lt bool %25, %5
              yield %26
            body(%27 b: double, %28 j: int):
              %29 = pop double {tape: "double", entry: Value, pair: 18, reserved: false}
              %30 = add double %27, %29  ; b
              %31 = add int %28, %4  ; j
              yield %30, %31
            %32 = add int %15, %4  ; i
            yield %20, %32, %21
          return value = %6, adjoint = %8
        """;

    [Test]
    public void A_loop_that_pops_what_it_pushes_reserves_one_iteration()
    {
        var output = Golden("Balanced", Balanced);
        var reserve = Reserves(output).Single();
        Assert.That(reserve.Room, Is.EqualTo(new TapeRoom(TypeRef.Double, PerTrip: 2, Added: 0, Offset: 1)), "2 values, once: not n times");
        Assert.That(reserve.Args, Is.Empty);
        Assert.That(Pushes(output).All(p => p.Tape.Reserved), "both pushes write into the room");
        SameNumbers(StageIr.Parse(Balanced), output, new[] { 0.3, 5.0 }, new[] { -1.1, 1.0 }, new[] { 0.7, 0.0 }, new[] { 0.7, 40.0 });
    }

    [Test]
    public void Too_little_room_is_caught_by_the_evaluator()
    {
        // The check the numeric tests rely on can fail: one value of room per iteration for two pushes.
        var output = ReserveTapes.Run(StageIr.Parse(Counted));
        var reserve = Reserves(output).Single();
        var short_ = output with { Body = output.Body.Select(i => i == reserve ? i with { Payload = reserve.Room with { PerTrip = 1 } } : i).ToEquatableArray() };
        Assert.That(() => IrEvaluator.Run(short_, 0.3, 5), Throws.InvalidOperationException.With.Message.Contains("no room"));
        Assert.That(IrEvaluator.Run(short_, 0.3, 0)["value"], Is.EqualTo(1.0), "no iteration, no push");
    }

    [Test]
    public void A_reserve_follows_earlier_pushes_and_reads_a_start_through_its_offset()
    {
        var output = Golden("Offsets", Offsets);
        var reserve = Reserves(output).Single();
        // (n − 1) − 2 + 1 iterations, counting down inclusively: n − 2.
        Assert.That(reserve.Room, Is.EqualTo(new TapeRoom(TypeRef.Double, 1, 1, -2)));
        Assert.That(reserve.Args, Is.EqualTo(new[] { 1 }), "n, not n − 1");
        var body = output.Body.ToList();
        int at = body.IndexOf(reserve);
        Assert.That(body[at - 1].Op, Is.EqualTo(Op.Push), "after the push before the loop (room counts from the tape's count)");
        Assert.That(body[at + 1].Op, Is.EqualTo(Op.Sub), "before n − 1 is computed");
        var loops = body.Where(i => i.Op == Op.While).ToList();
        Assert.That(StageIr.All(loops[0].Regions[1].Body).Single(i => i.Op == Op.Push).Tape.Reserved, Is.True);
        Assert.That(Pushes(output).Count(p => p.Tape.Reserved), Is.EqualTo(1), "the push before the loop stays checked");
        SameNumbers(StageIr.Parse(Offsets), output, new[] { 0.4, 7.0 }, new[] { 0.4, 3.0 }, new[] { 0.4, 2.0 }, new[] { 0.4, -5.0 });
    }

    [Test]
    public void Each_tape_gets_its_own_reserve_and_copy_of_what_the_condition_computes()
    {
        var output = Golden("TwoTapes", TwoTapes);
        var reserves = Reserves(output);
        Assert.That(reserves.Select(r => r.Room.Of.Display), Is.EqualTo(new[] { "double", "int" }), "one per tape, in ordinal order");
        Assert.That(reserves.Select(r => r.Room.Offset), Is.All.EqualTo(-1), "xs.Length − 1 iterations");
        var lengths = reserves.Select(r => StageIr.All(output.Body).Single(i => i.Id == r.Args[0])).ToList();
        Assert.That(lengths.Select(l => l.Op), Is.All.EqualTo(Op.Length), "the length, computed again before the loop");
        Assert.That(lengths.Select(l => l.Id).Distinct().Count(), Is.EqualTo(2), "a copy per reserve: each is read once, so written inside it");
        Assert.That(lengths.All(l => output.Body.Contains(l)), "in the loop's block");
    }

    [Test]
    public void Loops_without_a_known_count_or_whose_room_would_be_used_up_are_left_alone()
    {
        // A count not known on entry: the condition compares doubles.
        string unknown = Counted.Replace("%10 = lt bool %9, %1", "%10 = lt bool %8, %0");
        var input = StageIr.Parse(unknown);
        Assert.That(ReserveTapes.Run(input), Is.SameAs(input), "unchanged when nothing reserves");

        // A loop whose condition records on the tape.
        string inCondition = Counted.Replace("    %10 = lt bool %9, %1\n", "    %10 = lt bool %9, %1\n    %31 = push void %8 {tape: \"double\", entry: Value, pair: 8, reserved: false}\n");
        input = StageIr.Parse(inCondition);
        Assert.That(ReserveTapes.Run(input), Is.SameAs(input));

        // A nested loop that records on the same tape: the outer loop does not reserve it, the inner one does.
        string nested = """
            func Nested(%0 x: double, %1 n: int)
              %2 = const int {value: 0}
              %3 = const int {value: 1}
              %4 i: int = while @5 %2
              condition(%6 i: int):
                %7 = lt bool %6, %1
                yield %7
              body(%8 i: int):
                %9 = push void %0 {tape: "double", entry: Value, pair: 0, reserved: false}
                %10 j: int = while @11 %2
                condition(%12 j: int):
                  %13 = lt bool %12, %8
                  yield %13
                body(%14 j: int):
                  %15 = push void %0 {tape: "double", entry: Value, pair: 0, reserved: false}
                  %16 = add int %14, %3
                  yield %16
                %17 = add int %8, %3
                yield %17
              return value = %4
            """;
        var output = ReserveTapes.Run(StageIr.Parse(nested));
        var outer = output.Body.Single(i => i.Op == Op.While);
        Assert.That(outer.Regions[1].Body.Single(i => i.Op == Op.Push).Tape.Reserved, Is.False, "the outer loop's push stays checked");
        var inner = outer.Regions[1].Body.Single(i => i.Op == Op.While);
        Assert.That(inner.Regions[1].Body.Single(i => i.Op == Op.Push).Tape.Reserved, Is.True, "the inner loop reserves i values");
        var reserve = outer.Regions[1].Body.Single(i => i.Op == Op.Reserve);
        Assert.That((reserve.Args.Single(), reserve.Room.Offset), Is.EqualTo((8, 0L)), "i values, from the outer loop's body");
        Assert.That(Reserves(output), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_loop_that_may_exit_early_reserves_its_bound_only_when_it_fits_the_stack_part()
    {
        // i < 30 && !done, where done is the guard of the branch that leaves i unchanged (a break): at most 30 iterations.
        string Bounded(int bound) => $$"""
            func Bounded(%0 x: double)
              %1 = const int {value: 0}
              %2 = const int {value: {{bound}}}
              %3 = const int {value: 1}
              %4 = const bool {value: 0}
              %6 = const double {value: 2}
              %7 p: double, %8 i: int, %9 done: bool = while @10 %0, %1, %4
              condition(%11 p: double, %12 i: int, %13 done: bool):
                %14 = lt bool %12, %2
                %15 = not bool %13
                %16 = and bool %14, %15
                yield %16
              body(%17 p: double, %18 i: int, %19 done: bool):
                %20 = push void %17 {tape: "double", entry: Value, pair: 17, reserved: false}
                %21 = intrinsic double %17 {fn: Sin}  ; p
                %22 = gt bool %21, %6
                %23 i: int = if @25 %22
                then:
                  yield %18
                else:
                  %26 = add int %18, %3
                  yield %26
                yield %21, %23, %22
              return value = %7
            """;
        var small = ReserveTapes.Run(StageIr.Parse(Bounded(30)));
        Assert.That(Reserves(small).Single().Room, Is.EqualTo(new TapeRoom(TypeRef.Double, 1, 0, 30)), "a constant: 30 iterations at most");
        Assert.That(Reserves(small).Single().Args, Is.Empty);
        var large = StageIr.Parse(Bounded(1000));
        Assert.That(ReserveTapes.Run(large), Is.SameAs(large), "1,000 values would rent an array on every call for room mostly left unused");
    }

    /// <summary>Loops the reverse sweep tapes: counted up, down, inclusively, from an offset start, nested, and one that may break.</summary>
    private const string Loops = """
        [Differentiable]
        public static double Mixed(double x, int n)
        {
            double p = x;
            for (int i = 0; i < n; i++) p = Math.Sin(p) * x;
            for (int i = n - 1; i >= 1; i--) p = Math.Cos(p + i);
            for (int i = 2; i <= n + 1; i++)
            {
                for (int j = 0; j < i; j++) p = Math.Sin(p * 0.9);
            }
            for (int i = 0; i < 12; i++)
            {
                if (p > 0.99) break;
                p = Math.Exp(-p * p) * 0.5 + p * 0.25;
            }
            return p;
        }
        """;

    [Test]
    public void The_vjp_computes_the_same_with_and_without_the_pass()
    {
        var model = StageIr.Models(GeneratorHarness.Run(StageIr.Wrap(Loops))).Single();
        // Unfused and recording everything, so every loop is taped.
        var options = PassOptions.Default.WithoutOptimizations() with { Verify = true };
        var with = Companions.Build(model, options with { ReserveTapes = true }, default);
        var without = Companions.Build(model, options, default);
        Assert.That(with.Trace, Has.Member("MixedVjp: reserve-tapes").And.Member("MixedGradient: reserve-tapes"));
        Assert.That(without.Trace.Where(t => t.EndsWith("reserve-tapes", StringComparison.Ordinal)), Is.Empty);
        Assert.That(Reserves(with.Vjp), Has.Length.GreaterThanOrEqualTo(4), "the four outer loops' counts are known (the last's as a bound)");
        Assert.That(Reserves(without.Vjp), Is.Empty);
        foreach (var (x, n) in new[] { (0.3, 5), (0.8, 1), (-0.6, 0), (1.7, 3) })
        {
            // x, n, seed, then x's incoming adjoint.
            SameNumbers(without.Vjp, with.Vjp, new[] { x, n, 1.0, 0.0 }, new[] { x, n, -0.5, 2.0 });
            SameNumbers(without.Gradient!, with.Gradient!, new[] { x, n, 0.0 }.Take(without.Gradient!.Params.Count).ToArray());
        }
    }

    /// <summary>The generated C#: reserves and reserved pushes with the pass, none without, the same numbers bit for bit.</summary>
    [Test]
    public void The_generated_code_computes_the_same_with_and_without_the_pass()
    {
        string source = StageIr.Wrap(Loops);
        var on = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: Pipeline.FuseLoopsName + ";" + Pipeline.ReplayLoopsName), source);
        var off = GeneratorHarness.RunWith(new HarnessOptions(DisabledPasses: Pipeline.FuseLoopsName + ";" + Pipeline.ReplayLoopsName + ";" + Pipeline.ReserveTapesName), source);
        on.AssertNoErrors();
        off.AssertNoErrors();
        string onText = on.Generated("Demo.Fns.Mixed.g.cs"), offText = off.Generated("Demo.Fns.Mixed.g.cs");
        Assert.That(onText, Does.Contain("Tape.Reserve(2 * (long)n);").And.Contain("Tape.Reserve((long)n - 1);").And.Match(GeneratedCode.ReservedPush));
        Assert.That(offText, Does.Not.Contain(".Reserve(").And.Not.Match(GeneratedCode.ReservedPush));
        using var a = on.Load();
        using var b = off.Load();
        foreach (var (x, n) in new[] { (0.3, 5), (0.8, 1), (-0.6, 0), (1.7, 3), (0.2, 70) })
        {
            var argsOn = new object?[] { x, n, null };
            var argsOff = new object?[] { x, n, null };
            double valueOn = (double)a.Invoke("Demo.Fns", "MixedGradient", argsOn)!;
            double valueOff = (double)b.Invoke("Demo.Fns", "MixedGradient", argsOff)!;
            Assert.That(BitConverter.DoubleToInt64Bits(valueOn), Is.EqualTo(BitConverter.DoubleToInt64Bits(valueOff)), "value");
            Assert.That(BitConverter.DoubleToInt64Bits((double)argsOn[2]!), Is.EqualTo(BitConverter.DoubleToInt64Bits((double)argsOff[2]!)), "dx");
            Assert.That(valueOn, Is.EqualTo((double)a.Invoke("Demo.Fns", "Mixed", new object?[] { x, n })!), "the primal's value");
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// <c>reserve-tapes</c> (<see cref="ReserveTapes"/>) on loop nests written by hand: a nest whose counts are all known when its
/// outermost loop starts reserves once, before that loop, the sum over its loops of what one iteration pushes times the
/// counts of the loops around it (<see cref="TapeRoom.Inner"/>), pushes under an if counted as an upper bound and whole
/// buffers by their length; a nested loop whose count changes inside the nest (a triangular loop, a bound the outer loop
/// carries) stops the hoisting at its level, and reserves for itself. Golden text, and the same numbers with the pass as
/// without, every reserved push finding room (<see cref="IrEvaluator"/>).
/// </summary>
public class ReserveNestStageTests
{
    /// <summary>n × (1 + 2·m) doubles, n ints: a point loop recording one value, then a loop of m recording two.</summary>
    private const string Nest2 = """
        func Nest2(%0 x: double, %1 n: int, %2 m: int)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 p: double, %6 i: int = while @7 %0, %3
          condition(%8 p: double, %9 i: int):
            %10 = lt bool %9, %1
            yield %10
          body(%11 p: double, %12 i: int):
            %13 = push void %11 {tape: "double", entry: Value, pair: 11, reserved: false}
            %14 q: double, %15 j: int = while @16 %11, %3
            condition(%17 q: double, %18 j: int):
              %19 = lt bool %18, %2
              yield %19
            body(%20 q: double, %21 j: int):
              %22 = push void %20 {tape: "double", entry: Value, pair: 20, reserved: false}
              %23 = intrinsic double %20 {fn: Sin}
              %24 = push void %23 {tape: "double", entry: Value, pair: 23, reserved: false}
              %25 = mul double %23, %0  ; q
              %26 = add int %21, %4  ; j
              yield %25, %26
            %27 = push void %12 {tape: "int", entry: Value, pair: 12, reserved: false}
            %28 = add int %12, %4  ; i
            yield %14, %28
          return value = %5
        """;

    /// <summary>
    /// Three deep: n × m × (1 + (r − 1)) doubles; nothing at the outer level, the innermost loop from 1 to r, and a constant
    /// loop of 3 in the middle one (its 3 values fold into the middle loop's own).
    /// </summary>
    private const string Nest3 = """
        func Nest3(%0 x: double, %1 n: int, %2 m: int, %3 r: int)
          %4 = const int {value: 0}
          %5 = const int {value: 1}
          %6 = const int {value: 3}
          %7 p: double, %8 i: int = while @9 %0, %4
          condition(%10 p: double, %11 i: int):
            %12 = lt bool %11, %1
            yield %12
          body(%13 p: double, %14 i: int):
            %15 q: double, %16 j: int = while @17 %13, %4
            condition(%18 q: double, %19 j: int):
              %20 = lt bool %19, %2
              yield %20
            body(%21 q: double, %22 j: int):
              %23 = push void %21 {tape: "double", entry: Value, pair: 21, reserved: false}
              %24 s: double, %25 k: int = while @26 %21, %5
              condition(%27 s: double, %28 k: int):
                %29 = lt bool %28, %3
                yield %29
              body(%30 s: double, %31 k: int):
                %32 = push void %30 {tape: "double", entry: Value, pair: 30, reserved: false}
                %33 = intrinsic double %30 {fn: Cos}  ; s
                %34 = add int %31, %5  ; k
                yield %33, %34
              %35 t: double, %36 c: int = while @37 %24, %4
              condition(%38 t: double, %39 c: int):
                %40 = lt bool %39, %6
                yield %40
              body(%41 t: double, %42 c: int):
                %43 = push void %41 {tape: "double", entry: Value, pair: 41, reserved: false}
                %44 = mul double %41, %0  ; t
                %45 = add int %42, %5  ; c
                yield %44, %45
              %46 = add int %22, %5  ; j
              yield %35, %46
            %47 = add int %14, %5  ; i
            yield %15, %47
          return value = %7
        """;

    /// <summary>A triangular nest: the inner loop runs from i + 1 to n, a count that changes with the outer loop's counter.</summary>
    private const string Triangular = """
        func Triangular(%0 x: double, %1 n: int)
          %2 = const int {value: 0}
          %3 = const int {value: 1}
          %4 p: double, %5 i: int = while @6 %0, %2
          condition(%7 p: double, %8 i: int):
            %9 = lt bool %8, %1
            yield %9
          body(%10 p: double, %11 i: int):
            %12 = push void %10 {tape: "double", entry: Value, pair: 10, reserved: false}
            %13 = add int %11, %3
            %14 q: double, %15 j: int = while @16 %10, %13
            condition(%17 q: double, %18 j: int):
              %19 = lt bool %18, %1
              yield %19
            body(%20 q: double, %21 j: int):
              %22 = push void %20 {tape: "double", entry: Value, pair: 20, reserved: false}
              %23 = intrinsic double %20 {fn: Sin}  ; q
              %24 = add int %21, %3  ; j
              yield %23, %24
            yield %14, %13
          return value = %4
        """;

    /// <summary>Pushes under ifs, in the outer loop (two on one side, one on the other) and in the inner one: n × (2 + m).</summary>
    private const string Branches = """
        func Branches(%0 x: double, %1 n: int, %2 m: int)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = const double {value: 0.5}
          %6 p: double, %7 i: int = while @8 %0, %3
          condition(%9 p: double, %10 i: int):
            %11 = lt bool %10, %1
            yield %11
          body(%12 p: double, %13 i: int):
            %14 = gt bool %12, %5
            if @15 %14
            then:
              %16 = push void %12 {tape: "double", entry: Value, pair: 12, reserved: false}
              %17 = push void %0 {tape: "double", entry: Value, pair: 0, reserved: false}
              yield
            else:
              %18 = push void %12 {tape: "double", entry: Value, pair: 12, reserved: false}
              yield
            %19 q: double, %20 j: int = while @21 %12, %3
            condition(%22 q: double, %23 j: int):
              %24 = lt bool %23, %2
              yield %24
            body(%25 q: double, %26 j: int):
              %27 = lt bool %25, %5
              if @28 %27
              then:
                %29 = push void %25 {tape: "double", entry: Value, pair: 25, reserved: false}
                yield
              else:
                yield
              %30 = intrinsic double %25 {fn: Sin}  ; q
              %31 = add int %26, %4  ; j
              yield %30, %31
            %32 = mul double %19, %0  ; p
            %33 = add int %13, %4  ; i
            yield %32, %33
          return value = %6
        """;

    /// <summary>A whole buffer recorded once per outer iteration and a value per inner one: n × (xs.Length + m).</summary>
    private const string Buffers = """
        func Buffers(%0 xs: double[], %1 n: int, %2 m: int)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 = const double {value: 0}
          %6 p: double, %7 i: int = while @8 %5, %3
          condition(%9 p: double, %10 i: int):
            %11 = lt bool %10, %1
            yield %11
          body(%12 p: double, %13 i: int):
            %14 = push void %0 {tape: "double", entry: WholeBuffer, pair: 0, reserved: false}
            %15 q: double, %16 j: int = while @17 %12, %3
            condition(%18 q: double, %19 j: int):
              %20 = lt bool %19, %2
              yield %20
            body(%21 q: double, %22 j: int):
              %23 = push void %21 {tape: "double", entry: Value, pair: 21, reserved: false}
              %24 = intrinsic double %21 {fn: Sin}  ; q
              %25 = add int %22, %4  ; j
              yield %24, %25
            %26 = add int %13, %4  ; i
            yield %15, %26
          return value = %6
        """;

    /// <summary>An inner bound the outer loop carries and grows: m, m + 1, …; not known when the outer loop starts.</summary>
    private const string Growing = """
        func Growing(%0 x: double, %1 n: int, %2 m: int)
          %3 = const int {value: 0}
          %4 = const int {value: 1}
          %5 p: double, %6 i: int, %7 b: int = while @8 %0, %3, %2
          condition(%9 p: double, %10 i: int, %11 b: int):
            %12 = lt bool %10, %1
            yield %12
          body(%13 p: double, %14 i: int, %15 b: int):
            %16 = push void %13 {tape: "double", entry: Value, pair: 13, reserved: false}
            %17 q: double, %18 j: int = while @19 %13, %3
            condition(%20 q: double, %21 j: int):
              %22 = lt bool %21, %15
              yield %22
            body(%23 q: double, %24 j: int):
              %25 = push void %23 {tape: "double", entry: Value, pair: 23, reserved: false}
              %26 = intrinsic double %23 {fn: Cos}  ; q
              %27 = add int %24, %4  ; j
              yield %26, %27
            %28 = add int %14, %4  ; i
            %29 = add int %15, %4  ; b
            yield %17, %28, %29
          return value = %5
        """;

    private static Instr[] Reserves(IrFunction f) => StageIr.All(f.Body).Where(i => i.Op == Op.Reserve).ToArray();

    private static Instr[] Pushes(IrFunction f) => StageIr.All(f.Body).Where(i => i.Op == Op.Push).ToArray();

    private static Instr Loop(IrFunction f) => f.Body.Single(i => i.Op == Op.While);

    private static IrFunction Golden(string name, string ir)
    {
        var output = ReserveTapes.Run(StageIr.Parse(ir));
        StageIr.Verify(output, "ReserveNest." + name);
        Assert.That(IrParser.Parse(IrPrinter.Print(output)), Is.EqualTo(output), "the reserves print and parse back");
        return output;
    }

    /// <summary>The same numbers with the pass as without (a forward sweep: what it records stays on the tape), every reserved push finding room.</summary>
    private static void SameNumbers(string ir, IrFunction with, IEnumerable<double[]> points)
    {
        var without = StageIr.Parse(ir);
        foreach (var args in points)
        {
            var expected = IrEvaluator.Record(without, args);
            var actual = IrEvaluator.Record(with, args);
            foreach (var (key, value) in expected) Assert.That(actual[key], Is.EqualTo(value), key + " at " + string.Join(", ", args));
        }
    }

    /// <summary>Every combination of the counts, negative and zero included.</summary>
    private static IEnumerable<double[]> Points(double x, int arity)
    {
        var counts = new[] { 3.0, 1, 0, -2 };
        IEnumerable<double[]> all = new[] { new[] { x } };
        for (int i = 0; i < arity; i++) all = all.SelectMany(p => counts.Select(c => p.Append(c).ToArray()));
        return all;
    }

    private static long Room(Instr reserve, params long[] operands) => reserve.Room.Count(operands);

    [Test]
    public void A_two_deep_nest_reserves_once_before_its_outer_loop()
    {
        var output = Golden("Nest2", Nest2);
        var reserves = Reserves(output);
        Assert.That(reserves.All(r => output.Body.Contains(r)), "both reserves before the outer loop, none inside it");
        var doubles = reserves.Single(r => r.Room.Of == TypeRef.Double);
        Assert.That(doubles.Args, Is.EqualTo(new[] { 1, 2 }), "n, m");
        Assert.That(doubles.Room.Inner, Is.EqualTo(new[] { new InnerRoom(1, 2, 1, 1, 0) }));
        Assert.That(Room(doubles, 4, 5), Is.EqualTo(4 * (1 + 2 * 5)));
        Assert.That(Room(doubles, 4, -5), Is.EqualTo(4), "an inner loop of a negative count runs no iteration: not less room");
        var ints = reserves.Single(r => r.Room.Of == TypeRef.Int);
        Assert.That((ints.Room.Inner.Count, ints.Args.Single()), Is.EqualTo((0, 1)), "n ints: the inner loop pushes none");
        Assert.That(Pushes(output).All(p => p.Tape.Reserved), "every push of the nest writes into the room");
        SameNumbers(Nest2, output, Points(0.3, 2));
    }

    [Test]
    public void A_three_deep_nest_reserves_once_and_folds_a_constant_loop()
    {
        var output = Golden("Nest3", Nest3);
        var reserve = Reserves(output).Single();
        Assert.That(output.Body.Contains(reserve), "before the outer loop");
        Assert.That((reserve.Room.PerTrip, reserve.Room.Added, reserve.Room.Offset), Is.EqualTo((0L, 1, 0L)), "n iterations; the outer loop pushes nothing itself");
        Assert.That(IrPrinter.Print(output), Does.Contain("inner: [1 4 1 1 0; 2 1 1 1 -1]"));
        Assert.That(reserve.Room.Inner, Is.EqualTo(new[] { new InnerRoom(1, 4, 1, 1, 0), new InnerRoom(2, 1, 1, 1, -1) }), "m × (1 + 3 + (r − 1))");
        Assert.That(reserve.Args, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(Room(reserve, 2, 3, 5), Is.EqualTo(2 * 3 * (4 + 4)));
        Assert.That(Pushes(output).All(p => p.Tape.Reserved));
        SameNumbers(Nest3, output, Points(0.6, 3));
    }

    [Test]
    public void A_triangular_inner_loop_stops_the_hoisting_and_reserves_for_itself()
    {
        var output = Golden("Triangular", Triangular);
        Assert.That(output.Body.Any(i => i.Op == Op.Reserve), Is.False, "nothing before the outer loop");
        var outer = Loop(output);
        Assert.That(outer.Regions[1].Body.First(i => i.Op == Op.Push).Tape.Reserved, Is.False, "the outer loop's push stays checked");
        var reserve = outer.Regions[1].Body.Single(i => i.Op == Op.Reserve);
        Assert.That(reserve.Room.Inner, Is.Empty);
        Assert.That(Pushes(output).Count(p => p.Tape.Reserved), Is.EqualTo(1), "the inner loop's push");
        SameNumbers(Triangular, output, Points(0.4, 1));
    }

    [Test]
    public void Pushes_under_ifs_are_counted_as_an_upper_bound()
    {
        var output = Golden("Branches", Branches);
        var reserve = Reserves(output).Single();
        Assert.That(output.Body.Contains(reserve));
        Assert.That(reserve.Room.PerTrip, Is.EqualTo(3), "both sides of the outer if: two values and one");
        Assert.That(reserve.Room.Inner, Is.EqualTo(new[] { new InnerRoom(1, 1, 1, 1, 0) }), "the inner if's value, taken or not");
        Assert.That(Pushes(output).All(p => p.Tape.Reserved));
        SameNumbers(Branches, output, Points(0.2, 2).Concat(Points(0.9, 2)));
    }

    [Test]
    public void A_whole_buffer_recorded_in_a_nest_is_counted_by_its_length()
    {
        var output = Golden("Buffers", Buffers);
        var reserve = Reserves(output).Single();
        Assert.That(output.Body.Contains(reserve));
        Assert.That(reserve.Room.Inner, Is.EqualTo(new[] { new InnerRoom(1, 1, 1, 1, 0), new InnerRoom(1, 1, 1, 1, 0) }), "xs.Length + m per iteration");
        var length = output.Body.Single(i => i.Id == reserve.Args[1]);
        Assert.That((length.Op, length.Args.Single()), Is.EqualTo((Op.Length, 0)), "the buffer's length, before the loop");
        Assert.That(reserve.Args[2], Is.EqualTo(2), "m");
        Assert.That(Room(reserve, 3, 4, 5), Is.EqualTo(3 * (4 + 5)));
        var pushes = Pushes(output);
        Assert.That(pushes.Single(p => p.Tape.Entry == TapeEntry.WholeBuffer).Tape.Reserved, Is.False, "a whole buffer is recorded with its own check");
        Assert.That(pushes.Single(p => p.Tape.Entry == TapeEntry.Value).Tape.Reserved, Is.True);
    }

    [Test]
    public void A_nest_whose_inner_count_changes_inside_it_is_left_to_its_inner_loop()
    {
        var output = Golden("Growing", Growing);
        Assert.That(output.Body.Any(i => i.Op == Op.Reserve), Is.False);
        var outer = Loop(output);
        var reserve = outer.Regions[1].Body.Single(i => i.Op == Op.Reserve);
        Assert.That(reserve.Args.Single(), Is.EqualTo(15), "b, the carried bound, in the outer loop's body");
        Assert.That(outer.Regions[1].Body.First(i => i.Op == Op.Push).Tape.Reserved, Is.False);
        SameNumbers(Growing, output, Points(0.5, 2));
    }

    [Test]
    public void A_nest_room_that_overflows_a_long_throws_rather_than_wrapping()
    {
        var room = new TapeRoom(TypeRef.Double, 1, 1, 0) { Inner = new[] { new InnerRoom(1, 2, 1, 1, 0), new InnerRoom(2, 1, 1, 1, 0) }.ToEquatableArray() };
        Assert.That(room.Count(new long[] { 3, 4, 5 }), Is.EqualTo(3 * (1 + 4 * (2 + 5))));
        Assert.That(() => room.Count(new long[] { int.MaxValue, int.MaxValue, int.MaxValue }), Throws.TypeOf<System.OverflowException>());
    }

    [Test]
    public void Too_little_room_for_the_inner_loop_is_caught_by_the_evaluator()
    {
        // The check the comparisons rely on can fail: one value of room per inner iteration for two pushes.
        var output = ReserveTapes.Run(StageIr.Parse(Nest2));
        var reserve = Reserves(output).Single(r => r.Room.Of == TypeRef.Double);
        var room = reserve.Room with { Inner = new[] { reserve.Room.Inner[0] with { PerTrip = 1 } }.ToEquatableArray() };
        var short_ = output with { Body = output.Body.Select(i => i == reserve ? i with { Payload = room } : i).ToEquatableArray() };
        Assert.That(() => IrEvaluator.Record(short_, 0.3, 2, 3), Throws.InvalidOperationException.With.Message.Contains("no room"));
        Assert.That(() => IrEvaluator.Record(short_, 0.3, 2, 0), Throws.Nothing, "no inner iteration: room enough");
    }
}

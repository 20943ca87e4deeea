using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>The analyses on IR written by hand: activity (<see cref="Activity"/>) and loop trip counts (<see cref="LoopTrips"/>).</summary>
public class AnalysisStageTests
{
    /// <summary>
    /// x is active, k is not. a = x·k is varied and useful; b = k·k is useful but not varied; c = sin x is varied but not
    /// useful; the loop's p becomes varied only through its body (p·x), its counter i never is.
    /// </summary>
    private const string ActivityInput = """
        func F(%0 x: double, %1 k: double, %2 n: int)
          %3 = mul double %0, %1  ; a
          %4 = mul double %1, %1  ; b
          %5 = intrinsic double %0 {fn: Sin}  ; c
          %6 = const double {value: 1}
          %7 = const int {value: 0}
          %8 = const int {value: 1}
          %9 p: double, %10 i: int = while @11 %6, %7
          condition(%12 p: double, %13 i: int):
            %14 = lt bool %13, %2
            yield %14
          body(%15 p: double, %16 i: int):
            %17 = mul double %15, %0  ; p
            %18 = add int %16, %8  ; i
            yield %17, %18
          %19 = convert double %10
          %20 = add double %3, %4
          %21 = add double %20, %9
          %22 = intrinsic double %21 {fn: Floor}
          %23 = add double %21, %19
          return value = %23, rounded = %22
        """;

    [Test]
    public void Activity_dump()
    {
        var function = StageIr.Parse(ActivityInput);
        var activity = Activity.Analyze(function, new[] { 0 });
        Snapshot.Verify(ActivityDump(function, activity), "Activity.Dump", "txt");

        Assert.That(activity.IsActive(3), "a = x·k");
        Assert.That((activity.IsVaried(4), activity.IsUseful(4)), Is.EqualTo((false, true)), "b = k·k");
        Assert.That((activity.IsVaried(5), activity.IsUseful(5)), Is.EqualTo((true, false)), "c = sin x, unused");
        Assert.That(activity.IsVaried(12) && activity.IsVaried(15) && activity.IsVaried(9), "p, varied through the loop body");
        Assert.That(activity.IsVaried(13) || activity.IsVaried(16) || activity.IsVaried(10) || activity.IsVaried(19), Is.False, "the counter");
        Assert.That(activity.IsVaried(22), Is.False, "floor has derivative zero");
    }

    [Test]
    public void Activity_of_no_active_parameter_is_empty()
    {
        var function = StageIr.Parse(ActivityInput);
        var activity = Activity.Analyze(function, System.Array.Empty<int>());
        Assert.That(Values(function).Where(v => activity.IsVaried(v.Id)), Is.Empty);
        Assert.That(activity.IsUseful(3) && activity.IsUseful(0), "usefulness does not depend on the active set");
    }

    [Test]
    public void Loop_trip_counts()
    {
        // @10: i from 0 while i < n, step 1: n times.  @20: j from 10 while j > 0, step −1: 10 times.
        // @30: k from 0 while k < n && s < 100: at most n (not reported: n is not a constant).
        // @40: i from 0 while i <= 6 && s < 100: at most 7.  @50: a double halved while it is > 1: unknown.
        // @60: i from 0 while i < n, step 2: unknown.
        var function = StageIr.Parse("""
            func F(%0 x: double, %1 n: int)
              %2 = const int {value: 0}
              %3 = const int {value: 1}
              %4 = const int {value: 10}
              %5 = const int {value: 6}
              %6 = const double {value: 100}
              %7 = const double {value: 0.5}
              %8 = const double {value: 1}
              %9 = const int {value: 2}
              %11 i: int = while @10 %2
              condition(%12 i: int):
                %13 = lt bool %12, %1
                yield %13
              body(%14 i: int):
                %15 = add int %14, %3
                yield %15
              %21 j: int = while @20 %4
              condition(%22 j: int):
                %23 = gt bool %22, %2
                yield %23
              body(%24 j: int):
                %25 = sub int %24, %3
                yield %25
              %31 k: int, %32 s: double = while @30 %2, %0
              condition(%33 k: int, %34 s: double):
                %35 = lt bool %33, %1
                %36 = lt bool %34, %6
                %37 = and bool %35, %36
                yield %37
              body(%38 k: int, %39 s: double):
                %300 = add int %38, %3
                %301 = mul double %39, %39
                yield %300, %301
              %41 i: int, %42 s: double = while @40 %2, %0
              condition(%43 i: int, %44 s: double):
                %45 = le bool %43, %5
                %46 = lt bool %44, %6
                %47 = and bool %45, %46
                yield %47
              body(%48 i: int, %49 s: double):
                %400 = add int %48, %3
                %401 = mul double %49, %49
                yield %400, %401
              %51 h: double = while @50 %0
              condition(%52 h: double):
                %53 = gt bool %52, %8
                yield %53
              body(%54 h: double):
                %55 = mul double %54, %7
                yield %55
              %61 i: int = while @60 %2
              condition(%62 i: int):
                %63 = lt bool %62, %1
                yield %63
              body(%64 i: int):
                %65 = add int %64, %9
                yield %65
              return value = %51
            """);
        var trips = LoopTrips.Of(function);
        var loops = function.Body.Where(i => i.Op == Op.While).ToList();
        var text = new StringBuilder();
        foreach (var loop in loops) text.Append('@').Append(loop.Id).Append(": ").Append(Describe(trips.Trips(loop))).Append('\n');
        Snapshot.Verify(text.ToString(), "LoopTrips.Counts", "txt");

        var byId = loops.ToDictionary(l => l.Id, l => trips.Trips(l));
        Assert.That(byId[10], Is.EqualTo(new TripCount(0, 1, 1, false, null, true)));
        Assert.That(byId[20], Is.EqualTo(new TripCount(0, 2, -1, false, 10, true)));
        Assert.That(byId[30], Is.Null);
        Assert.That(byId[40], Is.EqualTo(new TripCount(0, 5, 1, true, 7, false)));
        Assert.That(byId[50], Is.Null);
        Assert.That(byId[60], Is.Null);
    }

    private static string Describe(TripCount? trips) =>
        trips == null ? "unknown"
        : $"{(trips.Exact ? "exactly" : "at most")} {(trips.ConstantTrips is long n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "from %" + trips.Bound)}"
          + $" (counter #{trips.Counter}, step {trips.Step:+0;-0}, {(trips.Step > 0 ? "<" : ">")}{(trips.Inclusive ? "=" : "")} %{trips.Bound})";

    /// <summary>One line per value the function defines, in order: its id, name, and whether it is varied, useful and active.</summary>
    public static string ActivityDump(IrFunction function, Activity activity)
    {
        var text = new StringBuilder();
        foreach (var (id, name) in Values(function))
        {
            text.Append('%').Append(id);
            if (name.Length > 0) text.Append(' ').Append(name);
            text.Append(':');
            if (activity.IsVaried(id)) text.Append(" varied");
            if (activity.IsUseful(id)) text.Append(" useful");
            if (activity.IsActive(id)) text.Append(" active");
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Every value the function defines (parameters, instructions, region parameters, results of ifs and loops), with its name.</summary>
    private static IEnumerable<(int Id, string Name)> Values(IrFunction function)
    {
        foreach (var p in function.Params) yield return (p.Id, p.Name);
        foreach (var value in Values(function.Body)) yield return value;
    }

    private static IEnumerable<(int Id, string Name)> Values(IEnumerable<Instr> body)
    {
        foreach (var instr in body)
        {
            if (instr.Results.Count == 0 && !instr.HasRegions) yield return (instr.Id, instr.Name ?? "(" + (instr.Op == Op.Intrinsic ? instr.Fn.ToString() : instr.Op.ToString()).ToLowerInvariant() + ")");
            foreach (var region in instr.Regions)
            {
                foreach (var p in region.Params) yield return (p.Id, p.Name);
                foreach (var inner in Values(region.Body)) yield return inner;
            }
            foreach (var r in instr.Results) yield return (r.Id, r.Name);
        }
    }
}

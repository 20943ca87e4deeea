using System.Linq;
using System.Text;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary><see cref="FunctionInfo"/>, the per-function analysis the passes and the emitter share, on IR written by hand.</summary>
public class FunctionInfoStageTests
{
    /// <summary>Two nested loops (the inner one inside an if), a counter stepping by 2, and a value read after the loops.</summary>
    private const string Nested = """
        func Nested(%0 x: double, %1 n: int)
          %2 = const double {value: 0}
          %3 = const int {value: 0}
          %4 = const int {value: 2}
          %5 = const int {value: 1}
          %6 s: double, %7 i: int = while @8 %2, %3
          condition(%9 s: double, %10 i: int):
            %11 = lt bool %10, %1
            yield %11
          body(%12 s: double, %13 i: int):
            %14 = gt bool %13, %5
            %15 t: double = if @16 %14
            then:
              %17 u: double, %18 j: int = while @19 %12, %3
              condition(%20 u: double, %21 j: int):
                %22 = lt bool %21, %13
                yield %22
              body(%23 u: double, %24 j: int):
                %25 = mul double %23, %0  ; u
                %26 = add int %24, %5  ; j
                yield %25, %26
              yield %17
            else:
              yield %12
            %27 = add double %15, %0  ; s
            %28 = add int %13, %4  ; i
            yield %27, %28
          %29 = mul double %6, %6
          return value = %29
        """;

    [Test]
    public void Definitions_uses_regions_and_loops()
    {
        var function = StageIr.Parse(Nested);
        var info = FunctionInfo.Of(function);
        Snapshot.Verify(Dump(function, info), "FunctionInfo.Nested", "txt");

        Assert.That(FunctionInfo.Of(function), Is.SameAs(info), "computed once per function");
        var outer = StageIr.Definition(function, 8);
        var branch = StageIr.Definition(function, 16);
        var inner = StageIr.Definition(function, 19);
        // Definitions: an instruction by its id, an if's or loop's result by the if or loop, a parameter by nothing.
        Assert.That(info.Definition(25)!.Op, Is.EqualTo(Op.Mul));
        Assert.That(info.Definition(15), Is.SameAs(branch));
        Assert.That(info.Definition(0), Is.Null);
        Assert.That(info.Definition(23), Is.Null);
        Assert.That(info.TypeOf(18), Is.EqualTo(TypeRef.Int));
        Assert.That(info.NameOf(25), Is.EqualTo("u"));
        Assert.That(info.NameOf(29), Is.Null);
        // Regions and the loop nest.
        Assert.That(info.RegionOf(6), Is.Null, "a loop's result is defined where the loop is");
        Assert.That(info.RegionOf(15), Is.SameAs(outer.Regions[1]));
        Assert.That(info.RegionOf(23), Is.SameAs(inner.Regions[1]));
        Assert.That(info.IsDefinedIn(14, outer.Regions[1]), Is.True);
        Assert.That(info.IsDefinedIn(25, outer.Regions[1]), Is.False, "nested deeper");
        Assert.That(info.OwnerOf(branch.Regions[0]), Is.SameAs(branch));
        Assert.That(info.LoopOf(25), Is.SameAs(inner));
        Assert.That(info.LoopOf(17), Is.SameAs(outer), "the inner loop's result is in the if, in the outer loop");
        Assert.That(info.LoopOf(29), Is.Null);
        Assert.That(info.IsInside(25, outer), Is.True);
        Assert.That(info.IsInside(6, outer), Is.False);
        Assert.That(info.Loops.Select(l => l.Id), Is.EqualTo(new[] { 8, 19 }), "outer loops first");
        Assert.That(info.IndexOf(27), Is.EqualTo(2));
        // Uses: %6 twice by the product, %13 by the comparison, the inner condition and the step, %29 as the result.
        Assert.That(info.UsesOf(6).Select(u => u.User!.Id), Is.EqualTo(new[] { 29, 29 }));
        Assert.That(info.UsesOf(13).Select(u => u.User!.Id), Is.EqualTo(new[] { 14, 22, 28 }));
        Assert.That(info.UsesOf(29).Single().IsResult, Is.True);
        Assert.That(info.UsesOf(12).Select(u => u.IsYield ? "yield@" + u.Owner!.Id + "." + u.RegionIndex : "%" + u.User!.Id), Is.EqualTo(new[] { "%19", "yield@16.1" }));
        // Induction variables: i steps by 2, j by 1; s and u are not counters.
        var counters = info.InductionVariables(outer);
        Assert.That(counters.Select(v => (v.Index, v.Param, v.Start, v.Step)), Is.EqualTo(new[] { (1, 13, 3, 2) }));
        Assert.That(info.InductionVariables(inner).Select(v => (v.Index, v.Param, v.Start, v.Step)), Is.EqualTo(new[] { (1, 24, 3, 1) }));
    }

    /// <summary>One line per value: id, name, type, where it is defined (region and index), its innermost loop, and its uses.</summary>
    private static string Dump(IrFunction function, FunctionInfo info)
    {
        var text = new StringBuilder();
        var ids = function.Params.Select(p => p.Id).Concat(StageIr.All(function.Body).SelectMany(Defined)).ToList();
        foreach (int id in ids)
        {
            text.Append('%').Append(id);
            if (info.NameOf(id) is string name) text.Append(' ').Append(name);
            text.Append(": ").Append(info.TypeOf(id).Display);
            text.Append(", in ").Append(info.Parent(id) is Instr parent ? "@" + parent.Id + "." + RegionIndex(parent, info.RegionOf(id)!) : "function");
            text.Append(" #").Append(info.IndexOf(id));
            if (info.LoopOf(id) is Instr loop) text.Append(", loop @").Append(loop.Id);
            var uses = info.UsesOf(id).Select(u => u.IsResult ? "result" : u.IsYield ? "yield@" + u.Owner!.Id + "." + u.RegionIndex : "%" + u.User!.Id);
            text.Append(", uses [").Append(string.Join(", ", uses)).Append("]\n");
        }
        foreach (var loop in info.Loops)
        {
            text.Append('@').Append(loop.Id).Append(" counters:");
            foreach (var v in info.InductionVariables(loop)) text.Append(" #").Append(v.Index).Append(" %").Append(v.Param).Append(" from %").Append(v.Start).Append(" step ").Append(v.Step);
            text.Append('\n');
        }
        return text.ToString();
    }

    private static int RegionIndex(Instr owner, Region region) =>
        Enumerable.Range(0, owner.Regions.Count).Single(k => ReferenceEquals(owner.Regions[k], region));

    private static System.Collections.Generic.IEnumerable<int> Defined(Instr instr)
    {
        if (!instr.HasRegions && instr.Results.Count == 0) yield return instr.Id;
        foreach (var region in instr.Regions)
        {
            foreach (var p in region.Params) yield return p.Id;
        }
        foreach (var r in instr.Results) yield return r.Id;
    }
}

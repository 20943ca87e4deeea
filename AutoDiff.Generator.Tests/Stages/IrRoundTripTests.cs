using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Fuzzing;
using AutoDiff.Generator.Tests.Infrastructure;
using AutoDiff.Generator.Tests.Mutation;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The IR text says everything: for the lowered primal and every companion function of the numeric fixtures, the
/// repros and a batch of fuzz programs, print → parse gives back an equal function (records compare structurally) and
/// printing that gives the same text.
/// </summary>
public class IrRoundTripTests
{
    [Test]
    public void Numeric_fixtures_round_trip()
    {
        var sources = Directory.GetFiles(NumericDirectory(), "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Where(text => text.Contains("[Differentiable", StringComparison.Ordinal) && !text.Contains("[Test", StringComparison.Ordinal))
            .Concat(MutationTests.SupportSources()).ToArray();
        int checkedCount = RoundTrip(GeneratorHarness.Run(sources), "Numeric");
        Assert.That(checkedCount, Is.GreaterThan(300), "functions checked");
    }

    [Test]
    public void Repros_round_trip()
    {
        string repros = Path.GetFullPath(Path.Combine(NumericDirectory(), "..", "..", "..", "shared", "repros"));
        string? shared = Environment.GetEnvironmentVariable("AUTODIFF_SHARED");
        if (!string.IsNullOrWhiteSpace(shared)) repros = Path.Combine(shared, "repros");
        if (!Directory.Exists(repros)) Assert.Ignore("no repros folder at " + repros);
        int checkedCount = 0;
        foreach (string path in Directory.GetFiles(repros, "*.cs").Order(StringComparer.Ordinal))
        {
            if (MutationTests.SkippedRepros.ContainsKey(Path.GetFileName(path))) continue;
            checkedCount += RoundTrip(GeneratorHarness.Run(File.ReadAllText(path)), Path.GetFileName(path));
        }
        Assert.That(checkedCount, Is.GreaterThan(20), "functions checked");
    }

    [Test]
    public void Fuzz_programs_round_trip()
    {
        var scalar = Enumerable.Range(0, 60).Select(i => ProgramGenerator.Generate(20261203, i, FuzzGrammar.Full));
        var arrays = Enumerable.Range(0, 30).Select(i => ArrayProgramGenerator.Generate(20261203, i, FuzzGrammar.Full));
        int checkedCount = RoundTrip(GeneratorHarness.Run(ProgramGenerator.File("RoundTrip", scalar.Select(p => p.Source))), "fuzz")
            + RoundTrip(GeneratorHarness.Run(ProgramGenerator.File("RoundTripArrays", arrays.Select(p => p.Source))), "array fuzz");
        Assert.That(checkedCount, Is.GreaterThan(200), "functions checked");
    }

    [Test]
    public void Every_payload_kind_round_trips()
    {
        // Strings with quotes, a backslash and a line break; active sets; an optional set; enums; a negative constant.
        var span = TypeRef.SpanOf(TypeRef.Double);
        var function = new IrFunction("F",
            new[] { new IrParam(0, "x", TypeRef.Double), new IrParam(1, "v", span) }.ToEquatableArray(),
            new[]
            {
                new Instr(2, Op.CallWithRule, TypeRef.Double, new[] { 0 }.ToEquatableArray(), "y", new RuleCall("global::Demo.Fns.F", "global::Demo.Rules.FVjp", ActiveSet.Of(new[] { 0 }), ActiveSet.Of(new[] { 0, 2 }))),
                new Instr(3, Op.Const, TypeRef.Int, EquatableArray<int>.Empty, null, new ConstValue(-4, "-4")),
                new Instr(4, Op.NewBuffer, span, new[] { 3 }.ToEquatableArray(), "buffer", new Allocation(BufferKind.StackallocZeroed)),
                new Instr(5, Op.Push, TypeRef.Void, new[] { 4 }.ToEquatableArray(), null, new TapeSlot(TypeRef.Double, TapeEntry.WholeBuffer, 4)),
                new Instr(6, Op.LoadStatic, TypeRef.Double, EquatableArray<int>.Empty, null, new MemberRef("global::Demo.Fns.Say \"hi\",\n \\ there", HasEffect: true)),
                new Instr(7, Op.CallStatic, TypeRef.Double, new[] { 0, 6 }.ToEquatableArray(), null, new CallInfo("global::Demo.Fns.G", ActiveSet.Empty, HasEffect: true)),
                new Instr(8, Op.Intrinsic, TypeRef.Double, new[] { 7 }.ToEquatableArray(), null, new FnRef(Intrinsic.LogSumExp)),
                new Instr(9, Op.Const, TypeRef.Double, EquatableArray<int>.Empty, null, new ConstValue(-0.0)),
                // A rule shaped like the target's Vjp and Jvp: no partials method.
                new Instr(10, Op.CallWithRule, TypeRef.Double, new[] { 0, 1 }.ToEquatableArray(), null,
                    new RuleCall("global::Demo.Fns.H", null, ActiveSet.Of(new[] { 0, 1 }), Vjp: "global::Demo.Rules.HVjp", Jvp: "global::Demo.Rules.HJvp")),
            }.ToEquatableArray(),
            new[] { new IrResult("value", 2), new IrResult("z", 9) }.ToEquatableArray());
        string text = IrPrinter.Print(function);
        var parsed = IrParser.Parse(text);
        Assert.That(parsed, Is.EqualTo(function), text);
        Assert.That(IrPrinter.Print(parsed), Is.EqualTo(text));
        Assert.That(BitConverter.DoubleToInt64Bits(parsed.Body[7].Constant.Value), Is.EqualTo(BitConverter.DoubleToInt64Bits(-0.0)), "-0 stays -0");
    }

    [TestCase("%1 = const double", "needs a payload")]
    [TestCase("%1 = const double {value: 1, extra: 2}", "has no field extra")]
    [TestCase("%1 = intrinsic double %0 {fn: Sine}", "not a function of the rule table")]
    [TestCase("%1 = callstatic double %0 {callee: G, active: [], effect: false}", "quoted")]
    [TestCase("%1 = callstatic double %0 {callee: \"G\", active: [0, x], effect: false}", "active set")]
    public void Malformed_payloads_are_reported(string line, string message)
    {
        var error = Assert.Throws<FormatException>(() => IrParser.Parse("func F(%0 x: double)\n  " + line + "\n  return value = %1\n"))!;
        Assert.That(error.Message, Does.Contain(message).And.Contain("line 2"));
    }

    [TestCase("double", ValueKind.Double, ValueKind.Other)]
    [TestCase("ulong", ValueKind.Integer, ValueKind.Other)]
    [TestCase("double[]", ValueKind.Sequence, ValueKind.Double)]
    [TestCase("float[][]", ValueKind.Sequence, ValueKind.Float)]
    [TestCase("global::System.ReadOnlySpan<float>", ValueKind.Sequence, ValueKind.Float)]
    [TestCase("double[,]", ValueKind.Sequence, ValueKind.Double)]
    [TestCase("double?", ValueKind.Other, ValueKind.Other)]
    [TestCase("(double, double)", ValueKind.Other, ValueKind.Other)]
    public void Types_are_read_as_the_frontend_makes_them(string display, ValueKind kind, ValueKind element)
    {
        var type = IrParser.ParseType(display);
        Assert.That((type.Kind, type.Element, type.Display), Is.EqualTo((kind, element, display)));
    }

    [TestCase("func F(%0 x: double)\n  %1 = frobnicate double %0\n  return value = %1\n", "line 2")]
    [TestCase("func F(%0 x: double)\n  %1 = neg double %0\n", "no return")]
    [TestCase("func F(%0 x: double)\n  if @1 %0\n  then:\n    yield\n  return\n", "two regions")]
    [TestCase("func F(%0 x: double)\n  %1 = const double {value: one}\n  return value = %1\n", "not a number")]
    public void Malformed_text_is_reported_with_its_line(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => IrParser.Parse(text))!;
        Assert.That(error.Message, Does.Contain(message));
    }

    /// <summary>Round-trips every function of every method of <paramref name="run"/> that lowers; returns how many.</summary>
    private static int RoundTrip(GeneratorRun run, string what)
    {
        int count = 0;
        var failures = new List<string>();
        foreach (var model in StageIr.Models(run).Where(m => m.Primal != null))
        {
            foreach (var function in StageIr.Functions(model))
            {
                count++;
                string text = IrPrinter.Print(function);
                IrFunction parsed;
                try
                {
                    parsed = IrParser.Parse(text);
                }
                catch (FormatException e)
                {
                    failures.Add($"{what} {function.Name}: {e.Message}\n{text}");
                    continue;
                }
                string again = IrPrinter.Print(parsed);
                if (again != text) failures.Add($"{what} {function.Name}: prints differently after parsing\n{text}\n---\n{again}");
                else if (!parsed.Equals(function)) failures.Add($"{what} {function.Name}: parses to a different function: {Difference(function, parsed)}\n{text}");
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures.Take(5)));
        return count;
    }

    /// <summary>The first instruction (or parameter, or result) where two functions differ, for the failure message.</summary>
    private static string Difference(IrFunction expected, IrFunction actual)
    {
        if (!expected.Params.Equals(actual.Params)) return "parameters " + string.Join(", ", expected.Params) + " / " + string.Join(", ", actual.Params);
        if (!expected.Results.Equals(actual.Results)) return "results";
        return Difference(expected.Body, actual.Body) ?? "name";
    }

    private static string? Difference(EquatableArray<Instr> expected, EquatableArray<Instr> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            var (e, a) = (expected[i], actual[i]);
            if (e.Equals(a)) continue;
            for (int r = 0; r < Math.Min(e.Regions.Count, a.Regions.Count); r++)
            {
                if (!e.Regions[r].Params.Equals(a.Regions[r].Params)) return $"region params of @{e.Id}";
                if (Difference(e.Regions[r].Body, a.Regions[r].Body) is string inner) return inner;
            }
            return $"{e with { Regions = default }}\n   parsed as {a with { Regions = default }}";
        }
        return expected.Count == actual.Count ? null : "body length";
    }

    private static string NumericDirectory([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "Numeric"));
}

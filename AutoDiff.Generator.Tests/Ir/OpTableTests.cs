using System;
using System.Linq;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Ir;

/// <summary>
/// The op table (<see cref="OpInfo"/>) and what is built on it: every op has a row, the verifier holds each instruction to
/// its row (arity, payload, operand types), the table's derived properties, the typed payloads and <see cref="TypeRef"/> shapes.
/// </summary>
public class OpTableTests
{
    private static EquatableArray<int> Args(params int[] ids) => ids.ToEquatableArray();

    /// <summary>A function of parameters x: double, n: int, b: bool, xs: double[], ro: ReadOnlySpan&lt;double&gt; (ids 0–4) and <paramref name="body"/>.</summary>
    private static IrFunction Function(int result, params Instr[] body) => new(
        "F",
        new[]
        {
            new IrParam(0, "x", TypeRef.Double),
            new IrParam(1, "n", TypeRef.Int),
            new IrParam(2, "b", TypeRef.Bool),
            new IrParam(3, "xs", TypeRef.ArrayOf(TypeRef.Double)),
            new IrParam(4, "ro", TypeRef.ReadOnlySpanOf(TypeRef.Double)),
        }.ToEquatableArray(),
        body.ToEquatableArray(),
        new[] { new IrResult("value", result) }.ToEquatableArray());

    [Test]
    public void Every_op_has_one_row_that_names_it()
    {
        foreach (Op op in Enum.GetValues(typeof(Op)))
        {
            var row = OpInfo.Row(op);
            Assert.That(row.Op, Is.EqualTo(op));
            Assert.That(OpInfo.TryParse(row.Mnemonic, out var parsed) && parsed == op, Is.True, row.Mnemonic);
            Assert.That(row.MaxArgs ?? int.MaxValue, Is.GreaterThanOrEqualTo(row.MinArgs), op.ToString());
        }
        Assert.That(OpInfo.All.Count(r => r != null), Is.EqualTo(Enum.GetValues(typeof(Op)).Length));
    }

    [Test]
    public void A_well_formed_function_verifies()
    {
        var function = Function(9,
            new Instr(5, Op.Const, TypeRef.Double, Args(), Payload: new ConstValue(2)),
            new Instr(6, Op.Element, TypeRef.Double, Args(3, 1)),
            new Instr(7, Op.Mul, TypeRef.Double, Args(5, 6)),
            new Instr(8, Op.Intrinsic, TypeRef.Double, Args(7), Payload: new FnRef(Intrinsic.Sin)),
            new Instr(9, Op.Select, TypeRef.Double, Args(2, 8, 0)));
        Assert.That(IrVerifier.Verify(function), Is.Empty);
    }

    [TestCase(Op.Add, new[] { 0 }, "takes 2 operands, not 1")]
    [TestCase(Op.Neg, new[] { 0, 0 }, "takes 1 operands, not 2")]
    [TestCase(Op.Select, new[] { 2, 0 }, "takes 3 operands, not 2")]
    [TestCase(Op.Length, new int[0], "takes 1 to 2 operands, not 0")]
    public void The_verifier_rejects_a_wrong_arity(Op op, int[] args, string message)
    {
        var errors = IrVerifier.Verify(Function(5, new Instr(5, op, op == Op.Length ? TypeRef.Int : TypeRef.Double, args.ToEquatableArray())));
        Assert.That(errors, Has.Some.Contains(message));
    }

    [Test]
    public void The_verifier_rejects_wrong_operand_types()
    {
        string[] Errors(Instr instr) => IrVerifier.Verify(Function(instr.Id, instr)).ToArray();

        Assert.That(Errors(new Instr(5, Op.Add, TypeRef.Double, Args(0, 1))), Has.Some.Contains("operand %1 is int, expected double"));
        Assert.That(Errors(new Instr(5, Op.Lt, TypeRef.Bool, Args(0, 1))), Has.Some.Contains("compares operands of one type"));
        Assert.That(Errors(new Instr(5, Op.Not, TypeRef.Bool, Args(0))), Has.Some.Contains("takes bools"));
        Assert.That(Errors(new Instr(5, Op.And, TypeRef.Double, Args(2, 2))), Has.Some.Contains("yields bool"));
        Assert.That(Errors(new Instr(5, Op.Select, TypeRef.Double, Args(0, 0, 0))), Has.Some.Contains("takes a bool condition"));
        Assert.That(Errors(new Instr(5, Op.Length, TypeRef.Int, Args(0))), Has.Some.Contains("takes a sequence"));
        Assert.That(Errors(new Instr(5, Op.Element, TypeRef.Double, Args(3, 0))), Has.Some.Contains("takes an integer index"));
        Assert.That(Errors(new Instr(5, Op.Element, TypeRef.Bool, Args(3, 1))), Has.Some.Contains("yields the element type"));
        Assert.That(Errors(new Instr(5, Op.Write, TypeRef.Void, Args(4, 1, 0))), Has.Some.Contains("takes a writable sequence"));
        Assert.That(Errors(new Instr(5, Op.Write, TypeRef.Void, Args(3, 1, 2))), Has.Some.Contains("writes a value of the element type"));
        Assert.That(Errors(new Instr(5, Op.Write, TypeRef.Void, Args(3, 1, 0))), Is.Empty);
    }

    [Test]
    public void The_verifier_rejects_a_payload_the_row_does_not_have()
    {
        Assert.That(IrVerifier.Verify(Function(5, new Instr(5, Op.Const, TypeRef.Double, Args()))), Has.Some.Contains("const carries ConstValue, not none"));
        Assert.That(IrVerifier.Verify(Function(5, new Instr(5, Op.Intrinsic, TypeRef.Double, Args(0), Payload: new CallInfo("Math.Sin")))),
            Has.Some.Contains("intrinsic carries FnRef, not CallInfo"));
        Assert.That(IrVerifier.Verify(Function(5, new Instr(5, Op.Add, TypeRef.Double, Args(0, 0), Payload: new ConstValue(1)))),
            Has.Some.Contains("add carries no payload, not ConstValue"));
    }

    [Test]
    public void The_table_says_what_may_be_recomputed_hoisted_replayed_and_merged()
    {
        Instr Make(Op op, Payload? payload = null) => new(5, op, TypeRef.Double, Args(0, 0), Payload: payload);

        Assert.That(OpInfo.IsCheap(Make(Op.Mul)), Is.True);
        Assert.That(OpInfo.IsCheap(Make(Op.Div)) || !OpInfo.IsHoistable(Make(Op.Div)), Is.False, "a division is hoisted but recorded");
        Assert.That(OpInfo.IsHoistable(Make(Op.Rem)) || !OpInfo.IsReplayable(Make(Op.Rem)), Is.False, "a remainder is replayed only");
        Assert.That(OpInfo.IsCheap(Make(Op.Intrinsic, new FnRef(Intrinsic.StopGradient))), Is.True, "the identity");
        Assert.That(OpInfo.IsHoistable(Make(Op.Intrinsic, new FnRef(new Intrinsic("Exp")))), Is.True);
        Assert.That(OpInfo.IsReplayable(Make(Op.Intrinsic, new FnRef(Intrinsic.LogSumExp))), Is.False, "a pass over a sequence");
        Assert.That(OpInfo.IsPure(Make(Op.CallStatic, new CallInfo("global::Demo.F"))), Is.True);
        Assert.That(OpInfo.IsPure(Make(Op.CallStatic, new CallInfo("global::Demo.F", HasEffect: true))), Is.False);
        Assert.That(OpInfo.IsCallWithEffects(Make(Op.LoadMember, new MemberRef("P", HasEffect: true))), Is.True);
        Assert.That(OpInfo.HasEffect(Make(Op.Push, new TapeSlot(TypeRef.Double, TapeEntry.Value, 0))), Is.True);
        Assert.That(OpInfo.HasEffect(Make(Op.Read)) || OpInfo.IsPure(Make(Op.Read)), Is.False, "a read is ordered with the writes, without an effect");
        Assert.That(OpInfo.Row(Op.Length).ReadsElements, Is.False);
    }

    [Test]
    public void Value_numbering_tells_payloads_apart()
    {
        var b = new IrBuilder();
        int x = b.Param("x", TypeRef.Double);
        int sin = b.Call(Intrinsic.Sin, TypeRef.Double, x);
        Assert.That(b.Call(Intrinsic.Sin, TypeRef.Double, x), Is.EqualTo(sin));
        Assert.That(b.Call(Intrinsic.Cos, TypeRef.Double, x), Is.Not.EqualTo(sin));
        int f = b.Emit(Op.CallStatic, TypeRef.Double, new[] { x }, payload: new CallInfo("global::Demo.F"));
        Assert.That(b.Emit(Op.CallStatic, TypeRef.Double, new[] { x }, payload: new CallInfo("global::Demo.F")), Is.EqualTo(f));
        Assert.That(b.Emit(Op.CallStatic, TypeRef.Double, new[] { x }, payload: new CallInfo("global::Demo.G")), Is.Not.EqualTo(f));
        int g = b.Emit(Op.CallStatic, TypeRef.Double, new[] { x }, payload: new CallInfo("global::Demo.F", HasEffect: true));
        Assert.That(b.Emit(Op.CallStatic, TypeRef.Double, new[] { x }, payload: new CallInfo("global::Demo.F", HasEffect: true)), Is.Not.EqualTo(g), "a call with effects runs each time");
    }

    [Test]
    public void An_active_set_round_trips_and_compares_by_value()
    {
        var set = ActiveSet.Of(new[] { 0, 2, 63 });
        Assert.That(set.ToString(), Is.EqualTo("[0, 2, 63]"));
        Assert.That(ActiveSet.Parse(set.ToString()), Is.EqualTo(set));
        Assert.That(ActiveSet.Parse("[]"), Is.EqualTo(ActiveSet.Empty));
        Assert.That(ActiveSet.Empty.ToString(), Is.EqualTo("[]"));
        Assert.That(set.Positions, Is.EqualTo(new[] { 0, 2, 63 }));
        Assert.That(set.Count, Is.EqualTo(3));
        Assert.That(set.Contains(2) && !set.Contains(1) && !set.Contains(64) && !set.Contains(-1), Is.True);
        Assert.That(ActiveSet.Empty.With(2).With(0).With(63), Is.EqualTo(set));
        Assert.That(ActiveSet.Empty.With(2).GetHashCode(), Is.EqualTo(ActiveSet.Of(new[] { 2 }).GetHashCode()));
        Assert.That(new CallInfo("F", set), Is.EqualTo(new CallInfo("F", ActiveSet.Parse("[0,2,63]"))), "a payload with a set is a value");
        Assert.Throws<ArgumentOutOfRangeException>(() => ActiveSet.Empty.With(64));
        Assert.Throws<FormatException>(() => ActiveSet.Parse("0, 2"));
    }

    [Test]
    public void TypeRef_shapes_of_arrays_and_spans()
    {
        var compilation = GeneratorHarness.Compile("""
            public static class Shapes
            {
                public static void F(double[] a, System.Span<double> s, System.ReadOnlySpan<float> r) { }
            }
            """);
        var method = (IMethodSymbol)compilation.GetTypeByMetadataName("Shapes")!.GetMembers("F").Single();
        var array = TypeRefs.From(method.Parameters[0].Type);
        var span = TypeRefs.From(method.Parameters[1].Type);
        var readOnly = TypeRefs.From(method.Parameters[2].Type);

        Assert.That((array.Kind, array.Container, array.Rank, array.ElementType, array.IsSpan, array.IsWritable, array.Display),
            Is.EqualTo((ValueKind.Sequence, Container.Array, 1, TypeRef.Double, false, true, "double[]")));
        Assert.That((span.Kind, span.Container, span.Rank, span.ElementType, span.IsSpan, span.IsWritable, span.Display),
            Is.EqualTo((ValueKind.Sequence, Container.Span, 1, TypeRef.Double, true, true, "global::System.Span<double>")));
        Assert.That((readOnly.Kind, readOnly.Container, readOnly.Rank, readOnly.ElementType, readOnly.IsSpan, readOnly.IsWritable, readOnly.Display),
            Is.EqualTo((ValueKind.Sequence, Container.ReadOnlySpan, 1, TypeRef.Float, true, false, "global::System.ReadOnlySpan<float>")));
        Assert.That(readOnly.IsFloatingSequence, Is.True);

        // The passes' factories make the frontend's types, so the two compare equal.
        Assert.That(TypeRef.ArrayOf(TypeRef.Double), Is.EqualTo(array));
        Assert.That(TypeRef.SpanOf(TypeRef.Double), Is.EqualTo(span));
        Assert.That(TypeRef.ReadOnlySpanOf(TypeRef.Float), Is.EqualTo(readOnly));
        Assert.That(TypeRef.SpanOf(TypeRef.Double), Is.Not.EqualTo(TypeRef.ReadOnlySpanOf(TypeRef.Double)));
        Assert.That((TypeRef.Double.Container, TypeRef.Double.Rank, TypeRef.Double.IsSpan), Is.EqualTo((Container.None, 0, false)));
    }

    [Test]
    public void The_printer_writes_each_payload_in_one_regular_form()
    {
        var function = Function(12,
            new Instr(5, Op.Const, TypeRef.Long, Args(), Payload: new ConstValue(9007199254740993, "9007199254740993")),
            new Instr(6, Op.Const, TypeRef.Double, Args(), Payload: new ConstValue(-0.0)),
            new Instr(7, Op.Intrinsic, TypeRef.Double, Args(0), Payload: new FnRef(Intrinsic.Sin)),
            new Instr(8, Op.CallStatic, TypeRef.Double, Args(0), Payload: new CallInfo("global::Demo.F<int, \"q\">", HasEffect: true)),
            new Instr(9, Op.CallWithRule, TypeRef.Double, Args(0, 7), Payload: new RuleCall("global::Demo.G", "global::Demo.Rules.G", ActiveSet.Of(new[] { 0, 1 }))),
            new Instr(10, Op.Push, TypeRef.Void, Args(0), Payload: new TapeSlot(TypeRef.Double, TapeEntry.Value, 0)),
            new Instr(11, Op.NewBuffer, TypeRef.SpanOf(TypeRef.Double), Args(1), "buf", new Allocation(BufferKind.Scratch)),
            new Instr(12, Op.LoadMember, TypeRef.Double, Args(3), Payload: new MemberRef("Item1")));
        Assert.That(IrPrinter.Print(function), Is.EqualTo("""
            func F(%0 x: double, %1 n: int, %2 b: bool, %3 xs: double[], %4 ro: global::System.ReadOnlySpan<double>)
              %5 = const long {value: 9007199254740993}
              %6 = const double {value: -0}
              %7 = intrinsic double %0 {fn: Sin}
              %8 = callstatic double %0 {callee: "global::Demo.F<int, \"q\">", active: [], effect: true}
              %9 = callwithrule double %0, %7 {target: "global::Demo.G", rule: "global::Demo.Rules.G", active: [0, 1], ruleActive: none, vjp: none, jvp: none, outputs: []}
              %10 = push void %0 {tape: "double", entry: Value, pair: 0, reserved: false}
              %11 = newbuffer global::System.Span<double> %1 {kind: Scratch}  ; buf
              %12 = loadmember double %3 {name: "Item1", effect: false}
              return value = %12

            """.Replace("\r\n", "\n")));
    }
}

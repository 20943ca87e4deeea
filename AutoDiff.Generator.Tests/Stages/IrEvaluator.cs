using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// Runs a scalar IR function on numbers, so a stage test can check what a pass's output computes (the derivative it
/// should) besides how it reads. Covers the ops hand-written stage inputs and their transforms use: constants,
/// arithmetic, comparisons and logic, <c>select</c>, conversions, Math functions, if, while, and push/pop (one stack:
/// the tests record on one tape). Every value is a double (a bool is 0 or 1, an integer is exact below 2^53).
/// </summary>
public static class IrEvaluator
{
    /// <summary>The function's named results for the given parameter values, in parameter order.</summary>
    public static Dictionary<string, double> Run(IrFunction function, params double[] args)
    {
        if (args.Length != function.Params.Count) throw new ArgumentException($"{function.Name} takes {function.Params.Count} values, not {args.Length}");
        var values = new Dictionary<int, double>();
        for (int i = 0; i < args.Length; i++) values[function.Params[i].Id] = args[i];
        var tape = new Stack<double>();
        Block(function.Body, values, tape);
        if (tape.Count != 0) throw new InvalidOperationException($"{tape.Count} values left on the tape");
        return function.Results.ToDictionary(r => r.Name, r => values[r.Value]);
    }

    private static void Block(IEnumerable<Instr> body, Dictionary<int, double> values, Stack<double> tape)
    {
        foreach (var instr in body)
        {
            if (instr.Op == Op.If)
            {
                var taken = instr.Regions[values[instr.Args[0]] != 0 ? 0 : 1];
                Block(taken.Body, values, tape);
                for (int i = 0; i < instr.Results.Count; i++) values[instr.Results[i].Id] = values[taken.Yields[i]];
                continue;
            }
            if (instr.Op == Op.While)
            {
                var carried = instr.Args.Select(a => values[a]).ToArray();
                for (int guard = 0; ; guard++)
                {
                    if (guard > 1_000_000) throw new InvalidOperationException("loop @" + instr.Id + " does not end");
                    if (Enter(instr.Regions[0], carried, values, tape)[0] == 0) break;
                    carried = Enter(instr.Regions[1], carried, values, tape);
                }
                for (int i = 0; i < instr.Results.Count; i++) values[instr.Results[i].Id] = carried[i];
                continue;
            }
            values[instr.Id] = Evaluate(instr, instr.Args.Select(a => values[a]).ToArray(), tape);
        }
    }

    /// <summary>Runs a region on its parameters' values and returns what it yields.</summary>
    private static double[] Enter(Region region, double[] parameters, Dictionary<int, double> values, Stack<double> tape)
    {
        for (int i = 0; i < parameters.Length; i++) values[region.Params[i].Id] = parameters[i];
        Block(region.Body, values, tape);
        return region.Yields.Select(y => values[y]).ToArray();
    }

    private static double Evaluate(Instr instr, double[] a, Stack<double> tape)
    {
        double value = instr.Op switch
        {
            Op.Const => ConstantValue(instr),
            Op.Neg => -a[0],
            Op.Add => a[0] + a[1],
            Op.Sub => a[0] - a[1],
            Op.Mul => a[0] * a[1],
            Op.Div => instr.Type.IsFloating ? a[0] / a[1] : Math.Truncate(a[0] / a[1]),
            Op.Rem => a[0] % a[1],
            Op.Lt => Flag(a[0] < a[1]),
            Op.Le => Flag(a[0] <= a[1]),
            Op.Gt => Flag(a[0] > a[1]),
            Op.Ge => Flag(a[0] >= a[1]),
            Op.Eq => Flag(a[0] == a[1]),
            Op.Ne => Flag(a[0] != a[1]),
            Op.Not => Flag(a[0] == 0),
            Op.And => Flag(a[0] != 0 && a[1] != 0),
            Op.Or => Flag(a[0] != 0 || a[1] != 0),
            Op.Select => a[0] != 0 ? a[1] : a[2],
            Op.Convert => instr.Type.Kind == ValueKind.Float ? (float)a[0] : instr.Type.Kind == ValueKind.Integer ? Math.Truncate(a[0]) : a[0],
            Op.Intrinsic => Function(instr.Fn, a),
            Op.Push => Push(tape, a[0]),
            Op.Pop => tape.Pop(),
            _ => throw new NotSupportedException("the evaluator does not run " + instr.Op),
        };
        return instr.Type.Kind == ValueKind.Float ? (float)value : value;
    }

    /// <summary>A constant's value (the one place that reads a constant's payload).</summary>
    private static double ConstantValue(Instr instr) => instr.Constant.Value;

    private static double Push(Stack<double> tape, double value)
    {
        tape.Push(value);
        return 0;
    }

    private static double Flag(bool value) => value ? 1 : 0;

    private static double Function(Intrinsic fn, double[] a) => fn switch
    {
        Intrinsic.Sin => Math.Sin(a[0]),
        Intrinsic.Cos => Math.Cos(a[0]),
        Intrinsic.Tan => Math.Tan(a[0]),
        Intrinsic.Exp => Math.Exp(a[0]),
        Intrinsic.Log => Math.Log(a[0]),
        Intrinsic.Sqrt => Math.Sqrt(a[0]),
        Intrinsic.Tanh => Math.Tanh(a[0]),
        Intrinsic.Abs => Math.Abs(a[0]),
        Intrinsic.Floor => Math.Floor(a[0]),
        Intrinsic.Pow => Math.Pow(a[0], a[1]),
        Intrinsic.Max => Math.Max(a[0], a[1]),
        Intrinsic.Min => Math.Min(a[0], a[1]),
        Intrinsic.Sign => Math.Sign(a[0]),
        _ => throw new NotSupportedException("the evaluator does not run " + fn),
    };
}

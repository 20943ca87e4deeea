using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// Runs a scalar IR function on numbers, so a stage test can check what a pass's output computes (the derivative it
/// should) besides how it reads. Covers the ops hand-written stage inputs and their transforms use: constants,
/// arithmetic, comparisons and logic, <c>select</c>, conversions, Math functions, if, while, and push/pop (one stack:
/// the tests record on one tape) with reserve: a reserved push beyond the room reserved on its tape's type fails. Every value is a double (a bool is 0 or 1, an integer is exact below 2^53).
/// </summary>
public static class IrEvaluator
{
    /// <summary>The function's named results for the given parameter values, in parameter order.</summary>
    public static Dictionary<string, double> Run(IrFunction function, params double[] args) => Run(function, args, popsAll: true);

    /// <summary>
    /// As <see cref="Run(IrFunction, double[])"/> for a function that only records (a forward sweep written by hand): what it
    /// pushes may stay on the tape; reserved pushes are still checked against the room.
    /// </summary>
    public static Dictionary<string, double> Record(IrFunction function, params double[] args) => Run(function, args, popsAll: false);

    private static Dictionary<string, double> Run(IrFunction function, double[] args, bool popsAll)
    {
        if (args.Length != function.Params.Count) throw new ArgumentException($"{function.Name} takes {function.Params.Count} values, not {args.Length}");
        var values = new Dictionary<int, double>();
        for (int i = 0; i < args.Length; i++) values[function.Params[i].Id] = args[i];
        var tape = new Tape();
        Block(function.Body, values, tape);
        if (popsAll && tape.Count != 0) throw new InvalidOperationException($"{tape.Count} values left on the tape");
        return function.Results.ToDictionary(r => r.Name, r => values[r.Value]);
    }

    private static void Block(IEnumerable<Instr> body, Dictionary<int, double> values, Tape tape)
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
    private static double[] Enter(Region region, double[] parameters, Dictionary<int, double> values, Tape tape)
    {
        for (int i = 0; i < parameters.Length; i++) values[region.Params[i].Id] = parameters[i];
        Block(region.Body, values, tape);
        return region.Yields.Select(y => values[y]).ToArray();
    }

    private static double Evaluate(Instr instr, double[] a, Tape tape)
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
            Op.Push => tape.Push(instr, a[0]),
            Op.Pop => tape.Pop(instr),
            Op.Reserve => tape.Reserve(instr, a),
            _ => throw new NotSupportedException("the evaluator does not run " + instr.Op),
        };
        return instr.Type.Kind == ValueKind.Float ? (float)value : value;
    }

    /// <summary>A constant's value (the one place that reads a constant's payload).</summary>
    private static double ConstantValue(Instr instr) => instr.Constant.Value;

    /// <summary>
    /// The values recorded, and per tape (by type, as the emitted code has one tape per type) how many it holds and how many
    /// it has room for: a reserve makes room for its count (<see cref="TapeRoom"/>) as <c>Tape.Reserve</c> does, a checked push
    /// grows the room by what it needs (no more: a reserved push must not rely on room a checked one happened to leave), and
    /// a reserved push (<see cref="TapeSlot.Reserved"/>) beyond the room throws, where the runtime's would write past it.
    /// </summary>
    private sealed class Tape : Stack<double>
    {
        private readonly Dictionary<string, (long Count, long Room)> _tapes = new();

        private (long Count, long Room) Of(string type) => _tapes.TryGetValue(type, out var t) ? t : (0, 0);

        public double Push(Instr push, double value)
        {
            string type = push.Tape.Of.Display;
            var (count, room) = Of(type);
            if (push.Tape.Reserved && count >= room) throw new InvalidOperationException($"push %{push.Id} finds no room reserved on the {type} tape ({count} values, room for {room})");
            _tapes[type] = (count + 1, Math.Max(room, count + 1));
            Push(value);
            return 0;
        }

        public double Pop(Instr pop)
        {
            string type = pop.Tape.Of.Display;
            var (count, room) = Of(type);
            _tapes[type] = (count - 1, room);
            return Pop();
        }

        public double Reserve(Instr reserve, double[] a)
        {
            var r = reserve.Room;
            var (count, room) = Of(r.Of.Display);
            _tapes[r.Of.Display] = (count, Math.Max(room, count + r.Count(a.Select(x => (long)x).ToList())));
            return 0;
        }
    }

    private static double Flag(bool value) => value ? 1 : 0;

    private static double Function(Intrinsic fn, double[] a) => fn.Name switch
    {
        "Sin" => Math.Sin(a[0]),
        "Cos" => Math.Cos(a[0]),
        "Tan" => Math.Tan(a[0]),
        "Exp" => Math.Exp(a[0]),
        "Log" => Math.Log(a[0]),
        "Sqrt" => Math.Sqrt(a[0]),
        "Tanh" => Math.Tanh(a[0]),
        "Abs" => Math.Abs(a[0]),
        "Floor" => Math.Floor(a[0]),
        "Pow" => Math.Pow(a[0], a[1]),
        "Max" => Math.Max(a[0], a[1]),
        "Min" => Math.Min(a[0], a[1]),
        "Sign" => Math.Sign(a[0]),
        _ => throw new NotSupportedException("the evaluator does not run " + fn),
    };
}

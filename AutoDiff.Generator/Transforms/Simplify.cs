using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Folding and dead-code elimination, and specialisation of parameters to constants (how
    /// <c>Gradient</c> is made from <c>Vjp</c>: seed 1, incoming adjoints 0).
    /// </summary>
    public static class Simplify
    {
        public static IrFunction Run(IrFunction function, CancellationToken cancellationToken = default) =>
            Specialize(function, function.Name, new Dictionary<int, double>(), cancellationToken);

        /// <summary>Replaces the parameters at the given indices by constants, folds, and drops dead code.</summary>
        public static IrFunction Specialize(IrFunction function, string name, IReadOnlyDictionary<int, double> constants, CancellationToken cancellationToken = default)
        {
            var b = new IrBuilder();
            var map = new Dictionary<int, int>(Values(function.Body) + function.Params.Count);
            for (int i = 0; i < function.Params.Count; i++)
            {
                var p = function.Params[i];
                map[p.Id] = constants.TryGetValue(i, out double c) ? b.Const(c, p.Type) : b.Param(p.Name, p.Type);
            }
            foreach (var instr in function.Body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                CopyFolding(b, instr, map, cancellationToken);
            }
            var folded = b.Build(name, function.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            return EliminateDeadCode(folded);
        }

        /// <summary>How many values <paramref name="body"/> defines (instructions, results, region parameters): the size of a map over them.</summary>
        private static int Values(EquatableArray<Instr> body)
        {
            int count = body.Count;
            foreach (var instr in body)
            {
                if (!instr.HasRegions) continue;
                count += instr.Results.Count;
                foreach (var region in instr.Regions) count += region.Params.Count + Values(region.Body);
            }
            return count;
        }

        /// <summary>
        /// Copies <paramref name="instr"/> with the builder's folding, and folds what the builder cannot see from one
        /// instruction: a comparison of a value with itself, an if whose condition is constant (its taken branch, in
        /// place of the if) and a loop whose condition is constant false (its condition, once). Generated code then has
        /// no <c>x == x</c>, no <c>if (true)</c>, no <c>while (false)</c>, and no branch the compiler reports unreachable.
        /// </summary>
        private static void CopyFolding(IrBuilder b, Instr instr, Dictionary<int, int> map, CancellationToken cancellationToken)
        {
            if (instr.Op == Op.If && b.IsConst(map[instr.Args[0]], out double condition))
            {
                var taken = instr.Regions[condition != 0 ? 0 : 1];
                foreach (var inner in taken.Body) CopyFolding(b, inner, map, cancellationToken);
                for (int i = 0; i < instr.Results.Count; i++) map[instr.Results[i].Id] = map[taken.Yields[i]];
                return;
            }
            if (instr.HasRegions)
            {
                var regions = new List<Region>();
                foreach (var region in instr.Regions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var ids = b.BeginRegion(region.Params.Select(p => (p.Name, p.Type)).ToList());
                    for (int i = 0; i < ids.Length; i++) map[region.Params[i].Id] = ids[i];
                    foreach (var inner in region.Body) CopyFolding(b, inner, map, cancellationToken);
                    regions.Add(b.EndRegion(region.Yields.Select(y => map[y]).ToList()));
                }
                if (instr.Op == Op.While && b.IsConst(regions[0].Yields[0], 0.0))
                {
                    // The condition runs once, on the start values, and fails: the copied regions are dropped.
                    var check = instr.Regions[0];
                    for (int i = 0; i < instr.Args.Count; i++) map[check.Params[i].Id] = map[instr.Args[i]];
                    foreach (var inner in check.Body) CopyFolding(b, inner, map, cancellationToken);
                    for (int i = 0; i < instr.Results.Count; i++) map[instr.Results[i].Id] = map[instr.Args[i]];
                    return;
                }
                if (instr.Op == Op.If && ChooseWithoutBranching(b, map[instr.Args[0]], regions, instr.Results.Select(r => r.Name).ToList()) is int[] chosen)
                {
                    for (int i = 0; i < chosen.Length; i++) map[instr.Results[i].Id] = chosen[i];
                    return;
                }
                var results = b.EmitStructured(instr.Op, instr.Args.Select(a => map[a]).ToArray(), regions,
                    instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList(), instr.Payload);
                for (int i = 0; i < results.Length; i++) map[instr.Results[i].Id] = results[i];
                return;
            }
            if (FoldConstants(b, instr, map) is int folded)
            {
                map[instr.Id] = folded;
                return;
            }
            Replay.Copy(b, instr, map, simplify: true);
        }

        /// <summary>
        /// The results of an if that computes nothing in either branch and chooses nothing: each result the same value
        /// in both branches, or the condition itself (<c>c ? true : false</c>) or its negation. Null if any result
        /// is a real choice. (Left as an if, <c>b = b || false</c> would be written <c>b = b;</c>.)
        /// </summary>
        private static int[]? ChooseWithoutBranching(IrBuilder b, int condition, List<Region> branches, IReadOnlyList<string> names)
        {
            if (branches.Any(r => r.Body.Count > 0)) return null;
            var chosen = new int[branches[0].Yields.Count];
            for (int i = 0; i < chosen.Length; i++)
            {
                int then = branches[0].Yields[i], otherwise = branches[1].Yields[i];
                if (then == otherwise) chosen[i] = then;
                else if (b.IsConst(then, 1.0) && b.IsConst(otherwise, 0.0) && b.TypeOf(then).Kind == ValueKind.Bool) chosen[i] = condition;
                else if (b.IsConst(then, 0.0) && b.IsConst(otherwise, 1.0) && b.TypeOf(then).Kind == ValueKind.Bool) chosen[i] = -1;
                else return null;
            }
            for (int i = 0; i < chosen.Length; i++)
            {
                if (chosen[i] == -1) chosen[i] = b.Emit(Op.Not, TypeRef.Bool, new[] { condition });
                // The value keeps the name of the variable it was assigned to (`continued`, not `tmp`).
                if (names[i].Length > 0 && b.Definition(chosen[i]) is { } definition && definition.Id == chosen[i]) b.NameValue(chosen[i], names[i]);
            }
            return chosen;
        }

        /// <summary>
        /// The value of an operation known without running it, if it is one. C# folds an expression of constants
        /// itself and then reports a branch on it unreachable, so what the builder leaves (integer arithmetic, comparisons,
        /// logic) folds here: operations on integer constants (while exact: below 2^53, in the type's range), comparisons
        /// of constants, <c>!!c</c>, <c>!</c>, <c>&amp;&amp;</c>, <c>||</c> and <c>?:</c> with a constant operand, and a value
        /// compared with itself (an integer or bool equals itself; a floating value is never less or greater than
        /// itself, but equals itself only when it is not NaN, so <c>x == x</c> stays).
        /// </summary>
        private static int? FoldConstants(IrBuilder b, Instr instr, Dictionary<int, int> map)
        {
            if (instr.HasRegions || instr.Args.Count == 0) return null;
            switch (instr.Op)
            {
                case Op.Eq: case Op.Ne: case Op.Lt: case Op.Le: case Op.Gt: case Op.Ge: case Op.Not: case Op.And: case Op.Or: case Op.Select:
                    break;
                case Op.Neg: case Op.Add: case Op.Sub: case Op.Mul: case Op.Div: case Op.Rem: case Op.Convert:
                    if (instr.Type.Kind != ValueKind.Integer) return null;
                    break;
                default:
                    return null;
            }
            var args = Replay.Mapped(instr.Args, map);
            switch (instr.Op)
            {
                case Op.Eq: case Op.Ne: case Op.Lt: case Op.Le: case Op.Gt: case Op.Ge:
                {
                    var kind = b.TypeOf(args[0]).Kind;
                    if (b.TypeOf(args[0]) == b.TypeOf(args[1]) && Constant(b, args[0], out double l) && Constant(b, args[1], out double r))
                        return Bool(b, Compare(instr.Op, l, r));
                    if (args[0] != args[1]) return null;
                    bool reflexive = instr.Op == Op.Eq || instr.Op == Op.Le || instr.Op == Op.Ge;
                    if (kind == ValueKind.Integer || kind == ValueKind.Bool) return Bool(b, reflexive);
                    if ((kind == ValueKind.Double || kind == ValueKind.Float) && (instr.Op == Op.Lt || instr.Op == Op.Gt)) return Bool(b, false);
                    return null;
                }
                case Op.Not:
                    if (b.Definition(args[0]) is { Op: Op.Not } negated) return negated.Args[0];
                    return b.IsConst(args[0], out double operand) ? Bool(b, operand == 0) : null;
                case Op.And:
                case Op.Or:
                    // Both operands are already evaluated: a constant one decides the result or drops out.
                    bool and = instr.Op == Op.And;
                    for (int side = 0; side < 2; side++)
                    {
                        if (!b.IsConst(args[side], out double c)) continue;
                        return (c != 0) == and ? args[1 - side] : args[side];
                    }
                    return null;
                case Op.Select:
                    return b.IsConst(args[0], out double choice) ? args[choice != 0 ? 1 : 2] : null;
                case Op.Neg: case Op.Add: case Op.Sub: case Op.Mul: case Op.Div: case Op.Rem: case Op.Convert:
                    return instr.Type.Kind == ValueKind.Integer && Integer(b, instr, args) is long value ? b.Const(value, instr.Type) : null;
                default:
                    return null;
            }
        }

        /// <summary>The largest integer a double holds exactly with its neighbours (2^53 − 1): 2^53 may be 2^53 + 1 rounded.</summary>
        private const double ExactInteger = 9007199254740991.0;

        private static int Bool(IrBuilder b, bool value) => b.Const(value ? 1 : 0, TypeRef.Bool);

        /// <summary>A constant that compares exactly as a double: any floating or bool constant, an integer below 2^53.</summary>
        private static bool Constant(IrBuilder b, int value, out double number) =>
            b.IsConst(value, out number) && (b.TypeOf(value).Kind != ValueKind.Integer || System.Math.Abs(number) <= ExactInteger)
            && b.TypeOf(value).Kind != ValueKind.Other
            // A type parameter's constants are rounded to T, which may make two different doubles equal.
            && b.TypeOf(value).Kind != ValueKind.FloatingParameter;

        private static bool Compare(Op op, double l, double r) => op switch
        {
            Op.Eq => l == r,
            Op.Ne => l != r,
            Op.Lt => l < r,
            Op.Le => l <= r,
            Op.Gt => l > r,
            _ => l >= r,
        };

        /// <summary>
        /// Integer arithmetic on <c>int</c> or <c>long</c> constants, or a floating constant converted to one, when the
        /// result is exact and in range (where C# would report an overflow, nothing is folded).
        /// </summary>
        private static long? Integer(IrBuilder b, Instr instr, int[] args)
        {
            long min, max;
            if (instr.Type.Display == "int") (min, max) = (int.MinValue, int.MaxValue);
            else if (instr.Type.Display == "long") (min, max) = ((long)-ExactInteger, (long)ExactInteger);
            else return null;
            var operands = new long[args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                if (!Constant(b, args[i], out double c)) return null;
                var kind = b.TypeOf(args[i]).Kind;
                if (kind == ValueKind.Bool || double.IsNaN(c) || System.Math.Abs(c) > ExactInteger) return null;
                if (kind != ValueKind.Integer && instr.Op != Op.Convert) return null;
                operands[i] = (long)c; // a conversion to an integer truncates towards zero, as C#'s does
            }
            long x = operands[0], y = operands.Length > 1 ? operands[1] : 0;
            long result;
            switch (instr.Op)
            {
                case Op.Neg: result = -x; break;
                case Op.Add: result = x + y; break;
                case Op.Sub: result = x - y; break;
                case Op.Mul:
                    if (x != 0 && System.Math.Abs((double)x * y) > ExactInteger) return null;
                    result = x * y;
                    break;
                case Op.Div:
                    if (y == 0) return null;
                    result = x / y;
                    break;
                case Op.Rem:
                    if (y == 0) return null;
                    result = x % y;
                    break;
                default: result = x; break;
            }
            return result >= min && result <= max ? result : null;
        }

        /// <summary>
        /// Drops instructions nothing needs, and the results of ifs and the carried values of loops nothing needs (an
        /// early return's flag after the last exit, a loop counter only the loop itself reads), so no local is
        /// assigned and never read. Instructions with effects (<see cref="OpInfo.HasEffect(Instr)"/>) and the ifs and loops
        /// that contain them are kept: pushes and pops must stay paired, and a call with effects runs even when its value is unused.
        /// </summary>
        public static IrFunction EliminateDeadCode(IrFunction function)
        {
            var live = new IdSet();
            foreach (var r in function.Results) live.Add(r.Value);
            MarkBlock(function.Body, live);
            return function with { Body = Sweep(function.Body, live) };
        }

        private static void MarkBlock(EquatableArray<Instr> body, IdSet live)
        {
            // Backwards, repeated until stable: a loop body's yields feed its own parameters.
            bool changed = true;
            while (changed)
            {
                int before = live.Count;
                for (int k = body.Count - 1; k >= 0; k--)
                {
                    var instr = body[k];
                    if (instr.HasRegions)
                    {
                        if (!IsLive(instr, live)) continue;
                        live.Add(instr.Id);
                        foreach (int arg in instr.Args) if (instr.Op != Op.While) live.Add(arg);
                        if (instr.Op == Op.While) MarkLoop(instr, live);
                        else MarkBranches(instr, live);
                        continue;
                    }
                    if (!live.Contains(instr.Id) && !AnyLive(instr.Results, live) && !OpInfo.HasEffect(instr)) continue;
                    live.Add(instr.Id);
                    foreach (int arg in instr.Args) live.Add(arg);
                }
                changed = live.Count != before;
            }
        }

        /// <summary>An if: each branch yields only the results something reads.</summary>
        private static void MarkBranches(Instr instr, IdSet live)
        {
            foreach (var region in instr.Regions)
            {
                for (int i = 0; i < instr.Results.Count; i++)
                {
                    if (live.Contains(instr.Results[i].Id)) live.Add(region.Yields[i]);
                }
                foreach (var p in region.Params) live.Add(p.Id);
                MarkBlock(region.Body, live);
            }
        }

        /// <summary>
        /// A loop: a carried value is needed when its result is read after the loop or its parameter is read by
        /// something needed inside the loop (the condition among them); then its start value, its next value and
        /// both parameters are. Repeated until stable: what the body needs may read another carried value.
        /// </summary>
        private static void MarkLoop(Instr instr, IdSet live)
        {
            var condition = instr.Regions[0];
            var body = instr.Regions[1];
            live.Add(condition.Yields[0]);
            int before;
            do
            {
                before = live.Count;
                for (int i = 0; i < instr.Args.Count; i++)
                {
                    if (!IsCarriedLive(instr, i, live)) continue;
                    live.Add(instr.Results[i].Id);
                    live.Add(instr.Args[i]);
                    live.Add(condition.Params[i].Id);
                    live.Add(body.Params[i].Id);
                    live.Add(body.Yields[i]);
                }
                MarkBlock(condition.Body, live);
                MarkBlock(body.Body, live);
            }
            while (live.Count != before);
        }

        private static bool IsCarriedLive(Instr loop, int index, IdSet live) =>
            live.Contains(loop.Results[index].Id) || live.Contains(loop.Regions[0].Params[index].Id) || live.Contains(loop.Regions[1].Params[index].Id);

        private static bool IsLive(Instr instr, IdSet live) =>
            live.Contains(instr.Id) || instr.Results.Any(r => live.Contains(r.Id)) || OpInfo.ContainsEffect(instr);

        private static EquatableArray<Instr> Sweep(EquatableArray<Instr> body, IdSet live)
        {
            System.Collections.Immutable.ImmutableArray<Instr>.Builder? kept = null;
            for (int k = 0; k < body.Count; k++)
            {
                var i = body[k];
                bool keep = live.Contains(i.Id) || AnyLive(i.Results, live) || OpInfo.HasEffect(i);
                var copy = keep && i.HasRegions ? Prune(i, live) : i;
                if (kept == null)
                {
                    // Nothing dropped or pruned so far: the block is kept as it is, unless something here changes.
                    if (keep && ReferenceEquals(copy, i)) continue;
                    kept = System.Collections.Immutable.ImmutableArray.CreateBuilder<Instr>(body.Count);
                    for (int j = 0; j < k; j++) kept.Add(body[j]);
                }
                if (keep) kept.Add(copy);
            }
            if (kept == null) return body;
            return new EquatableArray<Instr>(kept.Count == kept.Capacity ? kept.MoveToImmutable() : kept.ToImmutable());
        }

        private static bool AnyLive(EquatableArray<IrParam> results, IdSet live)
        {
            foreach (var r in results)
            {
                if (live.Contains(r.Id)) return true;
            }
            return false;
        }

        /// <summary>An if or loop without the results (and, for a loop, the carried values) nothing needs.</summary>
        private static Instr Prune(Instr instr, IdSet live)
        {
            var kept = Enumerable.Range(0, instr.Results.Count).Where(i => live.Contains(instr.Results[i].Id)).ToList();
            bool loop = instr.Op == Op.While;
            Region PruneRegion(Region region, bool carries) => region with
            {
                Params = loop ? kept.Select(i => region.Params[i]).ToEquatableArray() : region.Params,
                Body = Sweep(region.Body, live),
                Yields = carries ? kept.Select(i => region.Yields[i]).ToEquatableArray() : region.Yields,
            };
            return instr with
            {
                Args = loop ? kept.Select(i => instr.Args[i]).ToEquatableArray() : instr.Args,
                Regions = instr.Regions.Select((r, k) => PruneRegion(r, carries: !loop || k == 1)).ToEquatableArray(),
                Results = kept.Select(i => instr.Results[i]).ToEquatableArray(),
            };
        }
    }
}

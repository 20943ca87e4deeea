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
            var map = new Dictionary<int, int>();
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
            if (instr.Op == Op.While && map.TryGetValue(instr.Regions[0].Yields[0], out int test) && b.IsConst(test, 0.0))
            {
                // The condition runs once, on the start values, and fails.
                var check = instr.Regions[0];
                for (int i = 0; i < instr.Args.Count; i++) map[check.Params[i].Id] = map[instr.Args[i]];
                foreach (var inner in check.Body) CopyFolding(b, inner, map, cancellationToken);
                for (int i = 0; i < instr.Results.Count; i++) map[instr.Results[i].Id] = map[instr.Args[i]];
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
                var results = b.EmitStructured(instr.Op, instr.Args.Select(a => map[a]).ToArray(), regions,
                    instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList(), instr.Text, instr.Number);
                for (int i = 0; i < results.Length; i++) map[instr.Results[i].Id] = results[i];
                return;
            }
            if (FoldLogic(b, instr, map) is int folded)
            {
                map[instr.Id] = folded;
                return;
            }
            Replay.Copy(b, instr, map, simplify: true);
        }

        /// <summary>
        /// The value of a comparison or logical operation known without its operands' values, if it is one: a value
        /// compared with itself (an integer or bool equals itself; a floating value is never less or greater than
        /// itself, but equals itself only when it is not NaN, so <c>x == x</c> stays), and <c>!</c>, <c>&amp;&amp;</c>,
        /// <c>||</c> of constants.
        /// </summary>
        private static int? FoldLogic(IrBuilder b, Instr instr, Dictionary<int, int> map)
        {
            if (instr.HasRegions || instr.Type.Kind != ValueKind.Bool) return null;
            var args = instr.Args.Select(a => map[a]).ToArray();
            switch (instr.Op)
            {
                case Op.Eq: case Op.Ne: case Op.Lt: case Op.Le: case Op.Gt: case Op.Ge:
                    var kind = b.TypeOf(args[0]).Kind;
                    if (CompareConstants(b, instr.Op, kind, args[0], args[1]) is int constant) return constant;
                    if (args[0] != args[1]) return null;
                    bool reflexive = instr.Op == Op.Eq || instr.Op == Op.Le || instr.Op == Op.Ge;
                    if (kind == ValueKind.Integer || kind == ValueKind.Bool) return b.Const(reflexive ? 1 : 0, TypeRef.Bool);
                    if ((kind == ValueKind.Double || kind == ValueKind.Float) && (instr.Op == Op.Lt || instr.Op == Op.Gt)) return b.Const(0, TypeRef.Bool);
                    return null;
                case Op.Not:
                    return b.IsConst(args[0], out double operand) ? b.Const(operand != 0 ? 0 : 1, TypeRef.Bool) : null;
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
                default:
                    return null;
            }
        }

        /// <summary>
        /// A comparison of two constants of one type (which C# would fold, making a branch on it unreachable). Integers compare
        /// exactly as doubles up to 2^53; larger ones are left to the compiler.
        /// </summary>
        private static int? CompareConstants(IrBuilder b, Op op, ValueKind kind, int x, int y)
        {
            if (!b.IsConst(x, out double l) || !b.IsConst(y, out double r) || b.TypeOf(x) != b.TypeOf(y)) return null;
            const double Exact = 9007199254740992.0;
            if (kind == ValueKind.Integer ? System.Math.Abs(l) > Exact || System.Math.Abs(r) > Exact : kind != ValueKind.Double && kind != ValueKind.Float && kind != ValueKind.Bool) return null;
            bool value = op switch
            {
                Op.Eq => l == r,
                Op.Ne => l != r,
                Op.Lt => l < r,
                Op.Le => l <= r,
                Op.Gt => l > r,
                _ => l >= r,
            };
            return b.Const(value ? 1 : 0, TypeRef.Bool);
        }

        /// <summary>
        /// Drops instructions nothing needs, and the results of ifs and the carried values of loops nothing needs (an
        /// early return's flag after the last exit, a loop counter only the loop itself reads), so no local is
        /// assigned and never read. Instructions with effects (<see cref="OpInfo.HasEffect(Instr)"/>) and the ifs and loops
        /// that contain them are kept: pushes and pops must stay paired, and a call with effects runs even when its value is unused.
        /// </summary>
        public static IrFunction EliminateDeadCode(IrFunction function)
        {
            var live = new HashSet<int>(function.Results.Select(r => r.Value));
            MarkBlock(function.Body, live);
            return function with { Body = Sweep(function.Body, live) };
        }

        private static void MarkBlock(EquatableArray<Instr> body, HashSet<int> live)
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
                    if (!live.Contains(instr.Id) && !instr.Results.Any(r => live.Contains(r.Id)) && !OpInfo.HasEffect(instr)) continue;
                    live.Add(instr.Id);
                    foreach (int arg in instr.Args) live.Add(arg);
                }
                changed = live.Count != before;
            }
        }

        /// <summary>An if: each branch yields only the results something reads.</summary>
        private static void MarkBranches(Instr instr, HashSet<int> live)
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
        private static void MarkLoop(Instr instr, HashSet<int> live)
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

        private static bool IsCarriedLive(Instr loop, int index, HashSet<int> live) =>
            live.Contains(loop.Results[index].Id) || live.Contains(loop.Regions[0].Params[index].Id) || live.Contains(loop.Regions[1].Params[index].Id);

        private static bool IsLive(Instr instr, HashSet<int> live) =>
            live.Contains(instr.Id) || instr.Results.Any(r => live.Contains(r.Id)) || OpInfo.ContainsEffect(instr);

        private static EquatableArray<Instr> Sweep(EquatableArray<Instr> body, HashSet<int> live) =>
            body.Where(i => live.Contains(i.Id) || i.Results.Any(r => live.Contains(r.Id)) || OpInfo.HasEffect(i))
                .Select(i => i.HasRegions ? Prune(i, live) : i)
                .ToEquatableArray();

        /// <summary>An if or loop without the results (and, for a loop, the carried values) nothing needs.</summary>
        private static Instr Prune(Instr instr, HashSet<int> live)
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

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// A <c>Gradient</c> overwrites its spans. The general way is to clear each span and then add every contribution
    /// into it, the Vjp's way. When one loop is the only thing that adds into a span, once per iteration at indices
    /// <c>i + c</c> that tile the span (a counter stepping by s and s distinct offsets c, consecutive), every element
    /// gets exactly one contribution: the loop writes it (<c>dx[i] = …</c> instead of <c>dx[i] += …</c>), and only the
    /// elements outside the range it covers, [0, i₀ + c_min) and [i_final + c_min, n), are zeroed. That is one pass over
    /// the span instead of three (clear, load, store), as hand-written code does.
    /// </summary>
    public static class Overwrite
    {
        /// <summary>
        /// Rewrites <paramref name="function"/> for each span parameter (by index) it can, and returns the indices of
        /// those it rewrote: they need no clearing before the body runs.
        /// </summary>
        public static (IrFunction Function, IReadOnlyList<int> Written) Run(IrFunction function, IReadOnlyList<int> spanParams)
        {
            var plans = new Dictionary<int, (Instr Loop, int Counter, int MinOffset, Dictionary<int, int> Offsets)>();
            foreach (int index in spanParams)
            {
                if (Plan(function, function.Params[index].Id) is { } plan) plans[function.Params[index].Id] = plan;
            }
            if (plans.Count == 0) return (function, System.Array.Empty<int>());

            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            foreach (var p in function.Params) map[p.Id] = b.Param(p.Name, p.Type);
            foreach (var instr in function.Body)
            {
                var spans = plans.Where(kv => kv.Value.Loop.Id == instr.Id).Select(kv => kv.Key).ToList();
                if (spans.Count == 0)
                {
                    Replay.Copy(b, instr, map, simplify: false);
                    continue;
                }
                var (loop, counter, minOffset, _) = plans[spans[0]];
                foreach (int span in spans)
                {
                    // Elements before the first one the loop writes.
                    int first = b.PlusConstant(map[loop.Args[counter]], minOffset);
                    // (A loop that starts past the end runs no iteration: the head stops at the span's end.)
                    if (!(b.IsConst(first, out double start) && start <= 0))
                        ZeroRange(b, map[span], b.Const(0, TypeRef.Int), first, b.Emit(Op.Length, TypeRef.Int, new[] { map[span] }));
                }
                // Every span's indices are the counter plus its offsets: one map serves all the spans of this loop.
                var offsets = spans.SelectMany(span => plans[span].Offsets).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value);
                Replay.Copy(b, Rewrite(loop, new HashSet<int>(spans), offsets), map, simplify: false);
                foreach (int span in spans)
                {
                    // Elements after the last one it wrote: i_final + c_min onwards.
                    int next = b.PlusConstant(map[loop.Results[counter].Id], minOffset);
                    ZeroRange(b, map[span], next, b.Emit(Op.Length, TypeRef.Int, new[] { map[span] }));
                }
            }
            var result = b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            var written = spanParams.Where(i => plans.ContainsKey(function.Params[i].Id)).ToList();
            return (result, written);
        }

        /// <summary>
        /// The loop that alone adds into <paramref name="span"/>, tiling it, with its counter, its smallest offset and the
        /// offset of each index it adds at; null otherwise.
        /// </summary>
        private static (Instr Loop, int Counter, int MinOffset, Dictionary<int, int> Offsets)? Plan(IrFunction function, int span)
        {
            var info = Analysis.FunctionInfo.Of(function);
            Instr? owner = null;
            foreach (var top in function.Body)
            {
                if (top.Args.Contains(span)) return null; // read, passed to a call, or added into outside any loop
                if (!top.HasRegions || !Mentions(top.Regions, span)) continue;
                if (owner != null || top.Op != Op.While || Mentions(new[] { top.Regions[0] }, span)) return null;
                owner = top;
            }
            if (owner == null) return null;
            var body = owner.Regions[1];
            // Every use is an AddTo at the body's own level (so it runs once per iteration), into the span, at an index.
            if (body.Body.Any(i => i.HasRegions && Mentions(i.Regions, span)) || body.Yields.Contains(span)) return null;
            var adds = body.Body.Where(i => i.Args.Contains(span)).ToList();
            if (adds.Any(i => i.Op != Op.AddTo || OpInfo.IndexCount(i) != 1 || i.Args[0] != span || i.Args.Skip(1).Contains(span))) return null;

            foreach (var induction in info.InductionVariables(owner))
            {
                int k = induction.Index, counter = induction.Param, step = induction.Step;
                if (step < 1) continue;
                var offsets = new List<int>();
                var offsetOf = new Dictionary<int, int>();
                foreach (var add in adds)
                {
                    if (Offset(add.Args[1], counter, body, info) is not int offset) break;
                    offsets.Add(offset);
                    offsetOf[add.Args[1]] = offset;
                }
                // s distinct consecutive offsets for a step of s: iteration j writes [i₀ + c_min + s·j, i₀ + c_min + s·(j + 1)).
                if (offsets.Count != adds.Count || offsets.Distinct().Count() != offsets.Count || offsets.Count != step) continue;
                if (offsets.Max() - offsets.Min() != offsets.Count - 1) continue;
                return (owner, k, offsets.Min(), offsetOf);
            }
            return null;
        }

        /// <summary>c when <paramref name="index"/> is the counter plus (or minus) a constant c.</summary>
        /// <remarks>The body's own level, deliberately: the additions are there (checked by the caller), and so is any index they use.</remarks>
        private static int? Offset(int index, int counter, Region body, Analysis.FunctionInfo info)
        {
            if (index == counter) return 0;
            if (!info.IsDefinedIn(index, body) || !info.TryGetDefinition(index, out var def) || def.HasRegions) return null;
            if (def.Op == Op.Add && def.Args[0] == counter && info.IsConst(def.Args[1], out double c)) return (int)c;
            if (def.Op == Op.Add && def.Args[1] == counter && info.IsConst(def.Args[0], out c)) return (int)c;
            if (def.Op == Op.Sub && def.Args[0] == counter && info.IsConst(def.Args[1], out c)) return -(int)c;
            return null;
        }

        private static bool Mentions(IEnumerable<Region> regions, int value) =>
            regions.Any(r => r.Yields.Contains(value) || IrWalk.Reads(r.Body, value));

        /// <summary>
        /// The loop with its additions into <paramref name="spans"/> turned into writes, gathered where the last of them
        /// was and ordered by index (x[2k] before x[2k + 1]: the stores go forwards through memory).
        /// </summary>
        private static Instr Rewrite(Instr loop, HashSet<int> spans, Dictionary<int, int> offsets)
        {
            var body = loop.Regions[1];
            bool Converted(Instr i) => i.Op == Op.AddTo && spans.Contains(i.Args[0]);
            var writes = body.Body.Where(Converted)
                .OrderBy(i => offsets[i.Args[1]])
                .Select(i => i with { Op = Op.Write })
                .ToList();
            var last = body.Body.Last(Converted);
            var rewritten = new List<Instr>();
            foreach (var instr in body.Body)
            {
                if (ReferenceEquals(instr, last)) rewritten.AddRange(writes);
                else if (!Converted(instr)) rewritten.Add(instr);
            }
            return loop with { Regions = new[] { loop.Regions[0], body with { Body = rewritten.ToEquatableArray() } }.ToEquatableArray() };
        }

        /// <summary><c>for (int rest = from; rest &lt; to &amp;&amp; rest &lt; limit; rest++) span[rest] = 0;</c></summary>
        private static void ZeroRange(IrBuilder b, int span, int from, int to, int limit = -1)
        {
            var element = b.TypeOf(span).ElementType;
            var signature = new[] { ("rest", TypeRef.Int) };
            var conditionIds = b.BeginRegion(signature);
            int test = b.Compare(Op.Lt, conditionIds[0], to);
            if (limit >= 0) test = b.Emit(Op.And, TypeRef.Bool, new[] { test, b.Compare(Op.Lt, conditionIds[0], limit) });
            var condition = b.EndRegion(new[] { test });
            var ids = b.BeginRegion(signature);
            b.Emit(Op.Write, IrBuilder.Void, new[] { span, ids[0], b.Const(0, element) });
            var body = b.EndRegion(new[] { b.Emit(Op.Add, TypeRef.Int, new[] { ids[0], b.Const(1, TypeRef.Int) }) });
            b.EmitStructured(Op.While, new[] { from }, new[] { condition, body }, new[] { ((string?)"rest", TypeRef.Int) });
        }

    }
}

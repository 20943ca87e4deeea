using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The record-or-recompute plan of reverse mode (the to-be-recorded analysis): for each region the reverse sweep
    /// reverses, the values it defines that its adjoint reads, and of those which it pushes at its end and which its
    /// adjoint computes again. As the pass <c>recompute</c>, cheap pure arithmetic (an index, <c>1 − x[i]</c>) and loop
    /// counters are recomputed; as <c>record</c> (the switch off), everything recordable is recorded. Fills
    /// <see cref="ReversePlan.Records"/>, <see cref="ReversePlan.Recomputed"/> and <see cref="ReversePlan.Induction"/>;
    /// reads <see cref="ReversePlan.Replayed"/>, so <see cref="ReplayLoops"/> plans again once it has chosen.
    /// </summary>
    internal static class TapePlan
    {
        /// <summary>The name of the pass when <c>recompute</c> is off: the tapes must still be planned.</summary>
        public const string RecordName = "record";

        public static void Run(ReversePlan plan, bool recompute)
        {
            plan.Records.Clear();
            plan.Recomputed.Clear();
            plan.Induction.Clear();
            plan.PlannedLoops.Clear();
            plan.RecomputeCheap = recompute;
            AdjointReads(plan, plan.Primal.Body);
            plan.Planned = true;
        }

        /// <summary>
        /// The values the adjoint of <paramref name="body"/> reads, wherever they are defined. As a side
        /// effect, records for each region under it the values it defines that its adjoint reads: those
        /// are what the region pushes at its end.
        /// </summary>
        private static HashSet<AdjointRead> AdjointReads(ReversePlan c, EquatableArray<Instr> body)
        {
            var reads = new HashSet<AdjointRead>();
            // The block's intrinsic calls by function and operands (the first of each), built when first needed: one look-up
            // per sin x rather than a scan of the block.
            Dictionary<(Intrinsic, string), Instr>? intrinsics = null;
            foreach (var instr in body)
            {
                if (instr.HasRegions)
                {
                    if (!c.NeedsReverse(instr)) continue;
                    if (instr.Op == Op.While)
                    {
                        var planned = Plan(c, instr.Regions[1], instr);
                        c.PlannedLoops.Add(instr);
                        if (c.Replayed.Contains(instr.Id))
                        {
                            foreach (int v in ReplayLoops.Reads(c, instr)) reads.Add(v);
                            continue;
                        }
                        if (c.IsCheckpointed(instr))
                        {
                            foreach (var v in Checkpoint.Reads(c, instr).Concat(planned.Where(v => !v.IsIterationCount))) reads.Add(v);
                            continue;
                        }
                        if (c.ExactTrips(instr) is IterationCount counted) { reads.Add(counted.Start); reads.Add(counted.Bound); }
                        else reads.Add(AdjointRead.IterationsOf(instr));
                        foreach (var v in planned) reads.Add(v);
                        continue;
                    }
                    if (instr.Op == Op.If) reads.Add(instr.Args[0]);
                    else if (c.ExactTrips(instr) is IterationCount trips) { reads.Add(trips.Start); reads.Add(trips.Bound); }
                    else reads.Add(AdjointRead.IterationsOf(instr));
                    foreach (var region in instr.Op == Op.If ? instr.Regions.ToArray() : new[] { instr.Regions[1] })
                    {
                        foreach (var v in Plan(c, region, instr.Op == Op.While ? instr : null)) reads.Add(v);
                    }
                    continue;
                }
                if ((instr.Op == Op.Element || instr.Op == Op.Read) && c.Activity.IsVaried(instr.Id)) { foreach (int i in OpInfo.Indices(instr)) reads.Add(i); continue; }
                if (instr.Op == Op.Write && c.Activity.IsVaried(instr.Args[0])) { foreach (int i in OpInfo.Indices(instr)) reads.Add(i); continue; }
                if (!c.Activity.IsVaried(instr.Id) || RuleTable.For(instr) is not DerivativeRule rule) continue;
                if (RuleTable.Sibling(instr) is var sibling && sibling != Intrinsic.None
                    && (intrinsics ??= IntrinsicCalls(body)).TryGetValue((sibling, string.Join(",", instr.Args)), out var computed))
                {
                    // The partial of sin x is cos x, which the primal also computed here: read that value (recorded,
                    // and handed to the partial by value numbering in Restore) rather than x, to call Cos again.
                    reads.Add(computed.Id);
                    continue;
                }
                foreach (int read in rule.PullbackReads(instr, i => c.Activity.IsVaried(instr.Args[i]))) reads.Add(read == instr.Args.Count ? instr.Id : instr.Args[read]);
            }
            return reads;
        }

        /// <summary>
        /// Decides, for the values of <paramref name="region"/> its adjoint reads, which to record at
        /// the region's end and which to recompute from recorded ones when the adjoint starts: cheap,
        /// pure arithmetic (an index, <c>1 − x[i]</c>) is recomputed; everything else (a loop's carried
        /// value, a transcendental function, an element of a buffer that may change) is recorded.
        /// Returns the outer values the region's adjoint and recomputation read.
        /// </summary>
        private static HashSet<AdjointRead> Plan(ReversePlan c, Region region, Instr? loop)
        {
            var inner = AdjointReads(c, region.Body);
            // Defined at the region's own level: a parameter, an instruction, a result of a nested if or loop, or the
            // iteration count of a nested loop (recorded at the region's end).
            bool Defined(AdjointRead v) => c.Info.IsDefinedIn(v.Id, region) || (v.IsIterationCount && c.Info.RegionOf(v.Id) == region);
            var outer = new HashSet<AdjointRead>(inner.Where(v => !Defined(v)));
            var record = new HashSet<AdjointRead>(inner.Where(v => v.IsIterationCount && Defined(v)));
            var recompute = new HashSet<int>();
            var induction = loop == null || !c.RecomputeCheap ? new Dictionary<int, (int Start, int Step)>() : c.InductionVariables(loop);
            var inducted = new List<(int, int, int)>();
            // Whether a value of the region can be had in its adjoint: recomputed from such values, or recorded (a string a
            // switch compares with cannot be: then the comparison, a bool, is recorded instead).
            var restorable = new Dictionary<int, bool>();
            bool Restorable(int v)
            {
                if (restorable.TryGetValue(v, out bool known)) return known;
                return restorable[v] = c.IsRecordable(v) || induction.ContainsKey(v)
                    || (c.Info.IsDefinedIn(v, region)
                        ? c.Info.TryGetDefinition(v, out var d) && d.Id == v && !d.HasRegions && (OpInfo.IsCheap(d) || IsDivisionByConstant(c, d) || OpInfo.IsPure(d)) && d.Args.All(Restorable)
                        : IsTopLevel(c, v));
            }
            var work = new Stack<int>(inner.Where(v => !v.IsIterationCount && Defined(v)).Select(v => v.Id));
            while (work.Count > 0)
            {
                int v = work.Pop();
                if (record.Contains(v) || recompute.Contains(v) || inducted.Any(d => d.Item1 == v)) continue;
                if (induction.TryGetValue(v, out var counter))
                {
                    // A counter is its start plus step × the iteration number, which the reverse loop knows.
                    inducted.Add((v, counter.Start, counter.Step));
                    outer.Add(counter.Start);
                    continue;
                }
                // The region's own level, deliberately (v is defined there): a value of a nested branch or loop is recorded, not recomputed.
                if (c.Info.TryGetDefinition(v, out var instr) && instr.Id == v && !instr.HasRegions
                    && ((c.RecomputeCheap && (OpInfo.IsCheap(instr) || IsDivisionByConstant(c, instr)) && (!c.IsRecordable(v) || instr.Args.All(Restorable)))
                        // An object (the receiver of a call) is not recorded: a pure read of it is read again.
                        || (!c.IsRecordable(v) && OpInfo.IsPure(instr))))
                {
                    recompute.Add(v);
                    foreach (int arg in instr.Args)
                    {
                        if (Defined(arg)) work.Push(arg);
                        else outer.Add(arg);
                    }
                }
                else if (c.IsRecordable(v))
                {
                    record.Add(v);
                }
            }
            // Iteration counts first, the latest loop's first; then values by id.
            c.Records[region] = record.OrderBy(v => !v.IsIterationCount).ThenBy(v => v.IsIterationCount ? -v.Id : v.Id).ToList();
            c.Recomputed[region] = region.Body.Where(i => recompute.Contains(i.Id)).ToList();
            c.Induction[region] = inducted;
            return outer;
        }

        /// <summary>
        /// Integer <c>/</c> and <c>%</c> by a nonzero constant (an index such as <c>j * (j + 1) / 2</c>): a multiply and a
        /// shift once compiled, cheaper to redo than to push and pop, and they cannot throw.
        /// </summary>
        private static bool IsDivisionByConstant(ReversePlan c, Instr instr)
        {
            if ((instr.Op != Op.Div && instr.Op != Op.Rem) || instr.Type.Kind != ValueKind.Integer) return false;
            return c.Info.IsConst(instr.Args[1], out double divisor) && divisor != 0;
        }

        /// <summary>A parameter or a value of the function's own block: there for the whole reverse sweep.</summary>
        private static bool IsTopLevel(ReversePlan c, int value) => c.Info.IsDefinedIn(value, null) || c.Primal.Params.Any(p => p.Id == value);

        private static Dictionary<(Intrinsic, string), Instr> IntrinsicCalls(EquatableArray<Instr> body)
        {
            var calls = new Dictionary<(Intrinsic, string), Instr>();
            foreach (var i in body)
            {
                if (i.Op != Op.Intrinsic) continue;
                var key = (i.Fn, string.Join(",", i.Args));
                if (!calls.ContainsKey(key)) calls[key] = i;
            }
            return calls;
        }
    }
}

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
            plan.RecomputeCheap = recompute;
            plan.RestoredBuffers.Clear();
            plan.BufferWrites.Clear();
            plan.Refilled.Clear();
            if (recompute) FindBufferWrites(plan);
            PlanRegions(plan);
            // A buffer filled again by the reverse sweep (RefillPlan) is read again as a restored one is, and pushes nothing.
            if (recompute && ChooseRestored(plan).Union(RefillPlan.Choose(plan)).ToList() is { Count: > 0 } restored)
            {
                // Planned again: the reads of a restored buffer are now read again, and its writes' indices are read.
                plan.RestoredBuffers.UnionWith(restored);
                PlanRegions(plan);
            }
            plan.Planned = true;
        }

        private static void PlanRegions(ReversePlan plan)
        {
            plan.Records.Clear();
            plan.Recomputed.Clear();
            plan.Induction.Clear();
            plan.SameReads.Clear();
            plan.ReadsAfterUndo.Clear();
            plan.PlannedLoops.Clear();
            plan.Recurrences.Clear();
            AdjointReads(plan, plan.Primal.Body);
        }

        /// <summary>
        /// The local buffers whose every access is known (<see cref="ReversePlan.BufferWrites"/>): made at the top level, with
        /// an element type a tape holds, and used only as the buffer of an element read or write, by <c>length</c>, or by a
        /// pure operation (a reduction such as log-sum-exp), which reads it and cannot write it. Passed to a call, yielded or
        /// returned, a buffer may change or be changed elsewhere, and its reads are recorded as before.
        /// </summary>
        private static void FindBufferWrites(ReversePlan c)
        {
            foreach (var instr in c.Primal.Body)
            {
                if (instr.Op != Op.NewBuffer || !ReversePlan.IsRecordable(instr.Type.ElementType)) continue;
                var writes = new List<Instr>();
                bool known = true;
                foreach (var use in c.Info.UsesOf(instr.Id))
                {
                    var user = use.User;
                    if (user == null) { known = false; break; }
                    bool asBuffer = user.Args[0] == instr.Id && user.Args.Skip(1).All(a => a != instr.Id);
                    if ((user.Op == Op.Read || user.Op == Op.Length) && asBuffer) continue;
                    if (user.Op == Op.Write && asBuffer) { writes.Add(user); continue; }
                    if (user.Op == Op.Intrinsic && OpInfo.IsPure(user)) continue;
                    known = false;
                    break;
                }
                if (known) c.BufferWrites[instr.Id] = writes.OrderBy(w => c.Info.PositionOf(w.Id)).ToList();
            }
        }

        /// <summary>
        /// Whether the reverse sweep can read again what <paramref name="read"/> read, where the adjoint of the read's region
        /// starts, instead of recording it: when no write to the buffer can run after the read (a buffer filled once, then
        /// read), or when the buffer is restored write by write (<see cref="ReversePlan.RestoredBuffers"/>) and no write
        /// follows the read in its region: the reverse sweep has then undone every later write when it gets there.
        /// </summary>
        private static bool ReadAgain(ReversePlan c, Instr read)
        {
            if (read.Op != Op.Read || !c.BufferWrites.TryGetValue(read.Args[0], out var writes)) return false;
            int at = c.Info.PositionOf(read.Id);
            if (writes.All(w => c.Info.PositionOf(w.Id) < at && !InSameLoop(c, w, read))) return true;
            if (!c.RestoredBuffers.Contains(read.Args[0]) || c.Info.RegionOf(read.Id) is not Region region) return false;
            int end = c.Info.SpanOf(region).End;
            return !writes.Any(w => c.Info.PositionOf(w.Id) > at && c.Info.PositionOf(w.Id) < end);
        }

        /// <summary>Whether a loop holds both instructions: then each runs again after the other.</summary>
        private static bool InSameLoop(ReversePlan c, Instr a, Instr b)
        {
            for (var loop = c.Info.LoopOf(b.Id); loop != null; loop = c.Info.LoopOf(loop.Id))
            {
                if (c.Info.IsInside(a.Id, loop)) return true;
            }
            return false;
        }

        /// <summary>The number of loops around an instruction.</summary>
        private static int Depth(ReversePlan c, Instr instr)
        {
            int depth = 0;
            for (var loop = c.Info.LoopOf(instr.Id); loop != null; loop = c.Info.LoopOf(loop.Id)) depth++;
            return depth;
        }

        /// <summary>
        /// The buffers to restore write by write rather than record read by read (see <see cref="ReversePlan.RestoredBuffers"/>):
        /// those whose recorded reads, each weighed by 8 to the power of its loop depth (a guess at trip counts), outweigh
        /// their writes, weighed alike, when every write is one the reverse sweep passes (in no loop condition, no fused or
        /// replayed loop, and only in ifs and loops that have a reverse). The plan just made says which reads it records.
        /// </summary>
        private static HashSet<int> ChooseRestored(ReversePlan c)
        {
            var reads = new Dictionary<int, double>();
            foreach (var records in c.Records.Values)
            {
                foreach (var v in records)
                {
                    if (v.IsIterationCount || !c.Info.TryGetDefinition(v.Id, out var read) || read.Op != Op.Read || read.Id != v.Id) continue;
                    if (!c.BufferWrites.ContainsKey(read.Args[0])) continue;
                    reads[read.Args[0]] = (reads.TryGetValue(read.Args[0], out double w) ? w : 0) + System.Math.Pow(8, Depth(c, read));
                }
            }
            var chosen = new HashSet<int>();
            foreach (var pair in reads)
            {
                var writes = c.BufferWrites[pair.Key];
                if (writes.All(w => Reversed(c, w)) && pair.Value > writes.Sum(w => System.Math.Pow(8, Depth(c, w)))) chosen.Add(pair.Key);
            }
            return chosen;
        }

        /// <summary>Whether the reverse sweep passes <paramref name="instr"/> (see <see cref="ChooseRestored"/>).</summary>
        internal static bool Reversed(ReversePlan c, Instr instr)
        {
            for (var region = c.Info.RegionOf(instr.Id); region != null; region = c.Info.RegionOf(c.Info.OwnerOf(region).Id))
            {
                var owner = c.Info.OwnerOf(region);
                if (!c.NeedsReverse(owner) || c.Replayed.Contains(owner.Id)) return false;
                if (owner.Op == Op.While && ReferenceEquals(owner.Regions[0], region)) return false;
            }
            return true;
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
                        // A carried integer rebuilt backwards (IntRecurrence) starts from the loop's result.
                        foreach (var r in c.Recurrences[instr.Regions[1]]) reads.Add(instr.Results[r.Index].Id);
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
                if (instr.Op == Op.Write && (c.Activity.IsVaried(instr.Args[0]) || (c.RestoredBuffers.Contains(instr.Args[0]) && !c.Refilled.ContainsKey(instr.Args[0])))) { foreach (int i in OpInfo.Indices(instr)) reads.Add(i); continue; }
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
            if (loop != null) foreach (var refill in c.RefillsOf(loop)) foreach (int v in refill.Needs) inner.Add(v);
            // Defined at the region's own level: a parameter, an instruction, a result of a nested if or loop, or the
            // iteration count of a nested loop (recorded at the region's end).
            bool Defined(AdjointRead v) => c.Info.IsDefinedIn(v.Id, region) || (v.IsIterationCount && c.Info.RegionOf(v.Id) == region);
            var outer = new HashSet<AdjointRead>(inner.Where(v => !Defined(v)));
            var record = new HashSet<AdjointRead>(inner.Where(v => v.IsIterationCount && Defined(v)));
            var recompute = new HashSet<int>();
            var induction = loop == null || !c.RecomputeCheap ? new Dictionary<int, (int Start, int Step)>() : c.InductionVariables(loop);
            var inducted = new List<(int, int, int)>();
            var recurrences = loop == null || !c.RecomputeCheap ? null : Analysis.IntRecurrence.Of(c, loop);
            var rebuilt = new List<Analysis.IntRecurrence>();
            var same = new List<(int Value, int Same)>();
            var late = new Dictionary<int, Instr>();
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
                if (record.Contains(v) || recompute.Contains(v) || late.ContainsKey(v) || inducted.Any(d => d.Item1 == v) || same.Any(d => d.Value == v)) continue;
                if (induction.TryGetValue(v, out var counter))
                {
                    // A counter is its start plus step × the iteration number, which the reverse loop knows.
                    inducted.Add((v, counter.Start, counter.Step));
                    outer.Add(counter.Start);
                    continue;
                }
                if (recurrences != null && recurrences.Values.FirstOrDefault(r => r.Gives(v)) is Analysis.IntRecurrence rec)
                {
                    // A carried integer moved by what the reverse sweep computes anyway: walked back from the loop's result.
                    if (rebuilt.Contains(rec)) continue;
                    rebuilt.Add(rec);
                    foreach (int read in rec.Reads(c))
                    {
                        if (Defined(read)) work.Push(read);
                        else outer.Add(read);
                    }
                    continue;
                }
                // The region's own level, deliberately (v is defined there): a value of a nested branch or loop is recorded, not recomputed.
                if (c.Info.TryGetDefinition(v, out var instr) && instr.Id == v && !instr.HasRegions
                    && ((c.RecomputeCheap && (OpInfo.IsCheap(instr) || IsDivisionByConstant(c, instr)) && (!c.IsRecordable(v) || instr.Args.All(Restorable)))
                        // An object (the receiver of a call) is not recorded: a pure read of it is read again.
                        || (!c.IsRecordable(v) && OpInfo.IsPure(instr))
                        // An element of a buffer that holds it again in the reverse sweep.
                        || (c.RecomputeCheap && ReadAgain(c, instr))))
                {
                    recompute.Add(v);
                    foreach (int arg in instr.Args)
                    {
                        if (Defined(arg)) work.Push(arg);
                        else outer.Add(arg);
                    }
                }
                else if (c.RecomputeCheap && instr != null && UndoneWrite(c, region, instr) is Instr write)
                {
                    late[v] = write;
                    foreach (int arg in instr.Args)
                    {
                        if (Defined(arg)) work.Push(arg);
                        else outer.Add(arg);
                    }
                }
                else if (c.RecomputeCheap && instr != null && SameRead(c, region, instr) is int earlier)
                {
                    same.Add((v, earlier));
                    work.Push(earlier);
                }
                else if (c.IsRecordable(v))
                {
                    record.Add(v);
                }
            }
            // A recorded floating division whose operands the adjoint has at its start without recording more (1 / (1 + e)
            // with e recorded: a sigmoid, whose partial needs e and the quotient) is computed again there: a division for a
            // push and a pop. In block order, so a division computed again can serve a later one.
            if (c.RecomputeCheap)
            {
                bool Available(int a, List<int> extra, List<int> outside, int depth)
                {
                    if (record.Contains(a) || recompute.Contains(a) || extra.Contains(a) || inducted.Any(d => d.Item1 == a) || same.Any(d => d.Value == a)) return true;
                    if (rebuilt.Any(r => r.Gives(a))) return true;
                    if (late.ContainsKey(a)) return false;
                    if (!Defined(a))
                    {
                        outside.Add(a);
                        return true;
                    }
                    if (depth > 3 || !c.Info.TryGetDefinition(a, out var d) || d.Id != a || d.HasRegions || !(OpInfo.IsCheap(d) || IsDivisionByConstant(c, d))) return false;
                    if (!d.Args.All(arg => Available(arg, extra, outside, depth + 1))) return false;
                    extra.Add(a);
                    return true;
                }
                foreach (var instr in region.Body)
                {
                    if (instr.Op != Op.Div || instr.Type.Kind == ValueKind.Integer || !record.Contains(instr.Id)) continue;
                    var extra = new List<int>();
                    var outside = new List<int>();
                    if (!instr.Args.All(a => Available(a, extra, outside, 0))) continue;
                    record.Remove(instr.Id);
                    recompute.Add(instr.Id);
                    recompute.UnionWith(extra);
                    foreach (int v in outside) outer.Add(v);
                }
            }
            // A read taken again only after an undone write is not there when the adjoint starts. What is computed again from
            // it (a·a, 1 − x[i]) is computed there too when all its uses come before that write; otherwise, and for a read of
            // the same element taken from it or one taken again after another write (z[k] with k = idx[r]), it is recorded.
            foreach (var instr in region.Body)
            {
                bool again = late.TryGetValue(instr.Id, out var undone);
                if (!again && !recompute.Contains(instr.Id)) continue;
                var after = instr.Args.Where(late.ContainsKey).Select(a => late[a]).Distinct().ToList();
                if (after.Count == 0 || (again && after.Count == 1 && ReferenceEquals(after[0], undone))) continue;
                if (!again && after.Count == 1 && c.IsRecordable(instr.Id) && UsedBefore(c, instr, after[0]))
                {
                    recompute.Remove(instr.Id);
                    late[instr.Id] = after[0];
                    continue;
                }
                foreach (int arg in instr.Args)
                {
                    if (late.TryGetValue(arg, out var write) && !(again && ReferenceEquals(write, undone)) && late.Remove(arg)) record.Add(arg);
                }
            }
            foreach (var (_, earlier) in same) if (late.Remove(earlier)) record.Add(earlier);
            foreach (var instr in region.Body)
            {
                if (!late.TryGetValue(instr.Id, out var write)) continue;
                if (!c.ReadsAfterUndo.TryGetValue(write.Id, out var reads)) c.ReadsAfterUndo[write.Id] = reads = new List<Instr>();
                reads.Add(instr);
            }
            // Iteration counts first, the latest loop's first; then values by id.
            c.Records[region] = record.OrderBy(v => !v.IsIterationCount).ThenBy(v => v.IsIterationCount ? -v.Id : v.Id).ToList();
            c.Recomputed[region] = region.Body.Where(i => recompute.Contains(i.Id)).ToList();
            c.Induction[region] = inducted;
            c.Recurrences[region] = rebuilt;
            c.SameReads[region] = same.OrderBy(d => c.Info.PositionOf(d.Value)).ToList();
            return outer;
        }

        /// <summary>
        /// For a read of a restored buffer (<see cref="ReversePlan.RestoredBuffers"/>) that a later write of its block can
        /// change, the first write to the buffer after it, when that write is in the block itself and every use of the read
        /// comes before it: the reverse sweep undoes every later write of the iteration, then this one (later iterations and
        /// everything after the block it has undone already), and the buffer holds again what the read read, where the
        /// adjoints of its uses have yet to run (<see cref="ReversePlan.ReadsAfterUndo"/>).
        /// </summary>
        private static Instr? UndoneWrite(ReversePlan c, Region region, Instr read)
        {
            if (read.Op != Op.Read || !c.RestoredBuffers.Contains(read.Args[0]) || !c.BufferWrites.TryGetValue(read.Args[0], out var writes)) return null;
            int at = c.Info.PositionOf(read.Id), end = c.Info.SpanOf(region).End;
            var first = writes.FirstOrDefault(w => c.Info.PositionOf(w.Id) > at && c.Info.PositionOf(w.Id) < end);
            if (first == null || !ReferenceEquals(c.Info.RegionOf(first.Id), region)) return null;
            return UsedBefore(c, read, first) ? first : null;
        }

        /// <summary>Whether every use of <paramref name="value"/> is an instruction before <paramref name="write"/> (nothing yields it).</summary>
        private static bool UsedBefore(ReversePlan c, Instr value, Instr write)
        {
            int undone = c.Info.PositionOf(write.Id);
            foreach (var use in c.Info.UsesOf(value.Id))
            {
                if (use.User == null || c.Info.PositionOf(use.User.Id) >= undone) return false;
            }
            return true;
        }

        /// <summary>
        /// An earlier read of <paramref name="read"/>'s element in the same block (<c>q[i] * q[i]</c>), with no write to the buffer
        /// between them: what it read is what this one reads, so one is recorded for both.
        /// </summary>
        private static int? SameRead(ReversePlan c, Region region, Instr read)
        {
            if (read.Op != Op.Read || !c.BufferWrites.TryGetValue(read.Args[0], out var writes)) return null;
            int at = c.Info.PositionOf(read.Id);
            foreach (var earlier in region.Body)
            {
                if (earlier.Id == read.Id) break;
                if (earlier.Op != Op.Read || !earlier.Args.SequenceEqual(read.Args)) continue;
                int from = c.Info.PositionOf(earlier.Id);
                if (!writes.Any(w => c.Info.PositionOf(w.Id) > from && c.Info.PositionOf(w.Id) < at)) return earlier.Id;
            }
            return null;
        }

        /// <summary>
        /// Integer <c>/</c> and <c>%</c> by a nonzero constant (an index such as <c>j * (j + 1) / 2</c>): a multiply and a
        /// shift once compiled, cheaper to redo than to push and pop, and they cannot throw.
        /// </summary>
        internal static bool IsDivisionByConstant(ReversePlan c, Instr instr)
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

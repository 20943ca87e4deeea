using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// What the reverse sweep (<see cref="Reverse"/>) is told about a primal before it builds the Vjp: the shared analysis
    /// (<see cref="FunctionInfo"/>, <see cref="Analysis.Activity"/>), the buffers snapshotted around calls, and what the
    /// planning passes decided: how adjoints are summed (<see cref="FactorAdjoints"/>), which loops run their adjoint
    /// inside themselves (<see cref="FuseLoops"/>), what each region records and what it recomputes (<see cref="TapePlan"/>,
    /// the <c>recompute</c> pass or plain <c>record</c>), and which loops the reverse sweep replays forwards
    /// (<see cref="ReplayLoops"/>). Each planning pass is a step of <see cref="Passes"/>; with its switch off the plan
    /// keeps the textbook choice (sum as they come, no fusion, record everything recordable, count loops down).
    /// </summary>
    internal sealed class ReversePlan
    {
        private readonly Dictionary<int, IterationCount?> _trips = new Dictionary<int, IterationCount?>();

        private ReversePlan(IrFunction primal, IReadOnlyList<int> activeParams, Activity activity, CancellationToken cancellationToken)
        {
            Primal = primal;
            ActiveParams = activeParams;
            Info = FunctionInfo.Of(primal);
            Activity = activity;
            CancellationToken = cancellationToken;
        }

        public IrFunction Primal { get; }

        /// <summary>The indices of the parameters differentiated with respect to.</summary>
        public IReadOnlyList<int> ActiveParams { get; }

        /// <summary>The primal's definitions, uses, names, loop nest and induction variables.</summary>
        public FunctionInfo Info { get; }

        public Activity Activity { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>Per call or reduction, the buffers it reads that change before the reverse sweep gets back to it (<see cref="FindSnapshots"/>).</summary>
        public Dictionary<int, List<int>> Snapshots { get; } = new Dictionary<int, List<int>>();

        /// <summary>Set by <c>factor-adjoints</c>: adjoints are summed and factored by <see cref="FactoredAdjointSums"/>.</summary>
        public bool FactorAdjoints { get; set; }

        /// <summary>
        /// Whether the element accesses of the reverse sweep are marked <see cref="Ir.InRange"/> (written without bounds
        /// checks): the switch <c>in-range</c>, on unless optimisations are off.
        /// </summary>
        public bool InRange { get; set; }

        /// <summary>Top-level loops whose adjoint runs inside the loop (<see cref="Transforms.FuseLoops"/>), with the analysis of what follows them.</summary>
        public Dictionary<int, FuseLoops.Tail> Fused { get; } = new Dictionary<int, FuseLoops.Tail>();

        /// <summary>Loops whose reverse replays them forwards (<see cref="Transforms.ReplayLoops"/>).</summary>
        public HashSet<int> Replayed { get; } = new HashSet<int>();

        /// <summary>Inner loops of a strip-mined loop (<see cref="Checkpoint"/>) that the forward sweep runs without recording and the reverse sweep runs again from the outer loop's snapshot.</summary>
        public HashSet<int> Checkpointed { get; } = new HashSet<int>();

        /// <summary>Whether the sweep checkpoints <paramref name="loop"/>: marked, reversed, and not replayed (which records nothing anyway).</summary>
        public bool IsCheckpointed(Instr loop) => Checkpointed.Contains(loop.Id) && !Replayed.Contains(loop.Id) && !Fused.ContainsKey(loop.Id) && NeedsReverse(loop);

        /// <summary>The snapshots of a binomially checkpointed loop (<see cref="Binomial"/>).</summary>
        public int CheckpointSnapshots { get; set; }

        /// <summary>Whether the checkpointed loop is the original one, driven by the Revolve schedule (<c>Reverse.RevolveLoop</c>), rather than a strip-mined segment.</summary>
        public bool Binomial { get; set; }

        /// <summary>Whether <see cref="TapePlan"/> has run, and whether it recomputes cheap values and counters (<c>recompute</c>) or records them (<c>record</c>).</summary>
        public bool Planned { get; set; }

        public bool RecomputeCheap { get; set; }

        /// <summary>What each region pushes at its end and its adjoint pops first.</summary>
        public Dictionary<Region, List<AdjointRead>> Records { get; } = new Dictionary<Region, List<AdjointRead>>(ReferenceComparer<Region>.Instance);

        /// <summary>The values of each region its adjoint computes again rather than pops, in order.</summary>
        public Dictionary<Region, List<Instr>> Recomputed { get; } = new Dictionary<Region, List<Instr>>(ReferenceComparer<Region>.Instance);

        /// <summary>Reads of a region that read what an earlier read of it read (same element, no write between): the reverse sweep takes that one's value.</summary>
        public Dictionary<Region, List<(int Value, int Same)>> SameReads { get; } = new Dictionary<Region, List<(int, int)>>(ReferenceComparer<Region>.Instance);

        /// <summary>
        /// Reads of a restored buffer that a later write of their region overwrites, by that write (the first to the buffer
        /// after them), with the cheap values computed again from them: the reverse sweep reads them again right after it has
        /// undone that write, where the buffer holds again what they read, and computes those values there (<see cref="TapePlan"/>).
        /// </summary>
        public Dictionary<int, List<Instr>> ReadsAfterUndo { get; } = new Dictionary<int, List<Instr>>();

        /// <summary>The reads (and values computed from them) the reverse sweep takes again once it has undone <paramref name="write"/> (<see cref="ReadsAfterUndo"/>).</summary>
        public IEnumerable<Instr> ReadAfterUndo(Instr write) =>
            ReadsAfterUndo.TryGetValue(write.Id, out var reads) ? reads : Enumerable.Empty<Instr>();

        /// <summary>The counters of a loop's body rebuilt from the reverse loop's iteration count: parameter, start, step.</summary>
        public Dictionary<Region, List<(int Param, int Start, int Step)>> Induction { get; } = new Dictionary<Region, List<(int, int, int)>>(ReferenceComparer<Region>.Instance);

        /// <summary>The carried integers of a loop's body rebuilt backwards from the loop's result (<see cref="IntRecurrence"/>), not recorded.</summary>
        public Dictionary<Region, List<IntRecurrence>> Recurrences { get; } = new Dictionary<Region, List<IntRecurrence>>(ReferenceComparer<Region>.Instance);

        /// <summary>
        /// Local buffers whose every element access the tape plan knows (<see cref="TapePlan"/>: made at the top level, only
        /// read, written, measured or passed to a pure function), with their writes in walk order. A read after which no
        /// write can run is read again by the reverse sweep rather than recorded.
        /// </summary>
        public Dictionary<int, List<Instr>> BufferWrites { get; } = new Dictionary<int, List<Instr>>();

        /// <summary>
        /// Buffers whose writes record the element they overwrite, which the reverse sweep writes back when it passes the
        /// write (<see cref="TapePlan"/>): the buffer then holds in the reverse sweep what it held in the forward sweep, so its
        /// reads are read again rather than recorded, and it needs no snapshot around calls.
        /// </summary>
        public HashSet<int> RestoredBuffers { get; } = new HashSet<int>();

        /// <summary>
        /// Buffers the reverse sweep fills again rather than restores (<see cref="RefillPlan"/>), by buffer: their writes push
        /// nothing, and the reverse of the loop around the one statement that writes them starts by running its slice again.
        /// They are in <see cref="RestoredBuffers"/> too, for how their reads are read again.
        /// </summary>
        public Dictionary<int, RefillPlan.Refill> Refilled { get; } = new Dictionary<int, RefillPlan.Refill>();

        /// <summary>The refills that start the reverse of <paramref name="loop"/>'s body (<see cref="Refilled"/>).</summary>
        public IEnumerable<RefillPlan.Refill> RefillsOf(Instr loop) => Refilled.Values.Where(r => ReferenceEquals(r.Loop, loop)).OrderBy(r => r.Buffer);

        /// <summary>
        /// Writes that add to the element they overwrite, <c>b[i] = b[i] ± e₁ ± …</c> (<c>b[i] += e</c>), by write, with the
        /// chain of additions from the read of the element to the value written (<see cref="FindAccumulatingWrites"/>). The
        /// element's adjoint passes through such a write unchanged: the reverse sweep reads it and sends ±it to each eₖ, and
        /// neither zeroes it (the write's adjoint) nor adds it back (the read's).
        /// </summary>
        public Dictionary<int, List<FuseLoops.Accumulation>> AccumulatingWrites { get; } = new Dictionary<int, List<FuseLoops.Accumulation>>();

        /// <summary>The buffers a call or reduction's adjoint needs put back (<see cref="Snapshots"/>), but those the reverse sweep restores write by write.</summary>
        public IEnumerable<int> SnapshotsAt(int instr) =>
            Snapshots.TryGetValue(instr, out var buffers) ? buffers.Where(b => !RestoredBuffers.Contains(b)) : Enumerable.Empty<int>();

        /// <summary>The loops whose body the tape plan planned (candidates for <see cref="Transforms.ReplayLoops"/>), in the order planned.</summary>
        public List<Instr> PlannedLoops { get; } = new List<Instr>();

        /// <summary>The analysis every plan starts from: activity of <paramref name="activeParams"/>, and snapshots (not an optimisation).</summary>
        public static ReversePlan Of(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default)
        {
            var activity = Activity.Analyze(primal, activeParams.Select(i => primal.Params[i].Id).ToArray(), cancellationToken);
            var plan = new ReversePlan(primal, activeParams, activity, cancellationToken);
            plan.FindSnapshots();
            plan.FindAccumulatingWrites(primal.Body, null);
            return plan;
        }

        /// <summary>The plan every planning pass makes that <paramref name="options"/> leaves on, in the pipeline's order.</summary>
        public static ReversePlan Build(IrFunction primal, IReadOnlyList<int> activeParams, PassOptions options, CancellationToken cancellationToken = default)
        {
            var plan = Of(primal, activeParams, cancellationToken);
            if (options.FactorAdjoints) plan.FactorAdjoints = true;
            plan.InRange = options.InRange;
            if (options.FuseLoops) Transforms.FuseLoops.Run(plan);
            TapePlan.Run(plan, options.Recompute);
            if (options.ReplayLoops) Transforms.ReplayLoops.Run(plan);
            return plan;
        }

        /// <summary>
        /// Reverse mode as passes: the planning passes (each an optimisation with its switch, but <c>record</c>, which
        /// plans the tapes when <c>recompute</c> is off), then <c>reverse</c>, the sweep that builds the Vjp from the plan.
        /// A planning pass leaves the function as it is (so it is not verified again) and fills the plan the sweep reads.
        /// </summary>
        public static Pass[] Passes(Pipeline pipeline, IReadOnlyList<int> active, IReadOnlyList<int> outputs, int checkpoints = 0, bool binomial = false)
        {
            ReversePlan? plan = null;
            int? checkpointed = null;
            ReversePlan For(IrFunction f)
            {
                if (plan != null && ReferenceEquals(plan.Primal, f)) return plan;
                plan = Of(f, active, pipeline.CancellationToken);
                if (checkpointed is int inner)
                {
                    plan.Checkpointed.Add(inner);
                    plan.Binomial = binomial;
                    plan.CheckpointSnapshots = checkpoints;
                }
                return plan;
            }
            IrFunction Step(IrFunction f, System.Action<ReversePlan> step)
            {
                step(For(f));
                return f;
            }
            var checkpoint = new Pass(Checkpoint.Name, f =>
            {
                if (binomial)
                {
                    checkpointed = Checkpoint.Binomial(f);
                    return f;
                }
                var (strips, inner) = Checkpoint.Run(f, checkpoints);
                checkpointed = inner;
                return strips;
            });
            return (checkpoints > 0 ? new[] { checkpoint } : System.Array.Empty<Pass>()).Concat(new[]
            {
                new Pass(Pipeline.FactorAdjointsName, f => Step(f, p => p.FactorAdjoints = true), o => o.FactorAdjoints),
                new Pass(Pipeline.FuseLoopsName, f => Step(f, Transforms.FuseLoops.Run), o => o.FuseLoops),
                pipeline.Options.Recompute
                    ? new Pass(Pipeline.RecomputeName, f => Step(f, p => TapePlan.Run(p, recompute: true)), o => o.Recompute)
                    : new Pass(TapePlan.RecordName, f => Step(f, p => TapePlan.Run(p, recompute: false))),
                new Pass(Pipeline.ReplayLoopsName, f => Step(f, Transforms.ReplayLoops.Run), o => o.ReplayLoops),
                new Pass("reverse", f =>
                {
                    var plan = For(f);
                    plan.InRange = pipeline.Options.InRange;
                    return Reverse.Transform(plan, outputs);
                }),
            }).ToArray();
        }

        public TypeRef TypeOf(int value) => Info.TypeOf(value);

        public static bool IsRecordable(TypeRef type) => type.IsNumeric || type.Kind == ValueKind.Bool;

        public bool IsRecordable(int value) => IsRecordable(TypeOf(value));

        /// <summary>
        /// Whether an if or loop gets a reverse: adjoints enter a region only through its varied results.
        /// The forward sweep (which records) and the reverse sweep (which reads back) use this same test.
        /// </summary>
        public bool NeedsReverse(Instr instr) =>
            instr.Results.Any(r => Activity.IsVaried(r.Id)) || instr.Regions.Any(r => WritesVaried(r.Body));

        /// <summary>Whether a block writes into a varied buffer, the other way an adjoint reaches a region.</summary>
        private bool WritesVaried(EquatableArray<Instr> body) =>
            body.Any(i => (i.Op == Op.Write && Activity.IsVaried(i.Args[0])) || OpInfo.Outputs(i).Any(Activity.IsVaried) || i.Regions.Any(r => WritesVaried(r.Body)));

        /// <summary>The loop's counters (<see cref="FunctionInfo.InductionVariables"/>) by their parameter in the body, with their start value and step.</summary>
        public Dictionary<int, (int Start, int Step)> InductionVariables(Instr loop) =>
            Info.InductionVariables(loop).ToDictionary(v => v.Param, v => (v.Start, v.Step));

        /// <summary>
        /// A loop's trip count without recording it. When the condition is only <c>i &lt; n</c> (or <c>≤</c>, or
        /// <c>&gt;</c>/<c>≥</c> counting down) for a counter stepping by one towards a bound defined before the loop, the
        /// count is n − i₀ (+1 when inclusive), from values known before the loop (so a nested loop's count is
        /// recomputed from its parent's counter). Otherwise, when the loop has any counter, the count is
        /// (final − start) / step. Null for a loop without a counter, whose iterations are counted and recorded.
        /// </summary>
        public IterationCount? ExactTrips(Instr loop)
        {
            if (_trips.TryGetValue(loop.Id, out var known)) return known;
            IterationCount? found = null;
            var induction = InductionVariables(loop);
            // A condition that is only a comparison of a counter with a bound: the count follows from the start and the
            // bound, when the bound is a value from before the loop (the reverse sweep reads it there).
            if (Info.Trips.Trips(loop) is TripCount exact && exact.Exact && Activity.FreeValues(new[] { loop.Regions[0] }).Contains(exact.Bound))
            {
                found = new IterationCount(loop.Args[exact.Counter], exact.Bound, exact.Inclusive, exact.Step);
            }
            if (found == null)
            {
                // Any loop with a counter (i += step on every path, whatever else decides when it stops): the count is
                // (final − start) / step, from the counter's value after the loop.
                var body = loop.Regions[1];
                for (int k = 0; k < body.Params.Count && found == null; k++)
                {
                    if (induction.TryGetValue(body.Params[k].Id, out var counter) && counter.Step != 0)
                        found = new IterationCount(loop.Args[k], loop.Results[k].Id, false, counter.Step, fromFinal: true);
                }
            }
            _trips[loop.Id] = found;
            return found;
        }

        /// <summary>
        /// Calls and reductions whose reverse reads a local buffer (a callee's Vjp recomputes from its
        /// arguments; log-sum-exp's rule reads the elements) need the elements as they were at the call. When
        /// a write can change the buffer before the reverse sweep gets back there (a later write, or any write
        /// in a loop around the call), the forward sweep pushes the buffer's contents after the call and the
        /// reverse sweep pops them back into the buffer before the call's adjoint. A fused loop around the call is not
        /// such a loop: its iteration's adjoint runs before the next iteration writes (<see cref="FuseLoops"/> finds the
        /// snapshots again once it has chosen).
        /// </summary>
        internal void FindSnapshots()
        {
            Snapshots.Clear();
            var writes = new List<(int Buffer, int Position)>();
            var reads = new List<(Instr Instr, int Position, int Block)>();
            int blocks = 0;
            var loops = new List<(int Start, int End)>();
            int position = 0;
            void Walk(EquatableArray<Instr> body)
            {
                int block = blocks++;
                foreach (var instr in body)
                {
                    int at = position++;
                    if (instr.Op == Op.Write) writes.Add((instr.Args[0], at));
                    foreach (int output in OpInfo.Outputs(instr)) writes.Add((output, at)); // a call writing an output span (its own Vjp reads it)
                    bool readsElements = RuleTable.For(instr)?.ReadsElements == true;
                    if (readsElements && Activity.IsVaried(instr.Id)) reads.Add((instr, at, block));
                    foreach (var region in instr.Regions) Walk(region.Body);
                    if (instr.Op == Op.While && !Fused.ContainsKey(instr.Id)) loops.Add((at, position));
                }
            }
            Walk(Primal.Body);
            foreach (var (instr, at, block) in reads)
            {
                var around = loops.Where(l => l.Start < at && at < l.End).ToList();
                bool Changes((int Buffer, int Position) write) =>
                    write.Position > at || around.Any(l => l.Start < write.Position && write.Position < l.End);
                // A later read in the same block with no write between restores the buffer for this one too.
                bool RestoredLater(int buffer) => reads.Any(r => r.Position > at && r.Block == block && r.Instr.Args.Contains(buffer)
                    && !writes.Any(w => w.Buffer == buffer && w.Position > at && w.Position < r.Position));
                var changed = instr.Args.Distinct()
                    .Where(a => TypeOf(a).Kind == ValueKind.Sequence && writes.Any(w => w.Buffer == a && Changes(w)) && !RestoredLater(a))
                    .ToList();
                if (changed.Count > 0) Snapshots[instr.Id] = changed;
            }
        }

        /// <summary>
        /// Fills <see cref="AccumulatingWrites"/>: a write of a varied buffer whose value is the element it overwrites, read in the
        /// same block at the same index values, plus or minus other values, where the read and each partial sum have no other
        /// use and nothing between the read and the write does anything to the buffer but read it (reads between only add to the
        /// element's adjoint, in either order).
        /// </summary>
        private void FindAccumulatingWrites(EquatableArray<Instr> body, Region? block)
        {
            for (int k = 0; k < body.Count; k++)
            {
                var write = body[k];
                for (int r = 0; r < write.Regions.Count; r++) FindAccumulatingWrites(write.Regions[r].Body, write.Regions[r]);
                if (write.Op != Op.Write || !Activity.IsVaried(write.Args[0])) continue;
                int stored = OpInfo.StoredValue(write);
                if (Info.UseCount(stored) != 1 || ElementRead(write, stored, block) is not int read || !Activity.IsVaried(read)) continue;
                if (FuseLoops.Chain(this, read, stored, block) is not { Count: > 0 } chain) continue;
                bool untouched = true;
                for (int j = Info.IndexOf(read) + 1; j < k && untouched; j++) untouched = !Touches(body[j], write.Args[0]);
                if (untouched) AccumulatingWrites[write.Id] = chain;
            }
        }

        /// <summary>The read of the element <paramref name="write"/> overwrites that <paramref name="value"/> adds to, through additions at the block's level used once.</summary>
        private int? ElementRead(Instr write, int value, Region? block)
        {
            if (!Info.TryGetDefinition(value, out var def) || def.Id != value || !Info.IsDefinedIn(value, block)) return null;
            if (def.Op == Op.Read && def.Args.Count == write.Args.Count - 1 && Enumerable.Range(0, def.Args.Count).All(i => def.Args[i] == write.Args[i])) return value;
            if (def.Op != Op.Add && def.Op != Op.Sub) return null;
            int? Operand(int i) => Info.UseCount(def.Args[i]) == 1 ? ElementRead(write, def.Args[i], block) : null;
            return def.Op == Op.Add ? Operand(0) ?? Operand(1) : Operand(0);
        }

        /// <summary>Whether <paramref name="instr"/>, or anything in its regions, uses <paramref name="buffer"/> other than to read its elements or length.</summary>
        private static bool Touches(Instr instr, int buffer)
        {
            bool reads = (instr.Op == Op.Read || instr.Op == Op.Element || instr.Op == Op.Length) && instr.Args.Skip(1).All(a => a != buffer);
            if (!reads && !(instr.Op == Op.Intrinsic && OpInfo.IsPure(instr)) && instr.Args.Contains(buffer)) return true;
            return instr.Regions.Any(r => r.Body.Any(i => Touches(i, buffer)) || r.Yields.Contains(buffer));
        }

        /// <summary>A plan as text, for stage tests: each decision, in a fixed order.</summary>
        public string Describe()
        {
            var lines = new List<string>();
            if (FactorAdjoints) lines.Add("factor adjoints");
            foreach (var s in Snapshots.OrderBy(s => s.Key)) lines.Add("snapshot at %" + s.Key + ": " + string.Join(", ", s.Value.Select(v => "%" + v)));
            foreach (int loop in Fused.Keys.OrderBy(k => k)) lines.Add("fused @" + loop);
            foreach (int loop in Replayed.OrderBy(k => k)) lines.Add("replayed @" + loop);
            foreach (var w in AccumulatingWrites.OrderBy(w => w.Key))
            {
                lines.Add("accumulate at %" + w.Key + ": " + string.Join(" ", w.Value.Select(a => (a.Subtracts ? "- %" : "+ %") + a.Link.Args[a.Term])));
            }
            foreach (int buffer in RestoredBuffers.OrderBy(k => k)) lines.Add(Refilled.TryGetValue(buffer, out var refill)
                ? "refill %" + buffer + " at the start of @" + refill.Loop.Id + "'s reverse from " + (refill.Counter < 0 ? "%" : "@") + refill.Statement.Id
                : "restore overwritten elements of %" + buffer);
            foreach (int loop in Checkpointed.OrderBy(k => k)) lines.Add("checkpointed @" + loop);
            void Region(string name, Region region)
            {
                if (!Records.TryGetValue(region, out var records)) return;
                var parts = new List<string>();
                if (records.Count > 0) parts.Add("record " + string.Join(", ", records.Select(r => r.IsIterationCount ? "iterations @" + r.Id : "%" + r.Id)));
                if (Recomputed[region].Count > 0) parts.Add("recompute " + string.Join(", ", Recomputed[region].Select(i => "%" + i.Id)));
                if (SameReads.TryGetValue(region, out var same) && same.Count > 0) parts.Add("same " + string.Join(", ", same.Select(v => "%" + v.Value + " = %" + v.Same)));
                var after = region.Body.Where(w => ReadsAfterUndo.ContainsKey(w.Id)).ToList();
                if (after.Count > 0) parts.Add("again " + string.Join(", ", after.Select(w => string.Join(", ", ReadsAfterUndo[w.Id].Select(r => "%" + r.Id)) + " after undoing %" + w.Id)));
                if (Recurrences.TryGetValue(region, out var rebuilt) && rebuilt.Count > 0) parts.Add("rebuilt " + string.Join(", ", rebuilt.Select(r => r.Describe(this))));
                if (Induction[region].Count > 0) parts.Add("counters " + string.Join(", ", Induction[region].Select(v => "%" + v.Param + " = %" + v.Start + " + " + v.Step + "k")));
                lines.Add(name + ": " + (parts.Count == 0 ? "nothing" : string.Join("; ", parts)));
            }
            void Walk(EquatableArray<Instr> body)
            {
                foreach (var instr in body)
                {
                    for (int r = 0; r < instr.Regions.Count; r++)
                    {
                        Region((instr.Op == Op.While ? (r == 0 ? "condition" : "body") : (r == 0 ? "then" : "else")) + " @" + instr.Id, instr.Regions[r]);
                        Walk(instr.Regions[r].Body);
                    }
                }
            }
            Walk(Primal.Body);
            return string.Join("\n", lines);
        }
    }

    /// <summary>
    /// What the adjoint reads, and a region may record: a value of the primal, or the iteration count of a loop whose
    /// count follows from no counter (<see cref="ReversePlan.ExactTrips"/>), which the forward sweep counts.
    /// </summary>
    internal readonly record struct AdjointRead(int Id, bool IsIterationCount)
    {
        public static AdjointRead IterationsOf(Instr loop) => new AdjointRead(loop.Id, true);

        public static implicit operator AdjointRead(int value) => new AdjointRead(value, false);
    }

    /// <summary>A loop's trip count as a function of its counter's start and either its bound (known before the loop) or its final value.</summary>
    internal sealed class IterationCount
    {
        public IterationCount(int start, int bound, bool inclusive, int step, bool fromFinal = false)
        {
            Start = start;
            Bound = bound;
            Inclusive = inclusive;
            Step = step;
            FromFinal = fromFinal;
        }

        /// <summary>Whether <see cref="Bound"/> is the counter's value after the loop (the count is then exact for any step).</summary>
        public bool FromFinal { get; }

        public int Start { get; }
        public int Bound { get; }
        public bool Inclusive { get; }
        public int Step { get; }
    }
}

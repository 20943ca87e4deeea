using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Reverse mode (VJP). For <c>f(p…) → value</c> builds
    /// <c>f(p…, seed, p̄…) → (value, p̄…)</c>: a forward sweep (the primal) followed by a reverse
    /// sweep that walks the instructions backwards and adds adjoint·∂instr/∂argᵢ into each varied
    /// operand's adjoint. Each incoming p̄ is where the accumulation for p starts, so the results
    /// are p̄ + seed·∂f/∂p.
    /// <para>
    /// Control flow: values of the function body are never overwritten (SSA), so the reverse sweep
    /// reads them directly. A region (a branch taken, one loop iteration) is gone when the reverse
    /// sweep reaches it, so at its end it pushes onto a tape exactly the values its adjoint will
    /// read (the to-be-recorded analysis), and the adjoint of that region pops them first. Nested
    /// regions push before their parent's end and pop after their parent's start, so the tape stays
    /// in order. The reverse loop runs as many times as the loop did: a count computed from the loop's
    /// counter when it has one, otherwise one it counted and recorded.
    /// </para>
    /// <para>
    /// Adjoint chains are kept short: the partials along a chain of operations are multiplied together
    /// before the adjoint is (a·(q·p)), contributions are summed (and factored when they scale the same
    /// adjoint) before they are added, and a value the primal recorded is what a partial that needs it
    /// again gets (sin x for the partial of cos x).
    /// </para>
    /// </summary>
    public static partial class Reverse
    {
        public const string AdjointSuffix = "Adj";

        private sealed class Context
        {
            public readonly IrBuilder B = new IrBuilder();
            /// <summary>The adjoint of each varied sequence: an input's adjoint span, a buffer's adjoint buffer.</summary>
            public readonly Dictionary<int, int> SequenceAdjoint = new Dictionary<int, int>();
            /// <summary>What each region pushes at its end and its adjoint pops first (<see cref="Plan"/>).</summary>
            public readonly Dictionary<Region, List<AdjointRead>> Records = new Dictionary<Region, List<AdjointRead>>(ReferenceComparer<Region>.Instance);
            /// <summary>The iteration count of each loop the forward sweep counts (<see cref="RecordingLoop"/>), by loop id: the count, or where a region's adjoint popped it.</summary>
            public readonly Dictionary<int, int> IterationCounts = new Dictionary<int, int>();
            public readonly Dictionary<Region, List<(int Param, int Start, int Step)>> Induction = new Dictionary<Region, List<(int, int, int)>>(ReferenceComparer<Region>.Instance);
            /// <summary>An accumulated adjoint: the incoming adjoint and the sum of the contributions added to it.</summary>
            public readonly Dictionary<int, (int Base, int Terms)> Pending = new Dictionary<int, (int, int)>();
            /// <summary>Adjoints built as (adjoint · factor), the factor a product of partials.</summary>
            public readonly Dictionary<int, (int Adjoint, int Factor)> Products = new Dictionary<int, (int, int)>();
            public readonly Dictionary<int, IterationCount?> Trips = new Dictionary<int, IterationCount?>();
            public readonly Dictionary<Region, List<Instr>> Recomputed = new Dictionary<Region, List<Instr>>(ReferenceComparer<Region>.Instance);
            /// <summary>Per call or reduction, the buffers it reads that change before the reverse sweep gets back to it.</summary>
            public readonly Dictionary<int, List<int>> Snapshots = new Dictionary<int, List<int>>();
            /// <summary>Top-level loops whose adjoint runs inside the loop (<see cref="FindFusedLoops"/>), with the analysis of what follows them.</summary>
            public readonly Dictionary<int, Tail> Fused = new Dictionary<int, Tail>();
            /// <summary>Loops whose reverse replays them forwards (<see cref="IsReplayable"/>).</summary>
            public readonly HashSet<int> Replayed = new HashSet<int>();
            public IrFunction Primal = null!;
            /// <summary>The primal's definitions, uses, names, loop nest and induction variables (<see cref="FunctionInfo"/>).</summary>
            public FunctionInfo Info = null!;
            public Activity Activity = null!;
            public CancellationToken CancellationToken;
            /// <summary>Which of the optimisations interleaved in this transform are on (<see cref="Pipeline"/>).</summary>
            public PassOptions Options = PassOptions.Default;
        }

        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default) =>
            Transform(primal, activeParams, System.Array.Empty<int>(), cancellationToken);

        /// <summary>
        /// With <paramref name="outputParams"/> (the output spans of a vector-valued method), the seed is a
        /// read-only cotangent span per output, in place of a scalar seed.
        /// </summary>
        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, IReadOnlyList<int> outputParams, CancellationToken cancellationToken = default, PassOptions? options = null)
        {
            var c = new Context { CancellationToken = cancellationToken, Primal = primal, Info = FunctionInfo.Of(primal), Options = options ?? PassOptions.Default };
            c.Activity = Activity.Analyze(primal, activeParams.Select(i => primal.Params[i].Id).ToArray(), cancellationToken);
            FindSnapshots(c, primal);
            AdjointReads(c, primal.Body);
            // (A struct result's several leaves each have a seed: fusion, which follows one seed, stays out.)
            if (c.Options.FuseLoops && primal.Results.Count <= 1) FindFusedLoops(c, primal);
            var b = c.B;
            var map = new Dictionary<int, int>();
            foreach (var p in primal.Params) map[p.Id] = b.Param(p.Name, p.Type);

            bool scalar = primal.Results.Count > 0;
            var result = scalar ? primal.Results[0] : null;
            int seed = scalar ? b.Param(primal.Results.Count > 1 ? "seed" + result!.Name : "seed", primal.TypeOf(result!.Value)) : -1;
            // A struct result: one seed per leaf, in order (its Vjp's seed is a struct).
            var seeds = primal.Results.Skip(1).Select(r => b.Param("seed" + r.Name, primal.TypeOf(r.Value))).ToList();
            var cotangents = new List<(int Output, int Span)>();
            foreach (int index in outputParams)
            {
                var p = primal.Params[index];
                cotangents.Add((p.Id, b.Param(p.Name + AdjointSuffix, Forward.TangentType(p.Type))));
            }
            var adjoint = new Dictionary<int, int>();
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                if (p.Type.Kind == ValueKind.Sequence) c.SequenceAdjoint[p.Id] = b.Param(p.Name + AdjointSuffix, AdjointType(p.Type));
                else adjoint[p.Id] = b.Param(p.Name + AdjointSuffix, p.Type);
            }

            foreach (var (output, span) in cotangents)
            {
                // The reverse sweep consumes an output's adjoint element by element, so it works on a copy.
                c.SequenceAdjoint[output] = b.Emit(Op.NewBuffer, b.TypeOf(map[output]), new[] { span }, primal.Params.First(p => p.Id == output).Name + "Seed", payload: new Allocation(BufferKind.Copy));
            }
            ForwardBlock(c, primal.Body, map, adjoint, seed);
            if (scalar && c.Activity.IsVaried(result!.Value)) Accumulate(c, adjoint, result.Value, seed, b.Mark);
            for (int k = 0; k < seeds.Count; k++)
            {
                if (c.Activity.IsVaried(primal.Results[k + 1].Value)) Accumulate(c, adjoint, primal.Results[k + 1].Value, seeds[k], b.Mark);
            }
            AdjointBlock(c, primal.Body, map, adjoint);

            var results = new List<IrResult>();
            results.AddRange(primal.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                if (p.Type.Kind != ValueKind.Sequence) results.Add(new IrResult(p.Name + AdjointSuffix, adjoint[p.Id]));
            }
            return b.Build(primal.Name + "Vjp", results);
        }

        /// <summary>A sequence's adjoint is a writable span of its elements, added into.</summary>
        public static TypeRef AdjointType(TypeRef type) =>
            type.Rank == 2 ? TypeRef.Array2DOf(type.ElementType, type.Jagged) : TypeRef.SpanOf(type.ElementType);

        /// <summary>
        /// Whether an if or loop gets a reverse: adjoints enter a region only through its varied results.
        /// The forward sweep (which records) and the reverse sweep (which reads back) use this same test.
        /// </summary>
        private static bool NeedsReverse(Context c, Instr instr) =>
            instr.Results.Any(r => c.Activity.IsVaried(r.Id)) || instr.Regions.Any(r => WritesVaried(c, r.Body));

        /// <summary>Whether a block writes into a varied buffer, the other way an adjoint reaches a region.</summary>
        private static bool WritesVaried(Context c, EquatableArray<Instr> body) =>
            body.Any(i => (i.Op == Op.Write && c.Activity.IsVaried(i.Args[0])) || i.Regions.Any(r => WritesVaried(c, r.Body)));

        // ---- to-be-recorded analysis ----

        /// <summary>
        /// The values the adjoint of <paramref name="body"/> reads, wherever they are defined. As a side
        /// effect, records for each region under it the values it defines that its adjoint reads: those
        /// are what the region pushes at its end.
        /// </summary>
        private static HashSet<AdjointRead> AdjointReads(Context c, EquatableArray<Instr> body)
        {
            var reads = new HashSet<AdjointRead>();
            // The block's intrinsic calls by function and operands (the first of each), built when first needed: one look-up
            // per sin x rather than a scan of the block.
            Dictionary<(Intrinsic, string), Instr>? intrinsics = null;
            foreach (var instr in body)
            {
                if (instr.HasRegions)
                {
                    if (!NeedsReverse(c, instr)) continue;
                    if (instr.Op == Op.While)
                    {
                        var planned = Plan(c, instr.Regions[1], instr);
                        if (c.Options.ReplayLoops && IsReplayable(c, instr))
                        {
                            c.Replayed.Add(instr.Id);
                            foreach (int v in ReplayReads(c, instr)) reads.Add(v);
                            continue;
                        }
                        if (ExactTrips(c, instr) is IterationCount counted) { reads.Add(counted.Start); reads.Add(counted.Bound); }
                        else reads.Add(AdjointRead.IterationsOf(instr));
                        foreach (var v in planned) reads.Add(v);
                        continue;
                    }
                    if (instr.Op == Op.If) reads.Add(instr.Args[0]);
                    else if (ExactTrips(c, instr) is IterationCount trips) { reads.Add(trips.Start); reads.Add(trips.Bound); }
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
        private static HashSet<AdjointRead> Plan(Context c, Region region, Instr? loop)
        {
            var inner = AdjointReads(c, region.Body);
            // Defined at the region's own level: a parameter, an instruction, a result of a nested if or loop, or the
            // iteration count of a nested loop (recorded at the region's end).
            bool Defined(AdjointRead v) => c.Info.IsDefinedIn(v.Id, region) || (v.IsIterationCount && c.Info.RegionOf(v.Id) == region);
            var outer = new HashSet<AdjointRead>(inner.Where(v => !Defined(v)));
            var record = new HashSet<AdjointRead>(inner.Where(v => v.IsIterationCount && Defined(v)));
            var recompute = new HashSet<int>();
            var induction = loop == null || !c.Options.Recompute ? new Dictionary<int, (int Start, int Step)>() : InductionVariables(c, loop);
            var inducted = new List<(int, int, int)>();
            // Whether a value of the region can be had in its adjoint: recomputed from such values, or recorded (a string a
            // switch compares with cannot be: then the comparison, a bool, is recorded instead).
            var restorable = new Dictionary<int, bool>();
            bool Restorable(int v)
            {
                if (restorable.TryGetValue(v, out bool known)) return known;
                return restorable[v] = IsRecordable(c, v) || induction.ContainsKey(v)
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
                    && ((c.Options.Recompute && (OpInfo.IsCheap(instr) || IsDivisionByConstant(c, instr)) && (!IsRecordable(c, v) || instr.Args.All(Restorable)))
                        // An object (the receiver of a call) is not recorded: a pure read of it is read again.
                        || (!IsRecordable(c, v) && OpInfo.IsPure(instr))))
                {
                    recompute.Add(v);
                    foreach (int arg in instr.Args)
                    {
                        if (Defined(arg)) work.Push(arg);
                        else outer.Add(arg);
                    }
                }
                else if (IsRecordable(c, v))
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

        /// <summary>The loop's counters (<see cref="FunctionInfo.InductionVariables"/>) by their parameter in the body, with their start value and step.</summary>
        private static Dictionary<int, (int Start, int Step)> InductionVariables(Context c, Instr loop) =>
            c.Info.InductionVariables(loop).ToDictionary(v => v.Param, v => (v.Start, v.Step));

        /// <summary>
        /// Integer <c>/</c> and <c>%</c> by a nonzero constant (an index such as <c>j * (j + 1) / 2</c>): a multiply and a
        /// shift once compiled, cheaper to redo than to push and pop, and they cannot throw.
        /// </summary>
        private static bool IsDivisionByConstant(Context c, Instr instr)
        {
            if ((instr.Op != Op.Div && instr.Op != Op.Rem) || instr.Type.Kind != ValueKind.Integer) return false;
            return c.Info.IsConst(instr.Args[1], out double divisor) && divisor != 0;
        }

        /// <summary>A parameter or a value of the function's own block: there for the whole reverse sweep.</summary>
        private static bool IsTopLevel(Context c, int value) => c.Info.IsDefinedIn(value, null) || c.Primal.Params.Any(p => p.Id == value);

        private static bool IsRecordable(Context c, int value) => IsRecordable(TypeOf(c, value));

        private static bool IsRecordable(TypeRef type) => type.IsNumeric || type.Kind == ValueKind.Bool;

        private static TypeRef TypeOf(Context c, int value) => c.Info.TypeOf(value);

        /// <summary>
        /// What the adjoint reads, and a region may record: a value of the primal, or the iteration count of a loop whose
        /// count follows from no counter (<see cref="ExactTrips"/>), which the forward sweep counts (<see cref="RecordingLoop"/>).
        /// </summary>
        private readonly record struct AdjointRead(int Id, bool IsIterationCount)
        {
            public static AdjointRead IterationsOf(Instr loop) => new AdjointRead(loop.Id, true);

            public static implicit operator AdjointRead(int value) => new AdjointRead(value, false);
        }

        /// <summary>The tape slot a recorded value is pushed to and popped from; the id pairs the push with its pop.</summary>
        private static TapeSlot Slot(Context c, AdjointRead v) =>
            v.IsIterationCount ? new TapeSlot(TypeRef.Int, TapeEntry.IterationCount, v.Id) : new TapeSlot(TypeOf(c, v.Id), TapeEntry.Value, v.Id);

        /// <summary>What stands for <paramref name="v"/> in the function being built.</summary>
        private static int Mapped(Context c, AdjointRead v, Dictionary<int, int> map) => v.IsIterationCount ? c.IterationCounts[v.Id] : map[v.Id];

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

        // ---- forward sweep ----

        private static void ForwardBlock(Context c, EquatableArray<Instr> body, Dictionary<int, int> map, Dictionary<int, int>? adjoint = null, int seed = -1)
        {
            foreach (var instr in body)
            {
                c.CancellationToken.ThrowIfCancellationRequested();
                if (adjoint != null && c.Fused.ContainsKey(instr.Id)) FusedLoop(c, instr, map, adjoint, seed);
                else if (instr.Op == Op.If && NeedsReverse(c, instr)) RecordingIf(c, instr, map);
                else if (instr.Op == Op.While && NeedsReverse(c, instr)) RecordingLoop(c, instr, map);
                else Replay.Copy(c.B, instr, map, simplify: false);
                if (c.Snapshots.TryGetValue(instr.Id, out var buffers))
                {
                    foreach (int buffer in buffers) c.B.Emit(Op.Push, IrBuilder.Void, new[] { map[buffer] }, payload: new TapeSlot(TypeOf(c, buffer).ElementType, TapeEntry.WholeBuffer, buffer));
                }
                if (instr.Op == Op.NewBuffer && c.Activity.IsVaried(instr.Id))
                {
                    // The buffer's adjoint, zeroed, made where the buffer is.
                    c.SequenceAdjoint[instr.Id] = c.B.Emit(Op.NewBuffer, instr.Type, instr.Args.Select(a => map[a]).ToArray(),
                        instr.Name != null ? instr.Name + AdjointSuffix : null, payload: new Allocation(Forward.Zeroed(instr.Buffer)));
                }
            }
        }

        /// <summary>Pushes what a region's adjoint will read, at the end of the region.</summary>
        private static void Record(Context c, Region region, Dictionary<int, int> map)
        {
            foreach (var v in c.Records[region])
            {
                // The recorded value's id pairs the push with its pop (forward-over-reverse records tangents alongside).
                c.B.Emit(Op.Push, IrBuilder.Void, new[] { Mapped(c, v, map) }, payload: Slot(c, v));
            }
        }

        private static void RecordingIf(Context c, Instr instr, Dictionary<int, int> map)
        {
            var b = c.B;
            var regions = new List<Region>();
            foreach (var region in instr.Regions)
            {
                b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                ForwardBlock(c, region.Body, map);
                Record(c, region, map);
                regions.Add(b.EndRegion(region.Yields.Select(y => map[y]).ToList()));
            }
            var ids = b.EmitStructured(Op.If, new[] { map[instr.Args[0]] }, regions,
                instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList());
            for (int i = 0; i < ids.Length; i++) map[instr.Results[i].Id] = ids[i];
        }

        /// <summary>The primal loop, recording each iteration's values at its end and counting iterations.</summary>
        private static void RecordingLoop(Context c, Instr instr, Dictionary<int, int> map)
        {
            var b = c.B;
            var condition = instr.Regions[0];
            var body = instr.Regions[1];
            // A loop whose trip count follows from a counter is not counted: the reverse sweep computes it (ExactTrips).
            bool counted = !c.Replayed.Contains(instr.Id) && ExactTrips(c, instr) == null;
            var signature = body.Params.Select(p => (p.Name, p.Type)).Concat(counted ? new[] { ("iterations", TypeRef.Int) } : System.Array.Empty<(string, TypeRef)>()).ToList();
            var inits = instr.Args.Select(a => map[a]).Concat(counted ? new[] { b.Const(0, TypeRef.Int) } : System.Array.Empty<int>()).ToList();

            var conditionIds = b.BeginRegion(signature);
            for (int i = 0; i < condition.Params.Count; i++) map[condition.Params[i].Id] = conditionIds[i];
            Replay.CopyBlock(b, condition.Body, map, simplify: false);
            var conditionRegion = b.EndRegion(new[] { map[condition.Yields[0]] });

            var bodyIds = b.BeginRegion(signature);
            for (int i = 0; i < body.Params.Count; i++) map[body.Params[i].Id] = bodyIds[i];
            ForwardBlock(c, body.Body, map);
            Record(c, body, map);
            var yields = body.Yields.Select(y => map[y]).ToList();
            if (counted) yields.Add(b.Emit(Op.Add, TypeRef.Int, new[] { bodyIds[bodyIds.Length - 1], b.Const(1, TypeRef.Int) }));
            var bodyRegion = b.EndRegion(yields);

            var results = b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion },
                signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            for (int i = 0; i < instr.Results.Count; i++) map[instr.Results[i].Id] = results[i];
            if (counted) c.IterationCounts[instr.Id] = results[results.Length - 1];
        }

        /// <summary>A loop's trip count as a function of its counter's start and either its bound (known before the loop) or its final value.</summary>
        private sealed class IterationCount
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

        /// <summary>
        /// A loop's trip count without recording it. When the condition is only <c>i &lt; n</c> (or <c>≤</c>, or
        /// <c>&gt;</c>/<c>≥</c> counting down) for a counter stepping by one towards a bound defined before the loop, the
        /// count is n − i₀ (+1 when inclusive), from values known before the loop (so a nested loop's count is
        /// recomputed from its parent's counter). Otherwise, when the loop has any counter, the count is
        /// (final − start) / step. Null for a loop without a counter, whose iterations are counted and recorded.
        /// </summary>
        private static IterationCount? ExactTrips(Context c, Instr loop)
        {
            if (c.Trips.TryGetValue(loop.Id, out var known)) return known;
            IterationCount? found = null;
            var induction = InductionVariables(c, loop);
            // A condition that is only a comparison of a counter with a bound: the count follows from the start and the
            // bound, when the bound is a value from before the loop (the reverse sweep reads it there).
            if (c.Info.Trips.Trips(loop) is TripCount exact && exact.Exact && Activity.FreeValues(new[] { loop.Regions[0] }).Contains(exact.Bound))
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
            c.Trips[loop.Id] = found;
            return found;
        }

        /// <summary>
        /// n − i₀ counting up, i₀ − n counting down, plus one when the bound is inclusive. A negative count means no
        /// iteration, which the reverse loop's <c>count &gt; 0</c> already handles.
        /// </summary>
        private static int TripCountValue(Context c, IterationCount trips, Dictionary<int, int> map)
        {
            var b = c.B;
            var type = CountType(b.TypeOf(map[trips.Start]));
            int start = b.Convert(map[trips.Start], type), bound = b.Convert(map[trips.Bound], type);
            if (trips.FromFinal && trips.Step != 1 && trips.Step != -1)
            {
                int travelled = b.Emit(Op.Sub, type, new[] { bound, start });
                return b.Emit(Op.Div, type, new[] { travelled, b.Integer(trips.Step, type) });
            }
            int from = trips.Step > 0 ? start : bound, to = trips.Step > 0 ? bound : start;
            int extra = trips.Inclusive ? 1 : 0;
            int distance;
            if (b.Definition(from) is Instr constant && constant.IsInteger(out long value)) distance = b.PlusConstant(to, extra - value);
            else distance = b.PlusConstant(b.Emit(Op.Sub, type, new[] { to, from }), extra);
            return distance;
        }

        /// <summary>
        /// The type a loop over a counter of <paramref name="counter"/>'s type counts its iterations in: int for an int (or
        /// narrower) counter, long for a long or uint one (a signed difference, negative when the loop does not run).
        /// </summary>
        private static TypeRef CountType(TypeRef counter) =>
            counter.Display == "long" || counter.Display == "uint" || counter.Display == "ulong" ? TypeRef.Long : TypeRef.Int;


        /// <summary>
        /// Takes back what <see cref="Record"/> pushed, last first, into a copy of the value map, then
        /// recomputes the cheap values the plan chose not to record.
        /// </summary>
        private static Dictionary<int, int> Restore(Context c, Region region, Dictionary<int, int> map, int iteration = -1)
        {
            var local = new Dictionary<int, int>(map);
            var recorded = c.Records[region];
            for (int k = recorded.Count - 1; k >= 0; k--)
            {
                var v = recorded[k];
                if (v.IsIterationCount)
                {
                    c.IterationCounts[v.Id] = c.B.Emit(Op.Pop, TypeRef.Int, System.Array.Empty<int>(), payload: Slot(c, v));
                    continue;
                }
                local[v.Id] = c.B.Emit(Op.Pop, TypeOf(c, v.Id), System.Array.Empty<int>(), c.Info.NameOf(v.Id), payload: Slot(c, v));
            }
            foreach (var (param, start, step) in c.Induction[region])
            {
                // The reverse loop counts iterations down to 1: iteration k (from 0) of the forward loop is count − 1.
                // (In the count's type, signed, and then the counter's: an unsigned counter may count down.)
                var type = TypeOf(c, param);
                var countType = c.B.TypeOf(iteration);
                if (type.Display == "int" || type.Display == "long") countType = type;
                int index = c.B.Convert(c.B.Emit(Op.Sub, c.B.TypeOf(iteration), new[] { iteration, c.B.Integer(1, c.B.TypeOf(iteration)) }), countType);
                int offset = step == 1 ? index : c.B.Emit(Op.Mul, countType, new[] { index, c.B.Integer(step, countType) });
                string? name = c.B.IsConst(map[start], 0.0) ? null : c.Info.NameOf(param);
                int value = c.B.IsConst(map[start], 0.0) ? offset : c.B.Emit(Op.Add, countType, new[] { c.B.Convert(map[start], countType), offset }, type == countType ? name : null);
                local[param] = c.B.Convert(value, type, name);
            }
            foreach (var instr in c.Recomputed[region]) Replay.Copy(c.B, instr, local, simplify: false);
            // A recorded sin x (or any recorded pure operation) is what a partial that needs sin x (that of cos x)
            // would compute again: let value numbering hand it the recorded value instead.
            foreach (var (v, isCount) in recorded)
            {
                if (!isCount && c.Info.TryGetDefinition(v, out var def) && !def.HasRegions && def.Results.Count == 0 && def.Args.All(local.ContainsKey))
                {
                    c.B.Remember(def.Op, def.Type, def.Args.Select(a => local[a]).ToArray(), local[v], def.Payload);
                }
            }
            return local;
        }

        // ---- reverse sweep ----

        private static void AdjointBlock(Context c, EquatableArray<Instr> body, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            for (int k = body.Count - 1; k >= 0; k--)
            {
                c.CancellationToken.ThrowIfCancellationRequested();
                var instr = body[k];
                if (instr.Op == Op.If)
                {
                    if (NeedsReverse(c, instr)) ReverseIf(c, instr, map, adjoint);
                    continue;
                }
                if (instr.Op == Op.While)
                {
                    if (!NeedsReverse(c, instr) || c.Fused.ContainsKey(instr.Id)) continue;
                    if (c.Replayed.Contains(instr.Id)) ReplayedLoop(c, instr, map, adjoint);
                    else ReverseLoop(c, instr, map, adjoint);
                    continue;
                }
                if (instr.Op == Op.Write)
                {
                    // x[i] = v overwrote x[i]: v takes the element's adjoint, which then restarts at zero.
                    if (!c.SequenceAdjoint.TryGetValue(instr.Args[0], out int bufferAdjoint)) continue;
                    var index = OpInfo.Indices(instr).Select(i => map[i]).ToArray();
                    int stored = OpInfo.StoredValue(instr);
                    if (c.Activity.IsVaried(stored))
                    {
                        int read = c.B.Emit(Op.Read, c.B.TypeOf(map[stored]), new[] { bufferAdjoint }.Concat(index).ToArray());
                        Accumulate(c, adjoint, stored, read, c.B.Mark);
                    }
                    c.B.Emit(Op.Write, IrBuilder.Void, new[] { bufferAdjoint }.Concat(index).Append(c.B.Const(0, c.B.TypeOf(map[stored]))).ToArray());
                    continue;
                }
                if (c.Snapshots.TryGetValue(instr.Id, out var snapshots))
                {
                    // The buffers this call read have changed since; put back what they held then (last pushed, first).
                    for (int s = snapshots.Count - 1; s >= 0; s--) c.B.Emit(Op.Pop, IrBuilder.Void, new[] { map[snapshots[s]] }, payload: new TapeSlot(TypeOf(c, snapshots[s]).ElementType, TapeEntry.WholeBuffer, snapshots[s]));
                }
                if (!c.Activity.IsVaried(instr.Id) || !adjoint.TryGetValue(instr.Id, out int adj)) continue;
                if (instr.Op == Op.Element || instr.Op == Op.Read)
                {
                    // An element read sends its adjoint to that element of the sequence's adjoint.
                    c.B.Emit(Op.AddTo, IrBuilder.Void, new[] { c.SequenceAdjoint[instr.Args[0]] }.Concat(OpInfo.Indices(instr).Select(i => map[i])).Append(adj).ToArray());
                    continue;
                }
                RuleTable.For(instr)?.Pull?.Invoke(new AdjointSite(c, instr, map, adjoint, adj));
            }
        }

        /// <summary>What a rule's pullback sees of the reverse sweep.</summary>
        private sealed class AdjointSite : IAdjointSite
        {
            private readonly Context _c;
            private readonly Dictionary<int, int> _map;
            private readonly Dictionary<int, int> _adjoint;
            private readonly int _mark;

            public AdjointSite(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint, int cotangent)
            {
                _c = c;
                Instr = instr;
                _map = map;
                _adjoint = adjoint;
                Cotangent = cotangent;
                _mark = c.B.Mark;
            }

            public IrBuilder B => _c.B;

            public Instr Instr { get; }

            public int Value => _map[Instr.Id];

            public int Cotangent { get; }

            public int Arg(int index) => _map[Instr.Args[index]];

            public bool IsVaried(int index) => _c.Activity.IsVaried(Instr.Args[index]);

            public void AddScaled(int index, int partial)
            {
                int operand = Instr.Args[index];
                int adj = Cotangent;
                int product = Scale(_c, adj, partial);
                if (_c.B.Definition(adj) is Instr merge && merge.HasRegions)
                {
                    // An adjoint that comes out of a branch or loop is exactly zero on the paths that did
                    // not use this value, where the partial may be NaN or infinite (√x before `if (x <= 0)`):
                    // a zero adjoint contributes zero, never 0·∞.
                    product = _c.B.Select(_c.B.Compare(Op.Ne, adj, _c.B.Const(0, _c.B.TypeOf(adj))), product, _c.B.Const(0, _c.B.TypeOf(adj)));
                }
                int contribution = _c.B.Convert(product, _c.B.TypeOf(_map[operand]));
                Accumulate(_c, _adjoint, operand, contribution, _mark);
            }

            public void Add(int index, int contribution)
            {
                if (IsVaried(index)) Accumulate(_c, _adjoint, Instr.Args[index], contribution, _c.B.Mark);
            }

            public int SequenceAdjoint(int index) => SequenceAdjointOrSink(_c, Instr.Args[index], _map);
        }

        /// <summary>
        /// <c>if (cond) { restore then's values; adjoint of then } else { … }</c>, yielding the adjoints
        /// of the outer values the branches read.
        /// </summary>
        private static void ReverseIf(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            var b = c.B;
            var outer = Activity.FreeValues(instr.Regions).Where(v => c.Activity.IsVaried(v) && TypeOf(c, v).Kind != ValueKind.Sequence).ToList();
            var regions = new List<Region>();
            foreach (var region in instr.Regions)
            {
                b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                if (OpInfo.NeverEnds(region.Body))
                {
                    // A branch that throws never reaches the reverse sweep: its adjoint is nothing.
                    regions.Add(b.EndRegion(outer.Select(v => adjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)).ToList()));
                    continue;
                }
                var local = Restore(c, region, map);
                var localAdjoint = new Dictionary<int, int>(adjoint);
                for (int i = 0; i < instr.Results.Count; i++)
                {
                    if (c.Activity.IsVaried(region.Yields[i]) && adjoint.TryGetValue(instr.Results[i].Id, out int resultAdjoint))
                    {
                        Accumulate(c, localAdjoint, region.Yields[i], resultAdjoint, b.Mark);
                    }
                }
                AdjointBlock(c, region.Body, local, localAdjoint);
                regions.Add(b.EndRegion(outer.Select(v => localAdjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)).ToList()));
            }
            var ids = b.EmitStructured(Op.If, new[] { map[instr.Args[0]] }, regions,
                outer.Select(v => (AdjointName(c, v), b.TypeOf(map[v]))).ToList());
            for (int i = 0; i < outer.Count; i++) adjoint[outer[i]] = ids[i];
        }

        /// <summary>
        /// A loop running the recorded iterations backwards. It carries the iteration count, the adjoints
        /// of the primal loop's carried values, and the adjoints of the outer values the body reads.
        /// </summary>
        private static void ReverseLoop(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            var b = c.B;
            var body = instr.Regions[1];
            var carried = Enumerable.Range(0, instr.Args.Count).Where(i => c.Activity.IsVaried(body.Params[i].Id)).ToList();
            var outer = Activity.FreeValues(new[] { body }).Where(v => c.Activity.IsVaried(v) && TypeOf(c, v).Kind != ValueKind.Sequence).ToList();
            // The count is an int, or a long for a loop over a long counter.
            var inits = new List<int> { ExactTrips(c, instr) is IterationCount trips ? TripCountValue(c, trips, map) : c.IterationCounts[instr.Id] };
            var count = b.TypeOf(inits[0]);
            var signature = new List<(string, TypeRef)> { ("iteration", count) };
            signature.AddRange(carried.Select(i => (body.Params[i].Name + AdjointSuffix, body.Params[i].Type)));
            signature.AddRange(outer.Select(v => (AdjointName(c, v) ?? "adjoint", b.TypeOf(map[v]))));
            inits.AddRange(carried.Select(i => adjoint.TryGetValue(instr.Results[i].Id, out int a) ? a : Zero(c, map, instr.Args[i])));
            inits.AddRange(outer.Select(v => adjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)));

            var conditionIds = b.BeginRegion(signature);
            var conditionRegion = b.EndRegion(new[] { b.Emit(Op.Gt, TypeRef.Bool, new[] { conditionIds[0], b.Integer(0, count) }) });

            var ids = b.BeginRegion(signature);
            var local = Restore(c, body, map, ids[0]);
            var localAdjoint = new Dictionary<int, int>();
            for (int j = 0; j < outer.Count; j++) localAdjoint[outer[j]] = ids[1 + carried.Count + j];
            for (int k = 0; k < carried.Count; k++)
            {
                int next = body.Yields[carried[k]];
                if (c.Activity.IsVaried(next)) Accumulate(c, localAdjoint, next, ids[1 + k], b.Mark);
            }
            AdjointBlock(c, body.Body, local, localAdjoint);
            var yields = new List<int> { b.Emit(Op.Sub, count, new[] { ids[0], b.Integer(1, count) }) };
            yields.AddRange(carried.Select(i => localAdjoint.TryGetValue(body.Params[i].Id, out int a) ? a : Zero(c, map, instr.Args[i])));
            yields.AddRange(outer.Select(v => localAdjoint[v]));
            var bodyRegion = b.EndRegion(yields);

            var results = b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion }, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            // The outer values' adjoints came through the loop; a start value may be one of them too, so
            // its contribution is added after.
            for (int j = 0; j < outer.Count; j++) adjoint[outer[j]] = results[1 + carried.Count + j];
            for (int k = 0; k < carried.Count; k++)
            {
                int start = instr.Args[carried[k]];
                if (c.Activity.IsVaried(start)) Accumulate(c, adjoint, start, results[1 + k], b.Mark);
            }
        }

        /// <summary>
        /// Where a callee adds the adjoint of a sequence argument: the sequence's own adjoint span, or for data
        /// that does not vary, a scratch buffer whose contents are dropped.
        /// </summary>
        private static int SequenceAdjointOrSink(Context c, int sequence, Dictionary<int, int> map)
        {
            if (c.SequenceAdjoint.TryGetValue(sequence, out int adjoint)) return adjoint;
            var type = TypeOf(c, sequence);
            int length = c.B.Emit(Op.Length, TypeRef.Int, new[] { map[sequence] });
            return c.B.Emit(Op.NewBuffer, AdjointType(type), new[] { length }, "unusedAdj", payload: new Allocation(BufferKind.Scratch));
        }

        /// <summary>
        /// Calls and reductions whose reverse reads a local buffer (a callee's Vjp recomputes from its
        /// arguments; log-sum-exp's rule reads the elements) need the elements as they were at the call. When
        /// a write can change the buffer before the reverse sweep gets back there (a later write, or any write
        /// in a loop around the call), the forward sweep pushes the buffer's contents after the call and the
        /// reverse sweep pops them back into the buffer before the call's adjoint.
        /// </summary>
        private static void FindSnapshots(Context c, IrFunction primal)
        {
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
                    bool readsElements = RuleTable.For(instr)?.ReadsElements == true;
                    if (readsElements && c.Activity.IsVaried(instr.Id)) reads.Add((instr, at, block));
                    foreach (var region in instr.Regions) Walk(region.Body);
                    if (instr.Op == Op.While) loops.Add((at, position));
                }
            }
            Walk(primal.Body);
            foreach (var (instr, at, block) in reads)
            {
                var around = loops.Where(l => l.Start < at && at < l.End).ToList();
                bool Changes((int Buffer, int Position) write) =>
                    write.Position > at || around.Any(l => l.Start < write.Position && write.Position < l.End);
                // A later read in the same block with no write between restores the buffer for this one too.
                bool RestoredLater(int buffer) => reads.Any(r => r.Position > at && r.Block == block && r.Instr.Args.Contains(buffer)
                    && !writes.Any(w => w.Buffer == buffer && w.Position > at && w.Position < r.Position));
                var changed = instr.Args.Distinct()
                    .Where(a => TypeOf(c, a).Kind == ValueKind.Sequence && writes.Any(w => w.Buffer == a && Changes(w)) && !RestoredLater(a))
                    .ToList();
                if (changed.Count > 0) c.Snapshots[instr.Id] = changed;
            }
        }

        private static int Zero(Context c, Dictionary<int, int> map, int value) => c.B.Const(0, c.B.TypeOf(map[value]));

        private static string? AdjointName(Context c, int value) =>
            c.Info.NameOf(value) is string n ? n + AdjointSuffix : null;

        /// <summary>
        /// adjoint · partial. When the adjoint is itself ±a·q, an adjoint a scaled by partials here, the partials are
        /// multiplied first, a·(q·partial): they depend only on primal values, so only one multiplication waits for
        /// the adjoint, however long the chain of operations it flows back through (−r̄·e·cos E becomes r̄·(−e·cos E)).
        /// </summary>
        private static int Scale(Context c, int adj, int partial)
        {
            var b = c.B;
            bool negated = false;
            int scaled = adj;
            if (b.Definition(adj) is Instr neg && neg.Op == Op.Neg && c.Products.ContainsKey(neg.Args[0]))
            {
                negated = true;
                scaled = neg.Args[0];
            }
            int result;
            // (A constant "adjoint", a product such as 2·(100·b) that the seed 1 folded into, gains nothing from it; nor does
            // an adjoint computed outside the current region, a loop's say, whose product would be redone every iteration.)
            if (c.Options.FactorAdjoints && c.Products.TryGetValue(scaled, out var earlier) && b.TypeOf(earlier.Factor) == b.TypeOf(partial) && !b.IsConst(earlier.Adjoint, out _)
                && b.IsInCurrentRegion(scaled))
            {
                int factor = b.Mul(earlier.Factor, partial);
                result = b.Mul(earlier.Adjoint, negated ? b.Neg(factor) : factor);
            }
            else result = b.Mul(adj, partial);
            // Remember the product (under a negation the builder may have pulled out) for the next partial along the chain.
            int inner = b.Definition(result) is Instr outer && outer.Op == Op.Neg ? outer.Args[0] : result;
            if (b.Definition(inner) is Instr m && m.Op == Op.Mul && !c.Products.ContainsKey(inner)) c.Products[inner] = (m.Args[0], m.Args[1]);
            return result;
        }

        /// <summary>The adjoint and whether it is negated, when <paramref name="value"/> is (−)adjoint·factor built by <see cref="Scale"/>.</summary>
        private static (int Adjoint, bool Negated)? ProductOf(Context c, int value)
        {
            if (c.Products.TryGetValue(value, out var p)) return (p.Adjoint, false);
            if (c.B.Definition(value) is Instr neg && neg.Op == Op.Neg && c.Products.TryGetValue(neg.Args[0], out var q)) return (q.Adjoint, true);
            return null;
        }

        /// <summary>a·k₁ + a·k₂ as a·(k₁ + k₂), signs folded into the factors.</summary>
        private static int Factored(Context c, int first, int second)
        {
            var b = c.B;
            int Factor(int value)
            {
                var (adj, negated) = ProductOf(c, value)!.Value;
                int product = negated ? b.Definition(value)!.Args[0] : value;
                int factor = c.Products[product].Factor;
                return negated ? b.Neg(factor) : factor;
            }
            int adjoint = ProductOf(c, first)!.Value.Adjoint;
            int sum = b.Add(Factor(first), Factor(second));
            int result = b.Mul(adjoint, sum);
            int inner = b.Definition(result) is Instr outer && outer.Op == Op.Neg ? outer.Args[0] : result;
            if (b.Definition(inner) is Instr m && m.Op == Op.Mul && !c.Products.ContainsKey(inner)) c.Products[inner] = (m.Args[0], m.Args[1]);
            return result;
        }

        private static void Accumulate(Context c, Dictionary<int, int> adjoint, int value, int contribution, int mark)
        {
            string? name = AdjointName(c, value);
            if (adjoint.TryGetValue(value, out int existing))
            {
                // Contributions are summed among themselves first and added to the incoming adjoint once:
                // base + (c₁ + c₂ + c₃) rather than ((base + c₁) + c₂) + c₃, so a loop-carried adjoint waits for one
                // addition per iteration instead of one per use. The partial sums left behind are dead code, unless
                // something read one, in which case adding to it is as short a chain as any.
                if (c.Options.FactorAdjoints && c.Pending.TryGetValue(existing, out var pending) && !c.B.IsRead(existing))
                {
                    // Terms that scale the same adjoint are one product: a·k₁ + a·k₂ = a·(k₁ + k₂), the sum of partials
                    // computed off the adjoint chain.
                    int terms = ProductOf(c, pending.Terms) is (int a1, _) && ProductOf(c, contribution) is (int a2, _) && a1 == a2
                        ? Factored(c, pending.Terms, contribution)
                        : c.B.Add(pending.Terms, contribution);
                    int sum = c.B.Add(pending.Base, terms, name);
                    c.Pending[sum] = (pending.Base, terms);
                    adjoint[value] = sum;
                }
                else
                {
                    int sum = c.B.Add(existing, contribution, name);
                    c.Pending[sum] = (existing, contribution);
                    adjoint[value] = sum;
                }
            }
            else
            {
                if (name != null) c.B.NameValue(contribution, name, mark);
                adjoint[value] = contribution;
            }
        }
    }
}

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
    /// With <c>factor-adjoints</c> (<see cref="FactoredAdjointSums"/>), adjoint chains are kept short: the partials along a chain of operations are multiplied together
    /// before the adjoint is (a·(q·p)), contributions are summed (and factored when they scale the same
    /// adjoint) before they are added, and a value the primal recorded is what a partial that needs it
    /// again gets (sin x for the partial of cos x).
    /// </para>
    /// </summary>
    public static partial class Reverse
    {
        public const string AdjointSuffix = "Adj";

        /// <summary>The state of one sweep: the function being built and what it has mapped so far; the rest is the plan it follows.</summary>
        private sealed class Context
        {
            public Context(ReversePlan plan)
            {
                Plan = plan;
                Sums = AdjointSums.For(plan, B);
            }

            public readonly IrBuilder B = new IrBuilder();
            /// <summary>The adjoint of each varied sequence: an input's adjoint span, a buffer's adjoint buffer.</summary>
            public readonly Dictionary<int, int> SequenceAdjoint = new Dictionary<int, int>();
            /// <summary>The iteration count of each loop the forward sweep counts (<see cref="RecordingLoop"/>), by loop id: the count, or where a region's adjoint popped it.</summary>
            public readonly Dictionary<int, int> IterationCounts = new Dictionary<int, int>();
            /// <summary>What the planning passes decided (<see cref="ReversePlan"/>).</summary>
            public readonly ReversePlan Plan;
            /// <summary>How adjoint·partial and sums of contributions are built (<c>factor-adjoints</c>).</summary>
            public readonly AdjointSums Sums;

            public IrFunction Primal => Plan.Primal;
            public FunctionInfo Info => Plan.Info;
            public Activity Activity => Plan.Activity;
            public CancellationToken CancellationToken => Plan.CancellationToken;
        }

        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default) =>
            Transform(primal, activeParams, System.Array.Empty<int>(), cancellationToken);

        /// <summary>
        /// With <paramref name="outputParams"/> (the output spans of a vector-valued method), the seed is a
        /// read-only cotangent span per output, in place of a scalar seed.
        /// </summary>
        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, IReadOnlyList<int> outputParams, CancellationToken cancellationToken = default, PassOptions? options = null) =>
            Transform(ReversePlan.Build(primal, activeParams, options ?? PassOptions.Default, cancellationToken), outputParams);

        /// <summary>The sweep itself, following <paramref name="plan"/> (the planning passes of <see cref="ReversePlan.Passes"/>).</summary>
        internal static IrFunction Transform(ReversePlan plan, IReadOnlyList<int> outputParams)
        {
            if (!plan.Planned) TapePlan.Run(plan, recompute: false);
            var c = new Context(plan);
            var primal = plan.Primal;
            var activeParams = plan.ActiveParams;
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
            // An output the reverse sweep puts back to what a call saw (a snapshot) must end holding what the method wrote.
            var restored = cotangents.Select(o => o.Output).Where(o => c.Plan.Snapshots.Values.Any(s => s.Contains(o))).ToList();
            var finals = restored.Select(o => b.Emit(Op.NewBuffer, TypeRef.SpanOf(TypeOf(c, o).ElementType), new[] { map[o] }, primal.Params.First(p => p.Id == o).Name + "Final", payload: new Allocation(BufferKind.Copy))).ToList();
            if (scalar && c.Activity.IsVaried(result!.Value)) Accumulate(c, adjoint, result.Value, seed, b.Mark);
            for (int k = 0; k < seeds.Count; k++)
            {
                if (c.Activity.IsVaried(primal.Results[k + 1].Value)) Accumulate(c, adjoint, primal.Results[k + 1].Value, seeds[k], b.Mark);
            }
            // Every element the reverse sweep accesses, the forward sweep accessed at the same index: no bounds checks.
            b.MarkInRange = plan.InRange;
            AdjointBlock(c, primal.Body, map, adjoint);
            b.MarkInRange = false;
            for (int k = 0; k < restored.Count; k++) CopyInto(b, finals[k], map[restored[k]]);

            var results = new List<IrResult>();
            results.AddRange(primal.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                if (p.Type.Kind != ValueKind.Sequence) results.Add(new IrResult(p.Name + AdjointSuffix, adjoint[p.Id]));
            }
            return MarkInRange(b.Build(primal.Name + "Vjp", results), b.InRangeAccesses);
        }

        /// <summary>
        /// Gives the accesses the reverse sweep built (<paramref name="accesses"/>) the <see cref="InRange"/> payload, those
        /// of one index into a span that is a parameter or a buffer the function makes: an adjoint has its primal's length
        /// (made so, or checked on entry), so the forward sweep's check at that index covers it. (Arrays keep their checks:
        /// unchecked, their null check stays in the loop; see <c>AutoDiff.Unchecked</c>.)
        /// </summary>
        private static IrFunction MarkInRange(IrFunction function, IReadOnlyCollection<int> accesses)
        {
            if (accesses.Count == 0) return function;
            var definitions = IrWalk.Definitions(function.Body);
            var owned = function.Params.ToDictionary(p => p.Id, p => p.Type);
            foreach (var def in definitions.Values) if (def.Op == Op.NewBuffer) owned[def.Id] = def.Type;
            bool Marks(Instr i) => accesses.Contains(i.Id) && i.Payload == null && OpInfo.IndexCount(i) == 1
                && owned.TryGetValue(i.Args[0], out var type) && IsSpan(type);
            EquatableArray<Instr> Walk(EquatableArray<Instr> body) => body.Select(i =>
                i.HasRegions ? i with { Regions = i.Regions.Select(r => r with { Body = Walk(r.Body) }).ToEquatableArray() }
                : Marks(i) ? i with { Payload = InRange.Instance } : i).ToEquatableArray();
            return function with { Body = Walk(function.Body) };
        }

        /// <summary>Whether <paramref name="type"/> is a <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c>, the sequences <see cref="InRange"/> may mark.</summary>
        internal static bool IsSpan(TypeRef type) => type.Container == Container.Span || type.Container == Container.ReadOnlySpan;

        /// <summary><c>for (int k = 0; k &lt; from.Length; k++) to[k] = from[k];</c></summary>
        private static void CopyInto(IrBuilder b, int from, int to)
        {
            var element = b.TypeOf(to).ElementType;
            int length = b.Emit(Op.Length, TypeRef.Int, new[] { from });
            var signature = new[] { ("k", TypeRef.Int) };
            var condition = b.BeginRegion(signature);
            var conditionRegion = b.EndRegion(new[] { b.Compare(Op.Lt, condition[0], length) });
            var body = b.BeginRegion(signature);
            b.Emit(Op.Write, IrBuilder.Void, new[] { to, body[0], b.Emit(Op.Read, element, new[] { from, body[0] }) });
            var bodyRegion = b.EndRegion(new[] { b.Emit(Op.Add, TypeRef.Int, new[] { body[0], b.Const(1, TypeRef.Int) }) });
            b.EmitStructured(Op.While, new[] { b.Const(0, TypeRef.Int) }, new[] { conditionRegion, bodyRegion }, new[] { ((string?)"k", TypeRef.Int) });
        }

        /// <summary>A sequence's adjoint is a writable span of its elements, added into.</summary>
        public static TypeRef AdjointType(TypeRef type) =>
            type.Rank == 2 ? TypeRef.Array2DOf(type.ElementType, type.Jagged) : TypeRef.SpanOf(type.ElementType);

        private static TypeRef TypeOf(Context c, int value) => c.Info.TypeOf(value);

        /// <summary>Runs a rule's pullback with its element accesses unmarked: what a rule builds (a call's loops over scratch) keeps its checks.</summary>
        private static void Pull(Context c, System.Action pullback)
        {
            bool marking = c.B.MarkInRange;
            c.B.MarkInRange = false;
            pullback();
            c.B.MarkInRange = marking;
        }

        /// <summary>The tape slot a recorded value is pushed to and popped from; the id pairs the push with its pop.</summary>
        private static TapeSlot Slot(Context c, AdjointRead v) =>
            v.IsIterationCount ? new TapeSlot(TypeRef.Int, TapeEntry.IterationCount, v.Id) : new TapeSlot(TypeOf(c, v.Id), TapeEntry.Value, v.Id);

        /// <summary>What stands for <paramref name="v"/> in the function being built.</summary>
        private static int Mapped(Context c, AdjointRead v, Dictionary<int, int> map) => v.IsIterationCount ? c.IterationCounts[v.Id] : map[v.Id];

        // ---- forward sweep ----

        private static void ForwardBlock(Context c, EquatableArray<Instr> body, Dictionary<int, int> map, Dictionary<int, int>? adjoint = null, int seed = -1)
        {
            foreach (var instr in body)
            {
                c.CancellationToken.ThrowIfCancellationRequested();
                if (instr.Op == Op.Write && c.Plan.RestoredBuffers.Contains(instr.Args[0])) Overwritten(c, instr, map, restore: false);
                if (adjoint != null && c.Plan.Fused.ContainsKey(instr.Id)) FusedLoop(c, instr, map, adjoint, seed);
                else if (instr.Op == Op.If && c.Plan.NeedsReverse(instr)) RecordingIf(c, instr, map);
                else if (instr.Op == Op.While && c.Plan.IsCheckpointed(instr)) SnapshotLoop(c, instr, map);
                else if (instr.Op == Op.While && c.Plan.NeedsReverse(instr)) RecordingLoop(c, instr, map);
                else Replay.Copy(c.B, instr, map, simplify: false);
                foreach (int buffer in c.Plan.SnapshotsAt(instr.Id))
                {
                    c.B.Emit(Op.Push, IrBuilder.Void, new[] { map[buffer] }, payload: new TapeSlot(TypeOf(c, buffer).ElementType, TapeEntry.WholeBuffer, buffer));
                }
                if (instr.Op == Op.NewBuffer && c.Activity.IsVaried(instr.Id))
                {
                    // The buffer's adjoint, zeroed, made where the buffer is.
                    c.SequenceAdjoint[instr.Id] = c.B.Emit(Op.NewBuffer, instr.Type, instr.Args.Select(a => map[a]).ToArray(),
                        instr.Name != null ? instr.Name + AdjointSuffix : null, payload: new Allocation(Forward.Zeroed(instr.Buffer)));
                }
            }
        }

        /// <summary>
        /// A write to a buffer the plan restores (<see cref="ReversePlan.RestoredBuffers"/>): the forward sweep pushes the element
        /// it is about to overwrite; the reverse sweep, past the write's adjoint, pops it and writes it back.
        /// </summary>
        private static void Overwritten(Context c, Instr write, Dictionary<int, int> map, bool restore)
        {
            if (!c.Plan.RestoredBuffers.Contains(write.Args[0]) || c.Plan.Refilled.ContainsKey(write.Args[0])) return;
            var buffer = new[] { map[write.Args[0]] };
            var index = OpInfo.Indices(write).Select(i => map[i]).ToArray();
            var type = TypeOf(c, write.Args[0]).ElementType;
            var slot = new TapeSlot(type, TapeEntry.Value, write.Id);
            if (!restore)
            {
                c.B.Emit(Op.Push, IrBuilder.Void, new[] { c.B.Emit(Op.Read, type, buffer.Concat(index).ToArray()) }, payload: slot);
                return;
            }
            int old = c.B.Emit(Op.Pop, type, System.Array.Empty<int>(), payload: slot);
            c.B.Emit(Op.Write, IrBuilder.Void, buffer.Concat(index).Append(old).ToArray());
            // The buffer holds again what the reads before the write read: those the plan left to read again here, and what
            // it computes again from them. (Two reads of one element read it once.)
            var taken = new Dictionary<string, int>();
            foreach (var read in c.Plan.ReadAfterUndo(write))
            {
                string at = string.Join(",", read.Args.Select(a => map[a]));
                if (read.Op != Op.Read) Replay.Copy(c.B, read, map, simplify: false);
                else if (taken.TryGetValue(at, out int same)) map[read.Id] = same;
                else
                {
                    Replay.Copy(c.B, read, map, simplify: false);
                    taken[at] = map[read.Id];
                }
            }
        }

        /// <summary>Pushes what a region's adjoint will read, at the end of the region.</summary>
        private static void Record(Context c, Region region, Dictionary<int, int> map)
        {
            foreach (var v in c.Plan.Records[region])
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
            bool counted = !c.Plan.Replayed.Contains(instr.Id) && c.Plan.ExactTrips(instr) == null;
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
        private static Dictionary<int, int> Restore(Context c, Region region, Dictionary<int, int> map, int iteration = -1, IReadOnlyList<int>? ends = null)
        {
            var local = new Dictionary<int, int>(map);
            var recorded = c.Plan.Records[region];
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
            if (c.Plan.SameReads.TryGetValue(region, out var same)) foreach (var (v, earlier) in same) local[v] = local[earlier];
            foreach (var (param, start, step) in c.Plan.Induction[region])
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
            var rebuilt = ends == null ? new List<IntRecurrence>() : c.Plan.Recurrences[region];
            for (int k = 0; k < rebuilt.Count; k++) local[rebuilt[k].Yield] = ends![k];
            // A rebuilt integer is its value at the iteration's end less what the iteration added, computed from values that
            // do not depend on it: those first, then it, then the rest.
            var after = new HashSet<int>(rebuilt.SelectMany(r => r.Between.Select(v => v.Value).Append(r.Param)));
            var later = new List<Instr>();
            // A buffer the plan fills again (RefillPlan) is filled before the first value computed again after its filling.
            var refills = RefillPlan.Pending(c.Plan, region);
            foreach (var instr in c.Plan.Recomputed[region])
            {
                if (instr.Args.Any(after.Contains)) { after.Add(instr.Id); later.Add(instr); continue; }
                RefillPlan.EmitBefore(c.B, c.Info, refills, local, c.Info.PositionOf(instr.Id));
                Replay.Copy(c.B, instr, local, simplify: false);
            }
            for (int k = 0; k < rebuilt.Count; k++)
            {
                var r = rebuilt[k];
                local[r.Param] = c.B.Emit(Op.Sub, TypeOf(c, r.Param), new[] { ends![k], Delta(c, r, local) }, c.Info.NameOf(r.Param));
                foreach (var (value, fromTerm, fromLoop) in r.Between)
                {
                    local[value] = c.B.Emit(Op.Add, TypeOf(c, r.Param), new[] { local[r.Param], Delta(c, r, local, fromTerm, fromLoop) }, c.Info.NameOf(value));
                }
            }
            foreach (var instr in later)
            {
                RefillPlan.EmitBefore(c.B, c.Info, refills, local, c.Info.PositionOf(instr.Id));
                Replay.Copy(c.B, instr, local, simplify: false);
            }
            RefillPlan.EmitBefore(c.B, c.Info, refills, local, int.MaxValue);
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

        /// <summary>What an iteration adds to a rebuilt integer (<see cref="IntRecurrence"/>), in its type.</summary>
        private static int Delta(Context c, IntRecurrence r, Dictionary<int, int> local, int fromTerm = 0, int fromLoop = 0)
        {
            var b = c.B;
            var type = TypeOf(c, r.Param);
            int delta = -1;
            void Add(int term, bool subtract)
            {
                term = b.Convert(term, type);
                delta = delta < 0 ? (subtract ? b.Neg(term) : term) : b.Emit(subtract ? Op.Sub : Op.Add, type, new[] { delta, term });
            }
            foreach (var (value, subtract, condition, when) in r.Terms.Skip(fromTerm))
            {
                // A term under an if counts when its branch was taken.
                int term = local[value];
                if (condition >= 0)
                {
                    var zero = b.Integer(0, b.TypeOf(term));
                    term = when ? b.Select(local[condition], term, zero) : b.Select(local[condition], zero, term);
                }
                Add(term, subtract);
            }
            foreach (var (loop, step, stepValue) in r.Loops.Skip(fromLoop))
            {
                // The nested loop's trip count, at least 0 (a negative count is no iteration), times its step.
                int count = TripCountValue(c, c.Plan.ExactTrips(loop)!, local);
                var countType = b.TypeOf(count);
                var zero = b.Integer(0, countType);
                count = b.Select(b.Compare(Op.Gt, count, zero), count, zero);
                int moved = stepValue >= 0 ? b.Emit(Op.Mul, countType, new[] { count, b.Convert(local[stepValue], countType) })
                    : step == 1 ? count : b.Emit(Op.Mul, countType, new[] { count, b.Integer(step, countType) });
                Add(moved, false);
            }
            return delta;
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
                    if (c.Plan.NeedsReverse(instr)) ReverseIf(c, instr, map, adjoint);
                    continue;
                }
                if (instr.Op == Op.While)
                {
                    if (!c.Plan.NeedsReverse(instr) || c.Plan.Fused.ContainsKey(instr.Id)) continue;
                    if (c.Plan.IsCheckpointed(instr))
                    {
                        // A checkpointed loop's reverse reads snapshots at slots a schedule gives: those keep their checks.
                        bool marking = c.B.MarkInRange;
                        c.B.MarkInRange = false;
                        CheckpointedLoop(c, instr, map, adjoint);
                        c.B.MarkInRange = marking;
                    }
                    else if (c.Plan.Replayed.Contains(instr.Id)) ReplayedLoop(c, instr, map, adjoint);
                    else ReverseLoop(c, instr, map, adjoint);
                    continue;
                }
                if (instr.Op == Op.Write)
                {
                    // x[i] = v overwrote x[i]: v takes the element's adjoint, which then restarts at zero.
                    if (!c.SequenceAdjoint.TryGetValue(instr.Args[0], out int bufferAdjoint))
                    {
                        Overwritten(c, instr, map, restore: true);
                        continue;
                    }
                    var index = OpInfo.Indices(instr).Select(i => map[i]).ToArray();
                    if (c.Plan.AccumulatingWrites.TryGetValue(instr.Id, out var chain))
                    {
                        // x[i] = x[i] ± e₁ ± …: the element's adjoint passes through; each eₖ takes ±it.
                        int element = -1;
                        foreach (var step in chain)
                        {
                            int term = step.Link.Args[step.Term];
                            if (!c.Activity.IsVaried(term)) continue;
                            if (element < 0) element = c.B.Emit(Op.Read, TypeOf(c, instr.Args[0]).ElementType, new[] { bufferAdjoint }.Concat(index).ToArray());
                            Accumulate(c, adjoint, term, c.B.Convert(step.Subtracts ? c.B.Neg(element) : element, c.B.TypeOf(map[term])), c.B.Mark);
                        }
                        Overwritten(c, instr, map, restore: true);
                        continue;
                    }
                    int stored = OpInfo.StoredValue(instr);
                    if (c.Activity.IsVaried(stored))
                    {
                        int read = c.B.Emit(Op.Read, c.B.TypeOf(map[stored]), new[] { bufferAdjoint }.Concat(index).ToArray());
                        Accumulate(c, adjoint, stored, read, c.B.Mark);
                    }
                    c.B.Emit(Op.Write, IrBuilder.Void, new[] { bufferAdjoint }.Concat(index).Append(c.B.Const(0, c.B.TypeOf(map[stored]))).ToArray());
                    Overwritten(c, instr, map, restore: true);
                    continue;
                }
                if (c.Plan.SnapshotsAt(instr.Id).ToList() is { Count: > 0 } snapshots)
                {
                    // The buffers this call read have changed since; put back what they held then (last pushed, first).
                    for (int s = snapshots.Count - 1; s >= 0; s--) c.B.Emit(Op.Pop, IrBuilder.Void, new[] { map[snapshots[s]] }, payload: new TapeSlot(TypeOf(c, snapshots[s]).ElementType, TapeEntry.WholeBuffer, snapshots[s]));
                }
                if (OpInfo.Outputs(instr).Any() && c.Activity.IsVaried(instr.Id))
                {
                    // A call writing output spans has no value: its pullback reads the outputs' adjoints (no cotangent).
                    Pull(c, () => RuleTable.For(instr)?.Pull?.Invoke(new AdjointSite(c, instr, map, adjoint, -1)));
                    continue;
                }
                if (!c.Activity.IsVaried(instr.Id) || !adjoint.TryGetValue(instr.Id, out int adj)) continue;
                if (instr.Op == Op.Element || instr.Op == Op.Read)
                {
                    // An element read sends its adjoint to that element of the sequence's adjoint.
                    c.B.Emit(Op.AddTo, IrBuilder.Void, new[] { c.SequenceAdjoint[instr.Args[0]] }.Concat(OpInfo.Indices(instr).Select(i => map[i])).Append(adj).ToArray());
                    continue;
                }
                Pull(c, () => RuleTable.For(instr)?.Pull?.Invoke(new AdjointSite(c, instr, map, adjoint, adj)));
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
                int product = _c.Sums.Scale(adj, partial);
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
            var inits = new List<int> { c.Plan.ExactTrips(instr) is IterationCount trips ? TripCountValue(c, trips, map) : c.IterationCounts[instr.Id] };
            var count = b.TypeOf(inits[0]);
            var signature = new List<(string, TypeRef)> { ("iteration", count) };
            signature.AddRange(carried.Select(i => (body.Params[i].Name + AdjointSuffix, body.Params[i].Type)));
            signature.AddRange(outer.Select(v => (AdjointName(c, v) ?? "adjoint", b.TypeOf(map[v]))));
            inits.AddRange(carried.Select(i => adjoint.TryGetValue(instr.Results[i].Id, out int a) ? a : Zero(c, map, instr.Args[i])));
            inits.AddRange(outer.Select(v => adjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)));
            // Each rebuilt integer's value at the end of the iteration reversed: first the loop's result.
            var rebuilt = c.Plan.Recurrences.TryGetValue(body, out var found) ? found : new List<IntRecurrence>();
            signature.AddRange(rebuilt.Select(r => ((c.Info.NameOf(r.Param) ?? "carried") + "End", TypeOf(c, r.Param))));
            inits.AddRange(rebuilt.Select(r => map[instr.Results[r.Index].Id]));

            var conditionIds = b.BeginRegion(signature);
            var conditionRegion = b.EndRegion(new[] { b.Emit(Op.Gt, TypeRef.Bool, new[] { conditionIds[0], b.Integer(0, count) }) });

            var ids = b.BeginRegion(signature);
            var local = Restore(c, body, map, ids[0], rebuilt.Select((r, j) => ids[1 + carried.Count + outer.Count + j]).ToList());
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
            yields.AddRange(rebuilt.Select(r => local[r.Param]));
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

        private static int Zero(Context c, Dictionary<int, int> map, int value) => c.B.Const(0, c.B.TypeOf(map[value]));

        private static string? AdjointName(Context c, int value) =>
            c.Info.NameOf(value) is string n ? n + AdjointSuffix : null;

        private static void Accumulate(Context c, Dictionary<int, int> adjoint, int value, int contribution, int mark)
        {
            string? name = AdjointName(c, value);
            if (adjoint.TryGetValue(value, out int existing)) adjoint[value] = c.Sums.Sum(existing, contribution, name);
            else
            {
                if (name != null) c.B.NameValue(contribution, name, mark);
                adjoint[value] = contribution;
            }
        }
    }
}

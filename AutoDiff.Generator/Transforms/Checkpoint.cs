using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The pass <c>checkpoint</c> (<c>[Differentiable(Checkpoints = s)]</c>, README "Checkpointing"): every-k checkpointing of
    /// the function's outermost loop, as strip-mining. A loop running T times (known when it starts) becomes an outer loop
    /// over ⌈T / k⌉ segments, k = ⌈T / s⌉, whose body runs an inner loop of at most k iterations of the original body:
    /// <code>
    /// for (seg = 0; seg &lt; segments; seg++) { len = min(k, T − seg·k); for (t = 0; t &lt; len; t++) body }
    /// </code>
    /// The same instructions run in the same order, so the primal value is bit for bit the loop's. The inner loop is marked
    /// checkpointed (<see cref="ReversePlan.Checkpointed"/>): the reverse sweep's forward part runs it as the primal does,
    /// recording nothing, so the outer loop records only what re-running a segment reads, its carried state at the
    /// segment's start (the snapshot, with the contents of the buffers the loop writes); the reverse of each segment runs it
    /// again from there, recording, and reverses it (<c>Reverse.CheckpointedLoop</c>). Tape memory: s snapshots plus k
    /// iterations' records, for one more run of the loop.
    /// </summary>
    internal static class Checkpoint
    {
        public const string Name = "checkpoint";

        /// <summary>
        /// The loop checkpointing applies to: the function's largest top-level loop (by instructions, the first of equals),
        /// which must run a number of times known when it starts over an int or long counter and make no call with effects
        /// (a segment runs twice). Null, with the reason in <paramref name="why"/>, when there is none such.
        /// </summary>
        public static Instr? Target(IrFunction function, out string? why)
        {
            why = null;
            Instr? loop = null;
            int size = -1;
            foreach (var instr in function.Body)
            {
                if (instr.Op != Op.While) continue;
                int n = Size(instr);
                if (n > size) { loop = instr; size = n; }
            }
            if (loop == null)
            {
                why = "the method has no loop at its top level";
                return null;
            }
            var trips = FunctionInfo.Of(function).Trips.Trips(loop);
            if (trips == null || !trips.Exact || !IsCountType(function.TypeOf(loop.Args[trips.Counter])))
            {
                why = "its outermost loop does not run a number of times known when it starts (a for loop over an int or long counter, i < n with n fixed before it and no break or return)";
                return null;
            }
            if (OpInfo.ContainsCallWithEffects(loop))
            {
                why = "its outermost loop makes calls that may have side effects, which running a segment again would repeat";
                return null;
            }
            return loop;
        }

        private static bool IsCountType(TypeRef type) => type.Display == "int" || type.Display == "long";

        private static int Size(Instr instr)
        {
            int n = 1;
            foreach (var region in instr.Regions) foreach (var i in region.Body) n += Size(i);
            return n;
        }

        /// <summary>
        /// Why the binomial schedule cannot drive <paramref name="loop"/>, or null. Its snapshots keep the loop's carried
        /// numbers and the contents of the arrays and spans it writes (<see cref="WrittenBuffers"/>), not other values (which
        /// the frontend does not let a loop assign today, ADIFF004: this is the guard for when it does).
        /// </summary>
        public static string? BinomialProblem(IrFunction function, Instr loop)
        {
            if (loop.Regions[1].Params.Any(p => !ReversePlan.IsRecordable(p.Type))) return "the loop carries a value that is not a number";
            return null;
        }

        /// <summary>
        /// Binomial checkpointing (<c>CheckpointPolicy.Binomial</c>): the function unchanged and its target loop, which the
        /// reverse sweep drives by the runtime's Revolve schedule (<c>Reverse.RevolveLoop</c>); null when there is no target.
        /// </summary>
        public static int? Binomial(IrFunction function) =>
            Target(function, out _) is Instr loop && BinomialProblem(function, loop) == null ? loop.Id : null;

        /// <summary>
        /// The function with its target loop strip-mined into segments for <paramref name="snapshots"/> snapshots, and the id
        /// of the inner loop (null, and the function unchanged, when there is no target or fewer than one snapshot).
        /// </summary>
        public static (IrFunction Function, int? Inner) Run(IrFunction function, int snapshots)
        {
            if (snapshots < 1 || !(Target(function, out _) is Instr loop)) return (function, null);
            var trips = FunctionInfo.Of(function).Trips.Trips(loop)!;
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            foreach (var p in function.Params) map[p.Id] = b.Param(p.Name, p.Type);
            int inner = -1;
            foreach (var instr in function.Body)
            {
                if (ReferenceEquals(instr, loop)) inner = StripMine(b, loop, trips, snapshots, map);
                else Replay.Copy(b, instr, map, simplify: false);
            }
            return (b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, map[r.Value]))), inner);
        }

        private static int StripMine(IrBuilder b, Instr loop, TripCount trips, int snapshots, Dictionary<int, int> map)
        {
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            var type = b.TypeOf(map[loop.Args[trips.Counter]]);
            int start = map[loop.Args[trips.Counter]];
            if (!map.ContainsKey(trips.Bound))
            {
                // A bound the condition computes (i < x.Length): the condition's own instructions, once, before the loop.
                var at = new Dictionary<int, int>(map);
                for (int i = 0; i < condition.Params.Count; i++) at[condition.Params[i].Id] = map[loop.Args[i]];
                Replay.CopyBlock(b, condition.Body, at, simplify: false);
                map[trips.Bound] = at[trips.Bound];
            }
            int bound = b.Convert(map[trips.Bound], type);
            // T = n − i₀ counting up (i₀ − n down), + 1 when inclusive; ≤ 0 runs nothing.
            int total = b.Emit(Op.Sub, type, trips.Step > 0 ? new[] { bound, start } : new[] { start, bound }, "steps");
            if (trips.Inclusive) total = b.Emit(Op.Add, type, new[] { total, b.Integer(1, type) }, "steps");
            int one = b.Integer(1, type);
            // ⌈T / s⌉ as (T − 1) / s + 1, which cannot overflow, at least 1; the segments ⌈T / k⌉ the same way.
            int perSegment = b.Emit(Op.Add, type, new[] { b.Emit(Op.Div, type, new[] { b.Emit(Op.Sub, type, new[] { total, one }), b.Integer(snapshots, type) }), one });
            int k = b.Select(b.Compare(Op.Lt, perSegment, one), one, perSegment, "segmentLength");
            int segments = b.Emit(Op.Add, type, new[] { b.Emit(Op.Div, type, new[] { b.Emit(Op.Sub, type, new[] { total, one }), k }), one }, "segments");

            var carried = body.Params.Select(p => (p.Name, p.Type)).ToList();
            var outerSignature = carried.Append(("segment", type)).ToList();
            var outerInits = loop.Args.Select(a => map[a]).Append(b.Integer(0, type)).ToList();

            var ids = b.BeginRegion(outerSignature);
            var outerCondition = b.EndRegion(new[] { b.Compare(Op.Lt, ids[ids.Length - 1], segments) });

            ids = b.BeginRegion(outerSignature);
            int segment = ids[ids.Length - 1];
            int left = b.Emit(Op.Sub, type, new[] { total, b.Emit(Op.Mul, type, new[] { segment, k }) });
            int length = b.Select(b.Compare(Op.Lt, left, k), left, k, "segmentSteps");
            var innerSignature = carried.Append(("step", type)).ToList();
            var innerInits = ids.Take(carried.Count).Append(b.Integer(0, type)).ToList();

            var innerIds = b.BeginRegion(innerSignature);
            var innerCondition = b.EndRegion(new[] { b.Compare(Op.Lt, innerIds[innerIds.Length - 1], length) });

            innerIds = b.BeginRegion(innerSignature);
            for (int i = 0; i < body.Params.Count; i++) map[body.Params[i].Id] = innerIds[i];
            Replay.CopyBlock(b, body.Body, map, simplify: false);
            var innerYields = body.Yields.Select(y => map[y]).Append(b.Emit(Op.Add, type, new[] { innerIds[innerIds.Length - 1], b.Integer(1, type) })).ToList();
            var innerBody = b.EndRegion(innerYields);

            var names = loop.Results.Select(r => (string?)(r.Name.Length > 0 ? r.Name : null)).ToList();
            var innerResults = b.EmitStructured(Op.While, innerInits, new[] { innerCondition, innerBody },
                names.Zip(carried, (n, c) => (n, c.Type)).Append(((string?)"step", type)).ToList());
            int inner = innerResults[0] - 1;
            var outerBody = b.EndRegion(innerResults.Take(carried.Count).Append(b.Emit(Op.Add, type, new[] { segment, b.Integer(1, type) })).ToList());

            var results = b.EmitStructured(Op.While, outerInits, new[] { outerCondition, outerBody },
                names.Zip(carried, (n, c) => (n, c.Type)).Append(((string?)"segment", type)).ToList());
            for (int i = 0; i < loop.Results.Count; i++) map[loop.Results[i].Id] = results[i];
            return inner;
        }

        /// <summary>
        /// The buffers defined outside <paramref name="loop"/> that it writes (an element write anywhere in it, or a call's
        /// output span): what a
        /// snapshot keeps the contents of, so that a segment runs again on what it first read.
        /// </summary>
        /// <summary>What running a checkpointed loop again reads from around it: its start values and the outer values its regions read.</summary>
        public static IEnumerable<AdjointRead> Reads(ReversePlan c, Instr loop) =>
            loop.Args.Concat(Activity.FreeValues(loop.Regions)).Distinct().Select(v => (AdjointRead)v);

        public static List<int> WrittenBuffers(FunctionInfo info, Instr loop)
        {
            var written = new List<int>();
            void Walk(EquatableArray<Instr> body)
            {
                foreach (var instr in body)
                {
                    if (OpInfo.WritesElements(instr.Op) && !written.Contains(instr.Args[0]) && !info.IsInside(instr.Args[0], loop)) written.Add(instr.Args[0]);
                    foreach (int output in OpInfo.Outputs(instr))
                    {
                        // A call writing an output span (through its [DerivativeOf] rules) changes all of it.
                        if (!written.Contains(output) && !info.IsInside(output, loop)) written.Add(output);
                    }
                    foreach (var region in instr.Regions) Walk(region.Body);
                }
            }
            foreach (var region in loop.Regions) Walk(region.Body);
            return written;
        }
    }

    public static partial class Reverse
    {
        /// <summary>
        /// The forward sweep of a checkpointed loop (<see cref="Checkpoint"/>): the contents of the buffers it writes, then the
        /// loop as the primal runs it, recording nothing. (Its start values are the outer loop's snapshot, which that loop records.)
        /// </summary>
        private static void SnapshotLoop(Context c, Instr loop, Dictionary<int, int> map)
        {
            foreach (int buffer in Checkpoint.WrittenBuffers(c.Info, loop)) c.B.Emit(Op.Push, IrBuilder.Void, new[] { map[buffer] }, payload: BufferSlot(c, buffer));
            Replay.Copy(c.B, loop, map, simplify: false);
        }

        /// <summary>
        /// The reverse of a checkpointed loop: its buffers put back as they were when it started, the loop run again from its
        /// start values (the snapshot the outer loop popped), recording as a reversed loop does, then reversed.
        /// </summary>
        private static void CheckpointedLoop(Context c, Instr loop, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            if (c.Plan.Binomial)
            {
                RevolveLoop(c, loop, map, adjoint);
                return;
            }
            var buffers = Checkpoint.WrittenBuffers(c.Info, loop);
            for (int s = buffers.Count - 1; s >= 0; s--) c.B.Emit(Op.Pop, IrBuilder.Void, new[] { map[buffers[s]] }, payload: BufferSlot(c, buffers[s]));
            var local = new Dictionary<int, int>(map);
            RecordingLoop(c, loop, local);
            ReverseLoop(c, loop, local, adjoint);
        }

        /// <summary>
        /// The reverse of a loop under the binomial schedule (<c>AutoDiff.Checkpointing.Revolve</c>, in pooled scratch): from
        /// the loop's start state, a loop that asks the schedule for its next move (<c>Revolve.Move</c>) and does it: take
        /// the state back from a snapshot slot (maybe), run steps forward (often none), then store the state in a slot or run
        /// one step and reverse it at once (its own branches and loops record and pop as usual). A slot holds the carried
        /// values and a copy of each buffer the loop writes, whose contents at the loop's start the forward sweep pushed. It carries the state, the carried values' adjoints and the adjoints of the
        /// outer values the body reads, as <see cref="ReverseLoop"/> does.
        /// </summary>
        private static void RevolveLoop(Context c, Instr loop, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            const int MoveRestore = 1, MoveStore = 2, MoveReverse = 4, Done = 0, SlotIndex = 6, CountIndex = 8, RestoreIndex = 9, Positions = 10;
            var b = c.B;
            var body = loop.Regions[1];
            int m = body.Params.Count;
            var carried = Enumerable.Range(0, m).Where(i => c.Activity.IsVaried(body.Params[i].Id)).ToList();
            var outer = Activity.FreeValues(new[] { body }).Where(v => c.Activity.IsVaried(v) && TypeOf(c, v).Kind != ValueKind.Sequence).ToList();
            int snapshots = c.Plan.CheckpointSnapshots;
            int steps = b.Convert(TripCountValue(c, c.Plan.ExactTrips(loop)!, map), TypeRef.Int);
            int schedule = b.Emit(Op.NewBuffer, TypeRef.SpanOf(TypeRef.Int), new[] { b.Integer(Positions + snapshots, TypeRef.Int) }, "schedule", payload: new Allocation(BufferKind.Scratch));
            b.Emit(Op.CallStatic, IrBuilder.Void, new[] { schedule, steps, b.Integer(snapshots, TypeRef.Int) }, payload: new CallInfo("global::AutoDiff.Checkpointing.Revolve.Start", default, HasEffect: true));
            // One snapshot store per type of carried value: slot k holds its values at k·count … (k + 1)·count − 1.
            var stores = body.Params.Select((p, i) => (p.Type, i)).GroupBy(p => p.Type.Display).Select(g =>
            {
                var indices = g.Select(p => p.i).ToList();
                var type = g.First().Type;
                int store = b.Emit(Op.NewBuffer, TypeRef.SpanOf(type), new[] { b.Integer(snapshots * indices.Count, TypeRef.Int) }, "snapshots", payload: new Allocation(BufferKind.Scratch));
                return (Store: store, Type: type, Indices: indices);
            }).ToList();
            // The buffers the loop writes: their contents when it started, pushed by the forward sweep as every-k's snapshot
            // (SnapshotLoop), taken back; then one store each, whose slot k holds a copy of all of it at k·length.
            var buffers = Checkpoint.WrittenBuffers(c.Info, loop);
            for (int s = buffers.Count - 1; s >= 0; s--) b.Emit(Op.Pop, IrBuilder.Void, new[] { map[buffers[s]] }, payload: BufferSlot(c, buffers[s]));
            var kept = buffers.Select(buffer =>
            {
                var type = TypeOf(c, buffer);
                int length = b.Emit(Op.Length, TypeRef.Int, new[] { map[buffer] });
                int store = b.Emit(Op.NewBuffer, TypeRef.SpanOf(type.ElementType), new[] { b.Emit(Op.Mul, TypeRef.Int, new[] { length, b.Integer(snapshots, TypeRef.Int) }) },
                    "snapshots", payload: new Allocation(BufferKind.Scratch));
                return (Buffer: map[buffer], Store: store, Type: type, Length: length);
            }).ToList();
            void Count(int count, System.Action<int> body)
            {
                // for (j = 0; j < count; j++) body(j), as IR: element copies the forward mode (Hvp) differentiates as it does any write.
                var signature = new[] { ("j", TypeRef.Int) };
                var at = b.BeginRegion(signature);
                var test = b.EndRegion(new[] { b.Compare(Op.Lt, at[0], count) });
                at = b.BeginRegion(signature);
                body(at[0]);
                var step = b.EndRegion(new[] { b.Emit(Op.Add, TypeRef.Int, new[] { at[0], b.Integer(1, TypeRef.Int) }) });
                b.EmitStructured(Op.While, new[] { b.Integer(0, TypeRef.Int) }, new[] { test, step }, new[] { ((string?)"j", TypeRef.Int) });
            }
            void Copy(bool keep, int slot)
            {
                // Slot k of a buffer's store holds its elements (row by row) at k·length …
                foreach (var (buffer, store, type, length) in kept)
                {
                    int start = b.Emit(Op.Mul, TypeRef.Int, new[] { slot, length });
                    void Element(int at, int[] index)
                    {
                        if (keep) b.Emit(Op.Write, IrBuilder.Void, new[] { store, at, b.Emit(Op.Read, type.ElementType, new[] { buffer }.Concat(index).ToArray()) });
                        else b.Emit(Op.Write, IrBuilder.Void, new[] { buffer }.Concat(index).Append(b.Emit(Op.Read, type.ElementType, new[] { store, at })).ToArray());
                    }
                    if (type.Rank == 1)
                    {
                        Count(length, j => Element(b.Emit(Op.Add, TypeRef.Int, new[] { start, j }), new[] { j }));
                        continue;
                    }
                    int columns = b.Emit(Op.Length, TypeRef.Int, new[] { buffer, b.Integer(1, TypeRef.Int) });
                    Count(b.Emit(Op.Length, TypeRef.Int, new[] { buffer, b.Integer(0, TypeRef.Int) }), i =>
                    {
                        int row = b.Emit(Op.Add, TypeRef.Int, new[] { start, b.Emit(Op.Mul, TypeRef.Int, new[] { i, columns }) });
                        Count(columns, j => Element(b.Emit(Op.Add, TypeRef.Int, new[] { row, j }), new[] { i, j }));
                    });
                }
            }

            var signature = body.Params.Select(p => (p.Name, p.Type)).ToList();
            signature.AddRange(carried.Select(i => (body.Params[i].Name + AdjointSuffix, body.Params[i].Type)));
            signature.AddRange(outer.Select(v => (AdjointName(c, v) ?? "adjoint", b.TypeOf(map[v]))));
            signature.Add(("move", TypeRef.Int));
            var inits = loop.Args.Select(a => map[a]).ToList();
            inits.AddRange(carried.Select(i => adjoint.TryGetValue(loop.Results[i].Id, out int a) ? a : Zero(c, map, loop.Args[i])));
            inits.AddRange(outer.Select(v => adjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)));
            inits.Add(b.Integer(-1, TypeRef.Int));

            var ids = b.BeginRegion(signature);
            var conditionRegion = b.EndRegion(new[] { b.Emit(Op.Ne, TypeRef.Bool, new[] { ids[ids.Length - 1], b.Integer(Done, TypeRef.Int) }) });

            ids = b.BeginRegion(signature);
            var passed = ids.Take(ids.Length - 1).ToList();
            // One move: take a snapshot back (maybe), advance (often no step), then store a snapshot or reverse a step.
            int move = b.Emit(Op.CallStatic, TypeRef.Int, new[] { schedule }, "move", payload: new CallInfo("global::AutoDiff.Checkpointing.Revolve.Move", default, HasEffect: true));
            int count = b.Emit(Op.Read, TypeRef.Int, new[] { schedule, b.Integer(CountIndex, TypeRef.Int) }, "count");
            int slot = b.Emit(Op.Read, TypeRef.Int, new[] { schedule, b.Integer(SlotIndex, TypeRef.Int) }, "slot");
            var results = signature.Take(ids.Length - 1).Select(s => ((string?)s.Item1, s.Item2)).ToList();

            Region Branch(System.Func<List<int>> yields)
            {
                b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                return b.EndRegion(yields());
            }
            List<int> If(int flag, System.Func<List<int>> then, System.Func<List<int>> otherwise, int width)
            {
                // The first width values of the state: a restore changes only the carried values, not the adjoints.
                int test = b.Emit(Op.Ne, TypeRef.Bool, new[] { b.Emit(Op.BitAnd, TypeRef.Int, new[] { move, b.Integer(flag, TypeRef.Int) }), b.Integer(0, TypeRef.Int) });
                return b.EmitStructured(Op.If, new[] { test }, new[] { Branch(() => then().Take(width).ToList()), Branch(() => otherwise().Take(width).ToList()) }, results.Take(width).ToList()).ToList();
            }
            List<int> AdvanceSteps(List<int> before)
            {
                // count steps as the primal runs them (the state carries the loop's own counter).
                var inner = signature.Take(m).Append(("step", TypeRef.Int)).ToList();
                var innerIds = b.BeginRegion(inner);
                var innerCondition = b.EndRegion(new[] { b.Compare(Op.Lt, innerIds[m], count) });
                innerIds = b.BeginRegion(inner);
                var local = new Dictionary<int, int>(map);
                for (int i = 0; i < m; i++) local[body.Params[i].Id] = innerIds[i];
                Replay.CopyBlock(b, body.Body, local, simplify: false);
                var innerBody = b.EndRegion(body.Yields.Select(y => local[y]).Append(b.Emit(Op.Add, TypeRef.Int, new[] { innerIds[m], b.Integer(1, TypeRef.Int) })).ToList());
                var state = b.EmitStructured(Op.While, before.Take(m).Append(b.Integer(0, TypeRef.Int)).ToList(), new[] { innerCondition, innerBody },
                    inner.Select(s => ((string?)s.Item1, s.Item2)).ToList());
                return state.Take(m).Concat(before.Skip(m)).ToList();
            }
            List<int> StoreState(List<int> state)
            {
                foreach (var (store, type, indices) in stores)
                {
                    int start = b.Emit(Op.Mul, TypeRef.Int, new[] { slot, b.Integer(indices.Count, TypeRef.Int) });
                    for (int j = 0; j < indices.Count; j++) b.Emit(Op.Write, IrBuilder.Void, new[] { store, b.PlusConstant(start, j), state[indices[j]] });
                }
                Copy(keep: true, slot);
                return state;
            }
            List<int> RestoreState(List<int> before)
            {
                var state = before.ToList();
                int from = b.Emit(Op.Read, TypeRef.Int, new[] { schedule, b.Integer(RestoreIndex, TypeRef.Int) }, "restoreSlot");
                foreach (var (store, type, indices) in stores)
                {
                    int start = b.Emit(Op.Mul, TypeRef.Int, new[] { from, b.Integer(indices.Count, TypeRef.Int) });
                    for (int j = 0; j < indices.Count; j++) state[indices[j]] = b.Emit(Op.Read, type, new[] { store, b.PlusConstant(start, j) });
                }
                Copy(keep: false, from);
                return state;
            }
            List<int> ReverseOneStep(List<int> state)
            {
                // The step recorded and reversed at once: its values are this region's own, its branches and loops push and pop.
                var local = new Dictionary<int, int>(map);
                for (int i = 0; i < m; i++) local[body.Params[i].Id] = state[i];
                ForwardBlock(c, body.Body, local);
                var localAdjoint = new Dictionary<int, int>();
                for (int j = 0; j < outer.Count; j++) localAdjoint[outer[j]] = state[m + carried.Count + j];
                for (int k = 0; k < carried.Count; k++)
                {
                    int next = body.Yields[carried[k]];
                    if (c.Activity.IsVaried(next)) Accumulate(c, localAdjoint, next, state[m + k], b.Mark);
                }
                AdjointBlock(c, body.Body, local, localAdjoint);
                var yields = state.Take(m).ToList();
                yields.AddRange(carried.Select(i => localAdjoint.TryGetValue(body.Params[i].Id, out int a) ? a : Zero(c, map, loop.Args[i])));
                yields.AddRange(outer.Select(v => localAdjoint[v]));
                return yields;
            }
            var restored = If(MoveRestore, () => RestoreState(passed), () => passed, m).Concat(passed.Skip(m)).ToList();
            var advanced = AdvanceSteps(restored);
            var next = If(MoveStore, () => StoreState(advanced), () => If(MoveReverse, () => ReverseOneStep(advanced), () => advanced, passed.Count), passed.Count);
            var bodyRegion = b.EndRegion(next.Append(move).ToList());

            var done = b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion }, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            for (int j = 0; j < outer.Count; j++) adjoint[outer[j]] = done[m + carried.Count + j];
            for (int k = 0; k < carried.Count; k++)
            {
                int start = loop.Args[carried[k]];
                if (c.Activity.IsVaried(start)) Accumulate(c, adjoint, start, done[m + k], b.Mark);
            }
        }

        private static TapeSlot BufferSlot(Context c, int buffer) => new TapeSlot(TypeOf(c, buffer).ElementType, TapeEntry.WholeBuffer, buffer);
    }
}

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
        /// The buffers defined outside <paramref name="loop"/> that it writes (an element write anywhere in it): what a
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
            var buffers = Checkpoint.WrittenBuffers(c.Info, loop);
            for (int s = buffers.Count - 1; s >= 0; s--) c.B.Emit(Op.Pop, IrBuilder.Void, new[] { map[buffers[s]] }, payload: BufferSlot(c, buffers[s]));
            var local = new Dictionary<int, int>(map);
            RecordingLoop(c, loop, local);
            ReverseLoop(c, loop, local, adjoint);
        }

        private static TapeSlot BufferSlot(Context c, int buffer) => new TapeSlot(TypeOf(c, buffer).ElementType, TapeEntry.WholeBuffer, buffer);
    }
}

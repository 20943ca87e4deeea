using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// A buffer that a loop fills element by element from cheap arithmetic and that is then read at one place only gets
    /// no loop: the element is computed where it is read. The reverse sweep refills GMM's <c>xc = x − μ</c> before the
    /// reverse of each component (<c>RefillPlan</c>) and reads <c>xc[t]</c> once per reverse row; after this pass the row
    /// computes <c>x[…+t] − μ[…+t]</c> itself: no loop of d stores, no buffer loads.
    /// <para>
    /// Which loops (R): <c>for (id = 0; id &lt; n; id++) b[id] = f(id)</c> with n the length b was made with, the loop's
    /// counter its only carried value and unused after it, f only cheap pure arithmetic and element reads marked
    /// <see cref="InRange"/> (so computing f at any index R visits neither throws nor reads out of range), and b the
    /// function's own buffer (<see cref="PromoteElements.OwnBuffer"/>: nothing else names its memory). What R writes must
    /// be read only by one read after it in its block (R's block B; between B and the read only branches and the body of one
    /// loop, so the element is computed about as often as R computed it),
    /// marked <see cref="InRange"/> (so its index is one R wrote); any other use of b lies in an earlier statement of the
    /// function's body (which runs before R ever does), except its length. Between R and that read, nothing may write
    /// what f reads: the sequences f reads are not written there, no call with effects runs there, and a parameter is
    /// written there only by the reverse sweep's own accesses (adjoint spans do not overlap the inputs: the Vjp reads
    /// inputs after writing adjoints already). The read then takes f at its index, and R goes.
    /// </para>
    /// <para>
    /// Numbers: f is computed from the same operands with the same operations, so the value read is bit for bit the one R
    /// stored. Only reverse-sweep reads carry <see cref="InRange"/>, so the pass only touches what the reverse sweep reads.
    /// </para>
    /// </summary>
    public static class FillAtUse
    {
        public const string Name = "fill-at-use";

        /// <summary>The most instructions f may have: a fill worth recomputing at its read is a few operations.</summary>
        private const int MaxSlice = 8;

        public static IrFunction Run(IrFunction function)
        {
            var info = FunctionInfo.Of(function);
            var plans = new List<Plan>();
            foreach (var loop in info.Loops)
            {
                var plan = Planner.Try(info, loop);
                if (plan != null) plans.Add(plan);
            }
            // A fill whose f reads another planned fill's buffer keeps its loop (that buffer will not be filled any more).
            var buffers = new HashSet<int>(plans.Select(p => p.Buffer));
            plans.RemoveAll(p => p.Reads.Overlaps(buffers));
            return plans.Count == 0 ? function : new Rewriter(info, plans).Build();
        }

        private sealed class Plan
        {
            public Plan(Instr loop, int buffer, int counter, List<Instr> slice, int value, Instr read, HashSet<int> reads)
            {
                Loop = loop;
                Buffer = buffer;
                Counter = counter;
                Slice = slice;
                Value = value;
                Read = read;
                Reads = reads;
            }

            /// <summary>R, the filling loop.</summary>
            public Instr Loop { get; }

            public int Buffer { get; }

            /// <summary>R's counter in its body.</summary>
            public int Counter { get; }

            /// <summary>The instructions of R's body that compute the stored value, in order.</summary>
            public List<Instr> Slice { get; }

            /// <summary>The value R stores (defined in the slice, or outside R).</summary>
            public int Value { get; }

            /// <summary>The one read of what R stores.</summary>
            public Instr Read { get; }

            /// <summary>The sequences the slice reads.</summary>
            public HashSet<int> Reads { get; }
        }

        private static class Planner
        {
            public static Plan? Try(FunctionInfo info, Instr loop)
            {
                // for (id = 0; id < n; id++), the counter the only carried value and unused after the loop.
                if (loop.Regions.Count != 2 || loop.Results.Count != 1 || info.UseCount(loop.Results[0].Id) != 0) return null;
                if (!info.CountsUpFromZero(loop, out int counter, out int length)) return null;
                var body = loop.Regions[1];

                // One store, b[id] = v, into the function's own one-dimensional buffer made with length n.
                var writes = body.Body.Where(i => OpInfo.WritesElements(i.Op) || OpInfo.HasEffect(i) || i.HasRegions).ToList();
                if (writes.Count != 1 || writes[0].Op != Op.Write) return null;
                var store = writes[0];
                int buffer = store.Args[0];
                if (OpInfo.IndexCount(store) != 1 || store.Args[1] != counter) return null;
                if (!PromoteElements.OwnBuffer(info, buffer) || info.IsInside(buffer, loop)) return null;
                var allocation = info.Definition(buffer)!;
                if (allocation.Args.Count != 1 || !info.SameInteger(allocation.Args[0], length)) return null;

                // v's slice: cheap pure arithmetic and in-range element reads of other sequences.
                int value = OpInfo.StoredValue(store);
                var inBody = body.Body.ToDictionary(i => i.Id);
                var needed = new HashSet<int>();
                var pending = new Stack<int>();
                pending.Push(value);
                while (pending.Count > 0)
                {
                    int v = pending.Pop();
                    if (!inBody.TryGetValue(v, out var instr) || !needed.Add(v)) continue;
                    foreach (int a in instr.Args) pending.Push(a);
                }
                var slice = body.Body.Where(i => needed.Contains(i.Id)).ToList();
                if (slice.Count > MaxSlice) return null;
                var reads = new HashSet<int>();
                foreach (var instr in slice)
                {
                    if (instr.Op == Op.Element || instr.Op == Op.Read)
                    {
                        int sequence = instr.Args[0];
                        if (!(instr.Payload is InRange) || sequence == buffer) return null;
                        if (!(info.IsParameter(sequence) || PromoteElements.OwnBuffer(info, sequence))) return null;
                        reads.Add(sequence);
                        continue;
                    }
                    if (instr.Op == Op.Const) continue;
                    if (!OpInfo.IsCheap(instr) || OpInfo.MayThrow(instr)) return null;
                    if ((instr.Op == Op.Div || instr.Op == Op.Rem) && instr.Type.Kind == ValueKind.Integer) return null;
                }

                // Where the block's code after R starts and ends, and the statement of the function's body that holds R.
                var block = info.RegionOf(loop.Id);
                int after = info.LastPositionOf(loop), end = block != null ? info.SpanOf(block).End : info.End;
                var top = loop;
                while (info.Parent(top.Id) is Instr parent) top = parent;
                int topStart = info.PositionOf(top.Id);

                Instr? read = null;
                foreach (var use in info.UsesOf(buffer))
                {
                    if (use.User is not Instr user) return null;
                    if (user.Op == Op.Length || ReferenceEquals(user, store)) continue;
                    int at = info.PositionOf(user.Id);
                    if (at < topStart || EarlierInIteration(info, loop, user, buffer)) continue;
                    if (at <= after || at >= end || read != null) return null;
                    if (!(user.Op == Op.Read || user.Op == Op.Element) || user.Args[0] != buffer || OpInfo.IndexCount(user) != 1 || user.Payload is not InRange) return null;
                    if (!Near(info, user, block)) return null;
                    read = user;
                }
                if (read == null) return null;
                if (!Unwritten(info, block, loop, reads)) return null;
                return new Plan(loop, buffer, counter, slice, value, read, reads);
            }

            /// <summary>
            /// Whether <paramref name="user"/> comes before R in an iteration of a loop A around R (in an earlier statement of
            /// A's body) whose iterations each fill <paramref name="buffer"/> before reading it (<see cref="FuseLoops.IterationLocal"/>):
            /// then it never sees what R stores, in that iteration or a later one. The forward part of a fused loop's iteration
            /// (its adjoint runs in the same iteration, after it) uses the buffer so.
            /// </summary>
            private static bool EarlierInIteration(FunctionInfo info, Instr loop, Instr user, int buffer)
            {
                for (Instr statement = loop; info.Parent(statement.Id) is Instr owner; statement = owner)
                {
                    if (owner.Op != Op.While || !ReferenceEquals(info.RegionOf(statement.Id), owner.Regions[1])) continue;
                    // In the body (not the condition), before the statement that holds R.
                    if (InBody(info, user, owner.Regions[1]) && info.PositionOf(user.Id) < info.PositionOf(statement.Id)
                        && FuseLoops.IterationLocal(info, owner, buffer)) return true;
                }
                return false;
            }

            /// <summary>Whether <paramref name="instr"/> is in <paramref name="block"/> or in a region nested in it.</summary>
            private static bool InBody(FunctionInfo info, Instr instr, Region block)
            {
                for (Instr? at = instr; at != null; at = info.Parent(at.Id))
                {
                    if (ReferenceEquals(info.RegionOf(at.Id), block)) return true;
                }
                return false;
            }

            /// <summary>
            /// Whether <paramref name="read"/> runs at most once per iteration of one loop of <paramref name="block"/>: between
            /// them only branches and the body of one loop (so computing the element there costs about what filling it did).
            /// </summary>
            private static bool Near(FunctionInfo info, Instr read, Region? block)
            {
                int loops = 0;
                for (var region = info.RegionOf(read.Id); !ReferenceEquals(region, block); region = info.RegionOf(info.OwnerOf(region).Id))
                {
                    if (region == null) return false;
                    var owner = info.OwnerOf(region);
                    if (owner.Op == Op.While && (!ReferenceEquals(owner.Regions[1], region) || ++loops > 1)) return false;
                }
                return true;
            }

            /// <summary>Whether nothing after <paramref name="loop"/> in its block may change what the slice reads (<see cref="FillAtUse"/>).</summary>
            private static bool Unwritten(FunctionInfo info, Region? block, Instr loop, HashSet<int> reads)
            {
                var body = block != null ? block.Body : info.Function.Body;
                bool readsParameter = reads.Any(s => info.IsParameter(s));
                int index = info.IndexOf(loop.Id);
                foreach (var instr in IrWalk.All(body.Skip(index + 1)))
                {
                    if (instr.HasRegions) continue;
                    if (OpInfo.IsCallWithEffects(instr)) return false;
                    bool writes = OpInfo.WritesElements(instr.Op);
                    if (!writes && !OpInfo.HasEffect(instr)) continue;
                    var touched = writes ? new[] { instr.Args[0] } : instr.Args.Where(a => info.TypeOf(a).Kind == ValueKind.Sequence).ToArray();
                    foreach (int sequence in touched)
                    {
                        if (reads.Contains(sequence)) return false;
                        if (PromoteElements.OwnBuffer(info, sequence)) continue;
                        // A parameter: only the reverse sweep's own accesses (in range) write it.
                        if (!(info.IsParameter(sequence) && writes && instr.Payload is InRange) && readsParameter) return false;
                    }
                }
                return true;
            }

        }

        /// <summary>Copies the function without the planned loops, each planned read computing its element.</summary>
        private sealed class Rewriter : FunctionCopy
        {
            private readonly Dictionary<int, Plan> _loops;
            private readonly Dictionary<int, Plan> _reads;

            public Rewriter(FunctionInfo info, List<Plan> plans) : base(info)
            {
                _loops = plans.ToDictionary(p => p.Loop.Id);
                _reads = plans.ToDictionary(p => p.Read.Id);
            }

            protected override bool Rewrite(Instr instr)
            {
                if (_loops.ContainsKey(instr.Id)) return true;
                if (!_reads.TryGetValue(instr.Id, out var plan)) return false;
                Map[plan.Counter] = Map[instr.Args[1]];
                foreach (var step in plan.Slice)
                {
                    // The stored value takes the read's name (GMM: xcentered).
                    if (step.Id == plan.Value && step.Op != Op.Const) Map[step.Id] = Builder.Emit(step.Op, step.Type, Replay.Mapped(step.Args, Map), instr.Name ?? step.Name, step.Payload);
                    else Replay.Copy(Builder, step, Map, simplify: false);
                }
                Map[instr.Id] = Map[plan.Value];
                return true;
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Keeps a loop-invariant element of a buffer the function allocates in a local (scalar promotion): in a loop whose
    /// every use of buffer b is a read, write or addition of <c>b[idx]</c> at one index defined outside the loop, that
    /// element is loaded once before the loop, carried through it as a value (reads take it, writes and additions update
    /// it) and stored once after it (when the loop writes it). Spans may alias, so the JIT keeps neither the load nor the
    /// read-modify-write of <c>b[idx]</c> in a register; a buffer the function makes itself (<see cref="Op.NewBuffer"/>)
    /// that is never passed on, carried or sliced has no alias, so this is safe, as hand-written code and Tapenade do.
    /// <para>
    /// An empty loop must not touch an element the original never touched (the index may be out of range): the loop's
    /// condition, pure, is evaluated once on the entry values, and the load and the store only happen when it holds. The
    /// loop then runs at least once and reads or writes <c>b[idx]</c> in its first iteration (an access at the body's own
    /// level is required), and a loop that could throw otherwise (a throw, a guard, a call, an integer division) is left
    /// alone, so exceptions stay as they were. The numbers are bit for bit the same: <c>b[i] += v</c> is
    /// the same addition on the local.
    /// </para>
    /// <para>
    /// Per iteration: when every access is at one index the body defines at its own level (<c>t = it − 1</c>, or the same
    /// computation again), the element is loaded before the body's instruction holding the iteration's first access, carried
    /// through what follows, and stored after the one holding the last write; only when that saves loads or stores. A fused reverse
    /// loop reads, accumulates, writes and zeroes <c>xAdj[t]</c> several times per iteration.
    /// </para>
    /// </summary>
    public static class PromoteElements
    {
        /// <summary>One element kept in a local: buffer <see cref="Buffer"/> at <see cref="Indices"/> (values of the input function).</summary>
        private sealed class Slot
        {
            public Slot(int buffer, int[] indices, TypeRef type, bool written, string? name, bool inRange, int loadAt = -1, int storeAfter = -1, bool needsLoad = true, bool startsZero = false)
            {
                StartsZero = startsZero;
                InRange = inRange;
                LoadAt = loadAt;
                StoreAfter = storeAfter;
                NeedsLoad = needsLoad;
                Buffer = buffer;
                Indices = indices;
                Type = type;
                Written = written;
                Name = name;
            }

            public int Buffer { get; }

            public int[] Indices { get; }

            public TypeRef Type { get; }

            /// <summary>Whether the loop writes or adds into it (then it is carried, and stored after the loop).</summary>
            public bool Written { get; }

            public string? Name { get; }

            /// <summary>
            /// Whether an access the loop makes every trip is known to be in range (<see cref="Ir.InRange"/>): then so are the
            /// load before the loop and the store after it, which run only when the loop runs a trip.
            /// </summary>
            public bool InRange { get; }

            public Ir.InRange? Payload => InRange ? Ir.InRange.Instance : null;

            /// <summary>
            /// For an element at an index the loop body defines (one per iteration): the position in the body of the
            /// instruction before which it is loaded (the one holding the iteration's first access); −1 for a loop-invariant one.
            /// </summary>
            public int LoadAt { get; }

            public bool PerIteration => LoadAt >= 0;

            /// <summary>
            /// For a per-iteration element: the position in the body of the instruction holding the iteration's last write
            /// (reads after it take the local; nothing else can read the buffer before the next iteration).
            /// </summary>
            public int StoreAfter { get; }

            /// <summary>Whether a per-iteration element is loaded (not when the iteration first writes it at the body's level).</summary>
            public bool NeedsLoad { get; }

            /// <summary>
            /// Whether a per-iteration element is 0 when every iteration starts (<see cref="StartsZero"/> in
            /// <see cref="Promotable"/>): it starts as the constant, and is neither loaded nor stored.
            /// </summary>
            public bool StartsZero { get; }
        }

        /// <summary>At most this many rounds: each promotes the outermost loops it can; loops inside those are seen by the next.</summary>
        private const int Rounds = 8;

        public static IrFunction Run(IrFunction function)
        {
            for (int round = 0; round < Rounds; round++)
            {
                var info = FunctionInfo.Of(function);
                var plans = new Dictionary<int, List<Slot>>();
                foreach (var loop in info.Loops)
                {
                    var slots = Plan(info, loop);
                    if (slots.Count > 0) plans[loop.Id] = slots;
                }
                if (plans.Count == 0) return function;
                function = new Rewriter(info, plans).Build();
                // A buffer only elements that start at 0 used is read no more: drop it (and what only it needed).
                if (plans.Values.Any(slots => slots.Any(s => s.StartsZero))) function = Simplify.EliminateDeadCode(function);
            }
            return function;
        }

        /// <summary>The elements <paramref name="loop"/> can keep in locals (none when the loop is not one this pass handles).</summary>
        private static List<Slot> Plan(FunctionInfo info, Instr loop)
        {
            var none = new List<Slot>();
            var condition = loop.Regions[0];
            if (condition.Body.Any(i => i.HasRegions || !OpInfo.IsPure(i))) return none;
            if (IrWalk.Contains(loop.Regions[1].Body, MayThrow)) return none;

            var body = loop.Regions[1];
            var buffers = new List<int>();
            foreach (var instr in IrWalk.All(body.Body))
            {
                if (OpInfo.IndexesSequence(instr.Op) && !buffers.Contains(instr.Args[0])) buffers.Add(instr.Args[0]);
            }
            var slots = new List<Slot>();
            foreach (int buffer in buffers)
            {
                if (Promotable(info, loop, buffer) is Slot slot) slots.Add(slot);
            }
            return slots;
        }

        /// <summary>
        /// Whether <paramref name="instr"/> may throw before the loop's first access to the element, which a load moved
        /// ahead of it would then pre-empt: a throw or guard, any call (a callee may throw; its Vjp too), a member read with
        /// an effect (a getter), an integer division. Element accesses out of range throw what the load would.
        /// </summary>
        private static bool MayThrow(Instr instr) => instr.Op switch
        {
            Op.Throw or Op.Guard or Op.Effect or Op.CallDifferentiable or Op.CallWithRule or Op.CallJvp or Op.CallVjp or Op.CallVjpTangent
                or Op.CallStatic or Op.CallMember => true,
            Op.LoadMember or Op.LoadStatic => OpInfo.HasEffect(instr),
            Op.Div or Op.Rem => !instr.Type.IsFloating,
            _ => false,
        };

        /// <summary>
        /// The one element of <paramref name="buffer"/> that <paramref name="loop"/> uses, when it can live in a local: at an
        /// index defined outside the loop (kept through the whole loop), or at one its body defines at its own level before
        /// the iteration's first access (kept through one iteration: every access at that same value).
        /// </summary>
        private static Slot? Promotable(FunctionInfo info, Instr loop, int buffer)
        {
            if (!OwnBuffer(info, buffer) || info.IsInside(buffer, loop)) return null;
            var type = info.TypeOf(buffer).ElementType;
            if (!(type == TypeRef.Double || type == TypeRef.Float || type == TypeRef.Int || type == TypeRef.Long)) return null;

            var body = loop.Regions[1];
            int first = info.PositionOf(loop.Id), last = info.LastPositionOf(loop);
            Instr? head = null;
            int[]? indices = null;
            bool written = false, everyTrip = false, inRange = false, perIteration = false;
            // Element loads and stores as written (an addition into one is both), against one load and one store.
            int accesses = 0;
            foreach (var use in info.UsesOf(buffer))
            {
                var user = use.User!;
                int at = info.PositionOf(user.Id);
                if (at < first || at > last) continue;
                if (user.Op == Op.Length) continue;
                if (!(user.Op == Op.Read || user.Op == Op.Element || user.Op == Op.Write || user.Op == Op.AddTo)) return null;
                if (user.Args.Skip(1).Contains(buffer)) return null;
                var at_ = OpInfo.Indices(user).ToArray();
                if (indices == null)
                {
                    // (Uses are in walk order: the first is the loop's first access.)
                    foreach (int i in at_)
                    {
                        if (ReferenceEquals(info.RegionOf(i), body)) perIteration = true;
                        else if (info.IsInside(i, loop) || ReferenceEquals(info.RegionOf(i), loop.Regions[0])) return null;
                    }
                    head = user;
                    indices = at_;
                }
                else if (!Same(info, indices, at_)) return null;
                written |= OpInfo.WritesElements(user.Op);
                accesses += user.Op == Op.AddTo ? 2 : 1;
                everyTrip |= ReferenceEquals(info.RegionOf(user.Id), body);
                inRange |= ReferenceEquals(info.RegionOf(user.Id), body) && user.Payload is InRange;
            }
            if (indices == null || !everyTrip) return null;
            if (!perIteration) return new Slot(buffer, indices, type, written, info.NameOf(buffer), inRange);

            // Per iteration: every access is in the body (none in the condition, which runs before the index exists); loaded
            // before the body's instruction that holds the first, stored after the one that holds the last write.
            if (info.PositionOf(head!.Id) < info.SpanOf(body).Start) return null;
            int loadAt = -1, storeAfter = -1;
            for (int k = 0; k < body.Body.Count; k++)
            {
                if (loadAt < 0 && IrWalk.Contains(body.Body[k], i => OpInfo.IndexesSequence(i.Op) && i.Args[0] == buffer)) loadAt = k;
                if (IrWalk.Contains(body.Body[k], i => OpInfo.WritesElements(i.Op) && i.Args[0] == buffer)) storeAfter = k;
            }
            bool needsLoad = !(head.Op == Op.Write && ReferenceEquals(info.RegionOf(head.Id), body));
            if (needsLoad && storeAfter >= 0 && StartsZero(info, loop, buffer, storeAfter))
                return new Slot(buffer, indices, type, written, info.NameOf(buffer), inRange, loadAt, storeAfter, needsLoad: false, startsZero: true);
            // Worth it only when the iteration touches it more often than the load and the store would.
            if (accesses <= (needsLoad ? 1 : 0) + (written ? 1 : 0)) return null;
            return new Slot(buffer, indices, type, written, info.NameOf(buffer), inRange, loadAt, storeAfter, needsLoad);
        }

        /// <summary>
        /// Whether every iteration of <paramref name="loop"/> finds the element it touches at 0, so that the per-iteration
        /// element starts as the constant and is never loaded or stored: the buffer is made zeroed, nothing outside the
        /// loop's body touches its elements (its length may be read), and the iteration's last write, at the body's own
        /// level, stores +0. Every iteration touches only its one element and leaves it 0, so the buffer is all zeros
        /// whenever an iteration starts; with the load gone nothing reads the buffer, and its stores are dead too. The
        /// reverse sweep of a fused loop reads the adjoint of an element the forward sweep overwrote (GMM's
        /// <c>x̄c[t]</c>), adds into it and zeroes it, in one iteration.
        /// </summary>
        private static bool StartsZero(FunctionInfo info, Instr loop, int buffer, int storeAfter)
        {
            var body = loop.Regions[1];
            var allocation = info.Definition(buffer)!;
            if (allocation.Buffer == BufferKind.Copy) return false;
            var last = body.Body[storeAfter];
            if (last.Op != Op.Write || last.Args[0] != buffer) return false;
            if (!info.TryGetDefinition(OpInfo.StoredValue(last), out var stored) || stored.Op != Op.Const
                || stored.Constant.Value != 0 || 1 / stored.Constant.Value < 0) return false;
            var span = info.SpanOf(body);
            foreach (var use in info.UsesOf(buffer))
            {
                var user = use.User!;
                if (user.Op == Op.Length || (user.Op == Op.NewBuffer && user.Buffer != BufferKind.Copy)) continue;
                int at = info.PositionOf(user.Id);
                if (at < span.Start || at > span.End) return false;
            }
            return true;
        }

        /// <summary>Whether two index lists are the same values: the same ids, or the same pure integer computations of them.</summary>
        private static bool Same(FunctionInfo info, int[] a, int[] b)
        {
            if (a.Length != b.Length) return false;
            for (int k = 0; k < a.Length; k++)
            {
                if (!Same(info, a[k], b[k], 4)) return false;
            }
            return true;
        }

        /// <summary>
        /// Whether <paramref name="a"/> and <paramref name="b"/> are one value: the same id, or instructions of one op, type
        /// and payload, pure and reading no element, on operands that are (to <paramref name="depth"/> levels). Two copies
        /// of <c>t − 1</c> (a body's index computed again by each part of fused loops) are one index.
        /// </summary>
        private static bool Same(FunctionInfo info, int a, int b, int depth)
        {
            if (a == b) return true;
            if (depth == 0 || !info.TryGetDefinition(a, out var x) || !info.TryGetDefinition(b, out var y)) return false;
            if (x.HasRegions || y.HasRegions || x.Op != y.Op || x.Type != y.Type || !Equals(x.Payload, y.Payload)) return false;
            if (!OpInfo.IsPure(x) || OpInfo.IndexesSequence(x.Op) || x.Args.Count != y.Args.Count) return false;
            for (int k = 0; k < x.Args.Count; k++)
            {
                if (!Same(info, x.Args[k], y.Args[k], depth - 1)) return false;
            }
            return true;
        }

        /// <summary>
        /// Whether <paramref name="buffer"/> is a buffer the function allocates (outside any region's own results) that
        /// nothing else can name: <see cref="Unaliased"/>. Shared with <see cref="MergeReads"/>.
        /// </summary>
        internal static bool OwnBuffer(FunctionInfo info, int buffer) =>
            info.TryGetDefinition(buffer, out var allocation) && allocation.Op == Op.NewBuffer && !allocation.HasRegions && Unaliased(info, buffer);

        /// <summary>
        /// Whether nothing else can name <paramref name="buffer"/>'s memory: it is never carried, yielded, passed to an
        /// ordinary call (which could keep it) or turned into another sequence (a slice).
        /// </summary>
        private static bool Unaliased(FunctionInfo info, int buffer)
        {
            foreach (var use in info.UsesOf(buffer))
            {
                if (use.User is not Instr user) return false;
                if (user.HasRegions) return false;
                if (user.Op == Op.CallStatic || user.Op == Op.CallMember || user.Op == Op.LoadMember) return false;
                if (user.Op != Op.NewBuffer && (user.Type.Kind == ValueKind.Sequence || user.Results.Any(r => r.Type.Kind == ValueKind.Sequence))) return false;
            }
            return true;
        }

        /// <summary>Copies the function, promoting the planned loops that are inside no other loop promoted in this round.</summary>
        private sealed class Rewriter
        {
            private readonly FunctionInfo _info;
            private readonly Dictionary<int, List<Slot>> _plans;
            private readonly IrBuilder _b = new IrBuilder();
            private readonly Dictionary<int, int> _map = new Dictionary<int, int>();
            /// <summary>The slots of the loop being promoted, by buffer (empty outside one).</summary>
            private Dictionary<int, Slot> _slots = new Dictionary<int, Slot>();
            /// <summary>The loop being promoted (null outside one): its per-iteration slots are not carried by it.</summary>
            private Instr? _promoting;

            public Rewriter(FunctionInfo info, Dictionary<int, List<Slot>> plans)
            {
                _info = info;
                _plans = plans;
            }

            public IrFunction Build()
            {
                var function = _info.Function;
                foreach (var p in function.Params) _map[p.Id] = _b.Param(p.Name, p.Type);
                Block(function.Body, new Dictionary<int, int>());
                return _b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, _map[r.Value])));
            }

            /// <summary>
            /// Copies <paramref name="body"/>; <paramref name="current"/> holds each slot's value (new ids), by buffer, and is
            /// updated. <paramref name="iteration"/>: the per-iteration slots of a promoted loop's body, loaded before the
            /// instruction that holds their first access and stored after the one that holds their last.
            /// </summary>
            private void Block(EquatableArray<Instr> body, Dictionary<int, int> current, List<Slot>? iteration = null)
            {
                for (int k = 0; k <= body.Count; k++)
                {
                    if (iteration != null)
                    {
                        foreach (var s in iteration)
                        {
                            if (s.StoreAfter == k - 1 && s.Written && !s.StartsZero) _b.Emit(Op.Write, IrBuilder.Void, Element(s).Concat(new[] { current[s.Buffer] }).ToArray(), payload: s.Payload);
                        }
                        foreach (var s in iteration)
                        {
                            if (s.LoadAt == k && s.StartsZero) current[s.Buffer] = _b.Const(0, s.Type);
                            else if (s.LoadAt == k && s.NeedsLoad) current[s.Buffer] = _b.Emit(Op.Read, s.Type, Element(s), s.Name, s.Payload);
                        }
                    }
                    if (k == body.Count) break;
                    var instr = body[k];
                    if (!instr.HasRegions)
                    {
                        if (OpInfo.IndexesSequence(instr.Op) && _slots.TryGetValue(instr.Args[0], out var slot))
                        {
                            switch (instr.Op)
                            {
                                case Op.Write:
                                    current[slot.Buffer] = _map[OpInfo.StoredValue(instr)];
                                    break;
                                case Op.AddTo:
                                    current[slot.Buffer] = _b.Emit(Op.Add, slot.Type, new[] { current[slot.Buffer], _map[OpInfo.StoredValue(instr)] }, slot.Name);
                                    break;
                                default:
                                    _map[instr.Id] = current[slot.Buffer];
                                    break;
                            }
                            continue;
                        }
                        Replay.Copy(_b, instr, _map, simplify: false);
                        continue;
                    }
                    if (instr.Op == Op.While && _slots.Count == 0 && _plans.TryGetValue(instr.Id, out var slots))
                    {
                        Promote(instr, slots, current);
                        continue;
                    }
                    Structured(instr, current);
                }
            }

            /// <summary>An if or a loop, carrying the slots written inside it as extra results (and, for a loop, carried values).</summary>
            private void Structured(Instr instr, Dictionary<int, int> current)
            {
                var carried = _slots.Values.Where(s => s.Written && !(s.PerIteration && ReferenceEquals(instr, _promoting))
                    && IrWalk.Contains(instr, i => OpInfo.WritesElements(i.Op) && i.Args[0] == s.Buffer)).ToList();
                var regions = new List<Region>();
                int[] args;
                if (instr.Op == Op.While)
                {
                    args = instr.Args.Select(a => _map[a]).Concat(carried.Select(s => current[s.Buffer])).ToArray();
                    for (int r = 0; r < instr.Regions.Count; r++) regions.Add(Region(instr.Regions[r], carried, current, withCarried: true, yieldCarried: r == 1));
                }
                else
                {
                    args = instr.Args.Select(a => _map[a]).ToArray();
                    foreach (var region in instr.Regions) regions.Add(Region(region, carried, current, withCarried: false, yieldCarried: true));
                }
                var results = instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type))
                    .Concat(carried.Select(s => ((string?)s.Name, s.Type))).ToList();
                var ids = _b.EmitStructured(instr.Op, args, regions, results, instr.Payload);
                for (int i = 0; i < instr.Results.Count; i++) _map[instr.Results[i].Id] = ids[i];
                for (int k = 0; k < carried.Count; k++) current[carried[k].Buffer] = ids[instr.Results.Count + k];
            }

            /// <summary>
            /// A region of an if or loop: a loop's regions take the carried slots as parameters after its own; a loop body
            /// and an if's branches yield the slots' values after their own yields.
            /// </summary>
            private Region Region(Region region, List<Slot> carried, Dictionary<int, int> outer, bool withCarried, bool yieldCarried)
            {
                var signature = region.Params.Select(p => (p.Name, p.Type)).ToList();
                if (withCarried) signature.AddRange(carried.Select(s => (s.Name ?? "element", s.Type)));
                var ids = _b.BeginRegion(signature);
                for (int i = 0; i < region.Params.Count; i++) _map[region.Params[i].Id] = ids[i];
                var current = new Dictionary<int, int>(outer);
                if (withCarried)
                {
                    for (int k = 0; k < carried.Count; k++) current[carried[k].Buffer] = ids[region.Params.Count + k];
                }
                if (_promoting != null && ReferenceEquals(region, _promoting.Regions[1]))
                {
                    // The promoted loop's body: its per-iteration elements are loaded where the iteration first touches
                    // them and stored once (the last value written) where it last does.
                    Block(region.Body, current, _slots.Values.Where(s => s.PerIteration).ToList());
                }
                else Block(region.Body, current);
                var yields = region.Yields.Select(y => _map[y]).ToList();
                // (A branch that throws yields nothing; a promoted loop has none.)
                if (yieldCarried && !(region.Yields.Count == 0 && OpInfo.NeverEnds(region.Body))) yields.AddRange(carried.Select(s => current[s.Buffer]));
                return _b.EndRegion(yields);
            }

            /// <summary>The buffer and indices (new ids) of a slot's element.</summary>
            private int[] Element(Slot s) => new[] { _map[s.Buffer] }.Concat(s.Indices.Select(i => _map[i])).ToArray();

            /// <summary>
            /// <c>if (cond(entry)) { loads }</c>, the loop carrying the written elements, then <c>if (cond(entry)) { stores }</c>
            /// (for the loop-invariant elements; the per-iteration ones are loaded and stored in the body).
            /// </summary>
            private void Promote(Instr loop, List<Slot> slots, Dictionary<int, int> current)
            {
                var invariant = slots.Where(s => !s.PerIteration).ToList();
                var inside = new Dictionary<int, int>(current);
                int runs = -1;
                if (invariant.Count > 0)
                {
                    // The condition on the entry values, once: whether the loop runs at all.
                    var condition = loop.Regions[0];
                    for (int i = 0; i < condition.Params.Count; i++) _map[condition.Params[i].Id] = _map[loop.Args[i]];
                    // A condition of constants on entry (a loop of no trip, `0 > 0`) would print as `if (0 > 0)`, unreachable
                    // code to the compiler: such a loop is copied as it is. So is one whose condition is a constant itself
                    // (`true`, a loop left by a break or a throw), which would print `if (true) … else …`.
                    bool constantYield = !condition.Body.Any(i => i.Id == condition.Yields[0]) && _b.IsConst(_map[condition.Yields[0]], out _);
                    // (Only the parameters the condition reads count: a carried value it ignores, such as an element an outer
                    // loop's promotion carries through this one, does not make `if (2 > 0)` any less constant.)
                    var read = new HashSet<int>(condition.Body.SelectMany(i => i.Args).Concat(condition.Yields));
                    var operands = condition.Params.Select(q => q.Id).Where(read.Contains).Concat(Activity.FreeValues(new[] { condition }));
                    if (constantYield || operands.All(v => _b.IsConst(_map[v], out _)))
                    {
                        Structured(loop, current);
                        return;
                    }
                    Replay.CopyBlock(_b, condition.Body, _map, simplify: false);
                    runs = _map[condition.Yields[0]];

                    _b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                    var loaded = invariant.Select(s => _b.Emit(Op.Read, s.Type, Element(s), s.Name, s.Payload)).ToList();
                    var load = _b.EndRegion(loaded);
                    _b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                    var skip = _b.EndRegion(invariant.Select(s => _b.Const(0, s.Type)).ToList());
                    var values = _b.EmitStructured(Op.If, new[] { runs }, new[] { load, skip }, invariant.Select(s => ((string?)s.Name, s.Type)).ToList());
                    for (int k = 0; k < invariant.Count; k++) inside[invariant[k].Buffer] = values[k];
                }

                _slots = slots.ToDictionary(s => s.Buffer);
                _promoting = loop;
                Structured(loop, inside);
                _slots = new Dictionary<int, Slot>();
                _promoting = null;

                var written = invariant.Where(s => s.Written).ToList();
                if (written.Count == 0) return;
                _b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                foreach (var s in written)
                {
                    _b.Emit(Op.Write, IrBuilder.Void, Element(s).Concat(new[] { inside[s.Buffer] }).ToArray(), payload: s.Payload);
                }
                var store = _b.EndRegion(System.Array.Empty<int>());
                _b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                var nothing = _b.EndRegion(System.Array.Empty<int>());
                _b.EmitStructured(Op.If, new[] { runs }, new[] { store, nothing }, System.Array.Empty<(string?, TypeRef)>());
            }
        }
    }
}

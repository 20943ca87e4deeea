using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The pass <c>reserve-tapes</c>: a loop (or loop nest) whose iteration count is known on entry makes room on its tapes once,
    /// before it starts (an <see cref="Op.Reserve"/> of <c>per-iteration pushes × iterations</c>), and its pushes are then
    /// <see cref="TapeSlot.Reserved"/>: they write without a capacity check, so the loop contains no call (not even a cold
    /// one: on x64 no vector register survives a call, so RyuJIT would keep the loop's <c>double</c>s in memory). Off, every
    /// push checks and the tapes grow on demand: the same numbers.
    /// </summary>
    /// <remarks>
    /// <para>Which loops (<see cref="LoopTrips"/>): one whose iteration count is known on entry, from a condition that is a single
    /// comparison of a carried int <c>p</c> with a loop-invariant <c>n</c> where every path through the body yields
    /// <c>p + 1</c> (for <c>&lt;</c>, <c>&lt;=</c>) or <c>p − 1</c> (for <c>&gt;</c>, <c>&gt;=</c>): it runs exactly
    /// max(0, n − p₀) times (plus one for <c>&lt;=</c>, <c>&gt;=</c>). Also one whose condition is a conjunction (<c>&amp;&amp;</c>,
    /// or the exit flags that break and return add) with such a comparison between constants, up to
    /// <see cref="LoopTrips.MaxBoundedTrips"/> iterations: an upper bound, kept to <see cref="MaxBoundedValues"/> values per tape.</para>
    /// <para>How much: per iteration one value per scalar push of the tape's type in its body, counting both branches of an if
    /// (an upper bound). A loop nest reserves once, before its outermost loop for which the room of the whole nest is known on
    /// entry: what each nested loop pushes times its count and the counts of the loops around it in the nest
    /// (<see cref="TapeRoom.Inner"/>), a whole buffer recorded in the nest by its length (the buffer made outside it). A nested
    /// loop that pushes on the tape and whose count is not the same in every iteration of the nest (a triangular loop from the
    /// outer counter, a bound the outer loop carries), or only bounded, stops the hoisting at that level: the loop around it
    /// reserves nothing on that tape and the nested loop is considered on its own. No tape is reserved that the loop's
    /// condition pushes to. A loop whose body also pops from the tape (a fused loop: each iteration's adjoint pops what the
    /// iteration pushed) reserves one iteration's room, not its count's times that.</para>
    /// <para>Where: in the loop's block, as early as the values the count is computed from exist and after anything before
    /// the loop that pushes on the same tape (room is reserved from the tape's current count). Early, so that the loop's
    /// carried values are not yet live across the reservation's (cold) call. The count's operands are values outside the loop:
    /// what the loop's condition computes from them (a length, <c>n - 1</c>) is computed again before the reserve; constants
    /// added to a value fold into the payload's offset, and a start or bound <c>v = o ± c</c> of the same block is read as
    /// <c>o</c> and the constant when that lets the reserve come before <c>v</c> (computed again from them where the count
    /// needs <c>v</c> itself, as in <c>v * 2</c>); a constant defined after the reserve is computed again too.</para>
    /// </remarks>
    public static class ReserveTapes
    {
        /// <summary>
        /// The most values reserved on one tape for a loop that may exit early: what fits in the tape's stack
        /// part. More would rent a pooled array on every call for room that such a loop (a solver that stops
        /// when it converges) mostly leaves unused, and a rental costs more than the checks it saves.
        /// </summary>
        public const long MaxBoundedValues = Emit.BodyEmitter.TapeCapacity;

        /// <summary>The function with a reserve before each loop that can make one and its pushes marked; itself when none can.</summary>
        public static IrFunction Run(IrFunction function)
        {
            var info = FunctionInfo.Of(function);
            var plan = new Planner(info);
            plan.Visit(function.Body, new HashSet<string>());
            if (plan.Loops.Count == 0) return function;
            var rewriter = new Rewriter(info, plan, MaxId(function) + 1);
            return function with { Body = rewriter.Block(function.Body) };
        }

        /// <summary>What a loop reserves: its trip count, and per tape (in ordinal order of the tape's type) the room its nest needs.</summary>
        private sealed record LoopPlan(TripCount Trips, IReadOnlyList<(TypeRef Tape, Nest Nest)> Tapes);

        /// <summary>
        /// A loop of a reserved nest and what one of its iterations pushes on a tape: <see cref="PerTrip"/> values itself (through
        /// its ifs: an upper bound), the whole buffers it records (each its length of values), and the loops nested in it that push.
        /// </summary>
        private sealed record Nest(Instr Loop, TripCount Trips, int PerTrip, IReadOnlyList<int> Buffers, IReadOnlyList<Nest> Inner);

        /// <summary>Decides which loops reserve which tapes, and which pushes write into reserved room.</summary>
        private sealed class Planner
        {
            private readonly FunctionInfo _info;

            public Planner(FunctionInfo info) => _info = info;

            public Dictionary<int, LoopPlan> Loops { get; } = new Dictionary<int, LoopPlan>();

            public HashSet<int> ReservedPushes { get; } = new HashSet<int>();

            /// <summary>Plans the loops of <paramref name="body"/> from the outside in; a tape in <paramref name="covered"/> is reserved by a loop around them.</summary>
            public void Visit(EquatableArray<Instr> body, HashSet<string> covered)
            {
                foreach (var instr in body)
                {
                    var inside = instr.Op == Op.While ? Plan(instr, covered) : covered;
                    foreach (var region in instr.Regions) Visit(region.Body, inside);
                }
            }

            /// <summary>The tapes <paramref name="loop"/> reserves for its whole nest, if any; the tapes covered inside it.</summary>
            private HashSet<string> Plan(Instr loop, HashSet<string> covered)
            {
                var trips = _info.Trips.Trips(loop);
                if (trips == null) return covered;
                var types = new SortedSet<string>(System.StringComparer.Ordinal);
                PushedTypes(loop.Regions[1].Body, types);
                var tapes = new List<(TypeRef, Nest)>();
                var inside = new HashSet<string>(covered);
                foreach (string type in types)
                {
                    if (covered.Contains(type)) continue;
                    var marks = new List<Instr>();
                    var nest = Count(loop, loop, trips, type, marks);
                    if (nest == null || marks.Count == 0) continue;
                    if (!trips.Exact && (nest.Inner.Count > 0 || nest.Buffers.Count > 0 || nest.PerTrip * trips.ConstantTrips > MaxBoundedValues)) continue;
                    tapes.Add((marks[0].Tape.Of, nest));
                    foreach (var p in marks) ReservedPushes.Add(p.Id);
                    inside.Add(type);
                }
                if (tapes.Count > 0) Loops[loop.Id] = new LoopPlan(trips, tapes);
                return inside;
            }

            /// <summary>
            /// What <paramref name="loop"/> (in the nest <paramref name="root"/> reserves) pushes on the tape of <paramref name="type"/>,
            /// its scalar pushes added to <paramref name="marks"/>; null when the room is not known when <paramref name="root"/>
            /// starts: a push in a condition, a nested loop that pushes and whose count is unknown, changes inside the nest (a
            /// triangular loop, whose start is the outer counter) or is only bounded, or a buffer made inside the nest.
            /// </summary>
            private Nest? Count(Instr loop, Instr root, TripCount trips, string type, List<Instr> marks)
            {
                if (AnyPush(loop.Regions[0].Body, type)) return null;
                if (loop != root && (!trips.Exact || !_info.Trips.Invariant(loop.Args[trips.Counter], root) || !_info.Trips.Invariant(trips.Bound, root))) return null;
                int perTrip = 0;
                var buffers = new List<int>();
                var inner = new List<Nest>();
                bool Walk(EquatableArray<Instr> body)
                {
                    foreach (var instr in body)
                    {
                        if (instr.Op == Op.Push && instr.Tape.Of.Display == type)
                        {
                            if (!IsWholeBuffer(instr))
                            {
                                perTrip++;
                                marks.Add(instr);
                            }
                            else if (_info.IsInside(instr.Args[0], root)) return false;
                            else buffers.Add(instr.Args[0]);
                        }
                        else if (instr.Op == Op.If && !instr.Regions.All(r => Walk(r.Body))) return false;
                        else if (instr.Op == Op.While && instr.Regions.Any(r => AnyPush(r.Body, type)))
                        {
                            var nested = _info.Trips.Trips(instr);
                            var nest = nested == null ? null : Count(instr, root, nested, type, marks);
                            if (nest == null) return false;
                            inner.Add(nest);
                        }
                    }
                    return true;
                }
                return Walk(loop.Regions[1].Body) ? new Nest(loop, trips, perTrip, buffers, inner) : null;
            }

            private bool IsWholeBuffer(Instr push) => _info.TypeOf(push.Args[0]).Kind == ValueKind.Sequence;

            private static void PushedTypes(EquatableArray<Instr> body, SortedSet<string> into)
            {
                foreach (var instr in body)
                {
                    if (instr.Op == Op.Push) into.Add(instr.Tape.Of.Display);
                    foreach (var region in instr.Regions) PushedTypes(region.Body, into);
                }
            }

            private static bool AnyPush(EquatableArray<Instr> body, string type) =>
                body.Any(i => (i.Op == Op.Push && i.Tape.Of.Display == type) || i.Regions.Any(r => AnyPush(r.Body, type)));
        }

        /// <summary>Writes the reserves into each block before its loops, and marks the reserved pushes.</summary>
        private sealed class Rewriter
        {
            private readonly FunctionInfo _info;
            private readonly Planner _plan;
            private int _next;

            public Rewriter(FunctionInfo info, Planner plan, int next)
            {
                _info = info;
                _plan = plan;
                _next = next;
            }

            public EquatableArray<Instr> Block(EquatableArray<Instr> body)
            {
                var anchors = Anchors(body);
                var output = new List<Instr>(body.Count + anchors.Count * 2);
                for (int index = 0; index < body.Count; index++)
                {
                    foreach (var (anchor, loop, plan, late) in anchors)
                    {
                        if (anchor == index) Reserve(loop, plan, late, output);
                    }
                    output.Add(Rewrite(body[index]));
                }
                return output.ToEquatableArray();
            }

            private Instr Rewrite(Instr instr)
            {
                if (instr.Op == Op.Push && _plan.ReservedPushes.Contains(instr.Id)) return instr with { Payload = instr.Tape with { Reserved = true } };
                if (!instr.HasRegions) return instr;
                return instr with { Regions = instr.Regions.Select(r => r with { Body = Block(r.Body) }).ToEquatableArray() };
            }

            /// <summary>
            /// Where in <paramref name="body"/> each of its loops that reserves does so (an index of <paramref name="body"/>),
            /// and the values the count reads that are defined at or after that point: <c>v = o ± c</c> (read as <c>o</c> and
            /// <c>c</c>, or computed again from them) and constants (computed again).
            /// </summary>
            private List<(int Anchor, Instr Loop, LoopPlan Plan, HashSet<int> Late)> Anchors(EquatableArray<Instr> body)
            {
                var anchors = new List<(int, Instr, LoopPlan, HashSet<int>)>();
                Dictionary<int, int>? index = null;
                for (int at = 0; at < body.Count; at++)
                {
                    if (body[at].Op != Op.While || !_plan.Loops.TryGetValue(body[at].Id, out var plan)) continue;
                    if (index == null)
                    {
                        index = new Dictionary<int, int>();
                        for (int i = 0; i < body.Count; i++)
                        {
                            index[body[i].Id] = i;
                            foreach (var r in body[i].Results) index[r.Id] = i;
                        }
                    }
                    var loop = body[at];
                    var needed = new HashSet<int>();
                    foreach (var nested in plan.Tapes.SelectMany(t => Preorder(t.Nest)))
                    {
                        Operands(nested.Loop.Args[nested.Trips.Counter], loop, needed);
                        Operands(nested.Trips.Bound, loop, needed);
                        foreach (int buffer in nested.Buffers) Operands(buffer, loop, needed);
                    }
                    var types = new HashSet<string>(plan.Tapes.Select(t => t.Tape.Display));
                    int anchor = 0;
                    var candidates = new List<int>();
                    foreach (int v in needed)
                    {
                        // Constants are used where they stand or, defined after the reserve, computed again.
                        if (!index.TryGetValue(v, out int defined)) continue;
                        if (IsConstant(v, out _) || (Offset(v, out int operand, out _) && !index.ContainsKey(operand))) candidates.Add(v);
                        else anchor = System.Math.Max(anchor, defined + 1);
                    }
                    // After the last earlier push to these tapes too, but never before a value the count reads (a loop's result).
                    for (int i = 0; i < at; i++)
                    {
                        if (PushesTo(body[i], types)) anchor = System.Math.Max(anchor, i + 1);
                    }
                    anchors.Add((anchor, loop, plan, new HashSet<int>(candidates.Where(v => index[v] >= anchor))));
                }
                return anchors;
            }

            /// <summary>
            /// A reserve per tape of <paramref name="plan"/>: for a count known as a constant, that; else n − p₀ counting up,
            /// p₀ − n counting down, one more for an inclusive comparison, constant terms folded into the offset; and the same for
            /// each loop of the nest, and the length of each whole buffer recorded in it (<see cref="TapeRoom.Inner"/>). Each reserve
            /// gets its own copies of what the loops' conditions compute and of the <paramref name="late"/> values it reads (so
            /// each copy is read once).
            /// </summary>
            private void Reserve(Instr loop, LoopPlan plan, HashSet<int> late, List<Instr> output)
            {
                foreach (var (tape, nest) in plan.Tapes)
                {
                    // A loop whose iterations pop what they push (a fused loop's adjoint runs in the iteration) needs one
                    // iteration's room: each leaves the tape as it found it.
                    bool balanced = Pops(loop.Regions[1].Body, tape.Display);
                    long? constantTrips = balanced ? 1 : plan.Trips.ConstantTrips;
                    if (nest.Inner.Count == 0 && nest.Buffers.Count == 0 && constantTrips is long constant)
                    {
                        output.Add(Emit(Op.Reserve, TypeRef.Void, new int[0], new TapeRoom(tape, nest.PerTrip, 0, constant)));
                        continue;
                    }
                    var args = new List<int>();
                    var (added, offset) = Append(balanced ? (null, null, 1L) : Count(nest.Loop, nest.Trips, loop, late), loop, late, args, output);
                    var inner = new List<InnerRoom>();
                    // The entries nested in n, at depth; what loops of a constant count in it push is returned, to add to n's own.
                    long Nested(Nest n, int depth)
                    {
                        long constant = 0;
                        foreach (int buffer in n.Buffers)
                        {
                            var length = Emit(Op.Length, TypeRef.Int, new[] { buffer }, null);
                            output.Add(length);
                            args.Add(length.Id);
                            inner.Add(new InnerRoom(depth, 1, 1, 1, 0));
                        }
                        // Loops with nothing nested and the same count are one entry: d + d is 2 * d.
                        var leaves = new List<((int? A, int? B, long K) Count, long PerTrip)>();
                        foreach (var child in n.Inner.Where(c => c.Inner.Count == 0 && c.Buffers.Count == 0))
                        {
                            var count = Count(child.Loop, child.Trips, loop, late);
                            int same = leaves.FindIndex(l => l.Count.Equals(count));
                            if (same >= 0) leaves[same] = (count, leaves[same].PerTrip + child.PerTrip);
                            else leaves.Add((count, child.PerTrip));
                        }
                        foreach (var (count, perTrip) in leaves)
                        {
                            if (count.A == null && count.B == null)
                            {
                                constant = checked(constant + System.Math.Max(0, count.K) * perTrip);
                                continue;
                            }
                            int before = args.Count;
                            var (a, k) = Append(count, loop, late, args, output);
                            inner.Add(new InnerRoom(depth, perTrip, args.Count - before, a, k));
                        }
                        foreach (var child in n.Inner.Where(c => c.Inner.Count > 0 || c.Buffers.Count > 0))
                        {
                            int before = args.Count;
                            var (a, k) = Append(Count(child.Loop, child.Trips, loop, late), loop, late, args, output);
                            int at = inner.Count;
                            inner.Add(new InnerRoom(depth, child.PerTrip, args.Count - before, a, k));
                            long own = Nested(child, depth + 1);
                            inner[at] = inner[at] with { PerTrip = checked(child.PerTrip + own) };
                        }
                        return constant;
                    }
                    long perTrip = checked(nest.PerTrip + Nested(nest, 1));
                    output.Add(Emit(Op.Reserve, TypeRef.Void, args, new TapeRoom(tape, perTrip, added, offset) { Inner = inner.ToEquatableArray() }));
                }
            }

            /// <summary>
            /// The count of <paramref name="nested"/> (in the nest <paramref name="root"/> reserves) as the value added, the value
            /// subtracted (each null when a constant) and the constant.
            /// </summary>
            private (int? A, int? B, long K) Count(Instr nested, TripCount trips, Instr root, HashSet<int> late)
            {
                int start = nested.Args[trips.Counter];
                var (a, offsetA) = Linear(trips.Step > 0 ? trips.Bound : start, root, late);
                var (b, offsetB) = Linear(trips.Step > 0 ? start : trips.Bound, root, late);
                return (a, b, offsetA - offsetB + (trips.Inclusive ? 1 : 0));
            }

            /// <summary>A count's operands appended to <paramref name="args"/> (the added one first), with how many are added and the constant.</summary>
            private (int Added, long Offset) Append((int? A, int? B, long K) count, Instr root, HashSet<int> late, List<int> args, List<Instr> output)
            {
                if (count.A != null) args.Add(Materialize(count.A.Value, root, late, output));
                if (count.B != null) args.Add(Materialize(count.B.Value, root, late, output));
                return (count.A != null ? 1 : 0, count.K);
            }

            private static IEnumerable<Nest> Preorder(Nest nest) => new[] { nest }.Concat(nest.Inner.SelectMany(Preorder));

            /// <summary>
            /// A value outside the loop as it is; one the loop's condition computes, or one of <paramref name="late"/> (not yet
            /// defined where the reserve goes), computed again (unnamed) into <paramref name="output"/>.
            /// </summary>
            private int Materialize(int value, Instr loop, HashSet<int> late, List<Instr> output)
            {
                if (!_info.IsInside(value, loop) && !late.Contains(value)) return value;
                var d = _info.Definition(value)!;
                var args = d.Args.Select(a => Materialize(a, loop, late, output)).ToList();
                var copy = Emit(d.Op, d.Type, args, d.Payload);
                output.Add(copy);
                return copy.Id;
            }

            private Instr Emit(Op op, TypeRef type, IEnumerable<int> args, Payload? payload) => new Instr(_next++, op, type, args.ToEquatableArray(), null, payload);

            /// <summary>The values outside the loop that <paramref name="value"/> is computed from (itself, if it is one).</summary>
            private void Operands(int value, Instr loop, HashSet<int> into)
            {
                if (!_info.IsInside(value, loop))
                {
                    into.Add(value);
                    return;
                }
                if (_info.TryGetDefinition(value, out var d)) foreach (int a in d.Args) Operands(a, loop, into);
            }

            private static bool Pops(EquatableArray<Instr> body, string type) =>
                body.Any(i => (i.Op == Op.Pop && i.Tape.Of.Display == type) || i.Regions.Any(r => Pops(r.Body, type)));

            private static bool PushesTo(Instr instr, HashSet<string> types) =>
                (instr.Op == Op.Push && types.Contains(instr.Tape.Of.Display)) || instr.Regions.Any(r => r.Body.Any(i => PushesTo(i, types)));

            /// <summary>
            /// A value as a term and a constant: constants fold, and so do additions of constants computed in
            /// the loop's condition or in <paramref name="late"/>.
            /// </summary>
            private (int? Term, long Offset) Linear(int value, Instr loop, HashSet<int> late)
            {
                if (IsConstant(value, out long c)) return (null, c);
                if ((_info.IsInside(value, loop) || late.Contains(value)) && Offset(value, out int operand, out long offset))
                {
                    var (term, rest) = Linear(operand, loop, late);
                    return (term, rest + offset);
                }
                return (value, 0);
            }

            /// <summary>Whether <paramref name="value"/> is the int <c>operand + offset</c> (an addition or subtraction of a constant).</summary>
            private bool Offset(int value, out int operand, out long offset)
            {
                operand = -1;
                offset = 0;
                if (!_info.TryGetDefinition(value, out var d) || d.HasRegions || d.Type != TypeRef.Int || (d.Op != Op.Add && d.Op != Op.Sub)) return false;
                if (IsConstant(d.Args[1], out long c))
                {
                    operand = d.Args[0];
                    offset = d.Op == Op.Add ? c : -c;
                    return !IsConstant(operand, out _);
                }
                if (d.Op == Op.Add && IsConstant(d.Args[0], out c))
                {
                    operand = d.Args[1];
                    offset = c;
                    return !IsConstant(operand, out _);
                }
                return false;
            }

            private bool IsConstant(int value, out long number)
            {
                number = 0;
                if (!_info.TryGetDefinition(value, out var d) || d.Op != Op.Const || d.HasRegions) return false;
                if (!d.IsInteger(out number)) number = (long)d.Constant.Value;
                return true;
            }
        }

        /// <summary>The largest id the function defines (a parameter, an instruction, a result, a region's parameter).</summary>
        private static int MaxId(IrFunction function)
        {
            int max = -1;
            foreach (var p in function.Params) max = System.Math.Max(max, p.Id);
            void Walk(EquatableArray<Instr> body)
            {
                foreach (var instr in body)
                {
                    max = System.Math.Max(max, instr.Id);
                    foreach (var r in instr.Results) max = System.Math.Max(max, r.Id);
                    foreach (var region in instr.Regions)
                    {
                        foreach (var p in region.Params) max = System.Math.Max(max, p.Id);
                        Walk(region.Body);
                    }
                }
            }
            Walk(function.Body);
            return max;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Part of <c>recompute</c> (<see cref="TapePlan"/>): the local buffers the reverse sweep fills again rather than restores
    /// (<see cref="ReversePlan.Refilled"/>). A buffer B qualifies when all its writes are one write in one statement W (a counted
    /// loop writing B at its counter, or the write itself) directly in the body of a loop L, and:
    /// <list type="bullet">
    /// <item>the elements W writes are the same every time it runs: its start, bound and the write's other indices are
    /// invariant in every loop around it, so the elements W does not write are never written;</item>
    /// <item>what W stores is computed from values the reverse sweep has when it starts the reverse of L's body: inputs'
    /// elements, constants, values from outside the loops, the counters of the loops around it and cheap arithmetic of those
    /// (no read of a buffer, no call);</item>
    /// <item>nothing reads B before W in L's body, nor before L outside it, nor after L inside a loop around L; inside W a read
    /// comes after the write, at its index;</item>
    /// <item>W is cheap to run again: per write at most <see cref="MaxFloatingOps"/> floating additions, subtractions,
    /// multiplications or negations and <see cref="MaxLoads"/> element loads, any integer index arithmetic, no division of
    /// floats and no call, about what a push and a pop of the element it replaces cost (a store, a load, two counter updates).</item>
    /// </list>
    /// Then the forward sweep pushes nothing for B's writes and the reverse sweep pops nothing: at the start of the reverse of each
    /// iteration of L's body it runs the slice of W that computes B's elements (<see cref="Emit"/>), and B holds what every read
    /// of that iteration read, since nothing after W in L's body writes it; the reverse of what follows L runs while B holds its
    /// last values. B's reads are read again as a restored buffer's are (B joins <see cref="ReversePlan.RestoredBuffers"/>).
    /// </summary>
    internal static class RefillPlan
    {
        /// <summary>The floating arithmetic operations a refilled write may take (see above).</summary>
        public const int MaxFloatingOps = 3;

        /// <summary>The element loads a refilled write may take (see above).</summary>
        public const int MaxLoads = 4;

        /// <summary>A buffer the reverse sweep fills again at the start of the reverse of <see cref="Loop"/>'s body.</summary>
        internal sealed class Refill
        {
            public Refill(int buffer, Instr loop, Instr statement, int counter, List<Instr> slice, List<int> needs)
            {
                Buffer = buffer;
                Loop = loop;
                Statement = statement;
                Counter = counter;
                Slice = slice;
                Needs = needs;
            }

            public int Buffer { get; }

            /// <summary>The loop L whose body holds <see cref="Statement"/>.</summary>
            public Instr Loop { get; }

            /// <summary>W: the write itself, or the counted loop that holds it.</summary>
            public Instr Statement { get; }

            /// <summary>Which carried value of W is its counter; −1 when W is the write.</summary>
            public int Counter { get; }

            /// <summary>The instructions of W's body (of L's when W is the write) that compute the write, and the counter's next value, in order.</summary>
            public List<Instr> Slice { get; }

            /// <summary>The values from around the slice it reads, which the reverse of L's body must have (<see cref="TapePlan"/> plans them as its reads).</summary>
            public List<int> Needs { get; }
        }

        /// <summary>
        /// Fills <see cref="ReversePlan.Refilled"/> with the buffers whose reads <paramref name="c"/>'s plan records and that qualify
        /// (see above); returns them.
        /// </summary>
        public static List<int> Choose(ReversePlan c)
        {
            var recorded = new HashSet<int>();
            foreach (var records in c.Records.Values)
            {
                foreach (var v in records)
                {
                    if (!v.IsIterationCount && c.Info.TryGetDefinition(v.Id, out var read) && read.Op == Op.Read && read.Id == v.Id && c.BufferWrites.ContainsKey(read.Args[0])) recorded.Add(read.Args[0]);
                }
            }
            var chosen = new List<int>();
            foreach (int buffer in recorded.OrderBy(b => b))
            {
                if (Find(c, buffer) is not Refill refill) continue;
                c.Refilled[buffer] = refill;
                chosen.Add(buffer);
            }
            return chosen;
        }

        private static Refill? Find(ReversePlan c, int buffer)
        {
            var writes = c.BufferWrites[buffer];
            if (writes.Count != 1 || c.Info.RegionOf(writes[0].Id) is not Region region) return null;
            var store = writes[0];
            var owner = c.Info.OwnerOf(region);
            if (owner.Op != Op.While || !ReferenceEquals(owner.Regions[1], region)) return null;
            // W a counted loop directly in L's body, or the write directly in L's body.
            if (c.Info.RegionOf(owner.Id) is Region outer && c.Info.OwnerOf(outer) is { Op: Op.While } loop && ReferenceEquals(loop.Regions[1], outer)
                && Check(c, buffer, store, owner, loop) is Refill counted)
            {
                return counted;
            }
            return Check(c, buffer, store, store, owner);
        }

        private static Refill? Check(ReversePlan c, int buffer, Instr store, Instr statement, Instr loop)
        {
            if (!TapePlan.Reversed(c, statement) || !c.NeedsReverse(loop)) return null;
            // The outermost loop around L: what is invariant in it is invariant in every loop around W.
            var outermost = loop;
            for (var l = c.Info.LoopOf(loop.Id); l != null; l = c.Info.LoopOf(l.Id)) outermost = l;
            bool Invariant(int v) => c.Info.Trips.Invariant(v, outermost);
            int counter = -1;
            Region sliced = loop.Regions[1];
            var needs = new List<int>();
            if (!ReferenceEquals(statement, store))
            {
                sliced = statement.Regions[1];
                if (c.Info.Trips.Trips(statement) is not { Exact: true } trips) return null;
                counter = trips.Counter;
                int counterParam = sliced.Params[counter].Id;
                if (!c.InductionVariables(statement).ContainsKey(counterParam)) return null;
                if (!Invariant(statement.Args[counter]) || !Invariant(trips.Bound)) return null;
                if (!OpInfo.Indices(store).All(i => i == counterParam || Invariant(i))) return null;
                var condition = statement.Regions[0];
                foreach (var instr in condition.Body)
                {
                    if (!Cheap(c, instr)) return null;
                    foreach (int a in instr.Args)
                    {
                        if (c.Info.IsDefinedIn(a, condition)) { if (condition.Params.Any(p => p.Id == a) && a != condition.Params[counter].Id) return null; }
                        else needs.Add(a);
                    }
                }
                if (condition.Params.Any(p => p.Id == condition.Yields[0] && p.Id != condition.Params[counter].Id)) return null;
                needs.Add(statement.Args[counter]);
            }
            else if (!OpInfo.Indices(store).All(Invariant))
            {
                return null;
            }
            // The slice: what the write (and the counter's next value) is computed from in its block.
            var slice = new HashSet<int>();
            var work = new Stack<int>(store.Args.Skip(1));
            if (counter >= 0) work.Push(sliced.Yields[counter]);
            while (work.Count > 0)
            {
                int v = work.Pop();
                if (slice.Contains(v)) continue;
                if (!c.Info.IsDefinedIn(v, sliced))
                {
                    needs.Add(v);
                    continue;
                }
                if (sliced.Params.Any(p => p.Id == v))
                {
                    // W's counter is the refill loop's own; L's counters are rebuilt (Available); W's other carried values are not had.
                    if (counter < 0) needs.Add(v);
                    else if (v != sliced.Params[counter].Id) return null;
                    continue;
                }
                if (!c.Info.TryGetDefinition(v, out var def) || def.Id != v || !Cheap(c, def)) return null;
                slice.Add(v);
                foreach (int a in def.Args) work.Push(a);
            }
            var instrs = sliced.Body.Where(i => slice.Contains(i.Id) || ReferenceEquals(i, store)).ToList();
            if (instrs.Count(i => i.Op == Op.Element) > MaxLoads) return null;
            if (instrs.Count(i => i.Type.IsFloating && (i.Op == Op.Add || i.Op == Op.Sub || i.Op == Op.Mul || i.Op == Op.Neg)) > MaxFloatingOps) return null;
            var distinct = needs.Distinct().ToList();
            if (!distinct.All(v => Available(c, v, 0))) return null;
            int written = counter >= 0 ? sliced.Params[counter].Id : -1;
            return ReadsAllowed(c, buffer, store, statement, loop, written) ? new Refill(buffer, loop, statement, counter, instrs, distinct) : null;
        }

        /// <summary>What a refill may compute: cheap pure arithmetic, an input's element, an integer division by a constant; no floating division, no buffer read, no call.</summary>
        private static bool Cheap(ReversePlan c, Instr instr) =>
            !instr.HasRegions && (OpInfo.IsCheap(instr) || TapePlan.IsDivisionByConstant(c, instr));

        /// <summary>
        /// Whether the reverse of L's body has <paramref name="value"/> at its start without recording anything more: a value from
        /// outside every loop, a counter of a loop around W (rebuilt from the reverse loop's count), or cheap arithmetic of those.
        /// </summary>
        private static bool Available(ReversePlan c, int value, int depth)
        {
            if (c.Info.RegionOf(value) is not Region region) return true;
            var owner = c.Info.OwnerOf(region);
            if (region.Params.Any(p => p.Id == value))
            {
                return owner.Op == Op.While && ReferenceEquals(owner.Regions[1], region) && c.InductionVariables(owner).ContainsKey(value);
            }
            if (depth > 4 || !c.Info.TryGetDefinition(value, out var def) || def.Id != value || !Cheap(c, def)) return false;
            return def.Args.All(a => Available(c, a, depth + 1));
        }

        /// <summary>
        /// Whether every read of the buffer sees, in the reverse sweep, what it saw: inside W only after the write and at its index,
        /// which holds W's <paramref name="counter"/>;
        /// in L's body only after W; outside L only after it and in no loop around it. A length is no read.
        /// </summary>
        private static bool ReadsAllowed(ReversePlan c, int buffer, Instr store, Instr statement, Instr loop, int counter)
        {
            int after = statement.HasRegions ? c.Info.LastPositionOf(statement) : c.Info.PositionOf(statement.Id);
            foreach (var use in c.Info.UsesOf(buffer))
            {
                var user = use.User!;
                if (ReferenceEquals(user, store) || user.Op == Op.Length) continue;
                int at = c.Info.PositionOf(user.Id);
                if (statement.HasRegions && c.Info.IsInside(user.Id, statement))
                {
                    // At W's counter, an element each iteration writes once: the reverse sweep has it as the read saw it.
                    if (user.Op != Op.Read || at < c.Info.PositionOf(store.Id) || !OpInfo.Indices(store).Contains(counter)
                        || !OpInfo.Indices(user).SequenceEqual(OpInfo.Indices(store))) return false;
                    continue;
                }
                if (c.Info.IsInside(user.Id, loop))
                {
                    if (at <= after) return false;
                    continue;
                }
                if (at <= c.Info.LastPositionOf(loop)) return false;
                for (var around = c.Info.LoopOf(user.Id); around != null; around = c.Info.LoopOf(around.Id))
                {
                    if (c.Info.IsInside(loop.Id, around)) return false;
                }
            }
            return true;
        }

        /// <summary>The refills that start the reverse of <paramref name="region"/>, a loop's body (none for another region).</summary>
        public static List<Refill> Pending(ReversePlan c, Region region) =>
            c.Info.OwnerOf(region) is { Op: Op.While } loop && ReferenceEquals(loop.Regions[1], region) ? c.RefillsOf(loop).ToList() : new List<Refill>();

        /// <summary>
        /// Emits the refills of <paramref name="pending"/> whose statement comes before <paramref name="position"/>, and takes them
        /// off it: the reverse of a loop's body computes its cheap values again in order (<c>Reverse.Restore</c>), and those after
        /// the filling statement may read the buffer, those before it are what the filling reads.
        /// </summary>
        public static void EmitBefore(IrBuilder b, Analysis.FunctionInfo info, List<Refill> pending, Dictionary<int, int> local, int position)
        {
            for (int k = 0; k < pending.Count; k++)
            {
                if (info.PositionOf(pending[k].Statement.Id) >= position) continue;
                Emit(b, pending[k], local);
                pending.RemoveAt(k--);
            }
        }

        /// <summary>
        /// The refill of <paramref name="refill"/>'s buffer where the reverse of its loop's body starts, with the values of
        /// <paramref name="local"/>: the slice of W, as a loop over W's counter when W is one; nothing is recorded.
        /// </summary>
        private static void Emit(IrBuilder b, Refill refill, Dictionary<int, int> local)
        {
            var map = new Dictionary<int, int>(local);
            if (refill.Counter < 0)
            {
                Replay.CopyBlock(b, refill.Slice, map, simplify: false);
                return;
            }
            var statement = refill.Statement;
            var condition = statement.Regions[0];
            var body = statement.Regions[1];
            var counter = body.Params[refill.Counter];
            var signature = new[] { (counter.Name, counter.Type) };
            // What does not follow from the counter (ix·d) is computed once, before the loop; not a load or a division, which
            // may throw where the loop would not run.
            var varying = new HashSet<int> { counter.Id };
            foreach (var instr in refill.Slice)
            {
                if (instr.Op is Op.Write or Op.Element or Op.Div or Op.Rem || instr.Args.Any(varying.Contains)) varying.Add(instr.Id);
            }
            Replay.CopyBlock(b, refill.Slice.Where(i => !varying.Contains(i.Id)), map, simplify: false);
            map[condition.Params[refill.Counter].Id] = b.BeginRegion(signature)[0];
            Replay.CopyBlock(b, condition.Body, map, simplify: false);
            var conditionRegion = b.EndRegion(new[] { map[condition.Yields[0]] });
            map[counter.Id] = b.BeginRegion(signature)[0];
            Replay.CopyBlock(b, refill.Slice.Where(i => varying.Contains(i.Id)), map, simplify: false);
            var bodyRegion = b.EndRegion(new[] { map[body.Yields[refill.Counter]] });
            b.EmitStructured(Op.While, new[] { map[statement.Args[refill.Counter]] }, new[] { conditionRegion, bodyRegion }, new[] { ((string?)counter.Name, counter.Type) });
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The pass <c>fuse-adjoint-loops</c>, run on each finished companion with a loop: two loops of one block that run
    /// the same iterations (an exact trip count with the same bound, start and step) become one loop running the first's
    /// body then the second's in every iteration, when no dependence between them is broken. The reverse sweep of one
    /// source loop nest is several such loops over the same counter (GMM: four per component); fused, each element an
    /// iteration makes is used while it is still in a register, and the counter is stepped once.
    /// <para>
    /// The test: for every buffer both loops touch, with a write in at least one, each access's index is written as
    /// <c>A·counter + K + Σ cᵢ·vᵢ + N</c> (vᵢ values defined outside both loops, N ≥ 0 a sum of inner-loop counters known
    /// to be non-negative); an access of the first loop and one of the second that may touch the same element must have
    /// the first's iteration run no later than the second's (in the same iteration the first's part runs first). Distinct
    /// buffers the function allocates never alias; span parameters may alias each other, so two of them with a write
    /// block the fusion unless both loops only add into them (additions commute: the numbers are the same unless the
    /// caller passes overlapping spans, when only the order of the additions changes). A call, a throw, a guard or a
    /// tape both loops use blocks it. A store of a constant in the second loop that nothing after it (in its
    /// iteration or a later one) touches may move into a loop of its own after the fused one, when that is what blocks
    /// the fusion: the reverse sweep's <c>b̄[t] = 0</c> after its last read. Instructions between the loops move: pure
    /// ones not using the first loop's results before it, the others (which the second loop must not use or
    /// conflict with) after the fused loop.
    /// </para>
    /// <para>
    /// Nothing is computed differently and every element access runs as many times with the same operands, so the
    /// numbers are bit for bit the same (the additions into possibly aliasing spans aside, above). An index out of
    /// range throws the same exception, with other adjoints half written than before: a throwing companion's outputs are
    /// unspecified either way.
    /// </para>
    /// </summary>
    public static class FuseAdjointLoops
    {
        public const string Name = "fuse-adjoint-loops";

        /// <summary>At most this many fusions per function (each rebuilds it; a reverse sweep has a few per loop nest).</summary>
        private const int Rounds = 64;

        public static IrFunction Run(IrFunction function)
        {
            bool fused = false;
            for (int round = 0; round < Rounds; round++)
            {
                var info = FunctionInfo.Of(function);
                var plan = new Planner(info).Find();
                if (plan == null) break;
                function = new Rewriter(info, plan).Build();
                fused = true;
            }
            // (The second loop's counter step, now the first's, may be left unused.)
            if (fused) function = Simplify.EliminateDeadCode(function);
            return ZeroStarts(function);
        }

        /// <summary>
        /// The rows of a reverse sweep that first touch a zeroed adjoint element: <c>b̄[t] += e</c> becomes
        /// <c>b̄[t] = e</c> and the loop clearing b̄ after them goes. The case (GMM's <c>qxcenteredAdj</c> per component):
        /// a block holds a loop M counting t = n − 1 down to 0 and, after it, a loop C writing +0 to every element of b̄
        /// (n elements, n its length); nothing else anywhere touches b̄'s elements, and b̄ is made zeroed. So b̄ is all
        /// zeros whenever the block starts. In M, the first access of each iteration is <c>b̄[t] += e</c> at the body's
        /// level, and every access is at an index t + c, c ≥ 0 (t itself, or t + 1 + an inner counter): the iterations
        /// before touched only indices above t, so the addition finds b̄[t] at 0 and is the write of e. Then every read
        /// in the block is of an element written earlier in the same run of it (an index in (t, n) was written by an
        /// earlier iteration, t by this one; larger ones are out of range), so nothing reads what C stored, and C goes.
        /// The same numbers (0 + e is e; a −0.0 may come out as −0.0 where it came out +0.0).
        /// </summary>
        private static IrFunction ZeroStarts(IrFunction function)
        {
            var info = FunctionInfo.Of(function);
            var rows = new Planner(info).ZeroStarts();
            if (rows.Count == 0) return function;
            return new Copier(info, rows).Build();
        }

        /// <summary>An index as <c>A·counter + K + Σ Sym + N</c>, N ≥ 0 when <see cref="NonNegative"/> (else N = 0).</summary>
        private sealed class Form
        {
            public long A;
            public long K;
            public Dictionary<int, long> Sym = new Dictionary<int, long>();
            public bool NonNegative;

            public Form Plus(Form other, long sign)
            {
                var result = new Form { A = A + sign * other.A, K = K + sign * other.K, Sym = new Dictionary<int, long>(Sym), NonNegative = NonNegative || other.NonNegative };
                foreach (var kv in other.Sym)
                {
                    result.Sym.TryGetValue(kv.Key, out long c);
                    c += sign * kv.Value;
                    if (c == 0) result.Sym.Remove(kv.Key);
                    else result.Sym[kv.Key] = c;
                }
                return result;
            }

            public Form Times(long c) => new Form
            {
                A = A * c, K = K * c, Sym = Sym.Where(kv => kv.Value * c != 0).ToDictionary(kv => kv.Key, kv => kv.Value * c), NonNegative = NonNegative && c != 0,
            };

            public bool SameSymbols(Form other) => Sym.Count == other.Sym.Count && Sym.All(kv => other.Sym.TryGetValue(kv.Key, out long c) && c == kv.Value);
        }

        /// <summary>One element access (or, with no <see cref="Form"/>, an access to any element) of a loop or an instruction.</summary>
        private sealed class Access
        {
            public Access(int buffer, bool writes, bool adds, Form? form, int position, Instr instr)
            {
                Buffer = buffer;
                Writes = writes;
                Adds = adds;
                Form = form;
                Position = position;
                Instr = instr;
            }

            public int Buffer { get; }
            public bool Writes { get; }
            /// <summary>Only adds into the element (<see cref="Op.AddTo"/>).</summary>
            public bool Adds { get; }
            public Form? Form { get; }
            /// <summary>The index in the loop body of the top-level instruction it is in (−1 in the condition).</summary>
            public int Position { get; }
            public Instr Instr { get; }
        }

        /// <summary>What an instruction or loop touches: element accesses, tapes, or something this pass cannot follow.</summary>
        private sealed class Footprint
        {
            public List<Access> Accesses { get; } = new List<Access>();
            public HashSet<string> Tapes { get; } = new HashSet<string>();
            public bool Opaque { get; set; }
        }

        /// <summary>One fusion: loops <see cref="First"/> and <see cref="Second"/> of <see cref="Block"/> (null: the function body).</summary>
        private sealed class Plan
        {
            public Region? Block;
            public int First, Second, Counter1, Counter2;
            public HashSet<int> Before = new HashSet<int>();
            public List<int> After = new List<int>();
            /// <summary>Constant stores of the second loop's body moved into a loop of their own after the fused one.</summary>
            public List<Instr> Split = new List<Instr>();
        }

        private sealed class Planner
        {
            private readonly FunctionInfo _info;
            private readonly Dictionary<int, bool> _own = new Dictionary<int, bool>();

            public Planner(FunctionInfo info) => _info = info;

            public Plan? Find() => Search(_info.Function.Body, null);

            /// <summary>For each case of <see cref="FuseAdjointLoops.ZeroStarts"/>: the addition that becomes a write, and the clearing loop.</summary>
            public List<(Instr Add, Instr Clear)> ZeroStarts()
            {
                var found = new List<(Instr, Instr)>();
                foreach (var clear in _info.Loops)
                {
                    if (Cleared(clear) is not (int buffer, int length)) continue;
                    var block = _info.RegionOf(clear.Id);
                    var body = block == null ? _info.Function.Body : block.Body;
                    // Every element access of the buffer is in one earlier loop of the block, or in the clearing loop.
                    Instr? rows = null;
                    bool ok = true;
                    foreach (var use in _info.UsesOf(buffer))
                    {
                        if (use.User is not Instr user) { ok = false; break; }
                        if (user.Op == Op.Length || (user.Op == Op.NewBuffer && user.Buffer != BufferKind.Copy)) continue;
                        if (Within(user, clear)) continue;
                        var top = body.FirstOrDefault(i => i.Op == Op.While && Within(user, i));
                        if (top == null || (rows != null && !ReferenceEquals(top, rows))) { ok = false; break; }
                        rows = top;
                    }
                    if (!ok || rows == null || _info.PositionOf(rows.Id) > _info.PositionOf(clear.Id)) continue;
                    if (FirstTouch(rows, buffer, length) is Instr add) found.Add((add, clear));
                }
                return found;
            }

            /// <summary>Whether <paramref name="instr"/> is <paramref name="outer"/> or inside it.</summary>
            private bool Within(Instr instr, Instr outer)
            {
                int at = _info.PositionOf(instr.Id);
                return at >= _info.PositionOf(outer.Id) && at <= _info.LastPositionOf(outer);
            }

            /// <summary>
            /// When <paramref name="loop"/> is <c>while (p &gt; 0) { t = p − 1; …; b[t] = +0 …; yield t }</c> with p from
            /// b's length (or counting 0 up to it, b[p] = +0), the loop's only effect, on a zeroed buffer the function
            /// owns: the buffer and its length.
            /// </summary>
            private (int, int)? Cleared(Instr loop)
            {
                if (Counter(loop) is not (int c, TripCount trips) || trips.Inclusive || loop.Regions[1].Body.Any(i => i.HasRegions)) return null;
                var body = loop.Regions[1];
                var stores = body.Body.Where(i => !OpInfo.IsPure(i)).ToList();
                if (stores.Count != 1 || stores[0].Op != Op.Write || OpInfo.IndexCount(stores[0]) != 1) return null;
                if (body.Body.Any(i => OpInfo.IsPure(i) && i.Type.Kind != ValueKind.Integer && i.Type.Kind != ValueKind.Bool)) return null;
                var store = stores[0];
                int buffer = store.Args[0];
                if (!Own(buffer) || !_info.TryGetDefinition(buffer, out var made) || made.Buffer == BufferKind.Copy) return null;
                if (!_info.IsConst(OpInfo.StoredValue(store), out double zero) || zero != 0 || 1 / zero < 0) return null;
                int length = made.Args[0];
                var form = Decompose(store.Args[1], loop, body.Params[c].Id, 0);
                if (form == null || form.A != 1 || form.Sym.Count != 0 || form.NonNegative) return null;
                bool down = trips.Step == -1 && Same(loop.Args[c], length) && _info.IsConst(trips.Bound, out double low) && low == 0 && form.K == -1;
                bool up = trips.Step == 1 && _info.IsConst(loop.Args[c], out double start) && start == 0 && Same(trips.Bound, length) && form.K == 0;
                return down || up ? (buffer, length) : null;
            }

            /// <summary>
            /// The addition that first touches b[t] in each iteration of <paramref name="rows"/> (counting t = n − 1 down to
            /// 0, n the buffer's length), when every access of the buffer in it is at t or above; otherwise null.
            /// </summary>
            private Instr? FirstTouch(Instr rows, int buffer, int length)
            {
                if (Counter(rows) is not (int c, TripCount trips) || trips.Step != -1 || trips.Inclusive) return null;
                if (!Same(rows.Args[c], length) || !_info.IsConst(trips.Bound, out double low) || low != 0) return null;
                var body = rows.Regions[1];
                int p = body.Params[c].Id;
                if (IrWalk.All(rows.Regions[0].Body).Any(i => i.Args.Contains(buffer))) return null;
                Instr? first = null;
                foreach (var instr in IrWalk.All(body.Body))
                {
                    if (!instr.Args.Contains(buffer)) continue;
                    if (!OpInfo.IndexesSequence(instr.Op) || instr.Args[0] != buffer || OpInfo.IndexCount(instr) != 1 || instr.Args.Skip(1).Contains(buffer)) return null;
                    var form = Decompose(instr.Args[1], rows, p, 0);
                    if (form == null || form.A != 1 || form.Sym.Count != 0 || form.K < -1) return null;
                    if (first != null) continue;
                    // The iteration's first access: b[t] += e at the body's own level, t exactly p − 1.
                    if (instr.Op != Op.AddTo || !ReferenceEquals(_info.RegionOf(instr.Id), body) || form.K != -1 || form.NonNegative) return null;
                    first = instr;
                }
                return first;
            }

            private Plan? Search(EquatableArray<Instr> body, Region? block)
            {
                for (int i = 0; i < body.Count; i++)
                {
                    if (body[i].Op == Op.While && TryFrom(body, block, i) is Plan plan) return plan;
                }
                foreach (var instr in body)
                {
                    foreach (var region in instr.Regions)
                    {
                        if (Search(region.Body, region) is Plan plan) return plan;
                    }
                }
                return null;
            }

            /// <summary>A fusion of the loop at <paramref name="first"/> with a later loop of the block, if one is possible.</summary>
            private Plan? TryFrom(EquatableArray<Instr> body, Region? block, int first)
            {
                var l1 = body[first];
                if (Counter(l1) is not (int c1, TripCount t1)) return null;
                Footprint? f1 = null;
                for (int j = first + 1; j < body.Count; j++)
                {
                    var l2 = body[j];
                    if (l2.Op != Op.While || Counter(l2) is not (int c2, TripCount t2)) continue;
                    if (t1.Step != t2.Step || t1.Inclusive != t2.Inclusive || !Same(t1.Bound, t2.Bound) || !Same(l1.Args[c1], l2.Args[c2])) continue;
                    f1 ??= LoopFootprint(l1, c1);
                    if (f1.Opaque) return null;
                    var f2 = LoopFootprint(l2, c2);
                    if (f2.Opaque) continue;
                    var plan = new Plan { Block = block, First = first, Second = j, Counter1 = c1, Counter2 = c2 };
                    if (!Between(body, plan, l1, l2, f2)) continue;
                    if (Independent(f1, f2, t1.Step)) return plan;
                    // What a constant store of the second loop blocks, it may move after the fused loop.
                    var split = Splittable(l2, c2, f2, t2.Step);
                    if (split.Count == 0) continue;
                    if (!Independent(f1, Without(f2, split), t1.Step)) continue;
                    // Only the stores needed: keep each that blocks nothing on its own.
                    foreach (var store in split.ToList())
                    {
                        var fewer = split.Where(s => !ReferenceEquals(s, store)).ToList();
                        if (Independent(f1, Without(f2, fewer), t1.Step)) split = fewer;
                    }
                    // A loop of nothing but the moved stores gains nothing (and would be split again).
                    if (!f2.Accesses.Any(a => a.Writes && !split.Contains(a.Instr)) && f2.Tapes.Count == 0) continue;
                    plan.Split = split;
                    return plan;
                }
                return null;
            }

            private static Footprint Without(Footprint f, List<Instr> split)
            {
                var result = new Footprint { Opaque = f.Opaque };
                result.Tapes.UnionWith(f.Tapes);
                result.Accesses.AddRange(f.Accesses.Where(a => !split.Contains(a.Instr)));
                return result;
            }

            /// <summary>The loop's counter and exact trip count: a ±1 induction variable its only condition tests.</summary>
            private (int, TripCount)? Counter(Instr loop)
            {
                var trips = _info.Trips.Trips(loop);
                if (trips == null || !trips.Exact) return null;
                if (!_info.InductionVariables(loop).Any(v => v.Index == trips.Counter && v.Step == trips.Step)) return null;
                if (loop.Regions[0].Body.Any(i => i.HasRegions || !OpInfo.IsPure(i))) return null;
                return (trips.Counter, trips);
            }

            /// <summary>Whether two values are the same number on entry to either loop: one value, equal constants, or the same pure operation of such.</summary>
            private bool Same(int a, int b)
            {
                if (a == b) return true;
                if (_info.IsConst(a, out double x) && _info.IsConst(b, out double y)) return x == y && _info.TypeOf(a) == _info.TypeOf(b);
                if (!_info.TryGetDefinition(a, out var da) || !_info.TryGetDefinition(b, out var db) || da.HasRegions || db.HasRegions) return false;
                if (da.Id != a || db.Id != b || da.Op != db.Op || da.Type != db.Type || !Equals(da.Payload, db.Payload) || da.Args.Count != db.Args.Count) return false;
                if (!OpInfo.IsPure(da) || (OpInfo.Row(da.Op).ReadsElements && da.Args.Any(IsMutable))) return false;
                for (int k = 0; k < da.Args.Count; k++) if (!Same(da.Args[k], db.Args[k])) return false;
                return true;
            }

            /// <summary>
            /// Places the instructions between the loops: pure ones not using the first loop's results go before it, the
            /// others after the fused loop, when the second loop uses none of their values and touches nothing they touch.
            /// </summary>
            private bool Between(EquatableArray<Instr> body, Plan plan, Instr l1, Instr l2, Footprint f2)
            {
                var late = new HashSet<int>(l1.Results.Select(r => r.Id));
                for (int k = plan.First + 1; k < plan.Second; k++)
                {
                    var instr = body[k];
                    bool pure = !instr.HasRegions && OpInfo.IsPure(instr) && !(OpInfo.Row(instr.Op).ReadsElements && instr.Args.Any(IsMutable));
                    if (pure && !instr.Args.Any(late.Contains))
                    {
                        plan.Before.Add(k);
                        continue;
                    }
                    var footprint = new Footprint();
                    Walk(instr, -1, null, -1, footprint);
                    if (footprint.Opaque || !Independent(footprint, f2, 0)) return false;
                    plan.After.Add(k);
                    late.Add(instr.Id);
                    foreach (var r in instr.Results) late.Add(r.Id);
                }
                if (l2.Args.Any(late.Contains) || Activity.FreeValues(l2.Regions).Any(late.Contains)) return false;
                return true;
            }

            private bool IsMutable(int value) => IrBuilder.IsMutableSequence(_info.TypeOf(value), _info.Definition(value));

            private bool Own(int buffer)
            {
                if (!_own.TryGetValue(buffer, out bool own)) _own[buffer] = own = PromoteElements.OwnBuffer(_info, buffer);
                return own;
            }

            private Footprint LoopFootprint(Instr loop, int counter)
            {
                var footprint = new Footprint();
                int p = loop.Regions[1].Params[counter].Id;
                foreach (var instr in loop.Regions[0].Body) Walk(instr, -1, loop, p, footprint);
                var body = loop.Regions[1].Body;
                for (int k = 0; k < body.Count; k++) Walk(body[k], k, loop, p, footprint);
                return footprint;
            }

            /// <summary>Adds what <paramref name="instr"/> touches; indices as forms over counter <paramref name="p"/> of <paramref name="loop"/> (none: no forms).</summary>
            private void Walk(Instr instr, int position, Instr? loop, int p, Footprint into)
            {
                foreach (var region in instr.Regions)
                {
                    foreach (var inner in region.Body) Walk(inner, position, loop, p, into);
                }
                if (instr.HasRegions) return;
                if (instr.Op != Op.NewBuffer && instr.Op != Op.Table && instr.Type.Kind == ValueKind.Sequence) into.Opaque = true; // a view of another sequence
                switch (instr.Op)
                {
                    case Op.Read:
                    case Op.Element:
                        if (IsMutable(instr.Args[0])) Add(instr, false, false, position, loop, p, into);
                        return;
                    case Op.Write:
                    case Op.AddTo:
                        Add(instr, true, instr.Op == Op.AddTo, position, loop, p, into);
                        return;
                    case Op.Push:
                    case Op.Pop:
                        into.Tapes.Add(instr.Tape.Of.Display);
                        if (instr.Args.Count == 1 && _info.TypeOf(instr.Args[0]).Kind == ValueKind.Sequence)
                        {
                            into.Accesses.Add(new Access(instr.Args[0], instr.Op == Op.Pop, false, null, position, instr));
                        }
                        return;
                    case Op.Length:
                    case Op.NewBuffer:
                        return;
                    case Op.Reserve:
                        into.Tapes.Add(instr.Room.Of.Display);
                        return;
                }
                if (OpInfo.HasEffect(instr) || OpInfo.Row(instr.Op).Ordered) into.Opaque = true;
                else
                {
                    foreach (int arg in instr.Args)
                    {
                        if (IsMutable(arg)) into.Accesses.Add(new Access(arg, false, false, null, position, instr));
                    }
                }
            }

            private void Add(Instr instr, bool writes, bool adds, int position, Instr? loop, int p, Footprint into)
            {
                int buffer = instr.Args[0];
                // A buffer made inside the loop is the loop's own.
                if (loop != null && _info.IsInside(buffer, loop)) return;
                var form = loop != null && OpInfo.IndexCount(instr) == 1 ? Decompose(instr.Args[1], loop, p, 0) : null;
                into.Accesses.Add(new Access(buffer, writes, adds, form, position, instr));
            }

            /// <summary>The index <paramref name="v"/> as a <see cref="Form"/> over counter <paramref name="p"/> of <paramref name="loop"/>, or null.</summary>
            private Form? Decompose(int v, Instr loop, int p, int depth)
            {
                if (depth > 32) return null;
                if (v == p) return new Form { A = 1 };
                if (_info.IsConst(v, out double c))
                {
                    if (_info.TypeOf(v).Kind != ValueKind.Integer || c != System.Math.Floor(c)) return null;
                    return new Form { K = (long)c };
                }
                if (_info.TypeOf(v).Kind != ValueKind.Integer) return null;
                if (!_info.IsInside(v, loop))
                {
                    var outside = new Form();
                    outside.Sym[v] = 1;
                    return outside;
                }
                if (!_info.TryGetDefinition(v, out var d))
                {
                    // A carried value of a loop inside: its counter, bounded below.
                    if (!(_info.RegionOf(v) is Region region) || !(_info.OwnerOf(region) is var inner) || inner.Op != Op.While || !ReferenceEquals(inner.Regions[1], region)) return null;
                    var trips = _info.Trips.Trips(inner);
                    if (trips == null || region.Params[trips.Counter].Id != v) return null;
                    Form? low;
                    if (trips.Step > 0) low = Decompose(inner.Args[trips.Counter], loop, p, depth + 1);
                    else low = Decompose(trips.Bound, loop, p, depth + 1)?.Plus(new Form { K = trips.Inclusive ? 0 : 1 }, 1);
                    return low?.Plus(new Form { NonNegative = true }, 1);
                }
                if (d.Id != v) return null;
                if (d.HasRegions || d.Args.Count != 2) return null;
                switch (d.Op)
                {
                    case Op.Add:
                    case Op.Sub:
                    {
                        var x = Decompose(d.Args[0], loop, p, depth + 1);
                        var y = x == null ? null : Decompose(d.Args[1], loop, p, depth + 1);
                        if (x == null || y == null) return null;
                        if (d.Op == Op.Sub && y.NonNegative) return null;
                        return x.Plus(y, d.Op == Op.Add ? 1 : -1);
                    }
                    case Op.Mul:
                    {
                        int k = _info.IsConst(d.Args[1], out _) ? 1 : _info.IsConst(d.Args[0], out _) ? 0 : -1;
                        if (k < 0 || !_info.IsConst(d.Args[k], out double factor) || factor != System.Math.Floor(factor)) return null;
                        var x = Decompose(d.Args[1 - k], loop, p, depth + 1);
                        if (x == null || (x.NonNegative && factor < 0)) return null;
                        return x.Times((long)factor);
                    }
                    default:
                        return null;
                }
            }

            /// <summary>
            /// Whether everything <paramref name="first"/> does may run, iteration by iteration, before what
            /// <paramref name="second"/> does in the same or a later iteration (<paramref name="step"/>: the counter's;
            /// 0: no common iterations, any common element conflicts).
            /// </summary>
            private bool Independent(Footprint first, Footprint second, int step)
            {
                if (first.Opaque || second.Opaque || first.Tapes.Overlaps(second.Tapes)) return false;
                foreach (var a in first.Accesses)
                {
                    foreach (var b in second.Accesses)
                    {
                        if (!a.Writes && !b.Writes) continue;
                        if (a.Buffer != b.Buffer)
                        {
                            if (Own(a.Buffer) || Own(b.Buffer)) continue;
                            if (a.Adds && b.Adds) continue;
                            return false;
                        }
                        if (step == 0 || !Ordered(a.Form, b.Form, step)) return false;
                    }
                }
                return true;
            }

            /// <summary>Whether an element both may touch is touched by <paramref name="a"/>'s iteration no later than by <paramref name="b"/>'s.</summary>
            private static bool Ordered(Form? a, Form? b, int step)
            {
                if (a == null || b == null || !a.SameSymbols(b) || a.A != b.A) return false;
                long d0 = b.K - a.K;
                if (a.A == 0)
                {
                    // The same elements in every iteration: only disjoint ones are safe.
                    if (!a.NonNegative && !b.NonNegative) return d0 != 0;
                    if (!a.NonNegative) return d0 > 0;
                    if (!b.NonNegative) return d0 < 0;
                    return false;
                }
                // A·(c₁ − c₂) = d0 + N_b − N_a; c₁ must not come after c₂: step·(c₁ − c₂) ≤ 0.
                return System.Math.Sign(step) * System.Math.Sign(a.A) > 0 ? !b.NonNegative && d0 <= 0 : !a.NonNegative && d0 >= 0;
            }

            /// <summary>
            /// The second loop's top-level stores of a constant into an own buffer, at <c>A·counter + K</c>, that nothing
            /// after them in the body, nor anything in a later iteration, touches; and whose index and the loop's condition
            /// need only the counter.
            /// </summary>
            private List<Instr> Splittable(Instr loop, int counter, Footprint footprint, int step)
            {
                var found = new List<Instr>();
                var condition = loop.Regions[0];
                var body = loop.Regions[1];
                int pc = condition.Params[counter].Id, pb = body.Params[counter].Id;
                var others = new HashSet<int>(condition.Params.Where(q => q.Id != pc).Select(q => q.Id));
                if (Activity.FreeValues(new[] { condition }).Any(others.Contains) || condition.Yields.Any(others.Contains)) return found;
                if (Slice(body, new[] { body.Yields[counter] }, pb) == null) return found;
                foreach (var access in footprint.Accesses)
                {
                    var store = access.Instr;
                    if (store.Op != Op.Write || access.Position < 0 || !ReferenceEquals(body.Body[access.Position], store)) continue;
                    if (access.Form is not Form z || z.A == 0 || z.NonNegative || !Own(store.Args[0]) || _info.IsInside(store.Args[0], loop)) continue;
                    if (!_info.IsConst(OpInfo.StoredValue(store), out _)) continue;
                    if (Slice(body, new[] { store.Args[1] }, pb) == null) continue;
                    bool safe = true;
                    foreach (var other in footprint.Accesses)
                    {
                        if (ReferenceEquals(other, access) || other.Buffer != store.Args[0]) continue;
                        if (other.Form is not Form o || !o.SameSymbols(z) || o.A != z.A) { safe = false; break; }
                        long d0 = o.K - z.K;
                        bool after = other.Position > access.Position || other.Position < 0;
                        // Same element at A·(c − c′) = d0 + N′; c′ later: s·D < 0, with s the sign of step·A.
                        if (System.Math.Sign(step) * System.Math.Sign(z.A) > 0) safe = after ? d0 > 0 : d0 >= 0;
                        else safe = !o.NonNegative && (after ? d0 < 0 : d0 <= 0);
                        if (!safe) break;
                    }
                    if (safe) found.Add(store);
                }
                return found;
            }
        }

        /// <summary>
        /// The top-level pure instructions of <paramref name="body"/> that <paramref name="roots"/> need, in order, when
        /// they need nothing else of the body but its counter <paramref name="counter"/>; null otherwise.
        /// </summary>
        private static List<Instr>? Slice(Region body, IEnumerable<int> roots, int counter)
        {
            var byId = new Dictionary<int, Instr>();
            foreach (var instr in body.Body) byId[instr.Id] = instr;
            var paramIds = new HashSet<int>(body.Params.Select(q => q.Id));
            var needed = new HashSet<int>();
            var pending = new Stack<int>(roots);
            while (pending.Count > 0)
            {
                int v = pending.Pop();
                if (v == counter || !needed.Add(v)) continue;
                if (paramIds.Contains(v)) return null;
                if (!byId.TryGetValue(v, out var d)) continue; // defined outside the body
                if (d.HasRegions || !(d.Op is Op.Const or Op.Add or Op.Sub or Op.Mul or Op.Neg or Op.Length or Op.Convert)) return null;
                foreach (int arg in d.Args) pending.Push(arg);
            }
            return body.Body.Where(i => needed.Contains(i.Id)).ToList();
        }

        private sealed class Rewriter
        {
            private readonly FunctionInfo _info;
            private readonly Plan _plan;
            private readonly IrBuilder _b = new IrBuilder();
            private readonly Dictionary<int, int> _map = new Dictionary<int, int>();

            public Rewriter(FunctionInfo info, Plan plan)
            {
                _info = info;
                _plan = plan;
            }

            public IrFunction Build()
            {
                var function = _info.Function;
                foreach (var p in function.Params) _map[p.Id] = _b.Param(p.Name, p.Type);
                Block(function.Body, null, null);
                return _b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, _map[r.Value])));
            }

            private void Block(EquatableArray<Instr> body, Region? block, HashSet<Instr>? skip)
            {
                bool planned = ReferenceEquals(block, _plan.Block);
                for (int i = 0; i < body.Count; i++)
                {
                    var instr = body[i];
                    if (skip != null && skip.Contains(instr)) continue;
                    if (planned && i > _plan.First && i <= _plan.Second) continue;
                    if (planned && i == _plan.First)
                    {
                        foreach (int k in _plan.Before.OrderBy(k => k)) Copy(body[k]);
                        Fuse(body[_plan.First], body[_plan.Second]);
                        foreach (int k in _plan.After) Copy(body[k]);
                        continue;
                    }
                    Copy(instr);
                }
            }

            private void Copy(Instr instr)
            {
                if (!instr.HasRegions && instr.Results.Count == 0)
                {
                    Replay.Copy(_b, instr, _map, simplify: false);
                    return;
                }
                var regions = instr.Regions.Select(r => Region(r, null)).ToList();
                var ids = _b.EmitStructured(instr.Op, instr.Args.Select(a => _map[a]).ToArray(), regions, Results(instr.Results), instr.Payload);
                for (int i = 0; i < ids.Length; i++) _map[instr.Results[i].Id] = ids[i];
            }

            private static List<(string?, TypeRef)> Results(IEnumerable<IrParam> results) =>
                results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList();

            private Region Region(Region region, HashSet<Instr>? skip)
            {
                var ids = _b.BeginRegion(region.Params.Select(p => (p.Name, p.Type)).ToList());
                for (int i = 0; i < ids.Length; i++) _map[region.Params[i].Id] = ids[i];
                Block(region.Body, region, skip);
                return _b.EndRegion(region.Yields.Select(y => _map[y]).ToList());
            }

            /// <summary>The fused loop (the first's carried values, then the second's but its counter), then the moved stores' loop.</summary>
            private void Fuse(Instr l1, Instr l2)
            {
                int c2 = _plan.Counter2;
                IEnumerable<T> Rest<T>(IEnumerable<T> items) => items.Where((_, k) => k != c2);
                var args = l1.Args.Select(a => _map[a]).Concat(Rest(l2.Args).Select(a => _map[a])).ToArray();

                var condition = l1.Regions[0];
                var ids = _b.BeginRegion(condition.Params.Concat(Rest(l2.Regions[0].Params)).Select(p => (p.Name, p.Type)).ToList());
                for (int i = 0; i < condition.Params.Count; i++) _map[condition.Params[i].Id] = ids[i];
                Block(condition.Body, condition, null);
                var test = _b.EndRegion(condition.Yields.Select(y => _map[y]).ToList());

                var body1 = l1.Regions[1];
                var body2 = l2.Regions[1];
                ids = _b.BeginRegion(body1.Params.Concat(Rest(body2.Params)).Select(p => (p.Name, p.Type)).ToList());
                for (int i = 0; i < body1.Params.Count; i++) _map[body1.Params[i].Id] = ids[i];
                var rest2 = Rest(body2.Params).ToList();
                for (int i = 0; i < rest2.Count; i++) _map[rest2[i].Id] = ids[body1.Params.Count + i];
                _map[body2.Params[c2].Id] = _map[body1.Params[_plan.Counter1].Id];
                Block(body1.Body, body1, null);
                Block(body2.Body, body2, new HashSet<Instr>(_plan.Split, ReferenceComparer<Instr>.Instance));
                var body = _b.EndRegion(body1.Yields.Concat(Rest(body2.Yields)).Select(y => _map[y]).ToList());

                var results = _b.EmitStructured(Op.While, args, new[] { test, body }, Results(l1.Results.Concat(Rest(l2.Results))), l1.Payload);
                for (int i = 0; i < l1.Results.Count; i++) _map[l1.Results[i].Id] = results[i];
                var rest = Rest(l2.Results).ToList();
                for (int i = 0; i < rest.Count; i++) _map[rest[i].Id] = results[l1.Results.Count + i];
                _map[l2.Results[c2].Id] = _map[l1.Results[_plan.Counter1].Id];

                if (_plan.Split.Count > 0) Stores(l2);
            }

            /// <summary><c>while (cond(p)) { index; b[index] = k; p ± 1 }</c>: the second loop's moved stores, on its counter alone.</summary>
            private void Stores(Instr l2)
            {
                int c2 = _plan.Counter2;
                var condition = l2.Regions[0];
                var body = l2.Regions[1];
                int start = _map[l2.Args[c2]];
                var cp = condition.Params[c2];
                var ids = _b.BeginRegion(new[] { (cp.Name, cp.Type) });
                _map[cp.Id] = ids[0];
                foreach (var instr in condition.Body) Replay.Copy(_b, instr, _map, simplify: false);
                var test = _b.EndRegion(condition.Yields.Select(y => _map[y]).ToList());

                var bp = body.Params[c2];
                ids = _b.BeginRegion(new[] { (bp.Name, bp.Type) });
                _map[bp.Id] = ids[0];
                var roots = _plan.Split.Select(s => s.Args[1]).Concat(new[] { body.Yields[c2] });
                foreach (var instr in Slice(body, roots, bp.Id)!) Replay.Copy(_b, instr, _map, simplify: false);
                foreach (var store in _plan.Split) Replay.Copy(_b, store, _map, simplify: false);
                var next = _b.EndRegion(new[] { _map[body.Yields[c2]] });
                _b.EmitStructured(Op.While, new[] { start }, new[] { test, next }, Results(new[] { l2.Results[c2] }), l2.Payload);
            }
        }

        /// <summary>Copies the function with each first-touch addition a write and each clearing loop gone (<see cref="ZeroStarts"/>).</summary>
        private sealed class Copier : FunctionCopy
        {
            private readonly HashSet<Instr> _adds;
            private readonly HashSet<Instr> _clears;

            public Copier(FunctionInfo info, List<(Instr Add, Instr Clear)> rows) : base(info)
            {
                _adds = new HashSet<Instr>(rows.Select(r => r.Add), ReferenceComparer<Instr>.Instance);
                _clears = new HashSet<Instr>(rows.Select(r => r.Clear), ReferenceComparer<Instr>.Instance);
            }

            protected override bool Rewrite(Instr instr)
            {
                if (_clears.Contains(instr)) return true;
                if (!_adds.Contains(instr)) return false;
                Builder.Emit(Op.Write, IrBuilder.Void, instr.Args.Select(a => Map[a]).ToArray(), payload: instr.Payload);
                return true;
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Runs a reverse loop that sums into a local adjoint several iterations at a time, in the lanes of a
    /// <c>System.Numerics.Vector&lt;T&gt;</c>: <c>x̄ += ȳ[j]·a[l + j]; ā[l + j] += ȳ[j]·x</c> (GMM's triangular reverse,
    /// the reverse of every column-by-column matrix product) becomes a loop of <see cref="Vector{T}"/> loads, products and
    /// additions into a vector of partial sums, whose lanes are added to x̄ after it, then the scalar loop for the
    /// iterations left. A scalar sum is a chain of dependent additions, one per iteration, each waiting for the last;
    /// the lanes are independent chains.
    /// <para>
    /// Which loops: an innermost loop counting <c>it</c> down to 0 (<c>while (it &gt; 0) { t = it − 1; …; it = t }</c>, the
    /// reverse sweep's form) whose other carried values are all sums (<c>s' = s + e</c>, <c>e + s</c> or <c>s − e</c>, s used
    /// nowhere else) of double or float, at least one of a value that differs per iteration; whose body is integer
    /// additions, floating arithmetic (+, −, ×, ÷, negation), element reads and writes, and pure instructions of values the
    /// same in every iteration; where every element access whose index moves with t moves by one per iteration, is marked
    /// <see cref="InRange"/> (the reverse sweep's accesses, which repeat a checked access of the forward sweep, so a lane is
    /// an element some iteration touches) and is of a span; and where the lanes cannot see each other's writes: a
    /// sequence the loop writes is accessed in it only at the one index of its writes, and is the function's own buffer or
    /// a parameter, which no other sequence read in the loop may be unless both are parameters (adjoint spans do not
    /// overlap the inputs: the Vjp would already mix them up).
    /// </para>
    /// <para>
    /// Numbers: the stores and additions into elements are the same operations on the same operands, so they are bit for
    /// bit; a sum's additions are associated otherwise (the lanes, then their sum, then the iterations left), so an
    /// adjoint differs from the scalar loop's by rounding. The companion's primal value must stay bit for bit the method's:
    /// a sum whose value can reach a result that is not an adjoint, a write into a sequence that a checked access writes
    /// (a primal output), a push or a call is left alone. Only when <see cref="System.Numerics.Vector.IsHardwareAccelerated"/>
    /// and at least <see cref="Vector{T}.Count"/> iterations are left (the JIT folds the first); otherwise the scalar loop
    /// does all. Measured (benchmarks/README): a loop that only stores (the forward's <c>y[j] += L·z</c>) gains nothing,
    /// a vector load reading a store of the previous row stalls, so a sum is required.
    /// </para>
    /// </summary>
    public static class VectorSums
    {
        public const string Name = "vector-sums";

        public static IrFunction Run(IrFunction function)
        {
            var info = FunctionInfo.Of(function);
            var plans = new Dictionary<int, Plan>();
            foreach (var loop in info.Loops)
            {
                var plan = Planner.Try(info, loop);
                if (plan != null) plans[loop.Id] = plan;
            }
            return plans.Count == 0 ? function : new Rewriter(info, plans).Build();
        }

        /// <summary>
        /// Whether lanes of <paramref name="loop"/>'s iterations cannot see each other's writes: a sequence written in the loop
        /// is accessed there only at the index of its writes (one value), and every other sequence read there is another
        /// memory (<see cref="Distinct"/>). Shared with <see cref="VectorMaps"/>.
        /// </summary>
        internal static bool Independent(FunctionInfo info, Instr loop, List<Instr> accesses)
        {
            var written = accesses.Where(a => OpInfo.WritesElements(a.Op)).GroupBy(a => a.Args[0]);
            foreach (var group in written)
            {
                int sequence = group.Key;
                if (info.IsInside(sequence, loop) || !(info.IsParameter(sequence) || PromoteElements.OwnBuffer(info, sequence))) return false;
                int index = group.First().Args[1];
                if (accesses.Any(a => a.Args[0] == sequence && a.Args[1] != index)) return false;
                foreach (var other in accesses.Select(a => a.Args[0]).Distinct())
                {
                    if (other != sequence && !Distinct(info, other, sequence)) return false;
                }
            }
            return true;
        }

        /// <summary>Two sequences that are not the same memory: one is the function's own buffer, or both are parameters.</summary>
        internal static bool Distinct(FunctionInfo info, int a, int b) =>
            PromoteElements.OwnBuffer(info, a) || PromoteElements.OwnBuffer(info, b) || (info.IsParameter(a) && info.IsParameter(b))
            || (info.TryGetDefinition(a, out var table) && table.Op == Op.Table);

        /// <summary>A carried sum: the loop's carried value <see cref="Index"/>, updated by <see cref="Update"/>.</summary>
        private sealed class Sum
        {
            public Sum(int index, Instr update, int term)
            {
                Index = index;
                Update = update;
                Term = term;
            }

            public int Index { get; }

            public Instr Update { get; }

            /// <summary>The value added (or subtracted) each iteration.</summary>
            public int Term { get; }
        }

        private sealed class Plan
        {
            public Plan(int counter, List<Sum> sums, Dictionary<int, LaneShapes.Kind> lanes, TypeRef laneType)
            {
                Counter = counter;
                Sums = sums;
                Lanes = lanes;
                LaneType = laneType;
            }

            /// <summary>The carried index of the counter <c>it</c>.</summary>
            public int Counter { get; }

            public List<Sum> Sums { get; }

            public Dictionary<int, LaneShapes.Kind> Lanes { get; }

            /// <summary>double or float: the type of every vector of the loop.</summary>
            public TypeRef LaneType { get; }
        }

        private static class Planner
        {
            public static Plan? Try(FunctionInfo info, Instr loop)
            {
                if (loop.Regions.Count != 2 || loop.Regions.Any(r => r.Body.Any(i => i.HasRegions || i.Results.Count > 0))) return null;
                var condition = loop.Regions[0];
                var body = loop.Regions[1];
                // while (it > 0), nothing else in the condition but constants.
                if (condition.Yields.Count != 1) return null;
                var test = condition.Body.FirstOrDefault(i => i.Id == condition.Yields[0]);
                if (test == null || test.Op != Op.Gt || condition.Body.Any(i => i != test && i.Op != Op.Const)) return null;
                int counter = -1;
                for (int k = 0; k < condition.Params.Count; k++) if (condition.Params[k].Id == test.Args[0]) counter = k;
                if (counter < 0 || !info.IsInteger(test.Args[1], 0) || condition.Params[counter].Type != TypeRef.Int) return null;
                // t = it - 1, the next value of it.
                var itParam = body.Params[counter].Id;
                var step = body.Body.FirstOrDefault(i => i.Id == body.Yields[counter]);
                if (step == null || step.Op != Op.Sub || step.Args[0] != itParam || !info.IsInteger(step.Args[1], 1)) return null;

                var lanes = new Dictionary<int, LaneShapes.Kind> { [itParam] = LaneShapes.Kind.Affine };
                var sums = new List<Sum>();
                var updates = new Dictionary<int, Sum>();
                for (int k = 0; k < body.Params.Count; k++)
                {
                    if (k == counter) continue;
                    var carried = body.Params[k];
                    if (!(carried.Type == TypeRef.Double || carried.Type == TypeRef.Float)) return null;
                    if (info.UseCount(condition.Params[k].Id) != 0 || info.UseCount(carried.Id) != 1) return null;
                    var update = body.Body.FirstOrDefault(i => i.Id == body.Yields[k]);
                    if (update == null || info.UseCount(update.Id) != 1) return null;
                    int term;
                    if (update.Op == Op.Add && update.Args[0] == carried.Id) term = update.Args[1];
                    else if (update.Op == Op.Add && update.Args[1] == carried.Id) term = update.Args[0];
                    else if (update.Op == Op.Sub && update.Args[0] == carried.Id) term = update.Args[1];
                    else return null;
                    if (term == carried.Id) return null;
                    var sum = new Sum(k, update, term);
                    sums.Add(sum);
                    updates[update.Id] = sum;
                }
                if (sums.Count == 0) return null;
                TypeRef laneType = body.Params[sums[0].Index].Type;
                if (sums.Any(s => body.Params[s.Index].Type != laneType)) return null;

                // What each instruction of the body is, per lane; the element accesses, for the dependences.
                var accesses = new List<Instr>();
                TypeRef? found = laneType;
                if (!LaneShapes.Classify(info, body.Body, instr => updates.ContainsKey(instr.Id), lanes, accesses, ref found, checkedLanes: false)) return null;
                // Worth it only for a sum of a per-lane value (a loop of stores gains nothing: benchmarks/README).
                if (!sums.Any(s => lanes.TryGetValue(s.Term, out var lane) && lane == LaneShapes.Kind.Vector)) return null;
                if (sums.Any(s => lanes.TryGetValue(s.Term, out var lane) && lane == LaneShapes.Kind.Affine)) return null;
                if (!Independent(info, loop, accesses)) return null;
                if (sums.Any(s => ReachesPrimal(info, loop.Results[s.Index].Id))) return null;
                return new Plan(counter, sums, lanes, laneType);
            }

            /// <summary>
            /// Whether <paramref name="value"/> may reach what the companion returns of the method itself: a result that is not
            /// an adjoint, a sequence a checked access writes (a primal output), a push, a call or an effect. Followed through
            /// operations, ifs and loops (all their results), and writes (every read of the sequence written).
            /// </summary>
            private static bool ReachesPrimal(FunctionInfo info, int value)
            {
                var function = info.Function;
                var primal = new HashSet<int>(function.Results.Where(r => !r.Name.EndsWith(Reverse.AdjointSuffix, System.StringComparison.Ordinal)).Select(r => r.Value));
                var seen = new HashSet<int>();
                var work = new Stack<int>();
                work.Push(value);
                while (work.Count > 0)
                {
                    int v = work.Pop();
                    if (!seen.Add(v)) continue;
                    if (primal.Contains(v)) return true;
                    foreach (var use in info.UsesOf(v))
                    {
                        if (use.IsResult) continue;
                        if (use.IsYield)
                        {
                            Structured(use.Owner!);
                            continue;
                        }
                        var user = use.User!;
                        if (user.Results.Count > 0 && !user.HasRegions) return true;
                        if (user.HasRegions)
                        {
                            Structured(user);
                            continue;
                        }
                        if (OpInfo.WritesElements(user.Op))
                        {
                            int sequence = user.Args[0];
                            foreach (var access in info.UsesOf(sequence))
                            {
                                if (access.User is not Instr other) return true;
                                if (OpInfo.WritesElements(other.Op) && other.Args[0] == sequence && other.Payload is not InRange) return true;
                                if ((other.Op == Op.Element || other.Op == Op.Read) && other.Args[0] == sequence) work.Push(other.Id);
                                else if (!OpInfo.IndexesSequence(other.Op) && other.Op != Op.Length) return true;
                            }
                            continue;
                        }
                        if (!OpInfo.IsPure(user) && user.Op != Op.Read) return true;
                        work.Push(user.Id);
                    }
                }
                return false;

                void Structured(Instr owner)
                {
                    foreach (var r in owner.Results) work.Push(r.Id);
                    foreach (var region in owner.Regions) foreach (var p in region.Params) work.Push(p.Id);
                }
            }
        }

        /// <summary>Copies the function; each planned loop gets its lanes loop ahead of it.</summary>
        private sealed class Rewriter : FunctionCopy
        {
            private readonly Dictionary<int, Plan> _plans;

            public Rewriter(FunctionInfo info, Dictionary<int, Plan> plans) : base(info) => _plans = plans;

            protected override bool Rewrite(Instr instr)
            {
                if (instr.Op != Op.While || !_plans.TryGetValue(instr.Id, out var plan)) return false;
                Vectorize(instr, plan);
                return true;
            }

            /// <summary>
            /// <c>if (Vector.IsHardwareAccelerated &amp;&amp; it &gt;= Count) { lanes loop; s += Sum(lanes) }</c>, then the loop as it
            /// was from the counter and sums that leaves.
            /// </summary>
            private void Vectorize(Instr loop, Plan plan)
            {
                var body = loop.Regions[1];
                var vector = TypeRef.VectorOf(plan.LaneType);
                int start = Map[loop.Args[plan.Counter]];
                var starts = plan.Sums.Select(s => Map[loop.Args[s.Index]]).ToList();
                string counterName = body.Params[plan.Counter].Name;
                var names = plan.Sums.Select(s => body.Params[s.Index].Name).ToList();

                int accelerated = Builder.Emit(Op.LoadStatic, TypeRef.Bool, System.Array.Empty<int>(), payload: new MemberRef("global::System.Numerics.Vector.IsHardwareAccelerated"));
                int width = Builder.Emit(Op.LoadStatic, TypeRef.Int, System.Array.Empty<int>(), "lanes", new MemberRef(vector.Display + ".Count"));
                int enough = Builder.Emit(Op.Ge, TypeRef.Bool, new[] { start, width });
                int go = Builder.Emit(Op.And, TypeRef.Bool, new[] { accelerated, enough });

                Builder.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                // Splats of values from outside the loop, made once: operands of per-lane arithmetic, sums' terms, stored values.
                int zero = Builder.Emit(Op.Splat, vector, new[] { Builder.Const(0, plan.LaneType) });
                var needed = body.Body.Where(i => plan.Lanes.TryGetValue(i.Id, out var lane) && lane == LaneShapes.Kind.Vector && i.Op != Op.Element && i.Op != Op.Read)
                    .SelectMany(i => i.Args)
                    .Concat(plan.Sums.Select(sum => sum.Term))
                    .Concat(body.Body.Where(i => OpInfo.WritesElements(i.Op)).Select(OpInfo.StoredValue));
                var splats = new Dictionary<int, int>();
                foreach (int a in needed)
                {
                    if (!plan.Lanes.ContainsKey(a) && !Info.IsInside(a, loop) && !splats.ContainsKey(a)) splats[a] = Splat(a, vector);
                }

                var signature = new List<(string, TypeRef)> { (counterName, TypeRef.Int) };
                signature.AddRange(names.Select(n => (n + "Lanes", vector)));
                var conditionIds = Builder.BeginRegion(signature);
                var condition = Builder.EndRegion(new[] { Builder.Emit(Op.Ge, TypeRef.Bool, new[] { conditionIds[0], width }) });
                var bodyIds = Builder.BeginRegion(signature);
                var step = body.Body.First(i => i.Id == body.Yields[plan.Counter]);
                int first = Builder.Emit(Op.Sub, TypeRef.Int, new[] { bodyIds[0], width }, step.Name);
                // The lanes' first iteration: t = first (and it = first + 1, where the body reads it but to step).
                if (Info.UseCount(body.Params[plan.Counter].Id) > 1) Map[body.Params[plan.Counter].Id] = Builder.Emit(Op.Add, TypeRef.Int, new[] { first, Builder.Const(1, TypeRef.Int) });
                var inside = new Dictionary<int, int>(splats);
                var next = new int[plan.Sums.Count];
                foreach (var instr in body.Body)
                {
                    int k = plan.Sums.FindIndex(s => s.Update.Id == instr.Id);
                    if (k >= 0)
                    {
                        var sum = plan.Sums[k];
                        int term = LanesOf(sum.Term, vector, inside);
                        next[k] = instr.Args[0] == body.Params[sum.Index].Id
                            ? Builder.Emit(instr.Op, vector, new[] { bodyIds[1 + k], term }, names[k] + "Lanes")
                            : Builder.Emit(instr.Op, vector, new[] { term, bodyIds[1 + k] }, names[k] + "Lanes");
                        continue;
                    }
                    if (ReferenceEquals(instr, step))
                    {
                        Map[instr.Id] = first;
                        continue;
                    }
                    if (plan.Lanes.TryGetValue(instr.Id, out var lane) && lane == LaneShapes.Kind.Vector)
                    {
                        var operands = instr.Op == Op.Element || instr.Op == Op.Read
                            ? new[] { Map[instr.Args[0]], Map[instr.Args[1]] }
                            : instr.Args.Select(a => LanesOf(a, vector, inside)).ToArray();
                        inside[instr.Id] = Builder.Emit(instr.Op, vector, operands, instr.Name != null ? instr.Name + "Lanes" : null, instr.Payload);
                        continue;
                    }
                    if (OpInfo.WritesElements(instr.Op))
                    {
                        Builder.Emit(instr.Op, IrBuilder.Void, new[] { Map[instr.Args[0]], Map[instr.Args[1]], LanesOf(OpInfo.StoredValue(instr), vector, inside) }, instr.Name, instr.Payload);
                        continue;
                    }
                    Replay.Copy(Builder, instr, Map, simplify: false);
                }
                var lanesBody = Builder.EndRegion(new[] { first }.Concat(next).ToList());
                var results = new List<(string?, TypeRef)> { (counterName, TypeRef.Int) };
                results.AddRange(names.Select(n => ((string?)(n + "Lanes"), vector)));
                var after = Builder.EmitStructured(Op.While, new[] { start }.Concat(plan.Sums.Select(_ => zero)).ToArray(), new[] { condition, lanesBody }, results);
                var summed = plan.Sums.Select((s, k) => Builder.Emit(Op.Add, plan.LaneType, new[] { starts[k], Builder.Emit(Op.SumLanes, plan.LaneType, new[] { after[1 + k] }) }, names[k])).ToList();
                var then = Builder.EndRegion(new[] { after[0] }.Concat(summed).ToList());
                Builder.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                var otherwise = Builder.EndRegion(new[] { start }.Concat(starts).ToList());
                var entry = new List<(string?, TypeRef)> { (counterName, TypeRef.Int) };
                entry.AddRange(plan.Sums.Select((s, k) => ((string?)names[k], plan.LaneType)));
                var left = Builder.EmitStructured(Op.If, new[] { go }, new[] { then, otherwise }, entry);

                // The scalar loop, from what the lanes left.
                var args = loop.Args.Select(a => Map[a]).ToArray();
                args[plan.Counter] = left[0];
                for (int k = 0; k < plan.Sums.Count; k++) args[plan.Sums[k].Index] = left[1 + k];
                Structured(loop, args);
            }

            private int Splat(int value, TypeRef vector)
            {
                string? name = Info.NameOf(value);
                return Builder.Emit(Op.Splat, vector, new[] { Map[value] }, name != null ? name + "Lanes" : null);
            }

            /// <summary>The lanes of <paramref name="value"/> inside the lanes loop: its vector, or a splat of a value the same in every lane.</summary>
            private int LanesOf(int value, TypeRef vector, Dictionary<int, int> inside)
            {
                // A value the same in every iteration, computed in the body: splat where it is.
                return inside.TryGetValue(value, out int lanes) ? lanes : inside[value] = Splat(value, vector);
            }
        }
    }
}

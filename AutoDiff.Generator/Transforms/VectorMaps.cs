using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Runs a loop that maps elements, counting up, <see cref="System.Numerics.Vector{T}.Count"/> iterations at a time in
    /// the lanes of a <c>System.Numerics.Vector&lt;T&gt;</c>, the lanes aligned to the loop's end: GMM's column loop
    /// <c>for (j = i + 1; j &lt; d; j++) y[j] += L[l++]·z[i]</c> becomes vector loads, products, additions and stores of
    /// y[d − 4 … d − 1], y[d − 8 … d − 5], …, then the scalar loop for the first iterations left. Aligned to the end, the
    /// next column stores and reloads the same vectors, which the processor forwards from store to load; aligned to the
    /// start, each column's vectors straddle the last one's and every load waits for the stores to reach the cache
    /// (measured: 15% slower than scalar at d = 10, against 1–11% faster; benchmarks/README).
    /// <para>
    /// Which loops: an innermost loop <c>while (j &lt; n)</c>, n the same in every iteration, whose carried values are all
    /// integer counters stepping by +1 (so the trip count is max(n − j₀, 0) and each ends at its start plus it); whose body
    /// is integer additions that move by one per iteration, floating arithmetic (+, −, ×, ÷, negation), element reads and
    /// writes, and pure instructions of values the same in every iteration; which writes at least one element from a
    /// value computed per iteration; where every access whose index moves with the iteration is of a span of the lanes'
    /// type and one index, and the lanes cannot see each other's writes (as in <see cref="VectorSums"/>: a sequence
    /// written is accessed only at the index of its writes, and every other sequence read is other memory).
    /// </para>
    /// <para>
    /// Numbers and exceptions: every element gets the same operations on the same operands, so the results are bit for
    /// bit the scalar loop's. An access the scalar loop checks (the forward sweep's) is checked a vector at a time
    /// (<c>Simd.LoadChecked</c>, <c>StoreChecked</c>: <see cref="System.IndexOutOfRangeException"/>, as the indexer):
    /// the lanes touch exactly the elements the iterations touch, so they throw if and only if the scalar loop would. They
    /// run the iterations in another order, so such a loop may write only the function's own buffers, which nobody sees
    /// after the exception. (A check of the whole range before the loop measured 7–15% slower on GMM than the checks
    /// per vector.) Fewer than Count iterations, or no hardware acceleration: the scalar loop runs them all.
    /// </para>
    /// </summary>
    public static class VectorMaps
    {
        public const string Name = "vector-maps";

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

        private sealed class Plan
        {
            public Plan(int counter, Instr test, HashSet<int> vectors, TypeRef laneType)
            {
                Counter = counter;
                Test = test;
                Vectors = vectors;
                LaneType = laneType;
            }

            /// <summary>The carried index of j, the counter the condition compares.</summary>
            public int Counter { get; }

            /// <summary>The condition's <c>j &lt; n</c>.</summary>
            public Instr Test { get; }

            /// <summary>The body's floating values computed per iteration: vectors in the lanes.</summary>
            public HashSet<int> Vectors { get; }

            public TypeRef LaneType { get; }
        }

        private static class Planner
        {
            public static Plan? Try(FunctionInfo info, Instr loop)
            {
                if (loop.Regions.Count != 2 || loop.Regions.Any(r => r.Body.Any(i => i.HasRegions || i.Results.Count > 0))) return null;
                var condition = loop.Regions[0];
                var body = loop.Regions[1];
                // while (j < n), n from outside; every carried value a counter stepping by +1.
                if (condition.Yields.Count != 1 || condition.Body.Any(i => i.Op != Op.Const && i.Id != condition.Yields[0])) return null;
                var test = condition.Body.FirstOrDefault(i => i.Id == condition.Yields[0]);
                if (test == null || test.Op != Op.Lt || info.IsInside(test.Args[1], loop)) return null;
                int counter = -1;
                for (int k = 0; k < condition.Params.Count; k++) if (condition.Params[k].Id == test.Args[0]) counter = k;
                if (counter < 0 || condition.Params[counter].Type != TypeRef.Int) return null;
                var counters = info.InductionVariables(loop);
                if (counters.Count != body.Params.Count || counters.Any(c => c.Step != 1 || info.TypeOf(c.Param) != TypeRef.Int)) return null;
                if (condition.Params.Where((p, k) => k != counter).Any(p => info.UseCount(p.Id) != 0)) return null;

                var steps = new HashSet<int>(body.Yields);
                var kinds = body.Params.ToDictionary(p => p.Id, _ => LaneShapes.Kind.Affine);
                var accesses = new List<Instr>();
                TypeRef? laneType = null;
                if (!LaneShapes.Classify(info, body.Body, instr => steps.Contains(instr.Id) && info.UseCount(instr.Id) == 1, kinds, accesses, ref laneType, checkedLanes: true)) return null;
                var affine = new HashSet<int>(kinds.Where(k => k.Value == LaneShapes.Kind.Affine).Select(k => k.Key));
                var vectors = new HashSet<int>(kinds.Where(k => k.Value == LaneShapes.Kind.Vector).Select(k => k.Key));
                if (laneType == null || vectors.Any(v => info.TypeOf(v) != laneType)) return null;
                // Worth it only for a store of a value computed per iteration.
                if (!accesses.Any(a => OpInfo.WritesElements(a.Op) && vectors.Contains(OpInfo.StoredValue(a)))) return null;
                if (!VectorSums.Independent(info, loop, accesses)) return null;
                // An access the scalar loop checks is checked in lanes too, a whole vector at a time; the lanes run the
                // iterations in another order, so what they have written when one throws must be invisible: only own buffers.
                bool anyChecked = accesses.Any(a => affine.Contains(a.Args[1]) && a.Payload is not InRange);
                if (anyChecked && accesses.Any(a => OpInfo.WritesElements(a.Op) && !PromoteElements.OwnBuffer(info, a.Args[0]))) return null;
                return new Plan(counter, test, vectors, laneType);
            }
        }

        /// <summary>Copies the function; each planned loop gets its lanes ahead of a scalar loop for the iterations left.</summary>
        private sealed class Rewriter : FunctionCopy
        {
            private readonly Dictionary<int, Plan> _plans;
            /// <summary>The condition tests of the scalar loops being copied, with the bound each compares with instead.</summary>
            private readonly Dictionary<int, int> _bounds = new Dictionary<int, int>();

            public Rewriter(FunctionInfo info, Dictionary<int, Plan> plans) : base(info) => _plans = plans;

            protected override bool Rewrite(Instr instr)
            {
                if (_bounds.TryGetValue(instr.Id, out int bound))
                {
                    Map[instr.Id] = Builder.Emit(Op.Lt, TypeRef.Bool, new[] { Map[instr.Args[0]], bound });
                    return true;
                }
                if (instr.Op != Op.While || !_plans.TryGetValue(instr.Id, out var plan)) return false;
                Vectorize(instr, plan);
                return true;
            }

            /// <summary>
            /// <c>trips = n &gt; j₀ ? n − j₀ : 0; left = trips; if (accelerated &amp;&amp; trips &gt;= Count &amp;&amp; in range)
            /// { while (left &gt;= Count) { left −= Count; the lanes of iterations left … left + Count − 1 } }</c>, then the scalar
            /// loop while j &lt; j₀ + left, its counters' results moved on by trips − left.
            /// </summary>
            private void Vectorize(Instr loop, Plan plan)
            {
                var body = loop.Regions[1];
                var vector = TypeRef.VectorOf(plan.LaneType);
                var starts = loop.Args.Select(a => Map[a]).ToArray();
                int start = starts[plan.Counter], bound = Map[plan.Test.Args[1]];
                int zero = Builder.Const(0, TypeRef.Int);
                int more = Builder.Emit(Op.Gt, TypeRef.Bool, new[] { bound, start });
                int trips = Builder.Emit(Op.Select, TypeRef.Int, new[] { more, IntSub(bound, start), zero }, "trips");

                int accelerated = Builder.Emit(Op.LoadStatic, TypeRef.Bool, System.Array.Empty<int>(), payload: new MemberRef("global::System.Numerics.Vector.IsHardwareAccelerated"));
                int width = Builder.Emit(Op.LoadStatic, TypeRef.Int, System.Array.Empty<int>(), "lanes", new MemberRef(vector.Display + ".Count"));
                int go = Builder.Emit(Op.And, TypeRef.Bool, new[] { accelerated, Builder.Emit(Op.Ge, TypeRef.Bool, new[] { trips, width }) });
                Builder.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                // Splats of values from outside the loop, made once before it.
                var splats = new Dictionary<int, int>();
                var outside = body.Body.Where(i => plan.Vectors.Contains(i.Id) && i.Op != Op.Element && i.Op != Op.Read).SelectMany(i => i.Args)
                    .Concat(body.Body.Where(i => OpInfo.WritesElements(i.Op)).Select(OpInfo.StoredValue));
                foreach (int a in outside)
                {
                    if (!plan.Vectors.Contains(a) && !Info.IsInside(a, loop) && !splats.ContainsKey(a)) LanesOf(a, vector, splats, splats);
                }
                var conditionIds = Builder.BeginRegion(new[] { ("left", TypeRef.Int) });
                var condition = Builder.EndRegion(new[] { Builder.Emit(Op.Ge, TypeRef.Bool, new[] { conditionIds[0], width }) });
                var bodyIds = Builder.BeginRegion(new[] { ("left", TypeRef.Int) });
                int offset = Builder.Emit(Op.Sub, TypeRef.Int, new[] { bodyIds[0], width }, "left");
                // The lanes' first iteration is `offset`: each counter its start plus that.
                for (int k = 0; k < body.Params.Count; k++)
                {
                    int step = body.Yields[k];
                    if (Info.UsesOf(body.Params[k].Id).Any(u => u.User is Instr user && user.Id != step))
                        Map[body.Params[k].Id] = IntAdd(starts[k], offset, body.Params[k].Name);
                }
                var lanes = new Dictionary<int, int>();
                foreach (var instr in body.Body)
                {
                    if (body.Yields.Contains(instr.Id) && Info.UseCount(instr.Id) == 1) continue;
                    if (plan.Vectors.Contains(instr.Id))
                    {
                        var operands = instr.Op == Op.Element || instr.Op == Op.Read
                            ? new[] { Map[instr.Args[0]], Map[instr.Args[1]] }
                            : instr.Args.Select(a => LanesOf(a, vector, lanes, splats)).ToArray();
                        lanes[instr.Id] = Builder.Emit(instr.Op, vector, operands, instr.Name != null ? instr.Name + "Lanes" : null, instr.Payload);
                        continue;
                    }
                    if (OpInfo.WritesElements(instr.Op))
                    {
                        Builder.Emit(instr.Op, IrBuilder.Void, new[] { Map[instr.Args[0]], Map[instr.Args[1]], LanesOf(OpInfo.StoredValue(instr), vector, lanes, splats) }, instr.Name, instr.Payload);
                        continue;
                    }
                    Replay.Copy(Builder, instr, Map, simplify: false);
                }
                var lanesBody = Builder.EndRegion(new[] { offset });
                int left = Builder.EmitStructured(Op.While, new[] { trips }, new[] { condition, lanesBody }, new List<(string?, TypeRef)> { ("left", TypeRef.Int) })[0];
                var then = Builder.EndRegion(new[] { left });
                Builder.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                var otherwise = Builder.EndRegion(new[] { trips });
                int rest = Builder.EmitStructured(Op.If, new[] { go }, new[] { then, otherwise }, new List<(string?, TypeRef)> { ("left", TypeRef.Int) })[0];

                // The scalar loop, for the first `rest` iterations: its test compares j with j₀ + rest.
                _bounds[plan.Test.Id] = IntAdd(start, rest);
                Structured(loop, starts);
                _bounds.Remove(plan.Test.Id);
                int done = -1;
                foreach (var result in loop.Results)
                {
                    if (Info.UseCount(result.Id) == 0) continue;
                    if (done < 0) done = Builder.Emit(Op.Sub, TypeRef.Int, new[] { trips, rest });
                    Map[result.Id] = Builder.Emit(Op.Add, TypeRef.Int, new[] { Map[result.Id], done }, result.Name);
                }
            }

            /// <summary>a + b on ints, without adding a constant 0 (the IrBuilder folds only floating zeros).</summary>
            private int IntAdd(int a, int b, string? name = null) =>
                Builder.IsConst(b, 0.0) ? a : Builder.IsConst(a, 0.0) ? b : Builder.Emit(Op.Add, TypeRef.Int, new[] { a, b }, name);

            private int IntSub(int a, int b) => Builder.IsConst(b, 0.0) ? a : Builder.Emit(Op.Sub, TypeRef.Int, new[] { a, b });

            /// <summary>The lanes of <paramref name="value"/> inside the lanes loop: its vector, or a splat of a value the same in every lane.</summary>
            private int LanesOf(int value, TypeRef vector, Dictionary<int, int> lanes, Dictionary<int, int> splats)
            {
                if (lanes.TryGetValue(value, out int v)) return v;
                if (splats.TryGetValue(value, out int s)) return s;
                string? name = Info.NameOf(value);
                return splats[value] = Builder.Emit(Op.Splat, vector, new[] { Map[value] }, name != null ? name + "Lanes" : null);
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The pass <c>fuse-loops</c>: picks the top-level loops whose adjoint runs inside the loop (<see cref="ReversePlan.Fused"/>);
    /// the reverse sweep builds them (<c>Reverse.Fusion.cs</c>).
    /// </summary>
    internal static class FuseLoops
    {
        // A reduction, sum += f(x[i], …), has an adjoint that is the same in every iteration: sum̄, the adjoint of the
        // loop's result. When that adjoint is known before the loop runs (the function returns c·sum + …, c computed
        // before the loop), each iteration's adjoint can run right after the iteration's primal, in the same loop: no
        // second pass over the data, nothing recorded, every value still in a register. This is what a hand-written
        // gradient of a sum does, and what the reverse sweep then skips.
        //
        // It is exact when
        //   - the loop is at the top level of the function, and the function returns a scalar;
        //   - every varied value the loop carries is an accumulator: its only use in the body is p ± e, which the body
        //     yields and nothing else reads (so e depends on no varied carried value, and p's adjoint is constant);
        //   - the adjoint of each accumulator's final value is a linear function of the seed with coefficients known
        //     before the loop: its uses after the loop are +, −, negation, and · or / by values computable before it;
        //   - the loop writes no varied buffer but its own iteration-local scratch (IterationLocal: filled whole before it
        //     is read in every iteration, unused after the loop), and reads none that anything after it writes (the reverse
        //     sweep of a later write would take the adjoint the fused loop already added to the element's old value).

        /// <summary>What follows a fused loop: which values' adjoints are linear in the seed, and how to build them before the loop.</summary>
        public sealed class Tail
        {
            private readonly ReversePlan _c;
            private readonly int _position;
            private readonly Dictionary<int, bool> _linear = new Dictionary<int, bool>();
            private readonly Dictionary<int, bool> _available = new Dictionary<int, bool>();
            private readonly Dictionary<int, int> _coefficients = new Dictionary<int, int>();

            public Tail(ReversePlan c, int position)
            {
                _c = c;
                _position = position;
            }

            private FunctionInfo Info => _c.Info;

            private int Result => _c.Primal.Results[0].Value;

            /// <summary>Whether the adjoint of <paramref name="value"/> is the seed times a coefficient known before the loop.</summary>
            public bool IsLinear(int value)
            {
                if (_linear.TryGetValue(value, out bool known)) return known;
                _linear[value] = false; // no cycles in SSA, but be safe
                bool linear = true;
                foreach (var use in Info.UsesOf(value))
                {
                    if (use.IsResult) continue;
                    var user = use.User;
                    if (user == null || Info.RegionOf(user.Id) != null || Info.IndexOf(user.Id) <= _position || user.HasRegions) { linear = false; break; }
                    if (!_c.Activity.IsVaried(user.Id)) continue;
                    if (!LinearIn(user, value) || !IsLinear(user.Id)) { linear = false; break; }
                }
                return _linear[value] = linear;
            }

            /// <summary>Whether <paramref name="user"/> is linear in <paramref name="value"/> with a partial known before the loop.</summary>
            private bool LinearIn(Instr user, int value)
            {
                switch (user.Op)
                {
                    case Op.Add:
                    case Op.Sub:
                    case Op.Neg:
                        return true;
                    case Op.Mul:
                        return user.Args[0] != user.Args[1] && IsAvailable(user.Args[0] == value ? user.Args[1] : user.Args[0]);
                    case Op.Div:
                        return user.Args[0] == value && user.Args[1] != value && IsAvailable(user.Args[1]);
                    default:
                        return false;
                }
            }

            /// <summary>
            /// Whether <paramref name="value"/> can be had before the loop: a parameter, a constant, a top-level value
            /// defined before it, or cheap pure arithmetic after it on such values (which <see cref="Hoist"/> computes early).
            /// </summary>
            private bool IsAvailable(int value)
            {
                if (_available.TryGetValue(value, out bool known)) return known;
                bool available;
                var def = Info.Definition(value);
                // Top level only, deliberately: a value defined inside a branch or loop cannot be hoisted before the fused
                // loop; nor is an if's or loop's result.
                if (Info.RegionOf(value) != null) available = false;
                else if (def == null) available = true; // a parameter
                else if (def.Id != value) available = false;
                else
                {
                    int position = Info.IndexOf(value);
                    available = def.Op == Op.Const || position < _position
                        || (!def.HasRegions && def.Results.Count == 0 && IsHoistable(def) && def.Args.All(IsAvailable));
                }
                return _available[value] = available;
            }

            /// <summary>Pure, as cheap as the op table says a division is, and (a function) of scalars only, not a pass over a span.</summary>
            private static bool IsHoistable(Instr def) => OpInfo.IsHoistable(def) && OfScalars(def);

            /// <summary>The value in the function being built, computing it (and what it needs) now if it comes after the loop.</summary>
            private int Hoist(IrBuilder b, int value, Dictionary<int, int> map)
            {
                if (map.TryGetValue(value, out int mapped)) return mapped;
                var def = Info.Definition(value)!;
                foreach (int arg in def.Args) Hoist(b, arg, map);
                // The forward sweep copies it again when it gets there; value numbering returns this one.
                Replay.Copy(b, def, map, simplify: false);
                return map[value];
            }

            /// <summary>The adjoint of <paramref name="value"/>, built before the loop from the seed (<see cref="IsLinear"/> holds).</summary>
            public int Coefficient(IrBuilder b, int value, int seed, Dictionary<int, int> map)
            {
                if (_coefficients.TryGetValue(value, out int known)) return known;
                var type = Info.TypeOf(value);
                int? sum = value == Result ? seed : (int?)null;
                var users = Info.UsesOf(value).Where(u => !u.IsResult).Select(u => u.User!).Where(u => _c.Activity.IsVaried(u.Id));
                foreach (var user in users.Distinct(ReferenceComparer<Instr>.Instance))
                {
                    int adjoint = Coefficient(b, user.Id, seed, map);
                    for (int i = 0; i < user.Args.Count; i++)
                    {
                        if (user.Args[i] != value) continue;
                        int term = user.Op switch
                        {
                            Op.Add => adjoint,
                            Op.Sub => i == 0 ? adjoint : b.Neg(adjoint),
                            Op.Neg => b.Neg(adjoint),
                            Op.Mul => b.Mul(adjoint, Hoist(b, user.Args[1 - i], map)),
                            _ => b.Div(adjoint, Hoist(b, user.Args[1], map)),
                        };
                        sum = sum == null ? term : b.Add(sum.Value, term);
                    }
                }
                return _coefficients[value] = sum ?? b.Const(0, type);
            }
        }

        public static void Run(ReversePlan c)
        {
            var primal = c.Primal;
            // (A struct result's several leaves each have a seed: fusion, which follows one seed, stays out.)
            if (primal.Results.Count > 1) return;
            if (primal.Results.Count == 0 || !c.Activity.IsVaried(primal.Results[0].Value)) return;
            for (int k = 0; k < primal.Body.Count; k++)
            {
                var loop = primal.Body[k];
                if (loop.Op != Op.While || !c.NeedsReverse(loop)) continue;
                // A fused loop writes adjoints in the forward sweep: a throw in it or after it would leave them half written.
                if (primal.Body.Skip(k).Any(OpInfo.MayThrow)) continue;
                var accumulators = Accumulators(c, loop);
                if (accumulators == null || !BuffersAllowFusion(c, primal, k)) continue;
                var tail = new Tail(c, k);
                if (accumulators.All(i => tail.IsLinear(loop.Results[i].Id))) c.Fused[loop.Id] = tail;
            }
            if (c.Fused.Count > 0) c.FindSnapshots();
        }

        /// <summary>The indices of the loop's varied carried values when all are accumulators (p ± e); otherwise null.</summary>
        public static List<int>? Accumulators(ReversePlan c, Instr loop) => AccumulatorChains(c, loop)?.Keys.OrderBy(i => i).ToList();

        /// <summary>One step of an accumulation: <see cref="Link"/> adds (or subtracts) its operand <see cref="Term"/> to the running sum.</summary>
        public readonly struct Accumulation
        {
            public Accumulation(Instr link, int term)
            {
                Link = link;
                Term = term;
            }

            public Instr Link { get; }
            public int Term { get; }
            public bool Subtracts => Link.Op == Op.Sub;
        }

        /// <summary>
        /// For each varied carried value, when every one is an accumulator, the chain of additions that takes it from
        /// p to the value the body yields: p + e₁ − e₂ + …, each link used only by the next (<c>sum += a; sum -= b;</c>).
        /// So no eᵢ depends on p, and p's adjoint is the same in every iteration. Null when any carried value is not.
        /// </summary>
        public static Dictionary<int, List<Accumulation>>? AccumulatorChains(ReversePlan c, Instr loop)
        {
            var body = loop.Regions[1];
            // A carried value and what the body computes from it are read only in the body (SSA), so their uses anywhere are those there.
            bool UsedOnce(int value) => c.Info.UseCount(value) == 1;
            var chains = new Dictionary<int, List<Accumulation>>();
            for (int i = 0; i < body.Params.Count; i++)
            {
                int p = body.Params[i].Id;
                if (!c.Activity.IsVaried(p) && !c.Activity.IsVaried(loop.Results[i].Id)) continue;
                var chain = Chain(c, p, body.Yields[i], body);
                if (chain == null || chain.Count == 0 || !UsedOnce(body.Yields[i])) return null;
                chains[i] = chain;
            }
            return chains;
        }

        /// <summary>
        /// The additions that take <paramref name="from"/> to <paramref name="to"/> at <paramref name="block"/>'s own level
        /// (null: the function's), p + e₁ − e₂ + …, each value on the way used only by the next link; null when there is none.
        /// </summary>
        public static List<Accumulation>? Chain(ReversePlan c, int from, int to, Region? block)
        {
            var chain = new List<Accumulation>();
            int current = from;
            while (current != to)
            {
                // The one use of the running sum must be the next addition, at the block's own level.
                if (c.Info.UseCount(current) != 1) return null;
                var link = c.Info.UsesOf(current)[0].User;
                if (link == null || link.HasRegions || !c.Info.IsDefinedIn(link.Id, block)) return null;
                bool adds = link.Op == Op.Add || (link.Op == Op.Sub && link.Args[0] == current);
                if (!adds || link.Args[0] == link.Args[1]) return null;
                chain.Add(new Accumulation(link, link.Args[0] == current ? 1 : 0));
                current = link.Id;
            }
            return chain;
        }

        /// <summary>The loop writes no varied buffer but iteration-local ones (<see cref="IterationLocal"/>), and reads none that is written after it.</summary>
        private static bool BuffersAllowFusion(ReversePlan c, IrFunction primal, int position)
        {
            var loop = primal.Body[position];
            var written = new HashSet<int>();
            void Writes(IEnumerable<Instr> body)
            {
                foreach (var instr in body)
                {
                    if (instr.Op == Op.Write && c.Activity.IsVaried(instr.Args[0])) written.Add(instr.Args[0]);
                    foreach (int output in OpInfo.Outputs(instr)) if (c.Activity.IsVaried(output)) written.Add(output);
                    foreach (var region in instr.Regions) Writes(region.Body);
                }
            }
            Writes(primal.Body.Skip(position));
            if (written.Count == 0) return true;
            return !Activity.FreeValues(loop.Regions).Any(b => written.Contains(b) && !IterationLocal(c.Info, loop, b));
        }

        /// <summary>
        /// Whether <paramref name="buffer"/> holds values of one iteration of <paramref name="loop"/> only, so that no value
        /// flows through it from one iteration to the next (nor out of the loop) and each iteration's adjoint, run right
        /// after it, sees all of that iteration's uses: the function's own buffer (<see cref="PromoteElements.OwnBuffer"/>),
        /// made before the loop, used outside it only for its length, and every access in it that reads an element comes
        /// after a loop that stores every element earlier in the same iteration (<see cref="Fills"/>). GMM's point loop:
        /// x − μ and Q(x − μ) per component, the k main terms per point.
        /// </summary>
        internal static bool IterationLocal(FunctionInfo info, Instr loop, int buffer)
        {
            if (!PromoteElements.OwnBuffer(info, buffer) || info.IsInside(buffer, loop)) return false;
            var allocation = info.Definition(buffer)!;
            if (allocation.Args.Count != 1) return false;
            foreach (var use in info.UsesOf(buffer))
            {
                if (use.User is not Instr user) return false;
                if (user.Op == Op.Length) continue;
                if (!info.IsInside(user.Id, loop)) return false;
                if (user.Op == Op.Write && user.Args[0] == buffer && OpInfo.StoredValue(user) != buffer) continue;
                if (!Covered(info, loop, user, buffer, allocation.Args[0])) return false;
            }
            return true;
        }

        /// <summary>Whether a loop that fills <paramref name="buffer"/> runs before <paramref name="user"/> in the same iteration of <paramref name="loop"/>.</summary>
        private static bool Covered(FunctionInfo info, Instr loop, Instr user, int buffer, int length)
        {
            var statement = user;
            while (true)
            {
                var region = info.RegionOf(statement.Id);
                if (region == null) return false;
                var owner = info.OwnerOf(region);
                // A condition runs again after the body: what the body filled is the last iteration's there.
                if (owner.Op == Op.While && ReferenceEquals(owner.Regions[0], region)) return false;
                int index = info.IndexOf(statement.Id);
                for (int i = 0; i < index; i++)
                {
                    if (Fills(info, region.Body[i], buffer, length)) return true;
                }
                if (ReferenceEquals(owner, loop)) return false;
                statement = owner;
            }
        }

        /// <summary>
        /// Whether <paramref name="candidate"/> is <c>for (j = 0; j &lt; n; j++) { … b[j] = …; … }</c>, n the length
        /// <paramref name="buffer"/> was made with and the store at the body's own level: every element written, each once.
        /// </summary>
        private static bool Fills(FunctionInfo info, Instr candidate, int buffer, int length) =>
            info.CountsUpFromZero(candidate, out int counter, out int bound) && info.SameInteger(length, bound)
            && candidate.Regions[1].Body.Any(i => i.Op == Op.Write && i.Args[0] == buffer && OpInfo.IndexCount(i) == 1 && i.Args[1] == counter);

        /// <summary>Not an intrinsic, or one of the rule table's functions of scalars (a function of a span reads all of it).</summary>
        public static bool OfScalars(Instr instr) => instr.Op != Op.Intrinsic || RuleTable.IsScalarFunction(instr);
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// A carried integer of a loop (an <c>int</c> or a <c>long</c>) whose value at the end of an iteration is its value at the
    /// start plus δ, where δ is a sum of terms the reverse sweep can compute without it: ±e for a value e built by cheap
    /// integer arithmetic from constants, values from before the loop and its counters (also under an <c>if</c> on such a
    /// value: ±e when that branch was taken; an <c>if</c> on the data keeps it recorded), and the trip count of a loop nested
    /// in the body that moves the value by a fixed step s (a constant, or a value from before that loop) on every iteration,
    /// taken as at least 0, times s (GMM's <c>lparams</c>, advanced by <c>d − j</c> per row of a triangle). The reverse sweep
    /// then does not record it: it carries the value at the end of the iteration it reverses (first the loop's result), and
    /// takes the start value as that minus δ, exactly: integer arithmetic is unchecked, so wrap-around undoes itself.
    /// </summary>
    internal sealed class IntRecurrence
    {
        private IntRecurrence(int index, int param, int yield)
        {
            Index = index;
            Param = param;
            Yield = yield;
        }

        /// <summary>Which carried value of the loop it is.</summary>
        public int Index { get; }

        /// <summary>Its parameter in the loop's body (the value at the start of an iteration).</summary>
        public int Param { get; }

        /// <summary>What the body yields for it (the value at the end of an iteration).</summary>
        public int Yield { get; }

        /// <summary>
        /// Values added to (or subtracted from) it per iteration; with a <c>Condition</c> (−1: none), only when that bool is
        /// <c>When</c> (an <c>if</c> on a value the sweep computes anyway moving it in one branch).
        /// </summary>
        public List<(int Value, bool Subtract, int Condition, bool When)> Terms { get; } = new List<(int, bool, int, bool)>();

        /// <summary>Nested loops that move it by a fixed step per iteration (a constant, or the value <c>StepValue</c>, −1 when constant).</summary>
        public List<(Instr Loop, long Step, int StepValue)> Loops { get; } = new List<(Instr, long, int)>();

        /// <summary>What computing δ reads: the terms, the nested loops' steps and what their trip counts are computed from.</summary>
        public IEnumerable<int> Reads(ReversePlan c) =>
            Terms.Select(t => t.Value).Concat(Terms.Where(t => t.Condition >= 0).Select(t => t.Condition))
                .Concat(Loops.Where(l => l.StepValue >= 0).Select(l => l.StepValue))
                .Concat(Loops.SelectMany(l => c.ExactTrips(l.Loop) is IterationCount t ? new[] { t.Start, t.Bound } : new int[0]));

        public string Describe(ReversePlan c) =>
            "%" + Param + " = %" + Yield + " - (" + string.Join(" + ",
                Terms.Select(t => (t.Subtract ? "-%" : "%") + t.Value + (t.Condition >= 0 ? (t.When ? " if %" : " unless %") + t.Condition : ""))
                    .Concat(Loops.Select(l => "trips @" + l.Loop.Id + " * " + (l.StepValue >= 0 ? "%" + l.StepValue : l.Step.ToString(System.Globalization.CultureInfo.InvariantCulture))))) + ")";

        /// <summary>
        /// Results of nested loops on the way from the parameter to the yield, each with where its share of δ starts in
        /// <see cref="Terms"/> and <see cref="Loops"/>: it is the parameter plus the terms from there on.
        /// </summary>
        public List<(int Value, int FromTerm, int FromLoop)> Between { get; } = new List<(int, int, int)>();

        /// <summary>Whether the reverse sweep has <paramref name="value"/> from this: the parameter, the yield or a value between.</summary>
        public bool Gives(int value) => value == Param || value == Yield || Between.Any(b => b.Value == value);

        /// <summary>
        /// The carried integers of <paramref name="loop"/> the reverse sweep can rebuild this way, by parameter. (A loop the
        /// sweep does not count down, fused, replayed or checkpointed binomially, records nothing of its body and ignores them.)
        /// </summary>
        public static Dictionary<int, IntRecurrence> Of(ReversePlan c, Instr loop)
        {
            var found = new Dictionary<int, IntRecurrence>();
            var body = loop.Regions[1];
            var induction = c.InductionVariables(loop);
            for (int k = 0; k < body.Params.Count; k++)
            {
                var p = body.Params[k];
                if ((p.Type.Display != "int" && p.Type.Display != "long") || induction.ContainsKey(p.Id)) continue;
                var recurrence = new IntRecurrence(k, p.Id, body.Yields[k]);
                if (Delta(c, loop, induction, body.Yields[k], p.Id, recurrence, 0) && (recurrence.Terms.Count > 0 || recurrence.Loops.Count > 0))
                {
                    found[p.Id] = recurrence;
                }
            }
            return found;
        }

        /// <summary>Walks from <paramref name="value"/> back to the parameter, adding the terms δ is made of; false when that fails.</summary>
        private static bool Delta(ReversePlan c, Instr loop, Dictionary<int, (int Start, int Step)> induction, int value, int param, IntRecurrence into, int depth)
        {
            if (value == param) return true;
            var body = loop.Regions[1];
            if (depth > 16 || !c.Info.IsDefinedIn(value, body) || !c.Info.TryGetDefinition(value, out var d)) return false;
            if (!d.HasRegions && d.Id == value && (d.Op == Op.Add || d.Op == Op.Sub) && d.Type == c.TypeOf(param))
            {
                // x + e, e + x, x − e, with x leading back to the parameter and e not.
                for (int side = 0; side < 2; side++)
                {
                    if (side == 1 && d.Op == Op.Sub) break;
                    int x = d.Args[side], e = d.Args[1 - side];
                    if (!Independent(c, loop, induction, e, 0)) continue;
                    into.Terms.Add((e, d.Op == Op.Sub, -1, false));
                    return Delta(c, loop, induction, x, param, into, depth + 1);
                }
                return false;
            }
            if (d.Op == Op.If) return Branch(c, loop, induction, d, value, param, into, depth);
            if (d.Op != Op.While) return false;
            // The result of a nested loop over it, moving it by a fixed step per iteration, with a count known when it starts.
            int r = d.Results.ToList().FindIndex(res => res.Id == value);
            if (r < 0 || c.ExactTrips(d) is not IterationCount trips || trips.FromFinal) return false;
            if (!Independent(c, loop, induction, trips.Start, 0) || !Independent(c, loop, induction, trips.Bound, 0)) return false;
            if (value != into.Yield) into.Between.Add((value, into.Terms.Count, into.Loops.Count));
            var inner = d.Regions[1];
            int innerParam = inner.Params[r].Id;
            if (!c.Info.IsDefinedIn(inner.Yields[r], inner) || !c.Info.TryGetDefinition(inner.Yields[r], out var next) || next.HasRegions) return false;
            if ((next.Op != Op.Add && next.Op != Op.Sub) || next.Args[0] != innerParam) return false;
            int step = next.Args[1];
            if (c.Info.IsConst(step, out double constant))
            {
                into.Loops.Add((d, (long)constant * (next.Op == Op.Add ? 1 : -1), -1));
            }
            else if (next.Op == Op.Add && !c.Info.IsInside(step, d) && Independent(c, loop, induction, step, 0))
            {
                into.Loops.Add((d, 1, step));
            }
            else return false;
            return Delta(c, loop, induction, d.Args[r], param, into, depth + 1);
        }

        /// <summary>
        /// <c>if (cond) v ±= e;</c> (either branch): the if's result is the value before it plus ±e when cond is the branch's, with
        /// cond and e values the sweep has without v (a branch on the data keeps v recorded).
        /// </summary>
        private static bool Branch(ReversePlan c, Instr loop, Dictionary<int, (int Start, int Step)> induction, Instr branch, int value, int param, IntRecurrence into, int depth)
        {
            int r = branch.Results.ToList().FindIndex(res => res.Id == value);
            if (r < 0 || !Independent(c, loop, induction, branch.Args[0], 0)) return false;
            for (int side = 0; side < 2; side++)
            {
                int moved = branch.Regions[side].Yields[r], kept = branch.Regions[1 - side].Yields[r];
                if (!c.Info.IsDefinedIn(moved, branch.Regions[side]) || !c.Info.TryGetDefinition(moved, out var add) || add.HasRegions || add.Id != moved) continue;
                if ((add.Op != Op.Add && add.Op != Op.Sub) || add.Args[0] != kept || c.Info.IsInside(add.Args[1], branch)) continue;
                if (!Independent(c, loop, induction, add.Args[1], 0)) continue;
                if (value != into.Yield) into.Between.Add((value, into.Terms.Count, into.Loops.Count));
                into.Terms.Add((add.Args[1], add.Op == Op.Sub, branch.Args[0], side == 0));
                return Delta(c, loop, induction, kept, param, into, depth + 1);
            }
            return false;
        }

        /// <summary>
        /// Whether the reverse sweep has <paramref name="value"/> in an iteration of <paramref name="loop"/> without recording
        /// it: a value from before the loop, a counter of the loop, or cheap integer arithmetic at the body's level on such values.
        /// </summary>
        private static bool Independent(ReversePlan c, Instr loop, Dictionary<int, (int Start, int Step)> induction, int value, int depth)
        {
            if (!c.Info.IsInside(value, loop)) return true;
            if (induction.ContainsKey(value)) return true;
            var body = loop.Regions[1];
            if (depth > 8 || !c.Info.IsDefinedIn(value, body) || !c.Info.TryGetDefinition(value, out var d) || d.Id != value || d.HasRegions) return false;
            if (d.Type.Kind != ValueKind.Integer && d.Type.Kind != ValueKind.Bool) return false;
            // Cheap, or an integer / or % by a nonzero constant (which the tape plan computes again too).
            bool byConstant = (d.Op == Op.Div || d.Op == Op.Rem) && d.Type.Kind == ValueKind.Integer && c.Info.IsConst(d.Args[1], out double divisor) && divisor != 0;
            if (!(OpInfo.IsCheap(d) || byConstant) || OpInfo.IndexesSequence(d.Op)) return false;
            return d.Args.All(a => Independent(c, loop, induction, a, depth + 1));
        }
    }
}

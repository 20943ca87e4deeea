using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// The pass <c>replay-loops</c>: picks the loops whose reverse replays them forwards (<see cref="ReversePlan.Replayed"/>),
    /// then plans the tapes again (<see cref="TapePlan"/>), since a replayed loop reads other values from around it than a
    /// reversed one. A candidate has no branch or loop inside (<see cref="OpInfo.IsReplayable"/>), so its body's plan does
    /// not depend on the choice for any other loop.
    /// </summary>
    internal static class ReplayLoops
    {
        // The reverse of a loop whose carried values are all accumulators, and that records nothing, needs no particular
        // order: every iteration's adjoint is the same function of the same adjoints (the accumulators' are constant), and
        // it only adds into other adjoints. So the reverse sweep replays the loop as written, forwards, its own condition and
        // counters recomputing the cheap values each iteration's adjoint reads: `for (j = 0; j < n; j++) w̄[j] += z̄·x[j]`,
        // not a count down with indices rebuilt from it. The accumulators themselves are not recomputed.

        public static void Run(ReversePlan c)
        {
            if (!c.Planned) TapePlan.Run(c, recompute: false);
            foreach (var loop in c.PlannedLoops)
            {
                if (IsReplayable(c, loop)) c.Replayed.Add(loop.Id);
            }
            if (c.Replayed.Count > 0) TapePlan.Run(c, c.RecomputeCheap);
        }

        /// <summary>Whether the reverse sweep replays <paramref name="loop"/> forwards (see above).</summary>
        private static bool IsReplayable(ReversePlan c, Instr loop)
        {
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            if (c.Records[body].Count > 0 || FuseLoops.Accumulators(c, loop) is not List<int> accumulators) return false;
            if (accumulators.Any(i => ConditionReads(condition, condition.Params[i].Id))) return false;
            bool Simple(Instr i) => OpInfo.IsReplayable(i) && FuseLoops.OfScalars(i) && !c.Snapshots.ContainsKey(i.Id);
            return condition.Body.All(Simple) && body.Body.All(Simple);
        }

        // The condition's top level is enough: a condition with regions of its own is never replayed (Simple above).
        private static bool ConditionReads(Region condition, int value) =>
            condition.Yields.Contains(value) || condition.Body.Any(i => i.Args.Contains(value));

        /// <summary>What a replayed loop reads from around it: the start values of what it recomputes, and the outer values its regions read.</summary>
        public static IEnumerable<int> Reads(ReversePlan c, Instr loop)
        {
            var accumulators = FuseLoops.Accumulators(c, loop)!;
            return Enumerable.Range(0, loop.Args.Count).Where(i => !accumulators.Contains(i)).Select(i => loop.Args[i])
                .Concat(Activity.FreeValues(loop.Regions));
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    public static partial class Reverse
    {
        // ---- loops fused with their adjoint (FuseLoops.cs chose them) ----

        /// <summary>
        /// The primal loop with each iteration's adjoint after it: the accumulators' adjoints are built before the loop,
        /// and the loop also carries the adjoints of the outer scalars the body reads.
        /// </summary>
        private static void FusedLoop(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint, int seed)
        {
            var tail = c.Plan.Fused[instr.Id];
            var coefficients = FuseLoops.Accumulators(c.Plan, instr)!.ToDictionary(i => i, i => tail.Coefficient(c.B, instr.Results[i].Id, seed, map));
            LoopWithAdjoint(c, instr, map, adjoint, coefficients, replay: false);
        }

        // ---- reverse loops run forwards (ReplayLoops.cs chose them) ----

        /// <summary>The adjoint of a loop at its place in the reverse sweep, replaying the loop forwards.</summary>
        private static void ReplayedLoop(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint)
        {
            var coefficients = new Dictionary<int, int>();
            foreach (int i in FuseLoops.Accumulators(c.Plan, instr)!)
            {
                if (adjoint.TryGetValue(instr.Results[i].Id, out int a)) coefficients[i] = a;
            }
            LoopWithAdjoint(c, instr, map, adjoint, coefficients, replay: true);
        }

        /// <summary>
        /// A loop running the primal's iterations forwards, each followed by its adjoint, with the accumulators' adjoints
        /// given (<paramref name="coefficients"/>, by carried index). Fused (in the forward sweep) it computes the primal
        /// too; replayed (in the reverse sweep) it recomputes only what the adjoints and the loop's own control read.
        /// </summary>
        private static void LoopWithAdjoint(Context c, Instr instr, Dictionary<int, int> map, Dictionary<int, int> adjoint, Dictionary<int, int> coefficients, bool replay)
        {
            var b = c.B;
            var condition = instr.Regions[0];
            var body = instr.Regions[1];
            var chains = FuseLoops.AccumulatorChains(c.Plan, instr)!;
            var accumulators = chains.Keys.OrderBy(i => i).ToList();
            var accumulations = new HashSet<int>(chains.Values.SelectMany(chain => chain.Select(a => a.Link.Id)));
            // A replayed loop does not carry its accumulators: nothing reads them but their own sums.
            var kept = Enumerable.Range(0, body.Params.Count).Where(i => !replay || !accumulators.Contains(i)).ToList();
            var outer = Activity.FreeValues(new[] { body }).Where(v => c.Activity.IsVaried(v) && TypeOf(c, v).Kind != ValueKind.Sequence).ToList();
            var signature = kept.Select(i => (body.Params[i].Name, body.Params[i].Type)).ToList();
            signature.AddRange(outer.Select(v => (AdjointName(c, v) ?? "adjoint", b.TypeOf(map[v]))));
            var inits = kept.Select(i => map[instr.Args[i]]).ToList();
            inits.AddRange(outer.Select(v => adjoint.TryGetValue(v, out int a) ? a : Zero(c, map, v)));

            var conditionIds = b.BeginRegion(signature);
            for (int j = 0; j < kept.Count; j++) map[condition.Params[kept[j]].Id] = conditionIds[j];
            Replay.CopyBlock(b, condition.Body, map, simplify: false);
            var conditionRegion = b.EndRegion(new[] { map[condition.Yields[0]] });

            var ids = b.BeginRegion(signature);
            for (int j = 0; j < kept.Count; j++) map[body.Params[kept[j]].Id] = ids[j];
            // The counter's step (anything inactive only the next iteration reads) goes after the adjoint, which reads the
            // counter: `i += 1` at the end of the loop, as written.
            var usedInBody = new HashSet<int>(body.Body.SelectMany(i => i.Args.Concat(i.Regions.SelectMany(r => Activity.FreeValues(new[] { r })))));
            var deferred = body.Body.Where(i => !i.HasRegions && OpInfo.IsCheap(i) && !c.Activity.IsVaried(i.Id) && !usedInBody.Contains(i.Id)).ToList();
            var primal = body.Body.Where(i => !deferred.Contains(i) && !(replay && accumulations.Contains(i.Id))).ToEquatableArray();
            ForwardBlock(c, primal, map);
            var localAdjoint = new Dictionary<int, int>();
            for (int j = 0; j < outer.Count; j++) localAdjoint[outer[j]] = ids[kept.Count + j];
            foreach (int i in accumulators)
            {
                if (!coefficients.TryGetValue(i, out int coefficient)) continue;
                if (!replay)
                {
                    Accumulate(c, localAdjoint, body.Yields[i], coefficient, b.Mark);
                    continue;
                }
                // p ± e₁ ± e₂ … without p: each eₖ takes ±p̄ directly.
                foreach (var step in chains[i])
                {
                    int term = step.Link.Args[step.Term];
                    if (!c.Activity.IsVaried(term)) continue;
                    int contribution = step.Subtracts ? b.Neg(coefficient) : coefficient;
                    Accumulate(c, localAdjoint, term, b.Convert(contribution, TypeOf(c, term)), b.Mark);
                }
            }
            // The iteration's adjoint repeats, at the same indices, the accesses its primal part just made with their checks.
            bool marking = b.MarkInRange;
            b.MarkInRange = c.Plan.InRange;
            AdjointBlock(c, primal, map, localAdjoint);
            b.MarkInRange = marking;
            ForwardBlock(c, deferred.ToEquatableArray(), map);
            var yields = kept.Select(i => map[body.Yields[i]]).ToList();
            yields.AddRange(outer.Select(v => localAdjoint[v]));
            var bodyRegion = b.EndRegion(yields);

            var results = b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion }, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            if (!replay)
            {
                for (int i = 0; i < instr.Results.Count; i++) map[instr.Results[i].Id] = results[i];
            }
            for (int j = 0; j < outer.Count; j++) adjoint[outer[j]] = results[kept.Count + j];
            foreach (int i in accumulators)
            {
                // The accumulator's start value takes the same adjoint as every iteration's p.
                if (coefficients.TryGetValue(i, out int coefficient) && c.Activity.IsVaried(instr.Args[i])) Accumulate(c, adjoint, instr.Args[i], coefficient, b.Mark);
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Reverse mode (VJP). For <c>f(p…) → value</c> builds
    /// <c>f(p…, seed, p̄…) → (value, p̄…)</c>: a forward sweep (the primal, unchanged) followed by a
    /// reverse sweep that walks the instructions backwards and adds adjoint·∂instr/∂argᵢ into each
    /// active operand's adjoint. Each incoming p̄ is where the accumulation for p starts, so the
    /// results are p̄ + seed·∂f/∂p.
    /// </summary>
    public static class Reverse
    {
        public const string AdjointSuffix = "Adj";

        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default)
        {
            var activity = Activity.Analyze(primal, activeParams.Select(i => primal.Params[i].Id).ToArray(), cancellationToken);
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            var names = new Dictionary<int, string>();
            foreach (var p in primal.Params)
            {
                map[p.Id] = b.Param(p.Name, p.Type);
                names[p.Id] = p.Name;
            }

            var result = primal.Results[0];
            var resultType = TypeOf(primal, result.Value);
            int seed = b.Param("seed", resultType);
            var adjoint = new Dictionary<int, int>();
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                adjoint[p.Id] = b.Param(p.Name + AdjointSuffix, p.Type);
            }

            // Forward sweep: the primal as written. Straight-line code overwrites nothing, so the
            // reverse sweep reads every value it needs directly.
            foreach (var instr in primal.Body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                map[instr.Id] = Replay.Copy(b, instr, map, simplify: false);
                if (instr.Name != null) names[instr.Id] = instr.Name;
            }

            // Reverse sweep.
            if (activity.IsVaried(result.Value)) Accumulate(b, adjoint, names, result.Value, seed, b.Mark);
            for (int k = primal.Body.Count - 1; k >= 0; k--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var instr = primal.Body[k];
                if (!activity.IsVaried(instr.Id) || !adjoint.TryGetValue(instr.Id, out int adj)) continue;
                var partials = RuleTable.Partials(instr)!;
                var args = instr.Args.Select(a => map[a]).ToArray();
                for (int i = 0; i < args.Length; i++)
                {
                    int arg = instr.Args[i];
                    if (partials[i] == null || !activity.IsVaried(arg)) continue;
                    int mark = b.Mark;
                    int partial = partials[i]!(b, args, map[instr.Id]);
                    int contribution = b.Convert(b.Mul(adj, partial), TypeOf(primal, arg));
                    Accumulate(b, adjoint, names, arg, contribution, mark);
                }
            }

            var results = new List<IrResult> { new IrResult(result.Name, map[result.Value]) };
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                results.Add(new IrResult(p.Name + AdjointSuffix, adjoint[p.Id]));
            }
            return Simplify.Run(b.Build(primal.Name + "Vjp", results), cancellationToken);
        }

        private static void Accumulate(IrBuilder b, Dictionary<int, int> adjoint, Dictionary<int, string> names, int value, int contribution, int mark)
        {
            string? name = names.TryGetValue(value, out var n) ? n + AdjointSuffix : null;
            if (adjoint.TryGetValue(value, out int existing))
            {
                adjoint[value] = b.Add(existing, contribution, name);
            }
            else
            {
                if (name != null) b.NameValue(contribution, name, mark);
                adjoint[value] = contribution;
            }
        }

        private static TypeRef TypeOf(IrFunction f, int value)
        {
            foreach (var p in f.Params) if (p.Id == value) return p.Type;
            foreach (var i in f.Body) if (i.Id == value) return i.Type;
            throw new KeyNotFoundException("%" + value);
        }
    }
}

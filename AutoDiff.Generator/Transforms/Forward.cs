using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Forward mode (JVP). For <c>f(p…) → value</c> builds <c>f(p…, ṗ…) → (value, tangent)</c>
    /// with one tangent parameter per active parameter, in order. Each active instruction is
    /// followed by its tangent, Σ ∂instr/∂argᵢ · argᵢ̇, from the rule table.
    /// </summary>
    public static class Forward
    {
        public const string TangentSuffix = "Dot";

        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default)
        {
            var activity = Activity.Analyze(primal, activeParams.Select(i => primal.Params[i].Id).ToArray(), cancellationToken);
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            var tangent = new Dictionary<int, int>();
            foreach (var p in primal.Params) map[p.Id] = b.Param(p.Name, p.Type);
            foreach (int index in activeParams)
            {
                var p = primal.Params[index];
                tangent[p.Id] = b.Param(p.Name + TangentSuffix, p.Type);
            }

            foreach (var instr in primal.Body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int value = Replay.Copy(b, instr, map, simplify: false);
                map[instr.Id] = value;
                if (!activity.IsVaried(instr.Id)) continue;

                var partials = RuleTable.Partials(instr)!;
                var args = instr.Args.Select(a => map[a]).ToArray();
                int? sum = null;
                int mark = b.Mark;
                for (int i = 0; i < args.Length; i++)
                {
                    if (partials[i] == null || !tangent.TryGetValue(instr.Args[i], out int argTangent)) continue;
                    int partial = partials[i]!(b, args, value);
                    int term = b.Mul(b.Convert(argTangent, instr.Type), partial);
                    sum = sum == null ? term : b.Add(sum.Value, term);
                }
                if (sum == null) continue;
                if (instr.Name != null) b.NameValue(sum.Value, instr.Name + TangentSuffix, mark);
                tangent[instr.Id] = sum.Value;
            }

            var result = primal.Results[0];
            var resultType = primal.Body.FirstOrDefault(i => i.Id == result.Value)?.Type
                ?? primal.Params.First(p => p.Id == result.Value).Type;
            int resultTangent = tangent.TryGetValue(result.Value, out int t) ? t : b.Const(0, resultType);
            return Simplify.Run(b.Build(primal.Name + "Jvp", new[]
            {
                new IrResult(result.Name, map[result.Value]),
                new IrResult("tangent", resultTangent),
            }), cancellationToken);
        }
    }
}

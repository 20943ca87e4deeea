using System.Collections.Generic;
using System.Threading;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// Activity analysis: a value is <em>varied</em> when it depends differentiably on an active
    /// parameter, <em>useful</em> when a result depends on it, and <em>active</em> when both.
    /// Only active values get tangents or adjoints.
    /// </summary>
    public sealed class Activity
    {
        private readonly HashSet<int> _varied;
        private readonly HashSet<int> _useful;

        private Activity(HashSet<int> varied, HashSet<int> useful)
        {
            _varied = varied;
            _useful = useful;
        }

        public bool IsVaried(int value) => _varied.Contains(value);

        public bool IsActive(int value) => _varied.Contains(value) && _useful.Contains(value);

        public static Activity Analyze(IrFunction function, IReadOnlyCollection<int> activeParams, CancellationToken cancellationToken = default)
        {
            var varied = new HashSet<int>(activeParams);
            foreach (var instr in function.Body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var partials = RuleTable.Partials(instr);
                if (partials == null) continue;
                for (int i = 0; i < instr.Args.Count && i < partials.Length; i++)
                {
                    if (partials[i] != null && varied.Contains(instr.Args[i]))
                    {
                        varied.Add(instr.Id);
                        break;
                    }
                }
            }

            var useful = new HashSet<int>();
            foreach (var result in function.Results) useful.Add(result.Value);
            for (int k = function.Body.Count - 1; k >= 0; k--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var instr = function.Body[k];
                if (!useful.Contains(instr.Id)) continue;
                foreach (int arg in instr.Args) useful.Add(arg);
            }
            return new Activity(varied, useful);
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Folding and dead-code elimination, and specialisation of parameters to constants (how
    /// <c>Gradient</c> is made from <c>Vjp</c>: seed 1, incoming adjoints 0).
    /// </summary>
    public static class Simplify
    {
        public static IrFunction Run(IrFunction function, CancellationToken cancellationToken = default) =>
            Specialize(function, function.Name, new Dictionary<int, double>(), cancellationToken);

        /// <summary>
        /// Replaces the parameters at the given indices by constants, folds, and drops dead code.
        /// </summary>
        public static IrFunction Specialize(IrFunction function, string name, IReadOnlyDictionary<int, double> constants, CancellationToken cancellationToken = default)
        {
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            for (int i = 0; i < function.Params.Count; i++)
            {
                var p = function.Params[i];
                map[p.Id] = constants.TryGetValue(i, out double c) ? b.Const(c, p.Type) : b.Param(p.Name, p.Type);
            }
            foreach (var instr in function.Body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                map[instr.Id] = Replay.Copy(b, instr, map, simplify: true);
            }
            var folded = b.Build(name, function.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            return EliminateDeadCode(folded);
        }

        public static IrFunction EliminateDeadCode(IrFunction function)
        {
            var live = new HashSet<int>(function.Results.Select(r => r.Value));
            for (int k = function.Body.Count - 1; k >= 0; k--)
            {
                var instr = function.Body[k];
                if (!live.Contains(instr.Id)) continue;
                foreach (int arg in instr.Args) live.Add(arg);
            }
            return function with { Body = function.Body.Where(i => live.Contains(i.Id)).ToEquatableArray() };
        }
    }
}

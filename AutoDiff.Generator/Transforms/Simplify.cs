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

        /// <summary>Replaces the parameters at the given indices by constants, folds, and drops dead code.</summary>
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
                Replay.Copy(b, instr, map, simplify: true);
            }
            var folded = b.Build(name, function.Results.Select(r => new IrResult(r.Name, map[r.Value])));
            return EliminateDeadCode(folded);
        }

        /// <summary>
        /// Drops instructions nothing needs. Instructions with effects (<see cref="OpInfo.HasEffect(Instr)"/>) and the ifs and
        /// loops that contain them are kept: pushes and pops must stay paired, and a call with effects runs even when its value is unused.
        /// </summary>
        public static IrFunction EliminateDeadCode(IrFunction function)
        {
            var live = new HashSet<int>(function.Results.Select(r => r.Value));
            MarkBlock(function.Body, live);
            return function with { Body = Sweep(function.Body, live) };
        }

        private static void MarkBlock(EquatableArray<Instr> body, HashSet<int> live)
        {
            // Backwards, repeated until stable: a loop body's yields feed its own parameters.
            bool changed = true;
            while (changed)
            {
                int before = live.Count;
                for (int k = body.Count - 1; k >= 0; k--)
                {
                    var instr = body[k];
                    if (instr.HasRegions)
                    {
                        if (!IsLive(instr, live)) continue;
                        live.Add(instr.Id);
                        foreach (int arg in instr.Args) live.Add(arg);
                        foreach (var region in instr.Regions)
                        {
                            // Every yield of a live region is kept so if and loop arities stay intact.
                            foreach (int y in region.Yields) live.Add(y);
                            foreach (var p in region.Params) live.Add(p.Id);
                            MarkBlock(region.Body, live);
                        }
                        continue;
                    }
                    if (!live.Contains(instr.Id) && !instr.Results.Any(r => live.Contains(r.Id)) && !OpInfo.HasEffect(instr)) continue;
                    live.Add(instr.Id);
                    foreach (int arg in instr.Args) live.Add(arg);
                }
                changed = live.Count != before;
            }
        }

        private static bool IsLive(Instr instr, HashSet<int> live) =>
            live.Contains(instr.Id) || instr.Results.Any(r => live.Contains(r.Id)) || OpInfo.ContainsEffect(instr);

        private static EquatableArray<Instr> Sweep(EquatableArray<Instr> body, HashSet<int> live) =>
            body.Where(i => live.Contains(i.Id) || i.Results.Any(r => live.Contains(r.Id)) || OpInfo.HasEffect(i))
                .Select(i => i.HasRegions
                    ? i with { Regions = i.Regions.Select(r => r with { Body = Sweep(r.Body, live) }).ToEquatableArray() }
                    : i)
                .ToEquatableArray();
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// A loop counter: the carried integer at <see cref="Index"/> (body parameter <see cref="Param"/>) that every iteration
    /// advances by the constant <see cref="Step"/> (<c>i += 1</c>, <c>i -= 2</c>), starting at the loop's operand <see cref="Start"/>.
    /// </summary>
    public sealed record InductionVariable(int Index, int Param, int Start, int Step);

    /// <summary>
    /// The one detection of induction variables, which the reverse sweep (counters recomputed from the iteration number, trip
    /// counts from a counter's final value) and <c>Overwrite</c> (a loop tiling a span) use.
    /// </summary>
    public static class InductionVariables
    {
        /// <summary>
        /// The counters of <paramref name="loop"/> in <paramref name="function"/>: carried integers whose next value, at
        /// the body's own level, is the parameter plus or minus a constant. The body's own level, deliberately: a counter
        /// stepped inside a branch is an if's result, not an induction variable. Constants live in the function body
        /// (<see cref="IrBuilder"/> puts them there).
        /// </summary>
        public static IReadOnlyList<InductionVariable> Of(Instr loop, IrFunction function)
        {
            var body = loop.Regions[1];
            var found = new List<InductionVariable>();
            Dictionary<int, Instr>? definitions = null;
            for (int i = 0; i < body.Params.Count; i++)
            {
                var p = body.Params[i];
                if (p.Type.Kind != ValueKind.Integer) continue;
                definitions ??= Definitions(body, function);
                if (!definitions.TryGetValue(body.Yields[i], out var next)) continue;
                if ((next.Op != Op.Add && next.Op != Op.Sub) || next.Args[0] != p.Id) continue;
                if (!definitions.TryGetValue(next.Args[1], out var step) || step.Op != Op.Const) continue;
                found.Add(new InductionVariable(i, p.Id, loop.Args[i], (int)step.Constant.Value * (next.Op == Op.Add ? 1 : -1)));
            }
            return found;
        }

        private static Dictionary<int, Instr> Definitions(Region body, IrFunction function)
        {
            var definitions = body.Body.Where(i => !i.HasRegions).ToDictionary(i => i.Id);
            foreach (var constant in function.Body.Where(i => i.Op == Op.Const)) definitions[constant.Id] = constant;
            return definitions;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// A value and its pullback as one call, where the cotangent is known before the value is computed. In a fused loop's
    /// iteration (<c>slse += LogSumExp(t)</c>: the iteration's adjoint runs right after it, with the loop's constant seed) and
    /// in a gradient that ends in such a call, the reverse sweep's <c>LogSumExpAdjoint(t, v, c, t̄)</c> follows the
    /// <c>v = LogSumExp(t)</c> in the same block with nothing between that touches t or t̄; both recompute the same
    /// exponentials. The pair becomes <c>v = LogSumExpWithAdjoint(t, c, t̄)</c>, which computes them once.
    /// The same holds for a [Differentiable] callee: <c>s += Pair(a, b)</c>, then <c>PairVjp(a, b, c, ref ā, ref b̄)</c>, which
    /// runs Pair's body again and returns its value bit for bit (the companions' contract), becomes one
    /// <see cref="Op.CallVjp"/> whose first result is that value (<see cref="CallInfo.ReturnsValue"/>).
    /// <para>
    /// Which pairs: a function with a row in <see cref="SpanRules.WithPullback"/> (its value an <see cref="Op.Intrinsic"/>)
    /// and, later in the same block, its pullback's <see cref="Op.Effect"/> on the same operands and that value; or a
    /// <see cref="Op.CallDifferentiable"/> of a scalar and, later in the same block, the callee's Vjp on the same arguments. Every
    /// instruction between is pure, a tape operation (which touches no user memory) or an if or loop of such, and none reads
    /// the pullback's adjoint span (the addition moves before it) or is an element read of a span the pullback writes; the
    /// pullback's other operands are defined before the value or by pure instructions between whose own operands are (those
    /// move before it), never the value itself. The merged call has an effect, so nothing moves it or drops it; the value is the same computation,
    /// so the primal is bit for bit the same; the adjoint's weights e^(xᵢ − max)/Σ equal e^(xᵢ − value) to rounding.
    /// </para>
    /// <para>
    /// Run on each finished companion (the Hvp and VjpTangent are built from the Vjp and Gradient before it, so forward mode
    /// never meets the merged call), after <c>fill-at-use</c> and before <c>reserve-tapes</c>.
    /// </para>
    /// </summary>
    public static class MergePullbacks
    {
        public const string Name = "merge-pullbacks";

        public static IrFunction Run(IrFunction function)
        {
            bool changed = false;
            var info = FunctionInfo.Of(function);
            var body = Block(info, function.Body, ref changed);
            return changed ? function with { Body = body } : function;
        }

        private static EquatableArray<Instr> Block(FunctionInfo info, EquatableArray<Instr> body, ref bool changed)
        {
            var list = new List<Instr>(body.Count);
            foreach (var instr in body)
            {
                if (!instr.HasRegions)
                {
                    list.Add(instr);
                    continue;
                }
                var regions = new Region[instr.Regions.Count];
                bool inner = false;
                for (int r = 0; r < regions.Length; r++)
                {
                    var region = instr.Regions[r];
                    var rewritten = Block(info, region.Body, ref inner);
                    regions[r] = region with { Body = rewritten };
                }
                if (inner)
                {
                    changed = true;
                    list.Add(instr with { Regions = regions.ToEquatableArray() });
                }
                else list.Add(instr);
            }
            for (int at = 0; at < list.Count; at++)
            {
                if (TryMerge(info, list, at)) changed = true;
            }
            return list.ToEquatableArray();
        }

        /// <summary>Merges the value at <paramref name="at"/> with its pullback later in <paramref name="list"/>, when it may.</summary>
        private static bool TryMerge(FunctionInfo info, List<Instr> list, int at)
        {
            var value = list[at];
            int count = value.Args.Count;
            int end;
            int restStart;
            string? helper = null;
            if (value.Op == Op.Intrinsic && value.Fn.Name != null && SpanRules.WithPullback.TryGetValue(value.Fn.Name, out var row))
            {
                // A runtime rule: its pullback is an effect on the function's operands, the value, then the rest.
                end = list.FindIndex(at + 1, i => i.Op == Op.Effect && i.Call.Callee == row.Pullback && i.Args.Count > count && i.Args[count] == value.Id);
                restStart = count + 1;
                helper = row.Merged;
            }
            else if (value.Op == Op.CallDifferentiable && value.Type.IsFloating && value.Results.Count == 0)
            {
                // A [Differentiable] callee: its Vjp takes the arguments, then the seed and adjoint spans, and returns the value
                // the callee returns, bit for bit (the companions' contract).
                string vjp = value.Call.Callee + "Vjp";
                end = list.FindIndex(at + 1, i => i.Op == Op.CallVjp && i.Call.Callee == vjp && !i.Call.ReturnsValue && Activity.CallVjpShape(i).Count == count);
                restStart = count;
            }
            else return false;
            if (end < 0) return false;
            var pullback = list[end];
            for (int i = 0; i < count; i++) if (pullback.Args[i] != value.Args[i]) return false;
            var rest = pullback.Args.Skip(restStart).ToList();
            var written = new HashSet<int>(rest.Where(a => info.TypeOf(a).Kind == ValueKind.Sequence));

            // What lies between: defined there (by position), and whether each may stay there.
            var definedAt = new Dictionary<int, int>();
            for (int k = at + 1; k < end; k++)
            {
                var between = list[k];
                if (!Harmless(between, written)) return false;
                if (between.HasRegions) foreach (var r in between.Results) definedAt[r.Id] = k;
                else definedAt[between.Id] = k;
            }

            // The pullback's other operands: available at the value, or computed between by pure instructions that can move.
            var hoist = new SortedSet<int>();
            bool Available(int operand)
            {
                // A cotangent computed from the value itself (exp(LogSumExp(x)): the seed times the exponential) cannot
                // come before it.
                if (operand == value.Id) return false;
                if (!definedAt.TryGetValue(operand, out int k)) return true;
                var definition = list[k];
                if (!OpInfo.IsPure(definition)) return false;
                if (!hoist.Add(k)) return true;
                return definition.Args.All(Available);
            }
            if (!rest.All(Available)) return false;

            var merged = helper != null
                ? new Instr(value.Id, Op.CallStatic, value.Type, value.Args.Concat(rest).ToEquatableArray(), value.Name, new CallInfo(helper, HasEffect: true))
                : pullback with
                {
                    Results = new[] { new IrParam(value.Id, value.Name ?? "", value.Type) }.Concat(pullback.Results).ToEquatableArray(),
                    Payload = pullback.Call with { ReturnsValue = true },
                };
            var moved = hoist.Select(k => list[k]).ToList();
            list.RemoveAt(end);
            foreach (int k in hoist.Reverse()) list.RemoveAt(k);
            list[at] = merged;
            list.InsertRange(at, moved);
            return true;
        }

        /// <summary>
        /// Whether <paramref name="instr"/> (with its regions) may run after the merged call instead of before the pullback:
        /// pure, or a tape operation; never a read of a sequence the pullback writes.
        /// </summary>
        private static bool Harmless(Instr instr, HashSet<int> written)
        {
            if (instr.HasRegions) return instr.Regions.All(r => r.Body.All(i => Harmless(i, written)));
            if (instr.Args.Any(written.Contains) && instr.Op != Op.Length) return false;
            if (instr.Op == Op.Push || instr.Op == Op.Pop || instr.Op == Op.Reserve) return true;
            return OpInfo.IsPure(instr) || instr.Op == Op.Read || instr.Op == Op.Element;
        }
    }
}

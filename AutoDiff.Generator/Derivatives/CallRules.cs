using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Derivatives
{
    /// <summary>
    /// Rules of calls whose derivatives are other methods: a [Differentiable] callee's generated <c>Jvp</c>/<c>Vjp</c>, or the
    /// <c>Jvp</c>- and <c>Vjp</c>-shaped methods a [DerivativeOf] rule of a function of arrays provides. Its payload's
    /// <see cref="ActiveSet"/> says which operands are active.
    /// </summary>
    internal static class CallRules
    {
        private static bool Active(Instr call, int index) => Activity.CallActive(call, index);

        /// <summary>
        /// The pushforward calls <paramref name="jvp"/> with the arguments and a tangent (or zero) per active parameter; the
        /// pullback calls <paramref name="vjp"/> with the arguments, the cotangent and an adjoint span per sequence parameter,
        /// which it adds into, and gets back the contribution to each scalar one.
        /// </summary>
        public static DerivativeRule Companions(string jvp, string vjp) => new DerivativeRule(
            site =>
            {
                var instr = site.Instr;
                var operands = Enumerable.Range(0, instr.Args.Count).Select(site.Arg).ToList();
                for (int i = 0; i < instr.Args.Count; i++)
                {
                    if (Active(instr, i)) operands.Add(site.TangentOrZero(i));
                }
                site.SetTangent(site.B.Emit(Op.CallJvp, instr.Type, operands, payload: new CallInfo(jvp, Activity.CallActiveSet(instr))));
            },
            site =>
            {
                var instr = site.Instr;
                var b = site.B;
                var active = Enumerable.Range(0, instr.Args.Count).Where(i => Active(instr, i)).ToList();
                var scalars = active.Where(i => b.TypeOf(site.Arg(i)).Kind != ValueKind.Sequence).ToList();
                var operands = Enumerable.Range(0, instr.Args.Count).Select(site.Arg).Concat(new[] { site.Cotangent }).ToList();
                foreach (int i in active.Where(i => b.TypeOf(site.Arg(i)).Kind == ValueKind.Sequence)) operands.Add(site.SequenceAdjoint(i));
                var contributions = b.EmitStructured(Op.CallVjp, operands, System.Array.Empty<Region>(),
                    scalars.Select(i => ((string?)null, b.TypeOf(site.Arg(i)))).ToList(), new CallInfo(vjp, Activity.CallActiveSet(instr)));
                for (int a = 0; a < scalars.Count; a++) site.Add(scalars[a], contributions[a]);
            },
            Active,
            // The callee's Vjp recomputes from its arguments.
            (instr, isVaried) => Enumerable.Range(0, instr.Args.Count),
            readsElements: true);

        /// <summary>
        /// A callee's Vjp inside a reverse sweep, differentiated again (forward over reverse): its <c>VjpTangent</c> companion
        /// returns the contributions and their tangents (the callee's H·v times the seed, plus the seed's tangent times its
        /// gradient) and adds into each adjoint span and that span's tangent. It makes the contributions itself, so it stands
        /// in place of the Vjp.
        /// </summary>
        public static readonly DerivativeRule VjpTangent = new DerivativeRule(
            site =>
            {
                var instr = site.Instr;
                var (count, spans) = Activity.CallVjpShape(instr);
                var operands = Enumerable.Range(0, instr.Args.Count).Select(site.Arg).ToList();
                for (int i = 0; i < count; i++)
                {
                    if (Active(instr, i)) operands.Add(site.TangentOrZero(i));
                }
                operands.Add(site.TangentOrZero(count));
                for (int k = 0; k < spans; k++) operands.Add(site.TangentOrSink(count + 1 + k));
                var results = instr.Results.Select(r => ((string?)null, r.Type)).Concat(instr.Results.Select(r => ((string?)null, r.Type))).ToList();
                var ids = site.B.EmitStructured(Op.CallVjpTangent, operands, System.Array.Empty<Region>(), results, instr.Call with { Callee = instr.Call.Callee + "Tangent" });
                site.SetResults(ids.Take(instr.Results.Count).ToList(), ids.Skip(instr.Results.Count).ToList());
            },
            null,
            (instr, i) => true,
            (instr, isVaried) => new int[0],
            replacesPrimal: true,
            varies: (instr, isVaried) => Activity.CallVjpVaries(instr, isVaried));
    }
}

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
        /// A call to a function with span outputs, <c>F(inputs…, y)</c>, through its [DerivativeOf] rules, shaped like a
        /// vector-valued method's companions. The pushforward calls the Jvp rule in place of the call (it computes the output
        /// too): the arguments, a tangent (or zero) per active input, then the output's tangent span, which it writes. The
        /// pullback calls the Vjp rule with the arguments (the output holding what the call wrote: the reverse sweep puts it
        /// back if it was overwritten since), the output's adjoint as the cotangent, and an adjoint span per active sequence,
        /// which it adds into; the contributions to scalar inputs come back. The call overwrote the output, so its adjoint is
        /// then cleared: nothing flows into what the output held before.
        /// </summary>
        public static DerivativeRule SpanOutputs(string jvp, string vjp) => new DerivativeRule(
            site =>
            {
                var instr = site.Instr;
                var outputs = instr.Rule.Outputs;
                var operands = Enumerable.Range(0, instr.Args.Count).Select(site.Arg).ToList();
                for (int i = 0; i < instr.Args.Count; i++)
                {
                    if (Active(instr, i)) operands.Add(site.TangentOrZero(i));
                }
                foreach (int o in outputs.Positions) operands.Add(site.TangentOrSink(o));
                site.B.Emit(Op.Effect, IrBuilder.Void, operands, payload: new CallInfo(jvp, Activity.CallActiveSet(instr)));
            },
            site =>
            {
                var instr = site.Instr;
                var b = site.B;
                int output = instr.Rule.Outputs.Positions.Single();
                var active = Enumerable.Range(0, instr.Args.Count).Where(i => Active(instr, i)).ToList();
                var scalars = active.Where(i => b.TypeOf(site.Arg(i)).Kind != ValueKind.Sequence).ToList();
                int cotangent = site.SequenceAdjoint(output);
                var operands = Enumerable.Range(0, instr.Args.Count).Select(site.Arg).Concat(new[] { cotangent }).ToList();
                foreach (int i in active.Where(i => b.TypeOf(site.Arg(i)).Kind == ValueKind.Sequence)) operands.Add(site.SequenceAdjoint(i));
                var contributions = b.EmitStructured(Op.CallVjp, operands, System.Array.Empty<Region>(),
                    scalars.Select(i => ((string?)null, b.TypeOf(site.Arg(i)))).ToList(), new CallInfo(vjp, Activity.CallActiveSet(instr)));
                for (int a = 0; a < scalars.Count; a++) site.Add(scalars[a], contributions[a]);
                if (site.IsVaried(output)) Clear(b, cotangent);
            },
            Active,
            // The Vjp rule reads the arguments, the output among them.
            (instr, isVaried) => Enumerable.Range(0, instr.Args.Count),
            readsElements: true,
            replacesPrimal: true);

        /// <summary><c>for (int k = 0; k &lt; span.Length; k++) span[k] = 0;</c></summary>
        private static void Clear(IrBuilder b, int span)
        {
            var element = b.TypeOf(span).ElementType;
            int length = b.Emit(Op.Length, TypeRef.Int, new[] { span });
            var signature = new[] { ("k", TypeRef.Int) };
            var condition = b.BeginRegion(signature);
            var conditionRegion = b.EndRegion(new[] { b.Compare(Op.Lt, condition[0], length) });
            var body = b.BeginRegion(signature);
            b.Emit(Op.Write, IrBuilder.Void, new[] { span, body[0], b.Const(0, element) });
            var bodyRegion = b.EndRegion(new[] { b.Emit(Op.Add, TypeRef.Int, new[] { body[0], b.Const(1, TypeRef.Int) }) });
            b.EmitStructured(Op.While, new[] { b.Const(0, TypeRef.Int) }, new[] { conditionRegion, bodyRegion }, new[] { ((string?)"k", TypeRef.Int) });
        }

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

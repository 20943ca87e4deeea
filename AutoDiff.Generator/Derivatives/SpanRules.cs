using System.Collections.Generic;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Derivatives
{
    /// <summary>
    /// Rules of the <c>AdMath</c> functions of spans, whose derivatives are runtime helpers (a loop each) rather than partials:
    /// the pushforward and the pullback call them, and forward-over-reverse differentiates the pullback's helper through
    /// another (<see cref="Effects"/>).
    /// </summary>
    internal static class SpanRules
    {
        private const string AdMath = "global::AutoDiff.AdMath.";

        /// <summary>
        /// <c>LogSumExp(x)</c>: the tangent is softmax(x)·ẋ (<c>LogSumExpTangent</c>); the pullback adds adjoint·softmax(x) into
        /// x's adjoint (<c>LogSumExpAdjoint</c>), reading the value rather than recomputing it.
        /// </summary>
        public static readonly DerivativeRule LogSumExp = new DerivativeRule(
            site =>
            {
                if (!site.HasTangent(0)) return;
                site.SetTangent(site.B.Emit(Op.CallStatic, site.Instr.Type, new[] { site.Arg(0), site.Tangent(0), site.Value }, payload: new CallInfo(AdMath + "LogSumExpTangent")));
            },
            site => site.B.Emit(Op.Effect, IrBuilder.Void, new[] { site.Arg(0), site.Value, site.Cotangent, site.SequenceAdjoint(0) }, payload: new CallInfo(AdMath + "LogSumExpAdjoint")),
            (instr, i) => i == 0,
            (instr, isVaried) => new[] { instr.Args.Count },
            readsElements: true);

        /// <summary>
        /// <c>LogSumExpAdjoint(x, lse, adjoint, xAdj)</c> in a reverse sweep differentiated again: the tangent of adjoint·softmax(x),
        /// added into xAdj's tangent.
        /// </summary>
        private static readonly DerivativeRule LogSumExpAdjoint = new DerivativeRule(
            site =>
            {
                if (!site.HasTangent(3)) return;
                site.B.Emit(Op.Effect, IrBuilder.Void,
                    new[] { site.Arg(0), site.TangentOrZero(0), site.Arg(1), site.Arg(2), site.TangentOrZero(2), site.Tangent(3) },
                    payload: new CallInfo(AdMath + "LogSumExpAdjointTangent"));
            },
            null,
            (instr, i) => i < 3,
            (instr, isVaried) => new int[0],
            varies: (instr, isVaried) => isVaried(instr.Args[3]));

        /// <summary>
        /// Functions whose value and pullback one runtime call computes together, for <c>merge-pullbacks</c>
        /// (<see cref="Transforms.MergePullbacks"/>): by the function's name, the pullback's effect (its operands: the
        /// function's, the value, then the rest) and the merged helper, which takes the function's operands and the rest of the
        /// pullback's and returns the value bit for bit.
        /// </summary>
        public static readonly Dictionary<string, (string Pullback, string Merged)> WithPullback = new Dictionary<string, (string, string)>
        {
            ["LogSumExp"] = (AdMath + "LogSumExpAdjoint", AdMath + "LogSumExpWithAdjoint"),
        };

        /// <summary>The runtime helpers a pullback emits as effects, with the rules that differentiate them again.</summary>
        public static readonly Dictionary<string, DerivativeRule> Effects = new Dictionary<string, DerivativeRule>
        {
            [AdMath + "LogSumExpAdjoint"] = LogSumExpAdjoint,
        };
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Derivatives
{
    /// <summary>
    /// Builds ∂result/∂args[i] into <paramref name="b"/>, in the result's type, from the instruction's
    /// (already copied) operands and its result.
    /// </summary>
    public delegate int PartialBuilder(IrBuilder b, IReadOnlyList<int> args, int result);

    /// <summary>
    /// The one derivative table, used by both modes: forward mode sums partial·tangent, reverse mode
    /// adds adjoint·partial into each operand's adjoint. A null partial means the derivative with
    /// respect to that operand is zero (or the operand is not differentiable, e.g. an integer).
    /// </summary>
    public static class RuleTable
    {
        private const double Ln2 = 0.69314718055994531;
        private const double Ln10 = 2.3025850929940457;

        /// <summary>
        /// The partials of <paramref name="instr"/>, one per operand, or null when the operation has no
        /// derivative at all (flat functions, comparisons, integer arithmetic).
        /// </summary>
        public static PartialBuilder?[]? Partials(Instr instr)
        {
            if (!instr.Type.IsFloating) return null;
            switch (instr.Op)
            {
                case Op.Neg: return new PartialBuilder?[] { (b, a, r) => One(b, r, -1) };
                case Op.Add: return new PartialBuilder?[] { (b, a, r) => One(b, r), (b, a, r) => One(b, r) };
                case Op.Sub: return new PartialBuilder?[] { (b, a, r) => One(b, r), (b, a, r) => One(b, r, -1) };
                case Op.Mul: return new PartialBuilder?[] { (b, a, r) => a[1], (b, a, r) => a[0] };
                case Op.Div:
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => b.Div(One(b, r), a[1]),
                        // −x/u² = −r·(1/u), sharing the reciprocal with the other partial; for 1/u it is −r², no division.
                        (b, a, r) => b.IsConst(a[0], 1.0) ? b.Neg(b.Mul(r, r)) : b.Neg(b.Mul(r, b.Div(One(b, r), a[1]))),
                    };
                case Op.Rem:
                    // fmod(x, y) = x − trunc(x/y)·y; the truncation is locally constant.
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => One(b, r),
                        (b, a, r) => b.Neg(b.Call(Intrinsic.Truncate, b.TypeOf(r), b.Div(a[0], a[1]))),
                    };
                case Op.Convert:
                    // Between float and double the derivative is one; the transforms convert tangents
                    // and adjoints between the two types.
                    return new PartialBuilder?[] { (b, a, r) => b.TypeOf(a[0]).IsFloating ? One(b, r) : Zero(b, r) };
                case Op.Select:
                    return new PartialBuilder?[]
                    {
                        null,
                        (b, a, r) => b.Select(a[0], One(b, r), Zero(b, r)),
                        (b, a, r) => b.Select(a[0], Zero(b, r), One(b, r)),
                    };
                case Op.Intrinsic:
                    return Intrinsics(instr.Fn, instr.Args.Count);
                case Op.CallWithRule:
                    return UserRule(instr);
                default:
                    return null;
            }
        }

        /// <summary>
        /// The partials of <paramref name="instr"/> with respect to each distinct operand that
        /// <paramref name="include"/> accepts, built into <paramref name="b"/>. An operand used twice
        /// (x·x) gets the sum of its partials, so both modes multiply by a tangent or adjoint once.
        /// </summary>
        public static List<(int Operand, int Partial)> PartialsByOperand(IrBuilder b, Instr instr, IReadOnlyList<int> args, int result, Func<int, bool> include)
        {
            var partials = Partials(instr)!;
            var grouped = new List<(int Operand, int Partial)>();
            for (int i = 0; i < instr.Args.Count; i++)
            {
                int operand = instr.Args[i];
                if (partials[i] == null || !include(operand)) continue;
                int partial = partials[i]!(b, args, result);
                int k = grouped.FindIndex(g => g.Operand == operand);
                if (k < 0) grouped.Add((operand, partial));
                else grouped[k] = (operand, b.Add(grouped[k].Partial, partial));
            }
            return grouped;
        }

        /// <summary>Whether the instruction carries a derivative from any operand.</summary>
        public static bool IsDifferentiable(Instr instr)
        {
            var partials = Partials(instr);
            if (partials == null) return false;
            foreach (var p in partials) if (p != null) return true;
            return false;
        }

        public static PartialBuilder?[]? Intrinsics(Intrinsic fn, int arity)
        {
            switch (fn)
            {
                case Intrinsic.Sin: return Unary((b, x, r) => b.Call(Intrinsic.Cos, b.TypeOf(r), x));
                case Intrinsic.Cos: return Unary((b, x, r) => b.Neg(b.Call(Intrinsic.Sin, b.TypeOf(r), x)));
                case Intrinsic.Tan: return Unary((b, x, r) => b.Add(One(b, r), b.Mul(r, r)));
                case Intrinsic.Asin: return Unary((b, x, r) => b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Sub(One(b, r), b.Mul(x, x)))));
                case Intrinsic.Acos: return Unary((b, x, r) => b.Neg(b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Sub(One(b, r), b.Mul(x, x))))));
                case Intrinsic.Atan: return Unary((b, x, r) => b.Div(One(b, r), b.Add(One(b, r), b.Mul(x, x))));
                case Intrinsic.Atan2:
                    // atan2(y, x): ∂y = x/(x²+y²), ∂x = −y/(x²+y²).
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => b.Div(a[1], b.Add(b.Mul(a[1], a[1]), b.Mul(a[0], a[0]))),
                        (b, a, r) => b.Neg(b.Div(a[0], b.Add(b.Mul(a[1], a[1]), b.Mul(a[0], a[0])))),
                    };
                case Intrinsic.Sinh: return Unary((b, x, r) => b.Call(Intrinsic.Cosh, b.TypeOf(r), x));
                case Intrinsic.Cosh: return Unary((b, x, r) => b.Call(Intrinsic.Sinh, b.TypeOf(r), x));
                case Intrinsic.Tanh: return Unary((b, x, r) => b.Sub(One(b, r), b.Mul(r, r)));
                case Intrinsic.Exp: return Unary((b, x, r) => r);
                case Intrinsic.Log when arity == 1: return Unary((b, x, r) => b.Div(One(b, r), x));
                case Intrinsic.Log:
                    // log_base(x) = ln x / ln base: ∂x = 1/(x ln base), ∂base = −result/(base ln base).
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => b.Div(One(b, r), b.Mul(a[0], b.Call(Intrinsic.Log, b.TypeOf(r), a[1]))),
                        (b, a, r) => b.Neg(b.Div(r, b.Mul(a[1], b.Call(Intrinsic.Log, b.TypeOf(r), a[1])))),
                    };
                case Intrinsic.Log10: return Unary((b, x, r) => b.Div(One(b, r), b.Mul(x, b.Const(Ln10, b.TypeOf(r)))));
                case Intrinsic.Log2: return Unary((b, x, r) => b.Div(One(b, r), b.Mul(x, b.Const(Ln2, b.TypeOf(r)))));
                // Sqrt'(0) = +∞, as the mathematics says: 0.5/√0.
                case Intrinsic.Sqrt: return Unary((b, x, r) => b.Div(b.Const(0.5, b.TypeOf(r)), r));
                case Intrinsic.Cbrt: return Unary((b, x, r) => b.Div(One(b, r), b.Mul(b.Const(3, b.TypeOf(r)), b.Mul(r, r))));
                case Intrinsic.Pow:
                    return new PartialBuilder?[] { PowBase, PowExponent };
                case Intrinsic.Abs:
                    // Abs'(0) = 0: the subgradient midpoint, so a minimiser sitting at the kink stays there.
                    return Unary((b, x, r) => SignOf(b, x, r));
                case Intrinsic.Max:
                    // Ties split the derivative equally between the operands.
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => TieSplit(b, Op.Gt, a[0], a[1], r),
                        (b, a, r) => TieSplit(b, Op.Gt, a[1], a[0], r),
                    };
                case Intrinsic.Min:
                    return new PartialBuilder?[]
                    {
                        (b, a, r) => TieSplit(b, Op.Lt, a[0], a[1], r),
                        (b, a, r) => TieSplit(b, Op.Lt, a[1], a[0], r),
                    };
                case Intrinsic.FusedMultiplyAdd:
                    return new PartialBuilder?[] { (b, a, r) => a[1], (b, a, r) => a[0], (b, a, r) => One(b, r) };
                case Intrinsic.Softplus: return Unary((b, x, r) => b.Call(Intrinsic.Sigmoid, b.TypeOf(r), x));
                // σ' = σ(1 − σ), from the value, which stays in [0, 1].
                case Intrinsic.Sigmoid: return Unary((b, x, r) => b.Mul(r, b.Sub(One(b, r), r)));
                case Intrinsic.LogSigmoid: return Unary((b, x, r) => b.Call(Intrinsic.Sigmoid, b.TypeOf(r), b.Neg(x)));
                case Intrinsic.StopGradient:
                case Intrinsic.Floor:
                case Intrinsic.Ceiling:
                case Intrinsic.Round:
                case Intrinsic.Truncate:
                case Intrinsic.Sign:
                    // Piecewise constant: derivative 0 everywhere, including at the jumps.
                    return new PartialBuilder?[arity];
                default:
                    return null;
            }
        }

        /// <summary>∂pow(x, y)/∂x = y·x^(y−1), taken as 0 when y = 0 (so 0^0 does not give 0·∞).</summary>
        private static int PowBase(IrBuilder b, IReadOnlyList<int> a, int r)
        {
            var type = b.TypeOf(r);
            int x = a[0], y = a[1];
            if (b.IsConst(y, out double c))
            {
                if (c == 0) return Zero(b, r);
                if (c == 1) return One(b, r);
                if (c == 2) return b.Mul(b.Const(2, type), x);
                return b.Mul(y, b.Call(Intrinsic.Pow, type, x, b.Const(c - 1, type)));
            }
            int general = b.Mul(y, b.Call(Intrinsic.Pow, type, x, b.Sub(y, One(b, r))));
            return b.Select(b.Compare(Op.Eq, y, Zero(b, r)), Zero(b, r), general);
        }

        /// <summary>∂pow(x, y)/∂y = x^y·ln x, taken as 0 when x = 0 (the limit from the right).</summary>
        private static int PowExponent(IrBuilder b, IReadOnlyList<int> a, int r)
        {
            var type = b.TypeOf(r);
            int general = b.Mul(r, b.Call(Intrinsic.Log, type, a[0]));
            return b.Select(b.Compare(Op.Eq, a[0], Zero(b, r)), Zero(b, r), general);
        }

        private static int SignOf(IrBuilder b, int x, int r)
        {
            int zero = Zero(b, r);
            return b.Select(b.Compare(Op.Gt, x, zero), One(b, r),
                b.Select(b.Compare(Op.Lt, x, zero), One(b, r, -1), zero));
        }

        /// <summary>1 where <paramref name="self"/> wins, ½ on a tie, 0 where it loses.</summary>
        private static int TieSplit(IrBuilder b, Op wins, int self, int other, int r) =>
            b.Select(b.Compare(wins, self, other), One(b, r),
                b.Select(b.Compare(Op.Eq, self, other), b.Const(0.5, b.TypeOf(r)), Zero(b, r)));

        /// <summary>
        /// A [DerivativeOf] rule: the rule method, called with the same arguments, returns the partials
        /// (a tuple in parameter order when there are several). The same table entry serves both modes.
        /// </summary>
        private static PartialBuilder?[] UserRule(Instr instr)
        {
            var call = instr.Rule;
            string rule = call.Rule;
            ActiveSet? ruleMask = call.RuleActive;
            var active = Enumerable.Range(0, instr.Args.Count).Where(call.Active.Contains).ToList();
            var partials = new PartialBuilder?[instr.Args.Count];
            for (int k = 0; k < active.Count; k++)
            {
                int position = k;
                partials[active[k]] = (b, a, r) =>
                {
                    var type = b.TypeOf(r);
                    var tupleType = active.Count == 1 ? type : new TypeRef(ValueKind.Other, "(" + string.Join(", ", active.Select(_ => type.Display)) + ")");
                    // A differentiable rule is a call to a [Differentiable] method, so forward mode over a reverse sweep
                    // (H·v) differentiates the partial through the rule's own Jvp.
                    int all = ruleMask is ActiveSet mask
                        ? b.Emit(Op.CallDifferentiable, tupleType, a, payload: new CallInfo(rule, mask))
                        : b.Emit(Op.CallStatic, tupleType, a, payload: new CallInfo(rule));
                    return active.Count == 1 ? all : b.Emit(Op.LoadMember, type, new[] { all }, payload: new MemberRef("Item" + (position + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                };
            }
            return partials;
        }

        /// <summary>The class that declares an intrinsic, as emitted code names it.</summary>
        public static string DeclaringClass(Intrinsic fn, bool single) => fn switch
        {
            Intrinsic.StopGradient => "global::AutoDiff.Ad",
            Intrinsic.Softplus or Intrinsic.Sigmoid or Intrinsic.LogSigmoid or Intrinsic.LogSumExp => "global::AutoDiff.AdMath",
            _ => single ? "global::System.MathF" : "global::System.Math",
        };

        private static PartialBuilder?[] Unary(Func<IrBuilder, int, int, int> partial) =>
            new PartialBuilder?[] { (b, a, r) => partial(b, a[0], r) };

        private static int One(IrBuilder b, int like, double sign = 1) => b.Const(sign, b.TypeOf(like));

        private static int Zero(IrBuilder b, int like) => b.Const(0, b.TypeOf(like));
    }
}

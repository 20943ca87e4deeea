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
    /// The one derivative table, used by both modes and by activity analysis: every operation with a derivative gets its
    /// <see cref="DerivativeRule"/> here (<see cref="For"/>). Arithmetic and the functions of <see cref="Functions"/> are given
    /// by their partials (a null partial means the derivative with respect to that operand is zero, or the operand is not
    /// differentiable, e.g. an integer); span functions, calls through companions and [DerivativeOf] rules by a pushforward
    /// and a pullback of their own. Adding a <c>System.Math</c> function is one row in <see cref="Functions"/>.
    /// </summary>
    public static partial class RuleTable
    {
        private const double Ln2 = 0.69314718055994531;
        private const double Ln10 = 2.3025850929940457;

        private const string MathClass = "global::System.Math";
        private const string AdClass = "global::AutoDiff.Ad";
        private const string AdMathClass = "global::AutoDiff.AdMath";
        /// <summary>A function only the floating types themselves declare (<c>double.Hypot</c>, <c>T.Hypot</c>), not <c>System.Math</c>.</summary>
        private const string FloatingClass = "floating";

        /// <summary>A function the table knows: the class that declares it, its partials by arity, and what else the transforms may use.</summary>
        private sealed class Function
        {
            public Function(string declaring, Func<int, PartialBuilder?[]?>? partials, DerivativeRule? rule = null, Func<IReadOnlyList<TypeRef>, bool>? accepts = null, string? sibling = null, Cost cost = Cost.Moderate, bool floatInMath = false)
            {
                FloatInMath = floatInMath;
                Declaring = declaring;
                Cost = cost;
                PartialsOf = partials;
                Rule = rule;
                Accepts = accepts;
                Sibling = sibling;
            }

            public string Declaring { get; }

            /// <summary>A <c>System.Math</c> function whose float overload is in <c>Math</c> too (<c>Clamp</c>: <c>MathF</c> has none).</summary>
            public bool FloatInMath { get; }

            /// <summary>What computing a call again costs (<see cref="OpInfo.CostOf"/>): a function of scalars is as cheap as a division.</summary>
            public Cost Cost { get; }

            /// <summary>Partials for a call with the given number of arguments (null: no such overload is differentiated).</summary>
            public Func<int, PartialBuilder?[]?>? PartialsOf { get; }

            /// <summary>A rule of its own, for a function of a span.</summary>
            public DerivativeRule? Rule { get; }

            /// <summary>Which parameter lists the rule applies to, for a function with a rule of its own.</summary>
            public Func<IReadOnlyList<TypeRef>, bool>? Accepts { get; }

            /// <summary>The function whose value on the same operand is the partial, up to sign (cos for sin): a value the reverse sweep may reuse.</summary>
            public string? Sibling { get; }
        }

        private static Function Math(PartialBuilder?[] partials, string? sibling = null) =>
            new Function(MathClass, arity => arity == partials.Length ? partials : null, sibling: sibling);

        private static Function Math(Func<int, PartialBuilder?[]?> partials) => new Function(MathClass, partials);

        /// <summary>Piecewise constant: derivative 0 everywhere, including at the jumps (any arity: Round(x, digits)).</summary>
        private static Function Flat(string declaring = MathClass, Cost cost = Cost.Moderate) => new Function(declaring, arity => new PartialBuilder?[arity], cost: cost);

        /// <summary>
        /// The functions, by member name: <c>System.Math</c>/<c>MathF</c> members (the float overload is the MathF one) and
        /// <c>AutoDiff.Ad</c>/<c>AdMath</c> ones. A call is differentiated through a row when its class is the row's, its
        /// first parameter is floating and (unless the row is flat) every parameter is, one per partial.
        /// </summary>
        private static readonly Dictionary<string, Function> Functions = WithNumerics(new Dictionary<string, Function>(StringComparer.Ordinal)
        {
            ["Sin"] = Math(Unary((b, x, r) => b.Call(Intrinsic.Cos, b.TypeOf(r), x)), sibling: "Cos"),
            ["Cos"] = Math(Unary((b, x, r) => b.Neg(b.Call(Intrinsic.Sin, b.TypeOf(r), x))), sibling: "Sin"),
            ["Tan"] = Math(Unary((b, x, r) => b.Add(One(b, r), b.Mul(r, r)))),
            ["Asin"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Sub(One(b, r), b.Mul(x, x)))))),
            ["Acos"] = Math(Unary((b, x, r) => b.Neg(b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Sub(One(b, r), b.Mul(x, x))))))),
            ["Atan"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Add(One(b, r), b.Mul(x, x))))),
            // atan2(y, x): ∂y = x/(x²+y²), ∂x = −y/(x²+y²).
            ["Atan2"] = Math(new PartialBuilder?[]
            {
                (b, a, r) => b.Div(a[1], b.Add(b.Mul(a[1], a[1]), b.Mul(a[0], a[0]))),
                (b, a, r) => b.Neg(b.Div(a[0], b.Add(b.Mul(a[1], a[1]), b.Mul(a[0], a[0])))),
            }),
            ["Sinh"] = Math(Unary((b, x, r) => b.Call(Intrinsic.Cosh, b.TypeOf(r), x)), sibling: "Cosh"),
            ["Cosh"] = Math(Unary((b, x, r) => b.Call(Intrinsic.Sinh, b.TypeOf(r), x)), sibling: "Sinh"),
            ["Tanh"] = Math(Unary((b, x, r) => b.Sub(One(b, r), b.Mul(r, r)))),
            // asinh' = 1/√(x²+1), acosh' = 1/√(x²−1) (x > 1), atanh' = 1/(1−x²).
            ["Asinh"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Add(b.Mul(x, x), One(b, r)))))),
            ["Acosh"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Call(Intrinsic.Sqrt, b.TypeOf(r), b.Sub(b.Mul(x, x), One(b, r)))))),
            ["Atanh"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Sub(One(b, r), b.Mul(x, x))))),
            ["Exp"] = Math(Unary((b, x, r) => r)),
            ["Log"] = Math(arity => arity == 1
                ? Unary((b, x, r) => b.Div(One(b, r), x))
                : arity == 2
                    // log_base(x) = ln x / ln base: ∂x = 1/(x ln base), ∂base = −result/(base ln base).
                    ? new PartialBuilder?[]
                    {
                        (b, a, r) => b.Div(One(b, r), b.Mul(a[0], b.Call(Intrinsic.Log, b.TypeOf(r), a[1]))),
                        (b, a, r) => b.Neg(b.Div(r, b.Mul(a[1], b.Call(Intrinsic.Log, b.TypeOf(r), a[1])))),
                    }
                    : null),
            ["Log10"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Mul(x, b.Const(Ln10, b.TypeOf(r)))))),
            ["Log2"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Mul(x, b.Const(Ln2, b.TypeOf(r)))))),
            // Sqrt'(0) = +∞, as the mathematics says: 0.5/√0.
            ["Sqrt"] = Math(Unary((b, x, r) => b.Div(b.Const(0.5, b.TypeOf(r)), r))),
            ["Cbrt"] = Math(Unary((b, x, r) => b.Div(One(b, r), b.Mul(b.Const(3, b.TypeOf(r)), b.Mul(r, r))))),
            ["Pow"] = Math(new PartialBuilder?[] { PowBase, PowExponent }),
            // Abs'(0) = 0: the subgradient midpoint, so a minimiser sitting at the kink stays there.
            ["Abs"] = Math(Unary((b, x, r) => SignOf(b, x, r))),
            // Ties split the derivative equally between the operands.
            ["Max"] = Math(new PartialBuilder?[]
            {
                (b, a, r) => TieSplit(b, Op.Gt, a[0], a[1], r),
                (b, a, r) => TieSplit(b, Op.Gt, a[1], a[0], r),
            }),
            ["Min"] = Math(new PartialBuilder?[]
            {
                (b, a, r) => TieSplit(b, Op.Lt, a[0], a[1], r),
                (b, a, r) => TieSplit(b, Op.Lt, a[1], a[0], r),
            }),
            // hypot(x, y) = √(x² + y²): ∂x = x/r, ∂y = y/r.
            ["Hypot"] = new Function(FloatingClass, arity => arity == 2 ? new PartialBuilder?[] { (b, a, r) => b.Div(a[0], r), (b, a, r) => b.Div(a[1], r) } : null),
            ["FusedMultiplyAdd"] = Math(new PartialBuilder?[] { (b, a, r) => a[1], (b, a, r) => a[0], (b, a, r) => One(b, r) }),
            // Clamp(x, lo, hi) is Min(Max(x, lo), hi), and so is its derivative at the bounds: a tie splits it equally, as Max
            // and Min do (x at lo < hi: ½ to x, ½ to lo). The partials sum to 1 everywhere.
            ["Clamp"] = new Function(MathClass, arity => arity == 3 ? new PartialBuilder?[]
            {
                (b, a, r) => b.Mul(TieSplit(b, Op.Gt, a[0], a[1], r), TieSplit(b, Op.Lt, a[0], a[2], r)),
                (b, a, r) => b.Mul(TieSplit(b, Op.Gt, a[1], a[0], r), TieSplit(b, Op.Lt, a[1], a[2], r)),
                (b, a, r) => TieSplit(b, Op.Lt, a[2], b.Select(b.Compare(Op.Gt, a[0], a[1]), a[0], a[1]), r),
            } : null, floatInMath: true),
            // ScaleB(x, n) = x·2ⁿ, exactly: ∂x = ScaleB(1, n); n is an integer.
            ["ScaleB"] = Math(new PartialBuilder?[] { (b, a, r) => b.Call(Intrinsic.ScaleB, b.TypeOf(r), One(b, r), a[1]), null }),
            // CopySign(x, y) = ±|x| with y's sign: ∂x = sign(x) (0 at 0, as Abs) times y's sign; flat in y.
            ["CopySign"] = Math(new PartialBuilder?[] { (b, a, r) => b.Mul(b.Call(Intrinsic.CopySign, b.TypeOf(r), One(b, r), a[1]), SignOf(b, a[0], r)), null }),
            // The next representable value up or down: the identity as far as a derivative can tell.
            ["BitIncrement"] = Math(Unary((b, x, r) => One(b, r))),
            ["BitDecrement"] = Math(Unary((b, x, r) => One(b, r))),
            // Estimates of 1/x and 1/√x: the derivatives of those functions, from the estimate (−r², −½r³).
            ["ReciprocalEstimate"] = Math(Unary((b, x, r) => b.Neg(b.Mul(r, r)))),
            ["ReciprocalSqrtEstimate"] = Math(Unary((b, x, r) => b.Mul(b.Const(-0.5, b.TypeOf(r)), b.Mul(r, b.Mul(r, r))))),
            ["Floor"] = Flat(),
            ["Ceiling"] = Flat(),
            ["Round"] = Flat(),
            ["Truncate"] = Flat(),
            ["Sign"] = Flat(),
            // The identity: cheaper to compute again than to record.
            ["StopGradient"] = Flat(AdClass, Cost.Cheap),
            ["Softplus"] = new Function(AdMathClass, arity => arity == 1 ? Unary((b, x, r) => b.Call(Intrinsic.Sigmoid, b.TypeOf(r), x)) : null),
            // σ' = σ(1 − σ), from the value, which stays in [0, 1].
            ["Sigmoid"] = new Function(AdMathClass, arity => arity == 1 ? Unary((b, x, r) => b.Mul(r, b.Sub(One(b, r), r))) : null),
            ["LogSigmoid"] = new Function(AdMathClass, arity => arity == 1 ? Unary((b, x, r) => b.Call(Intrinsic.Sigmoid, b.TypeOf(r), b.Neg(x))) : null),
            // A pass over a whole sequence: never computed again.
            ["LogSumExp"] = new Function(AdMathClass, null, SpanRules.LogSumExp,
                parameters => parameters.Count == 1 && parameters[0].Kind == ValueKind.Sequence && parameters[0].Element == ValueKind.Double, cost: Cost.Expensive),
        });

        /// <summary>
        /// The function of <paramref name="owner"/> (a class's full name without <c>global::</c>) named <paramref name="name"/>
        /// with these parameters that the table differentiates, or <see cref="Intrinsic.None"/>.
        /// </summary>
        public static Intrinsic Find(string owner, string name, IReadOnlyList<TypeRef> parameters)
        {
            if (!Functions.TryGetValue(name, out var function)) return Intrinsic.None;
            // double.Exp, float.Sqrt and T.Sin (a generic-math interface's member) are the Math functions under another name.
            bool floatingOwner = owner == "System.Double" || owner == "System.Single" || owner == FloatingClass;
            string declaring = function.Declaring == FloatingClass ? FloatingClass : function.Declaring.Substring("global::".Length);
            if (owner != declaring && !(declaring == "System.Math" && (owner == "System.MathF" || floatingOwner)) && !(declaring == FloatingClass && floatingOwner)) return Intrinsic.None;
            if (function.Accepts != null) return function.Accepts(parameters) ? new Intrinsic(name) : Intrinsic.None;
            if (parameters.Count == 0 || !parameters[0].IsFloating) return Intrinsic.None;
            // Every operand of a differentiable function is floating; the flat ones (Round with digits or a MidpointRounding)
            // may take integers and enums after the value.
            var partials = function.PartialsOf!(parameters.Count);
            if (partials == null) return Intrinsic.None;
            bool flat = partials.All(p => p == null);
            // An operand without a partial may be an integer (ScaleB's exponent).
            if (!flat && (parameters.Count != partials.Length || parameters.Where((p, i) => partials[i] != null).Any(p => !p.IsFloating))) return Intrinsic.None;
            return new Intrinsic(name);
        }

        /// <summary>The cost column of <paramref name="fn"/>'s row, which its <see cref="FnRef"/> payload carries (moderate for a name not in the table).</summary>
        public static Cost CostOf(Intrinsic fn) =>
            fn.Name != null && Functions.TryGetValue(fn.Name, out var f) ? f.Cost : Cost.Moderate;

        /// <summary>Whether the table has a function named <paramref name="name"/> (the IR text names an intrinsic so).</summary>
        public static bool IsFunction(string name) => Functions.ContainsKey(name);

        /// <summary>The function whose value on the same operand is <paramref name="instr"/>'s partial, up to sign (cos x for sin x), or None.</summary>
        public static Intrinsic Sibling(Instr instr) =>
            instr.Op == Op.Intrinsic && instr.Fn.Name != null && Functions.TryGetValue(instr.Fn.Name, out var f) && f.Sibling != null ? new Intrinsic(f.Sibling) : Intrinsic.None;

        /// <summary>A function of scalars (not of a span): as cheap to recompute as a division, and reading no buffer.</summary>
        public static bool IsScalarFunction(Instr instr) =>
            instr.Op == Op.Intrinsic && instr.Fn.Name != null && Functions.TryGetValue(instr.Fn.Name, out var f) && f.Rule == null;

        /// <summary>Read on every instruction of every pass: a concurrent dictionary, whose reads take no lock.</summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Op, Intrinsic, int), DerivativeRule?> Cache = new System.Collections.Concurrent.ConcurrentDictionary<(Op, Intrinsic, int), DerivativeRule?>();

        /// <summary>The derivative rule of <paramref name="instr"/>, or null when the operation has no derivative at all (comparisons, integer arithmetic, loads, buffer operations).</summary>
        public static DerivativeRule? For(Instr instr)
        {
            if (instr.HasRegions) return null;
            switch (instr.Op)
            {
                case Op.Effect:
                    return SpanRules.Effects.TryGetValue(instr.Call.Callee, out var effect) ? effect : null;
                case Op.CallVjp:
                    return CallRules.VjpTangent;
                case Op.CallWithRule when !instr.Rule.Outputs.IsEmpty:
                    return CallRules.SpanOutputs(instr.Rule.Jvp!, instr.Rule.Vjp!);
            }
            if (!instr.Type.IsFloating) return null;
            // Calls name their callee: their rules are made each time (a few closures), so the table does not grow with every
            // method a process ever sees.
            if (instr.Op == Op.CallDifferentiable || instr.Op == Op.CallWithRule) return Make(instr);
            // The rest of an instruction's payload (a constant's value, a member's name) does not change its rule.
            var key = (instr.Op, instr.Fn, instr.Args.Count);
            if (Cache.TryGetValue(key, out var cached)) return cached;
            var rule = Make(instr);
            Cache[key] = rule;
            return rule;
        }

        private static DerivativeRule? Make(Instr instr)
        {
            switch (instr.Op)
            {
                case Op.Select:
                    // The chosen operand's tangent, chosen the same way: not a sum of partials (0 or 1) times tangents,
                    // which would turn the other operand's NaN or ∞ tangent (say of √x guarded by x > 0) into NaN.
                    return DerivativeRule.FromPartials(Partials(instr)!).WithPushforward(site =>
                        site.SetTangent(site.B.Select(site.Arg(0), site.B.Convert(site.TangentOrZero(1), site.Instr.Type), site.B.Convert(site.TangentOrZero(2), site.Instr.Type))));
                case Op.Intrinsic when instr.Fn.Name != null && Functions.TryGetValue(instr.Fn.Name, out var function) && function.Rule != null:
                    return function.Rule;
                case Op.CallDifferentiable:
                    return CallRules.Companions(instr.Call.Callee + "Jvp", instr.Call.Callee + "Vjp");
                case Op.CallWithRule when instr.Rule.Vjp is string vjp:
                    return CallRules.Companions(instr.Rule.Jvp!, vjp);
            }
            return Partials(instr) is PartialBuilder?[] partials ? DerivativeRule.FromPartials(partials) : null;
        }

        /// <summary>
        /// The partials of <paramref name="instr"/>, one per operand, or null when the operation is not given by partials.
        /// </summary>
        private static PartialBuilder?[]? Partials(Instr instr)
        {
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
                    return instr.Fn.Name != null && Functions.TryGetValue(instr.Fn.Name, out var function) ? function.PartialsOf?.Invoke(instr.Args.Count) : null;
                case Op.CallWithRule:
                    return UserRule(instr);
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
                // y − 1 folds for double and float as before; a type parameter's keeps it exact (T's own subtraction).
                return b.Mul(y, b.Call(Intrinsic.Pow, type, x, b.Sub(y, One(b, r))));
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
        /// A [DerivativeOf] rule that returns partials: the rule method, called with the same arguments, returns them (a tuple in
        /// parameter order when there are several).
        /// </summary>
        private static PartialBuilder?[] UserRule(Instr instr)
        {
            var call = instr.Rule;
            string rule = call.Rule!;
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

        /// <summary>
        /// The class that declares a function of the table, as emitted code names it, for a first operand of <paramref name="operand"/>:
        /// <c>Math</c> or <c>MathF</c>, the type itself for a type parameter (<c>T.Exp</c>) and for the functions only the floating
        /// types declare (<c>double.Hypot</c>).
        /// </summary>
        public static string DeclaringClass(Intrinsic fn, TypeRef operand)
        {
            var function = Functions[fn.Name!];
            string declaring = function.Declaring;
            if (operand.Kind == ValueKind.FloatingParameter || declaring == FloatingClass) return operand.Display;
            return operand.Kind == ValueKind.Float && declaring == MathClass && !function.FloatInMath ? "global::System.MathF" : declaring;
        }

        /// <summary>
        /// The functions of the table that the derivatives of <paramref name="fn"/> (first, second, … order: each partial's own
        /// partials) call, <paramref name="fn"/> included: what a type parameter's constraints must give for its companions.
        /// </summary>
        public static IEnumerable<string> FunctionsUsedBy(Intrinsic fn, int arity, TypeRef type)
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<(string Name, int Arity)>();
            pending.Push((fn.Name!, arity));
            while (pending.Count > 0)
            {
                var (name, count) = pending.Pop();
                if (!found.Add(name) || !Functions.TryGetValue(name, out var function) || function.PartialsOf?.Invoke(count) is not PartialBuilder?[] partials) continue;
                var b = new IrBuilder();
                var args = Enumerable.Range(0, count).Select(i => b.Param("a" + i, type)).ToArray();
                int result = b.Call(new Intrinsic(name), type, args);
                foreach (var partial in partials) partial?.Invoke(b, args, result);
                foreach (var instr in b.Build("partials", Array.Empty<IrResult>()).Body)
                {
                    if (instr.Op == Op.Intrinsic && instr.Fn.Name != null) pending.Push((instr.Fn.Name, instr.Args.Count));
                }
            }
            return found;
        }

        private static PartialBuilder?[] Unary(Func<IrBuilder, int, int, int> partial) =>
            new PartialBuilder?[] { (b, a, r) => partial(b, a[0], r) };

        private static int One(IrBuilder b, int like, double sign = 1) => b.Const(sign, b.TypeOf(like));

        private static int Zero(IrBuilder b, int like) => b.Const(0, b.TypeOf(like));
    }
}

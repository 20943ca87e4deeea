using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Derivatives
{
    /// <summary>
    /// The <c>System.Numerics</c> rows of the rule table. <c>Vector2/3/4</c> and <c>Complex</c> are scalarized (rows of
    /// <c>StructLayout.Rows</c>), so the IR sees only their components; what the frontend cannot write as exact scalar
    /// arithmetic (a SIMD dot product's summation order, <c>Lerp</c>'s fused multiply-add, <c>Complex</c>'s scaled
    /// division, <c>Exp</c>, <c>Log</c>…) is a function of the components here: its primal is the library's own method,
    /// called on values made from the components (<see cref="FormatOf"/>), so it is the method's bit for bit, and its
    /// derivative is given by partials like any <c>Math</c> function. A function returning a vector or a complex number
    /// is one row per component (<c>Complex.Exp.Real</c>, <c>Vector3.Lerp.X</c>); a row's partials may call its sibling
    /// components, which value numbering shares with the primal's.
    /// </summary>
    public static partial class RuleTable
    {
        private const string Numerics = "global::System.Numerics.";

        /// <summary>How generated code writes a System.Numerics function of the table (<c>{0}</c>… its operands), or null for another function.</summary>
        public static string? FormatOf(Intrinsic fn) =>
            fn.Name != null && NumericsRows.Formats.TryGetValue(fn.Name, out var format) ? format : null;

        private static Dictionary<string, Function> WithNumerics(Dictionary<string, Function> functions)
        {
            foreach (var row in NumericsRows.Functions) functions.Add(row.Key, row.Value);
            return functions;
        }

        private static class NumericsRows
        {
            public static readonly Dictionary<string, string> Formats = new Dictionary<string, string>(StringComparer.Ordinal);
            public static readonly Dictionary<string, Function> Functions = new Dictionary<string, Function>(StringComparer.Ordinal);

            private static readonly string[] Axes = { "X", "Y", "Z", "W" };

            static NumericsRows()
            {
                for (int n = 2; n <= 4; n++) AddVector(n);
                AddComplex();
            }

            private static void Add(string name, string format, PartialBuilder?[] partials, Cost cost = Cost.Moderate)
            {
                Formats.Add(name, format);
                Functions.Add(name, new Function(Numerics + name, arity => arity == partials.Length ? partials : null, cost: cost));
            }

            private static string Operands(int from, int count) =>
                string.Join(", ", Enumerable.Range(from, count).Select(i => "{" + i.ToString(CultureInfo.InvariantCulture) + "}"));

            // ---- Vector2, Vector3, Vector4 (float) ----

            private static void AddVector(int n)
            {
                string name = "Vector" + n.ToString(CultureInfo.InvariantCulture);
                string type = Numerics + name;
                string First() => "new " + type + "(" + Operands(0, n) + ")";
                string Second() => "new " + type + "(" + Operands(n, n) + ")";
                var pairs = new PartialBuilder?[2 * n];
                var single = new PartialBuilder?[n];

                // Dot(a, b) = Σ aᵢbᵢ: ∂aᵢ = bᵢ, ∂bᵢ = aᵢ.
                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    pairs[k] = (b, a, r) => a[n + k];
                    pairs[n + k] = (b, a, r) => a[k];
                }
                Add(name + ".Dot", type + ".Dot(" + First() + ", " + Second() + ")", pairs.ToArray());

                // |a|: ∂aᵢ = aᵢ/|a|, 0 at a = 0 (the subgradient Abs has there).
                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    single[k] = (b, a, r) => b.Mul(a[k], InverseOrZero(b, r));
                }
                Add(name + ".Length", First() + ".Length()", single.ToArray());

                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    single[k] = (b, a, r) => b.Mul(b.Const(2, b.TypeOf(r)), a[k]);
                }
                Add(name + ".LengthSquared", First() + ".LengthSquared()", single.ToArray());

                // |a − b|: ∂aᵢ = (aᵢ − bᵢ)/r = −∂bᵢ, 0 where a = b.
                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    pairs[k] = (b, a, r) => b.Mul(b.Sub(a[k], a[n + k]), InverseOrZero(b, r));
                    pairs[n + k] = (b, a, r) => b.Neg(b.Mul(b.Sub(a[k], a[n + k]), InverseOrZero(b, r)));
                }
                Add(name + ".Distance", type + ".Distance(" + First() + ", " + Second() + ")", pairs.ToArray());

                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    pairs[k] = (b, a, r) => b.Mul(b.Const(2, b.TypeOf(r)), b.Sub(a[k], a[n + k]));
                    pairs[n + k] = (b, a, r) => b.Mul(b.Const(-2, b.TypeOf(r)), b.Sub(a[k], a[n + k]));
                }
                Add(name + ".DistanceSquared", type + ".DistanceSquared(" + First() + ", " + Second() + ")", pairs.ToArray());

                // Lerp(a, b, t)ᵢ = aᵢ(1 − t) + bᵢt (fused on hardware that has it): ∂aᵢ = 1 − t, ∂bᵢ = t, ∂t = bᵢ − aᵢ.
                for (int i = 0; i < n; i++)
                {
                    int k = i;
                    var lerp = new PartialBuilder?[2 * n + 1];
                    lerp[k] = (b, a, r) => b.Sub(One(b, r), a[2 * n]);
                    lerp[n + k] = (b, a, r) => a[2 * n];
                    lerp[2 * n] = (b, a, r) => b.Sub(a[n + k], a[k]);
                    Add(name + ".Lerp." + Axes[k], type + ".Lerp(" + First() + ", " + Second() + ", {" + (2 * n).ToString(CultureInfo.InvariantCulture) + "})." + Axes[k], lerp);
                }
            }

            /// <summary>1/r, or 0 where r = 0.</summary>
            private static int InverseOrZero(IrBuilder b, int r) =>
                b.Select(b.Compare(Op.Eq, r, Zero(b, r)), Zero(b, r), b.Div(One(b, r), r));

            // ---- Complex (double) ----

            /// <summary>A complex partial: ∂f/∂(an argument), as a complex number (Re, Im), from the operands and f's two components.</summary>
            private delegate (int Re, int Im) ComplexPartial(IrBuilder b, IReadOnlyList<int> a, int re, int im);

            private static void AddComplex()
            {
                const string type = Numerics + "Complex";
                string Z(int first) => "new " + type + "({" + first.ToString(CultureInfo.InvariantCulture) + "}, {" + (first + 1).ToString(CultureInfo.InvariantCulture) + "})";

                // |z| (overflow-safe in the library): ∂a = a/|z|, ∂b = b/|z|, 0 at z = 0.
                Add("Complex.Abs", type + ".Abs(" + Z(0) + ")", new PartialBuilder?[]
                {
                    (b, a, r) => b.Mul(a[0], InverseOrZero(b, r)),
                    (b, a, r) => b.Mul(a[1], InverseOrZero(b, r)),
                });

                // Functions holomorphic in each complex argument: the derivative f′ with respect to each.
                AddHolomorphic("Complex.Exp", type + ".Exp(" + Z(0) + ")", new[] { 2 }, new ComplexPartial[] { (b, a, re, im) => (re, im) });
                AddHolomorphic("Complex.Log", type + ".Log(" + Z(0) + ")", new[] { 2 }, new ComplexPartial[] { (b, a, re, im) => Reciprocal(b, a[0], a[1]) });
                // √z′ = 1/(2√z).
                AddHolomorphic("Complex.Sqrt", type + ".Sqrt(" + Z(0) + ")", new[] { 2 }, new ComplexPartial[]
                {
                    (b, a, re, im) => Scale(b, Reciprocal(b, re, im), b.Const(0.5, b.TypeOf(re))),
                });
                // z^w: ∂z = w·z^(w−1) (0^0 = 1 keeps Pow(z, 1)′ = 1 and Pow(0, 2)′ = 0), ∂w = z^w·log z (0 at z = 0).
                AddHolomorphic("Complex.Pow", type + ".Pow(" + Z(0) + ", " + Z(2) + ")", new[] { 2, 2 }, new ComplexPartial[]
                {
                    (b, a, re, im) =>
                    {
                        int lower = b.Sub(a[2], One(b, re));
                        var p = Components(b, "Complex.Pow", re, a[0], a[1], lower, a[3]);
                        return Multiply(b, p, (a[2], a[3]));
                    },
                    (b, a, re, im) => ZeroAtOrigin(b, a[0], a[1], Multiply(b, (re, im), Components(b, "Complex.Log", re, a[0], a[1]))),
                });
                AddHolomorphic("Complex.PowReal", type + ".Pow(" + Z(0) + ", {2})", new[] { 2, 1 }, new ComplexPartial[]
                {
                    (b, a, re, im) => Scale(b, Components(b, "Complex.PowReal", re, a[0], a[1], b.Sub(a[2], One(b, re))), a[2]),
                    (b, a, re, im) => ZeroAtOrigin(b, a[0], a[1], Multiply(b, (re, im), Components(b, "Complex.Log", re, a[0], a[1]))),
                });
                // q = z/w (Smith's algorithm in the library): ∂z = 1/w, ∂w = −q/w.
                AddHolomorphic("Complex.Divide", "(" + Z(0) + " / " + Z(2) + ")", new[] { 2, 2 }, new ComplexPartial[]
                {
                    (b, a, re, im) => Components(b, "Complex.DivideReal", re, One(b, re), a[2], a[3]),
                    (b, a, re, im) => Negate(b, Multiply(b, (re, im), Components(b, "Complex.DivideReal", re, One(b, re), a[2], a[3]))),
                });
                AddHolomorphic("Complex.DivideReal", "({0} / " + Z(1) + ")", new[] { 1, 2 }, new ComplexPartial[]
                {
                    (b, a, re, im) => Components(b, "Complex.DivideReal", re, One(b, re), a[1], a[2]),
                    (b, a, re, im) => Negate(b, Multiply(b, (re, im), Components(b, "Complex.DivideReal", re, One(b, re), a[1], a[2]))),
                });
                AddHolomorphic("Complex.DivideByReal", "(" + Z(0) + " / {2})", new[] { 2, 1 }, new ComplexPartial[]
                {
                    (b, a, re, im) => (b.Div(One(b, re), a[2]), Zero(b, re)),
                    (b, a, re, im) => (b.Neg(b.Div(re, a[2])), b.Neg(b.Div(im, a[2]))),
                });
                // z·x and x·z (NaN where the other part is infinite, in the library): ∂z = x, ∂x = z.
                AddHolomorphic("Complex.Scale", "(" + Z(0) + " * {2})", new[] { 2, 1 }, new ComplexPartial[]
                {
                    (b, a, re, im) => (a[2], Zero(b, re)),
                    (b, a, re, im) => (a[0], a[1]),
                });
                AddHolomorphic("Complex.ScaleLeft", "({0} * " + Z(1) + ")", new[] { 1, 2 }, new ComplexPartial[]
                {
                    (b, a, re, im) => (a[1], a[2]),
                    (b, a, re, im) => (a[0], Zero(b, re)),
                });
            }

            /// <summary>
            /// The rows <c>name.Real</c> and <c>name.Imaginary</c> of a function of complex (2 operands) and real (1)
            /// arguments, holomorphic in each: for f′ = (p, q) with respect to z = a + ib, ∂Re/∂a = p, ∂Re/∂b = −q,
            /// ∂Im/∂a = q, ∂Im/∂b = p; with respect to a real x, ∂Re/∂x = p, ∂Im/∂x = q.
            /// </summary>
            private static void AddHolomorphic(string name, string call, int[] shape, ComplexPartial[] derivatives)
            {
                int arity = shape.Sum();
                foreach (bool real in new[] { true, false })
                {
                    bool isReal = real;
                    var partials = new PartialBuilder?[arity];
                    int operand = 0;
                    for (int j = 0; j < shape.Length; j++)
                    {
                        var derivative = derivatives[j];
                        for (int part = 0; part < shape[j]; part++)
                        {
                            bool imaginaryPart = part == 1;
                            partials[operand++] = (b, a, r) =>
                            {
                                int other = b.Call(new Intrinsic(name + (isReal ? ".Imaginary" : ".Real")), b.TypeOf(r), a.ToArray());
                                var (p, q) = derivative(b, a, isReal ? r : other, isReal ? other : r);
                                if (!imaginaryPart) return isReal ? p : q;
                                return isReal ? b.Neg(q) : p;
                            };
                        }
                    }
                    Add(name + (real ? ".Real" : ".Imaginary"), call + (real ? ".Real" : ".Imaginary"), partials);
                }
            }

            private static (int, int) Components(IrBuilder b, string name, int like, params int[] args) =>
                (b.Call(new Intrinsic(name + ".Real"), b.TypeOf(like), args), b.Call(new Intrinsic(name + ".Imaginary"), b.TypeOf(like), args));

            /// <summary>1/(x + iy) = (x − iy)/(x² + y²).</summary>
            private static (int, int) Reciprocal(IrBuilder b, int x, int y)
            {
                int norm = b.Add(b.Mul(x, x), b.Mul(y, y));
                return (b.Div(x, norm), b.Neg(b.Div(y, norm)));
            }

            private static (int, int) Multiply(IrBuilder b, (int Re, int Im) u, (int Re, int Im) v) =>
                (b.Sub(b.Mul(u.Re, v.Re), b.Mul(u.Im, v.Im)), b.Add(b.Mul(u.Im, v.Re), b.Mul(u.Re, v.Im)));

            private static (int, int) Scale(IrBuilder b, (int Re, int Im) u, int s) => (b.Mul(u.Re, s), b.Mul(u.Im, s));

            private static (int, int) Negate(IrBuilder b, (int Re, int Im) u) => (b.Neg(u.Re), b.Neg(u.Im));

            private static (int, int) ZeroAtOrigin(IrBuilder b, int x, int y, (int Re, int Im) u)
            {
                int zero = Zero(b, x);
                int origin = b.Emit(Op.And, TypeRef.Bool, new[] { b.Compare(Op.Eq, x, zero), b.Compare(Op.Eq, y, zero) });
                return (b.Select(origin, zero, u.Re), b.Select(origin, zero, u.Im));
            }
        }
    }
}

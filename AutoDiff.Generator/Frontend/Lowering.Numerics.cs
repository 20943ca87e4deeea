using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// <c>System.Numerics</c> <c>Vector2</c>, <c>Vector3</c>, <c>Vector4</c> and <c>Complex</c>: rows of
    /// <see cref="StructLayout.Rows"/>, so their values are their components, and their operators, methods and
    /// constructors are lowered here onto the components. What IEEE arithmetic gives exactly as the library does
    /// (component-wise <c>+ − * /</c>, negation, <c>Abs</c>, <c>SquareRoot</c>, <c>Min</c>/<c>Max</c>, <c>Cross</c>,
    /// <c>Complex</c>'s <c>+ − *</c>) is written as scalar arithmetic; the rest is a function of the components whose
    /// primal calls the library (<c>Derivatives/NumericsRules.cs</c>), so every value is the method's bit for bit.
    /// </summary>
    internal sealed partial class Lowering
    {
        private static readonly string[] VectorTypes = { "System.Numerics.Vector2", "System.Numerics.Vector3", "System.Numerics.Vector4" };

        /// <summary>Whether <paramref name="type"/> is one of the System.Numerics types lowered here.</summary>
        internal static bool IsNumerics(ITypeSymbol? type) =>
            type is INamedTypeSymbol named && (Array.IndexOf(VectorTypes, StructLayout.FullName(named)) >= 0 || StructLayout.FullName(named) == "System.Numerics.Complex");

        private static bool IsComplex(ITypeSymbol? type) => type is INamedTypeSymbol named && StructLayout.FullName(named) == "System.Numerics.Complex";

        /// <summary>
        /// A call to an operator, method or property getter of a System.Numerics type: the result's components (one value
        /// for a number), or null (reported).
        /// </summary>
        private int[]? NumericsCall(IOperation at, IMethodSymbol method, IOperation? instance, IReadOnlyList<IOperation> arguments)
        {
            var owner = method.ContainingType;
            string name = method.Name;
            var operands = new List<int[]>();
            var shapes = new List<bool>();
            if (!method.IsStatic && instance != null) arguments = new[] { instance }.Concat(arguments).ToList();
            var scalar = IsComplex(owner) ? TypeRef.Double : TypeRef.Float;
            foreach (var a in arguments)
            {
                bool numeric = IsNumerics(a.Type);
                if (numeric)
                {
                    var leaves = Components(a);
                    if (leaves == null) return null;
                    operands.Add(leaves);
                }
                else
                {
                    int v = Expr(a);
                    if (v < 0) return null;
                    if (!_b.TypeOf(v).IsNumeric) return NoRule(at, owner, name);
                    if (_b.TypeOf(v) != scalar) v = _b.Emit(Op.Convert, scalar, new[] { v });
                    operands.Add(new[] { v });
                }
                shapes.Add(numeric);
            }
            if (name == "op_Equality" || name == "op_Inequality")
            {
                return arguments.Count == 2 && shapes.All(s => s) ? new[] { Equality(at, arguments[0], arguments[1], name == "op_Inequality", record: false) } : NoRule(at, owner, name);
            }
            var result = IsComplex(owner) ? ComplexOperation(name, operands, shapes, scalar) : VectorOperation(owner.Name, name, operands, shapes, scalar);
            return result ?? NoRule(at, owner, name);
        }

        private int[]? NoRule(IOperation at, ITypeSymbol owner, string name)
        {
            string shown = name.StartsWith("get_", StringComparison.Ordinal) ? name.Substring(4) : name.StartsWith("op_", StringComparison.Ordinal) ? "operator " + name.Substring(3) : name;
            Unsupported(at, "'" + owner.Name + "." + shown + "' with these operands, which AutoDiff has no rule for",
                "; write it with the supported operations (see the README's System.Numerics list), or on the components");
            return null;
        }

        private int Fn(string name, TypeRef type, params int[] args) => _b.Emit(Op.Intrinsic, type, args, payload: new FnRef(new Intrinsic(name)));

        private int[] Map(int[] a, Func<int, int> f) => a.Select(f).ToArray();

        private int[] Zip(int[] a, int[] b, Func<int, int, int> f) => a.Select((x, i) => f(x, b[i])).ToArray();

        private int Op2(Op op, TypeRef type, int x, int y) => _b.Emit(op, type, new[] { x, y });

        /// <summary>Vector2/3/4 (float components).</summary>
        private int[]? VectorOperation(string typeName, string name, List<int[]> o, List<bool> vector, TypeRef f)
        {
            int count = o.Count;
            bool V(int i) => i < count && vector[i];
            int[] Broadcast(int i, int n) => vector[i] ? o[i] : Enumerable.Repeat(o[i][0], n).ToArray();
            int[]? Elementwise(Op op)
            {
                if (count != 2 || !(V(0) || V(1))) return null;
                int n = V(0) ? o[0].Length : o[1].Length;
                return Zip(Broadcast(0, n), Broadcast(1, n), (x, y) => Op2(op, f, x, y));
            }
            int[] Each(string fn, int[] a) => Map(a, x => Fn(fn, f, x));
            int Whole(string fn, params int[][] parts) => Fn(typeName + "." + fn, f, parts.SelectMany(p => p).ToArray());
            switch (name)
            {
                case "op_Addition": case "Add": return Elementwise(Op.Add);
                case "op_Subtraction": case "Subtract": return Elementwise(Op.Sub);
                case "op_Multiply": case "Multiply": return Elementwise(Op.Mul);
                case "op_Division": case "Divide": return V(0) ? Elementwise(Op.Div) : null;
                case "op_UnaryNegation": case "Negate": return count == 1 && V(0) ? Map(o[0], x => _b.Emit(Op.Neg, f, new[] { x })) : null;
                case "op_UnaryPlus": return count == 1 && V(0) ? o[0] : null;
                case "Abs": return count == 1 && V(0) ? Each("Abs", o[0]) : null;
                case "SquareRoot": return count == 1 && V(0) ? Each("Sqrt", o[0]) : null;
                case "Min": case "Max":
                    return count == 2 && V(0) && V(1) ? Zip(o[0], o[1], (x, y) => Fn(name, f, x, y)) : null;
                case "Clamp":
                    return count == 3 && V(0) && V(1) && V(2) ? Zip(Zip(o[0], o[1], (x, lo) => Fn("Max", f, x, lo)), o[2], (x, hi) => Fn("Min", f, x, hi)) : null;
                case "Dot": case "Distance": case "DistanceSquared":
                    return count == 2 && V(0) && V(1) ? new[] { Whole(name, o[0], o[1]) } : null;
                case "Length": case "LengthSquared":
                    return count == 1 && V(0) ? new[] { Whole(name, o[0]) } : null;
                case "Normalize":
                {
                    // The library's value / value.Length(), component by component.
                    if (count != 1 || !V(0)) return null;
                    int length = Whole("Length", o[0]);
                    return Map(o[0], x => Op2(Op.Div, f, x, length));
                }
                case "Cross":
                {
                    if (count != 2 || !V(0) || !V(1) || o[0].Length != 3) return null;
                    int[] a = o[0], b = o[1];
                    int Term(int i, int j) => Op2(Op.Sub, f, Op2(Op.Mul, f, a[i], b[j]), Op2(Op.Mul, f, a[j], b[i]));
                    return new[] { Term(1, 2), Term(2, 0), Term(0, 1) };
                }
                case "Lerp":
                {
                    if (count != 3 || !V(0) || !V(1) || V(2)) return null;
                    var all = o[0].Concat(o[1]).Concat(o[2]).ToArray();
                    string[] axes = { "X", "Y", "Z", "W" };
                    return Enumerable.Range(0, o[0].Length).Select(i => Fn(typeName + ".Lerp." + axes[i], f, all)).ToArray();
                }
            }
            return null;
        }

        /// <summary>Complex (double components: Real, Imaginary).</summary>
        private int[]? ComplexOperation(string name, List<int[]> o, List<bool> complex, TypeRef d)
        {
            int count = o.Count;
            bool C(int i) => i < count && complex[i];
            int[] Rows(string fn, params int[][] parts)
            {
                var args = parts.SelectMany(p => p).ToArray();
                return new[] { Fn("Complex." + fn + ".Real", d, args), Fn("Complex." + fn + ".Imaginary", d, args) };
            }
            int Neg(int x) => _b.Emit(Op.Neg, d, new[] { x });
            switch (name)
            {
                case "op_Addition": case "Add":
                    if (count != 2) return null;
                    if (C(0) && C(1)) return Zip(o[0], o[1], (x, y) => Op2(Op.Add, d, x, y));
                    if (C(0)) return new[] { Op2(Op.Add, d, o[0][0], o[1][0]), o[0][1] };
                    if (C(1)) return new[] { Op2(Op.Add, d, o[0][0], o[1][0]), o[1][1] };
                    return null;
                case "op_Subtraction": case "Subtract":
                    if (count != 2) return null;
                    if (C(0) && C(1)) return Zip(o[0], o[1], (x, y) => Op2(Op.Sub, d, x, y));
                    if (C(0)) return new[] { Op2(Op.Sub, d, o[0][0], o[1][0]), o[0][1] };
                    if (C(1)) return new[] { Op2(Op.Sub, d, o[0][0], o[1][0]), Neg(o[1][1]) };
                    return null;
                case "op_Multiply": case "Multiply":
                    if (count != 2) return null;
                    if (C(0) && C(1))
                    {
                        // (ac − bd) + (bc + ad)i, in the library's order.
                        int[] a = o[0], b = o[1];
                        return new[]
                        {
                            Op2(Op.Sub, d, Op2(Op.Mul, d, a[0], b[0]), Op2(Op.Mul, d, a[1], b[1])),
                            Op2(Op.Add, d, Op2(Op.Mul, d, a[1], b[0]), Op2(Op.Mul, d, a[0], b[1])),
                        };
                    }
                    if (C(0)) return Rows("Scale", o[0], o[1]);
                    if (C(1)) return Rows("ScaleLeft", o[0], o[1]);
                    return null;
                case "op_Division": case "Divide":
                    if (count != 2) return null;
                    if (C(0) && C(1)) return Rows("Divide", o[0], o[1]);
                    if (C(0)) return Rows("DivideByReal", o[0], o[1]);
                    if (C(1)) return Rows("DivideReal", o[0], o[1]);
                    return null;
                case "op_UnaryNegation": case "Negate": return count == 1 && C(0) ? Map(o[0], Neg) : null;
                case "op_UnaryPlus": return count == 1 && C(0) ? o[0] : null;
                case "Conjugate": return count == 1 && C(0) ? new[] { o[0][0], Neg(o[0][1]) } : null;
                case "Abs": case "get_Magnitude": return count == 1 && C(0) ? new[] { Fn("Complex.Abs", d, o[0]) } : null;
                // Math.Atan2(imaginary, real), as the library computes it.
                case "get_Phase": return count == 1 && C(0) ? new[] { Fn("Atan2", d, o[0][1], o[0][0]) } : null;
                case "Exp": case "Log": case "Sqrt": return count == 1 && C(0) ? Rows(name, o[0]) : null;
                case "Pow":
                    if (count != 2 || !C(0)) return null;
                    return C(1) ? Rows("Pow", o[0], o[1]) : Rows("PowReal", o[0], o[1]);
                case "FromPolarCoordinates":
                    // magnitude·cos(phase) + magnitude·sin(phase)i, as the library computes it.
                    if (count != 2 || C(0) || C(1)) return null;
                    return new[] { Op2(Op.Mul, d, o[0][0], Fn("Cos", d, o[1][0])), Op2(Op.Mul, d, o[0][0], Fn("Sin", d, o[1][0])) };
            }
            return null;
        }

        /// <summary><c>new Vector3(…)</c>, <c>new Complex(re, im)</c>: the constructor's arguments laid out as components.</summary>
        private int[]? NumericsConstructor(IOperation at, IMethodSymbol ctor, StructLayout layout, List<int[]> args)
        {
            var scalar = layout.Leaves[0].Type;
            var values = new List<int>();
            bool struct_ = false;
            for (int i = 0; i < args.Count; i++)
            {
                var type = ctor.Parameters[i].Type;
                if (IsNumerics(type)) struct_ = true;
                else if (!TypeRefs.From(type).IsNumeric) return NoRule(at, layout.Type, "constructor");
                foreach (int v in args[i]) values.Add(_b.TypeOf(v) == scalar || !_b.TypeOf(v).IsNumeric ? v : _b.Emit(Op.Convert, scalar, new[] { v }));
            }
            int n = layout.Leaves.Count;
            // new Vector3(s) is (s, s, s).
            if (!struct_ && values.Count == 1 && n > 1) return Enumerable.Repeat(values[0], n).ToArray();
            return values.Count == n ? values.ToArray() : NoRule(at, layout.Type, "constructor");
        }

        /// <summary><c>Vector3.Zero</c>, <c>Vector3.UnitX</c>, <c>Complex.ImaginaryOne</c>…: constants, or null for another member.</summary>
        private int[]? NumericsConstant(string member, StructLayout layout)
        {
            int n = layout.Leaves.Count;
            var type = layout.Leaves[0].Type;
            int unit = member switch
            {
                "Zero" => -1,
                "One" when n == 2 && IsComplex(layout.Type) => 0,
                "ImaginaryOne" when IsComplex(layout.Type) => 1,
                "UnitX" => 0,
                "UnitY" => 1,
                "UnitZ" when n >= 3 => 2,
                "UnitW" when n == 4 => 3,
                "One" => n,
                _ => -2,
            };
            if (unit == -2) return null;
            return Enumerable.Range(0, n).Select(i => _b.Const(unit == n || i == unit ? 1 : 0, type)).ToArray();
        }

        /// <summary>An implicit conversion into Complex (from double, int…): the number is the real part.</summary>
        private int[]? NumericsConversion(IConversionOperation conversion)
        {
            if (!IsComplex(conversion.Type) || IsNumerics(conversion.Operand.Type)) return NoRule(conversion, conversion.Type!, "conversion");
            int v = Expr(conversion.Operand);
            if (v < 0) return null;
            if (!_b.TypeOf(v).IsNumeric) return NoRule(conversion, conversion.Type!, "conversion");
            if (_b.TypeOf(v) != TypeRef.Double) v = _b.Emit(Op.Convert, TypeRef.Double, new[] { v });
            return new[] { v, _b.Const(0, TypeRef.Double) };
        }
    }
}

using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Arrays whose elements take two indices: rectangular <c>T[,]</c> and jagged <c>T[][]</c> (<see cref="TypeRef.Rank"/> 2).
    /// Both are one IR value; an element access has one operand per index (<c>element %a, %i, %j</c>), so the passes see an
    /// element read or write at an index tuple, as for a 1-D array. A jagged array's row is not a value of its own: it is
    /// read where it is indexed (<c>a[i][j]</c>, <c>a[i].Length</c>).
    /// </summary>
    internal static class Arrays2D
    {
        /// <summary>The shape of <c>T[,]</c> or <c>T[][]</c> (T a number or bool); null for any other type.</summary>
        public static TypeRef? TypeOf(ITypeSymbol type)
        {
            if (!(type is IArrayTypeSymbol array)) return null;
            if (array.Rank == 2 && !(array.ElementType is IArrayTypeSymbol)) return Element(array.ElementType) is TypeRef e ? TypeRef.Array2DOf(e, jagged: false, TypeRefs.Display(type)) : null;
            if (array.Rank == 1 && array.ElementType is IArrayTypeSymbol row && row.Rank == 1 && !(row.ElementType is IArrayTypeSymbol))
                return Element(row.ElementType) is TypeRef e ? TypeRef.Array2DOf(e, jagged: true, TypeRefs.Display(type)) : null;
            return null;
        }

        /// <summary><c>double[,,]</c> as written (Roslyn's display says <c>double[*,*,*]</c>).</summary>
        private static string Spell(ITypeSymbol type) =>
            type is IArrayTypeSymbol array ? Spell(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]" : type.ToDisplayString();

        private static TypeRef? Element(ITypeSymbol element)
        {
            var type = TypeRefs.From(element);
            return type.IsNumeric || type.Kind == ValueKind.Bool ? type : null;
        }

        /// <summary>
        /// Why an array parameter's shape is not differentiated (three or more dimensions, an array of 2-D arrays), in the
        /// user's words; null when it is.
        /// </summary>
        public static string? Unsupported(ITypeSymbol type)
        {
            if (!(type is IArrayTypeSymbol array) || TypeOf(type) != null || (array.Rank == 1 && !(array.ElementType is IArrayTypeSymbol))) return null;
            return "arrays of more than two dimensions ('" + Spell(type) + "') are not differentiated; use a double[,], a double[][] or a flat double[] with computed indices";
        }
    }

    internal sealed partial class Lowering
    {
        /// <summary>
        /// <c>a[i, j]</c>, <c>a[i][j]</c>, <c>a[i].Length</c>, <c>a.GetLength(d)</c> and <c>new T[n, m]</c> on arrays of rank 2;
        /// false for anything else.
        /// </summary>
        private bool Array2DExpr(IOperation operation, out int value)
        {
            value = -1;
            switch (operation)
            {
                case IArrayElementReferenceOperation element when element.Indices.Length == 2:
                    value = Element2D(element, element.ArrayReference, element.Indices[0], element.Indices[1]);
                    return true;
                case IArrayElementReferenceOperation element when JaggedRow(element.ArrayReference) is IArrayElementReferenceOperation row:
                    value = Element2D(element, row.ArrayReference, row.Indices[0], element.Indices[0]);
                    return true;
                case IPropertyReferenceOperation length when length.Property.Name == "Length" && length.Instance is IOperation instance && JaggedRow(instance) is IArrayElementReferenceOperation row:
                {
                    int seq = Expr(row.ArrayReference);
                    int i = Expr(row.Indices[0]);
                    value = seq < 0 || i < 0 ? -1 : _b.Emit(Op.Length, TypeRef.Int, new[] { seq, _b.Convert(i, TypeRef.Int) });
                    return true;
                }
                case IArrayElementReferenceOperation row when JaggedRow(row) != null:
                    value = Unsupported(row, "a row of a jagged array taken as a value ('" + row.Syntax + "')", "; index it where you read it: " + row.Syntax + "[j], " + row.Syntax + ".Length");
                    return true;
                case IInvocationOperation call when call.TargetMethod.Name == "GetLength" && call.Instance is IOperation array && call.Arguments.Length == 1 && TypeRefs.From(array.Type).Rank == 2:
                {
                    int seq = Expr(array);
                    int dimension = Expr(call.Arguments[0].Value);
                    if (seq < 0 || dimension < 0) return true;
                    // A jagged array's first dimension is its Length; its rows may differ, so only GetLength(0) is asked of it.
                    value = _b.TypeOf(seq).Jagged ? _b.Emit(Op.Length, TypeRef.Int, new[] { seq }) : _b.Emit(Op.Length, TypeRef.Int, new[] { seq, _b.Convert(dimension, TypeRef.Int) });
                    return true;
                }
                case IArrayCreationOperation creation when creation.DimensionSizes.Length == 2:
                    value = NewBuffer2D(creation);
                    return true;
                case IArrayCreationOperation creation when creation.DimensionSizes.Length > 2 || Arrays2D.Unsupported(creation.Type!) != null:
                    value = Unsupported(creation, "an array of more than two dimensions ('" + creation.Syntax + "')", "; use a double[,], a double[][] or a flat double[] with computed indices");
                    return true;
                case IArrayCreationOperation creation when TypeRefs.From(creation.Type).Jagged:
                    value = Unsupported(creation, "creating a jagged array ('" + creation.Syntax + "')", "; create a rectangular new double[n, m] and write a[i, j]");
                    return true;
            }
            return false;
        }

        /// <summary>
        /// A call passing a <c>T[,]</c> or <c>T[][]</c> to another [Differentiable] method: not differentiated through yet (its
        /// companions' shaped adjoints are not threaded through calls), so it is refused in words; null for other calls.
        /// </summary>
        private int? PassesArray2D(IInvocationOperation invocation, System.Collections.Generic.IReadOnlyList<int> args)
        {
            foreach (int a in args)
            {
                if (a >= 0 && _b.TypeOf(a).Rank == 2)
                {
                    return Unsupported(invocation, "passing a two-dimensional or jagged array to the [Differentiable] method '" + invocation.TargetMethod.Name + "'",
                        "; read its elements in this method, or pass them as a flat double[]");
                }
            }
            return null;
        }

        /// <summary><c>a[i]</c> of a jagged array <c>a</c>, when <paramref name="operation"/> is one; else null.</summary>
        private static IArrayElementReferenceOperation? JaggedRow(IOperation operation) =>
            operation is IArrayElementReferenceOperation row && row.Indices.Length == 1 && TypeRefs.From(row.ArrayReference.Type).Jagged ? row : null;

        private int Element2D(IOperation operation, IOperation sequence, IOperation first, IOperation second)
        {
            int seq = Expr(sequence);
            int i = Expr(first);
            int j = Expr(second);
            if (seq < 0 || i < 0 || j < 0) return -1;
            var type = TypeRefs.From(operation.Type);
            return _b.Emit(_buffers.Contains(seq) ? Op.Read : Op.Element, type, new[] { seq, _b.Convert(i, TypeRef.Int), _b.Convert(j, TypeRef.Int) });
        }

        /// <summary><c>a[i, j] = value</c>, <c>a[i][j] = value</c>; false when <paramref name="target"/> is no such element.</summary>
        private bool Array2DAssign(IOperation assignment, IOperation target, int value, out int result)
        {
            result = -1;
            IOperation sequence, first, second;
            switch (target)
            {
                case IArrayElementReferenceOperation element when element.Indices.Length == 2:
                    (sequence, first, second) = (element.ArrayReference, element.Indices[0], element.Indices[1]);
                    break;
                case IArrayElementReferenceOperation element when JaggedRow(element.ArrayReference) is IArrayElementReferenceOperation row:
                    (sequence, first, second) = (row.ArrayReference, row.Indices[0], element.Indices[0]);
                    break;
                default:
                    return false;
            }
            int seq = Expr(sequence);
            int i = Expr(first);
            int j = Expr(second);
            if (seq < 0 || i < 0 || j < 0 || value < 0) return true;
            if (!_buffers.Contains(seq))
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToInput, assignment.Syntax.GetLocation(), sequence.Syntax.ToString()));
                _failed = true;
                return true;
            }
            _b.Emit(Op.Write, IrBuilder.Void, new[] { seq, _b.Convert(i, TypeRef.Int), _b.Convert(j, TypeRef.Int), value });
            result = value;
            return true;
        }

        /// <summary><c>new T[n, m]</c>: a zeroed rectangular buffer, made where the method makes it (not inside a loop or branch).</summary>
        private int NewBuffer2D(IArrayCreationOperation creation)
        {
            var type = TypeRefs.From(creation.Type);
            if (type.Rank != 2) return Unsupported(creation, "an array of '" + TypeRefs.Display(creation.Type!) + "'");
            if (creation.Initializer != null) return Unsupported(creation, "a two-dimensional array initializer", "; create it with new double[n, m] and write its elements");
            if (_b.Depth != 0) return Unsupported(creation, "creating a two-dimensional array inside a loop or branch", "; create it before the loop and reuse it");
            int rows = Expr(creation.DimensionSizes[0]);
            int columns = Expr(creation.DimensionSizes[1]);
            if (rows < 0 || columns < 0) return -1;
            int buffer = _b.Emit(Op.NewBuffer, type, new[] { _b.Convert(rows, TypeRef.Int), _b.Convert(columns, TypeRef.Int) }, payload: new Allocation(BufferKind.New));
            _buffers.Add(buffer);
            return buffer;
        }
    }
}

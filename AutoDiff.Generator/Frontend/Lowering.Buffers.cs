using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Buffers made inside loops and branches, array initializers, collection expressions and constant tables.
    /// <para>
    /// A buffer created inside a branch or loop is made once, before the outermost one (<see cref="IrBuilder.EmitIn"/>), so
    /// that a <c>stackalloc</c> in a loop body does not grow the stack each iteration and a <c>new double[3]</c> is one
    /// allocation per call; every pass then sees the buffer of a method that made it first and reused it. Inside a loop the
    /// buffer must read as zeros where the method creates it again. A buffer of constant length is followed element by element
    /// (<see cref="TrackedBuffer"/>): while the block that creates it only reads and writes it at constant indices, its
    /// elements are values like locals, nothing is written, and nothing needs clearing; any other use writes the elements
    /// into the buffer first (zeros for those not yet written). A longer buffer is cleared by a loop where it is created.
    /// Its size must be known before the loop.
    /// </para>
    /// <para>
    /// An initializer (<c>{ a, b * x }</c>, <c>new[] { … }</c>, <c>stackalloc double[] { … }</c>, <c>[a, b]</c>) is a buffer
    /// and a write per element. A read-only span of constants (<c>ReadOnlySpan&lt;double&gt; w = [0.5, 0.3]</c>) is a
    /// <see cref="Op.Table"/>, written back as the compiler's static data, never made again per call.
    /// </para>
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>A buffer made again in each iteration of a loop whose elements are still followed as values: what each holds.</summary>
        private sealed class TrackedBuffer
        {
            public TrackedBuffer(int depth, int length)
            {
                Depth = depth;
                Length = length;
            }

            /// <summary>The depth of the block that creates the buffer, where its elements are written when they must be.</summary>
            public int Depth { get; }

            public int Length { get; }

            /// <summary>The value of each element written so far; the others are zero.</summary>
            public Dictionary<int, int> Values { get; } = new Dictionary<int, int>();
        }

        /// <summary>Buffers of constant length made again in each iteration of a loop whose elements are followed as values.</summary>
        private readonly Dictionary<int, TrackedBuffer> _tracked = new Dictionary<int, TrackedBuffer>();

        /// <summary>Buffers created inside a branch or loop and made before it, by the syntax that creates them.</summary>
        private readonly Dictionary<int, SyntaxNode> _hoisted = new Dictionary<int, SyntaxNode>();

        /// <summary>Buffers of at most this many elements created in a loop are followed element by element; longer ones are cleared by a loop.</summary>
        private const int TrackLimit = 16;

        /// <summary>
        /// A zeroed buffer of <paramref name="length"/> elements, made where the method makes it or, inside a branch or loop,
        /// before the outermost one. <paramref name="initialized"/>: every element is written next (an initializer), so a
        /// long buffer made again in a loop needs no clearing.
        /// </summary>
        private int Allocate(IOperation creation, TypeRef type, int length, BufferKind kind, bool initialized = false)
        {
            int buffer;
            // Only a buffer a local holds is followed (its uses are then reads of the local); one passed straight to a call is not.
            double elements = 0;
            bool trackable = BoundToLocal(creation) && _b.IsConst(length, out elements) && elements <= TrackLimit;
            if (_b.Depth == 0)
            {
                buffer = _b.Emit(Op.NewBuffer, type, new[] { length }, payload: new Allocation(kind));
                _buffers.Add(buffer);
                // An initialized buffer of a few elements is followed as values too: w[0] * w[1] is then a product of locals.
                if (initialized && trackable) _tracked[buffer] = new TrackedBuffer(0, (int)elements);
                return buffer;
            }
            int size = Hoist(length);
            if (size < 0)
            {
                return Unsupported(creation, "creating a buffer inside a loop or branch with a size computed there",
                    "; create it before the loop with the largest size it needs and reuse it");
            }
            // A size that may be negative is clamped: the buffer is made even when the branch that creates it is not taken.
            // (Where the method would throw for a negative size, the companions then throw at the first element they use.)
            bool nonNegative = (_b.IsConst(size, out double constant) && constant >= 0) || _b.Definition(size)?.Op == Op.Length;
            if (!nonNegative)
            {
                int zero = _b.Const(0, TypeRef.Int);
                size = _b.EmitIn(0, Op.Select, TypeRef.Int, new[] { _b.EmitIn(0, Op.Gt, TypeRef.Bool, new[] { size, zero }), size, zero });
            }
            buffer = _b.EmitIn(0, Op.NewBuffer, type, new[] { size }, payload: new Allocation(kind));
            _buffers.Add(buffer);
            _hoisted[buffer] = creation.Syntax;
            if (InnermostLoop() == null && !initialized) return buffer;
            if (trackable) _tracked[buffer] = new TrackedBuffer(_b.Depth, (int)elements);
            else if (!initialized) ClearLoop(buffer, size, type.ElementType);
            return buffer;
        }

        /// <summary>Whether what <paramref name="creation"/> makes goes straight into a local (declared, or assigned), maybe through a conversion to a span.</summary>
        private static bool BoundToLocal(IOperation creation)
        {
            var operation = creation;
            while (operation.Parent is IConversionOperation conversion && conversion.IsImplicit) operation = conversion;
            return operation.Parent is IVariableInitializerOperation
                || (operation.Parent is ISimpleAssignmentOperation assignment && assignment.Value == operation && assignment.Target is ILocalReferenceOperation
                    && assignment.Parent is IExpressionStatementOperation);
        }

        /// <summary>
        /// <paramref name="value"/>, an integer computed here, computed again in the function body: a parameter, a value of the
        /// body or arithmetic on those that cannot throw. −1 when it depends on something of the branch or loop.
        /// </summary>
        private int Hoist(int value)
        {
            if (_b.IsInFunctionBody(value)) return value;
            if (!(_b.Definition(value) is Instr def) || def.Id != value || def.HasRegions || !def.Type.IsNumeric || def.Type.IsFloating) return -1;
            bool safe = def.Op == Op.Length || def.Op == Op.Add || def.Op == Op.Sub || def.Op == Op.Mul || def.Op == Op.Neg || def.Op == Op.Convert
                || ((def.Op == Op.Div || def.Op == Op.Rem) && _b.IsConst(def.Args[1], out double divisor) && divisor != 0);
            if (!safe) return -1;
            var args = new int[def.Args.Count];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = Hoist(def.Args[i]);
                if (args[i] < 0) return -1;
            }
            return _b.EmitIn(0, def.Op, def.Type, args, payload: def.Payload);
        }

        /// <summary><c>for (int k = 0; k &lt; length; k++) buffer[k] = 0;</c> where the method creates the buffer again.</summary>
        private void ClearLoop(int buffer, int length, TypeRef element)
        {
            var signature = new[] { ("k", TypeRef.Int) };
            var condition = _b.BeginRegion(signature);
            var conditionRegion = _b.EndRegion(new[] { _b.Compare(Op.Lt, condition[0], length) });
            var body = _b.BeginRegion(signature);
            _b.Emit(Op.Write, IrBuilder.Void, new[] { buffer, body[0], _b.Const(0, element) });
            var bodyRegion = _b.EndRegion(new[] { _b.Emit(Op.Add, TypeRef.Int, new[] { body[0], _b.Const(1, TypeRef.Int) }) });
            _b.EmitStructured(Op.While, new[] { _b.Const(0, TypeRef.Int) }, new[] { conditionRegion, bodyRegion }, new[] { ((string?)"k", TypeRef.Int) });
        }

        /// <summary>
        /// <paramref name="value"/>, with its elements written into it first if it is a buffer whose elements were followed as
        /// values: every use of the buffer but a read or write of an element at a constant index in the block that creates
        /// it needs them there.
        /// </summary>
        private int Cleared(int value)
        {
            if (value < 0 || !_tracked.TryGetValue(value, out var tracked)) return value;
            _tracked.Remove(value);
            // The block that creates it is still open (the buffer does not leave it: CheckEscapes), and the values written are
            // defined in it or outside it, before this point.
            var element = _b.TypeOf(value).ElementType;
            for (int k = 0; k < tracked.Length; k++)
            {
                int held = tracked.Values.TryGetValue(k, out int v) ? v : _b.Const(0, element);
                _b.EmitIn(tracked.Depth, Op.Write, IrBuilder.Void, new[] { value, _b.Integer(k, TypeRef.Int), held });
            }
            return value;
        }

        /// <summary>The buffer a local holds, and the constant index, when its elements are followed as values here; null otherwise.</summary>
        private (int Buffer, TrackedBuffer Tracked, int Index)? TrackedElement(IOperation sequence, IOperation index)
        {
            if (!(sequence is ILocalReferenceOperation local) || !_env.TryGetValue(local.Local, out int buffer) || !_tracked.TryGetValue(buffer, out var tracked)) return null;
            if (tracked.Depth != _b.Depth || !index.ConstantValue.HasValue || !(index.ConstantValue.Value is int k) || k < 0 || k >= tracked.Length) return null;
            return (buffer, tracked, k);
        }

        /// <summary><c>buffer[k]</c> of a buffer whose elements are followed as values: the value last written there (zero if none).</summary>
        private int? ReadTracked(IOperation sequence, IOperation index)
        {
            if (!(TrackedElement(sequence, index) is var (buffer, tracked, k))) return null;
            return tracked.Values.TryGetValue(k, out int value) ? value : _b.Const(0, _b.TypeOf(buffer).ElementType);
        }

        /// <summary><c>buffer[k] = value</c> of a buffer whose elements are followed as values: the element now holds it.</summary>
        private int? WriteTracked(IOperation sequence, IOperation index, int value)
        {
            if (value < 0 || !(TrackedElement(sequence, index) is var (buffer, tracked, k))) return null;
            tracked.Values[k] = _b.Convert(value, _b.TypeOf(buffer).ElementType);
            return value;
        }

        /// <summary>
        /// ADIFF004 at a buffer created inside a branch or loop whose variable is assigned there and read after it (an if's
        /// result): made once before the branch, it would be shared where the method has separate buffers.
        /// </summary>
        private void CheckEscapes(IEnumerable<Instr> body)
        {
            foreach (var instr in body)
            {
                foreach (var region in instr.Regions)
                {
                    foreach (int y in region.Yields)
                    {
                        if (_hoisted.TryGetValue(y, out var syntax))
                        {
                            _hoisted.Remove(y);
                            _diagnostics.Add(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax.GetLocation(),
                                "a buffer created inside a loop or branch and used after it", "; create it before the loop or branch"));
                            _failed = true;
                        }
                    }
                    CheckEscapes(region.Body);
                }
            }
        }

        /// <summary>Whether <paramref name="value"/> is a branch's result that may be a buffer created in it (<see cref="CheckEscapes"/> reports it).</summary>
        private bool MergesCreatedBuffers(int value) =>
            _b.Definition(value) is Instr merge && merge.Regions.Any(r => r.Yields.Any(_hoisted.ContainsKey));

        // ---- initializers ----

        /// <summary><c>new T[n]</c>, <c>new T[] { … }</c>, <c>new[] { … }</c>, <c>{ … }</c>.</summary>
        private int ArrayCreation(IArrayCreationOperation creation)
        {
            var type = TypeRefs.From(creation.Type);
            if (creation.Initializer == null) return NewBuffer(creation, type, creation.DimensionSizes[0], BufferKind.New);
            return Initialized(creation, type, creation.Initializer.ElementValues, BufferKind.New);
        }

        /// <summary>A buffer of <paramref name="type"/> holding <paramref name="elements"/>, as an initializer makes it.</summary>
        private int Initialized(IOperation creation, TypeRef type, IReadOnlyList<IOperation> elements, BufferKind kind)
        {
            if (type.Kind != ValueKind.Sequence || !(type.ElementType.IsNumeric || type.Element == ValueKind.Bool))
            {
                return Unsupported(creation, "an array of '" + type.ElementDisplay + "'");
            }
            var element = type.ElementType;
            // Each element is computed, then stored, in order; nothing reads the buffer before it is whole.
            var values = elements.Select(e => Expr(e)).ToList();
            if (values.Any(v => v < 0)) return -1;
            int buffer = Allocate(creation, type, _b.Integer(values.Count, TypeRef.Int), kind, initialized: true);
            if (buffer < 0) return -1;
            for (int k = 0; k < values.Count; k++)
            {
                int value = _b.Convert(values[k], element);
                if (_tracked.TryGetValue(buffer, out var tracked)) tracked.Values[k] = value;
                else _b.Emit(Op.Write, IrBuilder.Void, new[] { buffer, _b.Integer(k, TypeRef.Int), value });
            }
            return buffer;
        }

        /// <summary><c>stackalloc T[n]</c>, <c>stackalloc T[] { … }</c>, <c>stackalloc[] { … }</c>; null for other syntax.</summary>
        private int? StackAllocation(IOperation operation)
        {
            var model = operation.SemanticModel;
            if (model == null) return null;
            switch (operation.Syntax)
            {
                case StackAllocArrayCreationExpressionSyntax { Initializer: null } syntax:
                    return StackAlloc(operation, syntax);
                case StackAllocArrayCreationExpressionSyntax { Initializer: { } initializer } syntax:
                    return StackallocInitialized(operation, model.GetTypeInfo(((ArrayTypeSyntax)syntax.Type).ElementType).Type, initializer);
                case ImplicitStackAllocArrayCreationExpressionSyntax syntax:
                    return StackallocInitialized(operation, (model.GetTypeInfo(syntax).Type as IPointerTypeSymbol)?.PointedAtType
                        ?? (TypeRefs.IsSpan(model.GetTypeInfo(syntax).ConvertedType ?? model.GetTypeInfo(syntax).Type!, out var e) ? e : null), syntax.Initializer);
                default:
                    return null;
            }
        }

        private int StackallocInitialized(IOperation operation, ITypeSymbol? element, InitializerExpressionSyntax initializer)
        {
            var model = operation.SemanticModel!;
            var elements = initializer.Expressions.Select(e => model.GetOperation(e)).ToList();
            if (element == null || elements.Any(e => e == null)) return Unsupported(operation);
            var elementType = TypeRefs.From(element);
            if (Table(operation, elementType, elements!, readOnly: IsReadOnlySpanTarget(operation)) is int table) return table;
            return Initialized(operation, TypeRef.SpanOf(elementType), elements!, BufferKind.Stackalloc);
        }

        /// <summary>Whether the value converts to a read-only span (nothing writes it through that variable).</summary>
        private static bool IsReadOnlySpanTarget(IOperation operation) =>
            operation.SemanticModel?.GetTypeInfo(operation.Syntax).ConvertedType is ITypeSymbol target && TypeRefs.IsSpan(target, out _) && !TypeRefs.IsWritableSpan(target);

        /// <summary>
        /// A collection expression <c>[a, b * x]</c>: a read-only span of constants is a table; an array is a buffer made with
        /// <c>new</c>, a span one made with <c>stackalloc</c> (where the compiler keeps its elements on the stack).
        /// </summary>
        private int CollectionExpression(IOperation operation, CollectionExpressionSyntax syntax)
        {
            var model = operation.SemanticModel;
            var target = model?.GetTypeInfo(syntax).ConvertedType;
            if (model == null || target == null) return Unsupported(operation);
            if (syntax.Elements.Any(e => !(e is ExpressionElementSyntax)))
            {
                return Unsupported(operation, "a spread element '..' in a collection expression", "; write the elements out, or copy them in a loop");
            }
            var type = TypeRefs.From(target);
            if (type.Kind != ValueKind.Sequence) return Unsupported(operation, "a collection expression of type '" + type.Display.Replace("global::", "") + "'", "; use an array or a span");
            var elements = syntax.Elements.Cast<ExpressionElementSyntax>().Select(e => model.GetOperation(e.Expression)).ToList();
            if (elements.Any(e => e == null)) return Unsupported(operation);
            bool readOnly = type.Container == Container.ReadOnlySpan;
            if (Table(operation, type.ElementType, elements!, readOnly) is int table) return table;
            return Initialized(operation, type.Container == Container.Array ? type : TypeRef.SpanOf(type.ElementType), elements!, type.Container == Container.Array ? BufferKind.New : BufferKind.Stackalloc);
        }

        /// <summary>The span C# makes of the elements passed to a <c>params</c> span parameter (C# 13).</summary>
        private static bool IsParamsSpan(IOperation operation) =>
            operation.IsImplicit && !(operation is IConversionOperation) && operation.Parent is IArgumentOperation argument && argument.Value == operation
            && argument.Parameter?.IsParams == true && operation.Type is ITypeSymbol type && TypeRefs.IsSpan(type, out _);

        /// <summary>The elements passed to a <c>params</c> span: a table of constants, or a stackalloc'd buffer.</summary>
        private int ParamsSpan(IOperation operation)
        {
            var type = TypeRefs.From(operation.Type);
            var elements = operation.ChildOperations.ToList();
            if (Table(operation, type.ElementType, elements, readOnly: type.Container == Container.ReadOnlySpan) is int table) return table;
            return Initialized(operation, TypeRef.SpanOf(type.ElementType), elements, BufferKind.Stackalloc);
        }

        /// <summary><c>(ReadOnlySpan&lt;T&gt;)new T[] { constants }</c>: a table; null for any other conversion.</summary>
        private int? ConstantArrayAsSpan(IConversionOperation conversion)
        {
            if (!(conversion.Operand is IArrayCreationOperation { Initializer: { } initializer } creation) || creation.DimensionSizes.Length != 1) return null;
            var target = TypeRefs.From(conversion.Type);
            if (target.Container != Container.ReadOnlySpan) return null;
            return Table(conversion, target.ElementType, initializer.ElementValues, readOnly: true);
        }

        /// <summary>
        /// A read-only span of numeric constants, made once in the function body (the compiler's static data in the C#);
        /// null when some element is not a constant, or when the span may be written.
        /// </summary>
        private int? Table(IOperation creation, TypeRef element, IReadOnlyList<IOperation> elements, bool readOnly)
        {
            if (!readOnly || !element.IsNumeric || elements.Count == 0) return null;
            var texts = new List<string>();
            foreach (var e in elements)
            {
                if (!e.ConstantValue.HasValue || !(e.ConstantValue.Value is IConvertible c) || e.ConstantValue.Value is bool || e.ConstantValue.Value is string || e.ConstantValue.Value is char) return null;
                if (element.IsFloating)
                {
                    double value = c.ToDouble(CultureInfo.InvariantCulture);
                    if (element.Kind == ValueKind.Float) value = (float)value;
                    texts.Add(value.ToString("R", CultureInfo.InvariantCulture));
                }
                else
                {
                    texts.Add(e.ConstantValue.Value is ulong u ? u.ToString(CultureInfo.InvariantCulture) : c.ToInt64(CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                }
            }
            return _b.EmitIn(0, Op.Table, TypeRef.ReadOnlySpanOf(element), Array.Empty<int>(), payload: new ConstTable(string.Join(",", texts)));
        }
    }
}

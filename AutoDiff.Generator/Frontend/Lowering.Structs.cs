using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Value types (structs, record structs, tuples), scalarized (<see cref="StructLayout"/>): a struct value is its
    /// leaves' IR values, in layout order, and a struct variable is one lowering variable (a <see cref="Flag"/>) per leaf,
    /// so branches and loops carry its leaves like any other locals. The passes never see a struct. Constructors are
    /// lowered from their source (their parameters bound to the arguments, <c>this</c> to the value being made), a record
    /// struct's primary constructor sets its members by name, and calls to [Differentiable] methods that take or return
    /// structs (operators and methods of the struct included) are copied in place with their leaves as parameters.
    /// </summary>
    internal sealed partial class Lowering
    {
        private readonly Dictionary<ISymbol, Flag[]> _structVariables = new Dictionary<ISymbol, Flag[]>(SymbolEqualityComparer.Default);
        private readonly Dictionary<ITypeSymbol, StructLayout?> _layouts = new Dictionary<ITypeSymbol, StructLayout?>(SymbolEqualityComparer.Default);
        /// <summary>The leaves of <c>this</c>: in a struct's own method, or the value a constructor being lowered makes.</summary>
        private Flag[]? _thisLeaves;
        private StructLayout? _thisLayout;
        /// <summary>The leaves of a struct-valued method's result.</summary>
        private int[]? _returnedLeaves;
        private Flag[]? _returnLeafFlags;
        private readonly HashSet<ITypeSymbol> _reportedTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        /// <summary>Arrays and spans of structs (parameters), to the IR spans of their numbers: each one's element layout.</summary>
        private readonly Dictionary<ISymbol, StructLayout> _structArrays = new Dictionary<ISymbol, StructLayout>(SymbolEqualityComparer.Default);
        private INamedTypeSymbol? _within;
        private Compilation? _compilation;

        /// <summary>The layout of a struct or tuple type, or null (a type that is not one, or one that cannot be scalarized).</summary>
        private StructLayout? Layout(ITypeSymbol? type)
        {
            if (type == null || !StructLayout.IsCandidate(type)) return null;
            if (_layouts.TryGetValue(type, out var known)) return known;
            var layout = StructLayout.For(type, _within, _compilation, out _);
            _layouts[type] = layout;
            return layout;
        }

        /// <summary>ADIFF018 at <paramref name="at"/>: a value of the type is used, but it cannot be scalarized.</summary>
        private int UnsupportedValueType(IOperation at, ITypeSymbol type)
        {
            _failed = true;
            // Once per type and method; the signature's types are reported by MethodFrontend.
            if (!_reportedTypes.Add(type)) return -1;
            StructLayout.For(type, _within, _compilation, out string why);
            _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedValueType, at.Syntax.GetLocation(), type.ToDisplayString(), why));
            _failed = true;
            return -1;
        }

        private static string LeafName(string owner, StructLeaf leaf) =>
            owner + (owner.Length > 0 && char.IsLower(owner[0]) ? char.ToUpperInvariant(leaf.Name[0]) + leaf.Name.Substring(1) : "_" + leaf.Name).Replace("_", "");

        private Flag[] NewLeafFlags(string owner, StructLayout layout) =>
            layout.Leaves.Select(l => new Flag(LeafName(owner, l), l.Type)).ToArray();

        private Flag[] StructVariable(ISymbol variable, StructLayout layout)
        {
            if (!_structVariables.TryGetValue(variable, out var flags)) _structVariables[variable] = flags = NewLeafFlags(variable.Name, layout);
            return flags;
        }

        private bool IsStructVariable(ISymbol variable) => _structVariables.ContainsKey(variable);

        /// <summary>Binds leaf flags to values (the parameters' leaves, say).</summary>
        private void SetLeaves(Flag[] flags, IReadOnlyList<int> values)
        {
            for (int i = 0; i < flags.Length; i++) SetVariable(flags[i], values[i]);
        }

        private int[] ReadLeaves(Flag[] flags) =>
            flags.Select(f => _env.TryGetValue(f, out int v) ? (v == Unassigned ? Zero(f.Type) : v) : Zero(f.Type)).ToArray();

        /// <summary>A leaf's default: 0 for numbers and bools; -1 (reported by the caller) for other data.</summary>
        private int Zero(TypeRef type) => type.IsNumeric || type.Kind == ValueKind.Bool ? _b.Const(0, type) : -1;

        // ---- the hooks Lowering calls ----

        /// <summary>A struct-typed local: its leaves become variables; false when the local is not a struct.</summary>
        private bool DeclareStruct(ILocalSymbol local, IVariableInitializerOperation? initializer, IOperation at)
        {
            if (!StructLayout.IsCandidate(local.Type)) return false;
            var layout = Layout(local.Type);
            if (layout == null)
            {
                UnsupportedValueType(at, local.Type);
                return true;
            }
            var flags = StructVariable(local, layout);
            if (initializer == null)
            {
                foreach (var f in flags) _env[f] = Unassigned;
                return true;
            }
            var value = Components(initializer.Value);
            if (value != null) SetLeaves(flags, value);
            return true;
        }

        /// <summary>
        /// Expressions that involve structs: a leaf read (<c>p.X</c>), a struct assignment, equality of structs, a call with
        /// struct arguments. False for anything else (the caller lowers it as before).
        /// </summary>
        private bool StructExpr(IOperation operation, out int value)
        {
            value = -1;
            switch (operation)
            {
                case IFieldReferenceOperation field when field.Instance != null && Layout(field.Instance.Type) != null && !field.Field.IsStatic:
                    value = LeafRead(field, field.Instance, field.Field);
                    return true;
                case IPropertyReferenceOperation property when property.Arguments.Length == 0 && property.Instance != null && !property.Property.IsStatic && Layout(property.Instance.Type) is StructLayout layout && layout.Find(property.Property) != null:
                    value = LeafRead(property, property.Instance, property.Property);
                    return true;
                case IPropertyReferenceOperation computed when computed.Arguments.Length == 0 && computed.Instance != null && !computed.Property.IsStatic && Layout(computed.Instance.Type) != null:
                    // A computed property of the struct (public double Length => Math.Sqrt(X * X + Y * Y)): its getter in place.
                    value = Single(computed, Getter(computed, computed.Property, computed.Instance));
                    return true;
                case IOperation argument when argument.Parent is IArgumentOperation { Parent: IInvocationOperation call } && StructLayout.IsCandidate(argument.Type) && OrdinaryStructCall(call):
                    value = Pack(argument, call);
                    return true;
                case ILocalReferenceOperation local when IsStructVariable(local.Local):
                case IParameterReferenceOperation parameter when IsStructVariable(parameter.Parameter):
                    value = Unsupported(operation, "a '" + operation.Type!.ToDisplayString() + "' value here", "; read its fields, or pass it to a [Differentiable] method");
                    return true;
                case IPropertyReferenceOperation length when length.Property.Name == "Length" && length.Instance != null && StructArrayOf(length.Instance) != null:
                {
                    // The number of structs: the numbers' count over the stride.
                    int count = _b.Emit(Op.Length, TypeRef.Int, new[] { Read(((IParameterReferenceOperation)length.Instance).Parameter) });
                    int stride = StructArrayOf(length.Instance)!.Leaves.Count;
                    value = stride == 1 ? count : _b.Emit(Op.Div, TypeRef.Int, new[] { count, _b.Const(stride, TypeRef.Int) });
                    return true;
                }
                case IParameterReferenceOperation array when _structArrays.ContainsKey(array.Parameter):
                    value = Unsupported(operation, "an array of structs used whole", "; read and write its elements ('" + array.Parameter.Name + "[i].X', '" + array.Parameter.Name + "[i] = new …')");
                    return true;
                case ISimpleAssignmentOperation assignment when StructLayout.IsCandidate(assignment.Target.Type):
                    value = AssignStruct(assignment);
                    return true;
                case IBinaryOperation binary when (binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals)
                    && StructLayout.IsCandidate(binary.LeftOperand.Type) && SymbolEqualityComparer.Default.Equals(binary.LeftOperand.Type, binary.RightOperand.Type)
                    && (binary.OperatorMethod == null || binary.OperatorMethod.IsImplicitlyDeclared):
                    value = Equality(binary, binary.LeftOperand, binary.RightOperand, binary.OperatorKind == BinaryOperatorKind.NotEquals, record: binary.OperatorMethod != null);
                    return true;
                case ITupleBinaryOperation tuple when tuple.OperatorKind == BinaryOperatorKind.Equals || tuple.OperatorKind == BinaryOperatorKind.NotEquals:
                    value = Equality(tuple, tuple.LeftOperand, tuple.RightOperand, tuple.OperatorKind == BinaryOperatorKind.NotEquals, record: false);
                    return true;
                case IInvocationOperation invocation when TakesStructs(invocation.TargetMethod, invocation.Instance) && !OrdinaryStructCall(invocation):
                    value = Single(invocation, InlineCall(invocation, invocation.TargetMethod, invocation.Instance, invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToList()));
                    return true;
                case IBinaryOperation binary when binary.OperatorMethod != null && TakesStructs(binary.OperatorMethod, null):
                    value = Single(binary, InlineCall(binary, binary.OperatorMethod, null, new[] { binary.LeftOperand, binary.RightOperand }));
                    return true;
                case IUnaryOperation unary when unary.OperatorMethod != null && TakesStructs(unary.OperatorMethod, null):
                    value = Single(unary, InlineCall(unary, unary.OperatorMethod, null, new[] { unary.Operand }));
                    return true;
                case ICompoundAssignmentOperation compound when compound.OperatorMethod != null && StructLayout.IsCandidate(compound.Target.Type) && TakesStructs(compound.OperatorMethod, null):
                {
                    // v += w: the operator on the target's value, written back.
                    var result = InlineCall(compound, compound.OperatorMethod, null, new[] { compound.Target, compound.Value });
                    value = result != null && AssignLeaves(compound, compound.Target, result) ? 0 : -1;
                    return true;
                }
            }
            return false;
        }

        private static bool TakesStructs(IMethodSymbol method, IOperation? instance) =>
            StructLayout.IsCandidate(method.ReturnType) || method.Parameters.Any(p => StructLayout.IsCandidate(p.Type))
            || (!method.IsStatic && instance != null && StructLayout.IsCandidate(instance.Type));

        private int Single(IOperation at, int[]? values)
        {
            if (values == null) return -1;
            if (values.Length != 1) return Unsupported(at, "a struct value where a number is expected");
            return values[0];
        }

        /// <summary>A number read from a struct (<c>p.X</c>, <c>p.Pos.X</c>, <c>t.Item1</c>).</summary>
        private int LeafRead(IOperation operation, IOperation instance, ISymbol member)
        {
            var layout = Layout(instance.Type)!;
            var m = layout.Find(member);
            if (m == null) return Unsupported(operation, "the member '" + member.Name + "' of '" + instance.Type!.ToDisplayString() + "'");
            if (m.Nested != null) return Unsupported(operation, "a struct value where a number is expected");
            var whole = Components(instance);
            return whole == null ? -1 : whole[m.Start];
        }

        /// <summary>The leaves of a struct-valued expression, or null (reported).</summary>
        private int[]? Components(IOperation operation)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var type = operation.Type;
            var layout = Layout(type);
            if (layout == null)
            {
                if (type != null && StructLayout.IsCandidate(type)) UnsupportedValueType(operation, type);
                else Expr(operation);
                return null;
            }
            switch (operation)
            {
                case ILocalReferenceOperation local when IsStructVariable(local.Local):
                    return ReadLeaves(_structVariables[local.Local]);
                case IParameterReferenceOperation parameter when IsStructVariable(parameter.Parameter):
                    return ReadLeaves(_structVariables[parameter.Parameter]);
                case IInstanceReferenceOperation _ when _thisLeaves != null:
                    return ReadLeaves(_thisLeaves);
                case IParenthesizedOperation parenthesized:
                    return Components(parenthesized.Operand);
                case IArrayElementReferenceOperation element when element.Indices.Length == 1 && StructArrayOf(element.ArrayReference) != null:
                    return ElementLeaves(element.ArrayReference, element.Indices[0], null);
                case IPropertyReferenceOperation indexer when IsSpanIndexer(indexer) && StructArrayOf(indexer.Instance!) != null:
                    return ElementLeaves(indexer.Instance!, indexer.Arguments[0].Value, null);
                case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                    // An element of an array of structs that is data (a field, a [NoDerivative] parameter): read whole, taken apart.
                    return Unpack(ElementRead(element, element.ArrayReference, element.Indices[0]), layout);
                case IPropertyReferenceOperation indexer when IsSpanIndexer(indexer):
                    return Unpack(ElementRead(indexer, indexer.Instance!, indexer.Arguments[0].Value), layout);
                case IFieldReferenceOperation field when field.Instance != null && Layout(field.Instance.Type) is StructLayout outer && outer.Find(field.Field) is StructLayout.Member m && m.Nested != null:
                    return Components(field.Instance)?.Skip(m.Start).Take(m.Count).ToArray();
                case IPropertyReferenceOperation property when property.Arguments.Length == 0 && property.Instance != null && Layout(property.Instance.Type) is StructLayout outer && outer.Find(property.Property) is StructLayout.Member m && m.Nested != null:
                    return Components(property.Instance)?.Skip(m.Start).Take(m.Count).ToArray();
                case IDefaultValueOperation _:
                    return Defaults(operation, layout);
                case IObjectCreationOperation creation:
                    return Construct(creation, layout);
                case IWithOperation with:
                {
                    var value = Components(with.Operand);
                    if (value == null) return null;
                    return Initialize(value, layout, with.Initializer) ? value : null;
                }
                case ITupleOperation tuple:
                {
                    var values = new List<int>();
                    bool ok = true;
                    foreach (var element in tuple.Elements)
                    {
                        if (StructLayout.IsCandidate(element.Type))
                        {
                            var inner = Components(element);
                            if (inner == null) ok = false;
                            else values.AddRange(inner);
                        }
                        else
                        {
                            int v = Expr(element);
                            if (v < 0) ok = false;
                            values.Add(v);
                        }
                    }
                    if (!ok) return null;
                    return Converted(operation, values, layout);
                }
                case IConversionOperation conversion when conversion.OperatorMethod == null && Layout(conversion.Operand.Type) is StructLayout from && from.Leaves.Count == layout.Leaves.Count:
                {
                    var values = Components(conversion.Operand);
                    return values == null ? null : Converted(operation, values, layout);
                }
                case IConditionalOperation conditional when conditional.WhenFalse != null && !conditional.IsRef:
                    return ConditionalStruct(conditional, layout);
                case IConversionOperation numeric when numeric.OperatorMethod != null && IsNumerics(numeric.OperatorMethod.ContainingType):
                    return NumericsConversion(numeric);
                case IMemberReferenceOperation member when member.Instance == null && IsNumerics(member.Member.ContainingType) && NumericsConstant(member.Member.Name, layout) is int[] constant:
                    return constant;
                case IInvocationOperation invocation when !IsDifferentiable(invocation.TargetMethod) && (OrdinaryStructCall(invocation) || !invocation.Arguments.Any(a => StructLayout.IsCandidate(a.Value.Type)))
                    && (invocation.Instance == null || Layout(invocation.Instance.Type) == null) && !IsNumerics(invocation.TargetMethod.ContainingType):
                    // A call returning a struct, none of whose arguments is one: an ordinary call (ADIFF005 if an active value
                    // flows in), its result taken apart.
                    return Unpack(Invocation(invocation), layout);
                case IInvocationOperation invocation:
                    return InlineCall(invocation, invocation.TargetMethod, invocation.Instance, invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToList());
                case IBinaryOperation binary when binary.OperatorMethod != null:
                    return InlineCall(binary, binary.OperatorMethod, null, new[] { binary.LeftOperand, binary.RightOperand });
                case IUnaryOperation unary when unary.OperatorMethod != null:
                    return InlineCall(unary, unary.OperatorMethod, null, new[] { unary.Operand });
                case ISimpleAssignmentOperation assignment:
                {
                    var value = Components(assignment.Value);
                    return value != null && AssignLeaves(assignment, assignment.Target, value) ? value : null;
                }
                case IFieldReferenceOperation field:
                    // A struct held by an object or a static field (this.origin in a class): data, read whole, then each leaf.
                    return Unpack(MemberRead(field, field.Instance, field.Field), layout);
                case IPropertyReferenceOperation property when property.Arguments.Length == 0 && (property.Instance == null || Layout(property.Instance.Type) == null):
                    return Unpack(MemberRead(property, property.Instance, property.Property), layout);
            }
            Unsupported(operation, "this use of a '" + type!.ToDisplayString() + "' value");
            return null;
        }

        /// <summary>The leaves of a whole struct value (data read from outside the method): one member read per leaf.</summary>
        private int[]? Unpack(int whole, StructLayout layout)
        {
            if (whole < 0) return null;
            return layout.Leaves.Select(l => _b.Emit(Op.LoadMember, l.Type, new[] { whole }, payload: new MemberRef(l.Path.Substring(1)))).ToArray();
        }

        /// <summary>Each value converted to its leaf's type (a tuple literal's elements, a tuple conversion).</summary>
        private int[]? Converted(IOperation at, IReadOnlyList<int> values, StructLayout layout)
        {
            if (values.Count != layout.Leaves.Count)
            {
                Unsupported(at, "this tuple");
                return null;
            }
            var result = new int[values.Count];
            for (int i = 0; i < values.Count; i++)
            {
                var to = layout.Leaves[i].Type;
                var from = _b.TypeOf(values[i]);
                if (from == to) result[i] = values[i];
                else if ((from.IsNumeric || from.Kind == ValueKind.Bool) && to.IsNumeric)
                {
                    result[i] = _b.Emit(Op.Convert, to, new[] { values[i] });
                    if (from.IsFloating && !to.IsFloating) _conversions.Add((result[i], at.Syntax));
                }
                else if (from.Display == to.Display || to.Kind == ValueKind.Other) result[i] = values[i];
                else
                {
                    Unsupported(at, "a conversion from '" + from.Display + "' to '" + to.Display + "'");
                    return null;
                }
            }
            return result;
        }

        private int[]? Defaults(IOperation at, StructLayout layout)
        {
            var values = layout.Leaves.Select(l => Zero(l.Type)).ToArray();
            if (values.Any(v => v < 0))
            {
                var leaf = layout.Leaves.First(l => Zero(l.Type) < 0);
                Unsupported(at, "the default value of '" + layout.Type.ToDisplayString() + "' (its member '" + leaf.Path.Substring(1) + "' is a '" + leaf.Type.Display.Replace("global::", "") + "')");
                return null;
            }
            return values;
        }

        /// <summary><c>new P(…)</c>, <c>new P { X = … }</c>: the constructor's effect on the leaves, then the initializer's.</summary>
        private int[]? Construct(IObjectCreationOperation creation, StructLayout layout)
        {
            var ctor = creation.Constructor;
            int[]? value;
            var args = creation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToList();
            if (ctor == null || (ctor.IsImplicitlyDeclared && ctor.Parameters.Length == 0)) value = Defaults(creation, layout);
            else if (layout.IsTuple)
            {
                var values = new List<int>();
                foreach (var a in args) values.Add(Expr(a));
                value = values.Any(v => v < 0) ? null : Converted(creation, values, layout);
            }
            else value = Constructor(creation, ctor, layout, args);
            if (value == null) return null;
            return creation.Initializer == null || Initialize(value, layout, creation.Initializer) ? value : null;
        }

        /// <summary>
        /// A constructor call: a record struct's primary constructor sets the members named like its parameters; a
        /// constructor with source is lowered with its parameters bound to the arguments and <c>this</c> to a zeroed value;
        /// one without source (another assembly) must set each member from the parameter named like it.
        /// </summary>
        private int[]? Constructor(IOperation at, IMethodSymbol ctor, StructLayout layout, IReadOnlyList<IOperation> arguments)
        {
            var args = new List<int[]>();
            foreach (var a in arguments)
            {
                var v = StructLayout.IsCandidate(a.Type) ? Components(a) : (Expr(a) is int s && s >= 0 ? new[] { s } : null);
                if (v == null) return null;
                args.Add(v);
            }
            if (IsNumerics(layout.Type)) return NumericsConstructor(at, ctor, layout, args);
            var syntax = ctor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
            bool primary = syntax is RecordDeclarationSyntax || syntax is TypeDeclarationSyntax;
            if (syntax == null || primary)
            {
                // By name: the primary constructor of a record struct (or a type from another assembly whose constructor
                // parameters are named like its members).
                var values = Defaults(at, layout);
                if (values == null) return null;
                var set = new bool[layout.Members.Count];
                for (int i = 0; i < ctor.Parameters.Length; i++)
                {
                    var p = ctor.Parameters[i];
                    int index = -1;
                    for (int k = 0; k < layout.Members.Count; k++)
                    {
                        if (primary ? layout.Members[k].Name == p.Name : string.Equals(layout.Members[k].Name, p.Name, StringComparison.OrdinalIgnoreCase)) index = k;
                    }
                    if (index < 0)
                    {
                        Unsupported(at, "the constructor '" + ctor.ToDisplayString() + "', whose parameter '" + p.Name + "' names no member of '" + layout.Type.Name + "'");
                        return null;
                    }
                    var member = layout.Members[index];
                    var converted = ConvertTo(at, args[i], member);
                    if (converted == null) return null;
                    Array.Copy(converted, 0, values, member.Start, member.Count);
                    set[index] = true;
                }
                if (primary && HasInitializers(layout))
                {
                    Unsupported(at, "the constructor of '" + layout.Type.Name + "', whose members have initializers");
                    return null;
                }
                return values;
            }
            if (!(syntax is ConstructorDeclarationSyntax declaration) || at.SemanticModel == null) return UnsupportedCtor(at, ctor, "");
            if (declaration.Initializer != null) return UnsupportedCtor(at, ctor, ", which calls another constructor");
            if (HasInitializers(layout)) return UnsupportedCtor(at, ctor, ", whose struct has field initializers");
            var model = declaration.SyntaxTree == at.SemanticModel.SyntaxTree ? at.SemanticModel : _session.State.Model(declaration.SyntaxTree);
            if (!(model.GetOperation(declaration, _cancellationToken) is IConstructorBodyOperation body) || body.BlockBody == null && body.ExpressionBody == null) return UnsupportedCtor(at, ctor, "");
            if (body.Descendants().Any(d => d is IReturnOperation)) return UnsupportedCtor(at, ctor, ", which returns early");
            // Lowered in place: this is a fresh zeroed value, the parameters are the arguments.
            var thisFlags = NewLeafFlags(layout.Type.Name.Length > 0 ? char.ToLowerInvariant(layout.Type.Name[0]) + layout.Type.Name.Substring(1) : "value", layout);
            var zeros = Defaults(at, layout);
            if (zeros == null) return null;
            var savedLeaves = _thisLeaves;
            var savedLayout = _thisLayout;
            bool savedConstructed = _thisIsConstructed;
            _thisLeaves = thisFlags;
            _thisLayout = layout;
            _thisIsConstructed = true;
            foreach (var f in thisFlags) Declare(f, zeros[Array.IndexOf(thisFlags, f)]);
            for (int i = 0; i < ctor.Parameters.Length; i++)
            {
                var p = ctor.Parameters[i];
                _variableTypes[p] = TypeRefs.From(p.Type);
                if (Layout(p.Type) is StructLayout pl) SetLeaves(StructVariable(p, pl), args[i]);
                else _env[p] = args[i][0];
            }
            Statement((IOperation?)body.BlockBody ?? body.ExpressionBody!);
            var result = ReadLeaves(thisFlags);
            _thisLeaves = savedLeaves;
            _thisLayout = savedLayout;
            _thisIsConstructed = savedConstructed;
            return result;
        }

        private int[]? UnsupportedCtor(IOperation at, IMethodSymbol ctor, string why)
        {
            Unsupported(at, "the constructor '" + ctor.ToDisplayString() + "'" + why);
            return null;
        }

        private bool HasInitializers(StructLayout layout) =>
            layout.Members.Any(m => m.Symbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) switch
            {
                VariableDeclaratorSyntax v => v.Initializer != null,
                PropertyDeclarationSyntax p => p.Initializer != null,
                _ => false,
            }));

        /// <summary>A constructor argument for a member, converted to its type.</summary>
        private int[]? ConvertTo(IOperation at, int[] value, StructLayout.Member member)
        {
            if (member.Nested != null) return value.Length == member.Count ? value : null;
            var to = TypeRefs.From(member.Type);
            var from = _b.TypeOf(value[0]);
            if (from == to || !to.IsNumeric || !from.IsNumeric) return value;
            return new[] { _b.Emit(Op.Convert, to, new[] { value[0] }) };
        }

        /// <summary>An object initializer or a <c>with</c> expression's assignments, applied to <paramref name="value"/>.</summary>
        private bool Initialize(int[] value, StructLayout layout, IObjectOrCollectionInitializerOperation initializer)
        {
            foreach (var init in initializer.Initializers)
            {
                if (!(init is ISimpleAssignmentOperation assignment) || !(MemberOf(assignment.Target) is ISymbol symbol) || !(layout.Find(symbol) is StructLayout.Member m))
                {
                    Unsupported(init, "this initializer");
                    return false;
                }
                var v = m.Nested != null ? Components(assignment.Value) : (Expr(assignment.Value) is int s && s >= 0 ? new[] { s } : null);
                if (v == null) return false;
                Array.Copy(v, 0, value, m.Start, m.Count);
            }
            return true;
        }

        private static ISymbol? MemberOf(IOperation target) => target switch
        {
            IFieldReferenceOperation f => f.Field,
            IPropertyReferenceOperation p when p.Arguments.Length == 0 => p.Property,
            _ => null,
        };

        private int[]? ConditionalStruct(IConditionalOperation conditional, StructLayout layout)
        {
            int condition = Expr(conditional.Condition);
            if (condition < 0) return null;
            var flags = NewLeafFlags("choice", layout);
            foreach (var f in flags) Declare(f, Zero(f.Type) is int z && z >= 0 ? z : Unassigned);
            bool ok = true;
            LowerIf(condition, () => { var v = Components(conditional.WhenTrue); if (v == null) ok = false; else SetLeaves(flags, v); },
                () => { var v = Components(conditional.WhenFalse!); if (v == null) ok = false; else SetLeaves(flags, v); });
            return ok ? ReadLeaves(flags) : null;
        }

        /// <summary>Leaf by leaf; a record struct's <c>==</c> compares with <c>Equals</c>, so two NaNs are equal there.</summary>
        private int Equality(IOperation at, IOperation left, IOperation right, bool notEquals, bool record)
        {
            var a = StructLayout.IsCandidate(left.Type) ? Components(left) : null;
            var b = StructLayout.IsCandidate(right.Type) ? Components(right) : null;
            if (a == null || b == null || a.Length != b.Length) return a == null || b == null ? -1 : Unsupported(at);
            int result = -1;
            for (int i = 0; i < a.Length; i++)
            {
                var type = _b.TypeOf(a[i]);
                if (!type.IsNumeric && type.Kind != ValueKind.Bool) return Unsupported(at, "comparing '" + left.Type!.ToDisplayString() + "' values, which hold '" + type.Display + "'");
                int same = _b.Emit(Op.Eq, TypeRef.Bool, new[] { a[i], b[i] });
                if (record && type.IsFloating)
                {
                    int nan = _b.Emit(Op.And, TypeRef.Bool, new[] { _b.Emit(Op.Ne, TypeRef.Bool, new[] { a[i], a[i] }), _b.Emit(Op.Ne, TypeRef.Bool, new[] { b[i], b[i] }) });
                    same = _b.Emit(Op.Or, TypeRef.Bool, new[] { same, nan });
                }
                result = result < 0 ? same : _b.Emit(Op.And, TypeRef.Bool, new[] { result, same });
            }
            return notEquals ? Not(result) : result;
        }

        // ---- writes ----

        /// <summary><c>p = q</c>, <c>p.Pos = q</c>: a struct-typed assignment.</summary>
        private int AssignStruct(ISimpleAssignmentOperation assignment)
        {
            var value = Components(assignment.Value);
            if (value == null) return -1;
            return AssignLeaves(assignment, assignment.Target, value) ? 0 : -1;
        }

        /// <summary>Writes <paramref name="value"/> (leaves) into the target: a struct variable, or a member path rooted at one.</summary>
        private bool AssignLeaves(IOperation assignment, IOperation target, int[] value)
        {
            if (ElementTarget(target) is { } element)
            {
                if (element.Count != value.Length)
                {
                    Unsupported(assignment, "this assignment");
                    return false;
                }
                return ElementLeaves(element.Sequence, element.Index, value, element.Start, assignment) != null;
            }
            if (!LeafTarget(target, out var flags, out int start, out int count, out var what))
            {
                if (what != null) WriteToStateOf(assignment, what);
                else Unsupported(target, "an assignment to " + Describe(target.Syntax));
                return false;
            }
            if (count != value.Length)
            {
                Unsupported(assignment, "this assignment");
                return false;
            }
            for (int i = 0; i < count; i++) SetVariable(flags![start + i], value[i]);
            return true;
        }

        /// <summary>
        /// A scalar write to a leaf of a struct variable (<c>p.X = v</c>, <c>p.X += v</c>): true with the value written,
        /// or true with -1 when reported; false when the target is not inside a struct.
        /// </summary>
        private bool AssignLeaf(IOperation assignment, IOperation target, int value, out int written)
        {
            written = -1;
            if (!(target is IFieldReferenceOperation || target is IPropertyReferenceOperation) || !(MemberInstance(target) is IOperation instance) || Layout(instance.Type) == null) return false;
            if (value < 0) return true;
            if (ElementTarget(target) is { } element)
            {
                var (sequence, index, at, _) = element;
                if (ElementLeaves(sequence, index, new[] { value }, at, assignment) != null) written = value;
                return true;
            }
            if (!LeafTarget(target, out var flags, out int start, out _, out var what))
            {
                if (what != null) WriteToStateOf(assignment, what);
                else Unsupported(target, "an assignment to " + Describe(target.Syntax));
                return true;
            }
            SetVariable(flags![start], value);
            written = value;
            return true;
        }

        // ---- struct arguments of ordinary calls ----

        /// <summary>The struct values packed for ordinary calls (<see cref="Pack"/>): an active one is ADIFF005 at the call.</summary>
        private readonly HashSet<int> _packs = new HashSet<int>();

        /// <summary>
        /// A call with struct arguments to an ordinary method (not [Differentiable], not an operator, not on a struct value): it
        /// runs as written, each struct argument made again from its leaves (<see cref="Pack"/>).
        /// </summary>
        private bool OrdinaryStructCall(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            return !IsDifferentiable(method) && method.MethodKind == MethodKind.Ordinary && !IsNumerics(method.ContainingType) && call.Arguments.Any(a => StructLayout.IsCandidate(a.Value.Type))
                && (method.IsStatic || call.Instance == null || Layout(call.Instance.Type) == null)
                && call.Arguments.All(a => a.Parameter == null || a.Parameter.RefKind == RefKind.None);
        }

        /// <summary>
        /// A struct value for an ordinary call, made from its leaves through the constructor of its layout's pattern
        /// (<c>new P(x, y)</c>, nested ones too). The call has no derivative: if a differentiated value reaches it, it is ADIFF005
        /// like an active scalar passed to an unknown method (reported once activity is known, <see cref="CheckActiveUses"/>).
        /// </summary>
        private int Pack(IOperation argument, IInvocationOperation call)
        {
            var layout = Layout(argument.Type);
            if (layout == null) return UnsupportedValueType(argument, argument.Type!);
            var leaves = Components(argument);
            if (leaves == null) return -1;
            int pos = 0;
            int packed = leaves.All(v => v >= 0) ? PackPattern(layout.Build, ref pos, leaves) : -1;
            string name = call.TargetMethod.Name;
            if (packed < 0)
            {
                return Unsupported(argument, "passing a '" + argument.Type!.ToDisplayString() + "' made here to '" + name + "', which is not [Differentiable]",
                    "; give the struct a constructor whose parameters are its fields, or mark '" + name + "' [Differentiable]");
            }
            _calls.Add((packed, call.Syntax, TypeRefs.Display(call.TargetMethod.ContainingType).Replace("global::", "") + "." + name));
            _noDerivativeAdvice[packed] = NoDerivativeAdvice(call.TargetMethod, call);
            _packs.Add(packed);
            return packed;
        }

        /// <summary>The value a build pattern makes (<c>{n}</c> a leaf, <c>new T(…)</c> a constructor call), or -1 for any other pattern.</summary>
        private int PackPattern(string pattern, ref int pos, int[] leaves)
        {
            while (pos < pattern.Length && pattern[pos] == ' ') pos++;
            if (pos >= pattern.Length) return -1;
            if (pattern[pos] == '{')
            {
                int close = pattern.IndexOf('}', pos);
                if (close < 0 || !int.TryParse(pattern.Substring(pos + 1, close - pos - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int leaf) || leaf >= leaves.Length) return -1;
                pos = close + 1;
                return leaves[leaf];
            }
            if (string.CompareOrdinal(pattern, pos, "new ", 0, 4) != 0) return -1;
            int open = pattern.IndexOf('(', pos);
            if (open < 0) return -1;
            string type = pattern.Substring(pos + 4, open - pos - 4);
            pos = open + 1;
            var args = new List<int>();
            while (true)
            {
                while (pos < pattern.Length && pattern[pos] == ' ') pos++;
                if (pos >= pattern.Length) return -1;
                if (pattern[pos] == ')')
                {
                    pos++;
                    break;
                }
                int arg = PackPattern(pattern, ref pos, leaves);
                if (arg < 0) return -1;
                args.Add(arg);
                while (pos < pattern.Length && pattern[pos] == ' ') pos++;
                if (pos < pattern.Length && pattern[pos] == ',') pos++;
            }
            return _b.Emit(Op.CallStatic, new TypeRef(ValueKind.Other, type), args, payload: new CallInfo("new " + type, HasEffect: false));
        }

        // ---- arrays and spans of structs ----

        private void StructArrayParameter(ISymbol parameter)
        {
            if (parameter is IParameterSymbol p && StructParameters.ElementOf(p.Type) is ITypeSymbol element && Layout(element) is StructLayout layout) _structArrays[parameter] = layout;
        }

        /// <summary>The element layout of an array or span of structs the IR sees as its numbers (a parameter), or null.</summary>
        private StructLayout? StructArrayOf(IOperation sequence) =>
            sequence is IParameterReferenceOperation p && _structArrays.TryGetValue(p.Parameter, out var layout) ? layout : null;

        /// <summary>
        /// Element <paramref name="index"/> of an array of structs, as numbers <c>index * stride + leaf</c> of its span: read
        /// (<paramref name="write"/> null: every leaf) or written (leaves <paramref name="start"/>… get <paramref name="write"/>).
        /// </summary>
        private int[]? ElementLeaves(IOperation sequence, IOperation index, int[]? write, int start = 0, IOperation? assignment = null)
        {
            var layout = StructArrayOf(sequence)!;
            int seq = Read(((IParameterReferenceOperation)sequence).Parameter);
            int i = Expr(index);
            if (seq < 0 || i < 0) return null;
            i = _b.Convert(i, TypeRef.Int);
            int stride = layout.Leaves.Count;
            int first = stride == 1 ? i : _b.Emit(Op.Mul, TypeRef.Int, new[] { i, _b.Const(stride, TypeRef.Int) });
            int At(int leaf) => leaf == 0 ? first : _b.Emit(Op.Add, TypeRef.Int, new[] { first, _b.Const(leaf, TypeRef.Int) });
            if (write == null)
            {
                // Inputs never change during a call; an output's reads are ordered with its writes.
                var op = _buffers.Contains(seq) ? Op.Read : Op.Element;
                return layout.Leaves.Select((l, k) => _b.Emit(op, l.Type, new[] { seq, At(k) })).ToArray();
            }
            if (!_buffers.Contains(seq))
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToInput, assignment!.Syntax.GetLocation(), sequence.Syntax.ToString()));
                _failed = true;
                return null;
            }
            if (write.Any(v => v < 0)) return null;
            for (int k = 0; k < write.Length; k++)
            {
                int value = write[k];
                var type = layout.Leaves[start + k].Type;
                if (_b.TypeOf(value) != type) value = _b.Convert(value, type);
                _b.Emit(Op.Write, IrBuilder.Void, new[] { seq, At(start + k), value });
            }
            return write;
        }

        /// <summary>
        /// A write into an element of an array of structs (<c>ys[i] = …</c>, <c>ys[i].X = …</c>, <c>ys[i].Pos.X = …</c>): the
        /// sequence, the index and the range of leaves written; null for any other target.
        /// </summary>
        private (IOperation Sequence, IOperation Index, int Start, int Count)? ElementTarget(IOperation target)
        {
            switch (target)
            {
                case IArrayElementReferenceOperation element when element.Indices.Length == 1 && StructArrayOf(element.ArrayReference) is StructLayout layout:
                    return (element.ArrayReference, element.Indices[0], 0, layout.Leaves.Count);
                case IPropertyReferenceOperation indexer when IsSpanIndexer(indexer) && StructArrayOf(indexer.Instance!) is StructLayout layout:
                    return (indexer.Instance!, indexer.Arguments[0].Value, 0, layout.Leaves.Count);
            }
            if (!(MemberOf(target) is ISymbol member) || !(MemberInstance(target) is IOperation instance) || !(Layout(instance.Type) is StructLayout outer)
                || !(outer.Find(member) is StructLayout.Member m) || !(ElementTarget(instance) is { } inner)) return null;
            return (inner.Sequence, inner.Index, inner.Start + m.Start, m.Count);
        }

        private static IOperation? MemberInstance(IOperation target) => target switch
        {
            IFieldReferenceOperation f when !f.Field.IsStatic => f.Instance,
            IPropertyReferenceOperation p when p.Arguments.Length == 0 && !p.Property.IsStatic => p.Instance,
            _ => null,
        };

        /// <summary>Whether a compound assignment or increment writes a leaf of a struct variable (not state outside the method).</summary>
        private bool IsLeafTarget(IOperation target) => MemberInstance(target) is IOperation instance && Layout(instance.Type) != null;

        /// <summary>The leaf variables a target writes: the root variable's flags and the range; <paramref name="what"/> names state outside the method.</summary>
        private bool LeafTarget(IOperation target, out Flag[]? flags, out int start, out int count, out ISymbol? what)
        {
            flags = null;
            start = 0;
            count = 0;
            what = null;
            switch (target)
            {
                case ILocalReferenceOperation local when IsStructVariable(local.Local):
                    flags = _structVariables[local.Local];
                    count = flags.Length;
                    return true;
                case IParameterReferenceOperation parameter when IsStructVariable(parameter.Parameter):
                    flags = _structVariables[parameter.Parameter];
                    count = flags.Length;
                    return true;
                case IDeclarationExpressionOperation declaration:
                    return LeafTarget(declaration.Expression, out flags, out start, out count, out what);
                case IInstanceReferenceOperation _ when _thisLeaves != null && _thisLayout != null && _inConstructor:
                    flags = _thisLeaves;
                    count = flags.Length;
                    return true;
                default:
                    var member = MemberOf(target);
                    var instance = MemberInstance(target);
                    if (member == null || instance == null || !(Layout(instance.Type) is StructLayout layout) || !(layout.Find(member) is StructLayout.Member m)) return false;
                    if (!LeafTarget(instance, out flags, out start, out _, out what))
                    {
                        what ??= instance is IInstanceReferenceOperation ? member : what;
                        return false;
                    }
                    start += m.Start;
                    count = m.Count;
                    return true;
            }
        }

        private bool _inConstructor => _thisLeaves != null && _thisIsConstructed;
        private bool _thisIsConstructed;

        private void WriteToStateOf(IOperation assignment, ISymbol member)
        {
            _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToField, assignment.Syntax.GetLocation(),
                assignment.Syntax.ToString(), member.ContainingType.Name + "." + member.Name));
            _failed = true;
        }

        /// <summary><c>var (s, c) = (…, …);</c> and <c>(a, b) = (b, a);</c>: every value first, then every write.</summary>
        private void Deconstruct(IDeconstructionAssignmentOperation deconstruction)
        {
            var value = Components(deconstruction.Value);
            if (value == null) return;
            var targets = new List<IOperation>();
            Flatten(deconstruction.Target, targets);
            int next = 0;
            foreach (var target in targets)
            {
                if (next >= value.Length) break;
                if (target is IDiscardOperation)
                {
                    next++;
                    continue;
                }
                if (StructLayout.IsCandidate(target.Type))
                {
                    var layout = Layout(target.Type);
                    if (layout == null)
                    {
                        UnsupportedValueType(target, target.Type!);
                        return;
                    }
                    if (target is ILocalReferenceOperation l && !IsStructVariable(l.Local)) StructVariable(l.Local, layout);
                    if (!AssignLeaves(deconstruction, target, value.Skip(next).Take(layout.Leaves.Count).ToArray())) return;
                    next += layout.Leaves.Count;
                    continue;
                }
                if (target is ILocalReferenceOperation local && !_variableTypes.ContainsKey(local.Local)) _variableTypes[local.Local] = TypeRefs.From(local.Local.Type);
                int v = value[next++];
                var to = TypeRefs.From(target.Type);
                if (_b.TypeOf(v) != to && to.IsNumeric && _b.TypeOf(v).IsNumeric) v = _b.Emit(Op.Convert, to, new[] { v });
                Assign(deconstruction, target, v);
            }
        }

        private static void Flatten(IOperation target, List<IOperation> into)
        {
            switch (target)
            {
                case IDeclarationExpressionOperation declaration:
                    Flatten(declaration.Expression, into);
                    return;
                case ITupleOperation tuple:
                    foreach (var e in tuple.Elements) Flatten(e, into);
                    return;
                default:
                    into.Add(target);
                    return;
            }
        }

        /// <summary>The variables a loop's assignment to <paramref name="target"/> may change: struct leaves and deconstructed locals.</summary>
        private IEnumerable<object> StructTargets(IOperation? target)
        {
            if (target == null) yield break;
            var all = new List<IOperation>();
            Flatten(target, all);
            foreach (var t in all)
            {
                var root = t;
                while (MemberInstance(root) is IOperation instance) root = instance;
                if (root is ILocalReferenceOperation local)
                {
                    if (_structVariables.TryGetValue(local.Local, out var flags)) foreach (var f in flags) yield return f;
                    else if (all.Count > 1) yield return local.Local;
                }
                else if (root is IParameterReferenceOperation parameter)
                {
                    if (_structVariables.TryGetValue(parameter.Parameter, out var flags)) foreach (var f in flags) yield return f;
                    else if (all.Count > 1) yield return parameter.Parameter;
                }
            }
        }

        /// <summary>A struct-valued return: its leaves are the method's results.</summary>
        private bool ReturnStruct(IReturnOperation ret)
        {
            if (ret.ReturnedValue == null || !StructLayout.IsCandidate(ret.ReturnedValue.Type)) return false;
            var value = Components(ret.ReturnedValue);
            if (value == null)
            {
                _exited = _returnFlag == null;
                return true;
            }
            if (_returnLeafFlags != null)
            {
                SetLeaves(_returnLeafFlags, value);
                SetVariable(_returnFlag!, _b.Const(1, TypeRef.Bool));
                return true;
            }
            _returnedLeaves = value;
            _exited = true;
            return true;
        }

        // ---- calls ----

        /// <summary>
        /// A call to a [Differentiable] method that takes or returns structs (an operator, a method of the struct, a
        /// helper): the callee's IR copied in place, its leaf parameters bound to the arguments' leaves (the receiver's
        /// first, for an instance method of a struct). Returns the result's leaves (one value for a number).
        /// </summary>
        private int[]? InlineCall(IOperation at, IMethodSymbol method, IOperation? instance, IReadOnlyList<IOperation> arguments)
        {
            if (IsNumerics(method.ContainingType)) return NumericsCall(at, method, instance, arguments);
            if (method.MethodKind == MethodKind.UserDefinedOperator && method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is OperatorDeclarationSyntax declaration
                && IsDifferentiable(method))
            {
                return InlineOperator(at, method, declaration, arguments);
            }
            if (!IsDifferentiable(method))
            {
                Unsupported(at, (method.MethodKind == MethodKind.UserDefinedOperator ? "the user-defined operator '" : "the call to '") + method.Name + "', which is not [Differentiable]",
                    "; mark it [Differentiable] (it is then differentiated in place of the call)");
                return null;
            }
            if (_session.UnderWay(method))
            {
                Unsupported(at, "a recursive call to '" + method.Name + "', which takes or returns a struct");
                return null;
            }
            var callee = CalleeModel(method, at);
            if (callee?.Primal == null || !callee.CanGenerate)
            {
                Unsupported(at, "the call to '" + method.Name + "', which has errors of its own");
                return null;
            }
            if (ContainsBuffer(callee.Primal.Body))
            {
                Unsupported(at, "the call to '" + method.Name + "', which creates buffers");
                return null;
            }
            var operands = new List<int>();
            if (callee.Parameters.Any(p => p.Part?.Hidden == true))
            {
                if (instance == null)
                {
                    Unsupported(at, "the call to '" + method.Name + "'");
                    return null;
                }
                var receiver = Components(instance);
                if (receiver == null) return null;
                operands.AddRange(receiver);
            }
            else if (!method.IsStatic && !(instance is IInstanceReferenceOperation))
            {
                Unsupported(at, "the call to '" + method.Name + "' on another object");
                return null;
            }
            foreach (var a in arguments)
            {
                if (StructLayout.IsCandidate(a.Type))
                {
                    var v = Components(a);
                    if (v == null) return null;
                    operands.AddRange(v);
                }
                else
                {
                    int v = Expr(a);
                    if (v < 0) return null;
                    operands.Add(v);
                }
            }
            var primal = callee.Primal;
            if (operands.Count != primal.Params.Count)
            {
                Unsupported(at, "the call to '" + method.Name + "'");
                return null;
            }
            for (int i = 0; i < primal.Params.Count; i++)
            {
                if (primal.Params[i].Type.Kind == ValueKind.Sequence && !_paramIds.Contains(operands[i]))
                {
                    Unsupported(at, "the call to '" + method.Name + "' with a local buffer");
                    return null;
                }
            }
            var map = new Dictionary<int, int>();
            for (int i = 0; i < primal.Params.Count; i++)
            {
                var p = primal.Params[i];
                var model = callee.Parameters[i];
                int operand = operands[i];
                if (_b.TypeOf(operand) != p.Type && p.Type.IsNumeric && _b.TypeOf(operand).IsNumeric) operand = _b.Emit(Op.Convert, p.Type, new[] { operand });
                map[p.Id] = AsData(operand, p.Type, !model.IsActive && !model.IsOutput && model.Part?.Hidden != true);
            }
            foreach (var instr in primal.Body) Transforms.Replay.Copy(_b, instr, map, simplify: false);
            if (callee.SecondOrder == false && IrWalk.Contains(primal.Body, IsCall))
            {
                _firstOrderOnly.Add((-1, at.Syntax, "'" + method.Name + "' is differentiated in place of the call, and has no second-order companions of its own"));
            }
            return primal.Results.Select(r => map[r.Value]).ToArray();
        }
    
        private readonly HashSet<IMethodSymbol> _inlining = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

        /// <summary>A struct's computed property read (its getter's source, lowered in place with <c>this</c> the instance's leaves).</summary>
        private int[]? Getter(IOperation at, IPropertySymbol property, IOperation instance)
        {
            var getter = property.GetMethod;
            if (IsNumerics(property.ContainingType) && getter != null) return NumericsCall(at, getter, instance, Array.Empty<IOperation>());
            var syntax = getter?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
            if (getter == null || !(syntax is ArrowExpressionClauseSyntax || syntax is AccessorDeclarationSyntax) || at.SemanticModel == null)
            {
                Unsupported(at, "the property '" + property.Name + "' of '" + property.ContainingType.Name + "', whose getter is not in this compilation");
                return null;
            }
            var receiver = Components(instance);
            if (receiver == null) return null;
            var layout = Layout(instance.Type)!;
            var flags = NewLeafFlags(char.ToLowerInvariant(layout.Type.Name[0]) + layout.Type.Name.Substring(1), layout);
            for (int i = 0; i < flags.Length; i++) Declare(flags[i], receiver[i]);
            var saved = (_thisLeaves, _thisLayout, _thisIsConstructed);
            (_thisLeaves, _thisLayout, _thisIsConstructed) = (flags, layout, false);
            try
            {
                return InlineBody(at, getter, syntax, Array.Empty<IOperation>());
            }
            finally
            {
                (_thisLeaves, _thisLayout, _thisIsConstructed) = saved;
            }
        }

        /// <summary>
        /// A [Differentiable] user-defined operator (which has no companions of its own: C# cannot name them): its body
        /// lowered in place, its parameters bound to the operands. Its result is what its one return gives.
        /// </summary>
        private int[]? InlineOperator(IOperation at, IMethodSymbol method, OperatorDeclarationSyntax declaration, IReadOnlyList<IOperation> arguments)
        {
            if (at.SemanticModel == null || !_inlining.Add(method))
            {
                Unsupported(at, "a recursive call to the operator '" + method.Name + "'");
                return null;
            }
            try
            {
                return InlineBody(at, method, declaration, arguments);
            }
            finally
            {
                _inlining.Remove(method);
            }
        }

        /// <summary>A body (an operator's, a getter's) lowered in place, its parameters bound to the arguments; its one return is the result.</summary>
        private int[]? InlineBody(IOperation at, IMethodSymbol method, SyntaxNode declaration, IReadOnlyList<IOperation> arguments)
        {
            {
                var model = declaration.SyntaxTree == at.SemanticModel!.SyntaxTree ? at.SemanticModel : _session.State.Model(declaration.SyntaxTree);
                var operation = model.GetOperation(declaration, _cancellationToken);
                IOperation? body = operation is IMethodBodyOperation methodBody ? (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody : operation;
                if (body == null || HasNestedReturn(body))
                {
                    Unsupported(at, "'" + method.Name + "', whose body returns from inside a branch or loop", "; return once, at its end");
                    return null;
                }
                var args = new List<int[]>();
                foreach (var a in arguments)
                {
                    var v = StructLayout.IsCandidate(a.Type) ? Components(a) : (Expr(a) is int x && x >= 0 ? new[] { x } : null);
                    if (v == null) return null;
                    args.Add(v);
                }
                for (int i = 0; i < method.Parameters.Length; i++)
                {
                    var p = method.Parameters[i];
                    _variableTypes[p] = TypeRefs.From(p.Type);
                    if (Layout(p.Type) is StructLayout pl) SetLeaves(StructVariable(p, pl), args[i]);
                    else
                    {
                        int v = args[i][0];
                        var to = TypeRefs.From(p.Type);
                        if (_b.TypeOf(v) != to && to.IsNumeric && _b.TypeOf(v).IsNumeric) v = _b.Emit(Op.Convert, to, new[] { v });
                        SetVariable(p, v);
                    }
                }
                var saved = (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags);
                (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags) = (null, null, false, null, null, null);
                Statement(body);
                int[]? result = _returnedLeaves ?? (_returned is int r && r >= 0 ? new[] { r } : null);
                (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags) = saved;
                return result;
            }
        }
    }
}

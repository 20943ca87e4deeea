using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Lowers a method body (as Roslyn's IOperation tree, which makes implicit conversions explicit)
    /// to SSA: each assignment to a local or parameter rebinds its name to a new value. Anything
    /// without a lowering becomes an ADIFF004 diagnostic at that construct; lowering carries on so
    /// the user sees every problem at once.
    /// </summary>
    internal sealed partial class Lowering
    {
        private readonly IrBuilder _b = new IrBuilder();
        /// <summary>Unassigned local (declared without initializer): its value when read is undefined.</summary>
        private const int Unassigned = -2;

        private Env _env = new Env();
        private readonly Dictionary<object, TypeRef> _variableTypes = new Dictionary<object, TypeRef>(Env.KeyComparer);
        private readonly List<Exits> _exits = new List<Exits>();
        private Flag? _returnFlag;
        private Flag? _returnValue;
        private readonly List<Diagnostic> _diagnostics;
        private readonly CancellationToken _cancellationToken;
        private readonly List<(int Value, SyntaxNode Syntax, string Callee)> _calls = new List<(int, SyntaxNode, string)>();
        private readonly List<(int Value, SyntaxNode Syntax)> _conversions = new List<(int, SyntaxNode)>();
        private readonly HashSet<int> _paramIds = new HashSet<int>();
        /// <summary>A vector-valued method (no second-order companions in any case).</summary>
        private bool _isVoid;
        private readonly List<int> _activeIds = new List<int>();
        private int? _returned;
        /// <summary>Whether a return was lowered: what follows it is unreachable.</summary>
        private bool _exited;
        private bool _failed;
        /// <summary>The method makes a call that may have effects: its reads of mutable fields are ordered with the calls (<see cref="Purity"/>).</summary>
        private bool _effects;

        /// <summary>The analysis this lowering is part of: the compilation's state, and the methods under way (recursion).</summary>
        private readonly FrontendSession _session;

        private Lowering(FrontendSession session, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            _session = session;
            _diagnostics = diagnostics;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Lowers <paramref name="body"/>; null when a diagnostic error was reported.</summary>
        public static IrFunction? Lower(IMethodSymbol method, IOperation body, IReadOnlyList<ParameterModel> parameters, FrontendSession session, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var lowering = new Lowering(session, diagnostics, cancellationToken);
            var activeIds = lowering._activeIds;
            lowering._within = method.ContainingType;
            lowering._compilation = body.SemanticModel?.Compilation;
            lowering._reportedTypes.Add(method.ReturnType);
            lowering._root = body;
            foreach (var p in method.Parameters) lowering._reportedTypes.Add(p.Type);
            // A struct parameter (and this, in a struct's own method) is one IR parameter per leaf (Lowering.Structs.cs).
            int next = 0;
            for (int i = -1; i < method.Parameters.Length; i++)
            {
                ISymbol? symbol = i < 0 ? null : method.Parameters[i];
                var leaves = new List<int>();
                do
                {
                    if (next >= parameters.Count || (i < 0 && parameters[next].Part?.Hidden != true)) break;
                    int id = lowering._b.Param(parameters[next].Name, parameters[next].Type);
                    lowering._paramIds.Add(id);
                    if (parameters[next].IsActive) activeIds.Add(id);
                    // A vector-valued method writes its outputs like buffers of its own.
                    if (parameters[next].IsOutput) lowering._buffers.Add(id);
                    leaves.Add(id);
                    next++;
                }
                while (next < parameters.Count && parameters[next].Part is StructPart part && !part.IsFirst);
                if (leaves.Count == 0) continue;
                if (i < 0 || parameters[next - 1].Part != null)
                {
                    var layout = lowering.Layout(i < 0 ? method.ContainingType : method.Parameters[i].Type)!;
                    var flags = i < 0 ? lowering.NewLeafFlags("this", layout) : lowering.StructVariable(symbol!, layout);
                    if (i < 0) lowering._thisLeaves = flags;
                    for (int k = 0; k < flags.Length; k++) lowering._env[flags[k]] = leaves[k];
                    continue;
                }
                lowering._env[symbol!] = leaves[0];
                lowering._variableTypes[symbol!] = parameters[next - 1].Type;
                if (parameters[next - 1].Array != null) lowering.StructArrayParameter(symbol!);
            }
            bool isVoid = method.ReturnsVoid;
            lowering._isVoid = isVoid;
            lowering._effects = Purity.MakesCallsWithEffects(body, body.SemanticModel?.Compilation);

            if (HasNestedReturn(body))
            {
                // A return inside a branch or loop becomes "set the result and the returned flag"; what
                // follows runs only while the flag is clear, and loops stop when it is set.
                lowering._returnFlag = new Flag("returned", TypeRef.Bool);
                lowering.Declare(lowering._returnFlag, lowering._b.Const(0, TypeRef.Bool));
                if (!isVoid && lowering.Layout(method.ReturnType) is StructLayout returnLayout)
                {
                    lowering._returnLeafFlags = lowering.NewLeafFlags("result", returnLayout);
                    foreach (var f in lowering._returnLeafFlags) lowering.Declare(f, lowering.Zero(f.Type) is int z && z >= 0 ? z : Unassigned);
                }
                else if (!isVoid)
                {
                    var returnType = TypeRefs.From(method.ReturnType);
                    lowering._returnValue = new Flag("result", returnType);
                    lowering.Declare(lowering._returnValue, lowering._b.Const(0, returnType));
                }
            }
            int reported = diagnostics.Count;
            lowering.Statement(body);
            lowering.CheckEscapes(lowering._b.Body);
            lowering.DropRepeatedDiagnostics(reported); // code lowered twice (a loop condition with effects, a section a goto case enters) reports once
            if (lowering._failed) lowering.ReportByReferenceAfterFailure();
            if (lowering._thrown) lowering.Unsupported((IOperation?)lowering._lastThrow ?? body, "a method that throws on every path", "; it has no value to differentiate");
            if (isVoid)
            {
                if (lowering._failed) return null;
                var procedure = lowering._b.Build(method.Name, System.Array.Empty<IrResult>());
                return lowering.CheckActiveUses(procedure, activeIds) ? procedure : null;
            }
            if (lowering._returnLeafFlags != null && !lowering._failed) lowering._returnedLeaves = lowering.ReadLeaves(lowering._returnLeafFlags);
            if (lowering._returnedLeaves != null && !lowering._failed && lowering._returnedLeaves.All(v => v >= 0))
            {
                var leaves = lowering.Layout(method.ReturnType)!.Leaves;
                var structFunction = lowering._b.Build(method.Name, lowering._returnedLeaves.Select((v, k) => new IrResult(leaves[k].Path.Substring(1).Replace(".", "_"), v)));
                return lowering.CheckActiveUses(structFunction, activeIds) ? structFunction : null;
            }
            if (lowering._returnValue != null && !lowering._failed) lowering._returned = lowering._env[lowering._returnValue];
            if (lowering._failed || lowering._returned == null || lowering._returned < 0) return null;

            // A [Differentiable] Vjp rule's ref scalar adjoints are results too, after the value (MethodModel.PullbackSeed).
            var refs = method.Parameters.Where((p, i) => i < parameters.Count && parameters[i].IsRef).Select(p => new IrResult(p.Name, lowering._env[p]));
            var function = lowering._b.Build(method.Name, new[] { new IrResult("value", lowering._returned.Value) }.Concat(refs).ToList());
            return lowering.CheckActiveUses(function, activeIds) ? function : null;
        }

        /// <summary>
        /// Diagnostics that need activity: a call into code without a derivative and a conversion that
        /// drops one only matter when an active value flows through them.
        /// </summary>
        private bool CheckActiveUses(IrFunction function, IReadOnlyCollection<int> activeIds)
        {
            var activity = Activity.Analyze(function, activeIds, _cancellationToken);
            int reported = _diagnostics.Count;
            // Calls and conversions inside loops and branches are in nested regions.
            var definitions = IrWalk.Definitions(function.Body);
            bool ok = true;
            foreach (var (value, syntax, callee) in _calls)
            {
                if (!definitions.TryGetValue(value, out var call)) continue;
                // The receiver counts too (x.ToString()): an object receiver is never varied.
                if (!activity.IsUseful(value) || !call.Args.Any(activity.IsVaried)) continue;
                // A test (double.IsNaN(x)) has no derivative to lose, as a comparison has none.
                if (call.Type.Kind == ValueKind.Bool) continue;
                if (!call.Type.IsFloating && !call.Type.IsFloatingSequence && !_packs.Contains(value))
                {
                    // An index or a count that only selects a branch or an element (Array.BinarySearch(grid, x)) loses nothing.
                    if (!ReachesNumber(definitions.Values, value)) continue;
                    // The value leaves through the call to a type without derivatives (int, string): like a cast, a warning.
                    _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.DerivativeLostInConversion, syntax.GetLocation(),
                        "The call '" + syntax + "' returns '" + call.Type.Display.Replace("global::", "") + "', which carries no derivative"));
                    continue;
                }
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoDerivativeForCall, syntax.GetLocation(), callee, _noDerivativeAdvice[value]));
                ok = false;
            }
            foreach (var (value, syntax, reason) in _firstOrderOnly)
            {
                // Varied, not active: the transforms differentiate every varied call, used or not (in a loop, say).
                if (value >= 0 && !activity.IsVaried(value)) continue;
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoSecondOrder, syntax.GetLocation(), function.Name, reason));
                break;
            }
            foreach (var (value, syntax) in _conversions)
            {
                if (definitions.TryGetValue(value, out var convert) && convert.Op == Op.Convert && activity.IsActive(convert.Args[0]) && ReachesNumber(definitions.Values, value))
                {
                    var operand = syntax is CastExpressionSyntax cast ? cast.Expression : syntax;
                    _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.DerivativeLostInConversion, syntax.GetLocation(), "Converting '" + operand + "' to '" + convert.Type.Display + "' drops its derivative"));
                }
            }
            ok &= CheckDiscardedCalls(activity, definitions);
            DropRepeatedDiagnostics(reported); // a loop condition with effects is lowered twice
            return ok;
        }

        /// <summary>
        /// Whether the non-floating <paramref name="value"/> (an int from a cast or a call) reaches a floating value: through
        /// integer arithmetic, calls, and the results of branches and loops, to an operation with a floating result or a write
        /// of one, or to a loop's condition (a trip count). A value that only selects a branch (a comparison) or an element (an
        /// index) does not: what depends on it is piecewise constant in it, like <c>Math.Floor</c>, whose derivative is zero.
        /// </summary>
        private static bool ReachesNumber(IEnumerable<Instr> instructions, int value)
        {
            var all = instructions.ToList();
            // A loop's condition sets how often its body adds up values (a trip count): that counts as reaching them.
            var loopConditions = new HashSet<int>(all.Where(i => i.Op == Op.While).SelectMany(i => i.Regions[0].Body).Select(i => i.Id));
            var reached = new HashSet<int> { value };
            bool Reach(int v) => reached.Add(v);
            for (bool changed = true; changed;)
            {
                changed = false;
                foreach (var instr in all)
                {
                    for (int p = 0; p < instr.Args.Count; p++)
                    {
                        if (!reached.Contains(instr.Args[p])) continue;
                        if (loopConditions.Contains(instr.Id)) return true;
                        if (OpInfo.Row(instr.Op).Rule == TypeRule.Compare || instr.Op == Op.If || (instr.Op == Op.Select && p == 0) || OpInfo.IsIndex(instr, p)) continue;
                        if (instr.Op == Op.While)
                        {
                            changed |= Reach(instr.Results[p].Id) | Reach(instr.Regions[0].Params[p].Id) | Reach(instr.Regions[1].Params[p].Id);
                            continue;
                        }
                        if (instr.Type.IsFloating || instr.Type.IsFloatingSequence || instr.Op == Op.Write || instr.Op == Op.AddTo) return true;
                        if (instr.Type.Kind != ValueKind.Bool) changed |= Reach(instr.Id);
                    }
                    if (instr.Op == Op.If)
                    {
                        foreach (var region in instr.Regions)
                        {
                            for (int j = 0; j < region.Yields.Count; j++) if (reached.Contains(region.Yields[j])) changed |= Reach(instr.Results[j].Id);
                        }
                    }
                    else if (instr.Op == Op.While)
                    {
                        var body = instr.Regions[1];
                        for (int j = 0; j < body.Yields.Count; j++)
                        {
                            if (reached.Contains(body.Yields[j])) changed |= Reach(instr.Results[j].Id) | Reach(instr.Regions[0].Params[j].Id) | Reach(body.Params[j].Id);
                        }
                    }
                }
            }
            return false;
        }

        private void Statement(IOperation operation)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_exited || _thrown)
            {
                // Unreachable after a return (the compiler warns); a local function declared there is lowered where it is called.
                return;
            }
            switch (operation)
            {
                case IMethodBodyOperation methodBody:
                    Statement((IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody!);
                    return;
                case IBlockOperation block when block.Syntax is UnsafeStatementSyntax || block.Syntax.Parent is UnsafeStatementSyntax:
                    Unsupported(operation);
                    return;
                case IBlockOperation block:
                    Statements(block.Operations);
                    return;
                case IVariableDeclarationGroupOperation group:
                    foreach (var declaration in group.Declarations)
                    {
                        foreach (var declarator in declaration.Declarators) Declare(declarator, declaration.Initializer);
                    }
                    return;
                case IExpressionStatementOperation expression:
                    SideEffect(expression.Operation);
                    return;
                case IReturnOperation ret when ret.Kind == OperationKind.Return && ret.ReturnedValue == null:
                    // return; in a vector-valued method.
                    if (_returnFlag != null) SetVariable(_returnFlag, _b.Const(1, TypeRef.Bool));
                    else _exited = true;
                    return;
                case IReturnOperation ret when ret.Kind == OperationKind.Return && ReturnStruct(ret):
                    return;
                case IReturnOperation ret when ret.Kind == OperationKind.Return && ret.ReturnedValue != null && _returnValue != null:
                    SetVariable(_returnValue, Expr(ret.ReturnedValue));
                    SetVariable(_returnFlag!, _b.Const(1, TypeRef.Bool));
                    return;
                case IReturnOperation ret when ret.Kind == OperationKind.Return && ret.ReturnedValue != null:
                    _returned = Expr(ret.ReturnedValue);
                    _exited = true;
                    return;
                case IConditionalOperation conditional when conditional.Type == null || conditional.Type.SpecialType == SpecialType.System_Void:
                    IfStatement(conditional);
                    return;
                case IWhileLoopOperation loop:
                    WhileLoop(loop);
                    return;
                case IForLoopOperation loop:
                    ForLoop(loop);
                    return;
                case IForEachLoopOperation loop:
                    ForEachLoop(loop);
                    return;
                case ISwitchOperation switchStatement:
                    Switch(switchStatement);
                    return;
                case IBranchOperation branch when branch.BranchKind == BranchKind.Break && _exits.Count > 0 && branch.Syntax is BreakStatementSyntax:
                    SetVariable(_exits[_exits.Count - 1].Break, _b.Const(1, TypeRef.Bool));
                    return;
                case IBranchOperation branch when branch.BranchKind == BranchKind.Continue && InnermostLoop() is Exits loop && loop.Continue != null:
                    SetVariable(loop.Continue, _b.Const(1, TypeRef.Bool));
                    return;
                case IBranchOperation branch when branch.BranchKind == BranchKind.GoTo && !branch.Syntax.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GotoStatement):
                    GotoCase(branch);
                    return;
                case IEmptyOperation _:
                case ILocalFunctionOperation _: // lowered in place where it is called (Lowering.LocalFunctions.cs)
                    return;
                case IThrowOperation throwOperation:
                    Throw(throwOperation);
                    return;
                default:
                    Unsupported(operation);
                    return;
            }
        }

        private void Declare(IVariableDeclaratorOperation declarator, IVariableInitializerOperation? shared)
        {
            var local = declarator.Symbol;
            if (local.IsRef)
            {
                Unsupported(declarator, "a 'ref' local");
                return;
            }
            var initializer = declarator.Initializer ?? shared;
            _variableTypes[local] = TypeRefs.From(local.Type);
            if (DeclareDelegate(local, initializer, declarator)) return;
            if (DeclareStruct(local, initializer, declarator)) return;
            if (initializer == null)
            {
                _env[local] = Unassigned;
                return;
            }
            Bind(local, Expr(initializer.Value));
        }

        private void SideEffect(IOperation operation)
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation _:
                case ICompoundAssignmentOperation _:
                case IIncrementOrDecrementOperation _:
                    Expr(operation);
                    return;
                case IInvocationOperation local when IsLocalCall(local):
                    LocalCall(local);
                    return;
                case IInvocationOperation invocation when SpanOutputRules(invocation) is RuleSet rules:
                    SpanOutputCall(invocation, rules);
                    return;
                case IInvocationOperation invocation when IsDifferentiable(invocation.TargetMethod) && DifferentiableMask(invocation.TargetMethod) == null:
                    VectorCall(invocation);
                    return;
                case IDeconstructionAssignmentOperation deconstruction:
                    Deconstruct(deconstruction);
                    return;
                case IInvocationOperation invocation:
                    DiscardedCall(invocation);
                    return;
                case IThrowOperation throwOperation:
                    Throw(throwOperation);
                    return;
                default:
                    Unsupported(operation);
                    return;
            }
        }

        private void Bind(ISymbol variable, int value) => SetVariable(variable, value);

        private int Expr(IOperation operation)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (operation.Type?.TypeKind == Microsoft.CodeAnalysis.TypeKind.Dynamic) return Unsupported(operation, "a 'dynamic' operation");
            if (operation.ConstantValue.HasValue) return Constant(operation);
            if (FunctionExpr(operation) is int function) return function;
            if (StructExpr(operation, out int structValue)) return structValue;
            if (Array2DExpr(operation, out int array2D)) return array2D;
            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return Cleared(Read(local.Local));
                case IParameterReferenceOperation parameter:
                    return Read(parameter.Parameter);
                case IOperation collection when collection.Syntax is CollectionExpressionSyntax syntax:
                    return CollectionExpression(collection, syntax);
                case IOperation elements when IsParamsSpan(elements):
                    return ParamsSpan(elements);
                case IConversionOperation conversion when ConstantArrayAsSpan(conversion) is int table:
                    return table;
                case IConditionalOperation conditional when conditional.WhenFalse != null && !conditional.IsRef && (AsThrow(conditional.WhenTrue) ?? AsThrow(conditional.WhenFalse)) is IThrowOperation thrown:
                    return ConditionalThrow(conditional, thrown, AsThrow(conditional.WhenTrue) != null ? conditional.WhenFalse : conditional.WhenTrue);
                case IConditionalOperation conditional when conditional.WhenFalse != null && !conditional.IsRef:
                    return Conditional(conditional);
                case ICoalesceOperation coalesce when AsThrow(coalesce.WhenNull) is IThrowOperation thrown:
                    return CoalesceThrow(coalesce, thrown);
                case IConversionOperation conversion when AsThrow(conversion) is IThrowOperation thrown:
                    Throw(thrown);
                    return Placeholder(TypeRefs.From(conversion.Type));
                case IThrowOperation thrown:
                    Throw(thrown);
                    return Placeholder(TypeRefs.From(thrown.Type));
                case IObjectCreationOperation creation:
                    return ObjectCreation(creation);
                case IInterpolatedStringOperation interpolated:
                    return InterpolatedString(interpolated);
                case IBinaryOperation logical when logical.OperatorKind == BinaryOperatorKind.ConditionalAnd || logical.OperatorKind == BinaryOperatorKind.ConditionalOr:
                    return ShortCircuit(logical);
                case IUnaryOperation not when not.OperatorKind == UnaryOperatorKind.Not && not.OperatorMethod == null && TypeRefs.From(not.Type).Kind == ValueKind.Bool:
                    return Not(Expr(not.Operand));
                case ISwitchExpressionOperation switchExpression:
                    return SwitchExpression(switchExpression);
                case IInstanceReferenceOperation _:
                    return This();
                case IParenthesizedOperation parenthesized:
                    return Expr(parenthesized.Operand);
                case IConversionOperation conversion:
                    return Conversion(conversion);
                case IBinaryOperation concat when concat.OperatorKind == BinaryOperatorKind.Add && concat.Type?.SpecialType == SpecialType.System_String:
                    return Concat(concat);
                case IBinaryOperation binary:
                    return Binary(binary);
                case IUnaryOperation unary:
                    return Unary(unary);
                case IInvocationOperation invocation:
                    return Invocation(invocation);
                case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                    return ElementRead(element, element.ArrayReference, element.Indices[0]);
                case IPropertyReferenceOperation indexer when indexer.Property.IsIndexer && indexer.Instance != null && TypeRefs.IsSpan(indexer.Instance.Type!, out _) && indexer.Arguments.Length == 1:
                    return ElementRead(indexer, indexer.Instance, indexer.Arguments[0].Value);
                case IPropertyReferenceOperation length when length.Property.Name == "Length" && length.Instance != null && TypeRefs.From(length.Instance.Type).Kind == ValueKind.Sequence:
                    return SequenceLength(length.Instance);
                case IArrayCreationOperation creation:
                    return ArrayCreation(creation);
                case IOperation stackAllocation when StackAllocation(stackAllocation) is int buffer:
                    return buffer;
                case IFieldReferenceOperation field:
                    return MemberRead(field, field.Instance, field.Field);
                case IPropertyReferenceOperation numbers when IsGenericMathMember(numbers.Property):
                    return GenericMathConstant(numbers);
                case IPropertyReferenceOperation property when property.Arguments.Length == 0:
                    return MemberRead(property, property.Instance, property.Property);
                case ISimpleAssignmentOperation assignment:
                    return Assign(assignment, assignment.Target, Expr(assignment.Value));
                case ICompoundAssignmentOperation compound:
                    return CompoundAssign(compound);
                case IIncrementOrDecrementOperation increment:
                    return Increment(increment);
                default:
                    return Unsupported(operation);
            }
        }

        private int Constant(IOperation operation)
        {
            var value = operation.ConstantValue.Value;
            var type = TypeRefs.From(operation.Type);
            switch (value)
            {
                case bool flag: return _b.Const(flag ? 1 : 0, type);
                case double d: return _b.Const(d, type);
                case float f: return _b.Const(f, type);
                // Exactly: a double holds only integers up to 2^53.
                case ulong u:
                    return _b.Integer(u, type);
                case int _:
                case long _:
                case short _:
                case byte _:
                case sbyte _:
                case ushort _:
                case uint _:
                    return _b.Integer(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), type);
                case char c:
                    return _b.Integer(c, type);
                case string text:
                    // Data only: a switch or an equality compares with it.
                    return _b.Emit(Op.Const, type, Array.Empty<int>(), payload: ConstValue.OfString(text));
                default:
                    return Unsupported(operation, value == null ? "'null'" : "a constant of type '" + type.Display + "'");
            }
        }

        // Emitted where it is read (value numbering merges the reads of one block): a value of a loop's condition is not in scope in its body.
        private int This() => _b.Emit(Op.This, TypeRef.Int with { Kind = ValueKind.Other, Display = "this" }, Array.Empty<int>());

        private int Conversion(IConversionOperation conversion)
        {
            // double[] → ReadOnlySpan<double>, Span<double> → ReadOnlySpan<double>: the same elements seen another
            // way (the span types' own implicit operators).
            bool view = TypeRefs.From(conversion.Operand.Type).Kind == ValueKind.Sequence && TypeRefs.From(conversion.Type).Kind == ValueKind.Sequence
                && TypeRefs.From(conversion.Operand.Type).ElementType == TypeRefs.From(conversion.Type).ElementType;
            if (conversion.OperatorMethod != null && !view) return Unsupported(conversion, "a user-defined conversion");
            // A value boxed, or an array seen as an object, for a call that takes 'object' (a message's argument, ThrowIfNull).
            if (conversion.Type?.SpecialType == SpecialType.System_Object && conversion.Conversion.IsImplicit) return Expr(conversion.Operand);
            int operand = Expr(conversion.Operand);
            if (operand < 0) return -1;
            var from = _b.TypeOf(operand);
            var to = TypeRefs.From(conversion.Type);
            if (from == to || view) return operand;
            bool numeric = (from.IsNumeric || from.Kind == ValueKind.Bool) && (to.IsNumeric || to.Kind == ValueKind.Bool);
            bool enumLike = !from.IsFloating && !to.IsFloating && (conversion.Operand.Type?.TypeKind == Microsoft.CodeAnalysis.TypeKind.Enum || conversion.Type?.TypeKind == Microsoft.CodeAnalysis.TypeKind.Enum);
            if (!numeric && !enumLike) return Unsupported(conversion, "a conversion from '" + from.Display + "' to '" + to.Display + "'");
            int value = _b.Emit(Op.Convert, to, new[] { operand });
            if (from.IsFloating && !to.IsFloating) _conversions.Add((value, conversion.Syntax));
            return value;
        }

        /// <summary>
        /// <c>a + b + c + …</c> nests to the left as deep as the source is long, so a chain of binary operators is lowered
        /// from its innermost left operand outwards with an explicit stack rather than by recursion: no expression can
        /// overflow the thread's stack. Each operator's right operand is lowered after its left, as C# evaluates them.
        /// </summary>
        private int Binary(IBinaryOperation binary)
        {
            var chain = new Stack<(IBinaryOperation Operation, Op Op)>();
            IOperation operand = binary;
            while (operand is IBinaryOperation inner && (inner == binary || LowersAsBinary(inner)) && BinaryOperator(inner, out _) is Op op)
            {
                chain.Push((inner, op));
                operand = inner.LeftOperand;
            }
            if (chain.Count == 0)
            {
                BinaryOperator(binary, out string? what);
                return Unsupported(binary, what);
            }
            int value = Expr(operand);
            bool failed = value < 0;
            while (chain.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var (operation, op) = chain.Pop();
                int right = Expr(operation.RightOperand);
                if (failed || right < 0)
                {
                    failed = true;
                    continue;
                }
                value = _b.Emit(op, TypeRefs.From(operation.Type), new[] { value, right });
            }
            return failed ? -1 : value;
        }

        /// <summary>Whether <see cref="Expr"/> lowers this operation through <see cref="Binary"/> (not a constant, &amp;&amp; or ||, or dynamic).</summary>
        private static bool LowersAsBinary(IBinaryOperation binary) =>
            !binary.ConstantValue.HasValue && binary.Type?.TypeKind != Microsoft.CodeAnalysis.TypeKind.Dynamic
            && binary.OperatorKind != BinaryOperatorKind.ConditionalAnd && binary.OperatorKind != BinaryOperatorKind.ConditionalOr;

        /// <summary>The operation a supported binary operator lowers to; null, with what to report (null: the operator itself), otherwise.</summary>
        private static Op? BinaryOperator(IBinaryOperation binary, out string? unsupported)
        {
            unsupported = null;
            if (binary.OperatorMethod != null && !IsGenericMathMember(binary.OperatorMethod))
            {
                unsupported = "the user-defined operator '" + binary.OperatorMethod.Name + "'";
                return null;
            }
            if (binary.IsLifted)
            {
                unsupported = "a nullable operation";
                return null;
            }
            var operandType = TypeRefs.From(binary.LeftOperand.Type);
            bool logical = operandType.Kind == ValueKind.Bool;
            Op? op = binary.OperatorKind switch
            {
                BinaryOperatorKind.And => logical ? Op.And : Op.BitAnd,
                BinaryOperatorKind.Or => logical ? Op.Or : Op.BitOr,
                BinaryOperatorKind.ExclusiveOr => logical ? Op.Ne : Op.BitXor,
                BinaryOperatorKind.LeftShift => Op.ShiftLeft,
                BinaryOperatorKind.RightShift => Op.ShiftRight,
                BinaryOperatorKind.UnsignedRightShift => Op.UnsignedShiftRight,
                BinaryOperatorKind.Add => Op.Add,
                BinaryOperatorKind.Subtract => Op.Sub,
                BinaryOperatorKind.Multiply => Op.Mul,
                BinaryOperatorKind.Divide => Op.Div,
                BinaryOperatorKind.Remainder => Op.Rem,
                BinaryOperatorKind.LessThan => Op.Lt,
                BinaryOperatorKind.LessThanOrEqual => Op.Le,
                BinaryOperatorKind.GreaterThan => Op.Gt,
                BinaryOperatorKind.GreaterThanOrEqual => Op.Ge,
                BinaryOperatorKind.Equals => Op.Eq,
                BinaryOperatorKind.NotEquals => Op.Ne,
                _ => null,
            };
            if (op == null) return null;
            bool boolEquality = (logical || binary.LeftOperand.Type?.SpecialType == SpecialType.System_String) && (op == Op.Eq || op == Op.Ne);
            if (!operandType.IsNumeric && !boolEquality && !(logical && (op == Op.And || op == Op.Or)))
            {
                unsupported = "an operator on '" + operandType.Display + "'";
                return null;
            }
            return op;
        }

        private int Unary(IUnaryOperation unary)
        {
            if (unary.OperatorMethod != null && !IsGenericMathMember(unary.OperatorMethod)) return Unsupported(unary, "the user-defined operator '" + unary.OperatorMethod.Name + "'");
            if (unary.OperatorKind == UnaryOperatorKind.BitwiseNegation && TypeRefs.From(unary.Type).Kind == ValueKind.Integer)
            {
                int bits = Expr(unary.Operand);
                return bits < 0 ? -1 : _b.Emit(Op.BitNot, _b.TypeOf(bits), new[] { bits });
            }
            if (unary.OperatorKind != UnaryOperatorKind.Minus && unary.OperatorKind != UnaryOperatorKind.Plus) return Unsupported(unary);
            if (!TypeRefs.From(unary.Type).IsNumeric) return Unsupported(unary, "an operator on '" + TypeRefs.From(unary.Type).Display + "'");
            int operand = Expr(unary.Operand);
            if (operand < 0 || unary.OperatorKind == UnaryOperatorKind.Plus) return operand;
            return _b.Emit(Op.Neg, _b.TypeOf(operand), new[] { operand });
        }

        private int Invocation(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (IsLocalCall(invocation)) return LocalCall(invocation);
            if (IsLinq(method)) return Linq(invocation);
            var arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
            if (arguments.Any(a => a.Parameter?.RefKind == RefKind.Ref || a.Parameter?.RefKind == RefKind.Out)) return ByReference(invocation, invocation.Instance, arguments);
            if (!PlainArguments(invocation, arguments)) return -1;
            if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly) return Unsupported(invocation, "a call to '" + method.Name + "'");

            var args = new List<int>();
            if (!method.IsStatic && invocation.Instance != null) args.Add(Expr(invocation.Instance));
            // Every argument, even after one that failed: each reports its own unsupported constructs. They are lowered in
            // the order C# evaluates them (as written: named arguments may come in any order), then put in parameter order.
            var values = invocation.Arguments.ToDictionary(a => a, a => Expr(a.Value));
            foreach (var argument in arguments) args.Add(values[argument]);
            if (args.Any(a => a < 0)) return -1;

            var type = TypeRefs.From(method.ReturnType);
            if (IsNumberConversion(method) && args.Count == 1) return NumberConversion(invocation, args[0], type);
            var intrinsic = IntrinsicOf(method);
            if (intrinsic != Intrinsic.None) return _b.Emit(Op.Intrinsic, type, args, payload: new FnRef(intrinsic));

            if ((method.IsStatic || invocation.Instance != null) && invocation.SemanticModel != null && CustomRules.For(invocation.SemanticModel.Compilation, method) is RuleSet rules)
            {
                // The operands are the receiver (for an instance method, never differentiated) and the arguments; the
                // rule takes them all. An instance target is written ".Name", called on the first operand.
                int first = method.IsStatic ? 0 : 1;
                var mask = ActiveSet.Empty;
                int partials = 0;
                foreach (int i in CustomRules.ActiveParameters(method)) { mask = mask.With(i + first); partials++; }
                string target = method.IsStatic ? TypeRefs.Display(method.ContainingType) + "." + method.Name : "." + method.Name;
                if (rules.Vjp != null)
                {
                    // Rules shaped like the target's Vjp and Jvp: calls go through them as through a [Differentiable] callee's companions.
                    int companions = _b.Emit(Op.CallWithRule, type, args, payload: new RuleCall(target, null, mask,
                        Vjp: TypeRefs.Display(rules.Vjp.ContainingType) + "." + rules.Vjp.Name, Jvp: TypeRefs.Display(rules.Jvp!.ContainingType) + "." + rules.Jvp.Name));
                    // H·v goes through the Vjp rule's own Tangent companion (forward mode over it) when the rule is [Differentiable].
                    if (PullbackProblem(rules.Vjp, method, invocation) is string problem) _firstOrderOnly.Add((companions, invocation.Syntax, problem));
                    return companions;
                }
                var rule = rules.Partials!;
                string ruleName = TypeRefs.Display(rule.ContainingType) + "." + rule.Name;
                // A rule that is itself [Differentiable] and returns one partial is called as a differentiable method, so
                // H·v differentiates it through its own Jvp; otherwise the caller is first-order only.
                ActiveSet? secondOrder = null;
                if (partials == 1 && IsDifferentiable(rule) && DifferentiableMask(rule) is ActiveSet ruleMask && CalleeModel(rule, invocation)?.CanGenerate == true)
                {
                    secondOrder = ruleMask;
                }
                int ruled = _b.Emit(Op.CallWithRule, type, args, payload: new RuleCall(target, ruleName, mask, secondOrder));
                if (secondOrder == null)
                {
                    _firstOrderOnly.Add((ruled, invocation.Syntax, partials == 1
                        ? "the custom derivative '" + rule.Name + "' of '" + method.Name + "' has no derivative of its own, which H·v needs: mark it [Differentiable]"
                        : "the custom derivative '" + rule.Name + "' of '" + method.Name + "' returns several partials as a tuple, and H·v needs each partial's own derivative, which is only generated for a rule with one partial"));
                }
                return ruled;
            }
            if (IsDifferentiable(method) && DifferentiableCall(invocation, method, type, args, out var calleeModel) is int differentiable)
            {
                if (calleeModel != null && !calleeModel.SecondOrder)
                {
                    _firstOrderOnly.Add((differentiable, invocation.Syntax, "'" + method.Name + "' is called with an active argument and has no second-order companions of its own" +
                        (SecondOrderOff(method) ? " ([Differentiable(SecondOrder = false)])" : "")));
                }
                return differentiable;
            }

            // A static member of a generic-math interface is called on the type parameter (T.IsNaN), never on the interface.
            string callee = (IsGenericMathMember(method) && invocation.ConstrainedToType is ITypeSymbol constrained ? constrained.Name : TypeRefs.Display(method.ContainingType)) + "." + method.Name;
            string name = method.Name + (method.IsGenericMethod ? "<" + string.Join(", ", method.TypeArguments.Select(TypeRefs.Display)) + ">" : "");
            bool pure = Purity.IsKnownPure(method, invocation.SemanticModel?.Compilation);
            int call = method.IsStatic
                ? _b.Emit(Op.CallStatic, type, args, payload: new CallInfo(callee.Substring(0, callee.Length - method.Name.Length) + name, HasEffect: !pure))
                : _b.Emit(Op.CallMember, type, args, payload: new CallInfo(name, HasEffect: !pure));
            _calls.Add((call, invocation.Syntax, callee.Replace("global::", "")));
            if (!pure) _firstOrderOnly.Add((-1, invocation.Syntax, EffectReason(callee)));
            _noDerivativeAdvice[call] = NoDerivativeAdvice(method, invocation);
            return call;
        }

        /// <summary>The Vjp and Jvp rules of a call to a function with span outputs (<see cref="CustomRules.Outputs"/>), or null.</summary>
        private static RuleSet? SpanOutputRules(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (!method.ReturnsVoid || !(method.IsStatic || invocation.Instance != null) || invocation.SemanticModel == null) return null;
            if (!CustomRules.Outputs(method).Any()) return null;
            return CustomRules.For(invocation.SemanticModel.Compilation, method) is RuleSet { Vjp: not null } rules ? rules : null;
        }

        /// <summary>
        /// A call to a function with span outputs through its rules, <c>Solve(a, b, x);</c>: one instruction that writes the
        /// outputs, as a write does (its Vjp and Jvp are the rules', RuleTable's <c>CallRules.SpanOutputs</c>). An output must be a
        /// buffer of the method (or one of its own outputs), passed nowhere else in the call: the rule computes it from the inputs.
        /// </summary>
        private void SpanOutputCall(IInvocationOperation invocation, RuleSet rules)
        {
            var method = invocation.TargetMethod;
            var arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
            if (!PlainArguments(invocation, arguments)) return;
            int first = method.IsStatic ? 0 : 1;
            var args = new List<int>();
            if (!method.IsStatic) args.Add(Expr(invocation.Instance!));
            var values = invocation.Arguments.ToDictionary(a => a, a => Expr(a.Value));
            foreach (var argument in arguments) args.Add(values[argument]);
            if (args.Any(a => a < 0)) return;
            var mask = ActiveSet.Of(CustomRules.ActiveParameters(method).Select(i => i + first));
            var outputs = ActiveSet.Of(CustomRules.Outputs(method).Select(i => i + first));
            foreach (int o in outputs.Positions)
            {
                var argument = arguments[o - first];
                if (!_buffers.Contains(args[o]))
                {
                    _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToInput, argument.Syntax.GetLocation(), argument.Value.Syntax.ToString()));
                    _failed = true;
                    return;
                }
                if (args.Count(a => a == args[o]) > 1)
                {
                    Unsupported(argument, "passing '" + argument.Value.Syntax + "' to '" + method.Name + "' both as its output '" + argument.Parameter?.Name + "' and as another argument",
                        "; its rules compute the output from the inputs, so pass a copy of the input");
                    return;
                }
            }
            string target = method.IsStatic ? TypeRefs.Display(method.ContainingType) + "." + method.Name : "." + method.Name;
            int call = _b.Emit(Op.CallWithRule, TypeRef.Void, args, payload: new RuleCall(target, null, mask,
                Vjp: TypeRefs.Display(rules.Vjp!.ContainingType) + "." + rules.Vjp.Name, Jvp: TypeRefs.Display(rules.Jvp!.ContainingType) + "." + rules.Jvp.Name, Outputs: outputs));
            if (!_isVoid) _firstOrderOnly.Add((call, invocation.Syntax, "H·v through the custom derivative '" + rules.Vjp.Name + "' of '" + method.Name + "', a function with span outputs, is not supported yet"));
        }

        /// <summary>Why H·v cannot go through the Vjp rule <paramref name="vjp"/> of <paramref name="target"/> (ADIFF014), or null.</summary>
        private string? PullbackProblem(IMethodSymbol vjp, IMethodSymbol target, IInvocationOperation invocation)
        {
            string rule = "the custom derivative '" + vjp.Name + "' of '" + target.Name + "'";
            if (!IsDifferentiable(vjp))
            {
                return rule + " is not [Differentiable], and H·v differentiates it (forward mode over the Vjp rule): mark it [Differentiable] (in a partial class)";
            }
            if (CalleeModel(vjp, invocation) is not MethodModel model || !model.CanGenerate || model.PullbackSeed < 0)
            {
                return rule + " is [Differentiable] but gets no Tangent companion because of its own errors: fix those";
            }
            return null;
        }

        /// <summary>For each ordinary call, what ADIFF005 advises if an active value goes through it.</summary>
        private readonly Dictionary<int, string> _noDerivativeAdvice = new Dictionary<int, string>();

        /// <summary>
        /// What applies to a callee without a derivative: for a method of a referenced assembly, a [DerivativeOf] rule or
        /// the built-in function that does the same; for an interface or virtual method, that the method that runs is only known
        /// at run time; for a call on a struct, that only calls on objects are differentiated; for a [Differentiable] method that cannot be used, why; otherwise
        /// [Differentiable] or a rule.
        /// </summary>
        private string NoDerivativeAdvice(IMethodSymbol method, IInvocationOperation invocation)
        {
            const string Rule = "give it a custom derivative with [DerivativeOf]";
            const string StopGradient = "pass the argument through Ad.StopGradient if its derivative should be zero";
            if (method.DeclaringSyntaxReferences.IsEmpty)
            {
                string library = "it is in the referenced assembly '" + method.ContainingAssembly?.Name + "', so it cannot be marked [Differentiable]";
                // (double.Log and float.Sqrt, the Math functions under another name, are built in: RuleTable.Find.)
                return library + ": " + Rule + ", or " + StopGradient;
            }
            bool differentiable = IsDifferentiable(method);
            if (!method.IsStatic && Dispatched(method.OriginalDefinition, invocation))
            {
                return "it is " + (method.ContainingType?.TypeKind == TypeKind.Interface ? "an interface method" : method.IsAbstract ? "an abstract method" : "a virtual method") +
                    " called on '" + (invocation.Instance is IInstanceReferenceOperation ? "this" : invocation.Instance!.Syntax.ToString()) + "', so which implementation runs is only known at run time, and its derivatives cannot be chosen at compile time: " +
                    "call a [Differentiable] method of a sealed class (or a non-virtual one), " + Rule + ", or " + StopGradient;
            }
            if (OnAnotherObject(invocation) && invocation.Instance!.Type?.IsReferenceType != true)
            {
                return "it is called on the struct value '" + invocation.Instance.Syntax + "', and only calls on objects (class instances) are differentiated: make it a static " +
                    "[Differentiable] method taking the struct's values as arguments, " + Rule + ", or " + StopGradient;
            }
            if (differentiable)
            {
                return method.IsGenericMethod
                    ? "it is [Differentiable] but generic, and a call to a generic method is differentiated only when its type arguments are floating types, each given by an argument (see ADIFF010)"
                    : "it is [Differentiable] but gets no companions because of its own errors: fix those";
            }
            return "mark it [Differentiable], give it a custom derivative, or " + StopGradient;
        }

        /// <summary>
        /// False, with the diagnostic reported, for a 'ref' or 'out' argument, or one for a 'ref readonly' parameter (generated
        /// code would pass it an expression). An 'in' argument is read like one passed by value; the elements of a 'params'
        /// argument become a buffer, as C# makes them an array.
        /// </summary>
        private bool PlainArguments(IInvocationOperation invocation, IArgumentOperation[] arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter != null && argument.Parameter.RefKind == RefKind.RefReadOnlyParameter)
                {
                    Unsupported(argument, "an argument for the 'ref readonly' parameter '" + argument.Parameter.Name + "' of '" + invocation.TargetMethod.Name + "'", "; make that parameter 'in'");
                    return false;
                }
                if (argument.Parameter != null && argument.Parameter.RefKind != RefKind.None && argument.Parameter.RefKind != RefKind.In)
                {
                    Unsupported(argument, "a 'ref' or 'out' argument");
                    return false;
                }
            }
            return true;
        }

        /// <summary>
        /// A scalar argument for a [NoDerivative] parameter of a callee whose body is copied in place of the call, wrapped in
        /// StopGradient: the call through the callee's companions would pass it no derivative either.
        /// </summary>
        private int AsData(int argument, TypeRef parameterType, bool noDerivative) =>
            noDerivative && parameterType.IsFloating && !_b.IsConst(argument, out _)
                ? _b.Emit(Op.Intrinsic, _b.TypeOf(argument), new[] { argument }, payload: new FnRef(Intrinsic.StopGradient))
                : argument;

        private bool IsDifferentiable(IMethodSymbol method) => _session.State.Options(method) != null;

        /// <summary>
        /// A call to another [Differentiable] method, static or on this instance, with scalar and array or
        /// read-only span active parameters: its derivatives come from its own companions. Returns null
        /// when the call cannot be differentiated that way (it is then an ordinary call, diagnosed if an
        /// argument is active).
        /// </summary>
        private int? DifferentiableCall(IInvocationOperation invocation, IMethodSymbol method, TypeRef type, List<int> args, out MethodModel? callee)
        {
            callee = null;
            // On another object (model.Predict(x)) the receiver is the call's first operand, never differentiated.
            bool onReceiver = OnAnotherObject(invocation);
            if (onReceiver && !(invocation.Instance!.Type?.IsReferenceType == true)) return null;
            if (onReceiver && _b.IsInNestedRegion(args[0]) && _b.Definition(args[0]) is Instr receiver && !OpInfo.IsPure(receiver))
            {
                // The reverse sweep of a loop or branch records the values it needs, or reads them again: an object is not
                // recorded, and a receiver with effects is not evaluated a second time.
                return Unsupported(invocation.Instance!, "calling '" + method.Name + "' on '" + invocation.Instance!.Syntax + "', which may have side effects or change between calls, inside a loop or branch",
                    "; assign it to a local before the loop or branch and call the method on that");
            }
            if (!method.IsStatic && Dispatched(method.OriginalDefinition, invocation)) return null;
            // A generic callee (generic math) goes through its generic companions, its type arguments inferred as at the call; its IR is over T, so it is never copied in place.
            if (!TypeRefs.IsFloating(method.ReturnType) || (method.IsGenericMethod && !InferableFloating(method))) return null;
            // A method of a generic class instance (layer.Forward on a Layer<double>) is differentiated as declared (Layer<T>.Forward);
            // a static one keeps its type arguments, which the call to its companions spells (Model<double>.F).
            if (onReceiver && !method.IsGenericMethod) method = method.OriginalDefinition;
            if (!(DifferentiableMask(method) is ActiveSet mask)) return null;
            if (PassesArray2D(invocation, args) is int refused) return refused;
            bool recursive = _session.UnderWay(method); // the outer analysis decides
            // A recursive callee that makes calls with effects cannot go through its companions (they would make them again)
            // nor be copied in place: it is an ordinary call with effects.
            if (recursive && Purity.BodyMakesCallsWithEffects(method, invocation.SemanticModel?.Compilation)) return null;
            if (!recursive && (callee = CalleeModel(method, invocation))?.CanGenerate != true) return null;
            var operands = method.IsStatic ? args : args.Skip(1).ToList();
            // A callee that makes calls with effects is differentiated in place of the call too: its companions would make them again.
            bool effects = callee?.Primal != null && callee.Primal.Body.Any(OpInfo.ContainsCallWithEffects);
            if (method.IsGenericMethod && effects) return null;
            // Copied in place, the callee's 'this' would be the caller's: only a callee that never reads it is copied for another object.
            bool copyable = !onReceiver || (callee?.Primal != null && !IrWalk.Contains(callee.Primal.Body, i => i.Op == Op.This));
            if (callee?.Primal != null && !method.IsGenericMethod && copyable && (InlineRequested(method) || effects) && Inline(callee.Primal, method, operands) is int inlined)
            {
                if (effects) _firstOrderOnly.Add((-1, invocation.Syntax, EffectReason(TypeRefs.Display(method.ContainingType) + "." + method.Name)));
                return inlined;
            }
            if (effects) return Unsupported(invocation, "a call to '" + method.Name + "', which makes calls that may have side effects and cannot be differentiated in place of this call", "; pass it the caller's own arrays and create no buffers in it");
            if (onReceiver)
            {
                // Written ".Name" and called on the first operand, as its companions are (receiver.NameVjp(…)).
                return _b.Emit(Op.CallDifferentiable, type, args, payload: new CallInfo("." + method.Name, ActiveSet.Of(mask.Positions.Select(i => i + 1))));
            }
            string text = method.IsStatic ? TypeRefs.Display(method.ContainingType) + "." + method.Name : "this." + method.Name;
            return _b.Emit(Op.CallDifferentiable, type, operands, payload: new CallInfo(text, mask));
        }

        /// <summary>A generic callee whose type arguments are floating and each inferred from a parameter, as the calls to its companions infer them.</summary>
        private static bool InferableFloating(IMethodSymbol method) =>
            method.TypeArguments.All(TypeRefs.IsFloating)
            && method.OriginalDefinition.TypeParameters.All(t => method.OriginalDefinition.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, t)));


        /// <summary>An instance call on another object than this one (<c>model.Predict(x)</c>, <c>_layer.Forward(h)</c>).</summary>
        private static bool OnAnotherObject(IInvocationOperation invocation) =>
            !invocation.TargetMethod.IsStatic && invocation.Instance != null && !(invocation.Instance is IInstanceReferenceOperation);

        /// <summary>
        /// Whether the method that runs is only known at run time: an interface or abstract method, or a virtual one (or an
        /// override that is not sealed) called on a type that may be derived from. Its companions would be those of the
        /// declaration, not of the method that runs.
        /// </summary>
        private static bool Dispatched(IMethodSymbol method, IInvocationOperation invocation)
        {
            if (!(method.IsVirtual || method.IsAbstract || (method.IsOverride && !method.IsSealed))) return false;
            // A sealed receiver type runs its own implementation: the call is known when that is the method itself.
            if (!(invocation.Instance?.Type is INamedTypeSymbol receiver) || !(receiver.IsSealed || receiver.IsValueType) || receiver.TypeKind == TypeKind.Interface) return true;
            for (var type = receiver; type != null; type = type.BaseType)
            {
                foreach (var candidate in type.GetMembers(method.Name).OfType<IMethodSymbol>())
                {
                    for (var m = candidate; m != null; m = m.OverriddenMethod)
                    {
                        if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method)) return !SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, method);
                    }
                }
            }
            return true;
        }

        private bool InlineRequested(IMethodSymbol method) => _session.State.Options(method)?.Inline == true;

        /// <summary>
        /// <c>[Differentiable(Inline = true)]</c>: the callee's IR copied in place of the call, its parameters bound to
        /// the arguments, so the caller's transforms differentiate it along with everything else. Returns null (a call
        /// is emitted instead) where that would change meaning: a span argument that is not one of the caller's
        /// parameters (a buffer may be written, which the callee's reads of an input do not allow for), an active span
        /// passed to a [NoDerivative] parameter, or a callee that creates buffers (a stackalloc would repeat in a loop).
        /// A scalar passed to a [NoDerivative] parameter is wrapped in StopGradient, as the call would treat it.
        /// </summary>
        private int? Inline(IrFunction callee, IMethodSymbol method, List<int> operands)
        {
            if (ContainsBuffer(callee.Body)) return null;
            var map = new Dictionary<int, int>();
            // Decide before emitting anything: a refusal leaves no StopGradient behind.
            for (int i = 0; i < callee.Params.Count; i++)
            {
                if (callee.Params[i].Type.Kind == ValueKind.Sequence
                    && (!_paramIds.Contains(operands[i]) || (MethodFrontend.IsNoDerivative(method.Parameters[i]) && _activeIds.Contains(operands[i])))) return null;
            }
            for (int i = 0; i < callee.Params.Count; i++)
            {
                var p = callee.Params[i];
                map[p.Id] = AsData(operands[i], p.Type, MethodFrontend.IsNoDerivative(method.Parameters[i]));
            }
            foreach (var instr in callee.Body) Transforms.Replay.Copy(_b, instr, map, simplify: false);
            return map[callee.Results[0].Value];
        }

        /// <summary>
        /// A call to a vector-valued [Differentiable] method, <c>F(inputs…, y)</c>, as a statement: the callee's body is
        /// copied in place of the call with its parameters bound to the arguments, so its writes go into the caller's
        /// buffers and the caller's transforms differentiate it with everything else (both modes, and H·v). This keeps the
        /// C# meaning exactly: elements the callee does not write keep their values and their derivatives, and a callee
        /// that reads an output before writing it reads what the caller put there. An input the caller passes a buffer
        /// for is read in order with that buffer's writes, so a buffer may be both an input and an output. Outputs must be
        /// the caller's buffers or its own outputs. A callee that creates buffers, calls itself, or is called on another
        /// object is reported.
        /// </summary>
        private void VectorCall(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            string name = method.Name;
            if (!method.IsStatic && !(invocation.Instance is IInstanceReferenceOperation))
            {
                Unsupported(invocation, "a call to the vector-valued method '" + name + "' on another object", "; call it on this instance or make it static");
                return;
            }
            var arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToArray();
            if (!PlainArguments(invocation, arguments)) return;
            bool recursive = _session.UnderWay(method);
            var callee = recursive ? null : CalleeModel(method, invocation);
            if (recursive)
            {
                Unsupported(invocation, "a recursive call to the vector-valued method '" + name + "'", "; its body is differentiated in place of the call, which recursion does not allow");
                return;
            }
            if (callee == null)
            {
                // Its source is not in this compilation (another assembly): there is no body to differentiate.
                Unsupported(invocation, "a call to the vector-valued method '" + name + "', whose source is not in this compilation");
                return;
            }
            if (!callee.CanGenerate || callee.Primal == null)
            {
                Unsupported(invocation, "a call to the vector-valued method '" + name + "', which has errors of its own or calls back into this method");
                return;
            }
            var primal = callee.Primal;
            if (ContainsBuffer(primal.Body))
            {
                Unsupported(invocation, "a call to the vector-valued method '" + name + "', which creates buffers of its own",
                    "; create the buffer in the caller and pass it in as another output span");
                return;
            }

            var map = new Dictionary<int, int>();
            var orderedReads = new HashSet<int>();
            for (int i = 0; i < arguments.Length; i++)
            {
                int arg = Expr(arguments[i].Value);
                if (arg < 0) return;
                var p = primal.Params[i];
                var parameter = callee.Parameters[i];
                bool noDerivative = MethodFrontend.IsNoDerivative(method.Parameters[i]);
                if (p.Type.Kind == ValueKind.Sequence)
                {
                    if (parameter.IsOutput && !_buffers.Contains(arg))
                    {
                        _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToInput, arguments[i].Syntax.GetLocation(), arguments[i].Value.Syntax.ToString()));
                        _failed = true;
                        return;
                    }
                    if (noDerivative && (_activeIds.Contains(arg) || _buffers.Contains(arg)))
                    {
                        // The callee treats it as data; copied in, its derivative would flow. A span has no StopGradient.
                        Unsupported(arguments[i], "passing '" + arguments[i].Value.Syntax + "' to the [NoDerivative] span parameter '" + p.Name + "' of '" + name + "'",
                            "; a differentiated array or a local buffer cannot be treated as data there");
                        return;
                    }
                    if (_buffers.Contains(arg)) orderedReads.Add(p.Id);
                    map[p.Id] = arg;
                }
                else map[p.Id] = AsData(arg, p.Type, noDerivative);
            }
            var body = orderedReads.Count == 0 ? primal.Body : OrderedReads(primal.Body, orderedReads);
            foreach (var instr in body)
            {
                Transforms.Replay.Copy(_b, instr, map, simplify: false);
                if (!_isVoid && IrWalk.Contains(instr, IsCall))
                {
                    // (A call inside a copied branch or loop has no value of its own here: reported whether active or not.)
                    _firstOrderOnly.Add((instr.HasRegions ? -1 : map[instr.Id], invocation.Syntax,
                        "the vector-valued method '" + name + "' is differentiated in place of the call, and H·v does not go through the calls it makes yet"));
                }
            }
        }

        /// <summary>The body with every pure element read of <paramref name="sequences"/> made an ordered read (they are bound to buffers).</summary>
        private static EquatableArray<Instr> OrderedReads(EquatableArray<Instr> body, HashSet<int> sequences) =>
            body.Select(i =>
            {
                var instr = i.Op == Op.Element && sequences.Contains(i.Args[0]) ? i with { Op = Op.Read } : i;
                return instr.HasRegions
                    ? instr with { Regions = instr.Regions.Select(r => r with { Body = OrderedReads(r.Body, sequences) }).ToEquatableArray() }
                    : instr;
            }).ToEquatableArray();

        private static bool ContainsBuffer(EquatableArray<Instr> body) => IrWalk.Contains(body, i => i.Op == Op.NewBuffer);

        private static bool IsCall(Instr instr) => instr.Op == Op.CallDifferentiable || instr.Op == Op.CallWithRule;

        /// <summary>The active parameters of a [Differentiable] method, or null if it has an output span.</summary>
        private static ActiveSet? DifferentiableMask(IMethodSymbol method)
        {
            var mask = ActiveSet.Empty;
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                bool noDerivative = MethodFrontend.IsNoDerivative(p);
                if (noDerivative) continue;
                // A writable span is a vector-valued method's output, not an input.
                if (TypeRefs.IsWritableSpan(p.Type)) return null;
                if (TypeRefs.IsFloating(p.Type) || TypeRefs.IsFloatingSequence(p.Type)) mask = mask.With(i);
            }
            return mask;
        }

        private bool SecondOrderOff(IMethodSymbol method) => _session.State.Options(method)?.SecondOrder == false;

        /// <summary>
        /// The callee's summary (what it generates, and whether it has second-order companions), looked up once
        /// analysed (<see cref="CalleeSummaries"/>), or null when its source is not available or it is being analysed
        /// further up (recursion: the outer analysis decides). Its diagnostics are its own, not the caller's.
        /// </summary>
        private MethodModel? CalleeModel(IMethodSymbol method, IOperation at)
        {
            if (_session.UnderWay(method)) return null;
            if (!(method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is MethodDeclarationSyntax syntax) || at.SemanticModel == null) return null;
            var model = syntax.SyntaxTree == at.SemanticModel.SyntaxTree ? at.SemanticModel : _session.State.Model(syntax.SyntaxTree);
            return MethodFrontend.Summarize(method, syntax, model, _session, _cancellationToken).Model;
        }

        /// <summary>A System.Math/MathF (or Ad/AdMath) member the rule table differentiates, or None.</summary>
        private static Intrinsic IntrinsicOf(IMethodSymbol method)
        {
            var type = method.ContainingType;
            if (type == null) return Intrinsic.None;
            string owner = type.ContainingNamespace?.ToDisplayString() + "." + type.Name;
            // double.Exp, float.Sqrt, and T.Sin (declared by a generic-math interface) are the Math functions under another name.
            if (IsGenericMathMember(method)) owner = "floating";
            if (owner != "System.Math" && owner != "System.MathF" && owner != "AutoDiff.Ad" && owner != "AutoDiff.AdMath"
                && owner != "System.Double" && owner != "System.Single" && owner != "floating") return Intrinsic.None;
            return Derivatives.RuleTable.Find(owner, method.Name, method.Parameters.Select(p => TypeRefs.From(p.Type)).ToList());
        }

        // ---- generic math ----

        /// <summary>A static member of a <c>System.Numerics</c> interface (<c>T.Exp</c>, <c>T.Pi</c>, T's <c>+</c>), reached through a type parameter.</summary>
        private static bool IsGenericMathMember(ISymbol member) =>
            member.IsStatic && member.ContainingType is INamedTypeSymbol type && type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Interface
            && type.ContainingNamespace?.ToDisplayString() == "System.Numerics";

        /// <summary><c>T.CreateChecked(2.0)</c>, <c>double.CreateTruncating(t)</c>: a number converted to a floating type (exactly, or rounded as a cast rounds).</summary>
        private static bool IsNumberConversion(IMethodSymbol method) =>
            method.IsStatic && method.IsGenericMethod && TypeRefs.IsFloating(method.ReturnType)
            && (method.Name == "CreateChecked" || method.Name == "CreateTruncating" || method.Name == "CreateSaturating")
            && (IsGenericMathMember(method) || method.ContainingType.SpecialType == SpecialType.System_Double || method.ContainingType.SpecialType == SpecialType.System_Single);

        /// <summary>
        /// A conversion into a floating type: from a constant, the constant (<c>T.CreateChecked(0.5)</c> is the IR's 0.5 of type T,
        /// written so again); from a value, a conversion. Into a floating type the three spellings agree (they differ only for integers).
        /// </summary>
        private int NumberConversion(IInvocationOperation invocation, int argument, TypeRef type)
        {
            var from = _b.TypeOf(argument);
            if (!from.IsNumeric) return Unsupported(invocation, "converting '" + from.Display + "' to '" + type.Display + "'");
            return _b.Convert(argument, type);
        }

        /// <summary>The constants every floating type has (<c>T.Pi</c>, <c>T.One</c>); others (<c>T.Epsilon</c>) depend on T.</summary>
        private int GenericMathConstant(IPropertyReferenceOperation property)
        {
            var type = TypeRefs.From(property.Type);
            double? value = property.Property.Name switch
            {
                "Zero" => 0.0,
                "One" => 1.0,
                "NegativeOne" => -1.0,
                "NegativeZero" => -0.0,
                "Pi" => Math.PI,
                "E" => Math.E,
                "Tau" => 2 * Math.PI,
                "NaN" => double.NaN,
                "PositiveInfinity" => double.PositiveInfinity,
                "NegativeInfinity" => double.NegativeInfinity,
                _ => null,
            };
            if (value == null || type.Kind != ValueKind.FloatingParameter)
            {
                return Unsupported(property, "'" + property.Syntax + "', whose value depends on the type", "; use a constant every floating type shares (T.Pi, T.One, T.CreateChecked(1e-8))");
            }
            return _b.Const(value.Value, type);
        }

        private int MemberRead(IOperation operation, IOperation? instance, ISymbol member)
        {
            var type = TypeRefs.From(operation.Type);
            // A property getter is a call; a field is a read, ordered with the calls that may change it (Purity).
            bool pure = member is IPropertySymbol property ? Purity.IsKnownPure(property, operation.SemanticModel?.Compilation) : !(_effects && member is IFieldSymbol field && Purity.IsMutable(field));
            if (!pure && member is IPropertySymbol) _firstOrderOnly.Add((-1, operation.Syntax, EffectReason(TypeRefs.Display(member.ContainingType) + "." + member.Name)));
            if (member.IsStatic) return _b.Emit(Op.LoadStatic, type, Array.Empty<int>(), payload: new MemberRef(TypeRefs.Display(member.ContainingType) + "." + member.Name, !pure));
            if (instance == null) return Unsupported(operation);
            int receiver = Expr(instance);
            if (receiver < 0) return -1;
            return _b.Emit(Op.LoadMember, type, new[] { receiver }, payload: new MemberRef(member.Name, !pure));
        }

        /// <summary>Why a method that calls <paramref name="callee"/> gets no Hessian (ADIFF014).</summary>
        private static string EffectReason(string callee) =>
            "it calls '" + callee.Replace("global::", "") + "', which may have side effects, and the Hessian would call it once per coordinate; mark it [System.Diagnostics.Contracts.Pure] if it has none";

        private int Assign(IOperation assignment, IOperation target, int value)
        {
            if (AssignLeaf(assignment, target, value, out int leaf)) return leaf;
            if (Array2DAssign(assignment, target, value, out int written2D)) return written2D;
            switch (target)
            {
                case ILocalReferenceOperation local:
                    Bind(local.Local, value);
                    return value;
                case IParameterReferenceOperation parameter:
                    Bind(parameter.Parameter, value);
                    return value;
                case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                    return ElementWrite(assignment, element.ArrayReference, element.Indices[0], value);
                case IPropertyReferenceOperation indexer when indexer.Property.IsIndexer && indexer.Instance != null && TypeRefs.IsSpan(indexer.Instance.Type!, out _) && indexer.Arguments.Length == 1:
                    return ElementWrite(assignment, indexer.Instance, indexer.Arguments[0].Value, value);
                case IFieldReferenceOperation field:
                    return WriteToState(assignment, field.Field);
                case IPropertyReferenceOperation property:
                    return WriteToState(assignment, property.Property);
                default:
                    return Unsupported(target, "an assignment to " + Describe(target.Syntax));
            }
        }

        // ---- sequences ----

        /// <summary><c>s[i]</c> on a span: an element access, not a property of some object.</summary>
        private static bool IsSpanIndexer(IPropertyReferenceOperation property) =>
            property.Property.IsIndexer && property.Instance?.Type is ITypeSymbol type && TypeRefs.IsSpan(type, out _) && property.Arguments.Length == 1;

        /// <summary>Sequences made in this method (<c>new T[n]</c>, <c>stackalloc</c>): the ones it may write.</summary>
        private readonly HashSet<int> _buffers = new HashSet<int>();

        /// <summary>Calls and rules that second-order companions cannot go through yet (ADIFF014 when active).</summary>
        private readonly List<(int Value, SyntaxNode Syntax, string Reason)> _firstOrderOnly = new List<(int, SyntaxNode, string)>();

        private int ElementRead(IOperation operation, IOperation sequence, IOperation index)
        {
            if (ReadTracked(sequence, index) is int element) return element;
            int seq = Expr(sequence);
            int i = Expr(index);
            if (seq < 0 || i < 0) return -1;
            i = _b.Convert(i, TypeRef.Int);
            var type = TypeRefs.From(operation.Type);
            // Inputs never change during a call, so reading one is pure; a buffer's reads are ordered with its writes.
            return _b.Emit(_buffers.Contains(seq) ? Op.Read : Op.Element, type, new[] { seq, i });
        }

        private int SequenceLength(IOperation sequence)
        {
            int seq = Expr(sequence);
            return seq < 0 ? -1 : _b.Emit(Op.Length, TypeRef.Int, new[] { seq });
        }

        private int ElementWrite(IOperation assignment, IOperation sequence, IOperation index, int value)
        {
            if (WriteTracked(sequence, index, value) is int written) return written;
            int seq = Expr(sequence);
            int i = Expr(index);
            if (seq < 0 || i < 0 || value < 0) return -1;
            if (!_buffers.Contains(seq) && !MergesCreatedBuffers(seq))
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToInput, assignment.Syntax.GetLocation(), sequence.Syntax.ToString()));
                _failed = true;
                return -1;
            }
            _b.Emit(Op.Write, IrBuilder.Void, new[] { seq, _b.Convert(i, TypeRef.Int), value });
            return value;
        }

        /// <summary>A zeroed local buffer (<c>new T[n]</c> or <c>stackalloc T[n]</c>) of numbers (<see cref="Allocate"/>).</summary>
        private int NewBuffer(IOperation creation, TypeRef type, IOperation? size, BufferKind kind)
        {
            if (size == null) return Unsupported(creation);
            if (type.Kind != ValueKind.Sequence || !(type.ElementType.IsNumeric || type.Element == ValueKind.Bool))
            {
                return Unsupported(creation, "an array of '" + type.ElementDisplay + "'");
            }
            int length = Expr(size);
            if (length < 0) return -1;
            return Allocate(creation, type, _b.Convert(length, TypeRef.Int), kind);
        }

        /// <summary>Roslyn has no operation for <c>stackalloc</c>; its size and element type come from the syntax.</summary>
        private int StackAlloc(IOperation operation, StackAllocArrayCreationExpressionSyntax syntax)
        {
            var arrayType = syntax.Type as ArrayTypeSyntax;
            var rank = arrayType?.RankSpecifiers.FirstOrDefault();
            var model = operation.SemanticModel;
            var size = rank != null && rank.Sizes.Count == 1 && model != null ? model.GetOperation(rank.Sizes[0]) : null;
            var element = TypeRefs.From(arrayType == null || model == null ? null : model.GetTypeInfo(arrayType.ElementType).Type);
            return NewBuffer(operation, TypeRef.SpanOf(element), size, BufferKind.Stackalloc);
        }

        private int WriteToState(IOperation assignment, ISymbol member)
        {
            _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.WriteToField, assignment.Syntax.GetLocation(),
                assignment.Syntax.ToString(), member.ContainingType.Name + "." + member.Name));
            _failed = true;
            return -1;
        }

        private int CompoundAssign(ICompoundAssignmentOperation compound)
        {
            if (compound.Target is IFieldReferenceOperation field && !IsLeafTarget(field)) return WriteToState(compound, field.Field);
            if (compound.Target is IPropertyReferenceOperation property && !IsSpanIndexer(property) && !IsLeafTarget(property)) return WriteToState(compound, property.Property);
            if (compound.OperatorMethod != null && !IsGenericMathMember(compound.OperatorMethod)) return Unsupported(compound, "the user-defined operator '" + compound.OperatorMethod.Name + "'");
            Op? op = compound.OperatorKind switch
            {
                BinaryOperatorKind.Add => Op.Add,
                BinaryOperatorKind.Subtract => Op.Sub,
                BinaryOperatorKind.Multiply => Op.Mul,
                BinaryOperatorKind.Divide => Op.Div,
                BinaryOperatorKind.Remainder => Op.Rem,
                BinaryOperatorKind.And => Op.BitAnd,
                BinaryOperatorKind.Or => Op.BitOr,
                BinaryOperatorKind.ExclusiveOr => Op.BitXor,
                BinaryOperatorKind.LeftShift => Op.ShiftLeft,
                BinaryOperatorKind.RightShift => Op.ShiftRight,
                BinaryOperatorKind.UnsignedRightShift => Op.UnsignedShiftRight,
                _ => null,
            };
            if (op == null) return Unsupported(compound);
            int current = Expr(compound.Target);
            int operand = Expr(compound.Value);
            if (current < 0 || operand < 0) return -1;
            var targetType = _b.TypeOf(current);
            var operandType = _b.TypeOf(operand);
            if (targetType.Kind == ValueKind.Bool && operandType.Kind == ValueKind.Bool && BoolOperator(op.Value) is Op logic)
            {
                // b &= c, b |= c, b ^= c on bools: both operands evaluated, as the operator is.
                return Assign(compound, compound.Target, _b.Emit(logic, TypeRef.Bool, new[] { current, operand }));
            }
            if (!targetType.IsNumeric || !operandType.IsNumeric) return Unsupported(compound);
            bool shift = op == Op.ShiftLeft || op == Op.ShiftRight || op == Op.UnsignedShiftRight;
            // C# evaluates `t op= e` as `t = (T)(t op e)`, the operation in the type both operands promote to (a shift: the
            // type its left operand promotes to, by an int count).
            var wide = shift ? Promoted(targetType, targetType) : Promoted(targetType, operandType);
            int result = _b.Emit(op.Value, wide, new[] { Widen(current, wide), Widen(operand, shift ? TypeRef.Int : wide) });
            if (wide != targetType)
            {
                result = _b.Emit(Op.Convert, targetType, new[] { result });
                if (wide.IsFloating && !targetType.IsFloating) _conversions.Add((result, compound.Syntax));
            }
            return Assign(compound, compound.Target, result);
        }

        /// <summary>What an integer operator is on bools: <c>&amp;</c> and <c>|</c> without short-circuit, <c>^</c> as inequality.</summary>
        private static Op? BoolOperator(Op op) => op switch
        {
            Op.BitAnd => Op.And,
            Op.BitOr => Op.Or,
            Op.BitXor => Op.Ne,
            _ => null,
        };

        private int Increment(IIncrementOrDecrementOperation increment)
        {
            if (increment.Target is IFieldReferenceOperation field && !IsLeafTarget(field)) return WriteToState(increment, field.Field);
            if (increment.Target is IPropertyReferenceOperation property && !IsSpanIndexer(property) && !IsLeafTarget(property)) return WriteToState(increment, property.Property);
            int current = Expr(increment.Target);
            if (current < 0) return -1;
            var type = _b.TypeOf(current);
            if (!type.IsNumeric) return Unsupported(increment);
            var op = increment.Kind == OperationKind.Increment ? Op.Add : Op.Sub;
            // A short, byte… is incremented as an int, and converted back.
            var wide = Promoted(type, type);
            int updated = _b.Emit(op, wide, new[] { Widen(current, wide), _b.Const(1, wide) });
            if (wide != type) updated = _b.Emit(Op.Convert, type, new[] { updated });
            Assign(increment, increment.Target, updated);
            return increment.IsPostfix ? current : updated;
        }

        private int Widen(int value, TypeRef type) => _b.TypeOf(value) == type ? value : _b.Emit(Op.Convert, type, new[] { value });

        /// <summary>C#'s binary numeric promotion: the type an arithmetic operator on these two computes in.</summary>
        private static TypeRef Promoted(TypeRef a, TypeRef b)
        {
            if (a.Kind == ValueKind.FloatingParameter) return a;
            if (b.Kind == ValueKind.FloatingParameter) return b;
            if (a.Kind == ValueKind.Double || b.Kind == ValueKind.Double) return TypeRef.Double;
            if (a.Kind == ValueKind.Float || b.Kind == ValueKind.Float) return TypeRef.Float;
            if (a.Display == "ulong" || b.Display == "ulong") return a.Display == "ulong" ? a : b;
            if (a.Display == "long" || b.Display == "long") return TypeRef.Long;
            static bool Signed(TypeRef t) => t.Display == "int" || t.Display == "short" || t.Display == "sbyte";
            if (a.Display == "uint" || b.Display == "uint") return Signed(a) || Signed(b) ? TypeRef.Long : (a.Display == "uint" ? a : b);
            return TypeRef.Int;
        }

        private int Unsupported(IOperation operation, string? what = null, string? hint = null)
        {
            var syntax = operation.Syntax;
            if (syntax.Parent is UnsafeStatementSyntax unsafeBlock) syntax = unsafeBlock;
            var location = syntax switch
            {
                LocalFunctionStatementSyntax local => local.Identifier.GetLocation(),
                StatementSyntax _ when !(syntax is ExpressionStatementSyntax) => syntax.GetFirstToken().GetLocation(),
                _ => syntax.GetLocation(),
            };
            _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedConstruct, location, what ?? Describe(syntax), hint ?? ""));
            _failed = true;
            return -1;
        }


        /// <summary>A reader's name for a construct, as the diagnostic shows it.</summary>
        internal static string Describe(SyntaxNode syntax) => syntax switch
        {
            IfStatementSyntax _ => "an 'if' statement",
            ConditionalExpressionSyntax _ => "the conditional operator '?:'",
            SwitchStatementSyntax _ => "a 'switch' statement",
            SwitchExpressionSyntax _ => "a 'switch' expression",
            ForStatementSyntax _ => "a 'for' loop",
            ForEachStatementSyntax _ => "a 'foreach' loop",
            WhileStatementSyntax _ => "a 'while' loop",
            DoStatementSyntax _ => "a 'do' loop",
            BreakStatementSyntax _ => "'break'",
            ContinueStatementSyntax _ => "'continue'",
            GotoStatementSyntax _ => "'goto'",
            LabeledStatementSyntax _ => "a labelled statement",
            TryStatementSyntax _ => "a 'try' statement",
            ThrowStatementSyntax _ or ThrowExpressionSyntax _ => "'throw'",
            LockStatementSyntax _ => "a 'lock' statement",
            UsingStatementSyntax _ => "a 'using' statement",
            LocalDeclarationStatementSyntax d when d.UsingKeyword != default => "a 'using' declaration",
            YieldStatementSyntax _ => "'yield'",
            AwaitExpressionSyntax _ => "'await'",
            UnsafeStatementSyntax _ => "an 'unsafe' block",
            FixedStatementSyntax _ => "a 'fixed' statement",
            LambdaExpressionSyntax _ => "a lambda",
            AnonymousMethodExpressionSyntax _ => "an anonymous method",
            LocalFunctionStatementSyntax _ => "a local function",
            QueryExpressionSyntax _ => "a LINQ query",
            ObjectCreationExpressionSyntax _ or ImplicitObjectCreationExpressionSyntax _ => "object creation ('new')",
            ArrayCreationExpressionSyntax _ or ImplicitArrayCreationExpressionSyntax _ => "array creation",
            StackAllocArrayCreationExpressionSyntax _ => "'stackalloc'",
            ElementAccessExpressionSyntax _ => "element access '[]'",
            InterpolatedStringExpressionSyntax _ => "string interpolation",
            IsPatternExpressionSyntax _ => "pattern matching ('is')",
            TupleExpressionSyntax _ => "a tuple",
            CheckedExpressionSyntax _ => "'checked'/'unchecked'",
            InvocationExpressionSyntax invocation => "the call '" + invocation.Expression + "'",
            BinaryExpressionSyntax binary => "the operator '" + binary.OperatorToken.Text + "'",
            PrefixUnaryExpressionSyntax unary => "the operator '" + unary.OperatorToken.Text + "'",
            AssignmentExpressionSyntax assignment => "the assignment operator '" + assignment.OperatorToken.Text + "'",
            _ => "'" + Shorten(syntax.ToString()) + "'",
        };

        private static string Shorten(string text)
        {
            text = text.Replace("\r", " ").Replace("\n", " ");
            return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
        }
    }
}

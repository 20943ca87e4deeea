using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Local functions and lambdas stored in a local, differentiated as part of the method: each call is lowered in place,
    /// the function's body with its parameters bound to the arguments. A captured variable is read and written through the
    /// caller's variables as at the call (C# captures variables, not values), so captures need nothing of their own, and
    /// the passes never see a function. A recursive call is reported; so is a lambda local that is assigned again or used
    /// other than by calling it (passed, stored, returned), since the function it holds is then not known where it is called.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The functions being lowered in place, innermost last: a call to one of them is recursion.</summary>
        private readonly List<IMethodSymbol> _inlinedFunctions = new List<IMethodSymbol>();

        /// <summary>Locals holding a lambda or a local function (<c>Func&lt;double, double&gt; f = t =&gt; t * t;</c>): the function each holds.</summary>
        private readonly Dictionary<ILocalSymbol, IOperation> _delegates = new Dictionary<ILocalSymbol, IOperation>(SymbolEqualityComparer.Default);

        /// <summary>The body being lowered (the method's), where the uses of a lambda local are looked for.</summary>
        private IOperation? _root;

        /// <summary>Delegate locals already reported (their other uses report nothing more).</summary>
        private readonly HashSet<ILocalSymbol> _reportedDelegates = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);

        /// <summary>A call lowered in place, or an assignment to a delegate local already reported; null for anything else.</summary>
        private int? FunctionExpr(IOperation operation)
        {
            if (operation is IInvocationOperation call && IsLocalCall(call)) return LocalCall(call);
            if (operation is ISimpleAssignmentOperation assignment && assignment.Target is ILocalReferenceOperation target && _reportedDelegates.Contains(target.Local)) return -1;
            return null;
        }

        /// <summary>A call of a local function, or of a local holding a lambda: lowered in place.</summary>
        private bool IsLocalCall(IInvocationOperation invocation) =>
            invocation.TargetMethod.MethodKind == MethodKind.LocalFunction
            || (invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke && invocation.Instance is ILocalReferenceOperation local && _delegates.ContainsKey(local.Local));

        /// <summary>A call of a local function or of a lambda local: its body in place of the call. −1 (reported) when it cannot be.</summary>
        private int LocalCall(IInvocationOperation invocation)
        {
            var values = new Dictionary<IArgumentOperation, int>();
            // Arguments in the order C# evaluates them, then in parameter order.
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter != null && argument.Parameter.RefKind != RefKind.None && argument.Parameter.RefKind != RefKind.In)
                {
                    return Unsupported(argument, "a 'ref' or 'out' argument of the local function '" + invocation.TargetMethod.Name + "'", "; return the value instead");
                }
                values[argument] = StructLayout.IsCandidate(argument.Value.Type) ? -1 : Expr(argument.Value);
            }
            var ordered = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
            if (ordered.Any(a => StructLayout.IsCandidate(a.Value.Type)))
            {
                return Unsupported(invocation, "a struct or tuple argument of the local function or lambda '" + CalleeName(invocation) + "'", "; pass its fields");
            }
            if (ordered.Any(a => values[a] < 0)) return -1;
            var args = ordered.Select(a => values[a]).ToList();
            if (invocation.TargetMethod.MethodKind == MethodKind.LocalFunction) return CallFunction(invocation, invocation.TargetMethod, args);
            var target = _delegates[((ILocalReferenceOperation)invocation.Instance!).Local];
            return CallDelegateTarget(invocation, target, args, CalleeName(invocation));
        }

        private static string CalleeName(IInvocationOperation invocation) =>
            invocation.Instance is ILocalReferenceOperation local ? local.Local.Name : invocation.TargetMethod.Name;

        /// <summary>A lambda or a method group (a local function, a Math function) applied to values, in place.</summary>
        private int CallDelegateTarget(IOperation at, IOperation target, IReadOnlyList<int> args, string name)
        {
            while (target is IDelegateCreationOperation creation) target = creation.Target;
            while (target is IConversionOperation conversion && conversion.OperatorMethod == null) target = conversion.Operand;
            switch (target)
            {
                case IAnonymousFunctionOperation lambda:
                    return InlineFunction(at, lambda.Symbol, lambda.Body, args);
                case IMethodReferenceOperation group when group.Method.MethodKind == MethodKind.LocalFunction:
                    return CallFunction(at, group.Method, args);
                case IMethodReferenceOperation group when group.Method.IsStatic && IntrinsicOf(group.Method) is var intrinsic && intrinsic != Intrinsic.None:
                    // Math.Exp as a method group: the function itself.
                    var converted = args.Select((a, i) => Widen(a, TypeRefs.From(group.Method.Parameters[i].Type))).ToList();
                    return _b.Emit(Op.Intrinsic, TypeRefs.From(group.Method.ReturnType), converted, payload: new FnRef(intrinsic));
                case ILocalReferenceOperation local when _delegates.TryGetValue(local.Local, out var held):
                    return CallDelegateTarget(at, held, args, name);
                default:
                    return Unsupported(at, "the function '" + name + "', which is not a lambda or a local function known here", "; write a lambda ('v => F(v)') or call the method directly");
            }
        }

        /// <summary>A local function called with <paramref name="args"/>: its body in place.</summary>
        private int CallFunction(IOperation at, IMethodSymbol function, IReadOnlyList<int> args)
        {
            var syntax = function.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
            if (!(syntax is LocalFunctionStatementSyntax) || at.SemanticModel == null
                || !(at.SemanticModel.GetOperation(syntax, _cancellationToken) is ILocalFunctionOperation declaration) || declaration.Body == null)
            {
                return Unsupported(at, "the local function '" + function.Name + "', whose body is not available");
            }
            return InlineFunction(at, function, declaration.Body, args);
        }

        /// <summary>
        /// The body of a local function or lambda lowered in place of a call: its parameters bound to <paramref name="args"/>,
        /// a return inside a branch or loop through its own returned flag and result (as a method's), the caller's loop and
        /// switch exits out of its sight. Its value, 0 for a void function, or −1 when reported.
        /// </summary>
        private int InlineFunction(IOperation at, IMethodSymbol function, IOperation body, IReadOnlyList<int> args)
        {
            string name = function.MethodKind == MethodKind.AnonymousFunction ? "lambda" : "local function '" + function.Name + "'";
            if (_inlinedFunctions.Any(f => SymbolEqualityComparer.Default.Equals(f, function)))
            {
                return Unsupported(at, "a recursive call to the " + name, "; each call is differentiated in place, which recursion does not allow: write it as a loop, or as a [Differentiable] method");
            }
            if (function.IsGenericMethod) return Unsupported(at, "a call to the generic " + name);
            if (function.IsAsync) return Unsupported(at, "a call to the async " + name);
            if (!function.ReturnsVoid && (StructLayout.IsCandidate(function.ReturnType) || function.ReturnsByRef || function.ReturnsByRefReadonly))
            {
                return Unsupported(at, "a call to the " + name + ", which returns '" + function.ReturnType.ToDisplayString() + "'", "; return its fields one by one, or make it a [Differentiable] method");
            }
            if (function.Parameters.Any(p => p.RefKind != RefKind.None && p.RefKind != RefKind.In))
            {
                return Unsupported(at, "a call to the " + name + ", which has a 'ref' or 'out' parameter", "; return the value instead");
            }
            for (int i = 0; i < function.Parameters.Length && i < args.Count; i++)
            {
                var p = function.Parameters[i];
                var type = TypeRefs.From(p.Type);
                int value = args[i];
                if (_b.TypeOf(value) != type && type.IsNumeric && _b.TypeOf(value).IsNumeric) value = _b.Emit(Op.Convert, type, new[] { value });
                _variableTypes[p] = type;
                _env[p] = value;
            }
            var saved = (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags);
            var exits = _exits.ToList();
            var switches = _switches.ToList();
            var sections = _sections.ToList();
            _exits.Clear();
            _switches.Clear();
            _sections.Clear();
            _inlinedFunctions.Add(function);
            int result;
            try
            {
                (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags) = (null, null, false, null, null, null);
                var resultType = function.ReturnsVoid ? TypeRef.Void : TypeRefs.From(function.ReturnType);
                if (HasReturnInside(body))
                {
                    _returnFlag = new Flag("returned", TypeRef.Bool);
                    Declare(_returnFlag, _b.Const(0, TypeRef.Bool));
                    if (!function.ReturnsVoid)
                    {
                        _returnValue = new Flag("result", resultType);
                        Declare(_returnValue, _b.Const(0, resultType));
                    }
                }
                Statement(body);
                if (_thrown) result = function.ReturnsVoid ? 0 : Placeholder(resultType);
                else if (function.ReturnsVoid) result = 0;
                else if (_returnValue != null) result = _env[_returnValue];
                else result = _returned ?? -1;
                if (_returnFlag != null) _env[_returnFlag] = _b.Const(0, TypeRef.Bool);
                if (_returnValue != null) _env[_returnValue] = Unassigned;
            }
            finally
            {
                _inlinedFunctions.RemoveAt(_inlinedFunctions.Count - 1);
                (_returned, _returnedLeaves, _exited, _returnFlag, _returnValue, _returnLeafFlags) = saved;
                _exits.AddRange(exits);
                _switches.AddRange(switches);
                _sections.AddRange(sections);
            }
            // The function's own variables mean nothing after the call: cleared, so no branch or loop around the call carries them.
            var span = function.DeclaringSyntaxReferences.FirstOrDefault()?.Span ?? body.Syntax.Span;
            foreach (var key in _env.Keys.ToList())
            {
                if (key is ISymbol symbol && DeclaredWithin(symbol, span)) _env[key] = Unassigned;
            }
            return result;
        }

        /// <summary>Whether <paramref name="symbol"/> (a local or parameter) is declared inside <paramref name="span"/>.</summary>
        private static bool DeclaredWithin(ISymbol symbol, Microsoft.CodeAnalysis.Text.TextSpan span) =>
            (symbol is ILocalSymbol || symbol is IParameterSymbol) && symbol.DeclaringSyntaxReferences.Any(r => span.Contains(r.Span));

        /// <summary>Whether a return of this body (not of a function nested in it) sits inside a branch or loop.</summary>
        private static bool HasReturnInside(IOperation body)
        {
            foreach (var ret in body.Descendants().OfType<IReturnOperation>())
            {
                if (InsideNestedFunction(ret, body)) continue;
                var parent = ret.Parent;
                while (parent is IBlockOperation && parent != body) parent = parent.Parent;
                if (parent != body) return true;
            }
            return false;
        }

        /// <summary>
        /// <c>Func&lt;double, double&gt; f = t =&gt; t * t;</c> (or a local function's name): remembered, not lowered; each call
        /// of <c>f</c> lowers the lambda in place. False for a local that holds no function.
        /// </summary>
        private bool DeclareDelegate(ILocalSymbol local, IVariableInitializerOperation? initializer, IOperation at)
        {
            if (local.Type.TypeKind != TypeKind.Delegate) return false;
            var target = initializer?.Value;
            while (target is IConversionOperation conversion && conversion.OperatorMethod == null) target = conversion.Operand;
            var function = (target as IDelegateCreationOperation)?.Target;
            if (!(function is IAnonymousFunctionOperation) && !(function is IMethodReferenceOperation group && (group.Method.MethodKind == MethodKind.LocalFunction || (group.Method.IsStatic && IntrinsicOf(group.Method) != Intrinsic.None))))
            {
                _reportedDelegates.Add(local);
                Unsupported(initializer?.Value ?? at, "the delegate '" + local.Name + "'" + (initializer == null ? " declared without a lambda" : ", which does not hold a lambda or a local function"),
                    "; assign it a lambda where it is declared ('Func<double, double> " + local.Name + " = t => …;') or write a local function");
                return true;
            }
            // Its uses: calls (f(x)) and LINQ arguments only; anything else lets the function escape or change.
            foreach (var use in (_root ?? at).Descendants().OfType<ILocalReferenceOperation>())
            {
                if (!SymbolEqualityComparer.Default.Equals(use.Local, local) || use.Syntax.SpanStart < at.Syntax.SpanStart) continue;
                bool called = use.Parent is IInvocationOperation call && call.Instance == use;
                bool linq = use.Parent is IArgumentOperation argument && argument.Parent is IInvocationOperation consumer && IsLinq(consumer.TargetMethod);
                if (called || linq) continue;
                _reportedDelegates.Add(local);
                Unsupported(use, "the lambda '" + local.Name + "' used other than by calling it (assigned again, passed, stored or returned)",
                    "; only a lambda assigned once, where it is declared, and then called ('" + local.Name + "(x)') is differentiated: call it, or write a local function");
                return true;
            }
            _delegates[local] = function;
            return true;
        }

        /// <summary>
        /// The variables of the caller that calls made inside <paramref name="operation"/> to local functions and lambda
        /// locals assign (captured variables written through a call): a loop around such a call carries them.
        /// </summary>
        private IEnumerable<object> AssignedThroughCalls(IOperation operation) => AssignedThroughCalls(operation, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));

        private IEnumerable<object> AssignedThroughCalls(IOperation operation, HashSet<IMethodSymbol> seen)
        {
            foreach (var call in operation.Descendants().OfType<IInvocationOperation>())
            {
                IMethodSymbol? function = null;
                IOperation? body = null;
                if (call.TargetMethod.MethodKind == MethodKind.LocalFunction)
                {
                    function = call.TargetMethod;
                    var syntax = function.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
                    body = syntax != null && call.SemanticModel != null ? (call.SemanticModel.GetOperation(syntax, _cancellationToken) as ILocalFunctionOperation)?.Body : null;
                }
                else if (call.Instance is ILocalReferenceOperation local && _delegates.TryGetValue(local.Local, out var held) && held is IAnonymousFunctionOperation lambda)
                {
                    function = lambda.Symbol;
                    body = lambda.Body;
                }
                if (function == null || body == null || !seen.Add(function)) continue;
                var span = function.DeclaringSyntaxReferences.FirstOrDefault()?.Span ?? body.Syntax.Span;
                foreach (var assigned in body.Descendants())
                {
                    var target = assigned switch
                    {
                        ISimpleAssignmentOperation a => a.Target,
                        ICompoundAssignmentOperation c => c.Target,
                        IIncrementOrDecrementOperation i => i.Target,
                        _ => null,
                    };
                    ISymbol? symbol = (target as ILocalReferenceOperation)?.Local ?? (ISymbol?)(target as IParameterReferenceOperation)?.Parameter;
                    if (symbol != null && !DeclaredWithin(symbol, span)) yield return symbol;
                }
                foreach (var inner in AssignedThroughCalls(body, seen))
                {
                    if (!(inner is ISymbol symbol) || !DeclaredWithin(symbol, span)) yield return inner;
                }
            }
        }
    }
}

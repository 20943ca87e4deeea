using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Guard clauses and calls made for their effect. A <c>throw</c> is a <see cref="Op.Throw"/> of an exception made by an
    /// ordinary call, and ends the path it is on: the branch it is in yields nothing anyone reads, and a branch that
    /// throws is not a way into what follows its if. <c>x ?? throw e</c> and <c>c ? v : throw e</c> are an if that throws
    /// followed by the value. A throw helper (<c>ArgumentNullException.ThrowIfNull</c>, <c>ThrowIfNegative</c>, …) and
    /// <c>Debug.Assert</c>/<c>Trace.Assert</c> are a <see cref="Op.Guard"/>: they change nothing, so an active argument is
    /// only looked at. Any other call whose result is discarded runs as in the method (a call not known pure is an
    /// effect); an active argument to it is reported (ADIFF005), as is an active value passed by 'ref' or 'out' (ADIFF021).
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The path being lowered has thrown: what follows in its region is never reached.</summary>
        private bool _thrown;

        /// <summary>The last throw lowered: where a method that throws on every path is reported.</summary>
        private IThrowOperation? _lastThrow;

        /// <summary>Discarded calls to check once activity is known: an active argument is reported (ADIFF005).</summary>
        private readonly List<(int Value, SyntaxNode Syntax, string Callee)> _discarded = new List<(int, SyntaxNode, string)>();

        /// <summary>Calls with 'ref' or 'out' arguments, lowered only to be reported once activity is known (ADIFF021 or ADIFF004).</summary>
        private readonly List<(List<int> Arguments, IOperation Call, IArgumentOperation First)> _byReference = new List<(List<int>, IOperation, IArgumentOperation)>();

        private void Throw(IThrowOperation throwOperation)
        {
            if (throwOperation.Exception == null)
            {
                Unsupported(throwOperation, "'throw;' outside a catch block");
                return;
            }
            // The exception as made (a throw expression converts it to System.Exception).
            var made = throwOperation.Exception;
            while (made is IConversionOperation conversion && conversion.OperatorMethod == null && IsException(conversion.Operand.Type)) made = conversion.Operand;
            int exception = Expr(made);
            if (exception < 0) return;
            _b.Emit(Op.Throw, TypeRef.Void, new[] { exception });
            _thrown = true;
            _lastThrow = throwOperation;
        }

        /// <summary>The value a branch that throws yields for an if's result: never read.</summary>
        private int Placeholder(TypeRef type)
        {
            if (type.IsNumeric || type.Kind == ValueKind.Bool) return _b.Const(0, type);
            return _b.Emit(Op.Literal, type, Array.Empty<int>(), payload: new LiteralText("default(" + type.Display + ")"));
        }

        /// <summary><c>new SomeException(…)</c>: an ordinary call (its arguments are a message, a parameter's name, a value shown).</summary>
        private int ObjectCreation(IObjectCreationOperation creation)
        {
            if (!IsException(creation.Type) || creation.Initializer != null || creation.Constructor == null) return Unsupported(creation);
            var args = CallArguments(creation, creation.Arguments);
            if (args == null) return -1;
            return _b.Emit(Op.CallStatic, TypeRefs.From(creation.Type), args, payload: new CallInfo("new " + TypeRefs.Display(creation.Type!)));
        }

        private static bool IsException(ITypeSymbol? type)
        {
            for (var t = type; t != null; t = t.BaseType)
            {
                if (t.Name == "Exception" && t.ContainingNamespace?.ToDisplayString() == "System") return true;
            }
            return false;
        }

        /// <summary>
        /// The arguments in parameter order, the ones left to their defaults included (a <c>[CallerArgumentExpression]</c>
        /// parameter's default is the text the compiler filled in, which a call from a companion would not get); null when
        /// one cannot be lowered.
        /// </summary>
        private List<int>? CallArguments(IOperation call, IEnumerable<IArgumentOperation> arguments)
        {
            var args = new List<int>();
            bool failed = false;
            foreach (var argument in arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0))
            {
                if (argument.ArgumentKind == ArgumentKind.ParamArray)
                {
                    Unsupported(call, "a call with a 'params' argument");
                    return null;
                }
                int value = Expr(argument.Value);
                failed |= value < 0;
                args.Add(value);
            }
            return failed ? null : args;
        }

        /// <summary>
        /// <c>$"n = {n}"</c> as <c>string.Format("n = {0}", n)</c>: the same text (both format with the current culture), its
        /// values as arguments.
        /// </summary>
        private int InterpolatedString(IInterpolatedStringOperation interpolated)
        {
            var format = new StringBuilder();
            var args = new List<int>();
            bool failed = false;
            foreach (var part in interpolated.Parts)
            {
                switch (part)
                {
                    case IInterpolatedStringTextOperation text:
                        format.Append((text.Text.ConstantValue.Value as string ?? "").Replace("{", "{{").Replace("}", "}}"));
                        break;
                    case IInterpolationOperation hole:
                        int value = Expr(hole.Expression);
                        failed |= value < 0;
                        format.Append('{').Append(args.Count.ToString(CultureInfo.InvariantCulture));
                        if (hole.Alignment != null) format.Append(',').Append(Convert.ToString(hole.Alignment.ConstantValue.Value, CultureInfo.InvariantCulture));
                        if (hole.FormatString != null) format.Append(':').Append(hole.FormatString.ConstantValue.Value as string);
                        format.Append('}');
                        args.Add(value);
                        break;
                    default:
                        return Unsupported(part);
                }
            }
            if (failed) return -1;
            var stringType = TypeRefs.From(interpolated.Type);
            args.Insert(0, _b.Emit(Op.Literal, stringType, Array.Empty<int>(), payload: new LiteralText(SymbolDisplay.FormatLiteral(format.ToString(), quote: true))));
            return _b.Emit(Op.CallStatic, stringType, args, payload: new CallInfo("string.Format"));
        }

        /// <summary><c>"s = " + s</c> (a message): <c>string.Concat</c> of the operands, each formatted as C# would.</summary>
        private int Concat(IBinaryOperation concat)
        {
            int left = Expr(concat.LeftOperand);
            int right = Expr(concat.RightOperand);
            if (left < 0 || right < 0) return -1;
            return _b.Emit(Op.CallStatic, TypeRefs.From(concat.Type), new[] { left, right }, payload: new CallInfo("string.Concat"));
        }

        /// <summary><c>value ?? throw e</c>: if <c>value</c> is null, throw; the value.</summary>
        private int CoalesceThrow(ICoalesceOperation coalesce, IThrowOperation throwOperation)
        {
            int value = Expr(coalesce.Value);
            if (value < 0) return -1;
            var type = _b.TypeOf(value);
            int isNull = _b.Emit(Op.Eq, TypeRef.Bool, new[] { value, _b.Emit(Op.Literal, type, Array.Empty<int>(), payload: new LiteralText("null")) });
            LowerIf(isNull, () => Throw(throwOperation), null);
            return value;
        }

        /// <summary><c>c ? v : throw e</c> (or <c>c ? throw e : v</c>): if the condition selects the throw, throw; then the value.</summary>
        private int ConditionalThrow(IConditionalOperation conditional, IThrowOperation throwOperation, IOperation value)
        {
            int condition = Expr(conditional.Condition);
            if (condition < 0) return -1;
            if (conditional.WhenTrue == value) condition = Not(condition);
            LowerIf(condition, () => Throw(throwOperation), null);
            return Expr(value);
        }

        /// <summary>The throw an operand is, through the conversion C# puts around a throw expression.</summary>
        private static IThrowOperation? AsThrow(IOperation? operation)
        {
            while (operation is IConversionOperation conversion) operation = conversion.Operand;
            return operation as IThrowOperation;
        }

        /// <summary>
        /// A call as a statement: its result, if any, is discarded. A guard (<see cref="Purity.IsGuard"/>) is a
        /// <see cref="Op.Guard"/>; any other call runs as in the method (kept when it may have an effect).
        /// </summary>
        private void DiscardedCall(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (invocation.Arguments.Any(a => a.Parameter != null && (a.Parameter.RefKind == RefKind.Ref || a.Parameter.RefKind == RefKind.Out)))
            {
                ByReference(invocation, invocation.Instance, invocation.Arguments);
                return;
            }
            if (!method.ReturnsVoid)
            {
                int value = Invocation(invocation);
                if (value >= 0 && _b.Definition(value) is Instr call && (call.Op == Op.CallStatic || call.Op == Op.CallMember))
                {
                    _discarded.Add((value, invocation.Syntax, TypeRefs.Display(method.ContainingType).Replace("global::", "") + "." + method.Name));
                }
                return;
            }
            if (invocation.Arguments.Any(a => a.Parameter?.RefKind == RefKind.In || a.Parameter?.RefKind == RefKind.RefReadOnlyParameter))
            {
                Unsupported(invocation, "a call with an 'in' argument");
                return;
            }
            var args = new List<int>();
            if (!method.IsStatic)
            {
                if (invocation.Instance == null) { Unsupported(invocation); return; }
                args.Add(Expr(invocation.Instance));
            }
            var rest = CallArguments(invocation, invocation.Arguments);
            if (rest == null || args.Any(a => a < 0)) return;
            args.AddRange(rest);
            string name = method.Name + (method.IsGenericMethod ? "<" + string.Join(", ", method.TypeArguments.Select(TypeRefs.Display)) + ">" : "");
            string callee = method.IsStatic ? TypeRefs.Display(method.ContainingType) + "." + name : name;
            if (Purity.IsGuard(method))
            {
                _b.Emit(Op.Guard, TypeRef.Void, args, payload: new CallInfo(callee));
                return;
            }
            bool pure = Purity.IsKnownPure(method, invocation.SemanticModel?.Compilation);
            int emitted = _b.Emit(method.IsStatic ? Op.CallStatic : Op.CallMember, TypeRef.Void, args, payload: new CallInfo(callee, HasEffect: !pure));
            _discarded.Add((emitted, invocation.Syntax, TypeRefs.Display(method.ContainingType).Replace("global::", "") + "." + method.Name));
            if (!pure) _firstOrderOnly.Add((-1, invocation.Syntax, EffectReason(TypeRefs.Display(method.ContainingType) + "." + method.Name)));
        }

        /// <summary>
        /// A call with 'ref' or 'out' arguments: its other arguments and the variables passed by reference are read, only
        /// for the check once activity is known (<see cref="CheckDiscardedCalls"/>), which reports it either way.
        /// </summary>
        private int ByReference(IOperation call, IOperation? instance, IEnumerable<IArgumentOperation> arguments)
        {
            var values = new List<int>();
            if (instance != null && !(instance is IInstanceReferenceOperation)) values.Add(Expr(instance));
            IArgumentOperation? first = null;
            foreach (var argument in arguments)
            {
                var kind = argument.Parameter?.RefKind ?? RefKind.None;
                if (kind == RefKind.Ref || kind == RefKind.Out) first ??= argument;
                // An 'out' variable holds nothing the call reads.
                if (kind != RefKind.Out && argument.ArgumentKind != ArgumentKind.ParamArray) values.Add(Expr(argument.Value));
                // The variable the call writes holds a stand-in afterwards, so what reads it lowers (and is checked) too.
                var target = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
                if ((kind == RefKind.Ref || kind == RefKind.Out) && target is ILocalReferenceOperation local)
                {
                    _variableTypes[local.Local] = TypeRefs.From(local.Local.Type);
                    Bind(local.Local, Placeholder(TypeRefs.From(local.Local.Type)));
                }
            }
            _byReference.Add((values, call, first!));
            // A stand-in for the call's value: the method gets no companions in any case.
            return call.Type == null || call.Type.SpecialType == SpecialType.System_Void ? -1 : Placeholder(TypeRefs.From(call.Type));
        }

        /// <summary>
        /// After lowering: an active value passed to a discarded call (ADIFF005) or by reference (ADIFF021); a call with
        /// 'ref' or 'out' arguments that are not active is unsupported (ADIFF004). False when one was reported.
        /// </summary>
        private bool CheckDiscardedCalls(Analysis.Activity activity, Dictionary<int, Instr> definitions)
        {
            bool ok = true;
            bool Active(int a) => a >= 0 && activity.IsVaried(a) && _b.TypeOf(a).Kind != ValueKind.Bool;
            foreach (var (value, syntax, callee) in _discarded)
            {
                if (!definitions.TryGetValue(value, out var call)) continue;
                var arguments = call.Args.Skip(call.Op == Op.CallMember ? 1 : 0).ToList();
                if (!arguments.Any(Active)) continue;
                bool sequence = arguments.Any(a => Active(a) && _b.TypeOf(a).Kind == ValueKind.Sequence);
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoDerivativeForCall, syntax.GetLocation(), callee,
                    "its result is discarded, so it is called for what it does, which has no derivative: " + (sequence
                        ? "if it writes into the array, make it a [Differentiable] method that writes its results into a Span parameter; if it only reads it, pass it data that does not depend on the differentiated parameters"
                        : "if it only reads the value (to log or check it), pass Ad.StopGradient(…) of it")));
                ok = false;
            }
            foreach (var (arguments, call, argument) in _byReference)
            {
                string name = call is IInvocationOperation invocation ? invocation.TargetMethod.Name : call.Syntax.ToString();
                _diagnostics.Add(arguments.Any(Active)
                    ? Diagnostic.Create(DiagnosticDescriptors.ActiveByReference, argument.Syntax.GetLocation(), name, argument.Syntax.ToString())
                    : Diagnostic.Create(DiagnosticDescriptors.UnsupportedConstruct, argument.Syntax.GetLocation(), "a 'ref' or 'out' argument", ""));
                ok = false;
            }
            return ok;
        }

        /// <summary>When lowering failed: the calls with 'ref' or 'out' arguments, reported as before activity was looked at.</summary>
        private void ReportByReferenceAfterFailure()
        {
            foreach (var (_, _, argument) in _byReference)
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedConstruct, argument.Syntax.GetLocation(), "a 'ref' or 'out' argument", ""));
            }
        }
    }
}

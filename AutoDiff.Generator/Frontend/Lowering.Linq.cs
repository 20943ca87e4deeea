using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// LINQ over arrays of numbers, lowered to the loop it runs: <c>Sum</c>, <c>Average</c>, <c>Max</c> and <c>Min</c>
    /// (with or without a selector) of an array, or of a chain of <c>Select</c>, <c>Where</c> and <c>Zip</c> over arrays,
    /// each function a lambda, a local function or a <c>Math</c> method group lowered in place per element. The loop is an
    /// ordinary counted loop, so forward and reverse mode and H·v go through it like through one written by hand, and
    /// every companion returns what <c>System.Linq</c> returns, bit for bit: a sum starts from +0.0 (an <c>Average</c> of
    /// anything but an array from its first element, as if from −0.0); <c>Max</c> skips NaN and keeps the first of equal
    /// values, <c>Min</c> stops at NaN and keeps the first; an empty sequence throws as LINQ does. Between two values
    /// <c>Max</c> and <c>Min</c> are <c>Math.Max</c> and <c>Math.Min</c>, with their rule (½ each on a tie). Anything
    /// else from LINQ is reported at the call, with the loop to write instead.
    /// </summary>
    internal sealed partial class Lowering
    {
        private static bool IsLinq(IMethodSymbol method) => method.ContainingType?.ToDisplayString() == "System.Linq.Enumerable";

        private enum LinqStep { Source, Select, Where, Zip }

        /// <summary>One step of a chain: an array (its value once lowered), or a function applied to the step(s) below.</summary>
        private sealed class Chain
        {
            public LinqStep Step;
            public IOperation Operation = null!;
            public int Sequence = -1;
            public Chain? Inner;
            public Chain? Second;
            public IOperation? Function;
            /// <summary>The LINQ parameter a source is passed to, named in the ArgumentNullException LINQ throws when it is null.</summary>
            public string ParameterName = "source";

            public bool Filters => Step == LinqStep.Where || (Inner?.Filters ?? false) || (Second?.Filters ?? false);

            public IEnumerable<Chain> Sources() =>
                Step == LinqStep.Source ? new[] { this } : Inner!.Sources().Concat(Second?.Sources() ?? Enumerable.Empty<Chain>());
        }

        /// <summary><c>xs.Sum()</c>, <c>xs.Select(f).Max()</c>, <c>xs.Zip(ys, g).Sum()</c>, …: the loop they run.</summary>
        private int Linq(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var arguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
            string name = method.Name;
            bool terminal = name == "Sum" || name == "Average" || name == "Max" || name == "Min";
            if (!terminal || arguments.Count == 0 || arguments.Count > 2) return UnsupportedLinq(invocation);
            if (method.ReturnType.SpecialType != SpecialType.System_Double)
            {
                return UnsupportedLinq(invocation, "'" + name + "' of '" + method.ReturnType.ToDisplayString() + "' values");
            }
            var chain = Parse(arguments[0].Value, out bool reported);
            if (chain == null) return reported ? -1 : UnsupportedLinq(invocation, "LINQ over '" + (arguments[0].Value is IConversionOperation c ? c.Operand : arguments[0].Value).Type?.ToDisplayString() + "'");
            var selector = arguments.Count == 2 ? arguments[1].Value : null;
            if (selector != null && !CheckFunction(selector, 1)) return -1;
            foreach (var source in chain.Sources())
            {
                source.Sequence = Expr(source.Operation);
                if (source.Sequence < 0) return -1;
                ThrowIfNull(source);
            }

            bool filters = chain.Filters;
            bool needsElements = name != "Sum";
            int length = LengthOf(chain);
            if (needsElements && !filters) ThrowIfEmpty(_b.Emit(Op.Eq, TypeRef.Bool, new[] { length, _b.Const(0, TypeRef.Int) }));

            var index = new Flag("i", TypeRef.Int);
            var total = new Flag(name == "Max" ? "max" : name == "Min" ? "min" : "sum", TypeRef.Double);
            var count = needsElements && filters ? new Flag("count", TypeRef.Int) : null;
            // Sum starts from +0.0; Average of anything but an array from its first element, which −0.0 + x is exactly.
            double start = name == "Max" ? double.NaN : name == "Min" ? double.PositiveInfinity
                : name == "Average" && (selector != null || chain.Step != LinqStep.Source) ? -0.0 : 0.0;
            Declare(index, _b.Const(0, TypeRef.Int));
            Declare(total, _b.Const(start, TypeRef.Double));
            var carried = new List<Flag> { index, total };
            if (count != null)
            {
                Declare(count, _b.Const(0, TypeRef.Int));
                carried.Add(count);
            }
            bool failed = false;
            CountedLoop(carried, () => _b.Emit(Op.Lt, TypeRef.Bool, new[] { _env[index], length }), () =>
            {
                Produce(chain, _env[index], element =>
                {
                    if (selector != null) element = Apply(selector, invocation, element);
                    if (element < 0) { failed = true; return; }
                    element = _b.Convert(element, TypeRef.Double);
                    SetVariable(total, Combine(name, _env[total], element));
                    if (count != null) SetVariable(count, _b.Emit(Op.Add, TypeRef.Int, new[] { _env[count], _b.Const(1, TypeRef.Int) }));
                }, () => failed = true);
                SetVariable(index, _b.Emit(Op.Add, TypeRef.Int, new[] { _env[index], _b.Const(1, TypeRef.Int) }));
            });
            if (failed) return -1;
            if (count != null) ThrowIfEmpty(_b.Emit(Op.Eq, TypeRef.Bool, new[] { _env[count], _b.Const(0, TypeRef.Int) }));
            if (name != "Average") return _env[total];
            return _b.Emit(Op.Div, TypeRef.Double, new[] { _env[total], _b.Convert(count != null ? _env[count] : length, TypeRef.Double) });
        }

        /// <summary>The chain below a terminal call; null when it is no chain of Select, Where and Zip over arrays of numbers (<paramref name="reported"/> when that was reported already).</summary>
        private Chain? Parse(IOperation operation, out bool reported)
        {
            reported = false;
            while ((operation is IConversionOperation conversion && conversion.OperatorMethod == null) || operation is ITranslatedQueryOperation)
            {
                operation = operation is ITranslatedQueryOperation query ? query.Operation : ((IConversionOperation)operation).Operand;
            }
            if (operation is IInvocationOperation call && IsLinq(call.TargetMethod))
            {
                var args = call.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).Select(a => a.Value).ToList();
                string name = call.TargetMethod.Name;
                var step = name == "Select" && args.Count == 2 ? LinqStep.Select : name == "Where" && args.Count == 2 ? LinqStep.Where : name == "Zip" && args.Count == 3 ? LinqStep.Zip : (LinqStep?)null;
                if (step == null)
                {
                    UnsupportedLinq(call);
                    reported = true;
                    return null;
                }
                var inner = Parse(args[0], out reported);
                if (inner == null)
                {
                    if (!reported) UnsupportedLinq(call, "LINQ over '" + (args[0] is IConversionOperation c ? c.Operand : args[0]).Type?.ToDisplayString() + "'");
                    reported = true;
                    return null;
                }
                Chain? second = null;
                if (step == LinqStep.Zip)
                {
                    second = Parse(args[1], out reported);
                    if (second == null)
                    {
                        if (!reported) UnsupportedLinq(call, "LINQ over '" + (args[1] is IConversionOperation c ? c.Operand : args[1]).Type?.ToDisplayString() + "'");
                        reported = true;
                        return null;
                    }
                    if (inner.Filters || second.Filters)
                    {
                        UnsupportedLinq(call, "'Zip' of a sequence filtered by 'Where'");
                        reported = true;
                        return null;
                    }
                }
                if (!CheckFunction(args[args.Count - 1], step == LinqStep.Zip ? 2 : 1))
                {
                    reported = true;
                    return null;
                }
                if (second != null)
                {
                    if (inner.Step == LinqStep.Source) inner.ParameterName = "first";
                    if (second.Step == LinqStep.Source) second.ParameterName = "second";
                }
                return new Chain { Step = step.Value, Operation = call, Inner = inner, Second = second, Function = args[args.Count - 1] };
            }
            var type = TypeRefs.From(operation.Type);
            if (type.Kind != ValueKind.Sequence || !type.ElementType.IsNumeric) return null;
            return new Chain { Step = LinqStep.Source, Operation = operation };
        }

        /// <summary>
        /// A function passed to LINQ: a lambda (or a lambda local) of <paramref name="arity"/> parameters that assigns none of
        /// the method's variables, a local function, or a <c>Math</c> method group; otherwise reported.
        /// </summary>
        private bool CheckFunction(IOperation function, int arity)
        {
            var target = function;
            while (target is IConversionOperation conversion && conversion.OperatorMethod == null) target = conversion.Operand;
            if (target is ILocalReferenceOperation local && _delegates.TryGetValue(local.Local, out var held)) target = held;
            while (target is IDelegateCreationOperation creation) target = creation.Target;
            IMethodSymbol? symbol = target switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol,
                IMethodReferenceOperation group when group.Method.MethodKind == MethodKind.LocalFunction || (group.Method.IsStatic && IntrinsicOf(group.Method) != Intrinsic.None) => group.Method,
                _ => null,
            };
            if (symbol == null)
            {
                Unsupported(function, "'" + function.Syntax + "' passed to LINQ", "; pass a lambda ('v => F(v)') or a local function");
                return false;
            }
            if (symbol.Parameters.Length != arity)
            {
                Unsupported(function, "'" + function.Syntax + "' passed to LINQ, which takes " + symbol.Parameters.Length + " parameters (the element's index is not supported)", "; write the loop");
                return false;
            }
            if (target is IAnonymousFunctionOperation anonymous)
            {
                var span = anonymous.Syntax.Span;
                foreach (var operation in anonymous.Body.Descendants())
                {
                    var assigned = operation switch
                    {
                        ISimpleAssignmentOperation a => a.Target,
                        ICompoundAssignmentOperation c => c.Target,
                        IIncrementOrDecrementOperation i => i.Target,
                        _ => null,
                    };
                    ISymbol? variable = (assigned as ILocalReferenceOperation)?.Local ?? (ISymbol?)(assigned as IParameterReferenceOperation)?.Parameter;
                    if (variable != null && !DeclaredWithin(variable, span))
                    {
                        Unsupported(operation, "a lambda passed to LINQ that assigns '" + variable.Name + "'", "; write the loop, and assign the variable in it");
                        return false;
                    }
                }
                if (AssignedThroughCalls(anonymous.Body).OfType<ISymbol>().FirstOrDefault(v => !DeclaredWithin(v, span)) is ISymbol written)
                {
                    Unsupported(function, "a lambda passed to LINQ that assigns '" + written.Name + "' through a call", "; write the loop, and assign the variable in it");
                    return false;
                }
            }
            return true;
        }

        /// <summary>How many elements the loop goes through: an array's length, the shorter of a Zip's two.</summary>
        private int LengthOf(Chain chain)
        {
            switch (chain.Step)
            {
                case LinqStep.Source:
                    return _b.Emit(Op.Length, TypeRef.Int, new[] { chain.Sequence });
                case LinqStep.Zip:
                    int first = LengthOf(chain.Inner!);
                    int second = LengthOf(chain.Second!);
                    return _b.Emit(Op.Select, TypeRef.Int, new[] { _b.Emit(Op.Lt, TypeRef.Bool, new[] { first, second }), first, second });
                default:
                    return LengthOf(chain.Inner!);
            }
        }

        /// <summary>The element at <paramref name="index"/> handed to <paramref name="consume"/>; a Where hands it on only when it passes.</summary>
        private void Produce(Chain chain, int index, Action<int> consume, Action failed)
        {
            switch (chain.Step)
            {
                case LinqStep.Source:
                    var sequence = chain.Sequence;
                    consume(_b.Emit(_buffers.Contains(sequence) ? Op.Read : Op.Element, _b.TypeOf(sequence).ElementType, new[] { sequence, index }));
                    return;
                case LinqStep.Select:
                    Produce(chain.Inner!, index, v =>
                    {
                        int mapped = Apply(chain.Function!, chain.Operation, v);
                        if (mapped < 0) failed();
                        else consume(mapped);
                    }, failed);
                    return;
                case LinqStep.Where:
                    Produce(chain.Inner!, index, v =>
                    {
                        int keep = Apply(chain.Function!, chain.Operation, v);
                        if (keep < 0) failed();
                        else LowerIf(keep, () => consume(v), null);
                    }, failed);
                    return;
                case LinqStep.Zip:
                    int a = -1, b = -1;
                    Produce(chain.Inner!, index, v => a = v, failed);
                    Produce(chain.Second!, index, v => b = v, failed);
                    if (a < 0 || b < 0) return;
                    int zipped = Apply(chain.Function!, chain.Operation, a, b);
                    if (zipped < 0) failed();
                    else consume(zipped);
                    return;
            }
        }

        private int Apply(IOperation function, IOperation at, params int[] values)
        {
            var target = function;
            while (target is IConversionOperation conversion && conversion.OperatorMethod == null) target = conversion.Operand;
            return CallDelegateTarget(at, target, values, function.Syntax.ToString());
        }

        /// <summary>One step of the reduction: a sum, or LINQ's Max and Min as Math.Max and Math.Min where those agree with it bit for bit.</summary>
        private int Combine(string name, int total, int element)
        {
            if (name == "Sum" || name == "Average") return _b.Emit(Op.Add, TypeRef.Double, new[] { total, element });
            bool max = name == "Max";
            var types = new List<TypeRef> { TypeRef.Double, TypeRef.Double };
            int extreme = _b.Emit(Op.Intrinsic, TypeRef.Double, new[] { total, element },
                payload: new FnRef(Derivatives.RuleTable.Find("System.Math", max ? "Max" : "Min", types)));
            int zero = _b.Const(0, TypeRef.Double);
            // Equal zeros keep the first (Math.Max(−0.0, 0.0) is 0.0, LINQ's −0.0).
            int zeros = _b.Emit(Op.And, TypeRef.Bool, new[] { _b.Emit(Op.Eq, TypeRef.Bool, new[] { element, zero }), _b.Emit(Op.Eq, TypeRef.Bool, new[] { total, zero }) });
            int value = _b.Emit(Op.Select, TypeRef.Double, new[] { zeros, total, extreme });
            int elementNaN = _b.Emit(Op.Ne, TypeRef.Bool, new[] { element, element });
            int totalNaN = _b.Emit(Op.Ne, TypeRef.Bool, new[] { total, total });
            // Max skips NaN (a NaN so far is replaced by what follows); Min stops at the first NaN.
            value = _b.Emit(Op.Select, TypeRef.Double, new[] { elementNaN, max ? total : element, value });
            return _b.Emit(Op.Select, TypeRef.Double, new[] { totalNaN, max ? element : total, value });
        }

        /// <summary>
        /// <c>ArgumentNullException.ThrowIfNull(x, "source")</c>: a null array throws in the companions what it throws in LINQ,
        /// not a NullReferenceException from its length. Only for a parameter, field or property: a local the method fills is its own buffer.
        /// </summary>
        private void ThrowIfNull(Chain source)
        {
            if (_compilation == null || !(source.Operation is IParameterReferenceOperation || source.Operation is IFieldReferenceOperation || source.Operation is IPropertyReferenceOperation)) return;
            var exceptionType = _compilation.GetTypeByMetadataName("System.ArgumentNullException");
            if (exceptionType == null || !exceptionType.GetMembers("ThrowIfNull").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 2)) return;
            var stringType = TypeRefs.From(_compilation.GetSpecialType(SpecialType.System_String));
            int name = _b.Emit(Op.Const, stringType, Array.Empty<int>(), payload: ConstValue.OfString(source.ParameterName));
            _b.Emit(Op.Guard, TypeRef.Void, new[] { source.Sequence, name }, payload: new CallInfo(TypeRefs.Display(exceptionType) + ".ThrowIfNull"));
        }

        /// <summary><c>if (empty) throw new InvalidOperationException("Sequence contains no elements");</c>, as LINQ throws.</summary>
        private void ThrowIfEmpty(int empty)
        {
            var exceptionType = _compilation?.GetTypeByMetadataName("System.InvalidOperationException");
            if (_compilation == null || exceptionType == null) return;
            var stringType = TypeRefs.From(_compilation.GetSpecialType(SpecialType.System_String));
            LowerIf(empty, () =>
            {
                int message = _b.Emit(Op.Const, stringType, Array.Empty<int>(), payload: ConstValue.OfString("Sequence contains no elements"));
                int exception = _b.Emit(Op.CallStatic, TypeRefs.From(exceptionType), new[] { message }, payload: new CallInfo("new " + TypeRefs.Display(exceptionType)));
                _b.Emit(Op.Throw, TypeRef.Void, new[] { exception });
                _thrown = true;
            }, null);
        }

        /// <summary>
        /// A loop over flags only (no source loop): <paramref name="condition"/> and <paramref name="body"/> see the carried
        /// flags as the region's parameters, and after it the flags hold the loop's results.
        /// </summary>
        private void CountedLoop(IReadOnlyList<Flag> carried, Func<int> condition, Action body)
        {
            var inits = carried.Select(k => _env[k]).ToList();
            var signature = carried.Select(k => (k.Name, k.Type)).ToList();
            var before = _env;
            var exits = _exits.ToList();
            _exits.Clear();
            _env = before.Copy();
            var conditionParams = _b.BeginRegion(signature);
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = conditionParams[i];
            var conditionRegion = _b.EndRegion(new[] { condition() });
            _env = before.Copy();
            var bodyParams = _b.BeginRegion(signature);
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = bodyParams[i];
            body();
            _thrown = false;
            var bodyRegion = _b.EndRegion(carried.Select(k => _env[k]).ToList());
            _env = before;
            _exits.AddRange(exits);
            var results = _b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion }, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = results[i];
        }

        /// <summary>A LINQ call that is not lowered: named as LINQ, with the loop to write over its array.</summary>
        private int UnsupportedLinq(IInvocationOperation call, string? what = null)
        {
            IOperation source = call;
            while (source is IInvocationOperation inner && IsLinq(inner.TargetMethod) && inner.Arguments.Length > 0)
            {
                source = inner.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).First().Value;
                while (source is IConversionOperation conversion && conversion.OperatorMethod == null) source = conversion.Operand;
            }
            string xs = source.Syntax.ToString();
            if (xs.Length > 30 || xs.Contains("(")) xs = "xs";
            return Unsupported(call, what ?? "the LINQ call '" + call.TargetMethod.Name + "'",
                "; AutoDiff lowers Sum, Average, Max and Min of an array (or of Select, Where and Zip over arrays, with lambdas) to a loop, and nothing else from LINQ. " +
                "Write the loop: 'for (int i = 0; i < " + xs + ".Length; i++) { var v = " + xs + "[i]; … }'");
        }
    }
}

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
    /// Structured control flow. SSA construction over if/loop regions: a variable assigned in a branch
    /// becomes a result of the if; one assigned in a loop becomes a carried value. Unstructured exits
    /// (break, continue, early return) become bool variables: the statements after an exit run only
    /// while the flags are clear, and a loop's condition also checks them.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>A variable the lowering introduces (exit flags, the pending result).</summary>
        private sealed class Flag
        {
            public Flag(string name, TypeRef type)
            {
                Name = name;
                Type = type;
            }

            public string Name { get; }

            public TypeRef Type { get; }
        }

        /// <summary>The exit flags of an enclosing loop or switch.</summary>
        private sealed class Exits
        {
            public Exits(Flag @break, Flag? @continue)
            {
                Break = @break;
                Continue = @continue;
            }

            public Flag Break { get; }

            /// <summary>Null for a switch: 'continue' passes through it to the loop.</summary>
            public Flag? Continue { get; }
        }

        /// <summary>Variables in scope and their current SSA values, in the order they were declared.</summary>
        private sealed class Env
        {
            public static readonly IEqualityComparer<object> KeyComparer = new VariableComparer();

            private readonly List<object> _order = new List<object>();
            private readonly Dictionary<object, int> _values = new Dictionary<object, int>(KeyComparer);

            public IReadOnlyList<object> Keys => _order;

            public int this[object key]
            {
                get => _values[key];
                set
                {
                    if (!_values.ContainsKey(key)) _order.Add(key);
                    _values[key] = value;
                }
            }

            public bool TryGetValue(object key, out int value) => _values.TryGetValue(key, out value);

            public bool ContainsKey(object key) => _values.ContainsKey(key);

            public Env Copy()
            {
                var copy = new Env();
                foreach (var key in _order) copy[key] = _values[key];
                return copy;
            }

            private sealed class VariableComparer : IEqualityComparer<object>
            {
                public new bool Equals(object? x, object? y) =>
                    x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : ReferenceEquals(x, y);

                public int GetHashCode(object obj) =>
                    obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
            }
        }

        private static string NameOf(object variable) => variable is ISymbol symbol ? symbol.Name : ((Flag)variable).Name;

        private TypeRef TypeOfVariable(object variable) => variable is Flag flag ? flag.Type : _variableTypes[variable];

        private int Read(ISymbol variable)
        {
            if (!_env.TryGetValue(variable, out int value)) return -1;
            return value == Unassigned ? _b.Const(0, TypeOfVariable(variable)) : value;
        }

        private void SetVariable(object variable, int value)
        {
            if (value < 0) return;
            _env[variable] = value;
            _b.NameValue(value, NameOf(variable));
        }

        private void Declare(Flag flag, int value)
        {
            _env[flag] = value;
        }

        /// <summary>Whether some return sits inside a branch or loop rather than in the method's own block.</summary>
        private static bool HasNestedReturn(IOperation body)
        {
            foreach (var ret in body.Descendants().OfType<IReturnOperation>())
            {
                if (InsideNestedFunction(ret, body)) continue;
                var parent = ret.Parent;
                while (parent is IBlockOperation) parent = parent.Parent;
                if (!(parent is IMethodBodyOperation) && parent != null) return true;
            }
            return false;
        }

        /// <summary>A return in a local function or lambda belongs to it, not to the method.</summary>
        private static bool InsideNestedFunction(IOperation operation, IOperation top)
        {
            for (var parent = operation.Parent; parent != null && parent != top; parent = parent.Parent)
            {
                if (parent is ILocalFunctionOperation || parent is IAnonymousFunctionOperation) return true;
            }
            return false;
        }

        // ---- Statement lists and exits ----

        private void Statements(IEnumerable<IOperation> statements)
        {
            var list = statements.ToList();
            for (int i = 0; i < list.Count; i++)
            {
                Statement(list[i]);
                if (_exited || _thrown)
                {
                    // Unreachable (the compiler warns), but a local function declared there is still a construct we reject.
                    foreach (var rest in list.Skip(i + 1)) Statement(rest);
                    return;
                }
                if (i + 1 < list.Count && MayExit(list[i]))
                {
                    var rest = list.Skip(i + 1).ToList();
                    Guarded(() => Statements(rest));
                    return;
                }
            }
        }

        /// <summary>Whether control may leave the statement early (break, continue or return inside a branch).</summary>
        private bool MayExit(IOperation statement)
        {
            if (statement is IBranchOperation || statement is IReturnOperation) return true;
            foreach (var descendant in statement.Descendants())
            {
                if (descendant is IReturnOperation ret && ret.Kind == OperationKind.Return) return true;
                if (descendant is IBranchOperation jump && jump.BranchKind == BranchKind.GoTo) return true; // goto case: leaves the switch
                if (descendant is IBranchOperation branch && (branch.BranchKind == BranchKind.Break || branch.BranchKind == BranchKind.Continue)
                    && !InsideLoopOrSwitchBelow(branch, statement, branch.BranchKind == BranchKind.Continue)) return true;
            }
            return false;
        }

        /// <summary>Whether a break/continue targets a loop (or, for break, a switch) nested inside <paramref name="top"/>.</summary>
        private static bool InsideLoopOrSwitchBelow(IOperation branch, IOperation top, bool isContinue)
        {
            for (var parent = branch.Parent; parent != null && parent != top; parent = parent.Parent)
            {
                if (parent is ILoopOperation) return true;
                if (!isContinue && parent is ISwitchOperation) return true;
            }
            return false;
        }

        /// <summary>Runs <paramref name="rest"/> only while no exit flag in scope is set.</summary>
        private void Guarded(Action rest)
        {
            var flags = new List<Flag>();
            if (_returnFlag != null) flags.Add(_returnFlag);
            foreach (var exits in _exits)
            {
                flags.Add(exits.Break);
                if (exits.Continue != null) flags.Add(exits.Continue);
            }
            int running = Running(flags);
            if (running < 0)
            {
                rest();
                return;
            }
            LowerIf(running, rest, null);
        }

        /// <summary>¬(f₁ ∨ f₂ ∨ …) over the flags that may be set, or −1 when none can be.</summary>
        private int Running(IEnumerable<Flag> flags)
        {
            int any = -1;
            foreach (var flag in flags)
            {
                int value = _env[flag];
                if (_b.IsConst(value, 0.0)) continue;
                any = any < 0 ? value : _b.Emit(Op.Or, TypeRef.Bool, new[] { any, value });
            }
            return any < 0 ? -1 : Not(any);
        }

        private int Not(int value)
        {
            if (value < 0) return -1;
            if (_b.IsConst(value, out double c)) return _b.Const(c == 0 ? 1 : 0, TypeRef.Bool);
            if (_b.Definition(value) is Instr def && def.Op == Op.Not) return def.Args[0];
            return _b.Emit(Op.Not, TypeRef.Bool, new[] { value });
        }

        private Exits? InnermostLoop()
        {
            for (int i = _exits.Count - 1; i >= 0; i--)
            {
                if (_exits[i].Continue != null) return _exits[i];
            }
            return null;
        }

        // ---- if / ?: / && / || ----

        private void IfStatement(IConditionalOperation conditional)
        {
            int condition = Expr(conditional.Condition);
            if (condition < 0)
            {
                // Still lowered, for what they would report: every unsupported construct of a method is reported at once.
                ForDiagnosticsOnly(() => Statement(conditional.WhenTrue));
                if (conditional.WhenFalse != null) ForDiagnosticsOnly(() => Statement(conditional.WhenFalse));
                return;
            }
            LowerIf(condition, () => Statement(conditional.WhenTrue), conditional.WhenFalse == null ? null : () => Statement(conditional.WhenFalse));
        }

        private int Conditional(IConditionalOperation conditional)
        {
            int condition = Expr(conditional.Condition);
            if (condition < 0)
            {
                ForDiagnosticsOnly(() => Expr(conditional.WhenTrue));
                ForDiagnosticsOnly(() => Expr(conditional.WhenFalse!));
                return -1;
            }
            return LowerIf(condition, () => Expr(conditional.WhenTrue), () => Expr(conditional.WhenFalse!), TypeRefs.From(conditional.Type));
        }

        private int ShortCircuit(IBinaryOperation logical)
        {
            int left = Expr(logical.LeftOperand);
            if (left < 0)
            {
                ForDiagnosticsOnly(() => Expr(logical.RightOperand));
                return -1;
            }
            bool and = logical.OperatorKind == BinaryOperatorKind.ConditionalAnd;
            Func<int> right = () => Expr(logical.RightOperand);
            Func<int> constant = () => _b.Const(and ? 0 : 1, TypeRef.Bool);
            return LowerIf(left, and ? right : constant, and ? constant : right, TypeRef.Bool);
        }

        /// <summary>
        /// Lowers code after an error (a condition that could not be lowered) only for the diagnostics it reports: the method
        /// is not generated, and the variables keep their values.
        /// </summary>
        private void ForDiagnosticsOnly(Action lower)
        {
            var env = _env;
            _env = env.Copy();
            lower();
            _env = env;
        }

        /// <summary>An if statement: variables assigned in either branch become the if's results.</summary>
        private void LowerIf(int condition, Action whenTrue, Action? whenFalse) =>
            LowerIf(condition, () => { whenTrue(); return -1; }, () => { whenFalse?.Invoke(); return -1; }, null);

        /// <summary>
        /// An if whose branches may yield a value (for ?: and short-circuit operators; −1 for none)
        /// and may assign variables. Returns the value's result, or −1.
        /// </summary>
        private int LowerIf(int condition, Func<int> whenTrue, Func<int> whenFalse, TypeRef? valueType)
        {
            if (_b.IsConst(condition, out double known))
            {
                // A branch on a constant (a `returned` flag that is still false, say) is just that branch.
                return known != 0 ? whenTrue() : whenFalse();
            }
            var before = _env;
            var branches = new List<(Region Region, Env Env, int Value)>();
            var thrown = new List<bool>();
            foreach (var branch in new[] { whenTrue, whenFalse })
            {
                _env = before.Copy();
                _b.BeginRegion(Array.Empty<(string, TypeRef)>());
                int value = branch();
                // A branch that throws yields nothing anyone reads: what follows the if is reached from the other one only.
                if (_thrown)
                {
                    _env = before.Copy();
                    if (valueType != null) value = Placeholder(valueType);
                }
                thrown.Add(_thrown);
                _thrown = false;
                branches.Add((_b.EndRegion(Array.Empty<int>()), _env, value));
            }
            _env = before;
            if (branches.Any(b => valueType != null && b.Value < 0)) return -1;

            var assigned = before.Keys.Where(k => branches.Any(b => b.Env[k] != before[k])).ToList();
            var regions = new List<Region>();
            foreach (var (region, env, value) in branches)
            {
                var yields = new List<int>();
                if (valueType != null) yields.Add(value);
                yields.AddRange(assigned.Select(k => env[k] == Unassigned ? _b.Const(0, TypeOfVariable(k)) : env[k]));
                regions.Add(region with { Yields = yields.ToEquatableArray() });
            }
            _thrown = thrown.All(t => t);
            var results = new List<(string?, TypeRef)>();
            if (valueType != null) results.Add((null, valueType));
            results.AddRange(assigned.Select(k => ((string?)NameOf(k), TypeOfVariable(k))));
            var ids = _b.EmitStructured(Op.If, new[] { condition }, regions, results);
            int offset = valueType != null ? 1 : 0;
            for (int i = 0; i < assigned.Count; i++) _env[assigned[i]] = ids[offset + i];
            return valueType != null ? ids[0] : -1;
        }

        // ---- loops ----

        private void WhileLoop(IWhileLoopOperation loop)
        {
            if (loop.ConditionIsUntil) { Unsupported(loop, "a 'do … until' loop"); return; }
            if (loop.ConditionIsTop)
            {
                if (Assigns(loop.Condition!)) LowerLoopOnFlag(loop, loop.Condition!, null);
                else LowerLoop(loop, () => Expr(loop.Condition!), () => Statement(loop.Body), null);
                return;
            }
            // do { body } while (c): a flag carries "go round again", set from c at the end of the body.
            var again = new Flag("again", TypeRef.Bool);
            Declare(again, _b.Const(1, TypeRef.Bool));
            _variableTypes[again] = TypeRef.Bool;
            LowerLoop(loop, () => _env[again], () => Statement(loop.Body), () => SetVariable(again, Expr(loop.Condition!)), again);
            _env[again] = _b.Const(0, TypeRef.Bool);
        }

        private void ForLoop(IForLoopOperation loop)
        {
            Statements(loop.Before);
            if (loop.Condition != null && Assigns(loop.Condition))
            {
                LowerLoopOnFlag(loop, loop.Condition, () => Statements(loop.AtLoopBottom));
                return;
            }
            Func<int> condition = loop.Condition == null ? () => _b.Const(1, TypeRef.Bool) : () => Expr(loop.Condition);
            LowerLoop(loop, condition, () => Statement(loop.Body), () => Statements(loop.AtLoopBottom));
        }

        /// <summary>Whether evaluating <paramref name="condition"/> assigns a variable (<c>n-- &gt; 0</c>, <c>(k = next) != 0</c>).</summary>
        private static bool Assigns(IOperation condition) =>
            condition.DescendantsAndSelf().Any(o => o is ISimpleAssignmentOperation || o is ICompoundAssignmentOperation || o is IIncrementOrDecrementOperation);

        /// <summary>
        /// A loop whose condition assigns variables (<c>while (n-- &gt; 0)</c>, <c>while ((x = x * 0.5) &gt; eps)</c>): the
        /// condition is evaluated into a flag before the loop and again at the end of each iteration that goes on (after a for
        /// loop's increments, <paramref name="bottom"/>), and the loop tests the flag. Its assignments are then ordinary
        /// assignments before the loop and in the body (short-circuit operators assign in their branches), and the loop runs
        /// exactly as often as the body does, so trip counts, tapes and replay see an ordinary loop.
        /// </summary>
        private void LowerLoopOnFlag(ILoopOperation loop, IOperation condition, Action? bottom)
        {
            var more = new Flag("more", TypeRef.Bool);
            _variableTypes[more] = TypeRef.Bool;
            int first = Expr(condition);
            if (first < 0)
            {
                ForDiagnosticsOnly(() => Statement(loop.Body));
                return;
            }
            SetVariable(more, first);
            LowerLoop(loop, () => _env[more], () => Statement(loop.Body), () =>
            {
                bottom?.Invoke();
                // The same condition again: what it reports was reported the first time.
                int reported = _diagnostics.Count;
                SetVariable(more, Expr(condition));
                DropRepeatedDiagnostics(reported);
            }, more);
            _env[more] = _b.Const(0, TypeRef.Bool);
        }

        /// <summary>Drops the diagnostics from <paramref name="from"/> on that repeat an earlier one (code lowered twice).</summary>
        private void DropRepeatedDiagnostics(int from)
        {
            for (int i = _diagnostics.Count - 1; i >= from; i--)
            {
                var d = _diagnostics[i];
                if (_diagnostics.Take(i).Any(e => e.Id == d.Id && e.Location.Equals(d.Location) && e.GetMessage() == d.GetMessage())) _diagnostics.RemoveAt(i);
            }
        }

        /// <summary><c>foreach (var v in sequence)</c> over an array or span: a counted loop over its indices.</summary>
        private void ForEachLoop(IForEachLoopOperation loop)
        {
            var collection = loop.Collection;
            while (collection is IConversionOperation conversion && conversion.OperatorMethod == null) collection = conversion.Operand;
            if (TypeRefs.From(collection.Type).Kind != ValueKind.Sequence || !(loop.LoopControlVariable is IVariableDeclaratorOperation control))
            {
                Unsupported(loop, "a 'foreach' loop over something other than an array or span");
                return;
            }
            if (TypeRefs.From(collection.Type).Rank == 2)
            {
                Unsupported(loop, "a 'foreach' loop over a two-dimensional or jagged array", "; loop over its indices: for (int i = 0; i < a.GetLength(0); i++) …");
                return;
            }
            int sequence = Expr(collection);
            if (sequence < 0) return;
            var index = new Flag("index", TypeRef.Int);
            _variableTypes[index] = TypeRef.Int;
            Declare(index, _b.Const(0, TypeRef.Int));
            var elementType = TypeRefs.From(control.Symbol.Type);
            LowerLoop(loop,
                () => _b.Emit(Op.Lt, TypeRef.Bool, new[] { _env[index], _b.Emit(Op.Length, TypeRef.Int, new[] { sequence }) }),
                () =>
                {
                    _variableTypes[control.Symbol] = elementType;
                    int element = _b.Emit(_buffers.Contains(sequence) ? Op.Read : Op.Element, _b.TypeOf(sequence).ElementType, new[] { sequence, _env[index] });
                    Bind(control.Symbol, _b.Convert(element, elementType));
                    Statement(loop.Body);
                },
                () => SetVariable(index, _b.Emit(Op.Add, TypeRef.Int, new[] { _env[index], _b.Const(1, TypeRef.Int) })),
                index);
        }

        /// <summary>
        /// A loop over the variables it assigns. <paramref name="bottom"/> (a for loop's increments, a do
        /// loop's condition) runs after the body unless the iteration ended in break or return; a
        /// continue skips only the rest of the body.
        /// </summary>
        private void LowerLoop(ILoopOperation loop, Func<int> condition, Action body, Action? bottom, Flag? extraCarried = null)
        {
            var exits = new Exits(new Flag("broken", TypeRef.Bool), new Flag("continued", TypeRef.Bool));
            bool hasBreak = loop.Body.Descendants().OfType<IBranchOperation>().Any(b => b.BranchKind == BranchKind.Break && !InsideLoopOrSwitchBelow(b, loop, false));
            bool hasContinue = loop.Body.Descendants().OfType<IBranchOperation>().Any(b => b.BranchKind == BranchKind.Continue && !InsideLoopOrSwitchBelow(b, loop, true));
            bool hasReturn = _returnFlag != null && loop.Body.Descendants().OfType<IReturnOperation>().Any();
            Declare(exits.Break, _b.Const(0, TypeRef.Bool));
            Declare(exits.Continue!, _b.Const(0, TypeRef.Bool));

            var assigned = new HashSet<object>(AssignedVariables(loop), Env.KeyComparer);
            var carried = _env.Keys.Where(k => _env[k] >= 0 || _env[k] == Unassigned).Where(k =>
                assigned.Contains(k) || (hasBreak && k == exits.Break) || (hasReturn && (k == _returnFlag || (_returnValue != null && k == _returnValue)))
                || (extraCarried != null && k == extraCarried)).ToList();
            var opaque = carried.FirstOrDefault(k => !TypeOfVariable(k).IsNumeric && TypeOfVariable(k).Kind != ValueKind.Bool);
            if (opaque != null)
            {
                // Reverse mode records loop-carried values on typed tapes of numbers and bools.
                Unsupported(loop, "a loop that assigns '" + NameOf(opaque) + "' of type '" + TypeOfVariable(opaque).Display + "'");
                return;
            }
            var inits = carried.Select(k => _env[k] == Unassigned ? _b.Const(0, TypeOfVariable(k)) : _env[k]).ToList();
            var signature = carried.Select(k => (NameOf(k), TypeOfVariable(k))).ToList();
            var before = _env;

            // Condition region: the carried values in, a bool out; it may not assign anything.
            _env = before.Copy();
            var condParams = _b.BeginRegion(signature);
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = condParams[i];
            int test = condition();
            _thrown = false;
            var stop = new List<Flag>();
            if (hasBreak) stop.Add(exits.Break);
            if (hasReturn) stop.Add(_returnFlag!);
            int running = Running(stop);
            if (test >= 0 && running >= 0) test = _b.Emit(Op.And, TypeRef.Bool, new[] { test, running });
            if (Enumerable.Range(0, carried.Count).Any(i => _env[carried[i]] != condParams[i]))
            {
                Unsupported(loop, "a loop condition that assigns a variable");
            }
            var conditionRegion = _b.EndRegion(new[] { test < 0 ? _b.Const(0, TypeRef.Bool) : test });

            // Body region.
            _env = before.Copy();
            var bodyParams = _b.BeginRegion(signature);
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = bodyParams[i];
            _env[exits.Continue!] = _b.Const(0, TypeRef.Bool);
            _exits.Add(exits);
            body();
            _exits.RemoveAt(_exits.Count - 1);
            // A body that always throws ends the loop by the exception; the loop as a whole may still end (a first test that fails).
            bool bodyThrows = _thrown;
            _thrown = false;
            if (bottom != null && !bodyThrows)
            {
                var flags = new List<Flag> { exits.Break };
                if (_returnFlag != null) flags.Add(_returnFlag);
                int go = Running(flags);
                if (go < 0) bottom();
                else LowerIf(go, bottom, null);
            }
            var nextValues = carried.Select(k => _env[k] == Unassigned ? _b.Const(0, TypeOfVariable(k)) : _env[k]).ToList();
            var bodyRegion = _b.EndRegion(nextValues);

            _env = before;
            var results = _b.EmitStructured(Op.While, inits, new[] { conditionRegion, bodyRegion }, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            for (int i = 0; i < carried.Count; i++) _env[carried[i]] = results[i];
            _env[exits.Break] = _b.Const(0, TypeRef.Bool);
        }

        /// <summary>Locals and parameters a loop may assign (so they are carried round it).</summary>
        private IEnumerable<object> AssignedVariables(IOperation loop)
        {
            foreach (var operation in loop.Descendants())
            {
                IOperation? target = operation switch
                {
                    ISimpleAssignmentOperation a => a.Target,
                    ICompoundAssignmentOperation c => c.Target,
                    IIncrementOrDecrementOperation i => i.Target,
                    _ => null,
                };
                foreach (var leaf in StructTargets(operation is IDeconstructionAssignmentOperation d ? d.Target : target)) yield return leaf;
                if (target is ILocalReferenceOperation local) yield return local.Local;
                if (target is IParameterReferenceOperation parameter) yield return parameter.Parameter;
                if (operation is IReturnOperation && _returnFlag != null)
                {
                    yield return _returnFlag;
                    if (_returnValue != null) yield return _returnValue;
                }
            }
        }

        // ---- switch ----

        private void Switch(ISwitchOperation switchStatement)
        {
            int value = Expr(switchStatement.Value);
            if (value < 0) return;
            var exits = new Exits(new Flag("switchBroken", TypeRef.Bool), null);
            Declare(exits.Break, _b.Const(0, TypeRef.Bool));
            _variableTypes[exits.Break] = TypeRef.Bool;
            var sections = switchStatement.Cases.ToList();
            var fallback = sections.FirstOrDefault(c => c.Clauses.Any(clause => clause.CaseKind == CaseKind.Default || clause is IPatternCaseClauseOperation p && p.Pattern is IDiscardPatternOperation));
            var tests = sections.Where(c => c != fallback).ToList();
            _exits.Add(exits);
            _switches.Add((switchStatement, exits));
            LowerSections(value, tests, 0, fallback);
            _switches.RemoveAt(_switches.Count - 1);
            _exits.RemoveAt(_exits.Count - 1);
            _env[exits.Break] = _b.Const(0, TypeRef.Bool);
        }

        private void LowerSections(int value, List<ISwitchCaseOperation> tests, int index, ISwitchCaseOperation? fallback)
        {
            if (index == tests.Count)
            {
                if (fallback != null) SectionBody(fallback);
                return;
            }
            var section = tests[index];
            int matches = -1;
            foreach (var clause in section.Clauses)
            {
                int test = clause switch
                {
                    ISingleValueCaseClauseOperation single => Compare(Op.Eq, value, Expr(single.Value), clause),
                    IPatternCaseClauseOperation pattern when pattern.Guard == null => Pattern(value, pattern.Pattern),
                    _ => Unsupported(clause, "this case label"),
                };
                if (test < 0) return;
                matches = matches < 0 ? test : _b.Emit(Op.Or, TypeRef.Bool, new[] { matches, test });
            }
            LowerIf(matches, () => SectionBody(section), () => LowerSections(value, tests, index + 1, fallback));
        }

        private void SectionBody(ISwitchCaseOperation section)
        {
            // The break that ends a section is where the section ends anyway.
            var body = section.Body.ToList();
            if (body.Count > 0 && body[body.Count - 1] is IBranchOperation last && last.BranchKind == BranchKind.Break) body.RemoveAt(body.Count - 1);
            _sections.Add(section);
            Statements(body);
            _sections.RemoveAt(_sections.Count - 1);
        }

        /// <summary>The switch statements being lowered, innermost last: where a <c>goto case</c> jumps.</summary>
        private readonly List<(ISwitchOperation Switch, Exits Exits)> _switches = new List<(ISwitchOperation, Exits)>();

        /// <summary>The switch sections being lowered (one entered by a <c>goto case</c> inside the one that jumped).</summary>
        private readonly List<ISwitchCaseOperation> _sections = new List<ISwitchCaseOperation>();

        /// <summary>
        /// <c>goto case c;</c> or <c>goto default;</c>: the section it names runs in its place, as its code written there, and
        /// then the switch is left (statements after a goto nested in an if are skipped like those after a break).
        /// </summary>
        private void GotoCase(IBranchOperation branch)
        {
            if (_switches.Count == 0) { Unsupported(branch); return; }
            var (switchStatement, exits) = _switches[_switches.Count - 1];
            for (var parent = branch.Parent; parent != null && parent != switchStatement; parent = parent.Parent)
            {
                if (parent is ILoopOperation) { Unsupported(branch, "'" + branch.Syntax + "' inside a loop", "; set a variable, break out of the loop and switch on it again"); return; }
            }
            var target = switchStatement.Cases.FirstOrDefault(section => section.Clauses.Any(clause => SymbolEqualityComparer.Default.Equals(clause.Label, branch.Target)));
            if (target == null) { Unsupported(branch); return; }
            if (_sections.Contains(target))
            {
                Unsupported(branch, "'" + branch.Syntax + "' back to a section it came from (a loop)", "; write the loop as a 'while' loop");
                return;
            }
            SectionBody(target);
            // Nested in an if, it skips the rest of its section; last in the section, nothing follows it anyway.
            if (!(branch.Parent is ISwitchCaseOperation)) SetVariable(exits.Break, _b.Const(1, TypeRef.Bool));
        }

        private int SwitchExpression(ISwitchExpressionOperation switchExpression)
        {
            int value = Expr(switchExpression.Value);
            if (value < 0) return -1;
            var arms = switchExpression.Arms.ToList();
            if (arms.Count == 0 || !(arms[arms.Count - 1].Pattern is IDiscardPatternOperation) || arms[arms.Count - 1].Guard != null)
            {
                return Unsupported(switchExpression, "a 'switch' expression without a final '_' arm");
            }
            return Arms(value, arms, 0, TypeRefs.From(switchExpression.Type));
        }

        private int Arms(int value, List<ISwitchExpressionArmOperation> arms, int index, TypeRef type)
        {
            var arm = arms[index];
            if (index == arms.Count - 1) return Expr(arm.Value);
            if (arm.Guard != null) return Unsupported(arm, "a 'when' clause");
            int test = Pattern(value, arm.Pattern);
            if (test < 0) return -1;
            return LowerIf(test, () => Expr(arm.Value), () => Arms(value, arms, index + 1, type), type);
        }

        /// <summary>Constant, relational, discard, not/and/or patterns over a number.</summary>
        private int Pattern(int value, IPatternOperation pattern)
        {
            switch (pattern)
            {
                case IConstantPatternOperation constant:
                    return Compare(Op.Eq, value, Expr(constant.Value), pattern);
                case IRelationalPatternOperation relational:
                    Op op = relational.OperatorKind switch
                    {
                        BinaryOperatorKind.LessThan => Op.Lt,
                        BinaryOperatorKind.LessThanOrEqual => Op.Le,
                        BinaryOperatorKind.GreaterThan => Op.Gt,
                        BinaryOperatorKind.GreaterThanOrEqual => Op.Ge,
                        _ => Op.Ne,
                    };
                    return Compare(op, value, Expr(relational.Value), pattern);
                case IDiscardPatternOperation _:
                    return _b.Const(1, TypeRef.Bool);
                case INegatedPatternOperation negated:
                    return Not(Pattern(value, negated.Pattern));
                case IBinaryPatternOperation binary:
                    int left = Pattern(value, binary.LeftPattern);
                    int right = Pattern(value, binary.RightPattern);
                    if (left < 0 || right < 0) return -1;
                    return _b.Emit(binary.OperatorKind == BinaryOperatorKind.And ? Op.And : Op.Or, TypeRef.Bool, new[] { left, right });
                default:
                    return Unsupported(pattern, "this pattern");
            }
        }

        private int Compare(Op op, int value, int constant, IOperation at)
        {
            if (value < 0 || constant < 0) return -1;
            var type = _b.TypeOf(value);
            if (_b.TypeOf(constant) != type) constant = _b.Convert(constant, type);
            if (!type.IsNumeric && type.Kind != ValueKind.Bool && !(_b.TypeOf(constant) == type)) return Unsupported(at, "a pattern on '" + type.Display + "'");
            return _b.Emit(op, TypeRef.Bool, new[] { value, constant });
        }
    }
}

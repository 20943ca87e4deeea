using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Emit
{
    /// <summary>Where a function result goes in the emitted method.</summary>
    public readonly record struct ResultTarget(bool IsReturn, string Name)
    {
        public static ResultTarget Return => new ResultTarget(true, "");

        public static ResultTarget Assign(string name) => new ResultTarget(false, name);
    }

    /// <summary>
    /// Turns an IR function into the statements of a C# method body. Single-use temporaries are
    /// folded back into expressions; every value that came from a source variable (or is the tangent
    /// or adjoint of one) becomes a local named after it; a new SSA version reuses its variable's
    /// local when the previous version is dead, so <c>t = t * 2</c> stays one local and adjoint
    /// accumulation reads <c>tAdj += …</c>.
    /// </summary>
    public sealed class BodyEmitter
    {
        private const int Conditional = 1, Equality = 2, Relational = 3, Additive = 4, Multiplicative = 5, Unary = 6, Primary = 7;

        private readonly IrFunction _function;
        private readonly Dictionary<int, Instr> _defs = new Dictionary<int, Instr>();
        private readonly Dictionary<int, TypeRef> _types = new Dictionary<int, TypeRef>();
        private readonly HashSet<int> _inline = new HashSet<int>();
        private readonly Dictionary<int, int> _lastUse = new Dictionary<int, int>();
        private readonly Dictionary<int, string> _local = new Dictionary<int, string>();
        private readonly Dictionary<string, int> _holder = new Dictionary<string, int>();
        private readonly HashSet<string> _taken = new HashSet<string>();

        private BodyEmitter(IrFunction function) => _function = function;

        /// <param name="paramNames">The C# name of each IR parameter, by index.</param>
        /// <param name="reserved">Other names in scope (out parameters) that locals must avoid.</param>
        /// <param name="targets">Where each IR result goes, by index.</param>
        public static void Emit(SourceWriter writer, IrFunction function, IReadOnlyList<string> paramNames, IEnumerable<string> reserved, IReadOnlyList<ResultTarget> targets, string? returnHint, CancellationToken cancellationToken)
        {
            var emitter = new BodyEmitter(function);
            foreach (var name in reserved) emitter._taken.Add(name);
            for (int i = 0; i < function.Params.Count; i++)
            {
                var p = function.Params[i];
                emitter._types[p.Id] = p.Type;
                emitter._local[p.Id] = paramNames[i];
                emitter._holder[paramNames[i]] = p.Id;
                emitter._taken.Add(paramNames[i]);
            }
            emitter.Run(writer, targets, returnHint, cancellationToken);
        }

        private void Run(SourceWriter writer, IReadOnlyList<ResultTarget> targets, string? returnHint, CancellationToken cancellationToken)
        {
            var body = _function.Body;
            int end = body.Count;
            var uses = new Dictionary<int, int>();
            foreach (var instr in body)
            {
                _defs[instr.Id] = instr;
                _types[instr.Id] = instr.Type;
                foreach (int arg in instr.Args) uses[arg] = uses.TryGetValue(arg, out int n) ? n + 1 : 1;
            }
            foreach (var result in _function.Results) uses[result.Value] = uses.TryGetValue(result.Value, out int n) ? n + 1 : 1;

            // Constants, `this` and unnamed single-use values are written inside their user.
            foreach (var instr in body)
            {
                if (instr.Op == Op.Const || instr.Op == Op.This || (instr.Name == null && uses.TryGetValue(instr.Id, out int n) && n == 1))
                {
                    _inline.Add(instr.Id);
                }
            }

            // Position of the statement each value is finally written in; uses of an inlined value's
            // operands happen there, which is what liveness (and so local reuse) must see.
            var home = new Dictionary<int, int>();
            var user = new Dictionary<int, int>();
            for (int k = 0; k < body.Count; k++)
            {
                foreach (int arg in body[k].Args) user[arg] = k;
            }
            for (int k = body.Count - 1; k >= 0; k--)
            {
                var instr = body[k];
                home[instr.Id] = _inline.Contains(instr.Id) && user.TryGetValue(instr.Id, out int u) ? home[body[u].Id] : k;
            }
            foreach (var result in _function.Results)
            {
                if (_defs.ContainsKey(result.Value) && _inline.Contains(result.Value)) home[result.Value] = end;
            }
            for (int k = 0; k < body.Count; k++)
            {
                foreach (int arg in body[k].Args) Use(arg, home[body[k].Id]);
            }
            foreach (var result in _function.Results) Use(result.Value, end);

            for (int k = 0; k < body.Count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var instr = body[k];
                if (_inline.Contains(instr.Id)) continue;
                string hint = instr.Name ?? (_function.Results.Count > 0 && _function.Results[0].Value == instr.Id && returnHint != null ? returnHint : "tmp");
                if (instr.Name != null && _holder.TryGetValue(hint, out int previous) && LastUse(previous) <= k && _types[previous] == instr.Type)
                {
                    writer.Line(Reassignment(hint, previous, instr));
                    _local[instr.Id] = hint;
                    _holder[hint] = instr.Id;
                    continue;
                }
                string name = Fresh(hint);
                string expression = Expr(instr.Id, 0);
                _local[instr.Id] = name;
                _holder[name] = instr.Id;
                writer.Line(instr.Type.Display + " " + name + " = " + expression + ";");
            }

            string? returned = null;
            for (int i = 0; i < targets.Count; i++)
            {
                var result = _function.Results[i];
                if (targets[i].IsReturn)
                {
                    returned = Expr(result.Value, 0);
                    continue;
                }
                if (_local.TryGetValue(result.Value, out var local) && local == targets[i].Name) continue;
                writer.Line(targets[i].Name + " = " + Expr(result.Value, 0) + ";");
            }
            if (returned != null) writer.Line("return " + returned + ";");
        }

        private void Use(int value, int position)
        {
            if (!_lastUse.TryGetValue(value, out int last) || position > last) _lastUse[value] = position;
        }

        private int LastUse(int value) => _lastUse.TryGetValue(value, out int last) ? last : -1;

        private string Reassignment(string local, int previous, Instr instr)
        {
            if ((instr.Op == Op.Add || instr.Op == Op.Sub) && instr.Args[0] == previous && instr.Args[1] != previous)
            {
                string op = instr.Op == Op.Add ? " += " : " -= ";
                return local + op + Expr(instr.Args[1], Additive + 1) + ";";
            }
            if (instr.Op == Op.Add && instr.Args[1] == previous && instr.Args[0] != previous)
            {
                return local + " += " + Expr(instr.Args[0], Additive + 1) + ";";
            }
            return local + " = " + Expr(instr.Id, 0, allowLocal: false) + ";";
        }

        private string Fresh(string hint)
        {
            string name = hint;
            for (int n = 2; _taken.Contains(name) || Keywords.Contains(name); n++) name = hint + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _taken.Add(name);
            return name;
        }

        /// <summary>The C# expression for a value, parenthesised if its precedence is below <paramref name="context"/>.</summary>
        private string Expr(int value, int context, bool allowLocal = true)
        {
            if (allowLocal && _local.TryGetValue(value, out var name)) return name;
            var instr = _defs[value];
            var (text, precedence) = Render(instr);
            return precedence < context ? "(" + text + ")" : text;
        }

        private (string Text, int Precedence) Render(Instr instr)
        {
            var a = instr.Args;
            switch (instr.Op)
            {
                case Op.Const:
                    string literal = Literals.Format(instr.Number, instr.Type);
                    return (literal, literal.StartsWith("-") ? Unary : Primary);
                case Op.This:
                    return ("this", Primary);
                case Op.Neg:
                    string operand = Expr(a[0], Unary);
                    return ("-" + (operand.StartsWith("-") ? "(" + operand + ")" : operand), Unary);
                case Op.Add: return Binary(a, " + ", Additive);
                case Op.Sub: return Binary(a, " - ", Additive);
                case Op.Mul: return Binary(a, " * ", Multiplicative);
                case Op.Div: return Binary(a, " / ", Multiplicative);
                case Op.Rem: return Binary(a, " % ", Multiplicative);
                case Op.Lt: return Binary(a, " < ", Relational);
                case Op.Le: return Binary(a, " <= ", Relational);
                case Op.Gt: return Binary(a, " > ", Relational);
                case Op.Ge: return Binary(a, " >= ", Relational);
                case Op.Eq: return Binary(a, " == ", Equality);
                case Op.Ne: return Binary(a, " != ", Equality);
                case Op.Select:
                    return (Expr(a[0], Conditional + 1) + " ? " + Expr(a[1], Conditional + 1) + " : " + Expr(a[2], Conditional), Conditional);
                case Op.Convert:
                    return ("(" + instr.Type.Display + ")" + Expr(a[0], Primary), Unary);
                case Op.Intrinsic:
                    string math = _types[a[0]].Kind == ValueKind.Float ? "global::System.MathF." : "global::System.Math.";
                    return (math + instr.Fn + "(" + Arguments(a, 0) + ")", Primary);
                case Op.LoadStatic:
                    return (instr.Text!, Primary);
                case Op.LoadMember:
                    return (Expr(a[0], Primary) + "." + instr.Text, Primary);
                case Op.CallStatic:
                    return (instr.Text + "(" + Arguments(a, 0) + ")", Primary);
                case Op.CallMember:
                    return (Expr(a[0], Primary) + "." + instr.Text + "(" + Arguments(a, 1) + ")", Primary);
                default:
                    throw new System.InvalidOperationException("no C# form for " + instr.Op);
            }
        }

        private (string, int) Binary(EquatableArray<int> a, string op, int precedence) =>
            (Expr(a[0], precedence) + op + Expr(a[1], precedence + 1), precedence);

        private string Arguments(EquatableArray<int> a, int skip) =>
            string.Join(", ", a.Skip(skip).Select(x => Expr(x, 0)));

        private static readonly HashSet<string> Keywords = new HashSet<string>
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
            "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
            "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
            "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
            "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
            "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
            "using", "virtual", "void", "volatile", "while",
        };
    }
}

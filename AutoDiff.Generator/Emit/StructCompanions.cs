using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// The companions of a method returning a struct or a tuple <c>R M(inputs…)</c>, vector-valued with the struct's
    /// leaves as outputs: <c>R MJvp(inputs…, tangents…, out R tangent)</c> and <c>R MVjp(inputs…, R seed, ref adjoints…)</c>.
    /// The tangent of the result is an R whose pass-through fields are the result's own; the seed's pass-through fields
    /// are not read.
    /// </summary>
    internal static class StructCompanions
    {
        public static void WriteJvp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var boundary = StructBoundary.For(model, active, n => n + Forward.TangentSuffix, taken, StructBoundary.Kind.In,
                (p, name) => (Companions.IsSequence(p) ? CompanionEmitter.ReadOnlySpanOf(p) : p.Type.Display) + " " + name);
            string tangent = CompanionEmitter.Unique("tangent", taken);
            var returns = model.Returns!;
            var signature = CompanionEmitter.Originals(model).Concat(boundary.Parameters).Concat(new[] { "out " + returns.Type + " " + tangent });
            CompanionEmitter.Header(w, model, "Jvp", signature,
                "Forward mode: returns " + model.Name + "(…) and writes its directional derivative along the given tangents of " + CompanionEmitter.Names(model) +
                " (a value of the same type, whose fields that are not floating-point are the result's).");
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) CompanionEmitter.LengthCheck(w, boundary.Names[k], active[k]);
            }
            int n = returns.Paths.Count;
            string value = Build(returns, Enumerable.Range(0, n).Select(BodyEmitter.ResultPlaceholder));
            string derivative = Build(returns, Enumerable.Range(0, n).Select(i => BodyEmitter.ResultPlaceholder(returns.Types[i].IsFloating ? n + i : i)));
            CompanionEmitter.FlatViews(w, model);
            foreach (var line in boundary.Prologue) w.Line(line);
            var names = CompanionEmitter.ParameterNames(model).Concat(boundary.Body).ToList();
            var targets = Enumerable.Range(0, 2 * n).Select(_ => ResultTarget.Assign("")).ToList();
            BodyEmitter.Emit(w, function, names, taken, targets, null, cancellationToken, epilogue: new[] { tangent + " = " + derivative + ";" }, returnExpression: value);
            w.Close();
        }

        public static void WriteVjp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var returns = model.Returns!;
            string seed = CompanionEmitter.Unique("seed", taken);
            var boundary = StructBoundary.For(model, active, n => n + Reverse.AdjointSuffix, taken, StructBoundary.Kind.Ref,
                (p, name) => Companions.IsSequence(p) ? CompanionEmitter.SpanOf(p) + " " + name : "ref " + p.Type.Display + " " + name);
            var signature = CompanionEmitter.Originals(model).Concat(new[] { returns.Type + " " + seed }).Concat(boundary.Parameters);
            CompanionEmitter.Header(w, model, "Vjp", signature,
                "Reverse mode: returns " + model.Name + "(…) and adds, for the seed ȳ (a value of the result's type), ȳ·∂y/∂p into the adjoint of each of " + CompanionEmitter.Names(model) + ".");
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) CompanionEmitter.LengthCheck(w, boundary.Names[k], active[k]);
            }
            CompanionEmitter.FlatViews(w, model);
            foreach (var line in boundary.Prologue) w.Line(line);
            int n = returns.Paths.Count;
            var names = CompanionEmitter.ParameterNames(model).Concat(returns.Paths.Select(p => seed + p)).Concat(boundary.Body).ToList();
            var targets = Enumerable.Range(0, n).Select(_ => ResultTarget.Assign("")).ToList();
            targets.AddRange(Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).Select(k => ResultTarget.Assign(boundary.Names[k])));
            BodyEmitter.Emit(w, function, names, taken, targets, null, cancellationToken, epilogue: boundary.Epilogue,
                returnExpression: Build(returns, Enumerable.Range(0, n).Select(BodyEmitter.ResultPlaceholder)), inPlace: boundary.InPlace);
            w.Close();
        }

        /// <summary>
        /// <c>R MJacobian(inputs…, Span&lt;T&gt; jacobian)</c>: the m×n Jacobian of the result's floating leaves (m, in leaf order) with
        /// respect to the active inputs (n numbers, in parameter order: a struct contributes its floating leaves, an array its
        /// elements, an array of structs its structs' leaves), row-major, by one Vjp per result leaf seeded with that leaf 1.
        /// Returns the method's value. Its working spans are pooled: no allocation in steady state. (Adjoints are cleared before each Vjp.)
        /// </summary>
        public static void WriteJacobian(SourceWriter w, MethodModel model)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var returns = model.Returns!;
            var rows = Enumerable.Range(0, returns.Types.Count).Where(i => returns.Types[i].IsFloating).ToList();
            string element = returns.Types[rows[0]].Display;
            string jacobian = CompanionEmitter.Unique("jacobian", taken);
            CompanionEmitter.Header(w, model, "Jacobian", CompanionEmitter.Originals(model).Concat(new[] { "global::System.Span<" + element + "> " + jacobian }),
                "Returns " + model.Name + "(…) and writes the Jacobian of its result's floating-point fields (one row each, in declaration order) with respect to " +
                CompanionEmitter.Names(model) + " (one column per number, in parameter order), row-major, by one Vjp per row.");
            string n = CompanionEmitter.Unique("n", taken), value = CompanionEmitter.Unique("value", taken), column = CompanionEmitter.Unique("column", taken), k = CompanionEmitter.Unique("k", taken);
            string Invariant(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var lengths = active.Select(p => p.Array != null ? Identifiers.Escape(p.Name) + ".Length * " + Invariant(p.Array.Stride)
                : Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1").ToList();
            w.Line("int " + n + " = " + string.Join(" + ", lengths) + ";");
            w.Line("if (" + jacobian + ".Length != " + Invariant(rows.Count) + " * " + n + ") throw new global::System.ArgumentException(\"" + jacobian +
                " must have m × n elements, m being the number of floating-point fields of the result and n the total length of the active parameters.\", " + CompanionEmitter.NameOf(jacobian) + ");");
            var reads = new List<string>();
            var arguments = new List<string>();
            var clears = new List<string>();
            var owners = new Dictionary<string, string>();
            for (int i = 0; i < active.Count; i++)
            {
                var p = active[i];
                if (p.Part != null)
                {
                    if (!owners.TryGetValue(p.Part.Owner, out var owner))
                    {
                        owner = owners[p.Part.Owner] = CompanionEmitter.Unique(p.Part.Owner + Reverse.AdjointSuffix, taken);
                        w.Line(p.Part.OwnerType + " " + owner + ";");
                        arguments.Add("ref " + owner);
                        clears.Add(owner + " = default;");
                    }
                    reads.Add(p.Part.On(owner));
                    continue;
                }
                string name = CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken);
                reads.Add(name);
                if (Companions.IsSequence(p))
                {
                    VectorCompanions.Scratch(w, p.Type.ElementDisplay, name, lengths[i], taken);
                    arguments.Add(p.Array != null ? "global::System.Runtime.InteropServices.MemoryMarshal.Cast<" + p.Type.ElementDisplay + ", " + p.Array.Element + ">(" + name + ")" : name);
                    clears.Add(name + ".Clear();");
                }
                else
                {
                    w.Line(p.Type.Display + " " + name + ";");
                    arguments.Add("ref " + name);
                    clears.Add(name + " = 0;");
                }
            }
            w.Line(returns.Type + " " + value + " = default;");
            w.Line("int " + column + ";");
            for (int r = 0; r < rows.Count; r++)
            {
                var seed = Enumerable.Range(0, returns.Types.Count).Select(j => j == rows[r] ? "1" : returns.Types[j].IsFloating ? "0" : "default");
                foreach (var clear in clears) w.Line(clear);
                w.Line(value + " = " + CompanionEmitter.Own(model, "Vjp") + "(" + string.Join(", ", CompanionEmitter.Arguments(model).Concat(new[] { Build(returns, seed) }).Concat(arguments)) + ");");
                w.Line(column + " = " + Invariant(r) + " * " + n + ";");
                for (int i = 0; i < active.Count; i++)
                {
                    string cast = "(" + element + ")";
                    if (Companions.IsSequence(active[i])) w.Line("for (int " + k + " = 0; " + k + " < " + reads[i] + ".Length; " + k + "++) " + jacobian + "[" + column + "++] = " + cast + reads[i] + "[" + k + "];");
                    else w.Line(jacobian + "[" + column + "++] = " + cast + reads[i] + ";");
                }
            }
            w.Line("return " + value + ";");
            w.Close();
        }

        private static string Build(StructReturn returns, IEnumerable<string> leaves) =>
            string.Format(System.Globalization.CultureInfo.InvariantCulture, returns.Build, leaves.Cast<object>().ToArray());
    }
}

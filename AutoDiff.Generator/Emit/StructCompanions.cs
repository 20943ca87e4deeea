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
        public static void WriteJvp(SourceWriter w, MethodModel model, IrFunction function, TapeReservations? tapes, CancellationToken cancellationToken)
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
            BodyEmitter.Emit(w, function, names, taken, targets, null, cancellationToken, tapes, epilogue: new[] { tangent + " = " + derivative + ";" }, returnExpression: value);
            w.Close();
        }

        public static void WriteVjp(SourceWriter w, MethodModel model, IrFunction function, TapeReservations? tapes, CancellationToken cancellationToken)
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
            BodyEmitter.Emit(w, function, names, taken, targets, null, cancellationToken, tapes, epilogue: boundary.Epilogue,
                returnExpression: Build(returns, Enumerable.Range(0, n).Select(BodyEmitter.ResultPlaceholder)), inPlace: boundary.InPlace);
            w.Close();
        }

        private static string Build(StructReturn returns, IEnumerable<string> leaves) =>
            string.Format(System.Globalization.CultureInfo.InvariantCulture, returns.Build, leaves.Cast<object>().ToArray());
    }
}

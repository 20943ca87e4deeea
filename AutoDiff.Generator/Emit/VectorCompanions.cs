using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// The companions of a vector-valued method <c>void M(inputs…, Span&lt;T&gt; y…)</c>: <c>MJvp</c>
    /// (forward mode, output tangents), <c>MVjp</c> (reverse mode, from output cotangents) and
    /// <c>MJacobian</c>, which runs one of them per input or per output coordinate, whichever is fewer.
    /// </summary>
    internal static class VectorCompanions
    {
        public static void WriteJvp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var (taken, active, outputs, tangents, outputTangents) = ForwardNames(model);
            var signature = CompanionEmitter.Originals(model)
                .Concat(active.Select((p, k) => (Companions.IsSequence(p) ? CompanionEmitter.ReadOnlySpanOf(p) : p.Type.Display) + " " + tangents[k]))
                .Concat(outputs.Select((p, k) => CompanionEmitter.SpanOf(p) + " " + outputTangents[k]));
            CompanionEmitter.Header(w, model, "Jvp", signature,
                "Forward mode: computes " + model.Name + "(…) and writes into each output tangent the directional derivative of that output along the given tangents of " + CompanionEmitter.Names(model) + ".");
            Checks(w, model);
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) CompanionEmitter.LengthCheck(w, tangents[k], active[k], model);
            }
            var clears = new List<(int, string)>();
            for (int k = 0; k < outputs.Count; k++)
            {
                CompanionEmitter.LengthCheck(w, outputTangents[k], outputs[k], model);
                CompanionEmitter.ClearOrDefer(w, function, clears, model.Parameters.Count + tangents.Count + k, outputTangents[k] + ".Clear();");
            }
            CompanionEmitter.FlatViews(w, model);
            var names = CompanionEmitter.ParameterNames(model).Concat(tangents.Select((t, k) => CompanionEmitter.View(w, active[k], t, taken)))
                .Concat(outputTangents.Select((t, k) => CompanionEmitter.View(w, outputs[k], t, taken))).ToList();
            BodyEmitter.Emit(w, function, names, taken, new ResultTarget[0], null, cancellationToken, clears);
            w.Close();
        }

        /// <summary>The directions <c>MJvpBatch</c> carries in one sweep (Enzyme's vector width, ForwardDiff's chunk).</summary>
        internal const int Lanes = 4;

        /// <summary>Whether the method gets <c>MJacobian</c>: a Jacobian runs one sweep per coordinate or color, which would repeat calls with effects.</summary>
        internal static bool HasJacobian(MethodModel model) =>
            // (Not yet for arrays of structs, whose unit directions would be structs, nor for 2-D and jagged arrays.)
            model.IsVectorValued && model.PullbackSeed < 0 && !model.Primal!.Body.Any(OpInfo.ContainsCallWithEffects)
            && !model.Parameters.Any(p => p.Array != null || (p.IsActive && p.Type.Rank == 2));

        /// <summary>Whether the method gets <c>MJvpBatch</c> (<see cref="Forward.SupportsLanes"/>; not yet with struct parameters).</summary>
        internal static bool Batched(MethodModel model) =>
            HasJacobian(model) && !model.Parameters.Any(p => p.Part != null) && Forward.SupportsLanes(model.Primal!);

        /// <summary>
        /// <c>MJvpBatch</c>: forward mode along <see cref="Lanes"/> directions at once. Each tangent is a span of the lanes
        /// one after the other (lane l of a span x at <c>xDot[l * x.Length + i]</c>, of a scalar at <c>xDot[l]</c>), each output
        /// tangent likewise; the body (<see cref="Forward"/> with lanes) computes the outputs once and each derivative once per lane.
        /// </summary>
        public static void WriteJvpBatch(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var (taken, active, outputs, tangents, outputTangents) = ForwardNames(model);
            var signature = CompanionEmitter.Originals(model)
                .Concat(active.Select((p, k) => "global::System.ReadOnlySpan<" + Element(p) + "> " + tangents[k]))
                .Concat(outputs.Select((p, k) => CompanionEmitter.SpanOf(p) + " " + outputTangents[k]));
            CompanionEmitter.Header(w, model, "JvpBatch", signature,
                "Vector forward mode: computes " + model.Name + "(…) once and, for each of " + Lanes + " directions (lanes), writes the directional derivative of each output. " +
                "A tangent holds the lanes one after the other: lane l of a span x is xDot[l * x.Length + i], of a scalar xDot[l]; output tangents likewise.");
            Checks(w, model);
            string Length(ParameterModel p) => Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1";
            void LaneCheck(string name, ParameterModel p) =>
                w.Line("if (" + name + ".Length != " + Lanes + (Companions.IsSequence(p) ? " * " + Length(p) : "") + ") throw new global::System.ArgumentException(\"" + name +
                    " must hold " + Lanes + (Companions.IsSequence(p) ? " × " + p.Name + ".Length" : "") + " elements.\", " + CompanionEmitter.NameOf(name) + ");");
            for (int k = 0; k < active.Count; k++) LaneCheck(tangents[k], active[k]);
            for (int k = 0; k < outputs.Count; k++) LaneCheck(outputTangents[k], outputs[k]);
            var names = CompanionEmitter.ParameterNames(model);
            var clears = new List<(int, string)>();
            int param = model.Parameters.Count;
            foreach (var (p, flat, output) in active.Select((p, k) => (p, tangents[k], false)).Concat(outputs.Select((p, k) => (p, outputTangents[k], true))))
            {
                for (int lane = 0; lane < Lanes; lane++, param++)
                {
                    string name = CompanionEmitter.Unique(flat + lane, taken);
                    if (!Companions.IsSequence(p)) w.Line(p.Type.Display + " " + name + " = " + flat + "[" + lane + "];");
                    else w.Line((output ? CompanionEmitter.SpanOf(p) : "global::System.ReadOnlySpan<" + p.Type.ElementDisplay + ">") + " " + name + " = " + flat + ".Slice(" + (lane == 0 ? "0" : lane + " * " + Length(p)) + ", " + Length(p) + ");");
                    if (output) CompanionEmitter.ClearOrDefer(w, function, clears, param, name + ".Clear();");
                    names.Add(name);
                }
            }
            BodyEmitter.Emit(w, function, names, taken, new ResultTarget[0], null, cancellationToken, clears);
            w.Close();
        }

        public static void WriteVjp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var outputs = Outputs(model);
            var cotangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
            var adjoints = active.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
            var signature = CompanionEmitter.Originals(model)
                .Concat(outputs.Select((p, k) => CompanionEmitter.ReadOnlySpanOf(p) + " " + cotangents[k]))
                .Concat(active.Select((p, k) => Companions.IsSequence(p) ? CompanionEmitter.SpanOf(p) + " " + adjoints[k] : "ref " + p.Type.Display + " " + adjoints[k]));
            CompanionEmitter.Header(w, model, "Vjp", signature,
                "Reverse mode: computes " + model.Name + "(…) and adds, for the given output cotangents ȳ, ȳ·∂y/∂p into the adjoint of each of " + CompanionEmitter.Names(model) + ".");
            Checks(w, model);
            for (int k = 0; k < outputs.Count; k++) CompanionEmitter.LengthCheck(w, cotangents[k], outputs[k], model);
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) CompanionEmitter.LengthCheck(w, adjoints[k], active[k], model);
            }
            CompanionEmitter.FlatViews(w, model);
            var names = CompanionEmitter.ParameterNames(model).Concat(cotangents.Select((c, k) => CompanionEmitter.View(w, outputs[k], c, taken)))
                .Concat(adjoints.Select((a, k) => CompanionEmitter.View(w, active[k], a, taken))).ToList();
            var targets = Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).Select(k => ResultTarget.Assign(adjoints[k])).ToList();
            BodyEmitter.Emit(w, function, names, taken, targets, null, cancellationToken);
            w.Close();
        }

        /// <summary>
        /// The m×n Jacobian, row-major: m is the total length of the outputs, n the total length of the
        /// active inputs, in parameter order (a scalar counts one). n Jvp sweeps when n ≤ m, else m Vjp
        /// sweeps. The outputs are computed too.
        /// </summary>
        public static void WriteJacobian(SourceWriter w, MethodModel model, bool batched)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var outputs = Outputs(model);
            string jacobian = CompanionEmitter.Unique("jacobian", taken);
            string element = outputs[0].Type.ElementDisplay;
            CompanionEmitter.Header(w, model, "Jacobian", CompanionEmitter.Originals(model).Concat(new[] { "global::System.Span<" + element + "> " + jacobian }),
                "Computes " + model.Name + "(…) and writes its Jacobian, row-major: one row per output element, one column per element of " + CompanionEmitter.Names(model) + ".");
            string Name(ParameterModel p) => Identifiers.Escape(p.Name);
            var (n, m) = Dimensions(w, active, outputs, jacobian, taken);
            string originals = string.Join(", ", CompanionEmitter.Arguments(model));
            string column = CompanionEmitter.Unique("column", taken), row = CompanionEmitter.Unique("row", taken), k = CompanionEmitter.Unique("k", taken), r = CompanionEmitter.Unique("r", taken);

            // Forward: one Jvp per input coordinate fills one column. In a static method the columns are a static local
            // function of their own, so that their scratch buffers (and the try/finally of pooled ones) do not weigh on
            // the rows' stack frame (an instance method's, which may be a struct's, keeps them inline).
            string columnsFunction = CompanionEmitter.Unique("JacobianColumns", taken);
            var tangents = active.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            var outputTangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            w.Open("if (" + n + " <= " + m + ")");
            if (model.IsStatic) w.Line(columnsFunction + "(" + string.Join(", ", CompanionEmitter.Arguments(model).Concat(new[] { jacobian, n })) + ");");
            else Columns();
            w.Line("return;");
            w.Close();
            // (Not for a method that may throw: its first row would be cleared before the throw, and a throw leaves the Jacobian as it was.)
            if (active.All(p => DirectAdjoint(p, element)) && !model.Primal!.Body.Any(OpInfo.MayThrow)) WriteRowsInPlace();
            else WriteRows();
            if (model.IsStatic)
            {
                w.Line();
                string[] parameters = CompanionEmitter.Originals(model).Concat(new[] { "global::System.Span<" + element + "> " + jacobian, "int " + n }).ToArray();
                w.Open("static void " + columnsFunction + "(" + string.Join(", ", parameters) + ")");
                Columns();
                w.Close();
            }

            void Columns()
            {
                if (batched) BatchedColumns(w, model, active, outputs, tangents, outputTangents, jacobian, n, taken);
                else WriteColumns();
            }

            // One Jvp per input coordinate.
            void WriteColumns()
            {
                for (int i = 0; i < active.Count; i++)
                {
                    if (Companions.IsSequence(active[i])) Scratch(w, active[i].Type.ElementDisplay, tangents[i], Name(active[i]) + ".Length", taken);
                    else w.Line(active[i].Type.Display + " " + tangents[i] + " = 0;");
                }
                for (int i = 0; i < outputs.Count; i++) Scratch(w, outputs[i].Type.ElementDisplay, outputTangents[i], Name(outputs[i]) + ".Length", taken);
                w.Line("int " + column + " = 0;");
                string jvpCall = CompanionEmitter.Own(model, "Jvp") + "(" + originals + ", " + string.Join(", ", tangents.Concat(outputTangents)) + ");";
                string scatter = ScatterColumn(outputs, outputTangents, jacobian, n, column, CompanionEmitter.Unique("outputRow", taken), r);
                for (int i = 0; i < active.Count; i++)
                {
                    if (Companions.IsSequence(active[i]))
                    {
                        w.Open("for (int " + k + " = 0; " + k + " < " + Name(active[i]) + ".Length; " + k + "++)");
                        w.Line(tangents[i] + "[" + k + "] = 1;");
                        w.Line(jvpCall);
                        w.Line(tangents[i] + "[" + k + "] = 0;");
                        w.Line(scatter);
                        w.Close();
                    }
                    else
                    {
                        w.Line(tangents[i] + " = 1;");
                        w.Line(jvpCall);
                        w.Line(tangents[i] + " = 0;");
                        w.Line(scatter);
                    }
                }
            }

            // Reverse, when every adjoint is a span or a scalar of the Jacobian's element type: each Vjp adds straight into
            // slices of its (cleared) row, so a small Jacobian costs its Vjp calls and nothing else.
            void WriteRowsInPlace()
            {
                var cotangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
                string jacobianRow = CompanionEmitter.Unique(jacobian + "Row", taken);
                for (int i = 0; i < outputs.Count; i++) Scratch(w, outputs[i].Type.ElementDisplay, cotangents[i], Name(outputs[i]) + ".Length", taken);
                var slices = new List<string>();
                string offset = "0";
                foreach (var p in active)
                {
                    slices.Add(Companions.IsSequence(p) ? jacobianRow + ".Slice(" + offset + ", " + Name(p) + ".Length)" : "ref " + jacobianRow + "[" + offset + "]");
                    string length = Companions.IsSequence(p) ? Name(p) + ".Length" : "1";
                    offset = offset == "0" ? length : offset + " + " + length;
                }
                w.Line("int " + row + " = 0;");
                string vjpArguments = originals + ", " + string.Join(", ", cotangents.Concat(slices));
                for (int o = 0; o < outputs.Count; o++)
                {
                    w.Open("for (int " + r + " = 0; " + r + " < " + Name(outputs[o]) + ".Length; " + r + "++, " + row + "++)");
                    w.Line("global::System.Span<" + element + "> " + jacobianRow + " = " + jacobian + ".Slice(" + row + " * " + n + ", " + n + ");");
                    w.Line(jacobianRow + ".Clear();");
                    w.Line(cotangents[o] + "[" + r + "] = 1;");
                    w.Line(CompanionEmitter.Own(model, "Vjp") + "(" + vjpArguments + ");");
                    w.Line(cotangents[o] + "[" + r + "] = 0;");
                    w.Close();
                }
            }

            // Reverse: one Vjp per output coordinate fills one row.
            void WriteRows()
            {
                var cotangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
                var adjoints = active.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
                for (int i = 0; i < outputs.Count; i++) Scratch(w, outputs[i].Type.ElementDisplay, cotangents[i], Name(outputs[i]) + ".Length", taken);
                for (int i = 0; i < active.Count; i++)
                {
                    if (Companions.IsSequence(active[i])) Scratch(w, active[i].Type.ElementDisplay, adjoints[i], Name(active[i]) + ".Length", taken);
                    else w.Line(active[i].Type.Display + " " + adjoints[i] + ";");
                }
                w.Line("int " + row + " = 0;");
                string vjpArguments = originals + ", " + string.Join(", ", cotangents.Concat(active.Select((p, i) => Companions.IsSequence(p) ? adjoints[i] : "ref " + adjoints[i])));
                for (int o = 0; o < outputs.Count; o++)
                {
                    w.Open("for (int " + r + " = 0; " + r + " < " + Name(outputs[o]) + ".Length; " + r + "++, " + row + "++)");
                    w.Line(cotangents[o] + "[" + r + "] = 1;");
                    for (int i = 0; i < active.Count; i++)
                    {
                        w.Line(Companions.IsSequence(active[i]) ? adjoints[i] + ".Clear();" : adjoints[i] + " = 0;");
                    }
                    w.Line(CompanionEmitter.Own(model, "Vjp") + "(" + vjpArguments + ");");
                    w.Line(cotangents[o] + "[" + r + "] = 0;");
                    w.Line("int " + column + " = 0;");
                    for (int i = 0; i < active.Count; i++)
                    {
                        if (Companions.IsSequence(active[i]))
                        {
                            w.Line("for (int " + k + " = 0; " + k + " < " + adjoints[i] + ".Length; " + k + "++) " + jacobian + "[" + row + " * " + n + " + " + column + "++] = (" + element + ")" + adjoints[i] + "[" + k + "];");
                        }
                        else
                        {
                            w.Line(jacobian + "[" + row + " * " + n + " + " + column + "++] = (" + element + ")" + adjoints[i] + ";");
                        }
                    }
                    w.Close();
                }
            }
            w.Close();
        }

        /// <summary>
        /// Whether the Vjp can add the adjoint of <paramref name="p"/> straight into a Jacobian of <paramref name="element"/>s:
        /// a one-dimensional span or array of that element (not of structs), or a scalar of that type.
        /// </summary>
        private static bool DirectAdjoint(ParameterModel p, string element) =>
            p.Part == null && p.Array == null && (Companions.IsSequence(p) ? p.Type.Rank != 2 && p.Type.ElementDisplay == element : p.Type.Display == element);

        /// <summary>The columns of the Jacobian from <c>MJvpBatch</c> sweeps, <see cref="Lanes"/> unit directions at a time.</summary>
        private static void BatchedColumns(SourceWriter w, MethodModel model, List<ParameterModel> active, List<ParameterModel> outputs, List<string> tangents, List<string> outputTangents, string jacobian, string n, HashSet<string> taken)
        {
            string Length(ParameterModel p) => Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1";
            string Lanes(ParameterModel p) => Companions.IsSequence(p) ? VectorCompanions.Lanes + " * " + Length(p) : VectorCompanions.Lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < active.Count; i++) Scratch(w, Element(active[i]), tangents[i], Lanes(active[i]), taken);
            for (int o = 0; o < outputs.Count; o++) Scratch(w, outputs[o].Type.ElementDisplay, outputTangents[o], Lanes(outputs[o]), taken);
            string start = CompanionEmitter.Unique("start", taken), lane = CompanionEmitter.Unique("lane", taken), column = CompanionEmitter.Unique("column", taken);
            string row = CompanionEmitter.Unique("outputRow", taken), r = CompanionEmitter.Unique("r", taken);
            string lanes = "for (int " + lane + " = 0; " + lane + " < " + VectorCompanions.Lanes + " && " + start + " + " + lane + " < " + n + "; " + lane + "++)";
            w.Open("for (int " + start + " = 0; " + start + " < " + n + "; " + start + " += " + VectorCompanions.Lanes + ")");
            foreach (var t in tangents) w.Line(t + ".Clear();");
            // Lane l seeds column start + l: the coordinate of the input that column belongs to.
            w.Open(lanes);
            w.Line("int " + column + " = " + start + " + " + lane + ";");
            for (int i = 0; i < active.Count; i++)
            {
                string condition = i == 0 ? column + " < " + Length(active[i]) : "(" + column + " -= " + Length(active[i - 1]) + ") < " + Length(active[i]);
                string target = Companions.IsSequence(active[i]) ? tangents[i] + "[" + lane + " * " + Length(active[i]) + " + " + column + "]" : tangents[i] + "[" + lane + "]";
                w.Line((i == 0 ? "if (" : "else if (") + condition + ") " + target + " = 1;");
            }
            w.Close();
            w.Line(CompanionEmitter.Own(model, "JvpBatch") + "(" + string.Join(", ", CompanionEmitter.Arguments(model).Concat(tangents).Concat(outputTangents)) + ");");
            w.Open(lanes);
            w.Line("int " + row + " = 0;");
            for (int o = 0; o < outputs.Count; o++)
            {
                w.Line("for (int " + r + " = 0; " + r + " < " + Length(outputs[o]) + "; " + r + "++) " + jacobian + "[(" + row + "++) * " + n + " + " + start + " + " + lane + "] = " +
                    outputTangents[o] + "[" + lane + " * " + Length(outputs[o]) + " + " + r + "];");
            }
            w.Close();
            w.Close();
        }

        /// <summary>
        /// The Jacobian from one Jvp per color of a <c>JacobianColoring</c>: the sweep of a color seeds every column of
        /// that color at once, and the coloring scatters the output tangents into the pattern's entries of those columns.
        /// Entries outside the pattern are zero. The outputs are computed too.
        /// </summary>
        public static void WriteColoredJacobian(SourceWriter w, MethodModel model, bool batched)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var outputs = Outputs(model);
            string jacobian = CompanionEmitter.Unique("jacobian", taken);
            string coloring = CompanionEmitter.Unique("coloring", taken);
            string element = outputs[0].Type.ElementDisplay;
            CompanionEmitter.Header(w, model, "Jacobian",
                CompanionEmitter.Originals(model).Concat(new[] { "global::System.Span<" + element + "> " + jacobian, "global::AutoDiff.JacobianColoring " + coloring }),
                "Computes " + model.Name + "(…) and writes its sparse Jacobian, row-major, with one forward sweep per color of " + coloring +
                ": the entries in its pattern are computed, the others are zero.");
            string Name(ParameterModel p) => Identifiers.Escape(p.Name);
            w.Line("if (" + coloring + " is null) throw new global::System.ArgumentNullException(" + CompanionEmitter.NameOf(coloring) + ");");
            Checks(w, model);
            var (n, m) = Dimensions(w, active, outputs, jacobian, taken);
            w.Line(coloring + ".CheckShape(" + m + ", " + n + ");");
            string originals = string.Join(", ", CompanionEmitter.Arguments(model));
            var tangents = active.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            if (batched)
            {
                BatchedColors(w, model, active, outputs, tangents, jacobian, coloring, m, taken);
                w.Close();
                return;
            }
            for (int i = 0; i < active.Count; i++)
            {
                if (Companions.IsSequence(active[i])) Scratch(w, active[i].Type.ElementDisplay, tangents[i], Name(active[i]) + ".Length", taken);
                else w.Line(active[i].Type.Display + " " + tangents[i] + " = 0;");
            }
            // The output tangents of a sweep, concatenated: one compressed column per color.
            string compressed = CompanionEmitter.Unique("compressed", taken);
            Scratch(w, element, compressed, m, taken);
            var outputTangents = new List<string>();
            string offset = "0";
            foreach (var output in outputs)
            {
                string tangent = CompanionEmitter.Unique(output.Name + Forward.TangentSuffix, taken);
                w.Line("global::System.Span<" + element + "> " + tangent + " = " + compressed + ".Slice(" + offset + ", " + Name(output) + ".Length);");
                outputTangents.Add(tangent);
                offset = offset == "0" ? Name(output) + ".Length" : offset + " + " + Name(output) + ".Length";
            }
            // A method that may throw clears the Jacobian after its first sweep, so a throw leaves it as it was.
            bool mayThrow = model.Primal!.Body.Any(OpInfo.MayThrow);
            if (!mayThrow) w.Line(jacobian + ".Clear();");
            string color = CompanionEmitter.Unique("color", taken), column = CompanionEmitter.Unique("column", taken);
            w.Open("for (int " + color + " = 0; " + color + " < " + coloring + ".ColorCount; " + color + "++)");
            w.Line("int " + column + " = 0;");
            for (int i = 0; i < active.Count; i++)
            {
                if (Companions.IsSequence(active[i]))
                {
                    w.Line(coloring + ".Seed(" + color + ", " + tangents[i] + ", " + column + ");");
                    w.Line(column + " += " + Name(active[i]) + ".Length;");
                }
                else
                {
                    w.Line(tangents[i] + " = " + coloring + ".ColorOf(" + column + "++) == " + color + " ? 1 : 0;");
                }
            }
            w.Line(CompanionEmitter.Own(model, "Jvp") + "(" + originals + ", " + string.Join(", ", tangents.Concat(outputTangents)) + ");");
            if (mayThrow) w.Line("if (" + color + " == 0) " + jacobian + ".Clear();");
            w.Line(coloring + ".Scatter(" + color + ", " + compressed + ", " + jacobian + ");");
            w.Close();
            // A Jacobian with no nonzero still computes the outputs.
            string outputsOnly = CompanionEmitter.Own(model, "Jvp") + "(" + originals + ", " + string.Join(", ", tangents.Concat(outputTangents)) + ");";
            w.Line("if (" + coloring + ".ColorCount == 0) " + (mayThrow ? "{ " + outputsOnly + " " + jacobian + ".Clear(); }" : outputsOnly));
            w.Close();
        }

        /// <summary>
        /// The colored Jacobian from <c>MJvpBatch</c> sweeps: lane l of a sweep seeds color first + l (a color past the last
        /// seeds nothing), and each lane's output tangents, gathered into one compressed column, are scattered by the coloring.
        /// </summary>
        private static void BatchedColors(SourceWriter w, MethodModel model, List<ParameterModel> active, List<ParameterModel> outputs, List<string> tangents, string jacobian, string coloring, string m, HashSet<string> taken)
        {
            string Length(ParameterModel p) => Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1";
            string Lanes(ParameterModel p) => Companions.IsSequence(p) ? VectorCompanions.Lanes + " * " + Length(p) : VectorCompanions.Lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string element = outputs[0].Type.ElementDisplay;
            for (int i = 0; i < active.Count; i++) Scratch(w, Element(active[i]), tangents[i], Lanes(active[i]), taken);
            var outputTangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            for (int o = 0; o < outputs.Count; o++) Scratch(w, element, outputTangents[o], Lanes(outputs[o]), taken);
            string compressed = CompanionEmitter.Unique("compressed", taken);
            if (outputs.Count > 1) Scratch(w, element, compressed, m, taken);
            string call = CompanionEmitter.Own(model, "JvpBatch") + "(" + string.Join(", ", CompanionEmitter.Arguments(model).Concat(tangents).Concat(outputTangents)) + ");";
            // A method that may throw clears the Jacobian after its first sweep, so a throw leaves it as it was.
            bool mayThrow = model.Primal!.Body.Any(OpInfo.MayThrow);
            if (!mayThrow) w.Line(jacobian + ".Clear();");
            string first = CompanionEmitter.Unique("first", taken), lane = CompanionEmitter.Unique("lane", taken), column = CompanionEmitter.Unique("column", taken);
            w.Open("for (int " + first + " = 0; " + first + " < " + coloring + ".ColorCount; " + first + " += " + VectorCompanions.Lanes + ")");
            w.Open("for (int " + lane + " = 0; " + lane + " < " + VectorCompanions.Lanes + "; " + lane + "++)");
            w.Line("int " + column + " = 0;");
            for (int i = 0; i < active.Count; i++)
            {
                if (Companions.IsSequence(active[i]))
                {
                    w.Line(coloring + ".Seed(" + first + " + " + lane + ", " + tangents[i] + ".Slice(" + lane + " * " + Length(active[i]) + ", " + Length(active[i]) + "), " + column + ");");
                    w.Line(column + " += " + Length(active[i]) + ";");
                }
                else
                {
                    w.Line(tangents[i] + "[" + lane + "] = " + coloring + ".ColorOf(" + column + "++) == " + first + " + " + lane + " ? 1 : 0;");
                }
            }
            w.Close();
            w.Line(call);
            if (mayThrow) w.Line("if (" + first + " == 0) " + jacobian + ".Clear();");
            w.Open("for (int " + lane + " = 0; " + lane + " < " + VectorCompanions.Lanes + " && " + first + " + " + lane + " < " + coloring + ".ColorCount; " + lane + "++)");
            if (outputs.Count == 1)
            {
                w.Line(coloring + ".Scatter(" + first + " + " + lane + ", " + outputTangents[0] + ".Slice(" + lane + " * " + m + ", " + m + "), " + jacobian + ");");
            }
            else
            {
                string offset = "0";
                for (int o = 0; o < outputs.Count; o++)
                {
                    w.Line(outputTangents[o] + ".Slice(" + lane + " * " + Length(outputs[o]) + ", " + Length(outputs[o]) + ").CopyTo(" + compressed + ".Slice(" + offset + "));");
                    offset = offset == "0" ? Length(outputs[o]) : offset + " + " + Length(outputs[o]);
                }
                w.Line(coloring + ".Scatter(" + first + " + " + lane + ", " + compressed + ", " + jacobian + ");");
            }
            w.Close();
            w.Close();
            // A Jacobian with no nonzero still computes the outputs.
            w.Line("if (" + coloring + ".ColorCount == 0) " + (mayThrow ? "{ " + call + " " + jacobian + ".Clear(); }" : call));
        }

        /// <summary>Declares n (total active input length) and m (total output length) and checks the Jacobian's length; returns their names.</summary>
        private static (string Columns, string Rows) Dimensions(SourceWriter w, List<ParameterModel> active, List<ParameterModel> outputs, string jacobian, HashSet<string> taken)
        {
            string n = CompanionEmitter.Unique("columns", taken), m = CompanionEmitter.Unique("rows", taken);
            w.Line("int " + n + " = " + string.Join(" + ", active.Select(p => Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1")) + ";");
            w.Line("int " + m + " = " + string.Join(" + ", outputs.Select(p => Identifiers.Escape(p.Name) + ".Length")) + ";");
            w.Line("if (" + jacobian + ".Length != " + m + " * " + n + ") throw new global::System.ArgumentException(\"" + jacobian + " must have (total output length) × (total input length) elements.\", " + CompanionEmitter.NameOf(jacobian) + ");");
            return (n, m);
        }

        private static string ScatterColumn(List<ParameterModel> outputs, List<string> outputTangents, string jacobian, string n, string column, string row, string r)
        {
            var parts = new List<string> { "int " + row + " = 0;" };
            for (int o = 0; o < outputs.Count; o++)
            {
                parts.Add("for (int " + r + " = 0; " + r + " < " + outputTangents[o] + ".Length; " + r + "++) " + jacobian + "[(" + row + "++) * " + n + " + " + column + "] = " + outputTangents[o] + "[" + r + "];");
            }
            parts.Add(column + "++;");
            return "{ " + string.Join(" ", parts) + " }";
        }

        /// <summary>
        /// Buffers of at most this many elements live on the stack (<c>stackalloc</c>); longer ones are rented from the pool.
        /// 128 doubles is 1 KB: a few such buffers per companion leave the stack alone, and a small Jacobian's sweeps
        /// then cost what the direct Jvp/Vjp calls cost.
        /// </summary>
        internal const int StackLimit = 128;

        /// <summary>A zeroed span named <paramref name="name"/>: on the stack when short, else pooled and returned when the method ends.</summary>
        internal static void Scratch(SourceWriter w, string element, string name, string length, HashSet<string> taken) =>
            SmallBuffer(w, element, CompanionEmitter.Unique(name + "Owner", taken), name, length, null);

        /// <summary>
        /// Declares span <paramref name="name"/> of <paramref name="length"/> elements, stack-allocated up to <see cref="StackLimit"/>
        /// (a statement outside any loop), else rented through <paramref name="owner"/>: zeroed, or a copy of <paramref name="copyOf"/>.
        /// <paramref name="length"/> is evaluated more than once, so it must be a plain name or member access.
        /// </summary>
        internal static void SmallBuffer(SourceWriter w, string element, string owner, string name, string length, string? copyOf)
        {
            w.Line("using var " + owner + " = global::AutoDiff.Scratch<" + element + ">.Above(" + length + ", " + StackLimit + ");");
            w.Line("global::System.Span<" + element + "> " + name + " = " + owner + ".Rented ? " + owner + ".Span : stackalloc " + element + "[" + length + "];");
            w.Line(copyOf != null ? copyOf + ".CopyTo(" + name + ");" : name + ".Clear();");
        }

        /// <summary>The number type of a scalar or of a sequence's elements.</summary>
        private static string Element(ParameterModel p) => Companions.IsSequence(p) ? p.Type.ElementDisplay : p.Type.Display;

        private static List<ParameterModel> Outputs(MethodModel model) => model.Parameters.Where(p => p.IsOutput).ToList();

        /// <summary>The names forward-mode companions (<c>MJvp</c>, <c>MJvpBatch</c>) give their tangent parameters, and the names they take.</summary>
        private static (HashSet<string> Taken, List<ParameterModel> Active, List<ParameterModel> Outputs, List<string> Tangents, List<string> OutputTangents) ForwardNames(MethodModel model)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var outputs = Outputs(model);
            var tangents = active.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            var outputTangents = outputs.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            return (taken, active, outputs, tangents, outputTangents);
        }

        /// <summary>Inputs and outputs must not share memory: the derivative would read what the method overwrote.</summary>
        private static void Checks(SourceWriter w, MethodModel model)
        {
            foreach (var output in Outputs(model))
            {
                foreach (var input in model.Parameters.Where(p => p.IsActive && Companions.IsSequence(p) && p.Type.Element == output.Type.Element))
                {
                    // (An array of structs is compared as its numbers.)
                    string Numbers(ParameterModel p) => p.Array != null ? CompanionEmitter.Cast(p, Identifiers.Escape(p.Name), primal: true) : Identifiers.Escape(p.Name);
                    w.Line("if (global::System.MemoryExtensions.Overlaps<" + input.Type.ElementDisplay + ">(" + Numbers(input) + ", " + Numbers(output) +
                        ")) throw new global::System.ArgumentException(\"" + output.Name + " overlaps the input " + input.Name + ".\", " + CompanionEmitter.NameOf(output.Name) + ");");
                }
            }
        }
    }
}

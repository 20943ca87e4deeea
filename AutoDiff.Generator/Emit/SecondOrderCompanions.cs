using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;

namespace AutoDiff.Generator.Emit
{
    /// <summary>
    /// Second derivatives of a scalar-valued method, by composing the transforms: the Hessian-vector
    /// product is forward mode applied to the reverse sweep (forward-over-reverse), so H·v costs a small
    /// multiple of one gradient whatever the number of inputs; <c>MHessian</c> runs one Hvp per input
    /// coordinate.
    /// </summary>
    public static class SecondOrderCompanions
    {
        /// <summary>
        /// The Hvp function: the gradient function (the Vjp with seed 1 and zero incoming adjoints) under forward
        /// mode along v, keeping the value and the tangents of the gradient. Its parameters are the method's,
        /// then the gradient span of each array parameter (scratch), then v per active parameter, then the
        /// tangent of each gradient span (H·v for that array); its results are the value and H·v for each
        /// scalar active parameter.
        /// </summary>
        public static IrFunction Build(MethodModel model, IrFunction gradient, Pipeline pipeline, System.Action<IReadOnlyList<int>> writtenSpans)
        {
            var active = Companions.ActiveIndices(model);
            int originals = model.Parameters.Count;
            int spans = active.Count(i => Companions.IsSequence(model.Parameters[i]));
            var accumulated = Enumerable.Range(originals, spans).ToArray();
            var forward = new Pass("forward-over-reverse", f => Forward.TransformAll(f, active, accumulated, model.Name + "Hvp", pipeline.CancellationToken));
            var keep = new Pass("keep-hvp-results", all =>
            {
                // Results of the transform: value, scalar gradients, then a tangent for each of those.
                int scalars = active.Count - spans;
                var results = new List<IrResult> { all.Results[0] };
                for (int k = 0; k < scalars; k++) results.Add(all.Results[2 + scalars + k]);
                // The gradient spans are scratch nobody reads: what is added into them is dropped.
                var scratch = new HashSet<int>(accumulated.Select(i => all.Params[i].Id));
                return all with { Results = results.ToEquatableArray(), Body = DropAddsInto(all.Body, scratch) };
            });
            // The H·v spans are the Hvp's last parameters, one per array parameter.
            var overwrite = pipeline.Overwrite(f => Enumerable.Range(f.Params.Count - spans, spans).ToList(), writtenSpans);
            return pipeline.Run(gradient, forward, keep, pipeline.DeadCode(), overwrite);
        }

        /// <summary>
        /// The tangent of the Vjp, for callers' second derivatives: forward mode over the Vjp function along the
        /// tangents of the active parameters, the seed and the incoming scalar adjoints, with each adjoint span
        /// accumulated. Its results are the value, the scalar adjoints and their tangents (the value's tangent is
        /// dropped: a caller's forward sweep gets it from the Jvp).
        /// </summary>
        public static IrFunction BuildVjpTangent(MethodModel model, IrFunction vjp, Pipeline pipeline)
        {
            var active = Companions.ActiveIndices(model);
            int seed = model.Parameters.Count;
            var adjoints = Enumerable.Range(0, active.Count).Select(k => seed + 1 + k).ToList();
            var scalarAdjoints = adjoints.Where((_, k) => !Companions.IsSequence(model.Parameters[active[k]])).ToList();
            var spanAdjoints = adjoints.Where((_, k) => Companions.IsSequence(model.Parameters[active[k]])).ToList();
            int scalars = scalarAdjoints.Count;
            var forward = new Pass("forward-over-reverse", f => Forward.TransformAll(f, active.Concat(new[] { seed }).Concat(scalarAdjoints).ToArray(), spanAdjoints, model.Name + "VjpTangent", pipeline.CancellationToken));
            var keep = new Pass("keep-vjp-tangent-results", all => all with { Results = all.Results.Take(1 + scalars).Concat(all.Results.Skip(2 + scalars).Take(scalars)).ToEquatableArray() });
            return pipeline.Run(vjp, forward, keep, pipeline.DeadCode());
        }

        /// <summary>
        /// The tangent of a [Differentiable] Vjp-shaped [DerivativeOf] rule (<see cref="MethodModel.PullbackSeed"/>): forward mode
        /// over the rule's own body along its target's active parameters and the seed, each adjoint span (an output the rule
        /// adds into) accumulated into its tangent span. That is the <c>VjpTangent</c> contract, so a caller's H·v calls it where
        /// its gradient calls the rule (<see cref="Derivatives.CallRules.VjpTangent"/> names it <c>rule + "Tangent"</c>). Its
        /// result is the value alone: the rule's adjoints are spans.
        /// </summary>
        public static IrFunction BuildPullbackTangent(MethodModel model, IrFunction primal, Pipeline pipeline)
        {
            var refs = Enumerable.Range(0, model.Parameters.Count).Where(i => model.Parameters[i].IsRef).ToList();
            var active = Companions.ActiveIndices(model).Concat(refs).ToList();
            var outputs = Enumerable.Range(0, model.Parameters.Count).Where(i => model.Parameters[i].IsOutput).ToArray();
            var forward = new Pass("forward-over-pullback", f => Forward.TransformAll(f, active, outputs, model.Name + "Tangent", pipeline.CancellationToken));
            // Results of the transform: the value, the ref adjoints' final values, then a tangent for each; the value's tangent is dropped.
            var keep = new Pass("keep-pullback-results", all => all with { Results = all.Results.Take(1 + refs.Count).Concat(all.Results.Skip(2 + refs.Count).Take(refs.Count)).ToEquatableArray() });
            return pipeline.Run(primal, forward, keep, pipeline.Simplify());
        }

        /// <summary>
        /// <c>R RuleTangent(p…, R seed, adjoints…, tangents…, R seedDot, adjoint tangents…)</c> for a [Differentiable] Vjp rule
        /// <c>R Rule(p…, R seed, adjoints…)</c>: the caller-facing shape of <see cref="BuildPullbackTangent"/>, the same as a
        /// [Differentiable] method's <c>VjpTangent</c>. Hidden from IntelliSense and no more visible than internal.
        /// </summary>
        internal static void WritePullbackTangent(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            var outputs = model.Parameters.Where(p => p.IsOutput).ToList();
            var refs = model.Parameters.Where(p => p.IsRef).ToList();
            var tangents = active.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            // The adjoints' tangents, in the adjoints' order (the VjpTangent contract): a span or a ref scalar each.
            var adjoints = model.Parameters.Skip(model.PullbackSeed + 1).ToList();
            var adjointTangents = adjoints.ToDictionary(p => p, p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken));
            var signature = CompanionEmitter.Originals(model).Select((text, i) => model.Parameters[i].IsRef ? "ref " + text : text)
                .Concat(active.Select((p, k) => (Companions.IsSequence(p) ? CompanionEmitter.ReadOnlySpanOf(p) : p.Type.Display) + " " + tangents[k]))
                .Concat(adjoints.Select(p => (p.IsRef ? "ref " + p.Type.Display : CompanionEmitter.SpanOf(p)) + " " + adjointTangents[p]));
            string accessibility = model.Accessibility.Contains("private") ? model.Accessibility : "internal";
            CompanionEmitter.Header(w, model, "Tangent", signature,
                "For second derivatives through the rule: does what " + model.Name + " does, and adds its tangent along the tangents of " + CompanionEmitter.Names(model) +
                " into the matching adjoint tangent (forward mode over " + model.Name + ").", accessibility);
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) CompanionEmitter.LengthCheck(w, tangents[k], active[k], model);
            }
            foreach (var p in outputs) CompanionEmitter.LengthCheck(w, adjointTangents[p], p, model);
            // The IR's parameters: the rule's, then a tangent per active parameter and ref adjoint, then per adjoint span (BuildPullbackTangent).
            var names = CompanionEmitter.ParameterNames(model).Concat(tangents).Concat(refs.Select(p => adjointTangents[p])).Concat(outputs.Select(p => adjointTangents[p])).ToList();
            var targets = new List<ResultTarget> { ResultTarget.Return };
            targets.AddRange(refs.Select(p => ResultTarget.Assign(Identifiers.Escape(p.Name))));
            targets.AddRange(refs.Select(p => ResultTarget.Assign(adjointTangents[p])));
            BodyEmitter.Emit(w, function, names, taken, targets, "value", cancellationToken);
            w.Close();
        }

        /// <summary>
        /// <c>R MVjpTangent(p…, R seed, adjoints…, tangents…, R seedDot, adjoint tangents…)</c>: what a caller's Hvp
        /// calls in place of <c>MVjp</c>. It adds seed·∇M into the adjoints, as MVjp does, and the tangent of that,
        /// seedDot·∇M + seed·H·ṗ, into the adjoint tangents (ref scalars and spans, in active-parameter order).
        /// Hidden from IntelliSense and no more visible than internal: it is plumbing, not API.
        /// </summary>
        internal static void WriteVjpTangent(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            string seed = CompanionEmitter.Unique("seed", taken);
            var adjoints = active.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix, taken)).ToList();
            var tangents = active.Select(p => CompanionEmitter.Unique(p.Name + Forward.TangentSuffix, taken)).ToList();
            string seedDot = CompanionEmitter.Unique("seed" + Forward.TangentSuffix, taken);
            var adjointTangents = active.Select(p => CompanionEmitter.Unique(p.Name + Reverse.AdjointSuffix + Forward.TangentSuffix, taken)).ToList();
            string Adjoint(ParameterModel p, string name) => Companions.IsSequence(p) ? CompanionEmitter.SpanOf(p) + " " + name : "ref " + p.Type.Display + " " + name;
            var signature = CompanionEmitter.Originals(model)
                .Concat(new[] { model.ReturnType.Display + " " + seed })
                .Concat(active.Select((p, k) => Adjoint(p, adjoints[k])))
                .Concat(active.Select((p, k) => (Companions.IsSequence(p) ? CompanionEmitter.ReadOnlySpanOf(p) : p.Type.Display) + " " + tangents[k]))
                .Concat(new[] { model.ReturnType.Display + " " + seedDot })
                .Concat(active.Select((p, k) => Adjoint(p, adjointTangents[k])));
            string accessibility = model.Accessibility.Contains("private") ? model.Accessibility : "internal";
            CompanionEmitter.Header(w, model, "VjpTangent", signature,
                "For second derivatives through calls: does what " + model.Name + "Vjp does, and adds its tangent along the tangents of " + CompanionEmitter.Names(model) +
                " and of the seed (seedDot × gradient + seed × H·tangent) into the matching adjoint tangent.", accessibility);
            for (int k = 0; k < active.Count; k++)
            {
                if (!Companions.IsSequence(active[k])) continue;
                CompanionEmitter.LengthCheck(w, adjoints[k], active[k], model);
                CompanionEmitter.LengthCheck(w, tangents[k], active[k], model);
                CompanionEmitter.LengthCheck(w, adjointTangents[k], active[k], model);
            }
            var scalar = Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).ToList();
            var sequence = Enumerable.Range(0, active.Count).Where(k => Companions.IsSequence(active[k])).ToList();
            var names = CompanionEmitter.ParameterNames(model).Concat(new[] { seed }).Concat(adjoints).Concat(tangents).Concat(new[] { seedDot })
                .Concat(scalar.Select(k => adjointTangents[k])).Concat(sequence.Select(k => adjointTangents[k])).ToList();
            var targets = new List<ResultTarget> { ResultTarget.Return };
            targets.AddRange(scalar.Select(k => ResultTarget.Assign(adjoints[k])));
            targets.AddRange(scalar.Select(k => ResultTarget.Assign(adjointTangents[k])));
            BodyEmitter.Emit(w, function, names, taken, targets, "value", cancellationToken);
            w.Close();
        }

        private static EquatableArray<Instr> DropAddsInto(EquatableArray<Instr> body, HashSet<int> spans) =>
            body.Where(i => !(i.Op == Op.AddTo && spans.Contains(i.Args[0])))
                .Select(i => i.HasRegions ? i with { Regions = i.Regions.Select(r => r with { Body = DropAddsInto(r.Body, spans) }).ToEquatableArray() } : i)
                .ToEquatableArray();

        internal static void WriteHvp(SourceWriter w, MethodModel model, IrFunction function, IReadOnlyList<int> writtenSpans, CancellationToken cancellationToken)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            // A struct parameter's direction and H·v are structs too (StructBoundary).
            var directionBoundary = StructBoundary.For(model, active, n => "v" + Capitalized(n), taken, StructBoundary.Kind.In,
                (p, name) => (Companions.IsSequence(p) ? CompanionEmitter.ReadOnlySpanOf(p) : p.Type.Display) + " " + name);
            var productBoundary = StructBoundary.For(model, active, n => "hv" + Capitalized(n), taken, StructBoundary.Kind.Out,
                (p, name) => (Companions.IsSequence(p) ? CompanionEmitter.SpanOf(p) : "out " + p.Type.Display) + " " + name);
            var directions = directionBoundary.Names;
            var products = productBoundary.Names;
            var signature = CompanionEmitter.Originals(model).Concat(directionBoundary.Parameters).Concat(productBoundary.Parameters);
            CompanionEmitter.Header(w, model, "Hvp", signature,
                "Returns " + model.Name + "(…) and writes H·v, the Hessian over " + CompanionEmitter.Names(model) +
                " (arrays contribute their elements, in parameter order) times the direction v, computed by forward mode over the reverse sweep." +
                (active.Any(Companions.IsSequence) ? " Spans must have the length of their parameter; hv spans are overwritten." : ""));
            var gradients = new List<string>();
            int product = function.Params.Count - active.Count(Companions.IsSequence); // the H·v spans come last
            var clears = new List<(int, string)>();
            for (int k = 0; k < active.Count; k++)
            {
                if (!Companions.IsSequence(active[k])) continue;
                CompanionEmitter.LengthCheck(w, directions[k], active[k], model);
                CompanionEmitter.LengthCheck(w, products[k], active[k], model);
                if (!writtenSpans.Contains(product)) CompanionEmitter.ClearOrDefer(w, function, clears, product, CompanionEmitter.Clear(active[k], products[k]));
                product++;
            }
            CompanionEmitter.FlatViews(w, model);
            for (int k = 0; k < active.Count; k++)
            {
                if (!Companions.IsSequence(active[k])) continue;
                // The gradient itself is an intermediate here: a pooled scratch span, when anything reads it.
                string name = CompanionEmitter.Unique("g" + Capitalized(active[k].Name), taken);
                int id = function.Params[model.Parameters.Count + gradients.Count].Id;
                string length = (active[k].Array != null ? CompanionEmitter.FlatName(active[k]) : Identifiers.Escape(active[k].Name)) + ".Length";
                if (IrWalk.Reads(function.Body, id) && active[k].Type.Rank == 2) w.Line("var " + name + " = global::AutoDiff.Shapes.Like(" + Identifiers.Escape(active[k].Name) + ");");
                else if (IrWalk.Reads(function.Body, id)) VectorCompanions.Scratch(w, active[k].Type.ElementDisplay, name, length, taken);
                gradients.Add(name);
            }
            foreach (var line in directionBoundary.Prologue) w.Line(line);
            foreach (var line in productBoundary.Prologue) w.Line(line);
            var names = CompanionEmitter.ParameterNames(model).Concat(gradients).Concat(directionBoundary.Body)
                .Concat(Enumerable.Range(0, active.Count).Where(k => Companions.IsSequence(active[k])).Select(k => productBoundary.Body[k])).ToList();
            var targets = new List<ResultTarget> { ResultTarget.Return };
            targets.AddRange(Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).Select(k => ResultTarget.Assign(products[k])));
            BodyEmitter.Emit(w, function, names, products.Concat(taken), targets, "value", cancellationToken, clears, productBoundary.Epilogue);
            w.Close();
        }

        /// <summary>
        /// <c>R MHessian(p…, Span&lt;R&gt; hessian)</c>: one Hvp per unit direction gives one column; the result is
        /// then made exactly symmetric by averaging each pair of mirrored entries (they agree to rounding).
        /// </summary>
        public static void WriteHessian(SourceWriter w, MethodModel model)
        {
            var taken = CompanionEmitter.Taken(model);
            var active = CompanionEmitter.Active(model).ToList();
            string hessian = CompanionEmitter.Unique("hessian", taken);
            string element = model.ReturnType.Display;
            CompanionEmitter.Header(w, model, "Hessian", CompanionEmitter.Originals(model).Concat(new[] { "global::System.Span<" + element + "> " + hessian }),
                "Returns " + model.Name + "(…) and writes its full Hessian over " + CompanionEmitter.Names(model) +
                " (arrays contribute their elements, in parameter order): n×n, row-major, symmetric, from one Hvp per coordinate.");
            string n = CompanionEmitter.Unique("n", taken);
            string column = CompanionEmitter.Unique("column", taken);
            string row = CompanionEmitter.Unique("row", taken);
            string k = CompanionEmitter.Unique("k", taken);
            string value = CompanionEmitter.Unique("value", taken);
            string mean = CompanionEmitter.Unique("mean", taken);
            string direction = CompanionEmitter.Unique(k + "Direction", taken);
            // A struct parameter's direction is a struct (one unit leaf at a time) and its H·v an 'out' struct read leaf by leaf;
            // an array of structs' direction and H·v are scratch numbers viewed as structs (MemoryMarshal.Cast).
            var lengths = active.Select(p => p.Array != null ? Identifiers.Escape(p.Name) + ".Length * " + p.Array.Stride.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Companions.IsSequence(p) ? Identifiers.Escape(p.Name) + ".Length" : "1").ToList();
            w.Line("int " + n + " = " + string.Join(" + ", lengths) + ";");
            w.Line("if (" + hessian + ".Length != " + n + " * " + n + ") throw new global::System.ArgumentException(\"" + hessian + " must have n × n elements, n being the total length of the active parameters.\", " + CompanionEmitter.NameOf(hessian) + ");");
            var directions = new List<string>();
            var products = new List<string>();
            var directionArguments = new List<string>();
            var productArguments = new List<string>();
            var owners = new Dictionary<string, (string Direction, string Product)>();
            for (int i = 0; i < active.Count; i++)
            {
                var p = active[i];
                if (p.Part != null)
                {
                    if (!owners.TryGetValue(p.Part.Owner, out var names))
                    {
                        names = owners[p.Part.Owner] = (CompanionEmitter.Unique("v" + Capitalized(p.Part.Owner), taken), CompanionEmitter.Unique("hv" + Capitalized(p.Part.Owner), taken));
                        w.Line(p.Part.OwnerType + " " + names.Direction + " = default;");
                        w.Line(p.Part.OwnerType + " " + names.Product + ";");
                        directionArguments.Add(names.Direction);
                        productArguments.Add("out " + names.Product);
                    }
                    directions.Add(names.Direction);
                    products.Add(p.Part.On(names.Product));
                    continue;
                }
                string direction_ = CompanionEmitter.Unique("v" + Capitalized(p.Name), taken);
                string product_ = CompanionEmitter.Unique("hv" + Capitalized(p.Name), taken);
                directions.Add(direction_);
                products.Add(product_);
                if (Companions.IsSequence(p))
                {
                    VectorCompanions.Scratch(w, p.Type.ElementDisplay, direction_, lengths[i], taken);
                    VectorCompanions.Scratch(w, p.Type.ElementDisplay, product_, lengths[i], taken);
                    directionArguments.Add(p.Array != null ? Structs(p, direction_) : direction_);
                    productArguments.Add(p.Array != null ? Structs(p, product_) : product_);
                }
                else
                {
                    w.Line(p.Type.Display + " " + direction_ + " = " + Number(0, p.Type) + ";");
                    w.Line(p.Type.Display + " " + product_ + " = " + Number(0, p.Type) + ";");
                    directionArguments.Add(direction_);
                    productArguments.Add("out " + product_);
                }
            }
            w.Line(element + " " + value + " = " + (active.Count == 0 ? CompanionEmitter.Own(model, "") + "(" + string.Join(", ", CompanionEmitter.Arguments(model)) + ")" : "default") + ";");
            w.Line("int " + column + " = 0;");
            string call = value + " = " + CompanionEmitter.Own(model, "Hvp") + "(" + string.Join(", ", CompanionEmitter.Arguments(model).Concat(directionArguments).Concat(productArguments)) + ");";
            string scatter = Scatter(active, products, hessian, n, column, row, k, model.ReturnType);
            for (int i = 0; i < active.Count; i++)
            {
                if (Companions.IsSequence(active[i]))
                {
                    w.Open("for (int " + direction + " = 0; " + direction + " < " + directions[i] + ".Length; " + direction + "++)");
                    w.Line(directions[i] + "[" + direction + "] = " + Number(1, active[i].Type.ElementType) + ";");
                    w.Line(call);
                    w.Line(directions[i] + "[" + direction + "] = " + Number(0, active[i].Type.ElementType) + ";");
                    w.Line(scatter);
                    w.Close();
                }
                else if (active[i].Part is StructPart part)
                {
                    w.Line(Unit(model, part, directions[i], 1));
                    w.Line(call);
                    w.Line(Unit(model, part, directions[i], 0));
                    w.Line(scatter);
                }
                else
                {
                    w.Line(directions[i] + " = " + Number(1, active[i].Type) + ";");
                    w.Line(call);
                    w.Line(directions[i] + " = " + Number(0, active[i].Type) + ";");
                    w.Line(scatter);
                }
            }
            w.Open("for (int " + row + " = 0; " + row + " < " + n + "; " + row + "++)");
            w.Open("for (" + column + " = " + row + " + 1; " + column + " < " + n + "; " + column + "++)");
            string pair = "(" + hessian + "[" + row + " * " + n + " + " + column + "] + " + hessian + "[" + column + " * " + n + " + " + row + "])";
            w.Line(element + " " + mean + " = " + (model.ReturnType.Kind == ValueKind.FloatingParameter ? Literals.Format(0.5, model.ReturnType) + " * " + pair : "(" + element + ")(0.5 * " + pair + ")") + ";");
            w.Line(hessian + "[" + row + " * " + n + " + " + column + "] = " + mean + ";");
            w.Line(hessian + "[" + column + " * " + n + " + " + row + "] = " + mean + ";");
            w.Close();
            w.Close();
            w.Line("return " + value + ";");
            w.Close();
        }

        /// <summary>Scratch numbers viewed as the structs of an array of structs (<c>MemoryMarshal.Cast&lt;double, P&gt;</c>).</summary>
        private static string Structs(ParameterModel p, string numbers) =>
            "global::System.Runtime.InteropServices.MemoryMarshal.Cast<" + p.Type.ElementDisplay + ", " + p.Array!.Element + ">(" + numbers + ")";

        /// <summary>
        /// Sets one leaf of a struct direction to <paramref name="value"/> (<c>vP.X = 1;</c>), or, for a type whose leaves cannot be
        /// assigned, makes the direction again through its constructor with that leaf <paramref name="value"/> and the others 0.
        /// </summary>
        private static string Unit(MethodModel model, StructPart part, string direction, int value)
        {
            string number = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (part.Assignable) return direction + part.Path + " = " + number + ";";
            var leaves = model.Parameters.Where(q => q.Part != null && q.Part.Owner == part.Owner).OrderBy(q => q.Part!.Leaf)
                .Select(q => q.Part!.Leaf == part.Leaf ? number : q.Type.IsFloating ? "0" : "default").Cast<object>().ToArray();
            return direction + " = " + string.Format(System.Globalization.CultureInfo.InvariantCulture, part.Build, leaves) + ";";
        }

        /// <summary>Writes the last Hvp into column <paramref name="column"/> and advances it.</summary>
        private static string Scatter(List<ParameterModel> active, List<string> products, string hessian, string n, string column, string row, string k, TypeRef returnType)
        {
            var parts = new List<string> { "int " + row + " = 0;" };
            for (int i = 0; i < active.Count; i++)
            {
                parts.Add(Companions.IsSequence(active[i])
                    ? "for (int " + k + " = 0; " + k + " < " + products[i] + ".Length; " + k + "++) " + hessian + "[(" + row + "++) * " + n + " + " + column + "] = " + Cast(returnType, active[i].Type.ElementType, products[i] + "[" + k + "]") + ";"
                    : hessian + "[(" + row + "++) * " + n + " + " + column + "] = " + Cast(returnType, active[i].Type, products[i]) + ";");
            }
            parts.Add(column + "++;");
            return "{ " + string.Join(" ", parts) + " }";
        }

        /// <summary>0 or 1 as a value of <paramref name="type"/>: the literal, which converts implicitly, or <c>T.Zero</c> for a type parameter.</summary>
        private static string Number(int value, TypeRef type) => type.Kind == ValueKind.FloatingParameter ? Literals.Format(value, type) : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary><c>(double)v</c>; a type parameter has no casts from other types: <c>T.CreateChecked(v)</c>.</summary>
        private static string Cast(TypeRef element, TypeRef from, string value) =>
            element.Display != from.Display && (element.Kind == ValueKind.FloatingParameter || from.Kind == ValueKind.FloatingParameter)
                ? element.Display + ".CreateChecked(" + value + ")"
                : "(" + element.Display + ")" + value;

        private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);
    }
}

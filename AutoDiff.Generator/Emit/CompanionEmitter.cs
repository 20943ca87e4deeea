using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;

namespace AutoDiff.Generator.Emit
{
    /// <summary>The derivative functions of one method, ready to emit.</summary>
    public sealed record Companions(IrFunction? Gradient, IrFunction Vjp, IrFunction Jvp, IrFunction? Hvp = null, IrFunction? VjpTangent = null)
    {
        /// <summary>The Gradient's span parameters (by index) that its body writes in full, so that need no clearing first (<see cref="Overwrite"/>).</summary>
        public IReadOnlyList<int> WrittenSpans { get; init; } = System.Array.Empty<int>();

        /// <summary>The same for the Hvp's H·v spans.</summary>
        public IReadOnlyList<int> WrittenHvpSpans { get; init; } = System.Array.Empty<int>();

        /// <summary>The options the companions were built with.</summary>
        public PassOptions Options { get; init; } = PassOptions.Default;

        /// <summary>Each pass that ran, as <c>function: pass</c>, in order (<see cref="Pipeline.Trace"/>).</summary>
        public IReadOnlyList<string> Trace { get; init; } = System.Array.Empty<string>();

        public static Companions Build(MethodModel model, CancellationToken cancellationToken) => Build(model, PassOptions.Default, cancellationToken);

        /// <summary>
        /// Runs the passes of each companion (DEVELOPERS.md, "Pipeline"): Jvp is forward mode, Vjp reverse mode, each then
        /// simplified; Gradient is the Vjp specialised to seed 1 and zero incoming adjoints, then overwriting its spans; the
        /// second-order companions are forward mode over those (<see cref="SecondOrderCompanions"/>).
        /// </summary>
        public static Companions Build(MethodModel model, PassOptions options, CancellationToken cancellationToken)
        {
            var built = new Dictionary<CompanionKind, IrFunction>();
            IReadOnlyList<int> writtenSpans = System.Array.Empty<int>(), writtenHvpSpans = System.Array.Empty<int>();
            var trace = BuildEach(model, options, cancellationToken, (kind, function, written) =>
            {
                built[kind] = function;
                if (kind == CompanionKind.Gradient) writtenSpans = written;
                if (kind == CompanionKind.Hvp) writtenHvpSpans = written;
            });
            return new Companions(Get(CompanionKind.Gradient), Get(CompanionKind.Vjp)!, Get(CompanionKind.Jvp)!, Get(CompanionKind.Hvp), Get(CompanionKind.VjpTangent))
            {
                WrittenSpans = writtenSpans, WrittenHvpSpans = writtenHvpSpans, Options = options, Trace = trace,
            };

            IrFunction? Get(CompanionKind kind) => built.TryGetValue(kind, out var function) ? function : null;
        }

        /// <summary>A companion once final (its tapes reserved): its kind, its function and the spans it writes in full (<see cref="Overwrite"/>).</summary>
        internal delegate void Ready(CompanionKind kind, IrFunction function, IReadOnlyList<int> writtenSpans);

        /// <summary>
        /// Runs the passes of each companion (DEVELOPERS.md, "Pipeline"), handing each to <paramref name="ready"/> as soon
        /// as it is final and keeping none, so that the emitter can write it and drop it: a long method's companions are
        /// not all alive at once. Returns the trace (<see cref="Pipeline.Trace"/>).
        /// </summary>
        internal static IReadOnlyList<string> BuildEach(MethodModel model, PassOptions options, CancellationToken cancellationToken, Ready ready)
        {
            var pipeline = new Pipeline(options, cancellationToken);
            var primal = pipeline.Run(pipeline.Input("frontend", model.Primal!), pipeline.MergeReads());
            var active = ActiveIndices(model);
            var none = System.Array.Empty<int>();
            if (model.PullbackSeed >= 0)
            {
                // A [Differentiable] Vjp rule: only its tangent, for callers' H·v.
                var tangent = SecondOrderCompanions.BuildPullbackTangent(model, primal, pipeline);
                ready(CompanionKind.VjpTangent, ReserveTapes(pipeline, tangent), none);
                return pipeline.Trace;
            }
            if (model.ReturnsStruct)
            {
                // A struct result: vector-valued, one seed (and one tangent) per leaf of the result.
                var structVjp = pipeline.Run(primal, ReversePasses(pipeline, active, none, pipeline.Simplify(), model.Checkpoints, model.CheckpointBinomial));
                var structJvp = pipeline.Run(primal, ForwardPass(pipeline, active, none), pipeline.Simplify());
                ready(CompanionKind.Vjp, ReserveTapes(pipeline, structVjp), none);
                ready(CompanionKind.Jvp, ReserveTapes(pipeline, structJvp), none);
                return pipeline.Trace;
            }
            if (model.IsVectorValued)
            {
                var outputs = Enumerable.Range(0, model.Parameters.Count).Where(i => model.Parameters[i].IsOutput).ToArray();
                var vectorVjp = pipeline.Run(primal, ReversePasses(pipeline, active, outputs, pipeline.Simplify(), model.Checkpoints, model.CheckpointBinomial));
                var vectorJvp = pipeline.Run(primal, ForwardPass(pipeline, active, outputs), pipeline.Simplify());
                ready(CompanionKind.Vjp, ReserveTapes(pipeline, vectorVjp), none);
                ready(CompanionKind.Jvp, ReserveTapes(pipeline, vectorJvp), none);
                if (VectorCompanions.Batched(model))
                {
                    var batch = pipeline.Run(primal, new Pass("forward-lanes", f => Forward.Transform(f, active, outputs, VectorCompanions.Lanes, pipeline.CancellationToken)), pipeline.Simplify());
                    ready(CompanionKind.JvpBatch, ReserveTapes(pipeline, batch), none);
                }
                return pipeline.Trace;
            }
            var vjp = pipeline.Run(primal, ReversePasses(pipeline, active, none, pipeline.Simplify(), model.Checkpoints, model.CheckpointBinomial));
            var gradient = pipeline.Run(vjp, GradientPass(model, primal, active, cancellationToken));
            ReadyNow(CompanionKind.Jvp, pipeline.Run(primal, ForwardPass(pipeline, active, none), pipeline.Simplify()), none);
            if (model.SecondOrder)
            {
                // Second order differentiates the gradient as built (adding into cleared spans); the emitted one writes where it can.
                IReadOnlyList<int> writtenHvpSpans = none;
                var hvp = SecondOrderCompanions.Build(model, gradient, pipeline, written => writtenHvpSpans = written);
                ReadyNow(CompanionKind.Hvp, hvp, writtenHvpSpans);
                // (No VjpTangent for struct parameters: no caller uses it, a call with struct arguments is differentiated in place.)
                if (!CompanionEmitter.HasStructParameters(model)) ReadyNow(CompanionKind.VjpTangent, SecondOrderCompanions.BuildVjpTangent(model, vjp, pipeline), none);
            }
            ReadyNow(CompanionKind.Vjp, vjp, none);
            IReadOnlyList<int> writtenSpans = none;
            var spans = Enumerable.Range(primal.Params.Count, gradient.Params.Count - primal.Params.Count).ToList();
            var overwritten = pipeline.Run(gradient, pipeline.Overwrite(_ => spans, w => writtenSpans = w));
            ReadyNow(CompanionKind.Gradient, overwritten, writtenSpans);
            return pipeline.Trace;

            void ReadyNow(CompanionKind kind, IrFunction function, IReadOnlyList<int> written) => ready(kind, ReserveTapes(pipeline, function), written);
        }

        /// <summary>The last pass of a companion that pushes onto a tape: <c>reserve-tapes</c> (<see cref="Transforms.ReserveTapes"/>).</summary>
        private static IrFunction ReserveTapes(Pipeline pipeline, IrFunction function)
        {
            if (IrWalk.Contains(function.Body, i => i.Op == Op.While)) function = pipeline.Run(function, pipeline.FuseAdjointLoops(), pipeline.PromoteElements(), pipeline.FillAtUse());
            if (IrWalk.Contains(function.Body, i => i.Op == Op.Effect || i.Op == Op.CallVjp)) function = pipeline.Run(function, pipeline.MergePullbacks());
            if (IrWalk.Contains(function.Body, i => i.Op == Op.Push)) function = pipeline.Run(function, pipeline.ReserveTapes());
            return IrWalk.Contains(function.Body, i => i.Op == Op.While) ? pipeline.Run(function, pipeline.VectorSums(), pipeline.VectorMaps()) : function;
        }

        /// <summary>Reverse mode: its planning passes, then the sweep (<see cref="ReversePlan.Passes"/>), then <paramref name="after"/>.</summary>
        private static Pass[] ReversePasses(Pipeline pipeline, IReadOnlyList<int> active, IReadOnlyList<int> outputs, Pass after, int checkpoints = 0, bool binomial = false) =>
            ReversePlan.Passes(pipeline, active, outputs, checkpoints, binomial).Concat(new[] { after }).ToArray();

        /// <summary>Forward mode (<see cref="Forward"/>).</summary>
        private static Pass ForwardPass(Pipeline pipeline, IReadOnlyList<int> active, IReadOnlyList<int> outputs) =>
            new Pass("forward", f => Forward.Transform(f, active, outputs, pipeline.CancellationToken));

        /// <summary>The Vjp with seed 1 and zero incoming scalar adjoints (a sequence's adjoint stays a parameter: the caller's span, cleared first).</summary>
        private static Pass GradientPass(MethodModel model, IrFunction primal, IReadOnlyList<int> active, CancellationToken cancellationToken) =>
            new Pass("specialize-gradient", vjp =>
            {
                var constants = new Dictionary<int, double> { [primal.Params.Count] = 1.0 };
                for (int k = 0; k < active.Count; k++)
                {
                    if (!IsSequence(model.Parameters[active[k]])) constants[primal.Params.Count + 1 + k] = 0.0;
                }
                return Simplify.Specialize(vjp, model.Name + "Gradient", constants, cancellationToken);
            });

        public static bool IsSequence(ParameterModel p) => p.Type.Kind == ValueKind.Sequence;

        public static IReadOnlyList<int> ActiveIndices(MethodModel model) =>
            Enumerable.Range(0, model.Parameters.Count).Where(i => model.Parameters[i].IsActive).ToArray();
    }

    /// <summary>The companions built from IR, in the order a scalar method's are written.</summary>
    public enum CompanionKind
    {
        Gradient,
        Vjp,
        Jvp,
        Hvp,
        VjpTangent,
        JvpBatch,
    }

    /// <summary>Writes the generated file for one method: its Gradient, Vjp and Jvp companions.</summary>
    public static class CompanionEmitter
    {
        public const string GeneratorName = "AutoDiff.Generator";
        public static readonly string GeneratorVersion = typeof(CompanionEmitter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        public static string Emit(MethodModel model, CancellationToken cancellationToken) => Emit(model, PassOptions.Default, cancellationToken);

        public static string Emit(MethodModel model, PassOptions options, CancellationToken cancellationToken)
        {
            var w = new SourceWriter();
            w.Line("// <auto-generated/>");
            w.Line("#nullable enable");
            w.Line();
            if (model.Namespace != null) w.Open("namespace " + model.Namespace);
            foreach (var type in model.ContainingTypes) w.Open(type.Keywords + " " + type.Name);

            // Each companion is written as soon as it is built, and its IR dropped; the parts are put in order at the end.
            var parts = new SourceWriter?[6];
            Companions.BuildEach(model, options, cancellationToken, (kind, function, written) =>
            {
                var part = w.Part();
                switch (kind)
                {
                    case CompanionKind.Gradient:
                        WriteGradient(part, model, function, written, cancellationToken);
                        break;
                    case CompanionKind.Vjp when model.ReturnsStruct:
                        StructCompanions.WriteVjp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Jvp when model.ReturnsStruct:
                        StructCompanions.WriteJvp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Vjp when model.IsVectorValued:
                        VectorCompanions.WriteVjp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Vjp:
                        WriteVjp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Jvp when model.IsVectorValued:
                        VectorCompanions.WriteJvp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Jvp:
                        WriteJvp(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.JvpBatch:
                        VectorCompanions.WriteJvpBatch(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.Hvp:
                        SecondOrderCompanions.WriteHvp(part, model, function, written, cancellationToken);
                        // (Not yet for 2-D and jagged arrays, whose unit directions would be arrays of that shape.)
                        if (model.Parameters.Any(p => p.IsActive && p.Type.Rank == 2)) break;
                        part.Line();
                        SecondOrderCompanions.WriteHessian(part, model);
                        break;
                    case CompanionKind.VjpTangent when model.PullbackSeed >= 0:
                        SecondOrderCompanions.WritePullbackTangent(part, model, function, cancellationToken);
                        break;
                    case CompanionKind.VjpTangent:
                        SecondOrderCompanions.WriteVjpTangent(part, model, function, cancellationToken);
                        break;
                }
                parts[(int)kind] = part;
            });
            var order = model.PullbackSeed >= 0 ? new[] { CompanionKind.VjpTangent } : model.IsVectorValued || model.ReturnsStruct
                ? new[] { CompanionKind.Jvp, CompanionKind.JvpBatch, CompanionKind.Vjp }
                : new[] { CompanionKind.Gradient, CompanionKind.Vjp, CompanionKind.Jvp, CompanionKind.Hvp, CompanionKind.VjpTangent };
            bool first = true;
            foreach (var kind in order)
            {
                if (parts[(int)kind] is not SourceWriter part) continue;
                if (!first) w.Line();
                first = false;
                w.Append(part);
            }
            // A Jacobian runs one sweep per coordinate or color, which would repeat calls with effects (README, "Calls and side effects").
            // (Not yet for arrays of structs, whose unit directions would be structs, nor for 2-D and jagged arrays.)
            if (VectorCompanions.HasJacobian(model))
            {
                bool batched = parts[(int)CompanionKind.JvpBatch] != null;
                w.Line();
                VectorCompanions.WriteJacobian(w, model, batched);
                w.Line();
                VectorCompanions.WriteColoredJacobian(w, model, batched);
            }

            if (model.ReturnsStruct && !model.Primal!.Body.Any(OpInfo.ContainsCallWithEffects))
            {
                w.Line();
                StructCompanions.WriteJacobian(w, model);
            }

            foreach (var _ in model.ContainingTypes) w.Close();
            if (model.Namespace != null) w.Close();
            return w.ToString();
        }

        private static void WriteGradient(SourceWriter w, MethodModel model, IrFunction function, IReadOnlyList<int> writtenSpans, CancellationToken cancellationToken)
        {
            var taken = Taken(model);
            var active = Active(model).ToList();
            var boundary = StructBoundary.For(model, active, GradientName, taken, StructBoundary.Kind.Out, (p, name) => Companions.IsSequence(p) ? SpanOf(p) + " " + name : "out " + p.Type.Display + " " + name);
            var outs = boundary.Names;
            var signature = Originals(model).Concat(boundary.Parameters);
            Header(w, model, "Gradient", signature,
                "Returns " + model.Name + "(…) and writes its partial derivative with respect to each of " + Names(model) + "." +
                (active.Any(Companions.IsSequence) ? " Spans are overwritten and must have the length of their parameter." : ""));
            int spanParam = function.Params.Count - active.Count(Companions.IsSequence); // the span parameters come last
            var clears = new List<(int, string)>();
            for (int k = 0; k < active.Count; k++)
            {
                if (!Companions.IsSequence(active[k])) continue;
                LengthCheck(w, outs[k], active[k], model);
                if (!writtenSpans.Contains(spanParam)) ClearOrDefer(w, function, clears, spanParam, Clear(active[k], outs[k]));
                spanParam++;
            }
            FlatViews(w, model);
            foreach (var line in boundary.Prologue) w.Line(line);
            var names = ParameterNames(model).Concat(Enumerable.Range(0, active.Count).Where(k => Companions.IsSequence(active[k])).Select(k => boundary.Body[k])).ToList();
            var targets = new List<ResultTarget> { ResultTarget.Return };
            targets.AddRange(Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).Select(k => ResultTarget.Assign(outs[k])));
            BodyEmitter.Emit(w, function, names, outs.Concat(taken), targets, "value", cancellationToken, clears, boundary.Epilogue);
            w.Close();
        }

        /// <summary>
        /// Clears an output span before the body, or, in a function that may throw, where the body emitter places it: after
        /// the last throw it can, so a throw leaves the span as it was.
        /// </summary>
        internal static void ClearOrDefer(SourceWriter w, IrFunction function, List<(int, string)> deferred, int param, string line)
        {
            if (function.Body.Any(OpInfo.MayThrow)) deferred.Add((param, line));
            else w.Line(line);
        }

        private static void WriteVjp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = Taken(model);
            var active = Active(model).ToList();
            string seed = Unique("seed", taken);
            var boundary = StructBoundary.For(model, active, n => n + Reverse.AdjointSuffix, taken, StructBoundary.Kind.Ref, (p, name) => Companions.IsSequence(p) ? SpanOf(p) + " " + name : "ref " + p.Type.Display + " " + name);
            var adjoints = boundary.Names;
            var signature = Originals(model).Concat(new[] { model.ReturnType.Display + " " + seed }).Concat(boundary.Parameters);
            Header(w, model, "Vjp", signature,
                "Reverse mode: returns " + model.Name + "(…) and adds seed × its partial derivative with respect to each of " + Names(model) + " into the matching adjoint.");
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) LengthCheck(w, adjoints[k], active[k], model);
            }
            FlatViews(w, model);
            foreach (var line in boundary.Prologue) w.Line(line);
            var names = ParameterNames(model).Concat(new[] { seed }).Concat(boundary.Body).ToList();
            var targets = new List<ResultTarget> { ResultTarget.Return };
            targets.AddRange(Enumerable.Range(0, active.Count).Where(k => !Companions.IsSequence(active[k])).Select(k => ResultTarget.Assign(adjoints[k])));
            BodyEmitter.Emit(w, function, names, taken, targets, "value", cancellationToken, epilogue: boundary.Epilogue, inPlace: boundary.InPlace);
            w.Close();
        }

        private static void WriteJvp(SourceWriter w, MethodModel model, IrFunction function, CancellationToken cancellationToken)
        {
            var taken = Taken(model);
            var active = Active(model).ToList();
            var boundary = StructBoundary.For(model, active, n => n + Forward.TangentSuffix, taken, StructBoundary.Kind.In, (p, name) => (Companions.IsSequence(p) ? ReadOnlySpanOf(p) : p.Type.Display) + " " + name);
            var tangents = boundary.Names;
            string tangent = Unique("tangent", taken);
            var signature = Originals(model).Concat(boundary.Parameters)
                .Concat(new[] { "out " + model.ReturnType.Display + " " + tangent });
            Header(w, model, "Jvp", signature,
                "Forward mode: returns " + model.Name + "(…) and its directional derivative along the given tangents of " + Names(model) + ".");
            for (int k = 0; k < active.Count; k++)
            {
                if (Companions.IsSequence(active[k])) LengthCheck(w, tangents[k], active[k], model);
            }
            FlatViews(w, model);
            foreach (var line in boundary.Prologue) w.Line(line);
            var names = ParameterNames(model).Concat(boundary.Body).ToList();
            BodyEmitter.Emit(w, function, names, taken, new[] { ResultTarget.Return, ResultTarget.Assign(tangent) }, "value", cancellationToken);
            w.Close();
        }

        /// <summary>A sequence parameter's derivative written or added into: a span, or for <c>T[,]</c> and <c>T[][]</c> an array of the same shape.</summary>
        internal static string SpanOf(ParameterModel p) => p.Type.Rank == 2 ? Array2D(p) : "global::System.Span<" + (p.Array?.Element ?? p.Type.ElementDisplay) + ">";

        /// <summary>A sequence parameter's tangent or direction: a read-only span, or for <c>T[,]</c> and <c>T[][]</c> an array of the same shape.</summary>
        internal static string ReadOnlySpanOf(ParameterModel p) => p.Type.Rank == 2 ? Array2D(p) : "global::System.ReadOnlySpan<" + (p.Array?.Element ?? p.Type.ElementDisplay) + ">";

        private static string Array2D(ParameterModel p) => p.Type.ElementDisplay + (p.Type.Jagged ? "[][]" : "[,]");

        /// <summary>The statement that zeroes a derivative span or array named <paramref name="name"/> of <paramref name="p"/>.</summary>
        internal static string Clear(ParameterModel p, string name) => p.Type.Rank == 2 ? "global::AutoDiff.Shapes.Clear(" + name + ");" : name + ".Clear();";

        /// <summary>
        /// The local through which a companion body reads an array or span of structs as its numbers (<see cref="StructArray"/>):
        /// <c>psFlat</c> for <c>ps</c>, declared by <see cref="FlatViews"/>.
        /// </summary>
        internal static string FlatName(ParameterModel p) => p.Name + "Flat";

        /// <summary>Declares the number view of each array or span of structs among the method's parameters (<c>var psFlat = MemoryMarshal.Cast&lt;P, double&gt;(ps);</c>).</summary>
        internal static void FlatViews(SourceWriter w, MethodModel model)
        {
            foreach (var p in model.Parameters.Where(q => q.Array != null)) w.Line("var " + FlatName(p) + " = " + Cast(p, Identifiers.Escape(p.Name), primal: true) + ";");
        }

        /// <summary>
        /// The name a companion body uses for <paramref name="name"/>, one of its added spans for parameter <paramref name="p"/>:
        /// the name itself, or for an array of structs a number view declared here (<c>var dpsFlat = MemoryMarshal.Cast&lt;P, double&gt;(dps);</c>).
        /// </summary>
        internal static string View(SourceWriter w, ParameterModel p, string name, HashSet<string> taken)
        {
            if (p.Array == null) return name;
            string flat = Unique(name.TrimStart('@') + "Flat", taken);
            w.Line("var " + flat + " = " + Cast(p, name, primal: false) + ";");
            return flat;
        }

        /// <summary>The numbers of an array or span of structs, in place: no copy, no allocation.</summary>
        internal static string Cast(ParameterModel p, string name, bool primal) =>
            "global::System.Runtime.InteropServices.MemoryMarshal.Cast<" + p.Array!.Element + ", " + p.Type.ElementDisplay + ">(" +
            (primal && !p.Array.Type.StartsWith("global::System.", System.StringComparison.Ordinal) ? "new global::System.ReadOnlySpan<" + p.Array.Element + ">(" + name + ")" : name) + ")";

        internal static void LengthCheck(SourceWriter w, string span, ParameterModel p, MethodModel? model = null)
        {
            string name = Identifiers.Escape(p.Name);
            // An array the method itself checks (ArgumentNullException.ThrowIfNull(x)) gets to that check when it is null. Only
            // then: the check's [NotNull] tells the compiler the array is not null after it, which a test here would undo (CS8602).
            int index = model?.Primal != null ? model.Parameters.ToList().IndexOf(p) : -1;
            int id = index >= 0 && index < model!.Primal!.Params.Count ? model.Primal.Params[index].Id : -1;
            bool checkedByMethod = id >= 0 && p.Type.Container == Container.Array && IrWalk.Contains(model!.Primal!.Body, i => i.Op == Op.Guard && i.Args.Contains(id));
            string unlessNull = checkedByMethod ? name + " is not null && " : "";
            if (p.Type.Rank == 2)
            {
                w.Line((unlessNull.Length > 0 ? "if (" + name + " is not null) " : "") + "global::AutoDiff.Shapes.Check(" + span + ", " + name + ", " + NameOf(span) + ", \"" + p.Name + "\");");
                return;
            }
            w.Line("if (" + unlessNull + span + ".Length != " + name + ".Length) throw new global::System.ArgumentException(\"" + span + " must have the length of " + p.Name + ".\", " + NameOf(span) + ");");
        }

        internal static void Header(SourceWriter w, MethodModel model, string suffix, IEnumerable<string> parameters, string summary, string? accessibility = null)
        {
            w.Line("/// <summary>" + summary + "</summary>");
            w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"" + GeneratorName + "\", \"" + GeneratorVersion + "\")]");
            if (accessibility != null) w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            string modifiers = (accessibility ?? model.Accessibility) + (model.IsStatic ? " static " : " ");
            w.Open(modifiers + model.ReturnType.Display + " " + model.Name + suffix + model.TypeParameters + "(" + string.Join(", ", parameters) + ")" + model.Constraints);
        }

        internal static bool HasStructParameters(MethodModel model) => model.Parameters.Any(p => (p.Part != null && !p.Part.Hidden) || p.Array != null);

        internal static IEnumerable<ParameterModel> Active(MethodModel model) => model.Parameters.Where(p => p.IsActive);

        /// <summary>The method's parameters as declared: a struct parameter's leaves (<see cref="StructPart"/>) are one, <c>this</c>'s none.</summary>
        internal static IEnumerable<string> Originals(MethodModel model) =>
            model.Parameters.Where(p => p.Part == null || (p.Part.IsFirst && !p.Part.Hidden))
                .Select(p => p.Part != null ? p.Part.OwnerType + " " + Identifiers.Escape(p.Part.Owner) : (p.IsIn ? "in " : "") + (p.Array?.Type ?? p.Type.Display) + " " + Identifiers.Escape(p.Name));

        /// <summary>The C# expression of each IR parameter: its name, or a struct leaf (<c>p.X</c>, <c>this.X</c>).</summary>
        internal static List<string> ParameterNames(MethodModel model) =>
            model.Parameters.Select(p => p.Part != null ? p.Part.On(p.Part.Hidden ? "this" : Identifiers.Escape(p.Part.Owner)) : p.Array != null ? FlatName(p) : Identifiers.Escape(p.Name)).ToList();

        /// <summary>The method's own parameters as arguments of a call to it or a companion (a struct parameter once, never this's leaves).</summary>
        internal static List<string> Arguments(MethodModel model) =>
            model.Parameters.Where(p => p.Part == null || (p.Part.IsFirst && !p.Part.Hidden)).Select(p => Identifiers.Escape(p.Part?.Owner ?? p.Name)).ToList();

        internal static string Names(MethodModel model) => string.Join(", ", Active(model).Select(p => p.Part?.Owner ?? p.Name).Distinct());

        /// <summary><c>dx</c> for <c>x</c>, <c>dRate</c> for <c>rate</c>.</summary>
        internal static string GradientName(string name) =>
            "d" + (name.Length == 1 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1));

        /// <summary>
        /// A fresh name for something a companion declares (a parameter or a local): never a keyword (<c>do</c>, the
        /// gradient of <c>o</c>), never a name already taken. Every name a companion declares goes through here.
        /// </summary>
        internal static string Unique(string name, HashSet<string> taken)
        {
            string candidate = name;
            for (int n = 2; Identifiers.Keywords.Contains(candidate) || !taken.Add(candidate); n++) candidate = name + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return candidate;
        }

        /// <summary>
        /// The names a companion's own declarations must avoid: the method's parameters (whatever they are called:
        /// <c>mean</c>, <c>n</c>, <c>nameof</c>) and the method and its companions, which generated code calls by name.
        /// </summary>
        internal static HashSet<string> Taken(MethodModel model)
        {
            var taken = new HashSet<string>(model.Parameters.Select(p => p.Name).Concat(model.Parameters.Where(p => p.Part != null).Select(p => p.Part!.Owner))
                .Concat(model.Parameters.Where(p => p.Array != null).Select(FlatName))) { model.Name };
            foreach (var suffix in MethodFrontend.CompanionSuffixes.Concat(MethodFrontend.VectorCompanionSuffixes).Concat(new[] { "VjpTangent" })) taken.Add(model.Name + suffix);
            return taken;
        }

        /// <summary>
        /// The method itself (<paramref name="suffix"/> empty) or one of its companions, qualified (<c>this.MHvp</c>,
        /// <c>global::Demo.Fns.MHvp</c>) so that no parameter of the method can hide it, whatever it is called.
        /// </summary>
        internal static string Own(MethodModel model, string suffix)
        {
            string member = Identifiers.Escape(model.Name + suffix);
            if (!model.IsStatic) return "this." + member;
            return "global::" + (model.Namespace != null ? model.Namespace + "." : "") + string.Join(".", model.ContainingTypes.Select(t => t.Name)) + "." + member;
        }

        /// <summary>
        /// A parameter's name for an ArgumentException, as a string literal: generated code never uses <c>nameof</c>,
        /// which a parameter, local or member named <c>nameof</c> would turn into something else.
        /// </summary>
        internal static string NameOf(string parameter) => "\"" + (parameter.StartsWith("@", System.StringComparison.Ordinal) ? parameter.Substring(1) : parameter) + "\"";
    }
}

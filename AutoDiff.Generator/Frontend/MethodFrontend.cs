using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// The frontend shared by the generator and the analyzer: checks a [Differentiable] method's
    /// signature and context, lowers its body, and returns the model plus every diagnostic.
    /// </summary>
    public static class MethodFrontend
    {
        public const string DifferentiableAttribute = KnownTypes.DifferentiableName;
        public const string NoDerivativeAttribute = KnownTypes.NoDerivativeName;

        /// <summary>Whether the parameter is marked [NoDerivative] (where no <see cref="KnownTypes"/> is at hand).</summary>
        public static bool IsNoDerivative(IParameterSymbol p) => p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NoDerivativeAttribute);
        public static readonly string[] CompanionSuffixes = { "Gradient", "Vjp", "Jvp", "Hvp", "Hessian" };
        public static readonly string[] VectorCompanionSuffixes = { "Jvp", "Vjp", "Jacobian" };

        /// <summary>
        /// The method's model, with its diagnostics added to <paramref name="diagnostics"/>. Each method is analysed once
        /// per compilation (<see cref="CalleeSummaries"/>): its callers' analyses, the generator and the analyzer share it.
        /// </summary>
        public static MethodModel Analyze(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, List<Diagnostic> diagnostics, CancellationToken cancellationToken) =>
            Analyze(method, syntax, semanticModel, CompilationState.For(semanticModel.Compilation), diagnostics, cancellationToken);

        /// <summary><see cref="Analyze(IMethodSymbol, MethodDeclarationSyntax, SemanticModel, List{Diagnostic}, CancellationToken)"/> in the given compilation state.</summary>
        internal static MethodModel Analyze(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CompilationState state, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var summary = Summarize(method, syntax, semanticModel, new FrontendSession(state), cancellationToken);
            diagnostics.AddRange(summary.Diagnostics);
            return summary.Model;
        }

        /// <summary>The method's summary: from this compilation's table, or analysed now (the method must not be under way in <paramref name="session"/>).</summary>
        internal static CalleeSummary Summarize(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, FrontendSession session, CancellationToken cancellationToken) =>
            session.State.Summaries.Get(method, session, diagnostics => AnalyzeOnce(method, syntax, semanticModel, session, diagnostics, cancellationToken));

        private static MethodModel AnalyzeOnce(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, FrontendSession session, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var state = session.State;
            // Calls to [Differentiable] methods look the callee's analysis up; that must see the same method.
            method = method.OriginalDefinition;
            var location = LocationInfo.From(syntax.Identifier.GetLocation());
            // Invalid C# (mid-edit, a pasted duplicate, a member in global code) is the compiler's to report:
            // such a method gets no diagnostic and no code, and the generator and the analyzer both decide it here.
            if (HasCompilerErrors(syntax, semanticModel, state, cancellationToken)) return Skipped(method, location, state.Types);
            if (!HasValidNames(method))
            {
                // A member of an 'extension' block has a containing type without a name; say why, at the block.
                CheckContainingTypes(method, syntax, diagnostics, blocksOnly: true);
                return Skipped(method, location, state.Types);
            }
            // [Differentiable] on the declaring part of a partial method: the body is on the other part.
            if (syntax.Body == null && syntax.ExpressionBody == null && method.PartialImplementationPart is IMethodSymbol implementation
                && implementation.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax implementationSyntax)
            {
                syntax = implementationSyntax;
                if (syntax.SyntaxTree != semanticModel.SyntaxTree) semanticModel = state.Model(syntax.SyntaxTree);
                method = implementation;
                if (HasCompilerErrors(syntax, semanticModel, state, cancellationToken)) return Skipped(method, location, state.Types);
            }
            int before = diagnostics.Count;
            var parameters = Parameters(method, syntax, state.Types, diagnostics, state.Compilation);
            CheckContainingTypes(method, syntax, diagnostics);
            CheckSignature(method, syntax, state.Types, diagnostics, state.Compilation);
            CheckGeneratedNames(method, syntax, state.Types, diagnostics);
            bool signatureOk = !diagnostics.Skip(before).Any(d => d.Severity == DiagnosticSeverity.Error);

            // A struct's instance method whose only numbers are its own fields (v.Length()) is differentiated in place
            // of each call, with the receiver's leaves as the callee's inputs; it has no companions of its own.
            bool inPlaceOnly = signatureOk && parameters.All(p => !p.IsActive) && parameters.Any(p => p.Part?.Hidden == true);
            if (signatureOk && !inPlaceOnly && parameters.All(p => !p.IsActive))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoActiveParameters, syntax.Identifier.GetLocation(), method.Name));
                signatureOk = false;
            }

            IrFunction? primal = null;
            var body = (SyntaxNode?)syntax.Body ?? syntax.ExpressionBody;
            // A generic method that is not generic math gets ADIFF010 alone: what its body does with T is beside the point.
            if (body != null && GenericProblem(method) == null && semanticModel.GetOperation(syntax, cancellationToken) is IOperation operation)
            {
                // Lower even when the signature is wrong, so every problem in the body is reported too.
                primal = Lowering.Lower(method, operation, parameters, session, diagnostics, cancellationToken);
                if (primal != null && MissingFunction(method, primal, semanticModel.Compilation) is string missing)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GenericMethod, syntax.TypeParameterList?.GetLocation() ?? syntax.Identifier.GetLocation(), method.Name, missing));
                    signatureOk = false;
                }
            }
            if (!signatureOk) primal = null;
            bool optedIn = (state.Options(method) ?? DifferentiableOptions.Default).SecondOrder;
            if (!optedIn || method.ReturnsVoid || primal == null)
            {
                // Nothing second-order was asked for (or nothing is generated at all), so nothing is missing.
                for (int i = diagnostics.Count - 1; i >= before; i--)
                {
                    if (diagnostics[i].Id == DiagnosticDescriptors.NoSecondOrder.Id) diagnostics.RemoveAt(i);
                }
            }

            if (primal != null && method.ReturnsVoid && primal.Body.Any(OpInfo.ContainsCallWithEffects))
            {
                // The emitter writes no Jacobian for it (README, "Calls and side effects"): say so where the user looks.
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoJacobian, syntax.Identifier.GetLocation(), method.Name));
            }

            var (checkpoints, binomial) = Checkpoints(method, state, primal, diagnostics);
            return new MethodModel(
                HintName(method, state.Types),
                method.ContainingNamespace.IsGlobalNamespace ? null : Namespace(method.ContainingNamespace),
                ContainingTypes(method),
                Accessibility(method.DeclaredAccessibility),
                method.IsStatic,
                method.Name,
                TypeRefs.From(method.ReturnType),
                parameters.ToEquatableArray(),
                primal,
                Returns: StructParameters.Return(method, state.Compilation),
                SecondOrder: primal != null && !method.ReturnsVoid && StructParameters.Return(method, state.Compilation) == null && optedIn && !diagnostics.Skip(before).Any(d => d.Id == DiagnosticDescriptors.NoSecondOrder.Id),
                Location: location,
                Identity: Identity(method))
            {
                TypeParameters = TypeParameterList(method),
                Constraints = ConstraintClauses(method),
                PullbackSeed = parameters.Count == method.Parameters.Length ? CustomRules.Pullback(method)?.Seed ?? -1 : -1,
                InPlaceOnly = inPlaceOnly,
                Checkpoints = checkpoints,
                CheckpointBinomial = binomial,
            };
        }

        /// <summary>
        /// The snapshots <c>Checkpoints</c> asks for, when the method has a loop they apply to (<c>Transforms/Checkpoint.cs</c>);
        /// otherwise 0 and ADIFF022 at the attribute saying why.
        /// </summary>
        private static (int, bool) Checkpoints(IMethodSymbol method, CompilationState state, IrFunction? primal, List<Diagnostic> diagnostics)
        {
            var options = state.Options(method);
            if (options == null || options.Checkpoints == 0 || primal == null) return (0, false);
            var at = KnownTypes.Attribute(method, state.Types.Differentiable)?.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? method.Locations[0];
            string? why = options.Checkpoints < 0 ? "Checkpoints must be at least 1" : null;
            if (why == null && Transforms.Checkpoint.Target(primal, out why) is Instr loop)
            {
                if (!options.Binomial) return (options.Checkpoints, false);
                if (Transforms.Checkpoint.BinomialProblem(primal, loop) is not string problem) return (options.Checkpoints, true);
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.CheckpointEveryK, at, method.Name, problem));
                return (options.Checkpoints, false);
            }
            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.CheckpointNotApplied, at, method.Name, why));
            return (0, false);
        }

        // ---- generic math ----

        /// <summary>
        /// Why a generic method cannot be differentiated, or null: every type parameter must be a floating one
        /// (<c>T : IFloatingPoint&lt;T&gt;</c>, generic math), a floating scalar for the passes.
        /// </summary>
        private static string? GenericProblem(IMethodSymbol method)
        {
            foreach (var parameter in method.TypeParameters)
            {
                if (!TypeRefs.IsFloatingTypeParameter(parameter))
                {
                    return "its type parameter '" + parameter.Name + "' is not constrained to a floating-point type; a [Differentiable] method's type parameters are generic-math numbers: add 'where " +
                        parameter.Name + " : System.Numerics.IFloatingPointIeee754<" + parameter.Name + ">' (or IFloatingPoint<" + parameter.Name + "> and the function interfaces the body uses), or remove it (the containing type may be generic)";
                }
            }
            return null;
        }

        /// <summary>
        /// A function the companions call on a floating type parameter (the body's own, and those its derivatives call: <c>T.Cos</c>
        /// for <c>T.Sin</c>, <c>T.Sqrt</c> for <c>T.Asin</c>, <c>T.Log</c> for <c>T.Pow</c>) that the parameter's constraints do not give,
        /// said as ADIFF010 says it; null when every one is there.
        /// </summary>
        private static string? MissingFunction(IMethodSymbol method, IrFunction primal, Compilation compilation)
        {
            var typeParameters = new Dictionary<string, ITypeParameterSymbol>();
            for (var type = method.ContainingType; type != null; type = type.ContainingType)
            {
                foreach (var t in type.TypeParameters) typeParameters[t.Name] = t;
            }
            foreach (var t in method.TypeParameters) typeParameters[t.Name] = t;
            var all = primal.Body.Concat(Nested(primal.Body)).ToList();
            var types = new Dictionary<int, TypeRef>();
            foreach (var p in primal.Params.Concat(all.SelectMany(i => i.Regions).SelectMany(r => r.Params))) types[p.Id] = p.Type;
            foreach (var i in all) types[i.Id] = i.Type;
            if (method.ReturnsVoid && types.Values.Any(t => t.Kind == ValueKind.FloatingParameter || t.Element == ValueKind.FloatingParameter))
            {
                return "it is vector-valued, and a vector-valued method over a type parameter is not supported yet (its colored Jacobian takes double): write it for double or float";
            }
            // Loops record values on a stack tape and sequences use pooled scratch spans: both need T : unmanaged.
            bool stack = all.Any(i => i.Op == Op.While) || types.Values.Any(t => t.Kind == ValueKind.Sequence && t.Element == ValueKind.FloatingParameter);
            foreach (var t in types.Values.Select(t => t.Kind == ValueKind.Sequence ? t.ElementType : t).Where(t => t.Kind == ValueKind.FloatingParameter).Distinct())
            {
                if (stack && typeParameters.TryGetValue(t.Display, out var parameter) && !parameter.HasUnmanagedTypeConstraint)
                {
                    return "it has a loop or a sequence, and its companions keep values of '" + t.Display + "' on the stack (a tape, scratch spans), which needs 'unmanaged' among the constraints of '" +
                        t.Display + "' (where " + t.Display + " : unmanaged, IFloatingPointIeee754<" + t.Display + ">)";
                }
            }
            foreach (var instr in all.Where(i => i.Op == Op.Intrinsic && i.Fn.Name != null))
            {
                if (instr.Args.Count == 0 || !types.TryGetValue(instr.Args[0], out var type)) continue;
                if (type.Kind != ValueKind.FloatingParameter || !typeParameters.TryGetValue(type.Display, out var parameter)) continue;
                foreach (string name in Derivatives.RuleTable.FunctionsUsedBy(instr.Fn, instr.Args.Count, type))
                {
                    if (HasStaticMember(parameter, name)) continue;
                    string which = name == instr.Fn.Name ? "it calls '" + parameter.Name + "." + name + "'" : "the derivative of '" + parameter.Name + "." + instr.Fn.Name + "' calls '" + parameter.Name + "." + name + "'";
                    string? declaring = NumericsInterfaceDeclaring(name, compilation);
                    return which + ", which the constraints of '" + parameter.Name + "' do not give: add " +
                        (declaring != null ? "'" + declaring + "<" + parameter.Name + ">' to them" : "the interface that declares it") + " (IFloatingPointIeee754<" + parameter.Name + "> gives every function)";
                }
            }
            return null;
        }

        private static IEnumerable<Instr> Nested(IEnumerable<Instr> body) =>
            body.Where(i => i.HasRegions).SelectMany(i => i.Regions).SelectMany(r => r.Body.Concat(Nested(r.Body)));

        private static bool HasStaticMember(ITypeParameterSymbol parameter, string name) =>
            parameter.ConstraintTypes.SelectMany(c => new[] { c }.Concat(c.AllInterfaces)).Any(c => c.GetMembers(name).Any(m => m.IsStatic && m is IMethodSymbol));

        /// <summary>The System.Numerics interface IFloatingPointIeee754&lt;T&gt; inherits that declares <paramref name="name"/> (<c>IRootFunctions</c> for Sqrt).</summary>
        private static string? NumericsInterfaceDeclaring(string name, Compilation compilation)
        {
            var ieee = compilation.GetTypeByMetadataName("System.Numerics.IFloatingPointIeee754`1");
            if (ieee == null) return null;
            return new[] { ieee }.Concat(ieee.AllInterfaces).FirstOrDefault(i => i.GetMembers(name).Any(m => m.IsStatic && m is IMethodSymbol))?.Name;
        }

        /// <summary><c>&lt;T&gt;</c> for a generic method, empty otherwise.</summary>
        private static string TypeParameterList(IMethodSymbol method) =>
            method.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", method.TypeParameters.Select(t => Identifiers.Escape(t.Name))) + ">";

        /// <summary>The method's <c>where</c> clauses, as the companions repeat them (each with a leading space), empty for none.</summary>
        private static string ConstraintClauses(IMethodSymbol method)
        {
            var clauses = new List<string>();
            foreach (var t in method.TypeParameters)
            {
                var parts = new List<string>();
                if (t.HasUnmanagedTypeConstraint) parts.Add("unmanaged");
                else if (t.HasValueTypeConstraint) parts.Add("struct");
                else if (t.HasReferenceTypeConstraint) parts.Add("class");
                if (t.HasNotNullConstraint) parts.Add("notnull");
                parts.AddRange(t.ConstraintTypes.Select(TypeRefs.Display));
                if (t.HasConstructorConstraint) parts.Add("new()");
                if (parts.Count > 0) clauses.Add(" where " + Identifiers.Escape(t.Name) + " : " + string.Join(", ", parts));
            }
            return string.Concat(clauses);
        }

        /// <summary>A method that gets neither diagnostics nor code.</summary>
        private static MethodModel Skipped(IMethodSymbol method, LocationInfo? location, KnownTypes types) =>
            new MethodModel(HintName(method, types), null, EquatableArray<ContainingType>.Empty, "", method.IsStatic, method.Name,
                TypeRef.Double, EquatableArray<ParameterModel>.Empty, null, Location: location, Identity: Identity(method));

        /// <summary>The method as C# names it, parameters included: what tells two methods (or two copies of one) apart.</summary>
        internal static string Identity(IMethodSymbol method) => method.ToDisplayString();

        /// <summary>
        /// Whether the compiler reports an error inside the declaration (attributes, signature, body): a syntax error,
        /// a binding error (<c>return ;</c> in a double method) or a declaration error (a duplicate member).
        /// </summary>
        private static bool HasCompilerErrors(MethodDeclarationSyntax syntax, SemanticModel semanticModel, CompilationState state, CancellationToken cancellationToken)
        {
            if (syntax.ContainsDiagnostics && syntax.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) return true;
            // Binding for diagnostics is not cached by the compiler, and callers analyse their callees: once per compilation.
            var known = state.CompilerErrors;
            if (known.TryGetValue(syntax, out bool errors)) return errors;
            errors = semanticModel.GetDiagnostics(syntax.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error && !d.IsWarningAsError);
            known[syntax] = errors;
            return errors;
        }

        /// <summary>
        /// The names the generated file repeats (namespace, enclosing types, method) are identifiers: a member the
        /// parser put in <c>&lt;invalid-global-code&gt;</c> has none to repeat.
        /// </summary>
        private static bool HasValidNames(IMethodSymbol method)
        {
            if (!SyntaxFacts.IsValidIdentifier(method.Name)) return false;
            for (var type = method.ContainingType; type != null; type = type.ContainingType)
            {
                if (!SyntaxFacts.IsValidIdentifier(type.Name)) return false;
            }
            for (var ns = method.ContainingNamespace; ns != null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            {
                if (!SyntaxFacts.IsValidIdentifier(ns.Name)) return false;
            }
            return method.ContainingType != null;
        }

        private static List<ParameterModel> Parameters(IMethodSymbol method, MethodDeclarationSyntax syntax, KnownTypes types, List<Diagnostic> diagnostics, Compilation compilation)
        {
            var result = new List<ParameterModel>();
            StructParameters.This(method, compilation, result);
            // A [Differentiable] Vjp-shaped [DerivativeOf] rule: its target's active parameters and the seed are its active ones, its adjoint spans its outputs (CustomRules.Pullback).
            var pullback = CustomRules.Pullback(method);
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                bool noDerivative = types.IsNoDerivative(p) || pullback?.IsData(i) == true;
                var location = i < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[i].GetLocation() : syntax.Identifier.GetLocation();
                string? problem = null;
                // 'in' and 'ref readonly' parameters are inputs read like ones passed by value; 'params' ones are arrays or spans.
                bool isIn = p.RefKind == RefKind.In || p.RefKind == RefKind.RefReadOnlyParameter;
                if (p.RefKind != RefKind.None && !isIn) problem = "'" + RefKeyword(p.RefKind) + "' parameters are not supported; pass it by value";
                else if (p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Pointer || p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.FunctionPointer) problem = "pointer parameters are not supported";
                else if (p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Dynamic) problem = "'dynamic' parameters are not supported";
                if (problem == null && !noDerivative && Arrays2D.Unsupported(p.Type) is string shape) problem = shape;
                var type = TypeRefs.From(p.Type);
                // (A Vjp rule's target output and cotangent, spans it reads, are inputs.)
                bool ruleInput = pullback != null && i <= pullback.Seed;
                bool output = !noDerivative && TypeRefs.IsWritableSpan(p.Type) && type.IsFloatingSequence && !ruleInput;
                bool refAdjoint = pullback != null && i > pullback.Seed && p.RefKind == RefKind.Ref && TypeRefs.IsFloating(p.Type);
                if (refAdjoint) problem = null;
                else if (output && !method.ReturnsVoid && pullback == null) problem = "a writable Span is an output of a vector-valued method, which returns void; return void, take a ReadOnlySpan, or mark it [NoDerivative]";
                if (problem != null) diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedParameter, location, p.Name, problem));
                if (problem == null && !noDerivative && StructParameters.ExpandArray(method, p, isIn, location, result, diagnostics, compilation)) continue;
                if (problem == null && StructParameters.Expand(method, p, !noDerivative, location, result, diagnostics, compilation)) continue;
                bool active = !noDerivative && (TypeRefs.IsFloating(p.Type) || (type.IsFloatingSequence && (!TypeRefs.IsWritableSpan(p.Type) || ruleInput)));
                if (problem == null && !active && !output && !noDerivative && HoldsFloatingPoint(p.Type, 0))
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ParameterTreatedAsData, location, p.Name, p.Type.ToDisplayString()));
                }
                result.Add(new ParameterModel(p.Name, type, active && !refAdjoint, output, isIn) { IsRef = refAdjoint });
            }
            return result;
        }

        /// <summary>
        /// Whether values of the type carry floating-point numbers that AutoDiff does not differentiate, so that a
        /// parameter of it silently becomes a constant: decimal and Half; a struct with a floating-point field at any
        /// depth (tuples included) or a floating-point type argument (<c>double?</c>, spans of such structs); the
        /// System.Numerics vectors, matrices, quaternions and Complex (whose fields reference assemblies may hide);
        /// arrays of any rank whose elements are such (<c>double[,]</c>, <c>double[][]</c>). Objects (classes,
        /// interfaces, collections), delegates, type parameters, enums and integer-only structs are passed through
        /// as data, as the contract says, and get no warning.
        /// </summary>
        internal static bool HoldsFloatingPoint(ITypeSymbol type, int depth)
        {
            if (depth > 8) return false;
            switch (type.SpecialType)
            {
                case SpecialType.System_Double:
                case SpecialType.System_Single:
                case SpecialType.System_Decimal:
                    return true;
            }
            if (type is IArrayTypeSymbol array) return HoldsFloatingPoint(array.ElementType, depth + 1);
            if (!(type is INamedTypeSymbol named) || named.TypeKind == Microsoft.CodeAnalysis.TypeKind.Delegate || named.TypeKind == Microsoft.CodeAnalysis.TypeKind.Enum) return false;
            string ns = named.ContainingNamespace?.ToDisplayString() ?? "";
            if (ns == "System.Numerics" && NumericsTypes.Contains(named.Name)) return true;
            if (ns == "System" && named.Name == "Half") return true;
            if (named.TypeKind != Microsoft.CodeAnalysis.TypeKind.Struct || named.SpecialType != SpecialType.None) return false;
            return named.TypeArguments.Any(t => HoldsFloatingPoint(t, depth + 1))
                || named.GetMembers().OfType<IFieldSymbol>().Any(f => !f.IsStatic && !f.IsConst && HoldsFloatingPoint(f.Type, depth + 1));
        }

        private static readonly HashSet<string> NumericsTypes = new HashSet<string>
        {
            "Complex", "Vector2", "Vector3", "Vector4", "Quaternion", "Plane", "Matrix3x2", "Matrix4x4",
        };

        private static string RefKeyword(RefKind kind) => kind switch
        {
            RefKind.Ref => "ref",
            RefKind.Out => "out",
            RefKind.In => "in",
            _ => "ref readonly",
        };

        private static void CheckContainingTypes(IMethodSymbol method, MethodDeclarationSyntax syntax, List<Diagnostic> diagnostics, bool blocksOnly = false)
        {
            foreach (var type in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                if (!IsOrdinaryTypeDeclaration(type))
                {
                    // A C# 14 'extension' block (unknown to the Roslyn AutoDiff builds against) has no name to extend.
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedContainingType, type.Keyword.GetLocation(), method.Name,
                        "it is declared in an '" + type.Keyword.Text + "' block, to which AutoDiff cannot add members; declare it as a static method of a partial class"));
                    continue;
                }
                if (blocksOnly) continue;
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, type.Identifier.GetLocation(), type.Identifier.Text, method.Name));
                }
                if (type.Modifiers.Any(SyntaxKind.FileKeyword))
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedContainingType, type.Identifier.GetLocation(), method.Name,
                        "'" + type.Identifier.Text + "' is a 'file' type, visible only in its own file, and the companions are generated in another file; remove 'file' or move the method to a type that is not file-local"));
                }
            }
        }

        private static bool IsOrdinaryTypeDeclaration(TypeDeclarationSyntax type) =>
            type.IsKind(SyntaxKind.ClassDeclaration) || type.IsKind(SyntaxKind.StructDeclaration) || type.IsKind(SyntaxKind.InterfaceDeclaration)
            || type.IsKind(SyntaxKind.RecordDeclaration) || type.IsKind(SyntaxKind.RecordStructDeclaration);

        private static void CheckSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, KnownTypes types, List<Diagnostic> diagnostics, Compilation compilation)
        {
            if (GenericProblem(method) is string generic)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GenericMethod, syntax.TypeParameterList?.GetLocation() ?? syntax.Identifier.GetLocation(), method.Name, generic));
            }
            if (syntax.Body == null && syntax.ExpressionBody == null)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MethodWithoutBody, syntax.Identifier.GetLocation(), method.Name));
            }
            bool vectorValued = method.ReturnsVoid && method.Parameters.Any(p => TypeRefs.IsWritableSpan(p.Type)
                && (TypeRefs.From(p.Type).IsFloatingSequence || StructParameters.IsStructOutput(p.Type)) && !types.IsNoDerivative(p));
            // A generic method gets ADIFF010 alone, not also ADIFF002 for returning T.
            if (!vectorValued && !method.IsGenericMethod && !method.ReturnsByRef && !method.ReturnsByRefReadonly && StructLayout.IsCandidate(method.ReturnType)
                && StructLayout.For(method.ReturnType, method.ContainingType, compilation, out string why) == null)
            {
                // A struct result AutoDiff cannot take apart: say why.
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedValueType, syntax.ReturnType.GetLocation(), method.ReturnType.ToDisplayString(), why));
            }
            else if (!vectorValued && GenericProblem(method) == null && (method.ReturnsByRef || method.ReturnsByRefReadonly || !TypeRefs.IsFloating(method.ReturnType))
                && StructParameters.Return(method, compilation) == null)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, syntax.ReturnType.GetLocation(), method.Name,
                    (method.ReturnsByRef || method.ReturnsByRefReadonly ? "ref " : "") + method.ReturnType.ToDisplayString()));
            }
        }

        private static void CheckGeneratedNames(IMethodSymbol method, MethodDeclarationSyntax syntax, KnownTypes types, List<Diagnostic> diagnostics)
        {
            bool vectorValued = method.ReturnsVoid;
            // (A method returning a struct is vector-valued too: Jvp, Vjp, Jacobian.)
            foreach (var suffix in CustomRules.Pullback(method) != null ? new[] { "Tangent" } : vectorValued || StructLayout.IsCandidate(method.ReturnType) ? VectorCompanionSuffixes : CompanionSuffixes)
            {
                string name = method.Name + suffix;
                var existing = method.ContainingType.GetMembers(name).Where(m => !IsGeneratedByUs(m, types));
                if (existing.Any())
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GeneratedNameExists, syntax.Identifier.GetLocation(), name, method.Name, method.ContainingType.Name));
                }
            }
        }

        /// <summary>In the IDE the analyzer sees our own output; those members are not conflicts.</summary>
        private static bool IsGeneratedByUs(ISymbol member, KnownTypes types) =>
            member.GetAttributes().Any(a =>
                KnownTypes.Is(a.AttributeClass, types.GeneratedCode) &&
                a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == Emit.CompanionEmitter.GeneratorName);

        /// <summary>The namespace as C# spells it, keywords escaped (<c>@class.Models</c>).</summary>
        private static string Namespace(INamespaceSymbol ns) =>
            ns.ContainingNamespace == null || ns.ContainingNamespace.IsGlobalNamespace ? Identifiers.Escape(ns.Name) : Namespace(ns.ContainingNamespace) + "." + Identifiers.Escape(ns.Name);

        private static EquatableArray<ContainingType> ContainingTypes(IMethodSymbol method)
        {
            var types = new List<ContainingType>();
            for (var type = method.ContainingType; type != null; type = type.ContainingType)
            {
                string keywords = type.IsRecord
                    ? (type.IsValueType ? "partial record struct" : "partial record")
                    : type.TypeKind switch
                    {
                        Microsoft.CodeAnalysis.TypeKind.Struct => type.IsRefLikeType ? "ref partial struct" : "partial struct",
                        Microsoft.CodeAnalysis.TypeKind.Interface => "partial interface",
                        _ => "partial class",
                    };
                string name = Identifiers.Escape(type.Name) + (type.TypeParameters.Length > 0 ? "<" + string.Join(", ", type.TypeParameters.Select(t => Identifiers.Escape(t.Name))) + ">" : "");
                types.Insert(0, new ContainingType(keywords, name));
            }
            return types.ToEquatableArray();
        }

        /// <summary>
        /// <c>{Namespace}.{Type}.{Method}.g.cs</c>: type parameters in braces (<c>Fns{T}</c>, which no identifier can
        /// spell), and for overloaded [Differentiable] methods the parameter types in parentheses, so each gets its own,
        /// stable file. <see cref="HintNames"/> keeps it to characters and a length every file system takes; the
        /// generator makes the rare remaining clashes (names that differ in case only) unique.
        /// </summary>
        private static string HintName(IMethodSymbol method, KnownTypes known)
        {
            var parts = new List<string>();
            if (!method.ContainingNamespace.IsGlobalNamespace) parts.Add(method.ContainingNamespace.ToDisplayString());
            var types = new List<string>();
            for (var type = method.ContainingType; type != null; type = type.ContainingType)
            {
                types.Insert(0, type.Name + (type.TypeParameters.Length > 0 ? "{" + string.Join(",", type.TypeParameters.Select(t => t.Name)) + "}" : ""));
            }
            parts.AddRange(types);
            string name = method.Name;
            bool overloaded = method.ContainingType != null && method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
                .Count(m => KnownTypes.Has(m, known.Differentiable)) > 1;
            if (overloaded)
            {
                name += "(" + string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(ParameterTypeFormat).Replace('<', '{').Replace('>', '}').Replace(" ", ""))) + ")";
            }
            parts.Add(name);
            return HintNames.Limit(HintNames.Sanitize(string.Join(".", parts)));
        }

        private static readonly SymbolDisplayFormat ParameterTypeFormat = new SymbolDisplayFormat(
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
            miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        private static string Accessibility(Accessibility accessibility) => accessibility switch
        {
            Microsoft.CodeAnalysis.Accessibility.Public => "public",
            Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
            Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
            Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
            Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
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
        public const string DifferentiableAttribute = "AutoDiff.DifferentiableAttribute";
        public const string NoDerivativeAttribute = "AutoDiff.NoDerivativeAttribute";

        /// <summary>Whether the parameter is marked [NoDerivative].</summary>
        public static bool IsNoDerivative(IParameterSymbol p) => p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NoDerivativeAttribute);
        public static readonly string[] CompanionSuffixes = { "Gradient", "Vjp", "Jvp", "Hvp", "Hessian" };
        public static readonly string[] VectorCompanionSuffixes = { "Jvp", "Vjp", "Jacobian" };

        public static MethodModel Analyze(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            // Calls to [Differentiable] methods analyse the callee too; that must see the same method.
            method = method.OriginalDefinition;
            // [Differentiable] on the declaring part of a partial method: the body is on the other part.
            if (syntax.Body == null && syntax.ExpressionBody == null && method.PartialImplementationPart is IMethodSymbol implementation
                && implementation.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax implementationSyntax)
            {
                syntax = implementationSyntax;
                if (syntax.SyntaxTree != semanticModel.SyntaxTree) semanticModel = semanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree);
                method = implementation;
            }
            int before = diagnostics.Count;
            var parameters = Parameters(method, syntax, diagnostics);
            CheckContainingTypes(method, syntax, diagnostics);
            CheckSignature(method, syntax, diagnostics);
            CheckGeneratedNames(method, syntax, diagnostics);
            bool signatureOk = !diagnostics.Skip(before).Any(d => d.Severity == DiagnosticSeverity.Error);

            if (signatureOk && parameters.All(p => !p.IsActive))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoActiveParameters, syntax.Identifier.GetLocation(), method.Name));
                signatureOk = false;
            }

            IrFunction? primal = null;
            var body = (SyntaxNode?)syntax.Body ?? syntax.ExpressionBody;
            if (body != null && semanticModel.GetOperation(syntax, cancellationToken) is IOperation operation)
            {
                // Lower even when the signature is wrong, so every problem in the body is reported too.
                primal = Lowering.Lower(method, operation, parameters, diagnostics, cancellationToken);
            }
            if (!signatureOk) primal = null;
            bool optedIn = SecondOrderRequested(method);
            if (!optedIn || method.ReturnsVoid || primal == null)
            {
                // Nothing second-order was asked for (or nothing is generated at all), so nothing is missing.
                for (int i = diagnostics.Count - 1; i >= before; i--)
                {
                    if (diagnostics[i].Id == DiagnosticDescriptors.NoSecondOrder.Id) diagnostics.RemoveAt(i);
                }
            }

            return new MethodModel(
                HintName(method),
                method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
                ContainingTypes(method),
                Accessibility(method.DeclaredAccessibility),
                method.IsStatic,
                method.Name,
                TypeRefs.From(method.ReturnType),
                parameters.ToEquatableArray(),
                primal,
                SecondOrder: primal != null && !method.ReturnsVoid && optedIn && !diagnostics.Skip(before).Any(d => d.Id == DiagnosticDescriptors.NoSecondOrder.Id));
        }

        /// <summary><c>[Differentiable(SecondOrder = false)]</c> turns off Hvp and Hessian (and AD0014) for a method.</summary>
        private static bool SecondOrderRequested(IMethodSymbol method)
        {
            var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttribute);
            var option = attribute?.NamedArguments.FirstOrDefault(a => a.Key == "SecondOrder");
            return !(option?.Value.Value is bool requested) || requested;
        }

        private static List<ParameterModel> Parameters(IMethodSymbol method, MethodDeclarationSyntax syntax, List<Diagnostic> diagnostics)
        {
            var result = new List<ParameterModel>();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                bool noDerivative = IsNoDerivative(p);
                var location = i < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[i].GetLocation() : syntax.Identifier.GetLocation();
                string? problem = null;
                if (p.RefKind != RefKind.None) problem = "'" + RefKeyword(p.RefKind) + "' parameters are not supported; pass it by value";
                else if (p.IsParams) problem = "'params' parameters are not supported";
                else if (p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Pointer || p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.FunctionPointer) problem = "pointer parameters are not supported";
                else if (p.Type.TypeKind == Microsoft.CodeAnalysis.TypeKind.Dynamic) problem = "'dynamic' parameters are not supported";
                var type = TypeRefs.From(p.Type);
                bool output = !noDerivative && TypeRefs.IsWritableSpan(p.Type) && type.IsFloatingSequence;
                if (output && !method.ReturnsVoid) problem = "a writable Span is an output of a vector-valued method, which returns void; return void, take a ReadOnlySpan, or mark it [NoDerivative]";
                if (problem != null) diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedParameter, location, p.Name, problem));
                bool active = !noDerivative && (TypeRefs.IsFloating(p.Type) || (type.IsFloatingSequence && !TypeRefs.IsWritableSpan(p.Type)));
                result.Add(new ParameterModel(p.Name, type, active, output));
            }
            return result;
        }

        private static string RefKeyword(RefKind kind) => kind switch
        {
            RefKind.Ref => "ref",
            RefKind.Out => "out",
            RefKind.In => "in",
            _ => "ref readonly",
        };

        private static void CheckContainingTypes(IMethodSymbol method, MethodDeclarationSyntax syntax, List<Diagnostic> diagnostics)
        {
            foreach (var type in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, type.Identifier.GetLocation(), type.Identifier.Text, method.Name));
                }
            }
        }

        private static void CheckSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, List<Diagnostic> diagnostics)
        {
            if (method.IsGenericMethod)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GenericMethod, syntax.TypeParameterList?.GetLocation() ?? syntax.Identifier.GetLocation(), method.Name));
            }
            if (syntax.Body == null && syntax.ExpressionBody == null)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MethodWithoutBody, syntax.Identifier.GetLocation(), method.Name));
            }
            bool vectorValued = method.ReturnsVoid && method.Parameters.Any(p => TypeRefs.IsWritableSpan(p.Type)
                && TypeRefs.From(p.Type).IsFloatingSequence && !IsNoDerivative(p));
            if (!vectorValued && (method.ReturnsByRef || method.ReturnsByRefReadonly || !TypeRefs.IsFloating(method.ReturnType)))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, syntax.ReturnType.GetLocation(), method.Name,
                    (method.ReturnsByRef || method.ReturnsByRefReadonly ? "ref " : "") + method.ReturnType.ToDisplayString()));
            }
        }

        private static void CheckGeneratedNames(IMethodSymbol method, MethodDeclarationSyntax syntax, List<Diagnostic> diagnostics)
        {
            bool vectorValued = method.ReturnsVoid;
            foreach (var suffix in vectorValued ? VectorCompanionSuffixes : CompanionSuffixes)
            {
                string name = method.Name + suffix;
                var existing = method.ContainingType.GetMembers(name).Where(m => !IsGeneratedByUs(m));
                if (existing.Any())
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.GeneratedNameExists, syntax.Identifier.GetLocation(), name, method.Name, method.ContainingType.Name));
                }
            }
        }

        /// <summary>In the IDE the analyzer sees our own output; those members are not conflicts.</summary>
        private static bool IsGeneratedByUs(ISymbol member) =>
            member.GetAttributes().Any(a =>
                a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute" &&
                a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == Emit.CompanionEmitter.GeneratorName);

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
                string name = type.Name + (type.TypeParameters.Length > 0 ? "<" + string.Join(", ", type.TypeParameters.Select(t => t.Name)) + ">" : "");
                types.Insert(0, new ContainingType(keywords, name));
            }
            return types.ToEquatableArray();
        }

        /// <summary>
        /// <c>{Namespace}.{Type}.{Method}.g.cs</c>; overloaded [Differentiable] methods add their
        /// parameter types so each gets its own, stable file.
        /// </summary>
        private static string HintName(IMethodSymbol method)
        {
            var parts = new List<string>();
            if (!method.ContainingNamespace.IsGlobalNamespace) parts.Add(method.ContainingNamespace.ToDisplayString());
            var types = new List<string>();
            for (var type = method.ContainingType; type != null; type = type.ContainingType)
            {
                types.Insert(0, type.Name + (type.TypeParameters.Length > 0 ? "_" + string.Join("_", type.TypeParameters.Select(t => t.Name)) : ""));
            }
            parts.AddRange(types);
            string name = method.Name;
            bool overloaded = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
                .Count(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttribute)) > 1;
            if (overloaded)
            {
                name += "_" + string.Join("_", method.Parameters.Select(p => Sanitize(p.Type.ToDisplayString())));
            }
            parts.Add(name);
            return string.Join(".", parts) + ".g.cs";
        }

        private static string Sanitize(string text) =>
            new string(text.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

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

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AutoDiff.Generator.Frontend;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Generator.Diagnostics
{
    /// <summary>
    /// Reports every AutoDiff diagnostic in the IDE and at build time by running the same frontend
    /// as the generator over each [Differentiable] method.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class DifferentiableAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.ContainingTypeNotPartial,
            DiagnosticDescriptors.UnsupportedReturnType,
            DiagnosticDescriptors.UnsupportedParameter,
            DiagnosticDescriptors.UnsupportedConstruct,
            DiagnosticDescriptors.NoDerivativeForCall,
            DiagnosticDescriptors.WriteToField,
            DiagnosticDescriptors.GeneratedNameExists,
            DiagnosticDescriptors.DerivativeLostInConversion,
            DiagnosticDescriptors.NoActiveParameters,
            DiagnosticDescriptors.GenericMethod,
            DiagnosticDescriptors.MethodWithoutBody,
            DiagnosticDescriptors.WriteToInput,
            DiagnosticDescriptors.InvalidDerivativeRule,
            DiagnosticDescriptors.NoSecondOrder,
            DiagnosticDescriptors.NoJacobian,
            DiagnosticDescriptors.UnsupportedContainingType,
            DiagnosticDescriptors.ParameterTreatedAsData,
            DiagnosticDescriptors.UnsupportedValueType,
            DiagnosticDescriptors.ActiveByReference,
            DiagnosticDescriptors.CheckpointNotApplied,
            DiagnosticDescriptors.CheckpointEveryK,
            DiagnosticDescriptors.InternalError);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                // The state the generator's frontend uses too: known types, the rules, every method's summary.
                var state = CompilationState.For(start.Compilation);
                if (state.Types.Differentiable == null) return;
                start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, state), SyntaxKind.MethodDeclaration);
                if (state.Types.DerivativeOf != null) start.RegisterSymbolAction(symbol => AnalyzeRule(symbol, state), SymbolKind.Method);
            });
        }

        /// <summary>A [DerivativeOf] method: its target must exist, match, and have no other rule.</summary>
        private static void AnalyzeRule(SymbolAnalysisContext context, CompilationState state)
        {
            var method = (IMethodSymbol)context.Symbol;
            // The implementation part of a partial rule is reported at its declaring part, which gets its own action.
            if (method.PartialDefinitionPart != null || !KnownTypes.Has(method, state.Types.DerivativeOf)) return;
            var rule = CustomRules.All(state.Compilation).FirstOrDefault(r => SymbolEqualityComparer.Default.Equals(r.Rule, method));
            if (rule?.Problem == null) return;
            var location = method.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidDerivativeRule, location, method.Name, rule.Problem));
        }

        private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, CompilationState state)
        {
            var syntax = (MethodDeclarationSyntax)context.Node;
            if (syntax.AttributeLists.Count == 0) return;
            if (!(context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is IMethodSymbol method)) return;
            if (state.Options(method) == null) return;
            var diagnostics = new List<Diagnostic>();
            try
            {
                var model = MethodFrontend.Analyze(method, syntax, context.SemanticModel, state, diagnostics, context.CancellationToken);
                // The generator's own step: what it cannot emit is reported here, at the method, before it fails.
                var file = DifferentiableGenerator.Generate(model, Transforms.PassOptions.From(context.Options.AnalyzerConfigOptionsProvider.GlobalOptions), context.CancellationToken);
                if (file.Error != null)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(), method.Name, file.Error));
                }
            }
            catch (System.Exception e) when (!(e is System.OperationCanceledException))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(), method.Name, e.GetType().Name + ": " + e.Message));
            }
            foreach (var diagnostic in diagnostics) context.ReportDiagnostic(diagnostic);
        }
    }
}

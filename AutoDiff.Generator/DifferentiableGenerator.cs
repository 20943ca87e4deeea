using System;
using System.Collections.Generic;
using System.Threading;
using AutoDiff.Generator.Diagnostics;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generator
{
    /// <summary>Names of the incremental steps, for caching tests.</summary>
    public static class TrackingNames
    {
        public const string Model = "AutoDiff.Model";
        public const string Emitted = "AutoDiff.Emitted";
    }

    /// <summary>A generated file, or the reason generation failed (reported as AD0099).</summary>
    public sealed record GeneratedFile(string HintName, string? Source, string? Method, string? Error);

    /// <summary>
    /// Wires the pipeline: frontend (C# → IR, the cache boundary) → transforms → emit. Diagnostics
    /// come from <see cref="DifferentiableAnalyzer"/>; a method with errors gets no code here.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class DifferentiableGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var models = context.SyntaxProvider.ForAttributeWithMetadataName(
                    MethodFrontend.DifferentiableAttribute,
                    static (node, _) => node is MethodDeclarationSyntax,
                    static (ctx, ct) => BuildModel(ctx, ct))
                .WithTrackingName(TrackingNames.Model);

            var files = models
                .Select(static (model, ct) => Generate(model, ct))
                .WithTrackingName(TrackingNames.Emitted);

            context.RegisterSourceOutput(files, static (spc, file) =>
            {
                if (file.Source != null) spc.AddSource(file.HintName, file.Source);
                if (file.Error != null)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, file.Method, file.Error));
                }
            });
        }

        private static MethodModel BuildModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            try
            {
                return MethodFrontend.Analyze(method, syntax, context.SemanticModel, new List<Diagnostic>(), cancellationToken);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return new MethodModel(method.Name + ".g.cs", null, EquatableArray<ContainingType>.Empty, "", true, method.Name,
                    TypeRef.Double, EquatableArray<ParameterModel>.Empty, null, e.GetType().Name + ": " + e.Message);
            }
        }

        internal static GeneratedFile Generate(MethodModel model, CancellationToken cancellationToken)
        {
            if (model.InternalError != null) return new GeneratedFile(model.HintName, null, model.Name, model.InternalError);
            if (!model.CanGenerate) return new GeneratedFile(model.HintName, null, null, null);
            try
            {
                return new GeneratedFile(model.HintName, CompanionEmitter.Emit(model, cancellationToken), model.Name, null);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return new GeneratedFile(model.HintName, null, model.Name, e.GetType().Name + ": " + e.Message);
            }
        }
    }
}

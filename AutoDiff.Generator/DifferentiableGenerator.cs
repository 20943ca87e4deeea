using System;
using System.Collections.Generic;
using System.Linq;
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

    /// <summary>
    /// A generated file, or the reason generation failed (reported as AD0099 at <see cref="Location"/>).
    /// <see cref="Identity"/> names the method with its parameters, telling apart methods whose hint names clash.
    /// </summary>
    public sealed record GeneratedFile(string HintName, string? Source, string? Method, string? Error, LocationInfo? Location = null, string Identity = "");

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

            // Which passes run, and whether the IR is verified after each (MSBuild properties; DEVELOPERS.md, "Pipeline").
            var passes = context.AnalyzerConfigOptionsProvider.Select(static (provider, _) => Transforms.PassOptions.From(provider.GlobalOptions));
            var files = models.Combine(passes)
                .Select(static (input, ct) => Generate(input.Left, input.Right, ct))
                .WithTrackingName(TrackingNames.Emitted);

            // One output for all files: only there can every hint name be checked against the others. Each file is
            // added on its own, so nothing one method does costs another its companions.
            context.RegisterSourceOutput(files.Collect(), static (spc, all) => AddSources(spc, all));
        }

        private static void AddSources(SourceProductionContext context, System.Collections.Immutable.ImmutableArray<GeneratedFile> files)
        {
            foreach (var file in files)
            {
                if (file.Error != null) context.ReportDiagnostic(InternalError(file, file.Error));
            }
            var generated = files.Where(f => f.Source != null).ToList();
            var names = HintNames.MakeUnique(generated.Select(f => (f.HintName, f.Identity, f.Source!)).ToList());
            for (int i = 0; i < generated.Count; i++)
            {
                if (names[i] == null) continue;
                try
                {
                    context.AddSource(names[i]!, generated[i].Source!);
                }
                catch (ArgumentException e)
                {
                    context.ReportDiagnostic(InternalError(generated[i], e.Message));
                }
            }
        }

        private static Diagnostic InternalError(GeneratedFile file, string error) =>
            Diagnostic.Create(DiagnosticDescriptors.InternalError, file.Location?.ToLocation() ?? Location.None, file.Method, error);

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
                return new MethodModel(HintNames.Limit(HintNames.Sanitize(method.Name)), null, EquatableArray<ContainingType>.Empty, "", true, method.Name,
                    TypeRef.Double, EquatableArray<ParameterModel>.Empty, null, e.GetType().Name + ": " + e.Message,
                    Location: LocationInfo.From(syntax.Identifier.GetLocation()), Identity: MethodFrontend.Identity(method));
            }
        }

        /// <summary>
        /// The transforms and the emitter for one method. The analyzer runs this too, so whatever fails here is
        /// reported (AD0099 at the method) by the analyzer first.
        /// </summary>
        public static GeneratedFile Generate(MethodModel model, CancellationToken cancellationToken) => Generate(model, Transforms.PassOptions.Default, cancellationToken);

        public static GeneratedFile Generate(MethodModel model, Transforms.PassOptions options, CancellationToken cancellationToken)
        {
            if (model.InternalError != null) return new GeneratedFile(model.HintName, null, model.Name, model.InternalError, model.Location, model.Identity);
            if (!model.CanGenerate) return new GeneratedFile(model.HintName, null, null, null, model.Location, model.Identity);
            try
            {
                return new GeneratedFile(model.HintName, CompanionEmitter.Emit(model, options, cancellationToken), model.Name, null, model.Location, model.Identity);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return new GeneratedFile(model.HintName, null, model.Name, e.GetType().Name + ": " + e.Message, model.Location, model.Identity);
            }
        }
    }
}

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
        /// <summary>The [DerivativeOf] methods of the compilation, as documentation ids (sorted).</summary>
        public const string Rules = "AutoDiff.Rules";
        /// <summary>Where each [Differentiable] method is declared.</summary>
        public const string Site = "AutoDiff.Site";
        public const string Model = "AutoDiff.Model";
        public const string Emitted = "AutoDiff.Emitted";
    }

    /// <summary>
    /// A generated file, or the reason generation failed (reported as ADIFF099 at <see cref="Location"/>).
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
            // The [DerivativeOf] rules, found by the compiler's attribute index (aliases included, each tree looked at
            // again only when it changes), as ids: the methods that call a rule's target are analysed with every rule.
            var rules = context.SyntaxProvider.ForAttributeWithMetadataName(
                    KnownTypes.DerivativeOfName,
                    static (node, _) => node is MethodDeclarationSyntax,
                    static (ctx, _) => RuleId((IMethodSymbol)ctx.TargetSymbol))
                .Collect()
                .Select(static (ids, _) => ids.Where(id => id != null).Select(id => id!).Distinct().OrderBy(id => id, StringComparer.Ordinal).ToEquatableArray())
                .WithTrackingName(TrackingNames.Rules);

            var sites = context.SyntaxProvider.ForAttributeWithMetadataName(
                    MethodFrontend.DifferentiableAttribute,
                    static (node, _) => node is MethodDeclarationSyntax,
                    static (ctx, _) => MethodSite.From((IMethodSymbol)ctx.TargetSymbol, (MethodDeclarationSyntax)ctx.TargetNode))
                .WithTrackingName(TrackingNames.Site);

            // Each method is analysed against the whole compilation (its callees' summaries, the rules); the model it
            // gives is symbol-free, so what follows reruns only for the methods whose model changed.
            var models = sites.Combine(rules).Combine(context.CompilationProvider)
                .Select(static (input, ct) => BuildModel(input.Left.Left, input.Left.Right, input.Right, ct))
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

        /// <summary>A [DerivativeOf] method's documentation id (the same for both parts of a partial method).</summary>
        private static string? RuleId(IMethodSymbol rule) => DocumentationCommentId.CreateDeclarationId(rule.PartialDefinitionPart ?? rule);

        private static MethodModel BuildModel(MethodSite site, EquatableArray<string> rules, Compilation compilation, CancellationToken cancellationToken)
        {
            var state = CompilationState.For(compilation, s => RuleMethods(s, rules));
            var found = site.Find(state, cancellationToken);
            if (found == null)
            {
                return ErrorModel(site, "the method was not found again in the compilation");
            }
            var (method, syntax, semanticModel) = found.Value;
            try
            {
                return MethodFrontend.Analyze(method, syntax, semanticModel, state, new List<Diagnostic>(), cancellationToken);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                return ErrorModel(site, e.GetType().Name + ": " + e.Message);
            }
        }

        private static MethodModel ErrorModel(MethodSite site, string error) =>
            new MethodModel(HintNames.Limit(HintNames.Sanitize(site.Name)), null, EquatableArray<ContainingType>.Empty, "", true, site.Name,
                TypeRef.Double, EquatableArray<ParameterModel>.Empty, null, error, Location: site.Location, Identity: site.Identity);

        /// <summary>The [DerivativeOf] methods the pipeline found, by id.</summary>
        private static IEnumerable<IMethodSymbol> RuleMethods(CompilationState state, EquatableArray<string> ids) =>
            ids.SelectMany(id => DocumentationCommentId.GetSymbolsForDeclarationId(id, state.Compilation)).OfType<IMethodSymbol>();

        /// <summary>
        /// The transforms and the emitter for one method. The analyzer runs this too, so whatever fails here is
        /// reported (ADIFF099 at the method) by the analyzer first.
        /// </summary>
        public static GeneratedFile Generate(MethodModel model, CancellationToken cancellationToken) => Generate(model, Transforms.PassOptions.Default, cancellationToken);

        public static GeneratedFile Generate(MethodModel model, Transforms.PassOptions options, CancellationToken cancellationToken)
        {
            if (model.InternalError != null) return new GeneratedFile(model.HintName, null, model.Name, model.InternalError, model.Location, model.Identity);
            if (!model.CanGenerate || model.InPlaceOnly) return new GeneratedFile(model.HintName, null, null, null, model.Location, model.Identity);
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

using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using AutoDiff.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.CodeFixes
{
    /// <summary>
    /// Marks a parameter <c>[NoDerivative]</c>: ADIFF016 (a parameter of a type AutoDiff treats as data), and ADIFF003 for a
    /// writable span on a method that returns a value (the one ADIFF003 case that <c>[NoDerivative]</c> resolves; the
    /// others, ref/out/in, params, pointers and dynamic, are reported with or without it).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NoDerivativeCodeFix)), Shared]
    public sealed class NoDerivativeCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.ParameterTreatedAsData, DiagnosticIds.UnsupportedParameter);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!(root.FindNode(diagnostic.Location.SourceSpan) is ParameterSyntax parameter) || parameter.Span != diagnostic.Location.SourceSpan) continue;
                if (diagnostic.Id == DiagnosticIds.UnsupportedParameter && !IsSpanWithoutModifiers(parameter)) continue;
                context.RegisterCodeFix(
                    CodeAction.Create("Mark '" + parameter.Identifier.Text + "' [NoDerivative]", c => Fix(context.Document, parameter, c), nameof(NoDerivativeCodeFix)),
                    diagnostic);
            }
        }

        private static bool IsSpanWithoutModifiers(ParameterSyntax parameter)
        {
            if (parameter.Modifiers.Count > 0) return false;
            var type = parameter.Type;
            if (type is QualifiedNameSyntax qualified) type = qualified.Right;
            return type is GenericNameSyntax generic && generic.Identifier.Text == "Span";
        }

        private static async Task<Document> Fix(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return document;
            var name = Names.Attribute(model, parameter.SpanStart, "NoDerivative");
            var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithTrailingTrivia(SyntaxFactory.Space);
            var marked = parameter.WithoutLeadingTrivia().AddAttributeLists(list).WithLeadingTrivia(parameter.GetLeadingTrivia());
            return document.WithSyntaxRoot(root.ReplaceNode(parameter, marked));
        }
    }
}

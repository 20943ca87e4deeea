using System.Collections.Generic;
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
    /// Wraps an argument of the call named by ADIFF005 (no derivative) or ADIFF008 (the call returns a type without
    /// derivatives) in <c>Ad.StopGradient(…)</c>, saying that its derivative is zero: one fix per <c>double</c> or
    /// <c>float</c> argument that is not a constant, and one for such a receiver (<c>x.ToString()</c>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StopGradientCodeFix)), Shared]
    public sealed class StopGradientCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.NoDerivativeForCall, DiagnosticIds.DerivativeLostInConversion);

        /// <summary>Which argument to wrap differs from call to call, so there is no fix-all.</summary>
        public override FixAllProvider? GetFixAllProvider() => null;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call)
                    || call.Span != diagnostic.Location.SourceSpan) continue;
                foreach (var value in Candidates(model, call, context.CancellationToken))
                {
                    var shown = value.ToString();
                    context.RegisterCodeFix(
                        CodeAction.Create("Wrap '" + shown + "' in Ad.StopGradient", c => Fix(context.Document, value, c), nameof(StopGradientCodeFix) + ":" + shown),
                        diagnostic);
                }
            }
        }

        /// <summary>The receiver, then the arguments, that are <c>double</c> or <c>float</c> values and not constants.</summary>
        private static IEnumerable<ExpressionSyntax> Candidates(SemanticModel model, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            if (call.Expression is MemberAccessExpressionSyntax member && IsFloatingValue(model, member.Expression, cancellationToken))
                yield return member.Expression;
            foreach (var argument in call.ArgumentList.Arguments)
            {
                if (argument.RefKindKeyword.IsKind(SyntaxKind.None) && IsFloatingValue(model, argument.Expression, cancellationToken))
                    yield return argument.Expression;
            }
        }

        private static bool IsFloatingValue(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken)
        {
            if (model.GetSymbolInfo(expression, cancellationToken).Symbol is ITypeSymbol or INamespaceSymbol) return false;
            if (model.GetConstantValue(expression, cancellationToken).HasValue) return false;
            if (IsStopGradient(model, expression, cancellationToken)) return false;
            var type = model.GetTypeInfo(expression, cancellationToken).Type;
            return type?.SpecialType is SpecialType.System_Double or SpecialType.System_Single;
        }

        private static bool IsStopGradient(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken) =>
            expression is InvocationExpressionSyntax invocation
            && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol { Name: "StopGradient" } method
            && method.ContainingType?.ToDisplayString() == "AutoDiff.Ad";

        private static async Task<Document> Fix(Document document, ExpressionSyntax value, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return document;
            var inner = value;
            while (inner is ParenthesizedExpressionSyntax parenthesized) inner = parenthesized.Expression;
            var ad = Names.Type(model, value.SpanStart, "Ad");
            var wrapped = SyntaxFactory.InvocationExpression(
                    SyntaxFactory.ParseExpression(ad + ".StopGradient"),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(inner.WithoutTrivia()))))
                .WithTriviaFrom(value);
            return document.WithSyntaxRoot(root.ReplaceNode(value, wrapped));
        }
    }
}

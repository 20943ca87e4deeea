using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
    /// ADIFF005 on a call to a method whose source is in the solution: adds <c>[Differentiable]</c> to that method, in
    /// whichever document declares it. Offered where the diagnostic advises it: the callee is not already
    /// <c>[Differentiable]</c>, is not generic, has a body, returns <c>double</c> or <c>float</c>, and is static, or not
    /// virtual and called on this instance or on another object of a class (a call on a struct value is not differentiated).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkCalleeDifferentiableCodeFix)), Shared]
    public sealed class MarkCalleeDifferentiableCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NoDerivativeForCall);

        /// <summary>The edit is in the callee's document, not at the diagnostic: fixed one at a time.</summary>
        public override FixAllProvider? GetFixAllProvider() => null;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return;
            var solution = context.Document.Project.Solution;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call)
                    || call.Span != diagnostic.Location.SourceSpan) continue;
                if (!(model.GetSymbolInfo(call, context.CancellationToken).Symbol is IMethodSymbol callee) || !Eligible(callee, call)) continue;
                var declaration = callee.DeclaringSyntaxReferences
                    .Select(r => r.GetSyntax(context.CancellationToken)).OfType<MethodDeclarationSyntax>()
                    .FirstOrDefault(m => m.Body != null || m.ExpressionBody != null);
                var document = declaration == null ? null : solution.GetDocument(declaration.SyntaxTree);
                if (declaration == null || document == null) continue;
                context.RegisterCodeFix(
                    CodeAction.Create("Mark '" + callee.Name + "' [Differentiable]", c => Fix(document, declaration, c), nameof(MarkCalleeDifferentiableCodeFix)),
                    diagnostic);
            }
        }

        private static bool Eligible(IMethodSymbol callee, InvocationExpressionSyntax call)
        {
            if (callee.MethodKind != MethodKind.Ordinary || callee.IsGenericMethod || callee.IsAbstract || callee.IsExtern) return false;
            if (!(callee.ReturnType.SpecialType is SpecialType.System_Double or SpecialType.System_Single) || callee.ReturnsByRef || callee.ReturnsByRefReadonly) return false;
            if (callee.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "AutoDiff.DifferentiableAttribute")) return false;
            if (callee.IsStatic) return true;
            // An instance method differentiates when the method that runs is known (not virtual) and it is called on this
            // instance or on an object (not a struct value).
            if (callee.IsVirtual || callee.IsOverride || callee.ContainingType?.TypeKind == TypeKind.Interface) return false;
            return call.Expression is SimpleNameSyntax
                || (call.Expression is MemberAccessExpressionSyntax member && (member.Expression is ThisExpressionSyntax || callee.ContainingType?.IsReferenceType == true));
        }

        private static async Task<Document> Fix(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return document;
            var current = root.FindNode(method.Span) as MethodDeclarationSyntax ?? method;
            string newLine = text.ToString().Contains("\r\n") ? "\r\n" : "\n";
            var leading = current.GetLeadingTrivia();
            // The indentation of the method's line: the whitespace after its last line break.
            var indentation = SyntaxFactory.TriviaList(leading.Reverse().TakeWhile(t => !t.IsKind(SyntaxKind.EndOfLineTrivia)).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
            var name = Names.Attribute(model, current.SpanStart, "Differentiable");
            var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
            MethodDeclarationSyntax marked;
            if (current.AttributeLists.Count > 0)
            {
                // After the existing attributes, on a line of its own.
                marked = current.WithAttributeLists(current.AttributeLists.Add(list.WithLeadingTrivia(indentation)));
            }
            else
            {
                // Before the modifiers: it takes over the method's leading trivia (comments, documentation), the
                // method's first token keeps only the indentation.
                marked = current.WithoutLeadingTrivia().WithLeadingTrivia(indentation).WithAttributeLists(SyntaxFactory.SingletonList(list.WithLeadingTrivia(leading)));
            }
            return document.WithSyntaxRoot(root.ReplaceNode(current, marked));
        }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoDiff.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.CodeFixes
{
    /// <summary>
    /// ADIFF004 on <c>foreach</c> over something other than an array or span, when that something is a chain of LINQ
    /// <c>Select</c> and <c>Where</c> calls over a one-dimensional array local or parameter:
    /// <code>
    /// foreach (var v in xs.Where(x => x > 0).Select(x => x * x)) s += v;
    /// </code>
    /// becomes an index loop over the array that does what the chain does, element by element, in the same order:
    /// <code>
    /// for (int i = 0; i &lt; xs.Length; i++)
    /// {
    ///     var x = xs[i];
    ///     if (!(x > 0)) continue;
    ///     var v = x * x;
    ///     s += v;
    /// }
    /// </code>
    /// Offered only where that is the same program: every selector and predicate is a one-parameter lambda with an
    /// expression body (or a method group), the array is not assigned inside the loop, the names the rewrite declares
    /// are free, and the loop variable's declared type is the element type (no hidden cast).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForEachLinqToLoopCodeFix)), Shared]
    public sealed class ForEachLinqToLoopCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnsupportedConstruct);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
                if (!token.IsKind(SyntaxKind.ForEachKeyword) || token.Span != diagnostic.Location.SourceSpan || !(token.Parent is ForEachStatementSyntax loop)) continue;
                if (Plan(model, loop, context.CancellationToken) == null) continue;
                context.RegisterCodeFix(
                    CodeAction.Create("Rewrite the LINQ 'foreach' as an index loop", c => Fix(context.Document, loop, c), nameof(ForEachLinqToLoopCodeFix)),
                    diagnostic);
            }
        }

        private enum StepKind { Select, Where }

        private sealed class Step
        {
            public StepKind Kind;
            public string? Parameter;                  // a lambda's parameter, or null for a method group
            public IParameterSymbol? ParameterSymbol;
            public ExpressionSyntax Body = null!;      // the lambda's body, or the method group
        }

        private sealed class Rewrite
        {
            public IdentifierNameSyntax Source = null!;
            public List<Step> Steps = new List<Step>();
        }

        private static Rewrite? Plan(SemanticModel model, ForEachStatementSyntax loop, CancellationToken cancellationToken)
        {
            var rewrite = new Rewrite();
            var expression = loop.Expression;
            while (expression is InvocationExpressionSyntax call && call.Expression is MemberAccessExpressionSyntax member && member.Name is IdentifierNameSyntax name)
            {
                if (call.ArgumentList.Arguments.Count != 1 || !(model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method)) return null;
                var definition = method.ReducedFrom ?? method;
                if (definition.ContainingType?.ToDisplayString() != "System.Linq.Enumerable") return null;
                var kind = name.Identifier.Text switch { "Select" => StepKind.Select, "Where" => StepKind.Where, _ => (StepKind?)null };
                if (kind == null) return null;
                var step = StepOf(model, call.ArgumentList.Arguments[0].Expression, cancellationToken);
                if (step == null) return null;
                step.Kind = kind.Value;
                rewrite.Steps.Insert(0, step);
                expression = member.Expression;
            }
            if (rewrite.Steps.Count == 0 || !(expression is IdentifierNameSyntax source)) return null;
            if (!(model.GetTypeInfo(source, cancellationToken).Type is IArrayTypeSymbol { Rank: 1 })) return null;
            var sourceSymbol = model.GetSymbolInfo(source, cancellationToken).Symbol;
            if (!(sourceSymbol is ILocalSymbol || sourceSymbol is IParameterSymbol)) return null;
            var flow = model.AnalyzeDataFlow(loop);
            if (flow == null || !flow.Succeeded || flow.WrittenInside.Contains(sourceSymbol, SymbolEqualityComparer.Default)) return null;
            rewrite.Source = source;

            // The loop variable keeps its declared type only when no conversion hides in the foreach.
            var info = model.GetForEachStatementInfo(loop);
            if (!loop.Type.IsVar && !SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(loop.Type, cancellationToken).Type, info.ElementType)) return null;
            if (loop.AwaitKeyword != default) return null;
            return Names(model, loop, rewrite) == null ? null : rewrite;
        }

        private static Step? StepOf(SemanticModel model, ExpressionSyntax argument, CancellationToken cancellationToken)
        {
            switch (argument)
            {
                case SimpleLambdaExpressionSyntax lambda when lambda.ExpressionBody != null && lambda.Modifiers.Count == 0:
                    return new Step { Parameter = lambda.Parameter.Identifier.Text, ParameterSymbol = model.GetDeclaredSymbol(lambda.Parameter, cancellationToken), Body = lambda.ExpressionBody };
                case ParenthesizedLambdaExpressionSyntax lambda when lambda.ExpressionBody != null && lambda.Modifiers.Count == 0
                        && lambda.ParameterList.Parameters.Count == 1 && lambda.ReturnType == null:
                    var parameter = lambda.ParameterList.Parameters[0];
                    if (parameter.Modifiers.Count > 0) return null;
                    return new Step { Parameter = parameter.Identifier.Text, ParameterSymbol = model.GetDeclaredSymbol(parameter, cancellationToken), Body = lambda.ExpressionBody };
                case AnonymousFunctionExpressionSyntax _:
                    return null;
                default:
                    // A method group taking the element alone.
                    var symbol = model.GetSymbolInfo(argument, cancellationToken).Symbol as IMethodSymbol;
                    if (symbol == null || symbol.Parameters.Length != 1 || symbol.Parameters[0].RefKind != RefKind.None) return null;
                    return new Step { Body = argument };
            }
        }

        /// <summary>
        /// The index name, then one name per element variable: the source's element, then the result of every Select
        /// but the last (whose result is the loop variable). An element takes the name of the lambda parameter that first
        /// reads it when that is free, else <c>item</c>, <c>item2</c>, …. Null when a name would clash.
        /// </summary>
        private static List<string>? Names(SemanticModel model, ForEachStatementSyntax loop, Rewrite rewrite)
        {
            // Names a declaration inside the loop would collide with: every identifier in the loop's body and in the
            // steps (but a lambda's own parameter, which the rewrite renames).
            var used = new HashSet<string>(loop.Statement.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
            foreach (var step in rewrite.Steps)
            {
                used.UnionWith(step.Body.DescendantTokens(descendIntoTrivia: false)
                    .Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText != step.Parameter).Select(t => t.ValueText));
            }
            used.Add(loop.Identifier.ValueText);
            bool Free(string name) => !used.Contains(name) && model.LookupSymbols(loop.SpanStart, name: name).IsEmpty;
            string Fresh(string stem)
            {
                for (int n = 1; ; n++)
                {
                    var candidate = n == 1 ? stem : stem + n;
                    if (Free(candidate)) return candidate;
                }
            }

            var names = new List<string>();
            var index = new[] { "i", "j", "k" }.FirstOrDefault(Free) ?? Fresh("index");
            used.Add(index);
            names.Add(index);
            // The element variables: one before the first step, and one after every Select but the last.
            int count = 1 + rewrite.Steps.Take(rewrite.Steps.Count - 1).Count(s => s.Kind == StepKind.Select);
            int element = 0;
            for (int s = 0; element < count; s++)
            {
                // The step that first reads element number 'element' is step s.
                var reader = s < rewrite.Steps.Count ? rewrite.Steps[s] : null;
                string name = reader?.Parameter != null && Free(reader.Parameter) ? reader.Parameter : Fresh("item");
                used.Add(name);
                names.Add(name);
                element++;
                // Skip the Wheres that read the same element.
                while (s < rewrite.Steps.Count && rewrite.Steps[s].Kind == StepKind.Where) s++;
            }
            return names;
        }

        private static async Task<Document> Fix(Document document, ForEachStatementSyntax loop, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null) return document;
            var rewrite = Plan(model, loop, cancellationToken);
            var names = rewrite == null ? null : Names(model, loop, rewrite);
            if (rewrite == null || names == null) return document;

            string newLine = text.ToString().Contains("\r\n") ? "\r\n" : "\n";
            string indent = Indentation(text, loop.SpanStart);
            var block = loop.Statement as BlockSyntax;
            string inner = block != null && block.Statements.Count > 0 ? Indentation(text, block.Statements[0].SpanStart) : indent + "    ";
            string index = names[0];
            string source = rewrite.Source.Identifier.Text;

            var lines = new StringBuilder();
            int element = 1;
            string current = names[element];
            lines.Append(inner).Append("var ").Append(current).Append(" = ").Append(source).Append('[').Append(index).Append("];").Append(newLine);
            for (int s = 0; s < rewrite.Steps.Count; s++)
            {
                var step = rewrite.Steps[s];
                bool last = s == rewrite.Steps.Count - 1;
                var applied = Apply(model, step, current, cancellationToken);
                if (step.Kind == StepKind.Where)
                {
                    lines.Append(inner).Append("if (!").Append(Parenthesized(applied)).Append(") continue;").Append(newLine);
                    if (last) lines.Append(inner).Append(loop.Type).Append(' ').Append(loop.Identifier.Text).Append(" = ").Append(current).Append(';').Append(newLine);
                    continue;
                }
                string target = last ? loop.Identifier.Text : names[++element];
                string type = last ? loop.Type.ToString() : "var";
                lines.Append(inner).Append(type).Append(' ').Append(target).Append(" = ").Append(applied).Append(';').Append(newLine);
                current = target;
            }

            string body;
            string close;
            if (block != null)
            {
                body = string.Concat(block.Statements.Select(st => st.ToFullString()));
                close = block.CloseBraceToken.LeadingTrivia.ToFullString();
            }
            else
            {
                body = inner + loop.Statement.WithoutLeadingTrivia().WithoutTrailingTrivia().ToFullString() + newLine;
                close = indent;
            }
            var statement = "for (int " + index + " = 0; " + index + " < " + source + ".Length; " + index + "++)" + newLine
                + indent + "{" + newLine + lines + body + close + "}";
            var replacement = SyntaxFactory.ParseStatement(statement)
                .WithLeadingTrivia(loop.GetLeadingTrivia())
                .WithTrailingTrivia(loop.GetTrailingTrivia());
            return document.WithSyntaxRoot(root.ReplaceNode(loop, replacement));
        }

        /// <summary>The step's lambda body with its parameter renamed to <paramref name="element"/>, or the method group called on it.</summary>
        private static string Apply(SemanticModel model, Step step, string element, CancellationToken cancellationToken)
        {
            if (step.Parameter == null) return step.Body.WithoutTrivia() + "(" + element + ")";
            if (step.Parameter == element) return step.Body.WithoutTrivia().ToString();
            var references = step.Body.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Where(id => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, cancellationToken).Symbol, step.ParameterSymbol));
            return step.Body.ReplaceNodes(references, (_, id) => SyntaxFactory.IdentifierName(element).WithTriviaFrom(id)).WithoutTrivia().ToString();
        }

        private static string Parenthesized(string expression)
        {
            var parsed = SyntaxFactory.ParseExpression(expression);
            return parsed is IdentifierNameSyntax || parsed is InvocationExpressionSyntax || parsed is MemberAccessExpressionSyntax
                || parsed is ElementAccessExpressionSyntax || parsed is ParenthesizedExpressionSyntax || parsed is LiteralExpressionSyntax
                ? expression : "(" + expression + ")";
        }

        private static string Indentation(SourceText text, int position)
        {
            var line = text.Lines.GetLineFromPosition(position);
            int start = line.Start;
            int end = start;
            while (end < line.End && (text[end] == ' ' || text[end] == '\t')) end++;
            return text.ToString(TextSpan.FromBounds(start, end));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generator.Tests.Mutation;

/// <summary>One mutated copy of a seed source: which operator changed what, where.</summary>
public sealed record Mutant(string Seed, string Operator, int Site, string Description, int Line, string Source)
{
    /// <summary>Stable for a given seed text: <c>{seed}:{operator}:{site}</c>, what <c>AUTODIFF_MUTATION_ONLY</c> takes.</summary>
    public string Id => Seed + ":" + Operator + ":" + Site.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A place one operator can change, built into a mutant only when it is sampled.</summary>
public sealed record MutationSite(string Seed, string Operator, int Site, string Description, int Line, Func<string> Build)
{
    public string Id => Seed + ":" + Operator + ":" + Site.ToString(CultureInfo.InvariantCulture);

    public Mutant ToMutant() => new(Seed, Operator, Site, Description, Line, Build());
}

/// <summary>
/// Syntactic mutation operators over a seed source. Every operator finds its sites in the syntax
/// tree (and, for renames and types, the semantic model) and produces one mutant per site; choices
/// within a site (the new name, the new function) follow a hash of the site, so the same seed text
/// always gives the same mutants. Some operators keep the code valid (renames, wrapping, swapped
/// operators), others break it the way an edit in progress does (a deleted token, a stray ')', a
/// pasted duplicate): the generator must survive both.
/// </summary>
public static class Mutator
{
    /// <summary>
    /// Plain (non-differentiable) helpers mutants call; compiled beside every mutant. <c>Touch</c> has
    /// an effect, so a call to it must run in every companion as it runs in the method.
    /// </summary>
    public const string PlainHelpers = """
        public static class MutationPlain
        {
            public static int Calls;
            public static double Id(double v) => v;
            public static float IdF(float v) => v;
            public static int Count(int v) => v;
            public static double Scale(double c) => c;
            public static void Touch() => Calls++;
        }
        """;

    /// <summary>Names the generator declares or uses in generated code; a user name equal to one must not clash.</summary>
    public static readonly string[] GeneratorNames =
    {
        "mean", "nameof", "value", "n", "i", "j", "k", "result", "seed", "tangent", "hessian", "jacobian", "dx", "dy",
        "xAdj", "xDot", "vX", "hvX", "row", "rows", "column", "iteration", "returned", "tape", "scratch", "tmp", "copy",
        "buffer", "adjoint", "v", "hv", "index", "position", "rest", "span", "count", "zeroTangent", "unusedAdj",
        "sinkTangent", "Math", "MathF", "System", "global", "Span", "Ad", "AdMath", "var", "@double", "@default", "@return", "_",
    };

    /// <summary>Members added to a partial type whose names generated code might bind to instead of its own.</summary>
    private static readonly string[] ClashingMembers =
    {
        "private static string nameof(object o) => \"\";",
        "private static readonly double n = 3;",
        "private static double value;",
        "private static int tape;",
        "private static class Math { public static double Sin(double x) => 0; }",
        "private static class System { }",
        "private static class Span<T> { }",
        "private static class Ad { }",
        "private static class AdMath { }",
        "private static double Sqrt(double x) => 0;",
        "private static int hessian = 0;",
        "private static class global { }",
    };

    private static readonly (string From, string[] To)[] MathSwaps =
    {
        ("Sin", new[] { "Cos", "Tan", "Floor", "Clamp3" }), ("Cos", new[] { "Sin", "Round", "Sign" }), ("Exp", new[] { "Log", "Sqrt", "Abs" }),
        ("Log", new[] { "Exp", "Log10", "Ceiling" }), ("Sqrt", new[] { "Abs", "Cbrt", "Truncate" }), ("Tanh", new[] { "Atan", "Sinh", "Sign" }),
        ("Abs", new[] { "Sqrt", "Sign" }), ("Max", new[] { "Min", "Atan2", "Pow" }), ("Min", new[] { "Max", "Pow" }),
        ("Pow", new[] { "Atan2", "Max", "IEEERemainder" }), ("Atan2", new[] { "Pow", "Min" }), ("Clamp", new[] { "Max3" }),
        ("Atan", new[] { "Tanh", "Asinh" }), ("Floor", new[] { "Ceiling", "Sin" }), ("Round", new[] { "Floor" }),
    };

    private static readonly Dictionary<SyntaxKind, SyntaxKind> OperatorSwaps = new()
    {
        [SyntaxKind.PlusToken] = SyntaxKind.MinusToken, [SyntaxKind.MinusToken] = SyntaxKind.PlusToken,
        [SyntaxKind.AsteriskToken] = SyntaxKind.SlashToken, [SyntaxKind.SlashToken] = SyntaxKind.AsteriskToken,
        [SyntaxKind.LessThanToken] = SyntaxKind.LessThanEqualsToken, [SyntaxKind.LessThanEqualsToken] = SyntaxKind.LessThanToken,
        [SyntaxKind.GreaterThanToken] = SyntaxKind.GreaterThanEqualsToken, [SyntaxKind.GreaterThanEqualsToken] = SyntaxKind.GreaterThanToken,
        [SyntaxKind.EqualsEqualsToken] = SyntaxKind.ExclamationEqualsToken, [SyntaxKind.ExclamationEqualsToken] = SyntaxKind.EqualsEqualsToken,
        [SyntaxKind.AmpersandAmpersandToken] = SyntaxKind.BarBarToken, [SyntaxKind.BarBarToken] = SyntaxKind.AmpersandAmpersandToken,
        [SyntaxKind.PercentToken] = SyntaxKind.SlashToken,
        [SyntaxKind.PlusEqualsToken] = SyntaxKind.MinusEqualsToken, [SyntaxKind.MinusEqualsToken] = SyntaxKind.AsteriskEqualsToken,
        [SyntaxKind.AsteriskEqualsToken] = SyntaxKind.SlashEqualsToken, [SyntaxKind.SlashEqualsToken] = SyntaxKind.PlusEqualsToken,
        [SyntaxKind.PlusPlusToken] = SyntaxKind.MinusMinusToken, [SyntaxKind.MinusMinusToken] = SyntaxKind.PlusPlusToken,
    };

    private static readonly SyntaxKind[] DeletableTokens =
    {
        SyntaxKind.SemicolonToken, SyntaxKind.CloseParenToken, SyntaxKind.OpenParenToken, SyntaxKind.CloseBraceToken,
        SyntaxKind.OpenBraceToken, SyntaxKind.CommaToken, SyntaxKind.EqualsToken, SyntaxKind.ReturnKeyword, SyntaxKind.IdentifierToken,
        SyntaxKind.DoubleKeyword, SyntaxKind.IntKeyword,
    };

    /// <summary>The operators, in the order their sites are listed.</summary>
    public static readonly string[] Operators =
    {
        "identity", "rename", "int-to-long", "double-to-float", "duplicate-method", "overload-method", "delete-token", "stray-paren",
        "swap-operator", "literal", "plain-call", "wrap-if", "wrap-for", "swap-math", "int-cast", "remove-partial",
        "second-order-false", "remove-differentiable", "no-derivative", "insert-break", "insert-return", "clashing-member",
        "impure-statement", "block-body", "rename-type", "rename-method", "generic-type", "file-local-type",
    };

    /// <summary>Type names generated code refers to (unqualified, it would bind to the user's type instead).</summary>
    private static readonly string[] ClashingTypeNames = { "Math", "MathF", "System", "Span", "ReadOnlySpan", "Ad", "AdMath", "Tape", "Scratch", "Double", "Fns_T", "global" };

    /// <summary>Method names that might clash with what generated code calls or declares.</summary>
    private static readonly string[] ClashingMethodNames = { "Sin", "Sqrt", "Abs", "nameof", "Hessian", "Gradient", "Vjp", "Jvp", "value", "StopGradient", "Clear", "Max" };

    /// <summary>Every site of every operator in <paramref name="source"/>, in a fixed order.</summary>
    public static IReadOnlyList<MutationSite> Sites(string seed, string source, IReadOnlyList<string> supportSources)
    {
        var sources = new[] { source }.Concat(supportSources).ToArray();
        var compilation = GeneratorHarness.Compile(sources);
        var tree = compilation.SyntaxTrees.First();
        var context = new SeedContext(seed, source, tree, compilation.GetSemanticModel(tree));
        var sites = new List<MutationSite>();
        void Add(string op, IEnumerable<(string Description, TextSpan At, Func<string> Build)> found)
        {
            int i = 0;
            foreach (var (description, at, build) in found)
                sites.Add(new MutationSite(seed, op, i++, description, tree.GetLineSpan(at).StartLinePosition.Line + 1, build));
        }
        Add("identity", new[] { ("unchanged seed", new TextSpan(0, 0), (Func<string>)(() => source)) });
        Add("rename", Renames(context));
        Add("int-to-long", RetypeSites(context, SyntaxKind.IntKeyword, "long"));
        Add("double-to-float", RetypeSites(context, SyntaxKind.DoubleKeyword, "float"));
        Add("duplicate-method", context.Methods.Select(m => Site(context, $"duplicate {m.Identifier.Text}", m.Span,
            (m.Span.End, 0, "\n" + Indent(m) + m.ToString()))));
        Add("overload-method", context.Methods.Where(m => m.ParameterList.Parameters.All(p => p.Identifier.ValueText != "extra"))
            .Select(m => Site(context, $"overload {m.Identifier.Text} with a trailing 'double extra'", m.Span,
                (m.Span.End, 0, "\n" + Indent(m) + OverloadText(m)))));
        Add("delete-token", BodyTokens(context).Where(t => DeletableTokens.Contains(t.Kind()))
            .Select(t => Site(context, $"delete '{t.Text}'", t.Span, (t.SpanStart, t.Span.Length, ""))));
        Add("stray-paren", BodyTokens(context).Where(t => t.IsKind(SyntaxKind.SemicolonToken))
            .Select(t => Site(context, "insert ')' before ';'", t.Span, (t.SpanStart, 0, ")"))));
        Add("swap-operator", BodyTokens(context).Where(t => OperatorSwaps.ContainsKey(t.Kind()) && t.Parent is not null
                && t.Parent is (BinaryExpressionSyntax or AssignmentExpressionSyntax or PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax))
            .Select(t => Site(context, $"'{t.Text}' → '{SyntaxFacts.GetText(OperatorSwaps[t.Kind()])}'", t.Span,
                (t.SpanStart, t.Span.Length, SyntaxFacts.GetText(OperatorSwaps[t.Kind()])))));
        Add("literal", Values(context).Select(v => Site(context, $"'{Short(v.Expression)}' → {Literal(v.Type, context.Hash(v.Expression))}",
            v.Expression.Span, (v.Expression.SpanStart, v.Expression.Span.Length, Literal(v.Type, context.Hash(v.Expression))))));
        Add("plain-call", Values(context).Where(v => v.Type is SpecialType.System_Double or SpecialType.System_Int32 or SpecialType.System_Single)
            .Select(v => { string call = PlainCall(v); return Site(context, $"'{Short(v.Expression)}' → {call}", v.Expression.Span, (v.Expression.SpanStart, v.Expression.Span.Length, call)); }));
        Add("wrap-if", Statements(context).Select(s => Wrap(context, s, $"if ({Condition(context, s)})")));
        Add("wrap-for", Statements(context).Select(s => Wrap(context, s, $"for (int {FreshName(context, s, "k")} = 0; {FreshName(context, s, "k")} < 2; {FreshName(context, s, "k")}++)")));
        Add("swap-math", MathCalls(context));
        Add("int-cast", Values(context).Where(v => v.Type is SpecialType.System_Double or SpecialType.System_Single)
            .Select(v => Site(context, $"'{Short(v.Expression)}' → (int) cast", v.Expression.Span,
                (v.Expression.SpanStart, v.Expression.Span.Length, (context.Hash(v.Expression) % 2 == 0 ? "(int)(" : "(double)(int)(") + v.Expression + ")"))));
        Add("remove-partial", tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .SelectMany(t => t.Modifiers.Where(m => m.IsKind(SyntaxKind.PartialKeyword)).Select(m => (t, m)))
            .Select(p => Site(context, $"remove 'partial' from {p.t.Identifier.Text}", p.m.Span, (p.m.SpanStart, p.m.FullSpan.End - p.m.SpanStart, ""))));
        Add("second-order-false", DifferentiableAttributes(context).Select(a => Site(context,
            $"[{a.Name}] on {Owner(a)} → SecondOrder = {(a.ToString().Contains("SecondOrder = false") ? "true" : "false")}", a.Span,
            (a.SpanStart, a.Span.Length, a.Name + (a.ToString().Contains("SecondOrder = false") ? "(SecondOrder = true)" : "(SecondOrder = false)")))));
        Add("remove-differentiable", DifferentiableAttributes(context).Select(a => Site(context, $"remove [{a}] from {Owner(a)}", a.Span,
            RemoveAttribute(a))));
        Add("no-derivative", context.Methods.SelectMany(m => m.ParameterList.Parameters)
            .Where(p => p.Type is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.DoubleKeyword } && p.AttributeLists.Count == 0)
            .Select(p => Site(context, $"[NoDerivative] on parameter {p.Identifier.Text}", p.Span, (p.SpanStart, 0, "[NoDerivative] "))));
        Add("insert-break", Loops(context).SelectMany(l => new[] { "break", "continue" }.Select(word =>
            Site(context, $"insert 'if (…) {word};' into the loop on line {Line(context, l)}", l.Span,
                (((BlockSyntax)LoopBody(l)!).OpenBraceToken.Span.End, 0, $" if ({Condition(context, l)}) {word};")))));
        Add("insert-return", context.Methods.Where(m => m.Body != null).Select(m => Site(context, $"insert an early return into {m.Identifier.Text}", m.Body!.Span,
            (m.Body!.OpenBraceToken.Span.End, 0, " if (" + Condition(context, m.Body!) + ") return" + EarlyReturnValue(m) + ";"))));
        Add("clashing-member", tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.Modifiers.Any(SyntaxKind.PartialKeyword) && t.Members.OfType<MethodDeclarationSyntax>().Any(IsDifferentiable))
            .SelectMany(t => ClashingMembers.Select(member => Site(context, $"add '{member}' to {t.Identifier.Text}", t.Identifier.Span,
                (t.OpenBraceToken.Span.End, 0, "\n        " + member)))));
        Add("impure-statement", Statements(context).Select(s => Site(context, "insert 'MutationPlain.Touch();' before line " + Line(context, s), s.Span,
            (s.SpanStart, 0, "MutationPlain.Touch(); "))));
        Add("block-body", context.Methods.Where(m => m.ExpressionBody != null && !m.ReturnType.ToString().Equals("void", StringComparison.Ordinal))
            .Select(m => Site(context, $"expression body of {m.Identifier.Text} → block with a local", m.Span,
                (m.ExpressionBody!.SpanStart, m.SemicolonToken.Span.End - m.ExpressionBody.SpanStart,
                    "{ var result0 = " + m.ExpressionBody.Expression + "; return result0; }"))));
        Add("rename-type", tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.Members.OfType<MethodDeclarationSyntax>().Any(IsDifferentiable))
            .Select(t => RenameSymbol(context, context.Model.GetDeclaredSymbol(t), t.Identifier, ClashingTypeNames, "type")).OfType<(string, TextSpan, Func<string>)>());
        Add("rename-method", context.Methods
            .Select(m => RenameSymbol(context, context.Model.GetDeclaredSymbol(m), m.Identifier, ClashingMethodNames, "method")).OfType<(string, TextSpan, Func<string>)>());
        Add("generic-type", tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Where(t => t.TypeParameterList == null && t.Members.OfType<MethodDeclarationSyntax>().Any(IsDifferentiable) && t.Modifiers.Any(SyntaxKind.PartialKeyword))
            .Select(t => RenameSymbol(context, context.Model.GetDeclaredSymbol(t), t.Identifier, new[] { t.Identifier.ValueText + "<T>" }, "type")).OfType<(string, TextSpan, Func<string>)>());
        Add("file-local-type", tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.Parent is BaseNamespaceDeclarationSyntax or CompilationUnitSyntax && t.Members.OfType<MethodDeclarationSyntax>().Any(IsDifferentiable))
            .SelectMany(t => t.Modifiers.Where(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword)).Take(1))
            .Select(m => Site(context, $"'{m.Text}' → 'file' on {((TypeDeclarationSyntax)m.Parent!).Identifier.Text}", m.Span, (m.SpanStart, m.Span.Length, "file"))));
        return sites;
    }

    /// <summary>A type or method renamed, with every reference to it in the seed (a generic rename adds type arguments to references).</summary>
    private static (string, TextSpan, Func<string>)? RenameSymbol(SeedContext context, ISymbol? symbol, SyntaxToken identifier, string[] names, string kind)
    {
        if (symbol is null) return null;
        var taken = new HashSet<string>(context.Tree.GetRoot().DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText), StringComparer.Ordinal);
        var candidates = names.Where(n => !taken.Contains(n)).ToArray();
        if (candidates.Length == 0) return null;
        string name = candidates[context.Hash(identifier.Parent!) % candidates.Length];
        bool generic = name.EndsWith("<T>", StringComparison.Ordinal);
        var edits = new List<(int, int, string)> { (identifier.SpanStart, identifier.Span.Length, name) };
        foreach (var reference in context.Tree.GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => n.Identifier.ValueText == identifier.ValueText))
        {
            var bound = context.Model.GetSymbolInfo(reference);
            var target = bound.Symbol ?? bound.CandidateSymbols.FirstOrDefault();
            if (target is null || !SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, symbol)) continue;
            // A generic type is referred to as Name<T> inside itself and as Name<double> elsewhere.
            bool inside = reference.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => SymbolEqualityComparer.Default.Equals(context.Model.GetDeclaredSymbol(t), symbol));
            edits.Add((reference.Identifier.SpanStart, reference.Identifier.Span.Length, generic ? identifier.ValueText + (inside ? "<T>" : "<double>") : name));
        }
        if (generic) edits.RemoveAt(0);
        if (generic) edits.Add((identifier.Span.End, 0, "<T>"));
        return ($"rename {kind} {identifier.ValueText} → {name}", identifier.Span, () => Apply(context.Source, edits));
    }

    /// <summary>
    /// Splits a fixture file into units that keep its other members but only one group of
    /// [Differentiable] methods calling each other (a connected part of the call graph; [DerivativeOf]
    /// rules stay in every unit). A mutant then regenerates and rebinds only what its change can affect.
    /// </summary>
    public static IReadOnlyList<(string Name, string Source)> Units(string name, string source, IReadOnlyList<string> supportSources)
    {
        var compilation = GeneratorHarness.Compile(new[] { source }.Concat(supportSources).ToArray());
        var tree = compilation.SyntaxTrees.First();
        var model = compilation.GetSemanticModel(tree);
        var methods = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => IsDifferentiable(m) && !m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().StartsWith("DerivativeOf", StringComparison.Ordinal)))
            .ToList();
        if (methods.Count <= 1) return new[] { (name, source) };
        var group = Enumerable.Range(0, methods.Count).ToArray();
        int Find(int i) => group[i] == i ? i : group[i] = Find(group[i]);
        for (int i = 0; i < methods.Count; i++)
        {
            foreach (var call in methods[i].DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (model.GetSymbolInfo(call).Symbol is not IMethodSymbol callee) continue;
                foreach (var reference in callee.OriginalDefinition.DeclaringSyntaxReferences)
                {
                    int j = methods.FindIndex(m => m.SyntaxTree == reference.SyntaxTree && m.Span == reference.Span);
                    if (j >= 0) group[Find(i)] = Find(j);
                }
            }
        }
        var units = new List<(string, string)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in Enumerable.Range(0, methods.Count).GroupBy(Find).OrderBy(g => g.Min()))
        {
            var keep = part.ToHashSet();
            var removed = Enumerable.Range(0, methods.Count).Where(i => !keep.Contains(i)).Select(i => (methods[i].FullSpan.Start, methods[i].FullSpan.Length, ""));
            string unitName = name + "#" + methods[part.Min()].Identifier.ValueText;
            for (int k = 2; !names.Add(unitName); k++) unitName = name + "#" + methods[part.Min()].Identifier.ValueText + k.ToString(CultureInfo.InvariantCulture);
            units.Add((unitName, Apply(source, removed)));
        }
        return units;
    }

    private sealed class SeedContext
    {
        public SeedContext(string seed, string source, SyntaxTree tree, SemanticModel model)
        {
            Seed = seed;
            Source = source;
            Tree = tree;
            Model = model;
            Methods = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Where(IsDifferentiable).ToList();
        }

        public string Seed { get; }
        public string Source { get; }
        public SyntaxTree Tree { get; }
        public SemanticModel Model { get; }
        public List<MethodDeclarationSyntax> Methods { get; }

        /// <summary>A stable hash (string.GetHashCode is randomised per process) of a node's place and text.</summary>
        public int Hash(SyntaxNode node)
        {
            unchecked
            {
                uint h = 2166136261;
                foreach (char c in Seed + "@" + node.SpanStart.ToString(CultureInfo.InvariantCulture) + node) h = (h ^ c) * 16777619;
                return (int)(h & 0x7fffffff);
            }
        }
    }

    public static bool IsDifferentiable(MethodDeclarationSyntax method) =>
        method.AttributeLists.SelectMany(l => l.Attributes).Any(IsDifferentiableAttribute);

    private static bool IsDifferentiableAttribute(AttributeSyntax a)
    {
        string name = a.Name.ToString();
        return name is "Differentiable" or "DifferentiableAttribute" or "AutoDiff.Differentiable" or "AutoDiff.DifferentiableAttribute";
    }

    private static (string, TextSpan, Func<string>) Site(SeedContext context, string description, TextSpan at, params (int Start, int Length, string Text)[] edits) =>
        (description, at, () => Apply(context.Source, edits));

    private static string Apply(string source, IEnumerable<(int Start, int Length, string Text)> edits)
    {
        string result = source;
        foreach (var (start, length, text) in edits.OrderByDescending(e => e.Start)) result = result.Remove(start, length).Insert(start, text);
        return result;
    }

    private static string Indent(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
        return leading.ToString();
    }

    private static string Short(SyntaxNode node)
    {
        string text = string.Join(" ", node.ToString().Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
    }

    private static int Line(SeedContext context, SyntaxNode node) => context.Tree.GetLineSpan(node.Span).StartLinePosition.Line + 1;

    private static string Owner(AttributeSyntax attribute) =>
        attribute.Parent?.Parent is MethodDeclarationSyntax m ? m.Identifier.Text : "?";

    private static string OverloadText(MethodDeclarationSyntax method)
    {
        var parameters = method.ParameterList;
        string extra = parameters.Parameters.Count == 0 ? "double extra" : ", double extra";
        string text = method.ToString();
        int close = parameters.CloseParenToken.SpanStart - method.SpanStart;
        return text.Substring(0, close) + extra + text.Substring(close);
    }

    /// <summary>Tokens inside the [Differentiable] methods (attributes and signatures included).</summary>
    private static IEnumerable<SyntaxToken> BodyTokens(SeedContext context) => context.Methods.SelectMany(m => m.DescendantTokens());

    /// <summary>Parameters and locals of [Differentiable] methods renamed to names the generator uses itself.</summary>
    private static IEnumerable<(string, TextSpan, Func<string>)> Renames(SeedContext context)
    {
        foreach (var method in context.Methods)
        {
            var used = new HashSet<string>(method.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText), StringComparer.Ordinal);
            var declarations = new List<(SyntaxToken Identifier, ISymbol? Symbol)>();
            foreach (var p in method.ParameterList.Parameters) declarations.Add((p.Identifier, context.Model.GetDeclaredSymbol(p)));
            foreach (var v in method.DescendantNodes().OfType<VariableDeclaratorSyntax>()) declarations.Add((v.Identifier, context.Model.GetDeclaredSymbol(v)));
            foreach (var f in method.DescendantNodes().OfType<ForEachStatementSyntax>()) declarations.Add((f.Identifier, context.Model.GetDeclaredSymbol(f)));
            foreach (var (identifier, symbol) in declarations)
            {
                if (symbol is null) continue;
                var candidates = GeneratorNames.Where(n => !used.Contains(n.TrimStart('@'))).ToArray();
                if (candidates.Length == 0) continue;
                string name = candidates[context.Hash(identifier.Parent!) % candidates.Length];
                // `var` and `_` are only identifiers where they are not a type or a discard.
                if (name is "var" or "_" && symbol is ILocalSymbol) name = "@" + name.TrimStart('@');
                var references = method.DescendantNodes().OfType<IdentifierNameSyntax>()
                    .Where(n => n.Identifier.ValueText == identifier.ValueText && SymbolEqualityComparer.Default.Equals(context.Model.GetSymbolInfo(n).Symbol, symbol))
                    .Select(n => n.Identifier.Span).ToList();
                var edits = references.Append(identifier.Span).Select(s => (s.Start, s.Length, name)).ToArray();
                string kind = symbol is IParameterSymbol ? "parameter" : "local";
                yield return ($"rename {kind} {identifier.ValueText} → {name} in {method.Identifier.Text}", identifier.Span, () => Apply(context.Source, edits));
            }
        }
    }

    /// <summary>The type keyword <paramref name="from"/> of a parameter or local declaration replaced by <paramref name="to"/>.</summary>
    private static IEnumerable<(string, TextSpan, Func<string>)> RetypeSites(SeedContext context, SyntaxKind from, string to)
    {
        foreach (var method in context.Methods)
        {
            foreach (var type in method.DescendantNodes().OfType<PredefinedTypeSyntax>().Where(t => t.Keyword.IsKind(from)))
            {
                string where = type.Parent switch
                {
                    ParameterSyntax p => "parameter " + p.Identifier.Text,
                    VariableDeclarationSyntax { Parent: ForStatementSyntax } v => "loop counter " + v.Variables.First().Identifier.Text,
                    VariableDeclarationSyntax v => "local " + v.Variables.First().Identifier.Text,
                    _ => "",
                };
                if (where.Length == 0) continue;
                yield return Site(context, $"{SyntaxFacts.GetText(from)} → {to}: {where} in {method.Identifier.Text}", type.Span, (type.SpanStart, type.Span.Length, to));
            }
        }
    }

    private readonly record struct Value(ExpressionSyntax Expression, SpecialType Type);

    /// <summary>Expressions read as values (not assigned, not called, not a member name) with a numeric or bool type.</summary>
    private static IEnumerable<Value> Values(SeedContext context)
    {
        foreach (var method in context.Methods)
        {
            var body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
            if (body is null) continue;
            foreach (var expression in body.DescendantNodes().OfType<ExpressionSyntax>())
            {
                if (expression is not (IdentifierNameSyntax or BinaryExpressionSyntax or InvocationExpressionSyntax or LiteralExpressionSyntax or ParenthesizedExpressionSyntax or ElementAccessExpressionSyntax)) continue;
                if (expression.Parent is InvocationExpressionSyntax call && call.Expression == expression) continue;
                if (expression.Parent is MemberAccessExpressionSyntax) continue;
                if (expression.Parent is AssignmentExpressionSyntax assignment && assignment.Left == expression) continue;
                if (expression.Parent is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }
                    or PostfixUnaryExpressionSyntax or ArgumentSyntax { RefKindKeyword.RawKind: not 0 }) continue;
                if (expression.Parent is ParenthesizedExpressionSyntax) continue;
                if (SyntaxFacts.IsInTypeOnlyContext(expression) || SyntaxFacts.IsInNamespaceOrTypeContext(expression)) continue;
                if (expression.Ancestors().Any(a => a is AttributeSyntax or TypeSyntax)) continue;
                var type = context.Model.GetTypeInfo(expression).Type?.SpecialType ?? SpecialType.None;
                if (type is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Boolean)
                    yield return new Value(expression, type);
            }
        }
    }

    private static string Literal(SpecialType type, int hash) => type switch
    {
        SpecialType.System_Double => new[] { "1.5", "0.0", "-2.0", "1e308" }[hash % 4],
        SpecialType.System_Single => new[] { "1.5f", "0f" }[hash % 2],
        SpecialType.System_Int32 => new[] { "2", "0", "-1" }[hash % 3],
        SpecialType.System_Int64 => new[] { "2L", "9007199254740993L" }[hash % 2],
        _ => hash % 2 == 0 ? "true" : "false",
    };

    private static string PlainCall(Value value) => value.Type switch
    {
        SpecialType.System_Int32 => $"MutationPlain.Count({value.Expression})",
        SpecialType.System_Single => $"MutationPlain.IdF({value.Expression})",
        _ when value.Expression is LiteralExpressionSyntax => $"MutationPlain.Scale({value.Expression})",
        _ => $"MutationPlain.Id({value.Expression})",
    };

    /// <summary>Statements of block bodies that can be wrapped without hiding a declaration from what follows.</summary>
    private static IEnumerable<StatementSyntax> Statements(SeedContext context) =>
        context.Methods.Where(m => m.Body != null).SelectMany(m => m.Body!.DescendantNodes().OfType<StatementSyntax>())
            .Where(s => s.Parent is BlockSyntax && s is not (LocalDeclarationStatementSyntax or LocalFunctionStatementSyntax or BlockSyntax));

    private static (string, TextSpan, Func<string>) Wrap(SeedContext context, StatementSyntax statement, string head)
    {
        // A wrapped return is followed by the same return, so every path still returns.
        string text = statement is ReturnStatementSyntax ? $"{head} {{ {statement} }} {statement}" : $"{head} {{ {statement} }}";
        return Site(context, $"wrap line {Line(context, statement)} in '{head}'", statement.Span, (statement.SpanStart, statement.Span.Length, text));
    }

    /// <summary>A condition on the first floating parameter in scope (or an int one), true for some inputs and false for others.</summary>
    private static string Condition(SeedContext context, SyntaxNode at)
    {
        var method = at.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().First();
        var parameter = method.ParameterList.Parameters.FirstOrDefault(p => p.Type?.ToString() is "double" or "float")
            ?? method.ParameterList.Parameters.FirstOrDefault(p => p.Type?.ToString() is "int");
        return parameter is null ? "MutationPlain.Calls > 0" : parameter.Identifier.Text + " > 0.5";
    }

    private static string EarlyReturnValue(MethodDeclarationSyntax method)
    {
        if (method.ReturnType.ToString() == "void") return "";
        var parameter = method.ParameterList.Parameters.FirstOrDefault(p => p.Type?.ToString() == method.ReturnType.ToString());
        return " " + (parameter?.Identifier.Text ?? "default");
    }

    private static string FreshName(SeedContext context, SyntaxNode at, string stem)
    {
        var method = at.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().First();
        var used = new HashSet<string>(method.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        string name = stem;
        for (int i = 2; used.Contains(name); i++) name = stem + i.ToString(CultureInfo.InvariantCulture);
        return name;
    }

    private static IEnumerable<StatementSyntax> Loops(SeedContext context) =>
        context.Methods.SelectMany(m => m.DescendantNodes().OfType<StatementSyntax>()).Where(s => LoopBody(s) is BlockSyntax);

    private static StatementSyntax? LoopBody(SyntaxNode loop) => loop switch
    {
        ForStatementSyntax f => f.Statement,
        WhileStatementSyntax w => w.Statement,
        DoStatementSyntax d => d.Statement,
        ForEachStatementSyntax e => e.Statement,
        _ => null,
    };

    private static IEnumerable<(string, TextSpan, Func<string>)> MathCalls(SeedContext context)
    {
        foreach (var method in context.Methods)
        {
            foreach (var call in method.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Math" or "MathF" } type } access) continue;
                var swap = MathSwaps.FirstOrDefault(s => s.From == access.Name.Identifier.ValueText);
                if (swap.To is null) continue;
                string to = swap.To[context.Hash(call) % swap.To.Length];
                var arguments = call.ArgumentList.Arguments;
                string text = to switch
                {
                    "Clamp3" => $"{type}.Clamp({arguments[0]}, -1.0, 1.0)",
                    "Max3" => $"{type}.Max({arguments[0]}, {arguments[1]})",
                    _ when arguments.Count == 2 && to is "Floor" or "Ceiling" or "Sin" => $"{type}.{to}({arguments[0]})",
                    _ => $"{type}.{to}{call.ArgumentList}",
                };
                yield return Site(context, $"{type}.{access.Name} → {text.Substring(0, text.IndexOf('('))}", call.Span, (call.SpanStart, call.Span.Length, text));
            }
        }
    }

    private static IEnumerable<AttributeSyntax> DifferentiableAttributes(SeedContext context) =>
        context.Methods.SelectMany(m => m.AttributeLists.SelectMany(l => l.Attributes)).Where(IsDifferentiableAttribute);

    private static (int, int, string) RemoveAttribute(AttributeSyntax attribute)
    {
        var list = (AttributeListSyntax)attribute.Parent!;
        if (list.Attributes.Count == 1) return (list.SpanStart, list.Span.Length, "");
        int index = list.Attributes.IndexOf(attribute);
        // Take the separator after it (or before it, for the last one) with it.
        if (index < list.Attributes.Count - 1) return (attribute.SpanStart, list.Attributes[index + 1].SpanStart - attribute.SpanStart, "");
        return (list.Attributes[index - 1].Span.End, attribute.Span.End - list.Attributes[index - 1].Span.End, "");
    }
}

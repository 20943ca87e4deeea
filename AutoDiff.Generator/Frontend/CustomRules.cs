using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>What a [DerivativeOf] method gives: its target's partials, or the target's Vjp or Jvp.</summary>
    public enum RuleShape
    {
        /// <summary>Same parameters as the target; returns the partial derivatives (a tuple for several).</summary>
        Partials,
        /// <summary>Shaped like the target's generated Vjp: its parameters, the seed, then an adjoint per active parameter (added into).</summary>
        Vjp,
        /// <summary>Shaped like the target's generated Jvp: its parameters, a tangent per active parameter, then <c>out</c> the tangent.</summary>
        Jvp,
    }

    /// <summary>The usable rules of one target: its partials, or its Vjp and Jvp.</summary>
    public sealed class RuleSet
    {
        public RuleSet(IMethodSymbol? partials, IMethodSymbol? vjp, IMethodSymbol? jvp)
        {
            Partials = partials;
            Vjp = vjp;
            Jvp = jvp;
        }

        public IMethodSymbol? Partials { get; }

        public IMethodSymbol? Vjp { get; }

        public IMethodSymbol? Jvp { get; }
    }

    /// <summary>A Vjp-shaped rule seen as a function: the receiver (for an instance target) and the target's parameters, the seed, then the adjoints.</summary>
    public sealed class Pullback
    {
        private readonly IMethodSymbol _target;

        public Pullback(IMethodSymbol target)
        {
            _target = target;
            Seed = target.Parameters.Length + (target.IsStatic ? 0 : 1);
        }

        /// <summary>The index of the seed among the rule's parameters.</summary>
        public int Seed { get; }

        /// <summary>Whether the rule's parameter <paramref name="index"/> is data: the receiver, or a parameter the target does not differentiate.</summary>
        public bool IsData(int index)
        {
            int first = _target.IsStatic ? 0 : 1;
            if (index >= Seed) return false;
            return index < first || !CustomRules.ActiveParameters(_target).Contains(index - first);
        }
    }

    /// <summary>A [DerivativeOf] method and what it was checked to be.</summary>
    public sealed class CustomRule
    {
        public CustomRule(IMethodSymbol rule, IMethodSymbol? target, string? problem, RuleShape shape = RuleShape.Partials)
        {
            Rule = rule;
            Target = target;
            Problem = problem;
            Shape = shape;
        }

        public RuleShape Shape { get; }

        public IMethodSymbol Rule { get; }

        public IMethodSymbol? Target { get; }

        /// <summary>Why the rule cannot be used, or null.</summary>
        public string? Problem { get; }
    }

    /// <summary>
    /// The [DerivativeOf] rules of a compilation, found once per compilation and checked against their
    /// targets: static, with the target's parameters (after the receiver, for an instance target), returning
    /// one partial per double/float parameter; or, for any target and necessarily for one of arrays or spans, a pair shaped
    /// like the Vjp and the Jvp the generator would emit for it.
    /// </summary>
    public static class CustomRules
    {
        public const string Attribute = "AutoDiff.DerivativeOfAttribute";

        private static readonly ConditionalWeakTable<Compilation, IReadOnlyList<CustomRule>> Cache = new ConditionalWeakTable<Compilation, IReadOnlyList<CustomRule>>();

        public static IReadOnlyList<CustomRule> All(Compilation compilation) => Cache.GetValue(compilation, Collect);

        /// <summary>The usable rules for <paramref name="target"/>: its one partials rule, or its one Vjp and one Jvp rule; null if none.</summary>
        public static RuleSet? For(Compilation compilation, IMethodSymbol target)
        {
            var rules = All(compilation).Where(r => r.Problem == null && SymbolEqualityComparer.Default.Equals(r.Target, target.OriginalDefinition)).ToList();
            if (rules.Count == 0) return null;
            var partials = rules.FirstOrDefault(r => r.Shape == RuleShape.Partials)?.Rule;
            if (partials != null) return new RuleSet(partials, null, null);
            var vjp = rules.FirstOrDefault(r => r.Shape == RuleShape.Vjp)?.Rule;
            var jvp = rules.FirstOrDefault(r => r.Shape == RuleShape.Jvp)?.Rule;
            return vjp != null && jvp != null ? new RuleSet(null, vjp, jvp) : null;
        }

        /// <summary>
        /// The target's parameters that carry derivatives: double/float values, and arrays or read-only spans of them that are
        /// not [NoDerivative] (data, such as a design matrix).
        /// </summary>
        public static IEnumerable<int> ActiveParameters(IMethodSymbol target) =>
            Enumerable.Range(0, target.Parameters.Length).Where(i => IsActive(target.Parameters[i]));

        /// <summary>
        /// A usable Vjp-shaped rule of a target whose active parameters are all arrays or spans, seen as a method to differentiate
        /// (it is [Differentiable] too): null for any other method. Its <c>Tangent</c> companion, forward mode over its body along its
        /// target's active parameters and the seed with the adjoint spans accumulated, is what a caller's H·v calls in place of it
        /// (the <c>VjpTangent</c> contract, DEVELOPERS.md "Second order through rules").
        /// </summary>
        public static Pullback? Pullback(IMethodSymbol method) =>
            Check(method) is CustomRule { Shape: RuleShape.Vjp, Problem: null, Target: IMethodSymbol target } && !Outputs(target).Any() ? new Pullback(target) : null;

        /// <summary>
        /// The outputs of a target that returns void: its <c>Span&lt;double&gt;</c>/<c>Span&lt;float&gt;</c> parameters not marked
        /// [NoDerivative] (a [NoDerivative] span is scratch space), as a [Differentiable] vector-valued method's are.
        /// </summary>
        public static IEnumerable<int> Outputs(IMethodSymbol target) => target.ReturnsVoid
            ? Enumerable.Range(0, target.Parameters.Length).Where(i => TypeRefs.IsWritableSpan(target.Parameters[i].Type) && TypeRefs.IsFloatingSequence(target.Parameters[i].Type)
                && target.Parameters[i].RefKind == RefKind.None && !MethodFrontend.IsNoDerivative(target.Parameters[i]))
            : Enumerable.Empty<int>();

        private static bool IsActive(IParameterSymbol p) =>
            TypeRefs.IsFloating(p.Type) || (TypeRefs.IsFloatingSequence(p.Type) && !TypeRefs.IsWritableSpan(p.Type) && !MethodFrontend.IsNoDerivative(p));

        private static IReadOnlyList<CustomRule> Collect(Compilation compilation)
        {
            var found = new List<CustomRule>();
            // The [DerivativeOf] methods as the generator's ForAttributeWithMetadataName or the analyzer's walk over
            // symbols found them (CompilationState.RuleMethods), a partial one once.
            var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var method in CompilationState.For(compilation).RuleMethods)
            {
                var rule = method.PartialDefinitionPart ?? method;
                if (seen.Add(rule) && Check(rule) is CustomRule checkedRule) found.Add(checkedRule);
            }
            var usable = found.Where(r => r.Problem == null && r.Target != null).ToList();
            var problems = new Dictionary<CustomRule, string>();
            foreach (var group in usable.GroupBy(r => r.Target!, SymbolEqualityComparer.Default))
            {
                string target = Describe((IMethodSymbol)group.Key!);
                // A partner that is there but wrong has its own ADIFF013; this one is only told when there is none at all.
                var shapes = found.Where(r => SymbolEqualityComparer.Default.Equals(r.Target, group.Key)).Select(r => r.Shape).ToList();
                foreach (var shape in group.GroupBy(r => r.Shape).Where(g => g.Count() > 1))
                {
                    // Two usable rules of one shape for one target: neither is used.
                    foreach (var r in shape) problems[r] = "another [DerivativeOf] method is already the " + Describe(r.Shape) + " for '" + target + "'";
                }
                bool partials = group.Any(r => r.Shape == RuleShape.Partials);
                foreach (var r in group.Where(r => r.Shape != RuleShape.Partials && !problems.ContainsKey(r)))
                {
                    var other = r.Shape == RuleShape.Vjp ? RuleShape.Jvp : RuleShape.Vjp;
                    if (partials) problems[r] = "'" + target + "' already has a rule returning its partials; give a target either that or a Vjp and a Jvp rule";
                    else if (!shapes.Contains(other)) problems[r] = "'" + target + "' has no " + Describe(other) + ": both modes call the target, so it needs a rule shaped like its Vjp and one shaped like its Jvp";
                }
            }
            return found.Select(r => problems.TryGetValue(r, out var problem) ? new CustomRule(r.Rule, r.Target, problem, r.Shape) : r).ToList();
        }

        /// <summary>Resolves and checks one rule; null when the method has no [DerivativeOf].</summary>
        public static CustomRule? Check(IMethodSymbol rule)
        {
            var attribute = rule.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Attribute);
            if (attribute == null) return null;
            if (attribute.ConstructorArguments.Length != 2 || !(attribute.ConstructorArguments[0].Value is INamedTypeSymbol type) || !(attribute.ConstructorArguments[1].Value is string name))
            {
                return new CustomRule(rule, null, "the attribute needs a type and a method name");
            }
            var sameName = type.GetMembers(name).OfType<IMethodSymbol>().ToList();
            if (sameName.Count == 0) return new CustomRule(rule, null, "'" + type.ToDisplayString() + "' has no method named '" + name + "'");
            // A static target's rule has its parameters; an instance target's rule takes the receiver first, like an
            // extension method, so a rule can be written for a method of a type it cannot add members to. A Vjp- or
            // Jvp-shaped rule continues with more parameters.
            bool Prefix(IMethodSymbol m, bool exact)
            {
                int first = m.IsStatic ? 0 : 1;
                int count = m.Parameters.Length + first;
                if (exact ? rule.Parameters.Length != count : rule.Parameters.Length <= count) return false;
                if (!m.IsStatic && !(SymbolEqualityComparer.Default.Equals(rule.Parameters[0].Type, m.ContainingType) && rule.Parameters[0].RefKind == RefKind.None)) return false;
                return m.Parameters.Zip(rule.Parameters.Skip(first), (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type) && a.RefKind == b.RefKind).All(x => x);
            }
            var matches = sameName.Where(m => Prefix(m, exact: true)).ToList();
            bool shaped = false;
            if (matches.Count == 0)
            {
                matches = sameName.Where(m => Prefix(m, exact: false)).ToList();
                shaped = true;
            }
            if (matches.Count == 0)
            {
                return new CustomRule(rule, null, "no overload of '" + type.ToDisplayString() + "." + name + "' has the parameters (" + string.Join(", ", rule.Parameters.Select(p => p.Type.ToDisplayString())) +
                    ") (a rule for an instance method takes the receiver first, then the method's parameters; a Vjp- or Jvp-shaped rule continues after them)");
            }
            if (matches.Count > 1)
            {
                // F(x) and F(x, y) both prefix a Vjp-shaped rule of F(x, y): the longest is the target.
                int longest = matches.Max(m => m.Parameters.Length);
                matches = matches.Where(m => m.Parameters.Length == longest).ToList();
                if (matches.Count > 1) return new CustomRule(rule, null, "'" + type.ToDisplayString() + "." + name + "' is ambiguous");
            }
            var target = matches[0];
            if (!rule.IsStatic) return new CustomRule(rule, target, "a derivative rule must be static (for an instance method, take the receiver as the first parameter)");
            if (Unreachable(rule) is string unreachable) return new CustomRule(rule, target, unreachable);
            var outputs = Outputs(target).Select(i => target.Parameters[i]).ToList();
            if (outputs.Count > 0) return CheckSpanOutputs(rule, target, ActiveParameters(target).Select(i => target.Parameters[i]).ToList(), outputs, shaped);
            if (!TypeRefs.IsFloating(target.ReturnType)) return new CustomRule(rule, target, "the target must return double or float");
            var active = ActiveParameters(target).Select(i => target.Parameters[i]).ToList();
            if (active.Count == 0) return new CustomRule(rule, target, "the target has no double or float parameter, or array or read-only span of them, to differentiate");
            if (shaped) return CheckShaped(rule, target, active);
            if (active.Any(p => !TypeRefs.IsFloating(p.Type)))
            {
                return new CustomRule(rule, target, "the target takes an array or span, so partials cannot be returned: give it a rule shaped like its Vjp, " +
                    VjpSignature(target, active) + ", and one shaped like its Jvp, " + JvpSignature(target, active));
            }
            bool returnsPartials = active.Count == 1
                ? SymbolEqualityComparer.Default.Equals(rule.ReturnType, target.ReturnType)
                : rule.ReturnType is INamedTypeSymbol tuple && tuple.IsTupleType && tuple.TupleElements.Length == active.Count
                  && tuple.TupleElements.All(e => SymbolEqualityComparer.Default.Equals(e.Type, target.ReturnType));
            if (!returnsPartials)
            {
                string expected = active.Count == 1 ? target.ReturnType.ToDisplayString() : "(" + string.Join(", ", active.Select(_ => target.ReturnType.ToDisplayString())) + ")";
                return new CustomRule(rule, target, "it must return " + expected + ": the partial derivatives with respect to " + string.Join(", ", active.Select(p => p.Name)));
            }
            return new CustomRule(rule, target, null);
        }

        /// <summary>
        /// A rule with more parameters than its target: the target's Vjp (the seed, then a <c>Span&lt;T&gt;</c> adjoint added into
        /// per array or span, a <c>ref T</c> per scalar) or its Jvp (a tangent per active parameter, <c>ReadOnlySpan&lt;T&gt;</c> for an
        /// array or span, then <c>out T</c> the tangent), returning the target's value.
        /// </summary>
        private static CustomRule CheckShaped(IMethodSymbol rule, IMethodSymbol target, List<IParameterSymbol> active)
        {
            int first = target.Parameters.Length + (target.IsStatic ? 0 : 1);
            var rest = rule.Parameters.Skip(first).ToList();
            var returnType = target.ReturnType;
            bool Is(IParameterSymbol p, ITypeSymbol type, RefKind kind) => p.RefKind == kind && SymbolEqualityComparer.Default.Equals(p.Type, type);
            bool IsSpanOf(IParameterSymbol p, IParameterSymbol of, bool writable) =>
                p.RefKind == RefKind.None && TypeRefs.IsSpan(p.Type, out var element) && TypeRefs.IsWritableSpan(p.Type) == writable
                && SymbolEqualityComparer.Default.Equals(element, ElementOf(of.Type));
            bool vjp = rest.Count == active.Count + 1 && Is(rest[0], returnType, RefKind.None)
                && active.Select((p, k) => TypeRefs.IsFloating(p.Type) ? Is(rest[k + 1], p.Type, RefKind.Ref) : IsSpanOf(rest[k + 1], p, writable: true)).All(x => x);
            bool jvp = rest.Count == active.Count + 1 && Is(rest[rest.Count - 1], returnType, RefKind.Out)
                && active.Select((p, k) => TypeRefs.IsFloating(p.Type) ? Is(rest[k], p.Type, RefKind.None) : IsSpanOf(rest[k], p, writable: false)).All(x => x);
            bool returns = SymbolEqualityComparer.Default.Equals(rule.ReturnType, returnType);
            // What a rule that fits neither was meant to be, so that its partner is not also told it has none: a Vjp has adjoints
            // (ref or a writable span) and no out.
            bool adjoints = rest.Any(p => p.RefKind == RefKind.Ref || TypeRefs.IsWritableSpan(p.Type)) && !rest.Any(p => p.RefKind == RefKind.Out);
            var shape = vjp ? RuleShape.Vjp : jvp ? RuleShape.Jvp : adjoints ? RuleShape.Vjp : RuleShape.Jvp;
            if ((vjp || jvp) && !returns)
            {
                return new CustomRule(rule, target, "a " + (vjp ? "Vjp" : "Jvp") + "-shaped rule returns the target's value, as the generated companion does: it must return " + returnType.ToDisplayString(), shape);
            }
            if (vjp || jvp) return new CustomRule(rule, target, null, shape);
            return new CustomRule(rule, target, "its parameters after the target's (" + string.Join(", ", rest.Select(Show)) + ") are neither the Vjp's, " +
                VjpSignature(target, active) + ", nor the Jvp's, " + JvpSignature(target, active), shape);
        }

        /// <summary>
        /// A rule of a target with span outputs, <c>void F(inputs…, Span&lt;T&gt; y)</c>: shaped like the generated vector
        /// companions. The Vjp takes the target's parameters, then the output's cotangent (<c>ReadOnlySpan&lt;T&gt;</c>, or
        /// <c>Span&lt;T&gt;</c> if it uses it as work space), then an adjoint per active input (<c>Span&lt;T&gt;</c> or <c>ref T</c>,
        /// added into); the Jvp the target's parameters, a tangent per active input (<c>ReadOnlySpan&lt;T&gt;</c> or <c>T</c>), then
        /// the output's tangent (<c>Span&lt;T&gt;</c>, written). Both return void. When a signature fits both (one input span and one
        /// output), the name says which: it ends in Vjp or Jvp, as the generated companions' do.
        /// </summary>
        private static CustomRule CheckSpanOutputs(IMethodSymbol rule, IMethodSymbol target, List<IParameterSymbol> active, List<IParameterSymbol> outputs, bool shaped)
        {
            if (active.Count == 0) return new CustomRule(rule, target, "the target has no double or float parameter, or array or read-only span of them, to differentiate its outputs by", shaped ? ShapeOf(rule) : RuleShape.Partials);
            string names = "'" + string.Join("', '", outputs.Select(p => p.Name)) + "'";
            if (outputs.Count > 1)
            {
                return new CustomRule(rule, target, "rules for a function with several span outputs (" + names + ") are not supported yet: give it one output span, or write '" + target.Name +
                    "' as a [Differentiable] vector-valued method (differentiated in place of each call)", shaped ? ShapeOf(rule) : RuleShape.Partials);
            }
            string Shapes() => "a Vjp, " + SpanVjpSignature(active, outputs) + ", and a Jvp, " + SpanJvpSignature(active, outputs);
            if (!shaped)
            {
                return new CustomRule(rule, target, "the target writes the span output " + names + ", so partials cannot be returned: give it rules shaped like its generated companions, " + Shapes());
            }
            int first = target.Parameters.Length + (target.IsStatic ? 0 : 1);
            var rest = rule.Parameters.Skip(first).ToList();
            bool SpanOf(IParameterSymbol p, IParameterSymbol of, bool? writable) =>
                p.RefKind == RefKind.None && TypeRefs.IsSpan(p.Type, out var element) && (writable == null || TypeRefs.IsWritableSpan(p.Type) == writable)
                && SymbolEqualityComparer.Default.Equals(element, ElementOf(of.Type));
            bool Scalar(IParameterSymbol p, IParameterSymbol of, RefKind kind) => p.RefKind == kind && SymbolEqualityComparer.Default.Equals(p.Type, of.Type);
            int n = outputs.Count + active.Count;
            bool vjp = rest.Count == n
                && outputs.Select((o, k) => SpanOf(rest[k], o, null)).All(x => x)
                && active.Select((p, k) => TypeRefs.IsFloating(p.Type) ? Scalar(rest[outputs.Count + k], p, RefKind.Ref) : SpanOf(rest[outputs.Count + k], p, true)).All(x => x);
            bool jvp = rest.Count == n
                && active.Select((p, k) => TypeRefs.IsFloating(p.Type) ? Scalar(rest[k], p, RefKind.None) : SpanOf(rest[k], p, false)).All(x => x)
                && outputs.Select((o, k) => SpanOf(rest[active.Count + k], o, true)).All(x => x);
            if (vjp && jvp)
            {
                // (ReadOnlySpan<T> a, Span<T> x) then (ReadOnlySpan<T>, Span<T>): a cotangent and an adjoint, or a tangent and an output tangent.
                bool vjpName = rule.Name.EndsWith("Vjp", System.StringComparison.Ordinal), jvpName = rule.Name.EndsWith("Jvp", System.StringComparison.Ordinal);
                if (vjpName == jvpName)
                {
                    return new CustomRule(rule, target, "its parameters fit both " + Shapes() + ": end its name with Vjp or Jvp to say which it is", RuleShape.Vjp);
                }
                vjp = vjpName;
                jvp = jvpName;
            }
            var shape = vjp ? RuleShape.Vjp : jvp ? RuleShape.Jvp : ShapeOf(rule);
            if ((vjp || jvp) && !rule.ReturnsVoid)
            {
                return new CustomRule(rule, target, "a " + (vjp ? "Vjp" : "Jvp") + "-shaped rule of a function with span outputs returns void, as the generated companion does", shape);
            }
            if (vjp || jvp) return new CustomRule(rule, target, null, shape);
            return new CustomRule(rule, target, "its parameters after the target's (" + string.Join(", ", rest.Select(Show)) + ") are neither those of " + Shapes(), shape);
        }

        /// <summary>What a rule that fits no shape was meant to be, so that its partner is not also told it has none: a Vjp has adjoints (ref, or a writable span first) and no out.</summary>
        private static RuleShape ShapeOf(IMethodSymbol rule) =>
            rule.Name.EndsWith("Jvp", System.StringComparison.Ordinal) ? RuleShape.Jvp
            : rule.Name.EndsWith("Vjp", System.StringComparison.Ordinal) || rule.Parameters.Any(p => p.RefKind == RefKind.Ref) ? RuleShape.Vjp : RuleShape.Jvp;

        /// <summary>The extra parameters of a span-output target's Vjp: <c>(…, ReadOnlySpan&lt;double&gt; yAdj, Span&lt;double&gt; xAdj, ref double kAdj)</c>.</summary>
        private static string SpanVjpSignature(List<IParameterSymbol> active, List<IParameterSymbol> outputs) =>
            "(…, " + string.Join(", ", outputs.Select(p => "System.ReadOnlySpan<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Adj").Concat(active.Select(p => TypeRefs.IsFloating(p.Type)
                ? "ref " + p.Type.ToDisplayString() + " " + p.Name + "Adj"
                : "System.Span<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Adj"))) + ")";

        /// <summary>The extra parameters of a span-output target's Jvp: <c>(…, ReadOnlySpan&lt;double&gt; xDot, double kDot, Span&lt;double&gt; yDot)</c>.</summary>
        private static string SpanJvpSignature(List<IParameterSymbol> active, List<IParameterSymbol> outputs) =>
            "(…, " + string.Join(", ", active.Select(p => TypeRefs.IsFloating(p.Type)
                ? p.Type.ToDisplayString() + " " + p.Name + "Dot"
                : "System.ReadOnlySpan<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Dot").Concat(outputs.Select(p => "System.Span<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Dot"))) + ")";

        private static ITypeSymbol? ElementOf(ITypeSymbol type) =>
            type is IArrayTypeSymbol array ? array.ElementType : TypeRefs.IsSpan(type, out var element) ? element : null;

        private static string Show(IParameterSymbol p) =>
            (p.RefKind == RefKind.Ref ? "ref " : p.RefKind == RefKind.Out ? "out " : p.RefKind == RefKind.In ? "in " : "") + p.Type.ToDisplayString();

        /// <summary>The extra parameters of a target's Vjp, as the message shows them: <c>(…, double seed, Span&lt;double&gt; xAdj, ref double yAdj)</c>.</summary>
        private static string VjpSignature(IMethodSymbol target, List<IParameterSymbol> active) =>
            "(…, " + string.Join(", ", new[] { target.ReturnType.ToDisplayString() + " seed" }.Concat(active.Select(p => TypeRefs.IsFloating(p.Type)
                ? "ref " + p.Type.ToDisplayString() + " " + p.Name + "Adj"
                : "System.Span<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Adj"))) + ")";

        /// <summary>The extra parameters of a target's Jvp: <c>(…, ReadOnlySpan&lt;double&gt; xDot, double yDot, out double tangent)</c>.</summary>
        private static string JvpSignature(IMethodSymbol target, List<IParameterSymbol> active) =>
            "(…, " + string.Join(", ", active.Select(p => TypeRefs.IsFloating(p.Type)
                ? p.Type.ToDisplayString() + " " + p.Name + "Dot"
                : "System.ReadOnlySpan<" + ElementOf(p.Type)?.ToDisplayString() + "> " + p.Name + "Dot").Concat(new[] { "out " + target.ReturnType.ToDisplayString() + " tangent" })) + ")";

        private static string Describe(RuleShape shape) => shape switch
        {
            RuleShape.Vjp => "Vjp-shaped rule",
            RuleShape.Jvp => "Jvp-shaped rule",
            _ => "rule",
        };

        /// <summary>
        /// Why generated code, which calls the rule by its full name from the callers' types (in other files), cannot
        /// call it: type parameters it could not supply, or an accessibility or file scope that hides it.
        /// </summary>
        private static string? Unreachable(IMethodSymbol rule)
        {
            if (rule.IsGenericMethod) return "a derivative rule cannot be generic: generated code calls it without type arguments";
            for (var type = rule.ContainingType; type != null; type = type.ContainingType)
            {
                if (type.IsGenericType) return "a derivative rule cannot be declared in a generic type ('" + type.ToDisplayString() + "'): generated code calls it without type arguments";
                if (type.IsFileLocal) return "a derivative rule cannot be declared in a file-local type ('" + type.Name + "'): generated code calls it from other files";
            }
            for (ISymbol? member = rule; member is IMethodSymbol || member is INamedTypeSymbol; member = member.ContainingSymbol)
            {
                var accessibility = member.DeclaredAccessibility;
                if (accessibility != Accessibility.Public && accessibility != Accessibility.Internal && accessibility != Accessibility.ProtectedOrInternal)
                {
                    return "a derivative rule must be public or internal, and so must the types that contain it ('" + member.Name + "' is not): generated code calls it from the callers' types";
                }
            }
            return null;
        }

        private static string Describe(IMethodSymbol method) => method.ContainingType.ToDisplayString() + "." + method.Name;
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>A [DerivativeOf] method and what it was checked to be.</summary>
    public sealed class CustomRule
    {
        public CustomRule(IMethodSymbol rule, IMethodSymbol? target, string? problem)
        {
            Rule = rule;
            Target = target;
            Problem = problem;
        }

        public IMethodSymbol Rule { get; }

        public IMethodSymbol? Target { get; }

        /// <summary>Why the rule cannot be used, or null.</summary>
        public string? Problem { get; }
    }

    /// <summary>
    /// The [DerivativeOf] rules of a compilation, found once per compilation and checked against their
    /// targets: static, with the target's parameters (after the receiver, for an instance target), returning
    /// one partial per double/float parameter.
    /// </summary>
    public static class CustomRules
    {
        public const string Attribute = "AutoDiff.DerivativeOfAttribute";

        private static readonly ConditionalWeakTable<Compilation, IReadOnlyList<CustomRule>> Cache = new ConditionalWeakTable<Compilation, IReadOnlyList<CustomRule>>();

        public static IReadOnlyList<CustomRule> All(Compilation compilation) => Cache.GetValue(compilation, Collect);

        /// <summary>The usable rule for <paramref name="target"/>, if exactly one exists.</summary>
        public static IMethodSymbol? For(Compilation compilation, IMethodSymbol target)
        {
            var rules = All(compilation).Where(r => r.Problem == null && SymbolEqualityComparer.Default.Equals(r.Target, target.OriginalDefinition)).ToList();
            return rules.Count == 1 ? rules[0].Rule : null;
        }

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
            // Two usable rules for one target: neither is used.
            var duplicates = found.Where(r => r.Problem == null && r.Target != null)
                .GroupBy(r => r.Target!, SymbolEqualityComparer.Default).Where(g => g.Count() > 1).SelectMany(g => g).ToList();
            return found.Select(r => duplicates.Contains(r)
                ? new CustomRule(r.Rule, r.Target, "another [DerivativeOf] method is already the rule for '" + Describe(r.Target!) + "'")
                : r).ToList();
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
            // extension method, so a rule can be written for a method of a type it cannot add members to.
            var matches = sameName.Where(m => m.Parameters.Length + (m.IsStatic ? 0 : 1) == rule.Parameters.Length
                && (m.IsStatic || SymbolEqualityComparer.Default.Equals(rule.Parameters[0].Type, m.ContainingType) && rule.Parameters[0].RefKind == RefKind.None)
                && m.Parameters.Zip(rule.Parameters.Skip(m.IsStatic ? 0 : 1), (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type) && a.RefKind == b.RefKind).All(x => x)).ToList();
            if (matches.Count == 0)
            {
                return new CustomRule(rule, null, "no overload of '" + type.ToDisplayString() + "." + name + "' has the parameters (" + string.Join(", ", rule.Parameters.Select(p => p.Type.ToDisplayString())) +
                    ") (a rule for an instance method takes the receiver first, then the method's parameters)");
            }
            if (matches.Count > 1) return new CustomRule(rule, null, "'" + type.ToDisplayString() + "." + name + "' is ambiguous");
            var target = matches[0];
            if (!rule.IsStatic) return new CustomRule(rule, target, "a derivative rule must be static (for an instance method, take the receiver as the first parameter)");
            if (Unreachable(rule) is string unreachable) return new CustomRule(rule, target, unreachable);
            if (!TypeRefs.IsFloating(target.ReturnType)) return new CustomRule(rule, target, "the target must return double or float");
            var active = target.Parameters.Where(p => TypeRefs.IsFloating(p.Type)).ToList();
            if (active.Count == 0) return new CustomRule(rule, target, "the target has no double or float parameter to differentiate");
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

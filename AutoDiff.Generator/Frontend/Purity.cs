using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// Which calls and reads the generator knows to be pure (README, "Calls and side effects"). A call is pure only when
    /// the generator knows it: a member of <c>System.Math</c>/<c>MathF</c>, of <c>AutoDiff.Ad</c>/<c>AdMath</c> or of a
    /// primitive type (<c>double.IsNaN</c>), a <c>[Differentiable]</c> method whose body (and the bodies of the
    /// <c>[Differentiable]</c> methods it calls) makes no other calls, a method with a <c>[DerivativeOf]</c> rule,
    /// or a method marked <c>[System.Diagnostics.Contracts.Pure]</c> (itself, or its property or type). A property getter
    /// is a call, except an auto-property's, which reads its field. A field is read, not called; it can change only
    /// through a call, so in a method that makes a call with effects a field that is not readonly is read in order
    /// with the calls. Everything else may have effects, and every companion makes it exactly as the method does
    /// (<see cref="Ir.OpInfo.HasEffect(Ir.Op, double)"/>).
    /// </summary>
    internal static class Purity
    {
        public const string PureAttribute = KnownTypes.PureName;

        /// <summary>
        /// One query's walk over bodies: the methods looked at, and whether a method was skipped because it was already
        /// being looked at (recursion), which leaves a "no effects" answer partial, so it is not kept.
        /// </summary>
        private sealed class Walk
        {
            public readonly HashSet<IMethodSymbol> Visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            public bool Cut;
        }

        public static bool IsKnownPure(IMethodSymbol method, Compilation? compilation) =>
            compilation != null && IsKnownPure(method, CompilationState.For(compilation), new Walk());

        private static bool IsKnownPure(IMethodSymbol method, CompilationState state, Walk walk)
        {
            method = method.ReducedFrom ?? method;
            if (IsPureType(method.ContainingType, state.Types) || HasPure(method, state.Types) || HasPure(method.ContainingType, state.Types)) return true;
            if (method.AssociatedSymbol is IPropertySymbol property && IsKnownPure(property, state)) return true;
            if (KnownTypes.Has(method, state.Types.Differentiable)) return !BodyMakesCallsWithEffects(method, state, walk);
            return CustomRules.For(state.Compilation, method) != null;
        }

        /// <summary>
        /// Whether the body of <paramref name="method"/> (a [Differentiable] one) makes a call with effects, itself or
        /// through the [Differentiable] methods it calls. A method already being looked at (recursion) adds nothing. The
        /// answers are kept per compilation (<see cref="CompilationState.BodyEffects"/>), so a call graph is walked once
        /// however many call sites ask (a chain of callees would otherwise be walked again from every call site).
        /// </summary>
        public static bool BodyMakesCallsWithEffects(IMethodSymbol method, Compilation? compilation) =>
            compilation != null && BodyMakesCallsWithEffects(method, CompilationState.For(compilation), new Walk());

        private static bool BodyMakesCallsWithEffects(IMethodSymbol method, CompilationState state, Walk walk)
        {
            method = method.OriginalDefinition;
            var compilation = state.Compilation;
            var known = state.BodyEffects;
            if (known.TryGetValue(method, out bool effects)) return effects;
            if (!walk.Visited.Add(method))
            {
                walk.Cut = true;
                return false;
            }
            if (!(method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is MethodDeclarationSyntax syntax)
                || !compilation.ContainsSyntaxTree(syntax.SyntaxTree)) return false;
            var body = state.Model(syntax.SyntaxTree).GetOperation(syntax);
            bool cutBefore = walk.Cut;
            walk.Cut = false;
            effects = body != null && MakesCallsWithEffects(body, state, walk);
            // "Effects" is final; "none" only when no method below was skipped as under way.
            if (effects || !walk.Cut) known[method] = effects;
            walk.Cut |= cutBefore;
            return effects;
        }

        /// <summary>A property whose getter is known to be pure: an auto-property (a field read), or one marked [Pure].</summary>
        public static bool IsKnownPure(IPropertySymbol property, Compilation? compilation) =>
            compilation != null && IsKnownPure(property, CompilationState.For(compilation));

        private static bool IsKnownPure(IPropertySymbol property, CompilationState state)
        {
            var types = state.Types;
            if (IsPureType(property.ContainingType, types) || HasPure(property, types) || HasPure(property.ContainingType, types)) return true;
            if (property.GetMethod != null && HasPure(property.GetMethod, types)) return true;
            // An auto-property has a compiler-made backing field associated with it.
            return property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));
        }

        /// <summary>Whether a read of <paramref name="field"/> must stay in order with the calls of a method that makes calls with effects.</summary>
        public static bool IsMutable(IFieldSymbol field) => !field.IsReadOnly && !field.IsConst;

        /// <summary>Whether <paramref name="body"/> makes a call (or reads a property) that is not known to be pure.</summary>
        public static bool MakesCallsWithEffects(IOperation body, Compilation? compilation) =>
            compilation == null || MakesCallsWithEffects(body, CompilationState.For(compilation), new Walk());

        private static bool MakesCallsWithEffects(IOperation body, CompilationState state, Walk walk) =>
            body.Descendants().Any(o => o switch
            {
                IInvocationOperation invocation => !IsKnownPure(invocation.TargetMethod, state, walk) && !IsGuard(invocation.TargetMethod) && !IsLoweredInPlace(invocation),
                IPropertyReferenceOperation property => !IsKnownPure(property.Property, state),
                _ => false,
            });

        /// <summary>
        /// A call the frontend lowers in place (a local function, a lambda local, LINQ over an array): the calls its body makes
        /// are in the method's body too, and counted there.
        /// </summary>
        private static bool IsLoweredInPlace(IInvocationOperation invocation) =>
            invocation.TargetMethod.MethodKind == MethodKind.LocalFunction
            || (invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke && invocation.Instance is ILocalReferenceOperation)
            || invocation.TargetMethod.ContainingType?.ToDisplayString() == "System.Linq.Enumerable";

        /// <summary>
        /// A guard: a method that changes nothing and returns or throws, so it runs where the method calls it but is no call
        /// with effects (<see cref="Ir.Op.Guard"/>): a static <c>ThrowIf…</c> of an exception type in <c>System</c>
        /// (<c>ArgumentNullException.ThrowIfNull</c>, <c>ArgumentOutOfRangeException.ThrowIfNegative</c>, …) and
        /// <c>System.Diagnostics.Debug.Assert</c>/<c>Trace.Assert</c>.
        /// </summary>
        public static bool IsGuard(IMethodSymbol method)
        {
            var type = method.ContainingType;
            if (type == null || !method.IsStatic || !method.ReturnsVoid) return false;
            string ns = type.ContainingNamespace?.ToDisplayString() ?? "";
            if (ns == "System" && type.Name.EndsWith("Exception", System.StringComparison.Ordinal) && method.Name.StartsWith("ThrowIf", System.StringComparison.Ordinal)) return true;
            return ns == "System.Diagnostics" && (type.Name == "Debug" || type.Name == "Trace") && method.Name == "Assert";
        }

        private static bool HasPure(ISymbol? symbol, KnownTypes types) => KnownTypes.Has(symbol, types.Pure);

        /// <summary>Math, MathF, the runtime's Ad and AdMath, primitive types, arrays and spans (their Length and indexer).</summary>
        private static bool IsPureType(INamedTypeSymbol? type, KnownTypes types)
        {
            if (type == null) return false;
            if (type.SpecialType >= SpecialType.System_Boolean && type.SpecialType <= SpecialType.System_Double) return true;
            if (type.SpecialType == SpecialType.System_Array) return true;
            return types.IsMathOrAd(type) || KnownTypes.Is(type, types.Span) || KnownTypes.Is(type, types.ReadOnlySpan);
        }
    }
}

using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    internal static class TypeRefs
    {
        public static TypeRef From(ITypeSymbol? type)
        {
            if (type == null) return new TypeRef(ValueKind.Other, "object");
            switch (type.SpecialType)
            {
                case SpecialType.System_Double: return TypeRef.Double;
                case SpecialType.System_Single: return TypeRef.Float;
                case SpecialType.System_Boolean: return TypeRef.Bool;
                case SpecialType.System_Int32: return TypeRef.Int;
                case SpecialType.System_Int64: return new TypeRef(ValueKind.Integer, "long");
                case SpecialType.System_Int16: return new TypeRef(ValueKind.Integer, "short");
                case SpecialType.System_UInt16: return new TypeRef(ValueKind.Integer, "ushort");
                case SpecialType.System_UInt32: return new TypeRef(ValueKind.Integer, "uint");
                case SpecialType.System_UInt64: return new TypeRef(ValueKind.Integer, "ulong");
                case SpecialType.System_Byte: return new TypeRef(ValueKind.Integer, "byte");
                case SpecialType.System_SByte: return new TypeRef(ValueKind.Integer, "sbyte");
                // A char is an integer to the IR (data: compared, switched on, converted), written as a char literal.
                case SpecialType.System_Char: return new TypeRef(ValueKind.Integer, "char");
            }
            if (IsFloatingTypeParameter(type)) return TypeRef.FloatingParameter(type.Name);
            if (Arrays2D.TypeOf(type) is TypeRef twoDimensional) return twoDimensional;
            if (type is IArrayTypeSymbol array && array.Rank == 1) return TypeRef.ArrayOf(From(array.ElementType), Display(type));
            if (IsSpan(type, out var element)) return TypeRef.Sequence(type.Name == "Span" ? Container.Span : Container.ReadOnlySpan, From(element), Display(type));
            return new TypeRef(ValueKind.Other, Display(type));
        }

        /// <summary>
        /// System.Span&lt;T&gt; or System.ReadOnlySpan&lt;T&gt;. (By name, without <see cref="KnownTypes"/>: called where no
        /// compilation is at hand, and a namespace check that allocates nothing is as exact.)
        /// </summary>
        public static bool IsSpan(ITypeSymbol type, out ITypeSymbol element)
        {
            element = type;
            if (type is INamedTypeSymbol named && named.IsGenericType && named.TypeArguments.Length == 1 &&
                (named.Name == "Span" || named.Name == "ReadOnlySpan") && IsSystem(named.ContainingNamespace))
            {
                element = named.TypeArguments[0];
                return true;
            }
            return false;
        }

        public static bool IsWritableSpan(ITypeSymbol type) => IsSpan(type, out _) && type.Name == "Span";

        public static string Display(ITypeSymbol type) =>
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));

        public static bool IsFloating(ITypeSymbol? type) =>
            type != null && (type.SpecialType == SpecialType.System_Double || type.SpecialType == SpecialType.System_Single || IsFloatingTypeParameter(type));

        /// <summary>
        /// A type parameter <c>T</c> constrained (directly or through another interface) to
        /// <c>System.Numerics.IFloatingPoint&lt;T&gt;</c>: a floating scalar in generic math (double, float, Half…).
        /// </summary>
        public static bool IsFloatingTypeParameter(ITypeSymbol? type) =>
            type is ITypeParameterSymbol parameter && ImplementsNumerics(parameter, "IFloatingPoint");

        /// <summary>Whether <paramref name="parameter"/>'s constraints give <c>System.Numerics.{name}&lt;T&gt;</c> over itself.</summary>
        public static bool ImplementsNumerics(ITypeParameterSymbol parameter, string name)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsNumericsOver(constraint, parameter, name)) return true;
                foreach (var inherited in constraint.AllInterfaces)
                {
                    if (IsNumericsOver(inherited, parameter, name)) return true;
                }
            }
            return false;
        }

        private static bool IsNumericsOver(ITypeSymbol type, ITypeParameterSymbol parameter, string name) =>
            type is INamedTypeSymbol named && named.Name == name && named.TypeArguments.Length >= 1
            && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], parameter)
            && named.ContainingNamespace?.ToDisplayString() == "System.Numerics";

        /// <summary>double[], float[], Span/ReadOnlySpan of double or float.</summary>
        public static bool IsFloatingSequence(ITypeSymbol type)
        {
            if (type is IArrayTypeSymbol array) return IsFloating(array.ElementType);
            return IsSpan(type, out var element) && IsFloating(element);
        }

        private static bool IsSystem(INamespaceSymbol? ns) =>
            ns != null && ns.Name == "System" && ns.ContainingNamespace != null && ns.ContainingNamespace.IsGlobalNamespace;
    }
}

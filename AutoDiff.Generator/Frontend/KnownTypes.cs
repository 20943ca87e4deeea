using System.Linq;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// The types the frontend compares symbols against, resolved once per compilation (by
    /// <see cref="CompilationState"/>) instead of comparing display strings or metadata names at every use. A type the
    /// compilation does not reference is null, and nothing is equal to it.
    /// </summary>
    internal sealed class KnownTypes
    {
        public const string DifferentiableName = "AutoDiff.DifferentiableAttribute";
        public const string NoDerivativeName = "AutoDiff.NoDerivativeAttribute";
        public const string DerivativeOfName = "AutoDiff.DerivativeOfAttribute";
        public const string PureName = "System.Diagnostics.Contracts.PureAttribute";

        public KnownTypes(Compilation compilation)
        {
            Differentiable = compilation.GetTypeByMetadataName(DifferentiableName);
            NoDerivative = compilation.GetTypeByMetadataName(NoDerivativeName);
            DerivativeOf = compilation.GetTypeByMetadataName(DerivativeOfName);
            Pure = compilation.GetTypeByMetadataName(PureName);
            GeneratedCode = compilation.GetTypeByMetadataName("System.CodeDom.Compiler.GeneratedCodeAttribute");
            Math = compilation.GetTypeByMetadataName("System.Math");
            MathF = compilation.GetTypeByMetadataName("System.MathF");
            Ad = compilation.GetTypeByMetadataName("AutoDiff.Ad");
            AdMath = compilation.GetTypeByMetadataName("AutoDiff.AdMath");
            Span = compilation.GetTypeByMetadataName("System.Span`1");
            ReadOnlySpan = compilation.GetTypeByMetadataName("System.ReadOnlySpan`1");
        }

        public INamedTypeSymbol? Differentiable { get; }
        public INamedTypeSymbol? NoDerivative { get; }
        public INamedTypeSymbol? DerivativeOf { get; }
        public INamedTypeSymbol? Pure { get; }
        public INamedTypeSymbol? GeneratedCode { get; }
        public INamedTypeSymbol? Math { get; }
        public INamedTypeSymbol? MathF { get; }
        public INamedTypeSymbol? Ad { get; }
        public INamedTypeSymbol? AdMath { get; }
        public INamedTypeSymbol? Span { get; }
        public INamedTypeSymbol? ReadOnlySpan { get; }

        /// <summary>Whether <paramref name="type"/> (or, for a generic one, its definition) is <paramref name="known"/>.</summary>
        public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known) =>
            type != null && known != null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

        /// <summary>The attribute of class <paramref name="known"/> on <paramref name="symbol"/>, or null.</summary>
        public static AttributeData? Attribute(ISymbol? symbol, INamedTypeSymbol? known) =>
            symbol == null || known == null ? null : symbol.GetAttributes().FirstOrDefault(a => Is(a.AttributeClass, known));

        public static bool Has(ISymbol? symbol, INamedTypeSymbol? known) => Attribute(symbol, known) != null;

        /// <summary>Whether the parameter is marked [NoDerivative].</summary>
        public bool IsNoDerivative(IParameterSymbol parameter) => Has(parameter, NoDerivative);

        /// <summary>Math, MathF, the runtime's Ad or AdMath.</summary>
        public bool IsMathOrAd(ITypeSymbol? type) => Is(type, Math) || Is(type, MathF) || Is(type, Ad) || Is(type, AdMath);
    }
}

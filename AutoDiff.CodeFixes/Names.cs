using System.Linq;
using Microsoft.CodeAnalysis;

namespace AutoDiff.CodeFixes
{
    /// <summary>How to write an AutoDiff type where a fix inserts it: by its simple name when that binds to it, else qualified.</summary>
    internal static class Names
    {
        /// <summary>
        /// <c>NoDerivative</c> for the attribute <c>AutoDiff.NoDerivativeAttribute</c> when a using brings it in scope at
        /// <paramref name="position"/> (and nothing else answers to the short name), else <c>AutoDiff.NoDerivative</c>, or
        /// <c>global::AutoDiff.NoDerivative</c> when <c>AutoDiff</c> means something else there.
        /// </summary>
        public static string Attribute(SemanticModel model, int position, string shortName) =>
            InScope(model, position, shortName + "Attribute") && !model.LookupNamespacesAndTypes(position, name: shortName).Any()
                ? shortName
                : Qualified(model, position, shortName);

        /// <summary><c>Ad</c> (or <c>AutoDiff.Ad</c>, <c>global::AutoDiff.Ad</c>) for a type of the AutoDiff namespace.</summary>
        public static string Type(SemanticModel model, int position, string name) =>
            InScope(model, position, name) ? name : Qualified(model, position, name);

        private static bool InScope(SemanticModel model, int position, string metadataName)
        {
            var target = model.Compilation.GetTypeByMetadataName("AutoDiff." + metadataName);
            var found = model.LookupNamespacesAndTypes(position, name: metadataName);
            return target != null && found.Length == 1 && SymbolEqualityComparer.Default.Equals(found[0], target);
        }

        private static string Qualified(SemanticModel model, int position, string name)
        {
            var found = model.LookupNamespacesAndTypes(position, name: "AutoDiff");
            bool plain = found.Length == 1 && found[0] is INamespaceSymbol ns && ns.ContainingNamespace?.IsGlobalNamespace == true;
            return (plain ? "AutoDiff." : "global::AutoDiff.") + name;
        }
    }
}

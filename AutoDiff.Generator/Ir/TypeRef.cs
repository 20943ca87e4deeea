using System;

namespace AutoDiff.Generator.Ir
{
    public enum ValueKind
    {
        Double,
        Float,
        Integer,
        Bool,
        Other,
    }

    /// <summary>
    /// A type as the IR sees it: a kind for the rules and the C# spelling for the emitter
    /// (a keyword or a <c>global::</c>-qualified name), never a symbol.
    /// </summary>
    public readonly record struct TypeRef(ValueKind Kind, string Display)
    {
        public static readonly TypeRef Double = new TypeRef(ValueKind.Double, "double");
        public static readonly TypeRef Float = new TypeRef(ValueKind.Float, "float");
        public static readonly TypeRef Int = new TypeRef(ValueKind.Integer, "int");
        public static readonly TypeRef Bool = new TypeRef(ValueKind.Bool, "bool");

        /// <summary>Floating-point scalars are the types that carry derivatives.</summary>
        public bool IsFloating => Kind == ValueKind.Double || Kind == ValueKind.Float;

        public bool IsNumeric => IsFloating || Kind == ValueKind.Integer;

        public override string ToString() => Display;
    }
}

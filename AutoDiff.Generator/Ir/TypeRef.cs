using System;

namespace AutoDiff.Generator.Ir
{
    public enum ValueKind
    {
        Double,
        Float,
        Integer,
        Bool,
        /// <summary>An array or span; <see cref="TypeRef.Element"/> is the kind of its elements.</summary>
        Sequence,
        Other,
    }

    /// <summary>
    /// A type as the IR sees it: a kind for the rules and the C# spelling for the emitter
    /// (a keyword or a <c>global::</c>-qualified name), never a symbol.
    /// </summary>
    public readonly record struct TypeRef(ValueKind Kind, string Display, ValueKind Element = ValueKind.Other, string ElementDisplay = "")
    {
        /// <summary>An array (<c>T[]</c>) or span type over elements of <paramref name="element"/>.</summary>
        public static TypeRef SequenceOf(TypeRef element, string display) => new TypeRef(ValueKind.Sequence, display, element.Kind, element.Display);

        /// <summary>The element type of a sequence.</summary>
        public TypeRef ElementType => new TypeRef(Element, ElementDisplay);

        /// <summary>A sequence of double or float: one that can carry derivatives.</summary>
        public bool IsFloatingSequence => Kind == ValueKind.Sequence && (Element == ValueKind.Double || Element == ValueKind.Float);

        /// <summary>Whether this is a span (stack-only) rather than an array.</summary>
        public bool IsSpan => Kind == ValueKind.Sequence && Display.Contains("Span<");

        public static readonly TypeRef Double = new TypeRef(ValueKind.Double, "double");
        public static readonly TypeRef Float = new TypeRef(ValueKind.Float, "float");
        public static readonly TypeRef Int = new TypeRef(ValueKind.Integer, "int");
        public static readonly TypeRef Long = new TypeRef(ValueKind.Integer, "long");
        public static readonly TypeRef Bool = new TypeRef(ValueKind.Bool, "bool");

        /// <summary>Floating-point scalars are the types that carry derivatives.</summary>
        public bool IsFloating => Kind == ValueKind.Double || Kind == ValueKind.Float;

        public bool IsNumeric => IsFloating || Kind == ValueKind.Integer;

        public override string ToString() => Display;
    }
}

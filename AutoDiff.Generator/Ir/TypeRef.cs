namespace AutoDiff.Generator.Ir
{
    public enum ValueKind
    {
        Double,
        Float,
        Integer,
        Bool,
        /// <summary>An array or span; <see cref="TypeRef.ElementType"/> is the type of its elements.</summary>
        Sequence,
        Other,
        /// <summary>
        /// A type parameter constrained to a floating-point type (generic math, <c>T : IFloatingPoint&lt;T&gt;</c>): a floating
        /// scalar for the passes, spelled by its name; constants are written <c>T.CreateChecked(…)</c>, functions <c>T.Exp(…)</c>.
        /// </summary>
        FloatingParameter,
        /// <summary>
        /// <c>System.Numerics.Vector&lt;T&gt;</c> of a double or float <see cref="TypeRef.ElementType"/>: the lanes the
        /// <c>vector-sums</c> pass computes at once (<c>Transforms/VectorSums.cs</c>). Only that pass, which runs last, makes
        /// such values; the emitter prints them.
        /// </summary>
        Vector,
    }

    /// <summary>How a <see cref="ValueKind.Sequence"/> holds its elements: the part of its shape the emitter and the passes act on.</summary>
    public enum Container
    {
        /// <summary>Not a sequence.</summary>
        None,
        /// <summary><c>T[]</c>: on the heap, readable and writable.</summary>
        Array,
        /// <summary><c>System.Span&lt;T&gt;</c>: stack-only, readable and writable.</summary>
        Span,
        /// <summary><c>System.ReadOnlySpan&lt;T&gt;</c>: stack-only, readable only.</summary>
        ReadOnlySpan,
    }

    /// <summary>
    /// A type as the IR sees it: a shape for the rules and the passes (a scalar kind; for a sequence, its container, rank and
    /// element type) and the C# spelling for the emitter (a keyword or a <c>global::</c>-qualified name), never a symbol.
    /// Questions about a type (is it a span, may it be written) are answered from the shape, never from <see cref="Display"/>.
    /// Later kinds (user structs, matrices) extend the shape: a <see cref="ValueKind"/>, a <see cref="Container"/>, a rank.
    /// </summary>
    public sealed record TypeRef(ValueKind Kind, string Display)
    {
        /// <summary>How a sequence holds its elements; <see cref="Container.None"/> for anything else.</summary>
        public Container Container { get; init; }

        /// <summary>The number of indices an element takes: 1 for an array or span, 2 for <c>T[,]</c> and <c>T[][]</c>, 0 for anything else.</summary>
        public int Rank { get; init; }

        /// <summary>An array of arrays (<c>T[][]</c>, rank 2): element <c>a[i][j]</c>, row length <c>a[i].Length</c>.</summary>
        public bool Jagged { get; init; }

        /// <summary>The element type of a sequence; null for anything else.</summary>
        public TypeRef? Of { get; init; }

        /// <summary>A sequence of <paramref name="element"/> held in <paramref name="container"/>, spelled <paramref name="display"/> (by default, as C# spells it).</summary>
        public static TypeRef Sequence(Container container, TypeRef element, string? display = null) =>
            new TypeRef(ValueKind.Sequence, display ?? Spell(container, element))
            {
                Container = container,
                Rank = 1,
                Of = element,
            };

        /// <summary><c>T[]</c>; <paramref name="display"/> keeps the source's spelling (a nullable annotation, say).</summary>
        public static TypeRef ArrayOf(TypeRef element, string? display = null) => Sequence(Container.Array, element, display);

        /// <summary><c>T[,]</c> (<paramref name="jagged"/>: <c>T[][]</c>): an array whose elements take two indices.</summary>
        public static TypeRef Array2DOf(TypeRef element, bool jagged, string? display = null) =>
            new TypeRef(ValueKind.Sequence, display ?? element.Display + (jagged ? "[][]" : "[,]"))
            {
                Container = Container.Array,
                Rank = 2,
                Jagged = jagged,
                Of = element,
            };

        /// <summary><c>global::System.Span&lt;T&gt;</c>.</summary>
        public static TypeRef SpanOf(TypeRef element) => Sequence(Container.Span, element);

        /// <summary><c>global::System.ReadOnlySpan&lt;T&gt;</c>.</summary>
        public static TypeRef ReadOnlySpanOf(TypeRef element) => Sequence(Container.ReadOnlySpan, element);

        private static string Spell(Container container, TypeRef element) => container switch
        {
            Container.Array => element.Display + "[]",
            Container.Span => "global::System.Span<" + element.Display + ">",
            Container.ReadOnlySpan => "global::System.ReadOnlySpan<" + element.Display + ">",
            _ => element.Display,
        };

        /// <summary><c>global::System.Numerics.Vector&lt;T&gt;</c> of <paramref name="element"/> (double or float): lanes of it computed at once.</summary>
        public static TypeRef VectorOf(TypeRef element) =>
            new TypeRef(ValueKind.Vector, "global::System.Numerics.Vector<" + element.Display + ">") { Of = element };

        /// <summary>Whether this is a <see cref="ValueKind.Vector"/> of lanes.</summary>
        public bool IsVector => Kind == ValueKind.Vector;

        /// <summary>The element type of a sequence or the lane type of a vector (<see cref="Other"/> for anything else).</summary>
        public TypeRef ElementType => Of ?? Other;

        /// <summary>The kind of a sequence's elements.</summary>
        public ValueKind Element => ElementType.Kind;

        /// <summary>The C# spelling of a sequence's elements.</summary>
        public string ElementDisplay => ElementType.Display;

        /// <summary>A sequence of double or float: one that can carry derivatives.</summary>
        public bool IsFloatingSequence => Kind == ValueKind.Sequence && ElementType.IsFloating;

        /// <summary>Whether this is a span (stack-only) rather than an array.</summary>
        public bool IsSpan => Container == Container.Span || Container == Container.ReadOnlySpan;

        /// <summary>Whether a sequence's elements may be written through it (an array or a <c>Span</c>, not a <c>ReadOnlySpan</c>).</summary>
        public bool IsWritable => Container == Container.Array || Container == Container.Span;

        public static readonly TypeRef Double = new TypeRef(ValueKind.Double, "double");
        public static readonly TypeRef Float = new TypeRef(ValueKind.Float, "float");
        public static readonly TypeRef Int = new TypeRef(ValueKind.Integer, "int");
        public static readonly TypeRef Long = new TypeRef(ValueKind.Integer, "long");
        public static readonly TypeRef Bool = new TypeRef(ValueKind.Bool, "bool");
        /// <summary>What an instruction that defines no value (a write, a push) has as its type.</summary>
        public static readonly TypeRef Void = new TypeRef(ValueKind.Other, "void");
        private static readonly TypeRef Other = new TypeRef(ValueKind.Other, "");

        /// <summary>A floating type parameter named <paramref name="name"/> (<see cref="ValueKind.FloatingParameter"/>).</summary>
        public static TypeRef FloatingParameter(string name) => new TypeRef(ValueKind.FloatingParameter, name);

        /// <summary>Floating-point scalars are the types that carry derivatives (double, float, a floating type parameter).</summary>
        public bool IsFloating => Kind == ValueKind.Double || Kind == ValueKind.Float || Kind == ValueKind.FloatingParameter;

        public bool IsNumeric => IsFloating || Kind == ValueKind.Integer;

        public override string ToString() => Display;
    }
}

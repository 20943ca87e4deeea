namespace AutoDiff.Generator.Ir
{
    public enum Op
    {
        /// <summary>A literal; its value is the <see cref="ConstValue"/> payload.</summary>
        Const,
        /// <summary><c>this</c> of the containing instance.</summary>
        This,
        Neg,
        Add,
        Sub,
        Mul,
        Div,
        Rem,
        Lt,
        Le,
        Gt,
        Ge,
        Eq,
        Ne,
        /// <summary><c>Args[0] ? Args[1] : Args[2]</c>, both arms evaluated (for rule partials only).</summary>
        Select,
        /// <summary>Logical negation of a bool.</summary>
        Not,
        /// <summary>Logical and of two bools (both already evaluated).</summary>
        And,
        /// <summary>Logical or of two bools (both already evaluated).</summary>
        Or,
        /// <summary>
        /// <c>if (Args[0]) Regions[0] else Regions[1]</c>; both regions yield one value per result.
        /// </summary>
        If,
        /// <summary>
        /// A loop over carried values: starts from <c>Args</c>; <c>Regions[0]</c> (the condition) takes the
        /// carried values and yields a bool; <c>Regions[1]</c> (the body) takes them and yields the next
        /// ones. The results are the carried values when the condition first fails.
        /// </summary>
        While,
        /// <summary>The length of the sequence <c>Args[0]</c>.</summary>
        Length,
        /// <summary><c>Args[0][Args[1]]</c> of an input sequence, which nothing writes: a pure read.</summary>
        Element,
        /// <summary><c>Args[0][Args[1]]</c> of a local buffer: ordered with the writes to it.</summary>
        Read,
        /// <summary><c>Args[0][Args[1]] = Args[2]</c> into a local buffer or an output span.</summary>
        Write,
        /// <summary><c>Args[0][Args[1]] += Args[2]</c>: adjoint accumulation into a span.</summary>
        AddTo,
        /// <summary>A zeroed buffer of <c>Args[0]</c> elements (a copy of the sequence <c>Args[0]</c>); the <see cref="Allocation"/> payload says how it is made.</summary>
        NewBuffer,
        /// <summary>
        /// A call to another [Differentiable] method whose derivatives come from its own companions; the
        /// <see cref="CallInfo"/> payload names it and its active parameters.
        /// </summary>
        CallDifferentiable,
        /// <summary>
        /// A call to a method with a [DerivativeOf] rule; the <see cref="RuleCall"/> payload has the target, the rule
        /// and the differentiated operands.
        /// </summary>
        CallWithRule,
        /// <summary>The callee's <c>Jvp</c>: the original arguments, then a tangent per active parameter; the value is the tangent.</summary>
        CallJvp,
        /// <summary>
        /// The callee's <c>Vjp</c>: the original arguments, then the seed; <see cref="Instr.Results"/> are the
        /// contributions to each active parameter's adjoint.
        /// </summary>
        CallVjp,
        /// <summary>
        /// The tangent of a <see cref="CallVjp"/> (forward mode over a caller's reverse sweep): the callee's internal
        /// <c>VjpTangent</c> companion. <c>Args</c> are the CallVjp's (original arguments, seed, adjoint spans), then a
        /// tangent per active parameter, the seed's tangent and a tangent span per adjoint span;
        /// <see cref="Instr.Results"/> are the contributions to the scalar adjoints, then their tangents.
        /// The <see cref="CallInfo"/> payload has the callee's active parameters.
        /// </summary>
        CallVjpTangent,
        /// <summary>A call for its effect on a span argument (a runtime rule such as <c>AdMath.LogSumExpAdjoint</c>), named by its <see cref="CallInfo"/>.</summary>
        Effect,
        /// <summary>Records <c>Args[0]</c> (a value, or a whole buffer's elements) on the tape its <see cref="TapeSlot"/> names, for the reverse sweep.</summary>
        Push,
        /// <summary>Takes back the last value recorded on its <see cref="TapeSlot"/>'s tape (a whole buffer: into <c>Args[0]</c>).</summary>
        Pop,
        /// <summary>A numeric conversion to <see cref="Instr.Type"/>.</summary>
        Convert,
        /// <summary>A <c>System.Math</c>/<c>MathF</c> function from the rule table; its <see cref="FnRef"/> names it.</summary>
        Intrinsic,
        /// <summary>A read of a static field or property, named (qualified) by its <see cref="MemberRef"/>.</summary>
        LoadStatic,
        /// <summary>A read of a field or property of <c>Args[0]</c>, named by its <see cref="MemberRef"/>.</summary>
        LoadMember,
        /// <summary>A call with inactive arguments to a static method named (qualified) by its <see cref="CallInfo"/>.</summary>
        CallStatic,
        /// <summary>A call with inactive arguments to a method on <c>Args[0]</c>, named by its <see cref="CallInfo"/>.</summary>
        CallMember,
        /// <summary><c>~Args[0]</c> on an integer.</summary>
        BitNot,
        /// <summary><c>Args[0] &amp; Args[1]</c> on integers (on bools it is <see cref="And"/>).</summary>
        BitAnd,
        /// <summary><c>Args[0] | Args[1]</c> on integers (on bools it is <see cref="Or"/>).</summary>
        BitOr,
        /// <summary><c>Args[0] ^ Args[1]</c> on integers (on bools it is <see cref="Ne"/>).</summary>
        BitXor,
        /// <summary><c>Args[0] &lt;&lt; Args[1]</c>: an integer shifted by an <c>int</c> count.</summary>
        ShiftLeft,
        /// <summary><c>Args[0] &gt;&gt; Args[1]</c>: an integer shifted by an <c>int</c> count.</summary>
        ShiftRight,
        /// <summary><c>Args[0] &gt;&gt;&gt; Args[1]</c>: an integer shifted by an <c>int</c> count, zeros shifted in.</summary>
        UnsignedShiftRight,
        /// <summary>A read-only span of constants (a coefficient table such as Gauss nodes), its elements in the <see cref="ConstTable"/> payload.</summary>
        Table,
        /// <summary>
        /// <c>throw Args[0]</c>: ends the path it is on (the rest of its region is never reached, nor the adjoint of that region);
        /// the exception is made by an ordinary call (<c>new global::System.ArgumentException(…)</c>).
        /// </summary>
        Throw,
        /// <summary>A constant written as its C# source text (a string, <c>null</c>), named by its <see cref="LiteralText"/>; only passed to calls.</summary>
        Literal,
        /// <summary>
        /// A call that changes nothing and returns or throws (<c>ArgumentNullException.ThrowIfNull</c>, <c>Debug.Assert</c>),
        /// named by its <see cref="CallInfo"/>: it runs where it stands, as a throw would, but is no call with effects.
        /// </summary>
        Guard,
        /// <summary>
        /// Makes room on the tape its <see cref="TapeRoom"/> names for the values a loop will push, so that those pushes
        /// (<see cref="TapeSlot.Reserved"/>) need no check: <c>PerTrip × (Args[0..Added) − Args[Added..] + Offset)</c> values,
        /// the operands integers read as <c>long</c>; for a loop nest, what its nested loops push too (<see cref="TapeRoom.Count"/>). Placed by the <c>reserve-tapes</c> pass (<c>Transforms/ReserveTapes.cs</c>).
        /// </summary>
        Reserve,
        /// <summary>
        /// A <see cref="ValueKind.Vector"/> whose lanes all hold <c>Args[0]</c>, a scalar of its lane type
        /// (<c>new Vector&lt;double&gt;(x)</c>). Made only by <c>vector-sums</c>.
        /// </summary>
        Splat,
        /// <summary>The sum of the lanes of <c>Args[0]</c>, a <see cref="ValueKind.Vector"/>, as a scalar of its lane type. Made only by <c>vector-sums</c>.</summary>
        SumLanes,
    }
}

namespace AutoDiff.Generator.Ir
{
    public enum Op
    {
        /// <summary>A literal; the value is in <see cref="Instr.Number"/>.</summary>
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
        /// <summary><c>Args[0] ? Args[1] : Args[2]</c>.</summary>
        Select,
        /// <summary>A numeric conversion to <see cref="Instr.Type"/>.</summary>
        Convert,
        /// <summary>A <c>System.Math</c>/<c>MathF</c> function from the rule table; <see cref="Instr.Fn"/> names it.</summary>
        Intrinsic,
        /// <summary>A read of a static field or property; <see cref="Instr.Text"/> is its qualified name.</summary>
        LoadStatic,
        /// <summary>A read of a field or property of <c>Args[0]</c>; <see cref="Instr.Text"/> is the member name.</summary>
        LoadMember,
        /// <summary>A call with inactive arguments to a static method named by <see cref="Instr.Text"/>.</summary>
        CallStatic,
        /// <summary>A call with inactive arguments to method <see cref="Instr.Text"/> on <c>Args[0]</c>.</summary>
        CallMember,
    }
}
